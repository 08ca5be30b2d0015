"""Connection states, named as pusher-js names them, so that users and docs agree."""

from __future__ import annotations

from enum import Enum


class ConnectionState(Enum):
    """Where one account's connection is.

    - ``INITIALIZED``: created, not started.
    - ``CONNECTING``: opening a socket or waiting for ``pusher:connection_established``.
    - ``CONNECTED``: the handshake is done; channels are (being) subscribed.
    - ``UNAVAILABLE``: the last attempt failed; waiting to retry.
    - ``FAILED``: the server refused for a reason that retrying will not fix.
    - ``DISCONNECTED``: closed on purpose.
    """

    INITIALIZED = "initialized"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"
    DISCONNECTED = "disconnected"

    def __str__(self) -> str:
        return self.value
