"""TLS trust, wake-up and odd frames, against a tiny Pusher-speaking server made for them.

The server is a few lines over ``websockets``: it says ``connection_established``,
confirms subscriptions and sends one event, which is all these tests need. A
self-signed certificate for 127.0.0.1 stands in for a company CA.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

from beacon.config.model import AccountSettings
from beacon.pusher import ConnectionState, Subscribed
from support.engine import Recorder
from support.tls import make_certificate

C = ConnectionState


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    where = tmp_path_factory.mktemp("tls")
    return make_certificate(where, "cert", cn="127.0.0.1")


async def tiny_pusher(ws: ServerConnection) -> None:
    await ws.send(json.dumps({
        "event": "pusher:connection_established",
        "data": json.dumps({"socket_id": "1.1", "activity_timeout": 120}),
    }))  # fmt: skip
    async for message in ws:
        frame = json.loads(message)
        if frame["event"] == "pusher:subscribe":
            channel = frame["data"]["channel"]
            await ws.send(json.dumps(
                {"event": "pusher_internal:subscription_succeeded", "channel": channel,
                 "data": "{}"}
            ))  # fmt: skip
            await ws.send(json.dumps({"event": "hello", "channel": channel, "data": '{"tls":1}'}))


@pytest.fixture
async def tls_server(certificate: tuple[Path, Path]) -> AsyncIterator[Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    async with serve(tiny_pusher, "127.0.0.1", 0, ssl=context) as server:
        yield server


def port_of(server: Server) -> int:
    sockets: Any = server.sockets
    return int(sockets[0].getsockname()[1])


async def test_tls_with_the_account_ca_file(
    tls_server: Server, certificate: tuple[Path, Path]
) -> None:
    settings = AccountSettings(
        name="acct", key="k", host="127.0.0.1", port=port_of(tls_server), tls=True,
        ca_file=certificate[0], channels=("tickets",),
    )  # fmt: skip
    async with Recorder([settings], "s") as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        assert (await rec.event("hello")).data == {"tls": 1}


async def test_untrusted_certificate_is_reported_in_words(tls_server: Server) -> None:
    settings = AccountSettings(
        name="acct", key="k", host="127.0.0.1", port=port_of(tls_server), tls=True,
        channels=("tickets",),
    )  # fmt: skip
    async with Recorder([settings], "s") as rec:
        waiting = await rec.state(C.UNAVAILABLE)
        assert "certificate not trusted" in waiting.detail


async def test_wake_retries_a_waiting_account_at_once(certificate: tuple[Path, Path]) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    async with serve(tiny_pusher, "127.0.0.1", 0, ssl=context) as probe:
        port = port_of(probe)
    # Nothing listens on the port now: the account waits, with growing delays.
    settings = AccountSettings(
        name="acct", key="k", host="127.0.0.1", port=port, tls=True,
        ca_file=certificate[0], channels=("tickets",),
    )  # fmt: skip
    async with Recorder([settings], "s") as rec:
        for attempt in range(1, 4):
            await rec.until(lambda n=attempt: rec.engine.attempts("acct") >= n)  # type: ignore[misc]
        waiting = await rec.until(
            lambda: (s := rec.engine.status("acct")).state is C.UNAVAILABLE and s
        )
        assert "retrying in" in waiting.detail
        async with serve(tiny_pusher, "127.0.0.1", port, ssl=context):
            # The next retry is seconds away; wake() must not wait for it.
            rec.engine.wake()
            await rec.protocol_event(Subscribed, channel="tickets", timeout=1.0)


async def odd_frames_pusher(ws: ServerConnection) -> None:
    await ws.send(json.dumps({
        "event": "pusher:connection_established",
        "data": json.dumps({"socket_id": "1.1", "activity_timeout": 120}),
    }))  # fmt: skip
    async for message in ws:
        frame = json.loads(message)
        if frame["event"] != "pusher:subscribe":
            continue
        channel = frame["data"]["channel"]
        await ws.send(json.dumps(
            {"event": "pusher_internal:subscription_succeeded", "channel": channel, "data": "{}"}
        ))  # fmt: skip
        text = json.dumps({"event": "split", "channel": channel, "data": '{"parts": 3}'})
        third = len(text) // 3
        await ws.send([text[:third], text[third : 2 * third], text[2 * third :]])  # fragments
        await ws.send([b"binary ", b"in two parts"])
        await ws.send(b"\xff\xfe not text")
        await ws.send(json.dumps({"event": "last", "channel": channel, "data": "{}"}))


@pytest.mark.expect_log_warnings(r"^beacon\.connect: skipped a binary (frame|message) ")
async def test_fragmented_and_binary_messages() -> None:
    async with serve(odd_frames_pusher, "127.0.0.1", 0) as server:
        settings = AccountSettings(
            name="acct", key="k", host="127.0.0.1", port=port_of(server), tls=False,
            channels=("tickets",),
        )  # fmt: skip
        async with Recorder([settings], "s") as rec:
            await rec.event("last")
            assert [(e.event, e.data) for e in rec.events] == [
                ("split", {"parts": 3}),
                ("last", {}),
            ]
            assert rec.engine.attempts("acct") == 1
