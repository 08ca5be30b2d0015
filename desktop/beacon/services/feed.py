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
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from beacon.feed.item import FeedItem
from beacon.store.history import FeedFilter, History

__all__ = ["NO_FILTER", "FeedFilter", "FeedService"]

log = logging.getLogger("beacon.services")

T = TypeVar("T")

#: The filter that shows everything.
NO_FILTER = FeedFilter()
#: Under a stream of new items, the unread count is queried at most this often.
RECOUNT_MS = 250


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
        idle(): no read or write is in flight any more (for tests and benchmarks).
    """

    itemsAdded = Signal(list)
    unreadChanged = Signal(int)
    channelsChanged = Signal(list)
    idle = Signal()
    # (request, result, failed): emitted in a worker thread, delivered on the GUI thread.
    _finished = Signal(int, object, bool)

    def __init__(self, history: History, parent: QObject | None = None) -> None:
        super().__init__(parent)
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
        self.itemsAdded.emit(items)

    def close(self) -> None:
        """Finish the writes in flight (a read mark is never lost), then stop the threads."""
        if self._closed:
            return
        self._closed = True
        self._recount_timer.stop()
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
        if not self._requests and not self._recount_again:
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
