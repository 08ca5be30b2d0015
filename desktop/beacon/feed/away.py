"""The digest of an absence ("while you were away"): value types and wording, no Qt.

:mod:`beacon.services.away` notices absences and gathers their items; the window and the
notification service show what this module makes of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beacon.feed.item import FeedItem, Priority

__all__ = ["AwayDigest", "AwayGroup", "build_digest", "summary_text"]


@dataclass(frozen=True, slots=True)
class AwayGroup:
    """The items of one channel and event in a digest."""

    account: str
    channel: str
    event: str
    item_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AwayDigest:
    """What came in during one absence."""

    since: datetime
    until: datetime
    groups: tuple[AwayGroup, ...]  # largest first
    total: int
    important: int  # high or urgent priority
    keyword_hits: int

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(i for group in self.groups for i in group.item_ids)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary_text(digest: AwayDigest) -> str:
    """ "While you were away: 14 new items, 3 high priority, 2 mentions of your keywords"."""
    parts = [_plural(digest.total, "new item", "new items")]
    if digest.important:
        parts.append(f"{digest.important} high priority")
    if digest.keyword_hits:
        parts.append(_plural(digest.keyword_hits, "mention", "mentions") + " of your keywords")
    return "While you were away: " + ", ".join(parts)


def build_digest(items: Sequence[FeedItem], since: datetime, until: datetime) -> AwayDigest:
    """Group ``items`` (with ids) by account, channel and event, largest group first."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for item in sorted(items, key=lambda i: i.received_at):
        assert item.id is not None
        groups.setdefault((item.account, item.channel, item.event), []).append(item.id)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return AwayDigest(
        since=since,
        until=until,
        groups=tuple(AwayGroup(a, c, e, tuple(ids)) for (a, c, e), ids in ordered),
        total=len(items),
        important=sum(1 for i in items if i.priority >= Priority.HIGH),
        keyword_hits=sum(1 for i in items if i.keyword_hit),
    )
