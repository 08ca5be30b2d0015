"""Channel names and kinds, as the protocol defines them by prefix."""

from __future__ import annotations

import re
from enum import Enum

__all__ = [
    "SERVER_TO_USER_PREFIX",
    "ChannelKind",
    "channel_kind",
    "channel_name_problem",
    "is_cache",
]

SERVER_TO_USER_PREFIX = "#server-to-user-"
MAX_CHANNEL_NAME = 164
_NAME = re.compile(r"[A-Za-z0-9_\-=@,.;]+")


class ChannelKind(Enum):
    PUBLIC = "public"
    PRIVATE = "private"
    PRESENCE = "presence"
    ENCRYPTED = "private-encrypted"
    SERVER_TO_USER = "server-to-user"

    @property
    def needs_auth(self) -> bool:
        return self in (ChannelKind.PRIVATE, ChannelKind.PRESENCE, ChannelKind.ENCRYPTED)

    @property
    def allows_client_events(self) -> bool:
        # pusher-js refuses client events on encrypted channels: the server cannot
        # check what it cannot read.
        return self in (ChannelKind.PRIVATE, ChannelKind.PRESENCE)


def channel_kind(name: str) -> ChannelKind:
    if name.startswith("private-encrypted-"):
        return ChannelKind.ENCRYPTED
    if name.startswith("private-"):
        return ChannelKind.PRIVATE
    if name.startswith("presence-"):
        return ChannelKind.PRESENCE
    if name.startswith(SERVER_TO_USER_PREFIX):
        return ChannelKind.SERVER_TO_USER
    return ChannelKind.PUBLIC


def is_cache(name: str) -> bool:
    """Cache channels replay their last event on subscribe (``cache-``, ``private-cache-``,
    ``private-encrypted-cache-``, ``presence-cache-``)."""
    return name.startswith(
        ("cache-", "private-cache-", "private-encrypted-cache-", "presence-cache-")
    )


def channel_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be subscribed, in words; ``None`` when it is fine."""
    if not name:
        return "a channel name cannot be empty"
    if len(name) > MAX_CHANNEL_NAME:
        return f"channel names are at most {MAX_CHANNEL_NAME} characters"
    if name.startswith("#"):
        return f"{name!r} is reserved for the server"
    if not _NAME.fullmatch(name):
        return f"{name!r} has characters other than letters, digits and _-=@,.;"
    return None
