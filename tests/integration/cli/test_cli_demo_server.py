"""``beacon demo-server`` as a process: ready line, publishing, and a graceful stop."""

from __future__ import annotations

import asyncio
import json
import signal
import socket

import websockets

from support.cli import run_beacon
from support.demo import DemoServerProcess, start_demo_server_process
from support.engine import Target


async def test_serves_publishes_and_stops_on_sigterm_with_4200(
    demo_server_process: DemoServerProcess,
) -> None:
    server = demo_server_process
    assert (server.host, server.app_id, server.key) == ("127.0.0.1", "1", "demo-key")
    async with websockets.connect(f"{server.ws_url()}/app/{server.key}") as ws:
        assert json.loads(await ws.recv())["event"] == "pusher:connection_established"
        await ws.send(json.dumps({"event": "pusher:subscribe", "data": {"channel": "tickets"}}))
        assert json.loads(await ws.recv())["event"] == "pusher_internal:subscription_succeeded"
        await Target.of("demo", server).publish("tickets", "ticket.created", {"id": 1})
        assert json.loads(await ws.recv())["event"] == "ticket.created"

        server.process.send_signal(signal.SIGTERM)
        error = json.loads(await ws.recv())
        assert error["data"]["code"] == 4200
        async with asyncio.timeout(10):
            await ws.wait_closed()
        assert ws.close_code == 4200
    assert await asyncio.to_thread(server.process.wait, 10) == 0


def test_sigint_exits_0() -> None:
    server = start_demo_server_process("--rate", "5")
    try:
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(10) == 0
        assert "Traceback" not in server.stderr_text()
    finally:
        server.cleanup()


def test_port_in_use_exits_1_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_beacon(None, "demo-server", "--port", str(port), timeout=30)
    assert result.returncode == 1
    assert f"cannot listen on port {port}" in result.stderr
    assert result.stdout == ""
