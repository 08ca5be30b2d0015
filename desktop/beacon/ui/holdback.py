"""The items waiting behind the update bar, and which of them the current filter shows."""

from __future__ import annotations

from collections.abc import Sequence

from beacon.feed.item import FeedItem
from beacon.store.history import FeedFilter, History

_NO_FILTER = FeedFilter()


def passing(history: History, items: Sequence[FeedItem], flt: FeedFilter) -> list[FeedItem]:
    """The committed ``items`` that ``flt`` shows, in their original order.

    Search goes to the store (it owns full-text search), so the list and the count agree.
    """
    if flt == _NO_FILTER or not items:
        return list(items)
    simple = [item for item in items if _passes_fields(item, flt)]
    if not flt.search or not simple:
        return simple
    ids = history.matches([item.id for item in simple if item.id is not None], flt)
    return [item for item in simple if item.id in ids]


def _passes_fields(item: FeedItem, flt: FeedFilter) -> bool:
    # The plain columns are checked here, so that a burst under a channel filter costs no
    # query; only full-text search needs the store (and runs on the survivors).
    return (
        (flt.account is None or item.account == flt.account)
        and (flt.channel is None or item.channel == flt.channel)
        and (not flt.unread_only or not item.read)
        and (flt.min_priority is None or item.priority >= flt.min_priority)
    )


class Holdback:
    """New items held back so they never move what the user is reading.

    Everything held is already committed to the store. ``count`` is how many of them the
    current filter would show: the number on the bar. Held items the filter hides are
    kept, so that a filter change can count them again.
    """

    def __init__(self, history: History, flt: FeedFilter = _NO_FILTER) -> None:
        self._history = history
        self._filter = flt
        self._held: list[FeedItem] = []  # arrival order, oldest first
        self._shown_ids: set[int] = set()

    @property
    def count(self) -> int:
        """Held items that the current filter shows."""
        return len(self._shown_ids)

    @property
    def pending(self) -> bool:
        """Whether anything is held at all, shown by the filter or not."""
        return bool(self._held)

    @property
    def ceiling(self) -> int | None:
        """The smallest held id: a fresh query must stop below it."""
        ids = [item.id for item in self._held if item.id is not None]
        return min(ids) if ids else None

    def hold(self, items: Sequence[FeedItem]) -> None:
        self._held.extend(items)
        self._shown_ids.update(item.id for item in passing(self._history, items, self._filter)
                               if item.id is not None)

    def set_filter(self, flt: FeedFilter) -> None:
        self._filter = flt
        self._shown_ids = {
            item.id for item in passing(self._history, self._held, flt) if item.id is not None
        }

    def take(self) -> list[FeedItem]:
        """Release everything; return what the filter shows, newest first."""
        shown = [item for item in reversed(self._held) if item.id in self._shown_ids]
        self._held.clear()
        self._shown_ids.clear()
        return shown
