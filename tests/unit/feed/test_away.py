"""The "while you were away" digest: groups by channel and event, and its wording."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from beacon.feed.away import build_digest, summary_text
from beacon.feed.item import FeedItem, Priority
from support.feeditems import make_item

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _item(n: int, channel: str, event: str, **kw: object) -> FeedItem:
    item = replace(make_item(n), id=n, channel=channel, event=event)
    return replace(item, received_at=T0 + timedelta(minutes=n), **kw)  # type: ignore[arg-type]


def test_groups_largest_first_oldest_item_first() -> None:
    items = [
        _item(3, "tickets", "ticket.created"),
        _item(1, "tickets", "ticket.created"),
        _item(2, "alerts", "deploy.failed", priority=Priority.URGENT),
        _item(4, "tickets", "ticket.created", keyword_hit=True),
    ]
    digest = build_digest(items, T0, T0 + timedelta(hours=1))
    assert [(g.channel, g.event, g.item_ids) for g in digest.groups] == [
        ("tickets", "ticket.created", (1, 3, 4)),
        ("alerts", "deploy.failed", (2,)),
    ]
    assert (digest.total, digest.important, digest.keyword_hits) == (4, 1, 1)
    assert summary_text(digest) == (
        "While you were away: 4 new items, 1 high priority, 1 mention of your keywords"
    )


def test_wording_without_priorities_or_keywords() -> None:
    digest = build_digest([_item(1, "tickets", "ticket.created")], T0, T0)
    assert summary_text(digest) == "While you were away: 1 new item"
