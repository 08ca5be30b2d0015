"""'While you were away': what came in while Beacon was not running, or the machine slept.

Two ways of being away:

- **Not running.** The data directory keeps a last-seen stamp (written at start, at
  close, and at most once a minute while items arrive). At start, the later of that stamp
  and the newest stored item is when Beacon was last seen; a gap longer than
  ``[notifications] away_minutes`` is an absence.
- **Asleep.** :class:`~beacon.connect.resume.ResumeWatch` compares a clock that counts
  suspend with one that does not (checked every ``SLEEP_CHECK_EVERY`` s, so that an idle
  app still sleeps); a jump longer than ``away_minutes`` is an absence.

The items of an absence arrive after it, from the catch-up endpoint, with the times they
were sent. So the digest waits ``GATHER_SECONDS`` after the absence is noticed, then reads
(off the GUI thread) the items stored since then whose time falls inside the absence. When
there are any, it emits :attr:`AwayWatch.digestReady` once: the app shows one summary popup
and the digest at the top of the feed, grouped by channel and event.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from beacon.connect.resume import ResumeWatch, sleep_offset
from beacon.feed.away import AwayDigest, build_digest
from beacon.feed.item import FeedItem
from beacon.services.loop import qt_loop
from beacon.store.history import History

__all__ = ["AwayDigest", "AwayWatch"]

log = logging.getLogger("beacon.services")

#: The last-seen stamp in the data directory.
STAMP_NAME = "last-seen"
#: How long after an absence is noticed its items are gathered (catch-up brings them).
GATHER_SECONDS = 15.0
#: How often the sleep clocks are compared: a sleep shorter than away_minutes is of no
#: interest, so this can be rare.
SLEEP_CHECK_EVERY = 30.0
#: The stamp is written at most this often while items arrive.
STAMP_EVERY = 60.0
# Pages of items read while gathering; an absence of days is still read in a few pages.
_PAGE = 500


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AwayWatch(QObject):
    """Notices absences and gathers their digest; see the module docstring.

    Signals:
        digestReady(AwayDigest): the items of one absence (only when there are some).
    """

    digestReady = Signal(object)

    def __init__(
        self,
        history: History,
        data_dir: Path,
        *,
        away_minutes: float,
        gather_seconds: float = GATHER_SECONDS,
        now: Callable[[], datetime] = _utcnow,
        sleep_clock: Callable[[], float] = sleep_offset,
        sleep_check_every: float = SLEEP_CHECK_EVERY,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._history = history
        self._stamp = data_dir / STAMP_NAME
        self.away = timedelta(minutes=away_minutes)
        self._now = now
        # The newest item id noted, and its value at the last two clock checks: after a
        # sleep, the items after the one before the sleep are candidates, even those that
        # catch-up delivered before this check noticed the sleep (the engine notices first).
        self._newest_id = 0
        self._id_at_check = (0, 0)
        #: Compared with the loop's clock to notice a sleep (a test may set its own).
        self.sleep_clock = sleep_clock
        self._resume = ResumeWatch(
            self._slept, clock=self._sample, interval=sleep_check_every, threshold=1.0
        )
        self._gather = QTimer(self)
        self._gather.setSingleShot(True)
        self._gather.setInterval(round(gather_seconds * 1000))
        self._gather.timeout.connect(self._gather_due)
        # The absence being gathered: (since, until, newest item id when it was noticed).
        self._pending: tuple[datetime, datetime, int] | None = None
        self._stamped = 0.0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def resume_watch(self) -> ResumeWatch:
        """The sleep check (``check()`` compares the clocks now)."""
        return self._resume

    @property
    def gathering(self) -> bool:
        """Whether an absence was noticed and its digest is still to come."""
        return self._gather.isActive() or self._pending is not None

    def set_away_minutes(self, minutes: float) -> None:
        """A reloaded ``[notifications] away_minutes``: for the next absence."""
        self.away = timedelta(minutes=minutes)

    def set_gather_seconds(self, seconds: float) -> None:
        """How long the items of a noticed absence are gathered before the digest."""
        self._gather.setInterval(round(seconds * 1000))

    async def start(self) -> None:
        """Notice an absence since the last run (reads the stamp and the history off the
        GUI thread), stamp now, and watch for sleep from now on. Call it before the engine
        starts, so that the items catch-up brings are all after the newest id read here."""
        now = self._now()
        last_seen, newest_id = await asyncio.to_thread(self._last_seen)
        self._newest_id = max(self._newest_id, newest_id)
        self._id_at_check = (self._newest_id, self._newest_id)
        if last_seen is not None and now - last_seen > self.away:
            log.info("Beacon was not running since %s", last_seen.isoformat())
            self._absence(last_seen, now, newest_id)
        await asyncio.to_thread(self._write_stamp, now)
        self._stamped = time.monotonic()
        self._resume.start()

    async def close(self) -> None:
        self._resume.stop()
        self._gather.stop()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.to_thread(self._write_stamp, self._now())

    def note_items(self, items: list[FeedItem]) -> None:
        """Items arrive (``itemsAdded``): Beacon was seen now; stamped at most once a
        minute, so that a crash loses little of it."""
        ids = [item.id for item in items if item.id is not None]
        if ids:
            self._newest_id = max(self._newest_id, *ids)
        if items and time.monotonic() - self._stamped > STAMP_EVERY:
            self._stamped = time.monotonic()
            self._spawn(asyncio.to_thread(self._write_stamp, self._now()))

    # -- absences ----------------------------------------------------------------------

    def _sample(self) -> float:
        self._id_at_check = (self._id_at_check[1], self._newest_id)
        return self.sleep_clock()

    def _slept(self, seconds: float) -> None:
        # Called by ResumeWatch.check right after _sample: [0] is the id at the check
        # before the sleep.
        if seconds <= self.away.total_seconds():
            return
        until = self._now()
        since = until - timedelta(seconds=seconds)
        log.info("the machine slept %.0f s", seconds)
        self._absence(since, until, self._id_at_check[0])

    def _absence(self, since: datetime, until: datetime, newest_id: int) -> None:
        if self._pending is not None:  # two absences before one digest: one digest
            since = min(since, self._pending[0])
            newest_id = min(newest_id, self._pending[2])
        self._pending = (since, until, newest_id)
        self._gather.start()

    def _gather_due(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return

        async def gather() -> None:
            since, until, after_id = pending
            items = await asyncio.to_thread(self._items_of, since, until, after_id)
            if items:
                digest = build_digest(items, since, until)
                log.info("while away: %d items in %d groups", digest.total, len(digest.groups))
                self.digestReady.emit(digest)

        self._spawn(gather())

    # -- worker-thread helpers ---------------------------------------------------------

    def _last_seen(self) -> tuple[datetime | None, int]:
        """(when Beacon was last seen, the newest stored item id or 0)."""
        newest = self._history.page(limit=1)
        seen: list[datetime] = [newest[0].received_at] if newest else []
        try:
            seen.append(datetime.fromisoformat(self._stamp.read_text().strip()))
        except (OSError, ValueError):
            pass
        newest_id = newest[0].id if newest and newest[0].id is not None else 0
        return (max(seen) if seen else None), newest_id

    def _items_of(self, since: datetime, until: datetime, after_id: int) -> list[FeedItem]:
        """Items stored after ``after_id`` whose time falls in ``[since, until]``."""
        found: list[FeedItem] = []
        before: int | None = None
        while True:
            page = self._history.page(before_id=before, limit=_PAGE)
            for item in page:
                assert item.id is not None
                if item.id <= after_id:
                    return found
                if since <= item.received_at <= until:
                    found.append(item)
            if len(page) < _PAGE:
                return found
            before = page[-1].id

    def _write_stamp(self, when: datetime) -> None:
        try:
            tmp = self._stamp.with_suffix(".tmp")
            tmp.write_text(when.isoformat())
            os.replace(tmp, self._stamp)
        except OSError as exc:
            log.info("could not write %s: %s", self._stamp, exc)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = qt_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
