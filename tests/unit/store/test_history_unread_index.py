"""The unread items' index (schema 5): a search narrowed to unread items reads each hit
there first, so every filter field must give the same answer through it."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from beacon.feed.item import FeedItem, Priority
from beacon.store import history as history_module
from beacon.store.history import SCHEMA_VERSION, FeedFilter, History
from support.feeditems import make_item

ACCOUNTS = ("support", "sales")
CHANNELS = ("tickets", "alerts")
NOTIFY = ("popup", "feed", "mute")


def _items() -> list[FeedItem]:
    """Every combination of account, channel, priority and notify, read and unread, half
    of them about an outage."""
    items = []
    combos = itertools.product(ACCOUNTS, CHANNELS, Priority, NOTIFY, (False, True))
    for n, (account, channel, priority, notify, read) in enumerate(combos):
        item = make_item(
            n,
            account=account,
            channel=channel,
            priority=priority,
            read=read,
            title=f"Outage {n}" if n // 2 % 2 else f"Ticket {n}",
        )
        items.append(replace(item, notify=notify))
    return items


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "h.sqlite3", retention_count=None, retention_days=None) as h:
        h.add_batch(_items())
        yield h


def _expected(history: History, flt: FeedFilter) -> list[int]:
    """What ``flt`` shows, worked out in Python from every stored item."""
    everything = history.page(FeedFilter(show_muted=True), limit=10_000)
    shown = []
    for item in everything:
        if "Outage" not in item.title or item.read:
            continue
        if flt.account is not None and item.account != flt.account:
            continue
        if flt.channel is not None and item.channel != flt.channel:
            continue
        if flt.min_priority is not None and item.priority < flt.min_priority:
            continue
        if flt.ids is not None and item.id not in flt.ids:
            continue
        if not flt.show_muted and (
            item.notify == "mute" or (item.account, item.channel) in flt.muted
        ):
            continue
        shown.append(item.id or 0)
    return shown


FILTERS = [
    FeedFilter(),
    FeedFilter(channel="alerts"),
    FeedFilter(account="sales", channel="tickets"),
    FeedFilter(min_priority=Priority.HIGH),
    FeedFilter(show_muted=True),
    FeedFilter(muted=frozenset({("support", "alerts")})),
    FeedFilter(channel="alerts", min_priority=Priority.URGENT, show_muted=True),
    FeedFilter(ids=frozenset(range(0, 100, 3))),
]


@pytest.mark.parametrize("base", FILTERS)
def test_search_of_unread_items_filters_as_every_other_query(
    history: History, base: FeedFilter
) -> None:
    flt = replace(base, search="outage", unread_only=True)
    expected = _expected(history, flt)
    assert expected  # each case finds something, so a wrong filter shows
    assert [i.id for i in history.page(flt, limit=10_000)] == expected
    assert history.count(flt) == len(expected)
    # Keyset paging goes on from a page's last row.
    first = history.page(flt, limit=3)
    rest = history.page(flt, before_id=first[-1].id, limit=10_000)
    assert [i.id for i in first + rest] == expected


def test_search_of_unread_items_reads_the_unread_index_first(history: History) -> None:
    source, params, _ = history_module._filtered(
        FeedFilter(search="outage", unread_only=True, channel="alerts")
    )
    plan = " / ".join(
        row[3] for row in history._rdb.execute(f"EXPLAIN QUERY PLAN SELECT 1 {source}", params)
    )
    assert "USING COVERING INDEX items_unread" in plan, plan
    plan = " / ".join(
        row[3]
        for row in history._rdb.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM items WHERE read = 0 AND notify != 'mute'"
        )
    )
    assert "COVERING INDEX items_unread" in plan, plan


def test_schema_4_gains_the_covering_unread_index(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History(path, retention_count=None, retention_days=None) as h:
        h.add_batch(_items())
    # Back to the file schema 4 wrote: the same but for this index.
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP INDEX items_unread")
    db.execute("CREATE INDEX items_unread ON items(id) WHERE read = 0")
    db.execute("PRAGMA user_version = 4")
    db.close()

    with History(path, retention_count=None, retention_days=None) as h:
        columns = [r[2] for r in h._rdb.execute("PRAGMA index_info(items_unread)")]
        assert columns == ["id", "channel", "account", "notify", "priority", "read"]
        flt = FeedFilter(search="outage", unread_only=True, channel="alerts")
        assert [i.id for i in h.page(flt, limit=10_000)] == _expected(h, flt)
        assert h.unread_count() == sum(1 for i in _items() if not i.read and i.notify != "mute")
        assert h._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    db.close()
