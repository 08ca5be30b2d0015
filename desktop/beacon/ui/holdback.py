"""The items waiting behind the update bar, and which of them the current filter shows.

Plain data: which items the filter shows is decided by the feed controller (full-text
search needs the service, off the GUI thread) and handed in with the items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from beacon.feed.item import FeedItem
from beacon.services.feed import FeedFilter


def passes_fields(item: FeedItem, flt: FeedFilter) -> bool:
    """Whether ``item`` passes every part of ``flt`` but the search.

    The plain columns are checked here, so that a burst under a channel filter costs no
    query; only full-text search needs the store (and runs on the survivors).
    """
    return (
        (flt.account is None or item.account == flt.account)
        and (flt.channel is None or item.channel == flt.channel)
        and (not flt.unread_only or not item.read)
        and (flt.min_priority is None or item.priority >= flt.min_priority)
        and (flt.ids is None or item.id in flt.ids)
        and (
            flt.show_muted
            or (item.notify != "mute" and (item.account, item.channel) not in flt.muted)
        )
    )


class Holdback:
    """New items held back so they never move what the user is reading.

    Everything held is already committed to the store. ``count`` is how many of them the
    current filter shows: the number on the bar. Held items the filter hides are kept, so
    that a filter change can count them again.
    """

    def __init__(self) -> None:
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
    def items(self) -> list[FeedItem]:
        """Everything held, oldest first."""
        return list(self._held)

    @property
    def ceiling(self) -> int | None:
        """The smallest held id: a fresh query must stop below it."""
        ids = [item.id for item in self._held if item.id is not None]
        return min(ids) if ids else None

    def hold(self, items: Sequence[FeedItem], shown_ids: Iterable[int]) -> None:
        """Hold ``items``; ``shown_ids`` are those of them the current filter shows."""
        self._held.extend(items)
        self._shown_ids.update(shown_ids)

    def reclassify(self, shown_ids: Iterable[int]) -> None:
        """The filter changed: these held ids are the ones it shows now."""
        self._shown_ids = set(shown_ids)

    def take(self) -> list[FeedItem]:
        """Release everything; return what the filter shows, newest first."""
        shown = [item for item in reversed(self._held) if item.id in self._shown_ids]
        self._held.clear()
        self._shown_ids.clear()
        return shown
