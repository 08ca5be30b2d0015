"""History.per_minute: the per-minute counts the activity chart draws, from SQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from beacon.store.history import History, to_us
from support.feeditems import BASE_TIME, make_item

MINUTE = 60_000_000
START = to_us(BASE_TIME)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "h.sqlite3", retention_count=None, retention_days=None) as h:
        yield h


def test_counts_per_source_and_minute_match_the_received_times(history: History) -> None:
    # A known burst: 3 a minute on tickets for ten minutes, then 45 in minute 7.
    items = []
    n = 0
    for minute in range(10):
        for k in range(45 if minute == 7 else 3):
            at = BASE_TIME + timedelta(minutes=minute, microseconds=k * 1000)
            items.append(make_item(n, received_at=at))
            n += 1
    # Another account's channel of the same name, and another channel.
    items.append(make_item(n, account="ops", received_at=BASE_TIME + timedelta(minutes=2)))
    items.append(make_item(n + 1, channel="deploys", received_at=BASE_TIME + timedelta(minutes=9)))
    history.add_batch(items)

    counts = history.per_minute(START, START + 10 * MINUTE)

    assert counts == {
        ("support", "tickets"): [3, 3, 3, 3, 3, 3, 3, 45, 3, 3],
        ("ops", "tickets"): [0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        ("support", "deploys"): [0] * 9 + [1],
    }
    assert sum(map(sum, counts.values())) == history.count()


def test_the_span_is_half_open_and_items_outside_are_not_counted(history: History) -> None:
    history.add_batch(
        [
            make_item(0, received_at=BASE_TIME - timedelta(microseconds=1)),
            make_item(1, received_at=BASE_TIME),
            make_item(2, received_at=BASE_TIME + timedelta(seconds=59, microseconds=999_999)),
            make_item(3, received_at=BASE_TIME + timedelta(minutes=1)),
            make_item(4, received_at=BASE_TIME + timedelta(minutes=2)),
        ]
    )
    assert history.per_minute(START, START + 2 * MINUTE) == {("support", "tickets"): [2, 1]}


def test_a_partial_last_minute_and_an_empty_span(history: History) -> None:
    history.add_batch([make_item(0, received_at=BASE_TIME + timedelta(seconds=70))])
    assert history.per_minute(START, START + MINUTE + 30_000_000) == {
        ("support", "tickets"): [0, 1]
    }
    assert history.per_minute(START, START) == {}
    assert history.per_minute(START + MINUTE, START) == {}
    assert history.per_minute(START - 10 * MINUTE, START) == {}


def test_the_query_uses_the_received_index(history: History) -> None:
    # Not a scan of every item: the span is found through items_received. The statement
    # per_minute really runs is traced, then explained.
    statements: list[str] = []
    history._rdb.set_trace_callback(statements.append)
    try:
        history.per_minute(START, START + MINUTE)
    finally:
        history._rdb.set_trace_callback(None)
    (sql,) = [s for s in statements if "received_us" in s]
    plan = history._rdb.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert "USING INDEX items_received" in details, details
