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
from support.hostile import CHANNELS, frames, numbers

pytestmark = [
    pytest.mark.unit,
    pytest.mark.expect_log_warnings(r"beacon\.pusher: "),
]

C = ConnectionState
# The cap on the server's activity_timeout; any server value above it is cut.
ACTIVITY_CAP = 120.0
PONG_TIMEOUT = 30.0


def fixed_backoff() -> Iterator[float]:
    return itertools.count(1.0, 1.0)


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
# Infinity is not JSON: a handshake that carries it is a malformed frame, skipped whole.
@given(numbers.filter(lambda value: not (isinstance(value, float) and math.isinf(value))))
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
