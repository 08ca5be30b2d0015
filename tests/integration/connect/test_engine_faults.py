"""The engine under faults: server restarts and crashes, a network that swallows traffic,
garbage on the wire, and an auth endpoint that refuses the user's credentials."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from beacon.config.model import AuthSettings
from beacon.pusher import (
    ConnectionState,
    SignedIn,
    StateChanged,
    Subscribed,
    SubscriptionFailed,
)
from support.engine import Recorder, Target, account, server_target
from support.proxy import TcpProxy
from support.soketi import Soketi

C = ConnectionState


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


async def recovered(rec: Recorder, target: Target, mark: int, channel: str = "tickets") -> None:
    """After a fault: subscribed again, and an event published now arrives."""
    await rec.protocol_event(Subscribed, start=mark, channel=channel, timeout=40)
    await target.publish(channel, "after.fault", {"n": mark})
    event = await rec.event("after.fault", timeout=10)
    assert event.data == {"n": mark}


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: server error 4200: ")
async def test_soketi_graceful_restart_4200(soketi_factory: Callable[..., Soketi]) -> None:
    srv = soketi_factory()
    target = Target.of("soketi", srv)
    async with Recorder([account(target, "tickets", "private-a")], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="private-a")
        mark, status_mark = len(rec.protocol), len(rec.statuses)
        await asyncio.to_thread(srv.terminate)
        reconnecting = await rec.state(C.CONNECTING, start=status_mark)
        assert reconnecting.detail.startswith("reconnecting after:")
        assert "(4200)" in reconnecting.detail
        await asyncio.to_thread(srv.start)
        ready = asyncio.get_running_loop().time()
        await rec.protocol_event(Subscribed, start=mark, channel="tickets", timeout=40)
        # Issue 8, defect 1: events flow within a second of the server being ready.
        assert asyncio.get_running_loop().time() - ready < 1.0
        await recovered(rec, target, mark)
        await rec.protocol_event(Subscribed, start=mark, channel="private-a")


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: server error 4200: ")
async def test_demo_graceful_restart_4200(
    demo_server_factory: Callable[..., Awaitable[Any]],
) -> None:
    srv = await demo_server_factory()
    target = Target.of("demo", srv)
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        mark, status_mark = len(rec.protocol), len(rec.statuses)
        await srv.close()
        reconnecting = await rec.state(C.CONNECTING, start=status_mark)
        assert "(4200)" in reconnecting.detail
        await srv.start()  # the same port
        await recovered(rec, target, mark)


@pytest.mark.expect_log_warnings(r"beacon\.pusher: server error \d+: ")
async def test_events_flow_within_a_second_of_a_restarted_server_being_ready(
    demo_server_factory: Callable[..., Awaitable[Any]],
) -> None:
    # Issue 8, defect 1: repeated 4200s and the refused connections of a restart grew the
    # delay; events resumed up to 6.5 s after the server was ready.
    srv = await demo_server_factory()
    target = Target.of("demo", srv)
    loop = asyncio.get_running_loop()
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        for restart in range(3):
            mark = len(rec.protocol)
            tries = rec.engine.attempts("acct") + 4
            await srv.close()
            # Down for a while: several refused connections in a row.
            await rec.until(lambda n=tries: rec.engine.attempts("acct") >= n)  # type: ignore[misc]
            await srv.start()
            ready = loop.time()
            await rec.protocol_event(Subscribed, start=mark, channel="tickets", timeout=10)
            assert loop.time() - ready < 1.0, f"restart {restart}"
            await target.publish("tickets", f"after.restart.{restart}", {"n": restart})
            assert (await rec.event(f"after.restart.{restart}")).data == {"n": restart}


async def test_soketi_killed_then_restarted(soketi_factory: Callable[..., Soketi]) -> None:
    srv = soketi_factory()
    target = Target.of("soketi", srv)
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        mark, status_mark = len(rec.protocol), len(rec.statuses)
        await asyncio.to_thread(srv.kill)
        waiting = await rec.state(C.UNAVAILABLE, start=status_mark)
        assert "retrying in" in waiting.detail
        await asyncio.to_thread(srv.start)
        await recovered(rec, target, mark)


async def test_swallowed_traffic_is_noticed_by_the_pong_timeout(
    target: Target, tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]]
) -> None:
    proxy = await tcp_proxy(target.host, target.port)
    settings = account(target, "tickets", port=proxy.port, activity_timeout=1.0, pong_timeout=1.0)
    async with Recorder([settings], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        mark, status_mark = len(rec.protocol), len(rec.statuses)
        proxy.swallow()
        dropped = await rec.state(C.UNAVAILABLE, start=status_mark)
        assert "no answer to ping within 1 s" in dropped.detail
        proxy.resume()
        await recovered(rec, target, mark)
        assert rec.engine.attempts("acct") >= 2


@pytest.mark.expect_log_warnings(
    r"^beacon\.pusher: skipped a malformed frame: ",
    r"^beacon\.connect: skipped a binary frame ",
)
async def test_garbage_frames_are_skipped(demo_server: Any) -> None:
    target = Target.of("demo", demo_server)
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        demo_server.inject_raw("garbage that is not JSON")
        demo_server.inject_raw(b"\x00\x01\x02 a binary frame")
        demo_server.inject_raw('{"event": "half a frame"')
        demo_server.inject_raw('["a", "list"]')
        demo_server.inject_raw(
            json.dumps({"event": "odd", "channel": "tickets", "data": "{not json"})
        )
        demo_server.publish("tickets", "good", {"ok": True})
        assert (await rec.event("good")).data == {"ok": True}
        odd = await rec.event("odd")
        assert odd.data == "{not json" and odd.raw_data == "{not json"
        assert [e.event for e in rec.events] == ["odd", "good"]
        assert rec.engine.attempts("acct") == 1
        assert rec.engine.status("acct").state is C.CONNECTED


def endpoint_account(target: Target, *channels: str, **overrides: Any) -> Any:
    return account(
        target,
        *channels,
        **overrides,
        auth=AuthSettings(
            mode="endpoint",
            endpoint=target.server.auth_endpoint(),
            headers={"Authorization": "Bearer {secret}"},
        ),
    )


async def test_endpoint_auth_mode(demo_server: Any) -> None:
    target = Target.of("demo", demo_server)
    channels = ("private-agent-7", "presence-support")
    async with Recorder([endpoint_account(target, *channels)], "token-123") as rec:
        for channel in channels:
            await rec.protocol_event(Subscribed, channel=channel)
        assert demo_server.auth_requests >= 2
        assert rec.engine.members("acct", "presence-support")
        demo_server.publish("private-agent-7", "assigned", {"id": 7})
        assert (await rec.event("assigned")).data == {"id": 7}


async def test_endpoint_auth_mode_signs_in(demo_server: Any) -> None:
    target = Target.of("demo", demo_server)
    async with Recorder([endpoint_account(target, "tickets", signin=True)], "t") as rec:
        signed = await rec.protocol_event(SignedIn)
        await target.send_to_user(signed.user_id, "direct", {"x": 1})
        assert (await rec.event("direct")).data == {"x": 1}


async def test_endpoint_403_means_needs_login_without_a_retry_loop(demo_server: Any) -> None:
    target = Target.of("demo", demo_server)
    demo_server.auth_status = 403
    async with Recorder([endpoint_account(target, "tickets", "private-agent-7")], "t") as rec:
        failed = await rec.protocol_event(SubscriptionFailed, channel="private-agent-7")
        assert failed.needs_login and failed.status == 403 and failed.retry_in is None
        status = await rec.until(lambda: (s := rec.engine.status("acct")).needs_login and s)
        # The refused channel does not stop the public one (issue 7, defect 5).
        assert status.state is C.CONNECTED
        assert status.detail.endswith("; private-agent-7 needs login: auth endpoint answered 403")
        await rec.protocol_event(Subscribed, channel="tickets")
        requests = demo_server.auth_requests
        rec.engine.wake()
        # "No retry loop" is an absence: give a loop the time to show itself.
        await asyncio.sleep(1.5)
        assert rec.engine.attempts("acct") == 1
        assert demo_server.auth_requests == requests
        # After a new login, an explicit retry works.
        demo_server.auth_status = None
        rec.engine.retry("acct")
        await rec.protocol_event(Subscribed, channel="private-agent-7")


async def test_close_while_the_handshake_hangs_leaves_no_socket(
    demo_server: Any, tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]]
) -> None:
    target = Target.of("demo", demo_server)
    proxy = await tcp_proxy(target.host, target.port)
    proxy.swallow()  # the TCP connection opens; the WebSocket handshake never answers
    rec = Recorder([account(target, "tickets", port=proxy.port)], target.secret)
    await rec.engine.start()
    await proxy.wait_accepted(1)
    async with asyncio.timeout(5):
        await rec.engine.close()
    await proxy.wait_active(0)
    assert rec.statuses[-1].state is C.DISCONNECTED


async def test_retry_after_needs_login_does_not_mix_up_sockets(demo_server: Any) -> None:
    target = Target.of("demo", demo_server)
    demo_server.auth_status = 401
    async with Recorder([endpoint_account(target, "tickets", "private-agent-7")], "t") as rec:
        await rec.protocol_event(SubscriptionFailed, channel="private-agent-7", needs_login=True)
        demo_server.auth_status = None
        mark = len(rec.protocol)
        rec.engine.retry("acct")  # after a new login: the refused channel is asked again
        await rec.protocol_event(Subscribed, start=mark, channel="private-agent-7")
        await rec.protocol_event(Subscribed, channel="tickets")
        assert rec.engine.attempts("acct") == 1  # the connection itself stayed up
        assert not rec.engine.status("acct").needs_login
        demo_server.publish("tickets", "fresh", {"ok": 1})
        assert (await rec.event("fresh")).data == {"ok": 1}
        assert rec.engine.status("acct").state is C.CONNECTED
        await demo_server.wait_for(lambda: demo_server.client_count == 1)


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: server error 4\d\d\d: over quota$")
@pytest.mark.parametrize(
    ("code", "state", "words"),
    [
        (4004, C.FAILED, "failed: over quota (4004)"),
        (4100, C.UNAVAILABLE, "after: over quota (4100)"),
        (4201, C.CONNECTING, "reconnecting after: over quota (4201)"),
        (1011, C.UNAVAILABLE, "after: over quota (1011)"),
    ],
)
async def test_close_codes_mid_session(
    demo_server: Any, code: int, state: ConnectionState, words: str
) -> None:
    target = Target.of("demo", demo_server)
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        status_mark = len(rec.statuses)
        await demo_server.disconnect_all(code, "over quota")
        status = await rec.state(state, start=status_mark)
        assert words in status.detail
        if code == 4100:
            assert float(status.detail.split()[2]) >= 1.0  # "retrying in X s ..."
        if state is not C.FAILED:
            await rec.state(C.CONNECTED, start=status_mark, timeout=20)


@pytest.mark.expect_log_warnings(r"beacon\.pusher: server error \d+: ")
async def test_a_flood_of_server_errors_logs_a_handful_of_lines(
    demo_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 8, defect 7: 5,000 pusher:error frames printed 10,010 lines.
    caplog.set_level(logging.WARNING, logger="beacon.pusher")
    target = Target.of("demo", demo_server)
    async with Recorder([account(target, "tickets")], target.secret) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        error = json.dumps({"event": "pusher:error", "data": {"code": 4301, "message": "slow"}})
        for _ in range(5000):
            demo_server.inject_raw(error)
        demo_server.publish("tickets", "after.flood", {})
        await rec.event("after.flood")
    assert caplog.messages == ["server error 4301: slow"] * 5


@pytest.mark.expect_log_warnings(r"beacon\.pusher: server error \d+: ")
@pytest.mark.parametrize("code", [4100, 4301, 1011])
async def test_a_server_that_accepts_then_closes_gets_growing_delays(
    demo_server: Any, code: int
) -> None:
    # Issue 8, defect 2: each connection was established, so each reset the backoff, and
    # Beacon reconnected about every second, forever.
    target = Target.of("demo", demo_server)
    options = {"backoff": lambda: itertools.count(0.8, 0.8)}  # 0.8, 1.6, 2.4 s
    settings = account(target, "tickets")
    async with Recorder([settings], target.secret, engine_options=options) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        delays = []
        for _ in range(3):
            mark = len(rec.protocol)
            await demo_server.disconnect_all(code, "go away")
            change = await rec.protocol_event(StateChanged, start=mark, state=C.UNAVAILABLE)
            delays.append(change.retry_in)
            await rec.protocol_event(Subscribed, start=mark, channel="tickets")
        # 4100-4199 wait at least a second (the protocol's "come back later").
        first = 1.0 if code == 4100 else 0.8
        assert delays == pytest.approx([first, 1.6, 2.4])


@pytest.mark.parametrize("read_slice", [None, 64])
async def test_read_slice_spreads_a_burst_over_loop_turns(
    demo_server: Any, read_slice: int | None
) -> None:
    # Engine(read_slice=...) reaches the socket: a burst that arrives in one read is
    # handled a slice per turn of the event loop, so a UI on the loop stays responsive.
    target = Target.of("demo", demo_server)
    options = {"read_slice": read_slice}
    async with Recorder([account(target, "tickets")], target.secret, engine_options=options) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        turns = 0
        seen_at: list[int] = []

        async def count_turns() -> None:
            nonlocal turns
            while True:
                turns += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(count_turns())
        rec.engine.on_event = lambda event: (seen_at.append(turns), rec._on_event(event))
        for n in range(50):  # written in one go: the socket reads them together
            demo_server.publish("tickets", "burst", {"n": n, "pad": "x" * 100})
        async with asyncio.timeout(10):
            while len(seen_at) < 50:
                await asyncio.sleep(0)
        ticker.cancel()
        assert [e.data["n"] for e in rec.events if e.event == "burst"] == list(range(50))
        if read_slice is None:
            assert len(set(seen_at)) < 10  # a handful of reads, each handled at once
        else:
            assert len(set(seen_at)) == 50  # a frame spans several 64-byte slices
