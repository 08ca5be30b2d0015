"""A real Engine against a tiny malicious WebSocket server: after a normal handshake and
subscription the server sends hypothesis' hostile frames (text and binary), then one good
event, the canary. Whatever came before, the engine raises nothing, logs the malformed
frames instead of failing on them, and delivers the canary (on the same socket, or on a
new one when a frame legitimately asked it to reconnect) or says in words why it gave up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from beacon.config.model import AccountSettings
from beacon.pusher import ConnectionState
from support.engine import Recorder
from support.hostile import frames

pytestmark = [
    pytest.mark.integration,
    pytest.mark.expect_log_warnings(r"beacon\.(pusher|connect): "),
]

C = ConnectionState


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def established() -> str:
    return json.dumps({
        "event": "pusher:connection_established",
        "data": json.dumps({"socket_id": "1.1", "activity_timeout": 120}),
    })  # fmt: skip


async def scenario(payloads: list[str | bytes]) -> None:
    connections = 0

    async def hostile(ws: ServerConnection) -> None:
        # The client may close on a frame (1009 for one over its size limit): fine.
        with contextlib.suppress(ConnectionClosed):
            await serve_one(ws)

    async def serve_one(ws: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        first = connections == 1
        await ws.send(established())
        async for message in ws:
            frame = json.loads(message)
            if frame.get("event") != "pusher:subscribe":
                continue
            channel = frame["data"]["channel"]
            await ws.send(json.dumps({"event": "pusher_internal:subscription_succeeded",
                                      "channel": channel, "data": "{}"}))  # fmt: skip
            if first:
                for payload in payloads:
                    await ws.send(payload)
            await ws.send(json.dumps({"event": "canary", "channel": channel, "data": "{}"}))

    collect = Collect()
    logger = logging.getLogger("beacon")
    logger.addHandler(collect)
    try:
        async with serve(hostile, "127.0.0.1", 0, max_size=None) as server:
            port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            settings = AccountSettings(
                name="acct", key="k", host="127.0.0.1", port=int(port), tls=False,
                channels=("tickets",),
            )  # fmt: skip
            async with Recorder([settings], "s") as rec:
                gave_up = await rec.until(
                    lambda: (
                        any(e.event == "canary" for e in rec.events)
                        or rec.engine.status("acct").state is C.FAILED
                    ),
                    timeout=20.0,
                )
                status = rec.engine.status("acct")
    finally:
        logger.removeHandler(collect)
    assert gave_up
    if status.state is C.FAILED:
        assert status.detail.startswith("failed:"), status
    crashes = [r for r in collect.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not crashes, [r.getMessage() for r in crashes]
    # A frame over the socket's size limit (1 MiB) closes the socket with 1009 instead.
    fits = all(len(p) < 1 << 20 for p in payloads)
    if fits and any(isinstance(p, str) and not _is_json(p) for p in payloads):
        assert any("malformed" in r.getMessage() for r in collect.records)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):  # Python's json nests 1,000 deep at most
        return False
    return True


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(frames(), max_size=15))
@example(
    [
        "[" * 100_000,
        b"\x00" * 10,
        '{"event":"e","channel":"tickets","data":"' + "[" * 100_000 + '"}',
    ]
)
@example(["x" * 5_000_000])
def test_hostile_frames_never_crash_or_hang_the_engine(payloads: list[Any]) -> None:
    asyncio.run(scenario(payloads))
