"""The engine against real servers: Soketi (third-party) and the embedded demo server.

Every test that both servers can serve runs against both. Events are published through
the HTTP API with the official ``pusher`` library, as a real backend would.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from beacon.config.model import AuthSettings
from beacon.pusher import (
    CacheMiss,
    ClientEventError,
    ConnectionState,
    MemberAdded,
    SignedIn,
    Subscribed,
    SubscriptionFailed,
)
from support.engine import Recorder, Target, account, server_target

C = ConnectionState


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


async def subscribed(rec: Recorder, *channels: str, account: str = "acct") -> None:
    for channel in channels:
        await rec.protocol_event(Subscribed, account, channel=channel)


async def test_public_private_and_presence_events_arrive(target: Target) -> None:
    channels = ("tickets", "private-agent-7", "presence-support")
    async with Recorder([account(target, *channels)], target.secret) as rec:
        await subscribed(rec, *channels)
        for channel in channels:
            await target.publish(channel, "ticket.created", {"id": 42, "on": channel})
        for channel in channels:
            event = await rec.event("ticket.created", channel)
            assert event.data == {"id": 42, "on": channel}
            assert json.loads(event.raw_data) == event.data
            assert event.account == "acct"
            assert event.received_at.tzinfo is not None
        assert rec.engine.members("acct", "presence-support") == {"ann": {"name": "Ann"}}
        assert [s.state for s in rec.statuses[:2]] == [C.CONNECTING, C.CONNECTED]


async def test_plain_text_data_arrives_as_text(target: Target) -> None:
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await subscribed(rec, "tickets")
        await target.publish("tickets", "note", "printer on fire")
        event = await rec.event("note")
        assert event.data == "printer on fire"
        assert event.raw_data == "printer on fire"


async def test_presence_members_come_and_go(target: Target) -> None:
    bob = account(
        target,
        "presence-support",
        name="bob",
        auth=AuthSettings(mode="sign", user={"id": "bob", "info": {"name": "Bob"}}),
    )
    async with Recorder([account(target, "presence-support")], target.secret) as rec:
        await subscribed(rec, "presence-support")
        async with Recorder([bob], target.secret) as other:
            await subscribed(other, "presence-support", account="bob")
            added = await rec.protocol_event(MemberAdded, user_id="bob")
            assert added.info == {"name": "Bob"}
            assert set(rec.engine.members("acct", "presence-support")) == {"ann", "bob"}
        await rec.until(lambda: "bob" not in rec.engine.members("acct", "presence-support"))


async def test_encrypted_channel_is_decrypted(target: Target) -> None:
    async with Recorder([account(target, "private-encrypted-vault")], target.secret) as rec:
        await subscribed(rec, "private-encrypted-vault")
        await target.publish("private-encrypted-vault", "secret", {"pin": 1234})
        event = await rec.event("secret")
        assert event.data == {"pin": 1234}


async def test_cache_channel_reports_a_miss_then_replays(target: Target) -> None:
    channel = f"cache-news-{target.kind}"
    async with Recorder([account(target, channel)], target.secret) as rec:
        await rec.protocol_event(CacheMiss, channel=channel)
        await subscribed(rec, channel)
        await target.publish(channel, "headline", {"n": 1})
        await rec.event("headline")
    # A newcomer gets the last event at once, without a new publish.
    async with Recorder([account(target, channel)], target.secret) as late:
        event = await late.event("headline")
        assert event.data == {"n": 1}


async def test_signin_receives_server_to_user_events(target: Target) -> None:
    async with Recorder([account(target, "tickets", signin=True)], target.secret) as rec:
        signed = await rec.protocol_event(SignedIn)
        assert signed.user_id == "ann"
        # pusher-js subscribes to the user's channel after signing in, and so do we.
        await subscribed(rec, "#server-to-user-ann")
        await target.send_to_user("ann", "direct", {"hello": "ann"})
        event = await rec.event("direct")
        assert event.channel == "#server-to-user-ann"
        assert event.data == {"hello": "ann"}
        assert rec.engine.status("acct").detail == "connected"


async def test_client_events_between_two_accounts(target: Target) -> None:
    bob = account(
        target,
        "presence-room",
        name="bob",
        auth=AuthSettings(mode="sign", user={"id": "bob", "info": {}}),
    )
    accounts = [account(target, "presence-room"), bob]
    async with Recorder(accounts, target.secret) as rec:
        await subscribed(rec, "presence-room", account="acct")
        await subscribed(rec, "presence-room", account="bob")
        rec.engine.send_client_event("acct", "presence-room", "client-typing", {"who": "ann"})
        event = await rec.event("client-typing")
        assert event.account == "bob"
        assert event.data == {"who": "ann"}
        assert event.user_id == "ann"


async def test_client_events_refused_on_public_channels(target: Target) -> None:
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await subscribed(rec, "tickets")
        with pytest.raises(ClientEventError, match="only allowed on private- and presence-"):
            rec.engine.send_client_event("acct", "tickets", "client-typing", {})


async def test_bad_signature_fails_one_channel_and_others_keep_working(target: Target) -> None:
    async with Recorder([account(target, "tickets", "private-agent-7")], "wrong-secret") as rec:
        failed = await rec.protocol_event(SubscriptionFailed, channel="private-agent-7")
        assert not failed.needs_login
        await subscribed(rec, "tickets")
        await target.publish("tickets", "still.here", {"ok": True})
        assert (await rec.event("still.here")).data == {"ok": True}
        assert rec.engine.status("acct").state is C.CONNECTED
        assert "private-agent-7 refused" in rec.engine.status("acct").detail


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: server error 4001: App key ")
async def test_unknown_app_key_fails_without_a_retry_loop(target: Target) -> None:
    settings = account(target, "tickets", key="no-such-key")
    async with Recorder([settings], target.secret) as rec:
        failed = await rec.state(C.FAILED)
        assert "(4001)" in failed.detail
        assert not failed.needs_login
        rec.engine.wake()  # waking does not retry a refusal
        # Nothing can be awaited for "no further attempt"; give a retry time to happen.
        await asyncio.sleep(1.5)
        assert rec.engine.attempts("acct") == 1
        assert rec.engine.status("acct").state is C.FAILED


async def test_abrupt_disconnect_recovers_and_resubscribes(demo_server: Any) -> None:
    target = Target(
        "demo",
        demo_server.host,
        demo_server.port,
        demo_server.app_id,
        demo_server.key,
        demo_server.secret,
        demo_server,
    )
    async with Recorder([account(target, "tickets", "private-agent-7")], target.secret) as rec:
        await subscribed(rec, "tickets", "private-agent-7")
        mark = len(rec.protocol)
        await demo_server.drop_all()
        waiting = await rec.state(C.UNAVAILABLE)
        assert "connection lost" in waiting.detail
        await rec.protocol_event(Subscribed, start=mark, channel="tickets")
        await rec.protocol_event(Subscribed, start=mark, channel="private-agent-7")
        await target.publish("private-agent-7", "after", {"n": 2})
        assert (await rec.event("after")).data == {"n": 2}
