"""The protocol state machine: strings and times in, events and frames out."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.pusher import (
    AuthNeeded,
    CacheMiss,
    ChannelStatus,
    ClientEventError,
    ConnectionState,
    DropTransport,
    EventDropped,
    EventReceived,
    FrameSkipped,
    MemberAdded,
    MemberRemoved,
    OpenTransport,
    ProtocolEvent,
    PusherConnection,
    ServerError,
    SignedIn,
    SigninFailed,
    SigninNeeded,
    StateChanged,
    Subscribed,
    SubscriptionFailed,
)
from beacon.pusher.auth import shared_secret
from beacon.pusher.crypto import encrypt
from beacon.pusher.policy import MAX_ACTIVITY_TIMEOUT, RESTART_RETRY, RESTART_WINDOW, USEFUL_AFTER

C = ConnectionState


def fixed_backoff() -> Iterator[float]:
    return itertools.count(2.0, 2.0)  # 2, 4, 6, ... : predictable


def make(*channels: str, **kwargs: Any) -> PusherConnection:
    kwargs.setdefault("backoff_factory", fixed_backoff)
    return PusherConnection(channels, **kwargs)


def frame(event: str, data: Any = None, channel: str | None = None, **extra: Any) -> str:
    message: dict[str, Any] = {"event": event}
    if data is not None:
        message["data"] = data if isinstance(data, str) else json.dumps(data)
    if channel is not None:
        message["channel"] = channel
    message.update(extra)
    return json.dumps(message)


def established(socket_id: str = "1.1", activity_timeout: int = 120) -> str:
    return frame(
        "pusher:connection_established",
        {"socket_id": socket_id, "activity_timeout": activity_timeout},
    )


def sent(conn: PusherConnection) -> list[dict[str, Any]]:
    return [json.loads(text) for text in conn.data_to_send()]


def of(events: list[ProtocolEvent], kind: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def connected(*channels: str, now: float = 0.0, **kwargs: Any) -> PusherConnection:
    conn = make(*channels, **kwargs)
    conn.connect(now)
    conn.opened(now)
    conn.receive(established(), now)
    return conn


# -- handshake and states ----------------------------------------------------------------


def test_connect_asks_for_a_transport_and_reports_connecting() -> None:
    conn = make("tickets")
    assert conn.state is C.INITIALIZED
    events = conn.connect(0.0)
    assert of(events, StateChanged)[0].state is C.CONNECTING
    assert of(events, OpenTransport)
    assert conn.connect(0.0) == []  # already connecting


def test_connection_established_subscribes_public_channels() -> None:
    conn = make("tickets", "cache-news")
    conn.connect(0.0)
    conn.opened(0.1)
    events = conn.receive(established("123.456"), 0.2)
    change = of(events, StateChanged)[0]
    assert (change.previous, change.state) == (C.CONNECTING, C.CONNECTED)
    assert change.detail == "connected"
    assert conn.socket_id == "123.456"
    assert sent(conn) == [
        {"event": "pusher:subscribe", "data": {"channel": "tickets"}},
        {"event": "pusher:subscribe", "data": {"channel": "cache-news"}},
    ]
    conn.receive(frame("pusher_internal:subscription_succeeded", {}, "tickets"), 0.3)
    assert conn.channel_status("tickets") is ChannelStatus.SUBSCRIBED


def test_established_data_may_be_an_object() -> None:
    conn = make()
    conn.connect(0.0)
    events = conn.receive(
        json.dumps({"event": "pusher:connection_established", "data": {"socket_id": "9.9"}}), 0
    )
    assert conn.state is C.CONNECTED and of(events, StateChanged)


@pytest.mark.expect_log_warnings(
    r"^beacon\.pusher: skipped a malformed pusher:connection_established frame",
)
def test_established_without_socket_id_is_skipped_not_fatal() -> None:
    conn = make()
    conn.connect(0.0)
    events = conn.receive(frame("pusher:connection_established", {"activity_timeout": 5}), 0)
    assert of(events, FrameSkipped)
    assert conn.state is C.CONNECTING


def test_handshake_timeout_drops_and_retries() -> None:
    conn = make(connect_timeout=10.0)
    conn.connect(0.0)
    assert conn.next_deadline() == 10.0
    assert conn.tick(9.9) == []
    events = conn.tick(10.0)
    assert of(events, DropTransport)
    assert conn.state is C.UNAVAILABLE
    assert conn.next_deadline() == 12.0


def test_application_event_is_delivered_with_decoded_data() -> None:
    conn = connected("tickets")
    events = conn.receive(frame("ticket.created", json.dumps({"id": 42}), "tickets"), 1.0)
    assert events == [EventReceived("tickets", "ticket.created", {"id": 42}, '{"id": 42}', None)]


def test_event_for_an_unknown_channel_is_ignored() -> None:
    conn = connected("tickets")
    assert conn.receive(frame("x", "{}", "elsewhere"), 1.0) == []


# -- malformed frames --------------------------------------------------------------------


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: skipped a malformed frame: ")
@pytest.mark.parametrize(
    "text",
    ["garbage", "[]", '{"event": 1}', '{"no": "event"}', b"\x00\xff binary".decode("latin-1")],
)
def test_malformed_frames_are_skipped_and_the_next_event_arrives(text: str) -> None:
    conn = connected("tickets")
    events = conn.receive(text, 1.0)
    assert [type(e) for e in events] == [FrameSkipped]
    assert conn.state is C.CONNECTED
    after = conn.receive(frame("e", '"ok"', "tickets"), 1.1)
    assert after == [EventReceived("tickets", "e", "ok", '"ok"', None)]


@pytest.mark.expect_log_warnings(
    r"^beacon\.pusher: skipped a malformed pusher_internal:member_added frame",
)
def test_protocol_event_with_wrong_shape_is_skipped() -> None:
    conn = connected("presence-a")
    events = conn.receive(frame("pusher_internal:member_added", '"nope"', "presence-a"), 1)
    assert of(events, FrameSkipped)
    assert conn.state is C.CONNECTED


def test_non_json_data_is_delivered_as_text() -> None:
    conn = connected("tickets")
    (event,) = conn.receive(frame("e", "plain words", "tickets"), 1.0)
    assert isinstance(event, EventReceived)
    assert event.data == "plain words" and event.raw_data == "plain words"


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: skipped a malformed ")
@settings(max_examples=300)
@given(st.text())
def test_any_text_never_breaks_the_connection(text: str) -> None:
    conn = connected("tickets")
    for event in conn.receive(text, 1.0):
        assert isinstance(event, ProtocolEvent)
    assert conn.state is C.CONNECTED


# -- liveness ----------------------------------------------------------------------------


def test_server_activity_timeout_sends_ping_then_pong_keeps_alive() -> None:
    conn = make()
    conn.connect(0.0)
    conn.receive(established(activity_timeout=30), 0.0)
    assert conn.next_deadline() == 30.0
    assert conn.tick(29.0) == []
    assert sent(conn) == []
    conn.tick(30.0)
    assert sent(conn) == [{"event": "pusher:ping", "data": {}}]
    assert conn.next_deadline() == 60.0  # default pong timeout 30 s
    conn.receive(frame("pusher:pong", "{}"), 31.0)
    assert conn.next_deadline() == 61.0
    assert conn.state is C.CONNECTED


def test_any_frame_postpones_the_ping() -> None:
    conn = connected("tickets")
    conn.receive(frame("e", "{}", "tickets"), 100.0)
    assert conn.next_deadline() == 220.0


def test_account_override_beats_server_activity_timeout() -> None:
    conn = make(activity_timeout=2.0, pong_timeout=1.0)
    conn.connect(0.0)
    conn.receive(established(activity_timeout=120), 0.0)
    assert conn.next_deadline() == 2.0


def test_no_pong_drops_the_connection_and_schedules_a_retry() -> None:
    conn = make(activity_timeout=2.0, pong_timeout=1.0)
    conn.connect(0.0)
    conn.receive(established(), 0.0)
    conn.tick(2.0)
    assert sent(conn)[0]["event"] == "pusher:ping"
    events = conn.tick(3.0)
    drop = of(events, DropTransport)
    assert drop and "no answer to ping within 1 s" in drop[0].reason
    change = of(events, StateChanged)[-1]
    assert change.state is C.UNAVAILABLE
    assert change.detail == "retrying in 2.0 s after: no answer to ping within 1 s"
    # The runtime's later report of the dropped socket changes nothing.
    assert conn.closed(1006, "", 3.1) == []
    assert conn.tick(5.0) == [
        StateChanged(C.UNAVAILABLE, C.CONNECTING, "connecting"),
        OpenTransport(),
    ]


def test_server_ping_is_answered_with_pong() -> None:
    conn = connected()
    conn.receive(frame("pusher:ping", "{}"), 5.0)
    assert sent(conn) == [{"event": "pusher:pong", "data": {}}]


def test_wake_pings_a_connected_socket() -> None:
    conn = connected(pong_timeout=5.0)
    conn.wake(10.0)
    assert sent(conn)[0]["event"] == "pusher:ping"
    assert conn.next_deadline() == 15.0


# -- close codes -------------------------------------------------------------------------


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: server error 4001: ")
def test_4001_fails_with_the_server_message_and_no_retry() -> None:
    conn = make()
    conn.connect(0.0)
    conn.opened(0.0)
    events = conn.receive(
        frame("pusher:error", {"code": 4001, "message": "App key not-a-key not in this cluster"}),
        0.1,
    )
    assert events == [ServerError(4001, "App key not-a-key not in this cluster")]
    events = conn.closed(4001, "", 0.2)
    change = of(events, StateChanged)[-1]
    assert change.state is C.FAILED
    assert change.detail == "failed: App key not-a-key not in this cluster (4001)"
    assert not of(events, OpenTransport)
    assert conn.next_deadline() is None
    assert conn.tick(1000.0) == []


def test_close_reason_is_used_when_given() -> None:
    conn = make()
    conn.connect(0.0)
    events = conn.closed(4003, "Application disabled", 0.1)
    assert of(events, StateChanged)[-1].detail == "failed: Application disabled (4003)"


def test_4100_backs_off_at_least_one_second() -> None:
    conn = make(backoff_factory=lambda: itertools.repeat(0.1))
    conn.connect(0.0)
    events = conn.closed(4100, "Over capacity", 0.0)
    change = of(events, StateChanged)[-1]
    assert change.state is C.UNAVAILABLE and change.retry_in == 1.0
    assert conn.next_deadline() == 1.0


def test_4200_reconnects_at_once_and_resubscribes_everything() -> None:
    conn = connected("tickets", "private-a")
    sent(conn)
    events = conn.closed(4200, "Server is closing", 10.0)
    assert of(events, OpenTransport)
    assert conn.state is C.CONNECTING
    assert of(events, StateChanged)[-1].detail == "reconnecting after: Server is closing (4200)"
    events = conn.receive(established("2.2"), 10.1)
    assert sent(conn) == [{"event": "pusher:subscribe", "data": {"channel": "tickets"}}]
    assert of(events, AuthNeeded) == [AuthNeeded("private-a", "2.2")]


def test_repeated_4200_waits_a_short_fixed_delay() -> None:
    conn = connected()
    conn.closed(4200, "restart", 1.0)
    conn.receive(established(), 1.1)
    events = conn.closed(4200, "restart", 1.2)
    assert not of(events, OpenTransport)  # no spinning on a server that keeps asking
    assert conn.state is C.UNAVAILABLE
    assert of(events, StateChanged)[-1].retry_in == RESTART_RETRY


def test_a_restarting_server_is_retried_quickly_without_a_grown_delay() -> None:
    # While a server shuts down it answers 4200 again and again, then refuses
    # connections until it is back: neither may grow the delay (issue 8, defect 1).
    conn = connected()
    now = 1.0
    conn.closed(4200, "restart", now)
    delays = []
    for code in (4200, 4200, 4200, None, None, None, None):
        if code is not None:
            conn.receive(established(), now + 0.05)
        events = conn.closed(code, "x", now + 0.1)
        change = of(events, StateChanged)[-1]
        now += 0.1
        if change.retry_in is None:  # a 4200 a while after the last: at once
            assert code == 4200 and of(events, OpenTransport)
            continue
        delays.append(change.retry_in)
        now += change.retry_in
        assert of(conn.tick(now), OpenTransport)
    assert delays == [RESTART_RETRY] * len(delays) and len(delays) >= 5
    # Long after the restart, a refused connection backs off again, from the start.
    change = of(conn.closed(None, "refused", now + RESTART_WINDOW), StateChanged)[-1]
    assert change.retry_in == 2.0


def test_the_server_activity_timeout_is_capped() -> None:
    conn = make("tickets")
    conn.connect(0.0)
    conn.receive(established(activity_timeout=10**12), 0.0)
    assert conn.next_deadline() == MAX_ACTIVITY_TIMEOUT
    events = conn.tick(MAX_ACTIVITY_TIMEOUT)
    assert not events and sent(conn)[-1] == {"event": "pusher:ping", "data": {}}


def test_network_error_backoff_grows_and_never_gives_up() -> None:
    conn = make()
    conn.connect(0.0)
    now = 0.0
    delays = []
    for _ in range(50):
        events = conn.closed(None, "connection refused", now)
        change = of(events, StateChanged)[-1]
        assert change.state is C.UNAVAILABLE
        assert change.detail.endswith("after: connection refused")
        assert change.retry_in is not None
        delays.append(change.retry_in)
        now += change.retry_in
        assert of(conn.tick(now), OpenTransport)
    assert delays[:3] == [2.0, 4.0, 6.0]


def test_successful_connection_resets_the_backoff() -> None:
    conn = make()
    conn.connect(0.0)
    conn.closed(None, "refused", 0.0)
    conn.tick(2.0)
    conn.closed(None, "refused", 2.0)  # second delay: 4 s
    conn.tick(6.0)
    conn.receive(established(), 6.1)
    events = conn.closed(1006, "", 6.1 + USEFUL_AFTER)
    assert of(events, StateChanged)[-1].retry_in == 2.0


@pytest.mark.parametrize("code", [4100, 4301, 1011, None])
def test_a_connection_closed_before_it_was_useful_keeps_the_backoff_growing(
    code: int | None,
) -> None:
    # A server that accepts, then closes at once, must not be hammered every second.
    conn = make()
    conn.connect(0.0)
    now, delays = 0.0, []
    for _ in range(4):
        conn.receive(established(), now + 0.1)
        events = conn.closed(code, "go away", now + 0.2)
        change = of(events, StateChanged)[-1]
        assert change.state is C.UNAVAILABLE and change.retry_in is not None
        delays.append(change.retry_in)
        now += 0.2 + change.retry_in
        assert of(conn.tick(now), OpenTransport)
    assert delays == [2.0, 4.0, 6.0, 8.0]


def test_a_connection_that_was_serving_starts_the_backoff_over() -> None:
    # A server killed while serving (no close frame) comes back in seconds: the delays
    # must not keep growing from one kill to the next, however short each uptime.
    conn = make()
    conn.subscribe("tickets")
    conn.connect(0.0)
    now, delays = 0.0, []
    for _ in range(4):
        conn.receive(established(), now + 0.1)
        conn.receive(
            '{"event":"pusher_internal:subscription_succeeded","channel":"tickets","data":"{}"}',
            now + 0.2,
        )
        change = of(conn.closed(None, "connection lost", now + 1.0), StateChanged)[-1]
        delays.append(change.retry_in)
        now += 1.0 + (change.retry_in or 0.0)
        conn.tick(now)
    assert delays == [2.0, 2.0, 2.0, 2.0]


def test_4100_starts_at_one_second_and_grows() -> None:
    conn = make(backoff_factory=lambda: itertools.count(0.5, 1.0))  # 0.5, 1.5, 2.5
    conn.connect(0.0)
    delays = []
    now = 0.0
    for _ in range(3):
        conn.receive(established(), now)
        change = of(conn.closed(4100, "over capacity", now + 0.1), StateChanged)[-1]
        delays.append(change.retry_in)
        now += 0.1 + change.retry_in
        conn.tick(now)
    assert delays == [1.0, 1.5, 2.5]


def test_wake_retries_a_waiting_connection_at_once() -> None:
    conn = make()
    conn.connect(0.0)
    conn.closed(None, "network unreachable", 0.0)
    events = conn.wake(0.5)
    assert of(events, OpenTransport)
    assert conn.state is C.CONNECTING


def test_wake_starts_the_backoff_over() -> None:
    # DESIGN.md: wake from sleep and network changes retry at once, and a failure after
    # that waits the first delay again, not the next one of the old sequence.
    conn = make()
    conn.connect(0.0)
    conn.closed(None, "refused", 0.0)  # 2 s
    conn.tick(2.0)
    conn.closed(None, "refused", 2.0)  # 4 s
    conn.wake(3.0)
    events = conn.closed(None, "refused", 3.1)
    assert of(events, StateChanged)[-1].retry_in == 2.0


def test_wake_leaves_a_failed_connection_alone() -> None:
    conn = make()
    conn.connect(0.0)
    conn.closed(4001, "no such app", 0.0)
    assert conn.wake(1.0) == []
    assert conn.state is C.FAILED
    assert of(conn.connect(2.0), OpenTransport)  # an explicit retry does work


def test_disconnect_drops_the_transport_and_stops_retrying() -> None:
    conn = connected("tickets")
    events = conn.disconnect(5.0)
    assert of(events, DropTransport)[0].code == 1000
    assert conn.state is C.DISCONNECTED
    assert conn.next_deadline() is None
    assert conn.closed(1000, "", 5.1) == []


# -- private and presence channels -------------------------------------------------------


def test_private_channel_asks_for_auth_then_subscribes() -> None:
    conn = make("private-agent-7")
    conn.connect(0.0)
    events = conn.receive(established("5.5"), 0.0)
    assert of(events, AuthNeeded) == [AuthNeeded("private-agent-7", "5.5")]
    assert sent(conn) == []
    assert conn.authorized("private-agent-7", "key:sig", socket_id="5.5") == []
    assert sent(conn) == [
        {"event": "pusher:subscribe", "data": {"channel": "private-agent-7", "auth": "key:sig"}}
    ]


def test_auth_answer_for_an_old_socket_is_ignored() -> None:
    conn = connected("private-a")
    conn.closed(4200, "restart", 1.0)
    conn.receive(established("new.1"), 1.1)
    assert conn.authorized("private-a", "key:old", socket_id="1.1") == []
    assert sent(conn) == []


def test_bad_signature_fails_one_channel_and_others_keep_working() -> None:
    conn = connected("tickets", "private-a")
    conn.authorized("private-a", "key:bad")
    events = conn.receive(
        frame(
            "pusher:subscription_error",
            {"type": "AuthError", "error": "The connection is unauthorized.", "status": 401},
            "private-a",
        ),
        1.0,
    )
    assert events == [
        SubscriptionFailed("private-a", "The connection is unauthorized.", 401, retry_in=2.0)
    ]
    assert conn.channel_status("private-a") is ChannelStatus.RETRYING
    assert conn.state is C.CONNECTED
    assert of(conn.receive(frame("e", "1", "tickets"), 1.1), EventReceived)
    # A refusal may pass: the channel is authorized and subscribed again later.
    assert conn.next_deadline() == 3.0
    assert conn.tick(3.0) == [AuthNeeded("private-a", "1.1")]


def test_auth_failed_without_login_problem_keeps_the_connection() -> None:
    conn = connected("tickets", "private-a")
    events = conn.auth_failed("private-a", "auth endpoint answered 500", status=500)
    assert events == [SubscriptionFailed("private-a", "auth endpoint answered 500", 500)]
    assert conn.state is C.CONNECTED


def test_a_transient_auth_failure_is_retried_with_a_growing_delay() -> None:
    conn = connected("tickets", "private-a", activity_timeout=1000.0)
    now, delays = 1.0, []
    for reason in ("auth endpoint answered 500", "timed out", "not JSON"):
        events = conn.auth_failed("private-a", reason, status=None, now=now)
        failed = of(events, SubscriptionFailed)[0]
        assert not failed.needs_login and failed.retry_in is not None
        delays.append(failed.retry_in)
        info = conn.channel_info("private-a")
        assert info is not None and info.status is ChannelStatus.RETRYING
        assert info.reason == reason and info.retry_at == now + failed.retry_in
        assert conn.next_deadline() == info.retry_at
        now = info.retry_at
        assert conn.tick(now) == [AuthNeeded("private-a", "1.1")]
    assert delays == [2.0, 4.0, 6.0]
    conn.authorized("private-a", "key:sig")
    conn.receive(frame("pusher_internal:subscription_succeeded", "{}", "private-a"), now)
    info = conn.channel_info("private-a")
    assert info is not None and info.status is ChannelStatus.SUBSCRIBED and info.reason is None
    # Subscribed: the next failure starts from the first delay again.
    events = conn.auth_failed("private-a", "500", now=now)
    assert of(events, SubscriptionFailed)[0].retry_in == 2.0


def test_needs_login_fails_the_channel_without_stopping_the_others() -> None:
    conn = connected("tickets", "private-a")
    conn.receive(frame("pusher_internal:subscription_succeeded", "{}", "tickets"), 0.5)
    events = conn.auth_failed("private-a", "auth endpoint answered 403", True, status=403, now=1.0)
    assert events == [SubscriptionFailed("private-a", "auth endpoint answered 403", 403, True)]
    assert conn.state is C.CONNECTED and conn.needs_login
    assert conn.channel_status("private-a") is ChannelStatus.FAILED
    assert conn.channel_status("tickets") is ChannelStatus.SUBSCRIBED
    assert of(conn.receive(frame("e", "1", "tickets"), 1.1), EventReceived)
    # No retry loop: nothing is planned for the channel.
    assert conn.next_deadline() == 1.1 + 120.0
    # After a new login, connect() asks for the channel again.
    assert conn.connect(2.0) == [AuthNeeded("private-a", "1.1")]
    assert not conn.needs_login


def test_presence_members_join_and_leave() -> None:
    conn = connected("presence-support")
    conn.authorized("presence-support", "key:sig", json.dumps({"user_id": "ann", "user_info": {}}))
    assert sent(conn)[0]["data"]["channel_data"] == '{"user_id": "ann", "user_info": {}}'
    presence = {"ids": ["ann", "bob"], "hash": {"ann": {"n": 1}, "bob": {"n": 2}}, "count": 2}
    events = conn.receive(
        frame("pusher_internal:subscription_succeeded", {"presence": presence}, "presence-support"),
        1.0,
    )
    assert events == [Subscribed("presence-support", {"ann": {"n": 1}, "bob": {"n": 2}}, "ann")]
    events = conn.receive(
        frame(
            "pusher_internal:member_added",
            {"user_id": "cy", "user_info": {"n": 3}},
            "presence-support",
        ),
        2.0,
    )
    assert events == [MemberAdded("presence-support", "cy", {"n": 3})]
    events = conn.receive(
        frame("pusher_internal:member_removed", {"user_id": "bob"}, "presence-support"), 3.0
    )
    assert events == [MemberRemoved("presence-support", "bob", {"n": 2})]
    assert conn.members("presence-support") == {"ann": {"n": 1}, "cy": {"n": 3}}


def test_presence_auth_without_channel_data_fails_the_channel() -> None:
    conn = connected("presence-a")
    events = conn.authorized("presence-a", "key:sig")
    assert of(events, SubscriptionFailed)


def test_client_event_with_user_id_on_presence() -> None:
    conn = connected("presence-a")
    events = conn.receive(
        json.dumps(
            {"event": "client-typing", "channel": "presence-a", "data": "{}", "user_id": "bob"}
        ),
        1.0,
    )
    assert events == [EventReceived("presence-a", "client-typing", {}, "{}", "bob")]


# -- client events -----------------------------------------------------------------------


def subscribed(conn: PusherConnection, channel: str) -> None:
    conn.receive(frame("pusher_internal:subscription_succeeded", {}, channel), 0.5)


def test_client_events_go_out_on_private_channels() -> None:
    conn = connected("private-a")
    conn.authorized("private-a", "k:s")
    subscribed(conn, "private-a")
    sent(conn)
    conn.send_event("private-a", "client-typing", {"who": "me"})
    assert sent(conn) == [{"event": "client-typing", "data": {"who": "me"}, "channel": "private-a"}]


@pytest.mark.parametrize("channel", ["tickets", "cache-x", "private-encrypted-x"])
def test_client_events_are_refused_on_other_channels(channel: str) -> None:
    conn = connected(channel)
    with pytest.raises(ClientEventError, match="only allowed on private- and presence-"):
        conn.send_event(channel, "client-typing", {})


def test_client_event_name_must_start_with_client() -> None:
    conn = connected("private-a")
    with pytest.raises(ClientEventError, match="start with 'client-'"):
        conn.send_event("private-a", "typing", {})


def test_client_event_before_subscription_is_refused() -> None:
    conn = connected("private-a")
    with pytest.raises(ClientEventError, match="not subscribed"):
        conn.send_event("private-a", "client-typing", {})


# -- encrypted channels ------------------------------------------------------------------

KEY = shared_secret("private-encrypted-x", b"m" * 32)
OTHER_KEY = shared_secret("private-encrypted-x", b"n" * 32)


def encrypted_connection() -> PusherConnection:
    conn = connected("private-encrypted-x")
    conn.authorized("private-encrypted-x", "k:s", shared_secret=KEY)
    subscribed(conn, "private-encrypted-x")
    return conn


def test_encrypted_event_is_decrypted() -> None:
    conn = encrypted_connection()
    events = conn.receive(frame("secret", encrypt(KEY, '{"n": 1}'), "private-encrypted-x"), 1.0)
    assert events == [EventReceived("private-encrypted-x", "secret", {"n": 1}, '{"n": 1}')]


def test_encrypted_channel_without_shared_secret_fails() -> None:
    conn = connected("private-encrypted-x")
    events = conn.authorized("private-encrypted-x", "k:s")
    assert of(events, SubscriptionFailed)


def test_decrypt_failure_reauthorizes_once_then_delivers() -> None:
    conn = encrypted_connection()
    events = conn.receive(frame("a", encrypt(OTHER_KEY, '"one"'), "private-encrypted-x"), 1.0)
    assert events == [AuthNeeded("private-encrypted-x", "1.1")]
    # Events that arrive meanwhile wait, in order.
    assert conn.receive(frame("b", encrypt(OTHER_KEY, '"two"'), "private-encrypted-x"), 1.1) == []
    events = conn.authorized("private-encrypted-x", "k:s", shared_secret=OTHER_KEY)
    assert [(e.event, e.data) for e in of(events, EventReceived)] == [("a", "one"), ("b", "two")]
    assert sent(conn) == [
        {"event": "pusher:subscribe", "data": {"channel": "private-encrypted-x", "auth": "k:s"}}
    ]


@pytest.mark.expect_log_warnings(
    r"^beacon\.pusher: dropped .*: cannot decrypt even with a fresh key",
)
def test_decrypt_failure_with_the_fresh_key_drops_the_event() -> None:
    conn = encrypted_connection()
    unknown = shared_secret("private-encrypted-x", b"z" * 32)
    conn.receive(frame("a", encrypt(unknown, '"one"'), "private-encrypted-x"), 1.0)
    events = conn.authorized("private-encrypted-x", "k:s", shared_secret=KEY)
    (dropped,) = events
    assert isinstance(dropped, EventDropped)
    assert "even with a fresh key" in dropped.reason
    # The next good event arrives normally.
    events = conn.receive(frame("b", encrypt(KEY, '"ok"'), "private-encrypted-x"), 2.0)
    assert of(events, EventReceived)[0].data == "ok"


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: dropped .*: no fresh key: ")
def test_reauthorization_failure_drops_held_events() -> None:
    conn = encrypted_connection()
    conn.receive(frame("a", encrypt(OTHER_KEY, '"one"'), "private-encrypted-x"), 1.0)
    events = conn.auth_failed("private-encrypted-x", "endpoint down")
    assert [type(e) for e in events] == [EventDropped]
    assert conn.channel_status("private-encrypted-x") is ChannelStatus.SUBSCRIBED


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: dropped .*: encrypted event data ")
@pytest.mark.parametrize(
    "data", ['"plain"', '{"ciphertext": "x"}', '{"ciphertext": "!!", "nonce": "!!"}']
)
def test_malformed_encrypted_payload_is_dropped_without_reauth(data: str) -> None:
    conn = encrypted_connection()
    events = conn.receive(frame("a", data, "private-encrypted-x"), 1.0)
    assert [type(e) for e in events] == [EventDropped]


# -- cache channels and sign-in ----------------------------------------------------------


def test_cache_miss_is_reported() -> None:
    conn = connected("cache-news")
    assert conn.receive(frame("pusher:cache_miss", None, "cache-news"), 1.0) == [
        CacheMiss("cache-news")
    ]


def test_signin_then_server_to_user_events() -> None:
    conn = make(signin=True)
    conn.connect(0.0)
    events = conn.receive(established("3.3"), 0.0)
    assert of(events, SigninNeeded) == [SigninNeeded("3.3")]
    conn.signin_authorized("k:sig", '{"id":"ann"}', socket_id="3.3")
    assert sent(conn) == [
        {"event": "pusher:signin", "data": {"auth": "k:sig", "user_data": '{"id":"ann"}'}}
    ]
    events = conn.receive(frame("pusher:signin_success", {"user_data": '{"id":"ann"}'}), 0.5)
    assert events == [SignedIn("ann", {"id": "ann"})]
    assert sent(conn) == [
        {"event": "pusher:subscribe", "data": {"channel": "#server-to-user-ann", "auth": ""}}
    ]
    events = conn.receive(frame("hello", '{"x":1}', "#server-to-user-ann"), 1.0)
    assert events == [EventReceived("#server-to-user-ann", "hello", {"x": 1}, '{"x":1}')]
    assert conn.channels == []  # the user's channel is not one the user asked for


@pytest.mark.expect_log_warnings(r"beacon\.pusher: cannot sign in: ")
def test_a_transient_signin_failure_is_retried_with_a_growing_delay() -> None:
    conn = make("tickets", signin=True, activity_timeout=1000.0)
    conn.connect(0.0)
    conn.receive(established("3.3"), 0.0)
    events = conn.signin_failed("auth endpoint answered 502", socket_id="3.3", now=1.0)
    assert events == [SigninFailed("auth endpoint answered 502", False, 2.0)]
    assert conn.next_deadline() == 3.0
    assert conn.tick(3.0) == [SigninNeeded("3.3")]
    events = conn.signin_failed("timed out", socket_id="3.3", now=3.5)
    assert events == [SigninFailed("timed out", False, 4.0)]
    # Only a login problem stops the retries, and it stops nothing else.
    events = conn.signin_failed("answered 401", True, socket_id="3.3", now=7.5)
    assert events == [SigninFailed("answered 401", True)] and conn.needs_login
    assert conn.state is C.CONNECTED
    assert conn.next_deadline() == 1000.0  # the ping only: no sign-in retry is planned


def test_signin_is_repeated_after_reconnect() -> None:
    conn = make(signin=True)
    conn.connect(0.0)
    conn.receive(established("3.3"), 0.0)
    conn.receive(frame("pusher:signin_success", {"user_data": '{"id":"ann"}'}), 0.5)
    conn.closed(4200, "", 5.0)
    events = conn.receive(established("4.4"), 5.1)
    assert of(events, SigninNeeded) == [SigninNeeded("4.4")]


# -- channel management ------------------------------------------------------------------


def test_subscribe_while_connected_and_unsubscribe() -> None:
    conn = connected()
    conn.subscribe("news")
    subscribed(conn, "news")
    conn.unsubscribe("news")
    assert sent(conn) == [
        {"event": "pusher:subscribe", "data": {"channel": "news"}},
        {"event": "pusher:unsubscribe", "data": {"channel": "news"}},
    ]
    assert conn.receive(frame("e", "1", "news"), 2.0) == []


@pytest.mark.parametrize("name", ["", "has space", "#server-to-user-x", "x" * 200])
def test_invalid_channel_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        make(name)


def test_frames_queued_for_a_dead_socket_are_discarded() -> None:
    conn = connected("tickets")
    conn.closed(1006, "", 1.0)
    assert conn.data_to_send() == []


def test_presence_success_without_member_list_means_no_members() -> None:
    conn = connected("presence-a")
    conn.authorized("presence-a", "k:s", '{"user_id": "ann"}')
    events = conn.receive(frame("pusher_internal:subscription_succeeded", "{}", "presence-a"), 1)
    assert events == [Subscribed("presence-a", {}, "ann")]
