"""Building feed items and histories for tests (owned by the store helper)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from beacon.feed.item import FeedItem, Priority

BASE_TIME = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def make_item(
    n: int = 0,
    *,
    account: str = "support",
    channel: str = "tickets",
    event: str = "ticket.created",
    title: str | None = None,
    body: str | None = None,
    url: str | None = None,
    priority: Priority = Priority.NORMAL,
    event_id: str | None = "",
    received_at: datetime | None = None,
    read: bool = False,
    data: Any = None,
) -> FeedItem:
    """Item number ``n``: distinct event id, title and time unless given.

    ``event_id=""`` (the default) means ``str(n)``; pass ``None`` for no event id.
    """
    payload = data if data is not None else {"id": n, "subject": title or f"Ticket {n}"}
    return FeedItem(
        account=account,
        channel=channel,
        event=event,
        title=title if title is not None else f"Ticket {n}",
        body=body if body is not None else f"Body of ticket {n}",
        url=url,
        priority=priority,
        payload=json.dumps(payload),
        received_at=received_at or BASE_TIME + timedelta(seconds=n),
        event_id=str(n) if event_id == "" else event_id,
        read=read,
    )
