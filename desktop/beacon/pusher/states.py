"""Connection states, named as pusher-js names them, so that users and docs agree."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class DownDetail:
    """The detail of a connection that is down, taken apart: the reason in the engine's or
    the server's words, the server's close code, and the delay before the next try."""

    why: str
    code: int | None = None
    retry_in: float | None = None


# The details PusherConnection writes: "failed: Application does not exist (4001)",
# "reconnecting after: ...", "retrying in 1.3 s after: connection refused".
_DOWN = re.compile(
    r"^(?:failed|reconnecting after|retrying in (?P<delay>\d+(?:\.\d+)?) s after): "
    r"(?P<why>.*?)(?: \((?P<code>\d+)\))?$",
    re.DOTALL,
)


def down_detail(detail: str) -> DownDetail | None:
    """``detail`` taken apart, when it is one of a connection that is down."""
    match = _DOWN.match(detail)
    if match is None:
        return None
    code, delay = match.group("code"), match.group("delay")
    return DownDetail(
        match.group("why"),
        int(code) if code is not None else None,
        float(delay) if delay is not None else None,
    )
