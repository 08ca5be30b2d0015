"""``connect()`` while connected (a new login, the tray's Reconnect) asks again for a
sign-in that failed, as it does for channels that failed; never for one that is under
way or done, and never twice."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from beacon.pusher import (
    ConnectionState,
    ProtocolEvent,
    PusherConnection,
    SignedIn,
    SigninFailed,
    SigninNeeded,
)


def fixed_backoff() -> Iterator[float]:
    return itertools.count(2.0, 2.0)


def signin_connection(socket_id: str = "3.3") -> PusherConnection:
    """Connected, with its sign-in asked for (SigninNeeded given out)."""
    conn = PusherConnection(
        ["tickets"], signin=True, activity_timeout=1000.0, backoff_factory=fixed_backoff
    )
    conn.connect(0.0)
    conn.opened(0.0)
    events = conn.receive(
        json.dumps(
            {
                "event": "pusher:connection_established",
                "data": json.dumps({"socket_id": socket_id, "activity_timeout": 1000}),
            }
        ),
        0.0,
    )
    assert SigninNeeded(socket_id) in events
    return conn


def signins(events: list[ProtocolEvent]) -> list[Any]:
    return [e for e in events if isinstance(e, SigninNeeded)]


@pytest.mark.expect_log_warnings(r"beacon\.pusher: cannot sign in: no secret")
def test_a_signin_that_needed_a_login_is_asked_again_on_connect() -> None:
    conn = signin_connection()
    events = conn.signin_failed("no secret", True, socket_id="3.3", now=1.0)
    assert events == [SigninFailed("no secret", True)] and conn.needs_login
    assert conn.tick(500.0) == []  # no retry of its own: only a login can fix it

    events = conn.connect(600.0)  # the secrets changed
    assert signins(events) == [SigninNeeded("3.3")]
    assert not conn.needs_login and conn.state is ConnectionState.CONNECTED
    assert conn.connect(601.0) == []  # asked once: the answer is awaited

    conn.signin_authorized("k:sig", '{"id":"ann"}', socket_id="3.3")
    events = conn.receive(
        json.dumps({"event": "pusher:signin_success", "data": {"user_data": '{"id":"ann"}'}}),
        602.0,
    )
    assert events == [SignedIn("ann", {"id": "ann"})]
    assert conn.connect(603.0) == []  # signed in: nothing to ask again


@pytest.mark.expect_log_warnings(r"beacon\.pusher: cannot sign in: ")
def test_a_signin_waiting_for_its_backoff_is_asked_at_once_on_connect() -> None:
    conn = signin_connection()
    events = conn.signin_failed("answered 502", socket_id="3.3", now=1.0)
    assert events == [SigninFailed("answered 502", False, 2.0)]
    assert signins(conn.connect(1.5)) == [SigninNeeded("3.3")]
    # The planned retry is replaced by that one, not added to it.
    assert conn.next_deadline() == 1000.0
    assert conn.tick(3.0) == []
    # And its backoff starts over.
    assert conn.signin_failed("answered 502", socket_id="3.3", now=4.0) == [
        SigninFailed("answered 502", False, 2.0)
    ]


def test_a_signin_under_way_is_not_asked_twice() -> None:
    conn = signin_connection()
    assert signins(conn.connect(1.0)) == []


@pytest.mark.expect_log_warnings(r"beacon\.pusher: cannot sign in: no secret")
def test_a_failed_signin_of_an_old_socket_is_not_asked_on_the_new_one_twice() -> None:
    conn = signin_connection("3.3")
    conn.signin_failed("no secret", True, socket_id="3.3", now=1.0)
    conn.closed(4200, "", 5.0)
    conn.opened(5.0)
    events = conn.receive(
        json.dumps(
            {
                "event": "pusher:connection_established",
                "data": json.dumps({"socket_id": "4.4", "activity_timeout": 1000}),
            }
        ),
        5.1,
    )
    assert signins(events) == [SigninNeeded("4.4")]  # the new socket's own
    assert signins(conn.connect(5.2)) == []  # and nothing more
