"""What the engine reports to the rest of Beacon: received events and account status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from beacon.pusher.states import ConnectionState

__all__ = ["AccountStatus", "ReceivedEvent"]


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One application event, as it arrived on one account's channel."""

    account: str
    channel: str
    event: str
    data: Any  # decoded JSON value, or the raw string where not JSON
    user_id: str | None
    received_at: datetime  # aware, UTC
    raw_data: str  # the data exactly as received, as text (JSON text or raw string)


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """Where one account's connection is, in words a person understands."""

    account: str
    state: ConnectionState
    # "connected", "retrying in 4.2 s after: connection refused",
    # "failed: App key not found (4001)", "needs login: auth endpoint answered 403"
    detail: str
    needs_login: bool = False


def _setter(name: str) -> Any:
    return ReceivedEvent.__dict__[name].__set__  # the slot's own descriptor


_new = object.__new__
_set_account = _setter("account")
_set_channel = _setter("channel")
_set_event = _setter("event")
_set_data = _setter("data")
_set_user_id = _setter("user_id")
_set_received_at = _setter("received_at")
_set_raw_data = _setter("raw_data")


def received_event(
    account: str,
    channel: str,
    event: str,
    data: Any,
    user_id: str | None,
    received_at: datetime,
    raw_data: str,
) -> ReceivedEvent:
    """``ReceivedEvent(...)`` in half the time, for the engine's hot path.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` once per field;
    filling the slots directly makes the very same object (equal, hashable, immutable to
    its users) for about 1 µs less per event.
    """
    item: ReceivedEvent = _new(ReceivedEvent)
    _set_account(item, account)
    _set_channel(item, channel)
    _set_event(item, event)
    _set_data(item, data)
    _set_user_id(item, user_id)
    _set_received_at(item, received_at)
    _set_raw_data(item, raw_data)
    return item
