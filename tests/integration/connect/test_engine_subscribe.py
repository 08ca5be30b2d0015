"""``Engine.subscribe``/``unsubscribe``: channels joined and left while an account runs
(an open item's presence channel), against the demo server, which records what clients
send, and Soketi, whose users API tells who is on a channel."""

from __future__ import annotations

import asyncio

import pytest

from beacon.demo import DemoServer
from beacon.pusher import ConnectionState, Subscribed
from support.engine import Recorder, Target, account, server_target
from support.publish import official_client


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


async def _users(target: Target, channel: str) -> set[str]:
    answer = await asyncio.to_thread(official_client(target).users_info, channel)
    return {str(u["id"]) for u in answer["users"]}


async def test_a_channel_joined_at_runtime_is_subscribed_and_left(target: Target) -> None:
    channel = f"presence-ticket-{target.kind}-rt"
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await rec.state(ConnectionState.CONNECTED)
        rec.engine.subscribe("acct", channel)
        ev = await rec.protocol_event(Subscribed, channel=channel)
        assert ev.me == "ann" and ev.members == {"ann": {"name": "Ann"}}
        assert await _users(target, channel) == {"ann"}
        rec.engine.unsubscribe("acct", channel)
        assert rec.engine.channel_info("acct", channel) is None
        # A server handles one socket's frames in order: once a later subscription is
        # confirmed, the unsubscribe sent before it has been handled too.
        rec.engine.subscribe("acct", f"{channel}-next")
        await rec.protocol_event(Subscribed, channel=f"{channel}-next")
        assert await _users(target, channel) == set()


async def test_a_channel_joined_before_connecting_is_subscribed_on_connect(
    demo_server: DemoServer,
) -> None:
    server = demo_server
    target = Target.of("demo", server)
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        # Straight after start: the socket is not open yet.
        rec.engine.subscribe("acct", "presence-ticket-1")
        await rec.protocol_event(Subscribed, channel="presence-ticket-1")
        with pytest.raises(ValueError):
            rec.engine.subscribe("acct", "presence-ticket one")
        with pytest.raises(KeyError):
            rec.engine.subscribe("nobody", "presence-ticket-1")
        rec.engine.unsubscribe("nobody", "presence-ticket-1")  # gone already: nothing to do
        # Sent at once, not with whatever the account sends next.
        rec.engine.unsubscribe("acct", "presence-ticket-1")
        await server.wait_for(lambda: server.subscribers("presence-ticket-1") == [], timeout=5)
