"""FeedModel: paging through the feed service (off the GUI thread), batched inserts,
filters as queries, read marks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from beacon.feed.item import Priority
from beacon.services.feed import FeedService
from beacon.store.history import FeedFilter, History
from beacon.ui.feed_model import FeedModel, FeedRole, preview_line
from support.feeditems import make_item


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History(tmp_path / "history.sqlite3")
    yield h
    h.close()


@pytest.fixture
def service(history: History) -> Iterator[FeedService]:
    s = FeedService(history)
    yield s
    s.close()


def _fetch(model: FeedModel, qtbot: QtBot) -> None:
    """One page, read in the service's thread; back when its rows are in."""
    with qtbot.waitSignal(model.pageLoaded):
        model.fetchMore(QModelIndex())


def _set_filter(model: FeedModel, qtbot: QtBot, flt: FeedFilter, **kw: int | None) -> None:
    with qtbot.waitSignal(model.pageLoaded):
        model.set_filter(flt, **kw)


def _fill(history: History, count: int) -> None:
    history.add_batch([make_item(n) for n in range(count)])


def test_model_passes_qtmodeltester_while_paging(
    history: History, service: FeedService, qtmodeltester: ModelTester, qtbot: QtBot
) -> None:
    _fill(history, 450)
    model = FeedModel(service, page_size=200)
    _fetch(model, qtbot)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() >= 200
    while model.canFetchMore(QModelIndex()):
        _fetch(model, qtbot)
    assert model.rowCount() == 450
    qtmodeltester.check(model, force_py=True)


def test_pages_newest_first_and_never_loads_everything(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    _fill(history, 1000)
    model = FeedModel(service, page_size=100)
    _fetch(model, qtbot)
    assert model.rowCount() == 100
    titles = [model.index(r).data(FeedRole.TITLE) for r in range(3)]
    assert titles == ["Ticket 999", "Ticket 998", "Ticket 997"]
    assert model.canFetchMore(QModelIndex())
    _fetch(model, qtbot)
    assert model.rowCount() == 200
    assert model.index(199).data(FeedRole.TITLE) == "Ticket 800"


def test_fetch_more_returns_before_the_page_is_read(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """The GUI thread only asks; rows arrive later, from the service's reader thread."""
    _fill(history, 10)
    model = FeedModel(service)
    model.fetchMore(QModelIndex())
    assert model.loading and model.rowCount() == 0
    model.fetchMore(QModelIndex())  # a second call while one is in flight asks nothing
    qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == 10


def test_a_page_for_an_older_filter_is_dropped(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(n, channel="tickets" if n % 2 else "alerts") for n in range(20)])
    model = FeedModel(service)
    model.fetchMore(QModelIndex())  # unfiltered, in flight
    _set_filter(model, qtbot, FeedFilter(channel="alerts"))
    qtbot.waitUntil(lambda: not service.busy)
    assert model.rowCount() == 10
    assert {model.index(r).data(FeedRole.CHANNEL) for r in range(10)} == {"alerts"}


def test_prepend_is_one_insert_at_the_top(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    _fill(history, 10)
    model = FeedModel(service)
    _fetch(model, qtbot)
    new = history.add_batch([make_item(n) for n in range(10, 15)])
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.prepend(list(reversed(new)))
    assert inserted == [(0, 4)]
    assert model.index(0).data(FeedRole.TITLE) == "Ticket 14"
    assert model.rowCount() == 15
    model.prepend(list(reversed(new)))  # already there: nothing twice
    assert model.rowCount() == 15


def test_items_put_on_top_while_the_first_page_is_read_are_not_shown_twice(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    _fill(history, 10)
    model = FeedModel(service)
    new = history.add_batch([make_item(n) for n in range(10, 13)])
    with qtbot.waitSignal(model.pageLoaded):
        model.fetchMore(QModelIndex())
        model.prepend(list(reversed(new)))  # arrived while the page was being read
    ids = [model.index(r).data(FeedRole.ITEM_ID) for r in range(model.rowCount())]
    assert len(ids) == len(set(ids)) == 13
    assert ids == sorted(ids, reverse=True)


def test_row_of_finds_each_loaded_row_and_nothing_else(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    # Gaps in the ids (a channel filter), a page and items put on top: every row found.
    history.add_batch([make_item(n, channel="tickets" if n % 3 else "alerts") for n in range(30)])
    model = FeedModel(service)
    _set_filter(model, qtbot, FeedFilter(channel="tickets"))
    new = history.add_batch([make_item(n) for n in range(30, 33)])
    model.prepend(list(reversed(new)))
    shown = [model.index(r).data(FeedRole.ITEM_ID) for r in range(model.rowCount())]
    assert len(shown) == 23
    for row, item_id in enumerate(shown):
        assert model.row_of(item_id) == row
    for item_id in range(-1, 40):
        if item_id not in shown:  # between rows, above the top, below the bottom
            assert model.row_of(item_id) == -1
    _set_filter(model, qtbot, FeedFilter(search="nothing like this"))
    assert model.row_of(shown[0]) == -1


def test_filter_is_a_store_query_with_a_ceiling(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(n, channel="tickets" if n % 2 else "alerts") for n in range(20)])
    model = FeedModel(service)
    _set_filter(model, qtbot, FeedFilter(channel="alerts"))
    assert {model.index(r).data(FeedRole.CHANNEL) for r in range(model.rowCount())} == {"alerts"}
    assert model.rowCount() == 10
    # Held items (ids >= the ceiling) stay out of a fresh query.
    ceiling = model.index(0).data(FeedRole.ITEM_ID)
    _set_filter(model, qtbot, FeedFilter(), ceiling=ceiling)
    assert all(model.index(r).data(FeedRole.ITEM_ID) < ceiling for r in range(model.rowCount()))


def test_an_id_set_filter_shows_only_those_items(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    stored = history.add_batch([make_item(n) for n in range(30)])
    wanted = frozenset(item.id for item in stored[3:15:4] if item.id is not None)
    model = FeedModel(service)
    _set_filter(model, qtbot, FeedFilter(ids=wanted))
    assert {model.index(r).data(FeedRole.ITEM_ID) for r in range(model.rowCount())} == wanted


def test_search_uses_full_text_search(history: History, service: FeedService, qtbot: QtBot) -> None:
    history.add_batch(
        [
            make_item(1, title="Printer on fire"),
            make_item(2, title="VPN down"),
            make_item(3, body="the printer again"),
        ]
    )
    model = FeedModel(service)
    _set_filter(model, qtbot, FeedFilter(search="printer"))
    assert sorted(model.index(r).data(FeedRole.TITLE) for r in range(model.rowCount())) == [
        "Printer on fire",
        "Ticket 3",
    ]


def test_read_marks_and_roles(history: History, service: FeedService, qtbot: QtBot) -> None:
    history.add_batch([make_item(1, priority=Priority.URGENT, url="https://x.example/1")])
    model = FeedModel(service)
    _fetch(model, qtbot)
    index = model.index(0)
    assert index.data(FeedRole.UNREAD) is True
    assert index.data(FeedRole.PRIORITY) == int(Priority.URGENT)
    assert index.data(FeedRole.URL) == "https://x.example/1"
    assert "urgent priority" in index.data(Qt.ItemDataRole.AccessibleTextRole)
    with qtbot.waitSignal(model.dataChanged):
        model.set_read([0])
    assert index.data(FeedRole.UNREAD) is False
    with qtbot.waitSignal(model.dataChanged):
        model.set_unread([0])
    assert index.data(FeedRole.UNREAD) is True


def test_bidi_controls_stored_in_old_items_are_not_shown(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """Items stored before the mapper removed bidi controls: an unterminated override
    in the title would reverse what the row and its spoken text put after it."""
    history.add_batch([make_item(1, title="\u202eLRO override", body="x\u2067y\u202dz")])
    model = FeedModel(service)
    _fetch(model, qtbot)
    index = model.index(0)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "LRO override"
    assert index.data(FeedRole.TITLE) == "LRO override"
    assert index.data(FeedRole.PREVIEW) == "xyz"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole).startswith("Unread. LRO override. xyz.")


def test_preview_is_one_line_without_markdown_marks() -> None:
    text = "**Bold** start\n\n# Heading\nmore `code`"
    assert preview_line(text) == "Bold start Heading more code"


def test_trim_drops_the_bottom_and_pages_it_back_in(
    history: History, service: FeedService, qtmodeltester: ModelTester, qtbot: QtBot
) -> None:
    _fill(history, 500)
    model = FeedModel(service, page_size=200)
    while model.canFetchMore(QModelIndex()):
        _fetch(model, qtbot)
    assert model.rowCount() == 500
    assert model.trim(150) == 350
    assert model.rowCount() == 150
    assert model.canFetchMore(QModelIndex())
    _fetch(model, qtbot)
    assert model.rowCount() == 350
    assert model.index(150).data(FeedRole.TITLE) == "Ticket 349"  # no gap, no repeat
    assert model.trim(1000) == 0
    qtmodeltester.check(model, force_py=True)
