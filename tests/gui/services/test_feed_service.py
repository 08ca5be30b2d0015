"""FeedService: the history's reads and writes off the GUI thread, results as signals."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from beacon.feed.item import FeedItem
from beacon.services.feed import FeedFilter, FeedService
from beacon.store.history import History
from support.feeditems import make_item


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History(tmp_path / "history.sqlite3", retention_days=None)
    yield h
    h.close()


@pytest.fixture
def service(history: History, qtbot: QtBot) -> Iterator[FeedService]:
    s = FeedService(history)
    yield s
    s.close()


def _settle(service: FeedService, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not service.busy)


def _store(
    history: History, service: FeedService, qtbot: QtBot, items: list[FeedItem]
) -> list[FeedItem]:
    """Commit ``items`` as the engine service does, and wait for the service's count."""
    stored = history.add_batch(items)
    service.add_committed(stored)
    qtbot.waitUntil(lambda: service.unread == history.unread_count() and not service.busy)
    return stored


def test_the_first_count_and_channels_come_as_signals(history: History, qtbot: QtBot) -> None:
    history.add_batch([make_item(n, channel=f"c{n % 2}") for n in range(5)])
    service = FeedService(history)
    try:
        assert service.unread is None  # nothing read on the GUI thread
        with qtbot.waitSignals([service.unreadChanged, service.channelsChanged]):
            pass
        assert service.unread == 5
        assert service.channels() == [("support", "c0"), ("support", "c1")]
    finally:
        service.close()


def test_committed_items_are_relayed_and_counted(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    _settle(service, qtbot)
    stored = history.add_batch([make_item(1, channel="alerts"), make_item(2)])
    with (
        qtbot.waitSignal(service.itemsAdded) as added,
        qtbot.waitSignal(service.channelsChanged) as channels,
        qtbot.waitSignal(service.unreadChanged) as unread,
    ):
        service.add_committed(stored)
    assert added.args == [stored]
    assert channels.args == [[("support", "alerts"), ("support", "tickets")]]
    assert unread.args == [2]


def test_marks_are_written_and_recounted(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    stored = _store(history, service, qtbot, [make_item(n) for n in range(4)])
    ids = [item.id for item in stored if item.id is not None]
    assert service.unread == 4
    with qtbot.waitSignal(service.unreadChanged, check_params_cb=lambda n: n == 2):
        service.mark_read(ids[:2])
    with qtbot.waitSignal(service.unreadChanged, check_params_cb=lambda n: n == 3):
        service.mark_unread(ids[:1])
    with qtbot.waitSignal(service.unreadChanged, check_params_cb=lambda n: n == 0):
        service.mark_all_read(FeedFilter())
    assert history.unread_count() == 0


def test_mark_read_never_waits_for_the_writer_lock(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """A burst's commit holds the history's write lock through an fsync; marking read
    must return at once meanwhile, and be written when the lock is free."""
    stored = _store(history, service, qtbot, [make_item(n) for n in range(3)])
    assert service.unread == 3
    locked = threading.Event()
    release = threading.Event()

    def committing_burst() -> None:
        with history._lock:  # what add_batch holds during its commit
            locked.set()
            release.wait(10)

    writer = threading.Thread(target=committing_burst)
    writer.start()
    try:
        assert locked.wait(5)
        started = time.perf_counter()
        service.mark_read([stored[0].id or 0])
        service.mark_all_read(FeedFilter(search="Ticket"))
        blocked = time.perf_counter() - started
        assert blocked < 0.05, f"the GUI thread waited {blocked * 1000:.0f} ms"
        assert service.busy
    finally:
        release.set()
        writer.join()
    with qtbot.waitSignal(service.unreadChanged, check_params_cb=lambda n: n == 0):
        pass  # delivered on this thread's event loop, so not before this waits
    assert history.unread_count() == 0


def test_a_read_after_a_mark_sees_the_mark(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    stored = history.add_batch([make_item(n) for n in range(3)])
    _settle(service, qtbot)
    pages: list[list[FeedItem]] = []
    service.mark_read([stored[2].id or 0])
    service.page(FeedFilter(unread_only=True), pages.append)
    qtbot.waitUntil(lambda: bool(pages))
    assert [item.id for item in pages[0]] == [stored[1].id, stored[0].id]


def test_matches_and_get_come_back(history: History, service: FeedService, qtbot: QtBot) -> None:
    stored = history.add_batch([make_item(1, title="Printer on fire"), make_item(2)])
    results: list[object] = []
    service.matches([i.id or 0 for i in stored], FeedFilter(search="printer"), results.append)
    service.get(stored[1].id or 0, results.append)
    qtbot.waitUntil(lambda: len(results) == 2)
    assert results[0] == {stored[0].id}
    assert isinstance(results[1], FeedItem) and results[1].title == "Ticket 2"


def test_close_writes_the_marks_in_flight(history: History, qtbot: QtBot) -> None:
    stored = history.add_batch([make_item(n) for n in range(2)])
    service = FeedService(history)
    service.mark_read([item.id or 0 for item in stored])
    service.close()
    assert history.unread_count() == 0


def test_nothing_is_delivered_to_a_deleted_owner(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """A closed window's last page must not reach its deleted model."""
    history.add_batch([make_item(1)])
    owner = QObject()
    pages: list[object] = []
    service.page(FeedFilter(), pages.append, owner=owner)
    shiboken6.delete(owner)
    _settle(service, qtbot)
    assert pages == []
    service.page(FeedFilter(), pages.append)  # without an owner: the service owns it
    qtbot.waitUntil(lambda: len(pages) == 1)
