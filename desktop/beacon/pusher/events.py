"""What the protocol core tells its runtime.

``PusherConnection`` returns lists of these. Some are news (an event arrived, a member
left); some are requests the runtime must carry out (open a socket, drop it, fetch an
auth signature). Requests are named as imperatives: ``OpenTransport``, ``DropTransport``,
``AuthNeeded``, ``SigninNeeded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from beacon.pusher.states import ConnectionState

__all__ = [
    "AuthNeeded",
    "CacheMiss",
    "DropTransport",
    "EventDropped",
    "EventReceived",
    "FrameSkipped",
    "MemberAdded",
    "MemberRemoved",
    "OpenTransport",
    "ProtocolEvent",
    "ServerError",
    "SignedIn",
    "SigninFailed",
    "SigninNeeded",
    "StateChanged",
    "Subscribed",
    "SubscriptionFailed",
]


class ProtocolEvent:
    """Base class of everything the core emits."""

    __slots__ = ()


@dataclass(slots=True)  # not frozen: one is made per event, and frozen init costs 3x
class EventReceived(ProtocolEvent):
    """An application event (server-sent or client-sent) on a channel."""

    channel: str
    event: str
    data: Any  # decoded JSON, or the raw string where it is not JSON
    raw_data: str | None  # the data as received (for encrypted channels: the plaintext)
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class StateChanged(ProtocolEvent):
    """The connection moved to ``state``; ``detail`` says why, in words for people."""

    previous: ConnectionState
    state: ConnectionState
    detail: str
    needs_login: bool = False
    retry_in: float | None = None  # seconds until the next attempt, when one is planned
    code: int | None = None  # the close code that caused this, if any


@dataclass(frozen=True, slots=True)
class OpenTransport(ProtocolEvent):
    """Request: open a new WebSocket to the account's URL now."""


@dataclass(frozen=True, slots=True)
class DropTransport(ProtocolEvent):
    """Request: close the current socket (or abandon the attempt) without waiting.

    The core has already moved on; it ignores the ``closed()`` call that follows.
    """

    reason: str
    code: int = 1000
    # False: the peer is presumed unreachable, so do not wait for a closing handshake.
    graceful: bool = True


@dataclass(frozen=True, slots=True)
class AuthNeeded(ProtocolEvent):
    """Request: authorize ``channel`` for ``socket_id``; answer with ``authorized()`` or
    ``auth_failed()``."""

    channel: str
    socket_id: str


@dataclass(frozen=True, slots=True)
class SigninNeeded(ProtocolEvent):
    """Request: sign the user in; answer with ``signin_authorized()`` or ``signin_failed()``."""

    socket_id: str


@dataclass(frozen=True, slots=True)
class Subscribed(ProtocolEvent):
    """The server confirmed a subscription. Presence channels carry their members."""

    channel: str
    members: Mapping[str, Any] | None = None  # user id -> user info (presence only)
    me: str | None = None  # our own user id on a presence channel


@dataclass(frozen=True, slots=True)
class SubscriptionFailed(ProtocolEvent):
    """A channel could not be subscribed. Other channels are not affected."""

    channel: str
    reason: str
    status: int | None = None  # HTTP-like status from the server or the auth endpoint
    needs_login: bool = False
    retry_in: float | None = None  # seconds until the channel is tried again, if it will be


@dataclass(frozen=True, slots=True)
class MemberAdded(ProtocolEvent):
    channel: str
    user_id: str
    info: Any = None


@dataclass(frozen=True, slots=True)
class MemberRemoved(ProtocolEvent):
    channel: str
    user_id: str
    info: Any = None


@dataclass(frozen=True, slots=True)
class CacheMiss(ProtocolEvent):
    """A ``cache-`` channel had no cached event to replay on subscribe."""

    channel: str


@dataclass(frozen=True, slots=True)
class SignedIn(ProtocolEvent):
    """``pusher:signin`` succeeded; ``#server-to-user-{user_id}`` events will follow."""

    user_id: str
    user_data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SigninFailed(ProtocolEvent):
    reason: str
    needs_login: bool = False
    retry_in: float | None = None  # seconds until sign-in is tried again, if it will be


@dataclass(frozen=True, slots=True)
class ServerError(ProtocolEvent):
    """A ``pusher:error`` frame."""

    code: int | None
    message: str


@dataclass(frozen=True, slots=True)
class EventDropped(ProtocolEvent):
    """An event that arrived but cannot be delivered (e.g. it cannot be decrypted)."""

    channel: str
    event: str
    reason: str


@dataclass(frozen=True, slots=True)
class FrameSkipped(ProtocolEvent):
    """A frame that is not a protocol message; it was logged and skipped."""

    reason: str
