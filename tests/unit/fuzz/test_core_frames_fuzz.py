"""The sans-I/O core under hostile servers: sequences of Pusher frames, well-formed and
mutated, mixed with timer ticks, closes, wakes and subscription changes.

tests/unit/pusher/test_protocol_connection.py already feeds random *text* to a connected
core; here the frames look like the protocol's own (the right event names, channels the
core knows, data that is nearly right), so they reach the handlers and their state, in
every state of the connection. Whatever comes, the core raises nothing, reports only
protocol events, sends only JSON objects, and always has a next deadline while it waits
on the network (a core without one would hang).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from beacon.pusher import ConnectionState, ProtocolEvent, PusherConnection
from support.strategies import json_values

pytestmark = pytest.mark.unit

C = ConnectionState
CHANNELS = (
    "tickets", "private-a", "presence-p", "private-encrypted-x", "private-cache-c",
    "cache-news", "#server-to-user-ann",
)  # fmt: skip
EVENTS = (
    "pusher:connection_established", "pusher:error", "pusher:ping", "pusher:pong",
    "pusher_internal:subscription_succeeded", "pusher_internal:subscription_count",
    "pusher:subscription_error", "pusher_internal:member_added",
    "pusher_internal:member_removed", "pusher:cache_miss", "pusher:signin_success",
    "pusher:subscription_succeeded", "e", "client-x", "pusher:unknown",
)  # fmt: skip
# The cap on the server's activity_timeout; any server value above it is cut.
ACTIVITY_CAP = 120.0
PONG_TIMEOUT = 30.0


def fixed_backoff() -> Iterator[float]:
    return itertools.count(1.0, 1.0)


numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),  # JSON has no NaN; Infinity is json.dumps' own extension
    st.sampled_from([0, -1, 1e12, 10**12, 1e308, 0.001, True, "120", None]),
)

# Data that is close to what each protocol event carries, with every field fair game.
shaped_data = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "socket_id": st.one_of(st.text(max_size=8), json_values(3)),
            "activity_timeout": numbers,
        },
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "presence": st.one_of(
                json_values(4),
                st.fixed_dictionaries(
                    {},
                    optional={
                        "ids": st.lists(st.one_of(st.text(max_size=4), numbers), max_size=3),
                        "hash": st.dictionaries(st.text(max_size=4), json_values(3), max_size=3),
                        "count": numbers,
                    },
                ),
            ),
            "user_id": st.one_of(st.text(max_size=4), numbers),
            "user_info": json_values(3),
            "code": numbers,
            "message": st.one_of(st.text(max_size=20), json_values(2)),
            "subscription_count": numbers,
            "user_data": st.one_of(st.text(max_size=20), json_values(3)),
            "ciphertext": st.one_of(st.text(max_size=40), numbers),
            "nonce": st.one_of(st.text(max_size=40), numbers),
            "type": st.text(max_size=10),
            "error": st.text(max_size=10),
            "status": numbers,
        },
    ),
    json_values(6),
)


@st.composite
def frames(draw: st.DrawFn) -> str | bytes:
    message: dict[str, Any] = {}
    if draw(st.integers(0, 9)) > 0:  # mostly with an event name
        message["event"] = draw(st.one_of(st.sampled_from(EVENTS), st.text(max_size=12)))
    if draw(st.booleans()):
        message["channel"] = draw(
            st.one_of(st.sampled_from(CHANNELS), st.text(max_size=8), json_values(2))
        )
    if draw(st.booleans()):
        data = draw(shaped_data)
        # Pusher double-encodes data as a JSON string; servers do not always.
        message["data"] = json.dumps(data) if draw(st.booleans()) else data
    if draw(st.booleans()):
        message["user_id"] = draw(st.one_of(st.text(max_size=4), json_values(2)))
    text = json.dumps(message)
    mutation = draw(st.sampled_from(["none", "none", "cut", "insert", "flip", "binary"]))
    if mutation == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mutation == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(min_size=1, max_size=3)) + text[at:]
    elif mutation == "flip":
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.characters()) + text[at + 1 :]
    elif mutation == "binary":
        return text.encode("utf-8", "surrogatepass") + draw(st.binary(max_size=4))
    return text


operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), frames()),
        st.tuples(st.just("tick"), st.floats(0.0, 200.0)),
        st.tuples(st.just("closed"), st.one_of(st.none(), st.integers(1000, 4999))),
        st.tuples(st.just("open"), st.none()),
        st.tuples(st.just("wake"), st.none()),
        # What the caller asks for is checked by the caller (channels.py): only the
        # server's input is hostile here, so only names a user may subscribe to.
        st.tuples(st.just("subscribe"), st.sampled_from(CHANNELS[:-1])),
        st.tuples(st.just("unsubscribe"), st.sampled_from(CHANNELS[:-1])),
    ),
    max_size=40,
)


def started() -> PusherConnection:
    conn = PusherConnection(
        ("tickets", "private-a", "presence-p", "private-encrypted-x", "private-cache-c"),
        signin=True,
        pong_timeout=PONG_TIMEOUT,
        backoff_factory=fixed_backoff,
    )
    conn.connect(0.0)
    conn.opened(0.0)
    return conn


def check(conn: PusherConnection, events: list[ProtocolEvent], now: float) -> None:
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, ProtocolEvent), event
    assert isinstance(conn.state, ConnectionState)
    for text in conn.data_to_send():
        sent = json.loads(text)
        assert type(sent) is dict and type(sent.get("event")) is str, text
    deadline = conn.next_deadline()
    if deadline is not None:
        assert math.isfinite(deadline), deadline
    if conn.state in (C.CONNECTED, C.UNAVAILABLE) or (
        conn.state is C.CONNECTING and conn.transport_wanted
    ):
        # Waiting on the network with no deadline would wait forever.
        assert deadline is not None, conn.state


def run(conn: PusherConnection, ops: list[tuple[str, Any]]) -> None:
    now = 0.0
    for op, arg in ops:
        if op == "receive":
            now += 0.01
            events = conn.receive(arg, now)
        elif op == "tick":
            now += arg
            events = conn.tick(now)
        elif op == "closed":
            now += 0.01
            events = conn.closed(arg, "fuzz", now)
        elif op == "open":
            events = conn.connect(now)
            if conn.transport_wanted:
                conn.opened(now)
        elif op == "wake":
            events = conn.wake(now)
        elif op == "subscribe":
            events = conn.subscribe(arg)
        else:
            conn.unsubscribe(arg)
            events = []
        check(conn, events, now)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
@example([("receive", '{"event":"e","channel":"tickets","data":"' + "[" * 100_000 + '"}')])
@example([("receive", "[" * 100_000)])
@example([("receive", b"\xff\xfe" * 1000)])
@example([("receive", '{"event":"pusher:connection_established","data":"' + "{" * 50_000 + '"}')])
def test_any_frames_in_any_state_never_break_the_core(ops: list[tuple[str, Any]]) -> None:
    conn = started()
    run(conn, ops)


@settings(max_examples=200, deadline=None)
@given(st.lists(frames(), max_size=30))
def test_a_connected_core_stays_connected_through_frames_that_do_not_close_it(
    texts: list[str | bytes],
) -> None:
    """Skipping a malformed frame never costs the connection, unless the frame is a
    ``pusher:error`` that asks to close it (codes 4000-4299 come with a close)."""
    conn = started()
    conn.receive(
        json.dumps({"event": "pusher:connection_established",
                    "data": json.dumps({"socket_id": "1.1", "activity_timeout": 120})}),
        0.0,
    )  # fmt: skip
    assert conn.state is C.CONNECTED
    for n, text in enumerate(texts, 1):
        check(conn, conn.receive(text, n * 0.01), n * 0.01)
    assert conn.state is C.CONNECTED


@settings(max_examples=200, deadline=None)
@given(numbers)
@example(10**12)
@example(1e308)
def test_any_server_activity_timeout_is_capped(timeout: Any) -> None:
    """Issue 8: a server's ``activity_timeout`` of 10**12 must not turn off ping and pong;
    a half-open connection is noticed within the cap plus the pong timeout."""
    conn = started()
    conn.receive(
        json.dumps({"event": "pusher:connection_established",
                    "data": json.dumps({"socket_id": "1.1", "activity_timeout": timeout})}),
        0.0,
    )  # fmt: skip
    assert conn.state is C.CONNECTED
    deadline = conn.next_deadline()
    assert deadline is not None and deadline <= ACTIVITY_CAP, deadline
