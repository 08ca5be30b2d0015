"""The feed service: the one owner of the history that the window (and later the tray) sees.

Every read the window needs (pages, search matches, the unread count, the channel list)
and every write it makes (mark read, mark all read, mark unread) runs in a worker thread
and comes back on the GUI thread as a callback or a signal, so the GUI thread never waits
on SQLite. That matters most for writes: ``History`` has one write connection, and while
the engine service commits a burst, each batch holds its lock through an fsync.

Threads. Reads go to a reader thread, which uses the history's read connection: under WAL
it sees the last commit and never waits for a writer. Writes go, in order, to a writer
thread of their own. A read asked for while writes are still in flight is queued behind
them in the writer thread instead, so that it sees what the user just did (toggling
"unread only" right after marking an item read must not bring the item back). Results
cross back to the GUI thread through a queued Qt signal.

Counting. The unread count is always a query, never arithmetic on the GUI thread, so
it cannot drift however writes and new items interleave. Under a burst it runs at most
every ``RECOUNT_MS``.

The pulse (events per minute over the last hour, :mod:`beacon.feed.pulse`) is a query
too, and only while something shows it: a view calls :meth:`FeedService.watch_pulse`
when it is shown and :meth:`FeedService.unwatch_pulse` when hidden. While watched, new
items ask for a new pulse at most every ``PULSE_COALESCE_MS``, and one single-shot timer
asks at each minute boundary, when the oldest minute leaves the hour. Unwatched, nothing
runs and no timer is armed, so an idle app in the tray never wakes for the chart; the
next watcher gets a fresh pulse at once.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from beacon.feed.item import FeedItem
from beacon.feed.pulse import MINUTE_US, MINUTES, Pulse
from beacon.store.history import FeedFilter, History, to_us

__all__ = ["NO_FILTER", "FeedFilter", "FeedService"]

log = logging.getLogger("beacon.services")

T = TypeVar("T")

#: The filter that shows everything.
NO_FILTER = FeedFilter()
#: Under a stream of new items, the unread count is queried at most this often.
RECOUNT_MS = 250
#: Under a stream of new items, the pulse is queried at most this often (while watched).
PULSE_COALESCE_MS = 3000
#: The minute-boundary refresh fires this long after the boundary, so that the new
#: minute has begun by the clock the query reads.
_BOUNDARY_SLACK_MS = 50


#: A pulse refreshed for new items re-counts only this many last minutes (see _pulse_at).
_RECOUNT_MINUTES = 2
#: ...and the whole hour at least this often while watched, so that what the history
#: lost meanwhile (count retention pruning inside the hour) is not shown for long.
_FULL_EVERY_MINUTES = 10


def _pulse_hour(now_us: int) -> tuple[int, int]:
    """The start and end of the hour that ends with the minute holding ``now_us``."""
    end = (now_us // MINUTE_US + 1) * MINUTE_US
    return end - MINUTES * MINUTE_US, end


def _pulse_at(history: History, now_us: int, base: Pulse | None) -> Pulse:
    """The pulse of the hour that ends with the minute holding ``now_us`` (worker thread).

    Counting a busy hour costs far more than two minutes (200,000 items an hour: ~300 ms
    against ~4 ms, in the reader thread that also pages and searches). So with a ``base``
    (the last pulse, at most ``_RECOUNT_MINUTES`` older than this hour), its minutes are
    kept, shifted along, and only the last ``_RECOUNT_MINUTES`` are counted again. That
    is exact as long as nothing arrived since ``base`` for a minute before those: the
    caller passes no base then (a catch-up item, a failed query, a first watcher).
    """
    start, end = _pulse_hour(now_us)
    if base is None:
        return Pulse.from_counts(start, MINUTES, history.per_minute(start, end))
    shift = (start - base.start_us) // MINUTE_US
    keep = MINUTES - _RECOUNT_MINUTES
    recent = history.per_minute(start + keep * MINUTE_US, end)
    zeros = (0,) * MINUTES
    counts = {
        source: [
            *base.counts.get(source, zeros)[shift : shift + keep],
            *recent.get(source, (0,) * _RECOUNT_MINUTES),
        ]
        for source in {*base.counts, *recent}
    }
    # A source that left the hour with the shift is dropped, as the full count drops it.
    return Pulse.from_counts(start, MINUTES, {k: v for k, v in counts.items() if any(v)})


def _base_for(
    base: Pulse | None, now_us: int, oldest_new: int | None, full_start: int | None
) -> Pulse | None:
    """``base`` when :func:`_pulse_at` may build on it at ``now_us``, else ``None``."""
    start, end = _pulse_hour(now_us)
    if base is None or full_start is None:
        return None
    shift, partial_minute = divmod(start - base.start_us, MINUTE_US)
    if partial_minute or not 0 <= shift <= _RECOUNT_MINUTES:
        return None  # the clock went back, or the last pulse is too old to shift
    if oldest_new is not None and oldest_new < end - _RECOUNT_MINUTES * MINUTE_US:
        return None  # an item for a minute that is not counted again (catch-up)
    if start - full_start >= _FULL_EVERY_MINUTES * MINUTE_US:
        return None
    return base


# (work, request number) for a worker thread; None stops it. A job holds no QObject: the
# last reference to a QObject dropped in a worker thread would delete it there, and Qt
# objects (their timers above all) must die in their own thread. Callbacks and their
# owners stay on the GUI thread, filed under the request number.
_Job = tuple[Callable[[], Any], int] | None


class _Worker:
    """One thread running jobs in order.

    Not a ThreadPoolExecutor: handing it a job from the GUI thread is one
    ``SimpleQueue.put``, a C call that takes no Python-level lock. The executor's
    ``submit`` takes three locks that its worker thread also takes, and under a burst
    (the GIL busy with mapping events) waiting for them was seen to cost 10-20 ms.
    """

    def __init__(self, name: str, done: Callable[[int, Any, bool], None]) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._done = done
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, work: Callable[[], Any], request: int) -> None:
        self._jobs.put((work, request))

    def stop(self) -> None:
        """Run what is queued, then end the thread."""
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            work, request = job
            try:
                result, failed = work(), False
            except Exception:
                # A failed read or write (disk full, I/O error) is logged; the UI keeps
                # what it shows.
                log.exception("history request failed")
                result, failed = None, True
            self._done(request, result, failed)
            del job, work, result


class FeedService(QObject):
    """Owns a :class:`History` for the UI; see the module docstring.

    Signals:
        itemsAdded(list[FeedItem]): committed items, oldest first, ids set (relayed from
            the engine service after the unread count and channel list took note).
        unreadChanged(int): how many stored items are unread; the tray's badge.
        channelsChanged(list[tuple[str, str]]): every known ``(account, channel)``, sorted.
        pulseChanged(Pulse): a new pulse (events per minute over the last hour): while
            watched (see the module docstring), and after :meth:`refresh_pulse`.
        idle(): no read or write is in flight any more (for tests and benchmarks).
    """

    itemsAdded = Signal(object)  # not list: PySide would copy it for each slot (engine.py)
    unreadChanged = Signal(int)
    channelsChanged = Signal(list)
    pulseChanged = Signal(object)
    idle = Signal()
    # (request, result, failed): emitted in a worker thread, delivered on the GUI thread.
    _finished = Signal(int, object, bool)

    def __init__(
        self,
        history: History,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._history = history
        self._reader = _Worker("beacon-feed-read", self._finished.emit)
        self._writer = _Worker("beacon-feed-write", self._finished.emit)
        self._writes = 0  # in flight
        self._requests: dict[int, tuple[Callable[[Any], Any], QObject]] = {}  # in flight
        self._request_numbers = itertools.count()
        self._closed = False
        self._unread: int | None = None
        self._channels: set[tuple[str, str]] = set()
        self._muted: frozenset[tuple[str, str]] = frozenset()  # left out of the count
        self._recounting = False
        self._recount_again = False
        self._recount_timer = QTimer(self)
        self._recount_timer.setSingleShot(True)
        self._recount_timer.setInterval(RECOUNT_MS)
        self._recount_timer.timeout.connect(self._recount_due)
        self._pulse: Pulse | None = None
        self._pulse_watchers: set[int] = set()
        self._pulse_hooked: set[int] = set()  # watchers whose `destroyed` is connected
        self._pulse_querying = False
        self._pulse_again = False  # items came while a query ran or the coalesce timer ran
        self._pulse_stale = True  # items came while nobody watched
        # The oldest receive time among items committed since the last query started:
        # older than the minutes a refresh re-counts, the whole hour is counted again.
        self._pulse_oldest_new: int | None = None
        # The hour's start of the last whole-hour count; None: count the whole hour next.
        self._pulse_full_start: int | None = None
        self._pulse_coalesce = QTimer(self)
        self._pulse_coalesce.setSingleShot(True)
        self._pulse_coalesce.setInterval(PULSE_COALESCE_MS)
        self._pulse_coalesce.timeout.connect(self._pulse_coalesce_due)
        self._pulse_boundary = QTimer(self)
        self._pulse_boundary.setSingleShot(True)
        # Coarse: a few ms late at a minute boundary is invisible, and lets Qt batch wakeups.
        self._pulse_boundary.setTimerType(Qt.TimerType.CoarseTimer)
        self._pulse_boundary.timeout.connect(self._pulse_boundary_due)
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._recount()
        self._run_read(self._history.channels, self._channels_loaded)

    # -- what the UI reads ------------------------------------------------------------------

    @property
    def unread(self) -> int | None:
        """The last unread count (``None`` until the first count came back)."""
        return self._unread

    def channels(self) -> list[tuple[str, str]]:
        """Every ``(account, channel)`` known so far, sorted."""
        return sorted(self._channels)

    @property
    def pulse(self) -> Pulse | None:
        """The last pulse (``None`` until the first watcher got one, or after a failed
        query)."""
        return self._pulse

    def watch_pulse(self, watcher: QObject) -> None:
        """``watcher`` shows the pulse now: keep it fresh (new items, minute boundaries)."""
        key = id(watcher)
        if key in self._pulse_watchers:
            return
        if not self._pulse_watchers:
            self._pulse_stale = True  # nothing was counted while nobody watched
            self._pulse_full_start = None  # and the history may have been pruned meanwhile
        self._pulse_watchers.add(key)
        if key not in self._pulse_hooked:
            # A deleted watcher must not keep the timers armed for ever.
            self._pulse_hooked.add(key)
            watcher.destroyed.connect(partial(self._pulse_watcher_destroyed, key))
        if self._pulse_stale or self._pulse is None:
            self.refresh_pulse()
        self._arm_boundary()

    def unwatch_pulse(self, watcher: QObject) -> None:
        """``watcher`` no longer shows the pulse (hidden); the last one out stops the timers."""
        self._forget_pulse_watcher(id(watcher))

    def refresh_pulse(self) -> None:
        """Query the pulse now; :attr:`pulseChanged` follows. One query at a time: a call
        while one runs asks for another after it."""
        if self._pulse_querying:
            self._pulse_again = True
            return
        self._pulse_querying = True
        self._pulse_again = False
        self._pulse_stale = False
        now_us = int(self._clock() * 1_000_000)
        oldest, self._pulse_oldest_new = self._pulse_oldest_new, None
        base = _base_for(self._pulse, now_us, oldest, self._pulse_full_start)
        if base is None:
            self._pulse_full_start = _pulse_hour(now_us)[0]
        self._run_read(partial(_pulse_at, self._history, now_us, base), self._pulse_counted)

    @property
    def busy(self) -> bool:
        """Whether a read or write is in flight."""
        return bool(self._requests)

    def page(
        self,
        flt: FeedFilter,
        callback: Callable[[list[FeedItem]], None],
        *,
        before_id: int | None = None,
        limit: int = 200,
        owner: QObject | None = None,
    ) -> None:
        """Up to ``limit`` items passing ``flt``, newest first, older than ``before_id``.

        Every read takes an ``owner``: when it has been deleted by the time the result is
        back (a closed window), the callback is not called.
        """
        self._run_read(
            partial(self._history.page, flt, before_id=before_id, limit=limit), callback, owner
        )

    def matches(
        self,
        item_ids: Iterable[int],
        flt: FeedFilter,
        callback: Callable[[set[int]], None],
        *,
        owner: QObject | None = None,
    ) -> None:
        """Which of ``item_ids`` are stored and pass ``flt``."""
        ids = list(item_ids)
        self._run_read(partial(self._history.matches, ids, flt), callback, owner)

    def get(
        self,
        item_id: int,
        callback: Callable[[FeedItem | None], None],
        *,
        owner: QObject | None = None,
    ) -> None:
        """The stored item with this id, or ``None``."""
        self._run_read(partial(self._history.get, item_id), callback, owner)

    # -- what the UI writes -----------------------------------------------------------------

    def mark_read(self, item_ids: Iterable[int]) -> None:
        ids = list(item_ids)
        if ids:
            self._run_write(partial(self._history.mark_read, ids))

    def mark_unread(self, item_ids: Iterable[int]) -> None:
        ids = list(item_ids)
        if ids:
            self._run_write(partial(self._history.mark_unread, ids))

    def mark_all_read(self, flt: FeedFilter = NO_FILTER) -> None:
        """Mark every stored unread item that ``flt`` shows read."""
        self._run_write(partial(self._history.mark_all_read, flt))

    # -- from the engine service ------------------------------------------------------------

    def add_committed(self, items: list[FeedItem]) -> None:
        """Committed items from ``EngineService.itemsAdded``: relayed as :attr:`itemsAdded`."""
        if not items:
            return
        new = {(item.account, item.channel) for item in items} - self._channels
        if new:
            self._channels |= new
            self.channelsChanged.emit(self.channels())
        if any(not item.read for item in items):
            self._schedule_recount()
        self._schedule_pulse(items)
        self.itemsAdded.emit(items)

    def close(self) -> None:
        """Finish the writes in flight (a read mark is never lost), then stop the threads."""
        if self._closed:
            return
        self._closed = True
        self._recount_timer.stop()
        self._pulse_coalesce.stop()
        self._pulse_boundary.stop()
        self._writer.stop()
        self._reader.stop()

    # -- plumbing -------------------------------------------------------------------------------

    # Work is a partial of a History method: it holds no QObject (see _Job).
    def _run_read(
        self, work: Callable[[], T], callback: Callable[[T], None], owner: QObject | None = None
    ) -> None:
        # Behind pending writes, so the read sees them (see the module docstring).
        worker = self._writer if self._writes else self._reader
        self._submit(worker, work, callback, owner or self)

    def _run_write(self, work: Callable[[], object]) -> None:
        self._writes += 1
        self._submit(self._writer, work, self._written, self)

    def _written(self, _result: object) -> None:
        self._writes -= 1
        self._schedule_recount()

    def _submit(
        self,
        worker: _Worker,
        work: Callable[[], T],
        callback: Callable[[T], Any],
        owner: QObject,
    ) -> None:
        if self._closed:
            log.debug("feed service closed; request dropped")
            return
        request = next(self._request_numbers)
        self._requests[request] = (callback, owner)
        worker.put(work, request)

    def _deliver(self, request: int, result: Any, failed: bool) -> None:
        callback, owner = self._requests.pop(request)
        # Nothing is delivered after close(), nor to an owner that is gone: results of a
        # closed window's last reads may still be queued on the event loop.
        if self._closed or not shiboken6.isValid(owner):
            return
        # After a failure (logged in the worker) the callback still runs, with None, so
        # that nothing waits for ever: a page stops paging, a count is read again.
        callback(None if failed else result)
        self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self._requests and not self._recount_again and not self._pulse_querying:
            self.idle.emit()

    def _schedule_recount(self) -> None:
        if self._recounting or self._recount_timer.isActive():
            self._recount_again = True
            return
        self._recount()
        # Whatever comes in the next interval waits for the timer: under a burst, at most
        # one count per RECOUNT_MS.
        self._recount_timer.start()

    def set_muted(self, channels: frozenset[tuple[str, str]]) -> None:
        """The (account, channel) pairs the user muted: their items leave the unread
        count (the tray's badge), which is counted again when the set changed."""
        if channels != self._muted:
            self._muted = channels
            self._recount_soon()

    def _recount_soon(self) -> None:
        if self._recounting or self._recount_timer.isActive():
            self._recount_again = True
            return
        self._recount()
        self._recount_timer.start()

    def _recount_due(self) -> None:
        if self._recount_again and not self._recounting:
            self._recount()
            self._recount_timer.start()

    def _recount(self) -> None:
        self._recounting = True
        self._recount_again = False
        self._run_read(partial(self._history.unread_count, self._muted), self._counted)

    def _counted(self, count: int | None) -> None:
        self._recounting = False
        if count is not None and count != self._unread:
            self._unread = count
            self.unreadChanged.emit(count)
        if self._recount_again and not self._recount_timer.isActive():
            self._recount()
            self._recount_timer.start()

    def _channels_loaded(self, channels: Sequence[tuple[str, str]] | None) -> None:
        if channels is None:
            return
        new = set(channels) - self._channels
        if new:
            self._channels |= new
            self.channelsChanged.emit(self.channels())

    # -- the pulse ------------------------------------------------------------------------------

    def _pulse_watcher_destroyed(self, key: int, *_destroyed: object) -> None:
        if self._closed:
            # At quit a watcher may go after this service's own timers were deleted.
            return
        self._pulse_hooked.discard(key)
        self._forget_pulse_watcher(key)

    def _forget_pulse_watcher(self, key: int) -> None:
        self._pulse_watchers.discard(key)
        if not self._pulse_watchers:
            self._pulse_boundary.stop()
            self._pulse_coalesce.stop()
            if self._pulse_again:
                self._pulse_stale = True  # what came in is counted for the next watcher
            self._pulse_again = False

    def _schedule_pulse(self, items: Sequence[FeedItem]) -> None:
        oldest = to_us(min(item.received_at for item in items))
        if self._pulse_oldest_new is None or oldest < self._pulse_oldest_new:
            self._pulse_oldest_new = oldest
        if not self._pulse_watchers:
            self._pulse_stale = True
            return
        if self._pulse_querying or self._pulse_coalesce.isActive():
            self._pulse_again = True
            return
        self.refresh_pulse()
        # What comes in the next interval waits for the timer: under a burst, at most one
        # pulse query per PULSE_COALESCE_MS.
        self._pulse_coalesce.start()

    def _pulse_coalesce_due(self) -> None:
        if self._pulse_again and self._pulse_watchers:
            self.refresh_pulse()
            self._pulse_coalesce.start()

    def _arm_boundary(self) -> None:
        if self._closed or not self._pulse_watchers:
            return
        now_us = int(self._clock() * 1_000_000)
        left_ms = (MINUTE_US - now_us % MINUTE_US) // 1000
        self._pulse_boundary.start(int(left_ms) + _BOUNDARY_SLACK_MS)

    def _pulse_boundary_due(self) -> None:
        if not self._pulse_watchers:
            return
        self.refresh_pulse()
        self._arm_boundary()

    def _pulse_counted(self, pulse: Pulse | None) -> None:
        self._pulse_querying = False
        if pulse is None:
            # Failed (logged): the next query counts the whole hour, since what this one
            # was to count since the last pulse is no longer tracked.
            self._pulse = None
            self._pulse_full_start = None
        else:
            self._pulse = pulse
            self.pulseChanged.emit(pulse)
        if self._pulse_again and self._pulse_watchers and not self._pulse_coalesce.isActive():
            self.refresh_pulse()
            self._pulse_coalesce.start()
