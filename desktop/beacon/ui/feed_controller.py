"""The feed controller: what goes into the list, what waits behind the bar, what is read.

Not a widget (STYLE habit 5, as qutebrowser's download manager): it owns the model and the
holdback, takes committed items from the feed service, and asks the window only two
things: whether the user would be disturbed by rows appearing at the top, and which row is
current. The window turns widgets' signals into calls here.

Search filters are decided by the store (full-text search), through the service, off
the GUI thread; every other filter is checked here at once. Batches keep their arrival
order: one is classified at a time, and one classified under a filter that has changed
since goes back to the front of the queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from beacon.feed.item import FeedItem
from beacon.services.feed import FeedFilter, FeedService
from beacon.ui.feed_model import FeedModel
from beacon.ui.holdback import Holdback, passes_fields

log = logging.getLogger("beacon.ui")

#: New items go into the list at most this often (a burst is shown in a few steps, each
#: one insert and one repaint, instead of one per batch the service commits).
INSERT_INTERVAL_MS = 100
#: Rows kept loaded while new items arrive at the top (more page in on scrolling).
LIVE_ROWS = 1000
#: How long revealed items stay tinted.
HIGHLIGHT_MS = 2500


class FeedController(QObject):
    """Drives a :class:`FeedModel` from a :class:`FeedService`.

    ``disturbing()`` says whether new rows at the top would move what the user is busy
    with; ``current_row()`` is the row the user is on (-1: none), kept when trimming.

    Signals:
        heldChanged(int): how many held items the filter shows (the bar's number).
        revealed(int): the user revealed this many held items.
        settled(): nothing is being classified or revealed any more (for tests).
    """

    heldChanged = Signal(int)
    revealed = Signal(int)
    settled = Signal()

    def __init__(
        self,
        service: FeedService,
        *,
        disturbing: Callable[[], bool],
        current_row: Callable[[], int],
        always_hold: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.model = FeedModel(service, parent=self)
        self.holdback = Holdback()
        self.always_hold = always_hold
        self._disturbing = disturbing
        self._current_row = current_row
        self._generation = 0  # bumped by every filter change
        self._incoming: list[FeedItem] = []  # arrived, not classified yet
        self._in_flight: list[FeedItem] = []  # being classified
        self._settling = False  # held items being reclassified for a new filter
        self._reveal_asked = False
        self._last_insert = -1e9
        self._insert_timer = QTimer(self)
        self._insert_timer.setSingleShot(True)
        self._insert_timer.timeout.connect(self._place_incoming)
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.setInterval(HIGHLIGHT_MS)
        self._highlight_timer.timeout.connect(self.model.clear_highlight)
        service.itemsAdded.connect(self.add_items)

    @property
    def filter(self) -> FeedFilter:
        return self.model.filter

    @property
    def held(self) -> int:
        return self.holdback.count

    @property
    def busy(self) -> bool:
        """Whether items are waiting to be classified or a reveal waits for that."""
        return bool(self._incoming or self._in_flight or self._settling or self._reveal_asked)

    def start(self) -> None:
        """Load the first page."""
        self.model.set_filter(self.model.filter)

    # -- new items -------------------------------------------------------------------------

    def should_hold(self) -> bool:
        """Whether new items must wait behind the bar right now."""
        return self.always_hold or self._disturbing()

    def add_items(self, items: list[FeedItem]) -> None:
        """Committed items, oldest first (the order they arrived in)."""
        self._incoming.extend(items)
        self._schedule()

    def _schedule(self) -> None:
        if self._insert_timer.isActive():
            return
        wait_ms = (self._last_insert + INSERT_INTERVAL_MS / 1000 - time.monotonic()) * 1000
        if wait_ms <= 0:
            self._place_incoming()
        else:
            self._insert_timer.start(int(wait_ms) + 1)

    def _place_incoming(self) -> None:
        """Classify what arrived since the last time; then show or hold it, in one go."""
        self._insert_timer.stop()
        if self._in_flight or not self._incoming:
            return  # the batch in flight calls again when it is placed
        batch, self._incoming = self._incoming, []
        self._in_flight = batch
        self._last_insert = time.monotonic()
        generation = self._generation
        self._classify(batch, self.model.filter, lambda ids: self._placed(generation, ids))

    def _placed(self, generation: int, shown_ids: set[int]) -> None:
        batch, self._in_flight = self._in_flight, []
        if generation != self._generation:
            # Classified under an older filter: again, under the current one, in order.
            self._incoming[0:0] = batch
        elif self.should_hold():
            self.holdback.hold(batch, shown_ids)
            self.heldChanged.emit(self.holdback.count)
        else:
            # Nothing disturbs the user: whatever waited comes in with the new items, so
            # that new items flow in at the top whenever the user is not busy with them.
            held = self.holdback.take()
            shown = [item for item in reversed(batch) if item.id in shown_ids]
            self.model.prepend([*shown, *held])
            if held:
                self.heldChanged.emit(0)
            self._trim()
        if self._incoming:
            self._schedule()
        self._maybe_settled()

    def _classify(
        self, items: Sequence[FeedItem], flt: FeedFilter, done: Callable[[set[int]], None]
    ) -> None:
        """Call ``done`` with the ids of ``items`` that ``flt`` shows (at once unless the
        filter searches: the store decides that, off the GUI thread)."""
        simple = [item.id for item in items if item.id is not None and passes_fields(item, flt)]
        if not flt.search or not simple:
            done(set(simple))
        else:
            self.service.matches(simple, flt, lambda ids: done(ids or set()), owner=self)

    # -- revealing -------------------------------------------------------------------------

    def reveal(self) -> None:
        """Put the held items (and anything still arriving) at the top, tinted briefly.

        While held items are being reclassified for a new filter, the reveal waits for that.
        """
        self._place_incoming()
        if self._settling or self._in_flight:
            self._reveal_asked = True
            return
        self._reveal_asked = False
        items = self.holdback.take()
        self.heldChanged.emit(0)
        if items:
            self.model.prepend(items)
            self.model.highlight(item.id for item in items if item.id is not None)
            self._highlight_timer.start()
        self._trim()
        self.revealed.emit(len(items))
        self._maybe_settled()

    def _trim(self) -> None:
        current = self._current_row()
        self.model.trim(max(LIVE_ROWS, current + 1))

    # -- filters ---------------------------------------------------------------------------

    def set_filter(self, flt: FeedFilter) -> None:
        """Query the store for ``flt`` afresh; held items are recounted for it."""
        if flt == self.model.filter:
            return
        self._generation += 1
        generation = self._generation
        # Whatever the controller still has in hand stays out of the fresh query: it is
        # newer than everything shown, and is placed (or held) on its own way.
        owned = [*self.holdback.items, *self._in_flight, *self._incoming]
        ceiling = min((i.id for i in owned if i.id is not None), default=None)
        self.model.set_filter(flt, ceiling=ceiling)
        if not self.holdback.pending:
            self.heldChanged.emit(0)
            return
        self._settling = True
        self._classify(self.holdback.items, flt, lambda ids: self._reclassified(generation, ids))

    def _reclassified(self, generation: int, shown_ids: set[int]) -> None:
        if generation != self._generation:
            return  # a newer filter asked again
        self._settling = False
        self.holdback.reclassify(shown_ids)
        self.heldChanged.emit(self.holdback.count)
        if self._reveal_asked:
            self.reveal()
        self._maybe_settled()

    def _maybe_settled(self) -> None:
        if not self.busy:
            self.settled.emit()

    # -- reading ---------------------------------------------------------------------------

    def open_row(self, row: int) -> FeedItem | None:
        """The user opened this row: it is read from now on."""
        item = self.model.item(row)
        if item is not None and not item.read and item.id is not None:
            self.service.mark_read([item.id])
            self.model.set_read([row])
            item = self.model.item(row)
        return item

    def mark_unread(self, row: int) -> None:
        item = self.model.item(row)
        if item is not None and item.read and item.id is not None:
            self.service.mark_unread([item.id])
            self.model.set_unread([row])

    def mark_all_read(self) -> None:
        """Mark everything the current filter shows as read (held items included)."""
        self.service.mark_all_read(self.model.filter)
        self.model.set_all_read()
