"""The feed list model: a thin, paged window onto the history, through the feed service.

The service owns the data (STYLE habit 5): this model holds only the rows the view has
asked for so far, newest first, and grows at the bottom through ``fetchMore`` one page at
a time. Pages are read off the GUI thread: ``fetchMore`` asks the service and returns,
and the rows are inserted when the page comes back (stale pages, asked for under an older
filter, are dropped). New items reach it from the feed controller in batches, each
inserted with a single ``beginInsertRows``. A filter change is a new query, never a
Python-side filter.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from beacon.feed.item import FeedItem, Priority
from beacon.feed.mapper import strip_bidi_controls
from beacon.services.feed import NO_FILTER, FeedFilter, FeedService
from beacon.ui.i18n import priority_word
from beacon.ui.timefmt import absolute_time, relative_time

log = logging.getLogger("beacon.ui")

_USER = int(Qt.ItemDataRole.UserRole)

Index = QModelIndex | QPersistentModelIndex


class FeedRole(IntEnum):
    """Custom roles; the delegate and the details pane read rows only through these."""

    ITEM = _USER + 1
    ITEM_ID = _USER + 2
    TITLE = _USER + 3
    PREVIEW = _USER + 4
    CHANNEL = _USER + 5
    ACCOUNT = _USER + 6
    RECEIVED_AT = _USER + 7
    RELATIVE_TIME = _USER + 8
    PRIORITY = _USER + 9
    UNREAD = _USER + 10
    URL = _USER + 11
    KEYWORD_HIT = _USER + 12
    HIGHLIGHTED = _USER + 13


_ROLE_NAMES = {
    FeedRole.ITEM: b"item",
    FeedRole.ITEM_ID: b"itemId",
    FeedRole.TITLE: b"title",
    FeedRole.PREVIEW: b"preview",
    FeedRole.CHANNEL: b"channel",
    FeedRole.ACCOUNT: b"account",
    FeedRole.RECEIVED_AT: b"receivedAt",
    FeedRole.RELATIVE_TIME: b"relativeTime",
    FeedRole.PRIORITY: b"priority",
    FeedRole.UNREAD: b"unread",
    FeedRole.URL: b"url",
    FeedRole.KEYWORD_HIT: b"keywordHit",
    FeedRole.HIGHLIGHTED: b"highlighted",
}

# A preview is one line; anything past this is never visible and only costs layout time.
_PREVIEW_CHARS = 240


# Markdown emphasis and heading marks, which the details pane renders but a row shows raw.
_MARKUP = re.compile(r"(\*\*|__|`+|^#+\s|\n#+\s)")


def preview_line(body: str) -> str:
    """The body folded onto one line, trimmed to what a row can show."""
    # Bidi controls too, for bodies stored before the mapper removed them.
    text = _MARKUP.sub(" ", strip_bidi_controls(body[: _PREVIEW_CHARS * 2]))
    return " ".join(text.split())[:_PREVIEW_CHARS]


def row_title(item: FeedItem) -> str:
    """The title as a row shows it: without the bidi controls of titles stored before
    the mapper removed them, which would reverse the text around them."""
    return strip_bidi_controls(item.title)


def _descending_id(item: FeedItem) -> int:
    return -(item.id or 0)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FeedModel(QAbstractListModel):
    """Rows of :class:`FeedItem`, newest first, paged in through a :class:`FeedService`."""

    #: A page came back and its rows (if any) are in.
    pageLoaded = Signal()

    def __init__(
        self,
        service: FeedService,
        *,
        page_size: int = 200,
        clock: Callable[[], datetime] = _utcnow,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._page_size = page_size
        self._clock = clock
        self._items: list[FeedItem] = []
        self._filter = NO_FILTER
        self._generation = 0  # bumped by every filter change: older pages are stale
        self._loading = False
        # Rows at or above this id are withheld (they sit behind the update bar).
        self._ceiling: int | None = None
        self._exhausted = False
        self._highlighted: set[int] = set()
        # Read marks not yet folded into their row's FeedItem (item id -> read). Copying
        # a frozen FeedItem costs microseconds; "mark all read" over a thousand loaded
        # rows would hold the GUI thread for milliseconds, so rows take their mark when
        # next looked at (see _row).
        self._marks: dict[int, bool] = {}
        #: Rows ever inserted at the top (new items), for the status bar and benchmarks.
        self.prepended = 0

    # -- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        names.update({int(role): QByteArray(name) for role, name in _ROLE_NAMES.items()})
        return names

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._row(index.row())
        if role == Qt.ItemDataRole.DisplayRole or role == FeedRole.TITLE:
            return row_title(item)
        if role == FeedRole.PREVIEW:
            return preview_line(item.body)
        if role == FeedRole.RELATIVE_TIME:
            return relative_time(item.received_at, self._clock())
        if role == FeedRole.UNREAD:
            return not item.read
        if role == FeedRole.PRIORITY:
            return int(item.priority)
        if role == FeedRole.CHANNEL:
            return item.channel
        if role == FeedRole.ACCOUNT:
            return item.account
        if role == FeedRole.HIGHLIGHTED:
            return item.id in self._highlighted
        if role == FeedRole.KEYWORD_HIT:
            return item.keyword_hit
        if role == FeedRole.ITEM:
            return item
        if role == FeedRole.ITEM_ID:
            return item.id
        if role == FeedRole.RECEIVED_AT:
            return item.received_at
        if role == FeedRole.URL:
            return item.url
        if role == Qt.ItemDataRole.ToolTipRole:
            when = absolute_time(item.received_at)
            return f"{item.account} · {item.channel} · {item.event}\n{when}"  # names and a time
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(item)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        before = self._items[-1].id if self._items else self._ceiling
        generation = self._generation
        self._service.page(
            self._filter,
            lambda page: self._page_loaded(generation, page),
            before_id=before,
            limit=self._page_size,
            owner=self,
        )

    @property
    def loading(self) -> bool:
        """Whether a page is being read."""
        return self._loading

    def _page_loaded(self, generation: int, page: list[FeedItem] | None) -> None:
        if generation != self._generation:
            return  # asked for under an older filter; set_filter asked afresh
        self._loading = False
        if page is None:  # the read failed (logged by the service): stop paging
            self._exhausted = True
            self.pageLoaded.emit()
            return
        if len(page) < self._page_size:
            self._exhausted = True
        if self._items and page:
            # New items may have been put at the top while the page was read, or the
            # bottom trimmed: keyset order keeps only what is older than the last row.
            last = self._items[-1].id
            if last is not None:
                page = [item for item in page if item.id is not None and item.id < last]
        if page:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._items.extend(page)
            self.endInsertRows()
        self.pageLoaded.emit()

    # -- what the window drives -----------------------------------------------------------

    @property
    def filter(self) -> FeedFilter:
        return self._filter

    def set_filter(self, flt: FeedFilter, *, ceiling: int | None = None) -> None:
        """Show ``flt`` from the store afresh; rows with id >= ``ceiling`` stay out."""
        self.beginResetModel()
        self._filter = flt
        self._ceiling = ceiling
        self._items = []
        self._marks.clear()
        self._exhausted = False
        self._loading = False
        self._generation += 1
        self._highlighted.clear()
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def prepend(self, items: Sequence[FeedItem]) -> None:
        """Insert committed items (newest first) at the top in one batch.

        Items already loaded (a page read while they arrived) are skipped: everything
        loaded is older than the top row.
        """
        top = self.top_id()
        if top is not None:
            items = [item for item in items if item.id is not None and item.id > top]
        if not items:
            return
        self.beginInsertRows(QModelIndex(), 0, len(items) - 1)
        self._items[0:0] = items
        self.endInsertRows()
        self.prepended += len(items)

    def trim(self, keep: int) -> int:
        """Drop loaded rows below the first ``keep``; they page back in from the store.

        Laying out a list view costs one call into Python per row, so a list that only
        grows at the top (a day of live events) would get slower with every insert. The
        window trims while the user is at the top, where no removed row is visible.
        """
        extra = len(self._items) - keep
        if extra <= 0 or self._loading:
            # (A page being read continues from the current last row.)
            return 0
        self.beginRemoveRows(QModelIndex(), keep, len(self._items) - 1)
        if self._marks:
            for item in self._items[keep:]:
                self._marks.pop(item.id or 0, None)
        del self._items[keep:]
        self.endRemoveRows()
        self._exhausted = False
        return extra

    def item(self, row: int) -> FeedItem | None:
        return self._row(row) if 0 <= row < len(self._items) else None

    def row_of(self, item_id: int) -> int:
        """The row that shows ``item_id``, or -1.

        Rows are newest first, so ids fall from the top row down (keyset paging and
        ``prepend`` keep it so): a binary search. The popups ask this for every item of a
        burst while the window is in front, mostly for items not inserted yet, and a walk
        over the loaded rows cost up to 50 us each.
        """
        items = self._items
        if not items or not (items[-1].id or 0) <= item_id <= (items[0].id or 0):
            return -1
        row = bisect_left(items, -item_id, key=_descending_id)
        return row if row < len(items) and items[row].id == item_id else -1

    def update_item(self, item: FeedItem) -> None:
        """A newer state of a stored item (an action's result), if this model shows it."""
        row = self.row_of(item.id) if item.id is not None else -1
        if row >= 0:
            # A read mark still in _marks is folded in by _row, as for any row.
            self._items[row] = item
            self._emit_rows([row], [Qt.ItemDataRole.DisplayRole])

    def top_id(self) -> int | None:
        return self._items[0].id if self._items else None

    def set_read(self, rows: Iterable[int]) -> None:
        """Reflect a read mark the service was asked to store."""
        self._mark(rows, read=True)

    def set_unread(self, rows: Iterable[int]) -> None:
        """Reflect an unread mark the service was asked to store."""
        self._mark(rows, read=False)

    def _mark(self, rows: Iterable[int], *, read: bool) -> None:
        changed = []
        marks = self._marks
        for row in rows:
            item = self._items[row]
            if item.id is not None and marks.get(item.id, item.read) != read:
                marks[item.id] = read
                changed.append(row)
        self._emit_rows(changed, [FeedRole.UNREAD, Qt.ItemDataRole.AccessibleTextRole])

    def _row(self, row: int) -> FeedItem:
        """The item of ``row``, with its read mark folded in."""
        item = self._items[row]
        if self._marks and item.id in self._marks:
            read = self._marks.pop(item.id)
            if read != item.read:
                item = replace(item, read=read)
                self._items[row] = item
        return item

    def set_all_read(self) -> None:
        self.set_read(range(len(self._items)))

    def highlight(self, item_ids: Iterable[int]) -> None:
        """Mark rows as just revealed; the delegate tints them until :meth:`clear_highlight`."""
        self._highlighted.update(item_ids)
        rows = [r for r, it in enumerate(self._items) if it.id in self._highlighted]
        self._emit_rows(rows, [FeedRole.HIGHLIGHTED])

    def clear_highlight(self) -> None:
        if not self._highlighted:
            return
        rows = [r for r, it in enumerate(self._items) if it.id in self._highlighted]
        self._highlighted.clear()
        self._emit_rows(rows, [FeedRole.HIGHLIGHTED])

    def highlighted_ids(self) -> set[int]:
        return set(self._highlighted)

    def refresh_times(self, first: int, last: int) -> None:
        """Tell views that the relative times of rows ``first..last`` moved on."""
        last = min(last, len(self._items) - 1)
        if first < 0 or first > last:
            return
        self.dataChanged.emit(self.index(first), self.index(last), [int(FeedRole.RELATIVE_TIME)])

    # -- helpers ----------------------------------------------------------------------------

    def _emit_rows(self, rows: Sequence[int], roles: Sequence[int]) -> None:
        if not rows:
            return
        role_ints = [int(r) for r in roles]
        self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), role_ints)

    def _spoken(self, item: FeedItem) -> str:
        parts = [row_title(item)]
        if not item.read:
            parts.insert(0, self.tr("Unread"))
        if item.priority >= Priority.HIGH:
            parts.append(
                self.tr("{priority} priority").format(priority=priority_word(item.priority))
            )
        preview = preview_line(item.body)
        if preview:
            parts.append(preview)
        parts.append(f"{item.channel}, {relative_time(item.received_at, self._clock())}")
        return ". ".join(parts)
