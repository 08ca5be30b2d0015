"""Muted items in the store: kept, but neither counted as unread nor shown unless asked.

Two kinds: items of a ``mute`` rule (``notify = "mute"``), and items of channels the
user muted from a row's menu (``FeedFilter.muted``, ``unread_count(muted)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from beacon.store.history import FeedFilter, History
from beacon.ui.holdback import passes_fields
from support.feeditems import make_item

TICKETS = ("support", "tickets")


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "history.sqlite3", retention_count=None, retention_days=None) as h:
        h.add_batch(
            [
                make_item(1),
                replace(make_item(2, title="Muted chatter"), notify="mute"),
                make_item(3, channel="alerts"),
                make_item(4, account="sales"),  # sales/tickets: another account's channel
                replace(make_item(5, channel="alerts"), notify="feed"),
            ]
        )
        yield h


def ids(items: list[object]) -> list[int]:
    return [i.id for i in items]  # type: ignore[attr-defined]


def test_a_mute_rules_items_are_stored_but_not_counted(history: History) -> None:
    stored = history.get(2)
    assert stored is not None and stored.notify == "mute" and not stored.read
    assert history.unread_count() == 4


def test_hidden_unless_show_muted(history: History) -> None:
    assert ids(history.page(FeedFilter())) == [5, 4, 3, 1]
    assert history.count(FeedFilter()) == 4
    shown = FeedFilter(show_muted=True)
    assert ids(history.page(shown)) == [5, 4, 3, 2, 1]
    assert ids(history.page(FeedFilter(show_muted=True, search="chatter"))) == [2]
    assert ids(history.page(FeedFilter(search="chatter"))) == []
    assert history.matches(range(6), FeedFilter()) == {1, 3, 4, 5}


def test_muted_channels_leave_the_count_and_the_list(history: History) -> None:
    muted = frozenset({TICKETS})
    assert history.unread_count(muted) == 3  # 3, 4, 5: the other account's tickets stay
    assert ids(history.page(FeedFilter(muted=muted))) == [5, 4, 3]
    assert ids(history.page(FeedFilter(muted=muted, show_muted=True))) == [5, 4, 3, 2, 1]
    both = frozenset({TICKETS, ("support", "alerts")})
    assert history.unread_count(both) == 1
    assert ids(history.page(FeedFilter(muted=both))) == [4]


def test_mark_all_read_leaves_hidden_muted_items_alone(history: History) -> None:
    history.mark_all_read(FeedFilter())
    assert history.unread_count() == 0
    item = history.get(2)
    assert item is not None and not item.read  # not shown, so not marked


def test_new_items_are_held_or_shown_by_the_same_rule(history: History) -> None:
    muted_rule = replace(make_item(9), notify="mute")
    in_muted_channel = make_item(10)
    other = make_item(11, channel="alerts")
    flt = FeedFilter(muted=frozenset({TICKETS}))
    assert [passes_fields(i, flt) for i in (muted_rule, in_muted_channel, other)] == [
        False,
        False,
        True,
    ]
    shown = replace(flt, show_muted=True)
    assert all(passes_fields(i, shown) for i in (muted_rule, in_muted_channel, other))
