"""The runtime refuses to open a socket (it would send credentials over plain ws:// to a
host that resolved elsewhere than loopback; issue 10): the core fails for good, with the
runtime's reason, until someone asks it to connect again."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from beacon.pusher import ConnectionState, OpenTransport, PusherConnection, StateChanged


def _backoff() -> Iterator[float]:
    return itertools.count(2.0, 2.0)


def test_a_refused_socket_fails_with_the_reason_and_is_not_retried() -> None:
    conn = PusherConnection(["private-a"], backoff_factory=_backoff)
    assert any(isinstance(e, OpenTransport) for e in conn.connect(0.0))

    events = conn.refused("refused to send credentials over plain ws:// to h")
    changes = [e for e in events if isinstance(e, StateChanged)]
    assert [c.state for c in changes] == [ConnectionState.FAILED]
    assert changes[0].detail == "failed: refused to send credentials over plain ws:// to h"
    assert not conn.transport_wanted
    assert conn.next_deadline() is None  # no handshake timeout, no retry timer
    assert conn.tick(1000.0) == []
    assert conn.wake(1000.0) == []  # a network change does not retry it either
    assert conn.refused("again") == []  # no socket is wanted any more

    # The user's Reconnect (or a changed config) tries again.
    assert any(isinstance(e, OpenTransport) for e in conn.connect(2000.0))
    assert conn.state is ConnectionState.CONNECTING
