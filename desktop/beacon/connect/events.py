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
