"""FeedService's pulse: counted from the history off the GUI thread, live while watched,
coalesced under a stream of items, and no query or timer while nobody watches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QObject, QTimer
from pytestqt.qtbot import QtBot

from beacon.feed.item import FeedItem
from beacon.feed.pulse import MINUTE_US, MINUTES, Pulse
from beacon.services.feed import PULSE_COALESCE_MS, FeedService
from beacon.store.history import History, to_us
from support.feeditems import BASE_TIME, make_item

#: "Now" for most tests: half a minute into the 60th minute after BASE_TIME.
NOW = BASE_TIME + timedelta(minutes=59, seconds=30)


class TracedHistory(History):
    """The real history, noting which thread each pulse query runs in (a hook, not a mock:
    the query itself runs)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, retention_count=None, retention_days=None)
        self.pulse_threads: list[str] = []
        self.spans: list[int] = []  # minutes counted by each query

    def per_minute(
        self, since_us: int, until_us: int, *, minute_us: int = MINUTE_US
    ) -> dict[tuple[str, str], list[int]]:
        self.pulse_threads.append(threading.current_thread().name)
        self.spans.append((until_us - since_us) // MINUTE_US)
        return super().per_minute(since_us, until_us, minute_us=minute_us)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[TracedHistory]:
    h = TracedHistory(tmp_path / "history.sqlite3")
    yield h
    h.close()


def _service(history: History, now: datetime = NOW) -> FeedService:
    return FeedService(history, clock=lambda: now.timestamp())


@pytest.fixture
def service(history: TracedHistory, qtbot: QtBot) -> Iterator[FeedService]:
    s = _service(history)
    qtbot.waitUntil(lambda: not s.busy)
    yield s
    s.close()


def _active_timers(service: FeedService) -> list[QTimer]:
    return [t for t in service.findChildren(QTimer) if t.isActive()]


def _burst_items(start: int = 0) -> list[FeedItem]:
    """3 a minute on tickets through the hour, and 40 in its last minute; one deploy."""
    items = []
    n = start
    for minute in range(MINUTES):
        for k in range(40 if minute == MINUTES - 1 else 3):
            at = BASE_TIME + timedelta(minutes=minute, seconds=k % 30, microseconds=k)
            items.append(make_item(n, received_at=at))
            n += 1
    items.append(make_item(n, channel="deploys", received_at=BASE_TIME + timedelta(minutes=5)))
    return items


def test_the_pulse_is_counted_off_the_gui_thread_and_matches_the_history(
    history: TracedHistory, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch(_burst_items())
    # Outside the hour: an item a second too old is not counted.
    history.add_batch([make_item(9999, received_at=BASE_TIME - timedelta(seconds=1))])
    watcher = QObject()
    with qtbot.waitSignal(service.pulseChanged) as got:
        service.watch_pulse(watcher)
    pulse = got.args[0]
    assert isinstance(pulse, Pulse)
    assert service.pulse is pulse
    assert history.pulse_threads == ["beacon-feed-read"]
    assert threading.current_thread() is threading.main_thread()
    # The hour ends with the minute that holds NOW.
    assert pulse.start_us == to_us(BASE_TIME)
    assert pulse.end_us == to_us(BASE_TIME + timedelta(hours=1))
    expected = [3] * (MINUTES - 1) + [40]
    assert pulse.counts[("support", "tickets")] == tuple(expected)
    assert pulse.channel("deploys") == tuple(1 if m == 5 else 0 for m in range(MINUTES))
    # The same numbers as the history's own per-minute query over the same span.
    assert {k: list(v) for k, v in pulse.counts.items()} == history.per_minute(
        pulse.start_us, pulse.end_us
    )
    assert sum(pulse.total()) == history.count() - 1
    assert pulse.bursting_sources() == [("support", "tickets")]
    service.unwatch_pulse(watcher)


def test_committed_items_update_the_pulse_coalesced(
    history: TracedHistory, service: FeedService, qtbot: QtBot
) -> None:
    watcher = QObject()
    with qtbot.waitSignal(service.pulseChanged):
        service.watch_pulse(watcher)
    assert service.pulse is not None and sum(service.pulse.total()) == 0
    batches = 30
    for n in range(batches):
        at = NOW - timedelta(seconds=n)
        service.add_committed(history.add_batch([make_item(n, received_at=at)]))
    # Everything is counted in the end...
    qtbot.waitUntil(
        lambda: service.pulse is not None and sum(service.pulse.total()) == batches,
        timeout=PULSE_COALESCE_MS * 3,
    )
    # ...by a few queries, not one per batch: the first, at most one while it ran, and
    # one when the coalescing interval ended. Items of the current minute: only the
    # first query counts the whole hour, the others its last minutes.
    assert 2 <= len(history.pulse_threads) <= 4, history.pulse_threads
    assert history.spans[0] == MINUTES
    assert all(span == 2 for span in history.spans[1:]), history.spans
    service.unwatch_pulse(watcher)


def test_an_older_item_from_catch_up_recounts_the_hour(
    history: TracedHistory, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch(_burst_items())
    watcher = QObject()
    with qtbot.waitSignal(service.pulseChanged):
        service.watch_pulse(watcher)
    # Missed while offline, received (by the sender's clock) 50 minutes ago.
    late = make_item(5000, channel="deploys", received_at=BASE_TIME + timedelta(minutes=9))
    with qtbot.waitSignal(service.pulseChanged) as got:
        service.add_committed(history.add_batch([late]))
    pulse = got.args[0]
    assert pulse.channel("deploys")[9] == 1
    assert {k: list(v) for k, v in pulse.counts.items()} == history.per_minute(
        pulse.start_us, pulse.end_us
    )
    assert history.spans == [MINUTES, MINUTES, MINUTES]  # the last call is this test's
    # A new item of this minute, after the coalescing interval: only the last minutes.
    now = make_item(5001, received_at=NOW)
    with qtbot.waitSignal(service.pulseChanged, timeout=PULSE_COALESCE_MS * 3) as got:
        service.add_committed(history.add_batch([now]))
    assert got.args[0].counts[("support", "tickets")][-1] == 41
    assert history.spans[-1] == 2
    service.unwatch_pulse(watcher)


def test_nothing_is_counted_or_armed_while_nobody_watches(
    history: TracedHistory, service: FeedService, qtbot: QtBot
) -> None:
    pulses: list[object] = []
    service.pulseChanged.connect(pulses.append)
    for n in range(5):
        service.add_committed(history.add_batch([make_item(n, received_at=NOW)]))
    qtbot.waitUntil(lambda: not service.busy and not _active_timers(service))
    assert history.pulse_threads == []
    assert pulses == []

    # The first watcher gets what came in meanwhile, at once.
    watcher = QObject()
    with qtbot.waitSignal(service.pulseChanged) as got:
        service.watch_pulse(watcher)
    assert sum(got.args[0].total()) == 5
    assert _active_timers(service)  # the minute boundary, while watched

    service.unwatch_pulse(watcher)
    assert not _active_timers(service)
    service.add_committed(history.add_batch([make_item(6, received_at=NOW)]))
    qtbot.waitUntil(lambda: not service.busy and not _active_timers(service))
    assert len(history.pulse_threads) == 1


def test_a_deleted_watcher_stops_the_timers(
    history: TracedHistory, service: FeedService, qtbot: QtBot
) -> None:
    watcher = QObject()
    with qtbot.waitSignal(service.pulseChanged):
        service.watch_pulse(watcher)
    assert _active_timers(service)
    shiboken6.delete(watcher)
    assert not _active_timers(service)


def test_a_minute_boundary_brings_a_new_pulse_while_watched(
    history: TracedHistory, qtbot: QtBot
) -> None:
    # A clock that runs in real time, 0.3 s before a minute boundary.
    real = time.time()
    offset = 59.7 - real % 60
    service = FeedService(history, clock=lambda: time.time() + offset)
    try:
        watcher = QObject()
        with qtbot.waitSignal(service.pulseChanged) as first:
            service.watch_pulse(watcher)
        with qtbot.waitSignal(service.pulseChanged, timeout=3000) as second:
            pass
        assert second.args[0].start_us == first.args[0].start_us + MINUTE_US
        # The hour moved on by a minute: the last pulse is shifted along, and only the
        # last two minutes are counted again.
        assert history.spans == [MINUTES, 2]
        service.unwatch_pulse(watcher)
    finally:
        service.close()
