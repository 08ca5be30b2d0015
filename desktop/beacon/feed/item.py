"""The feed item: what one event becomes once rules have shaped it for people."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum


class Priority(IntEnum):
    LOW = 0
    NORMAL = 1
    HIGH = 2
    URGENT = 3

    @classmethod
    def from_name(cls, name: str) -> Priority:
        return cls[name.upper()]


@dataclass(frozen=True, slots=True)
class FeedItem:
    account: str
    channel: str
    event: str
    title: str
    body: str
    url: str | None
    priority: Priority
    payload: str  # the event data as JSON text (or the raw string), exactly as received
    received_at: datetime  # timezone-aware, UTC
    notify: str = "popup"  # popup | feed | mute
    keyword_hit: bool = False
    event_id: str | None = None  # "<data id>#<digest>" when the data has an id (see mapper)
    user_id: str | None = None
    read: bool = False
    catchup: bool = False  # came from the catch-up endpoint, not live (DESIGN.md "Catch-up")
    action_result: str | None = None  # what the last action button did: "Claim done 14:02"
    id: int | None = None  # the store's row id; None until committed

    def with_id(self, item_id: int) -> FeedItem:
        return replace(self, id=item_id)
