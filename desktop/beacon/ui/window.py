"""The feed window: filters, the list with its update bar, the details pane, the status bar.

The update bar is the point of this window. New items never move what the user is reading:
while the list is scrolled away from the top, or the user is busy with it, new items wait
behind a bar that says "N new updates". Clicking it (or Alt+U) puts them at the top,
scrolls there and tints them for a moment. At the top and idle, items appear directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from beacon.config.model import FeedSettings
from beacon.feed.item import FeedItem, Priority
from beacon.services.status import ConnectionInfo, LinkState
from beacon.store.history import FeedFilter, History
from beacon.ui.details import DetailsPane
from beacon.ui.feed_delegate import FeedDelegate
from beacon.ui.feed_model import FeedModel
from beacon.ui.holdback import Holdback, passing
from beacon.ui.update_bar import REVEAL_SHORTCUT, UpdateBar

log = logging.getLogger("beacon.ui")

#: After this long without wheel, key or mouse input on the list, the user is idle.
IDLE_SECONDS = 3.0
#: New items go into the list at most this often (a burst is shown in a few steps, each
#: one insert and one repaint, instead of one per batch the service commits).
INSERT_INTERVAL_MS = 100
#: Rows kept loaded while new items arrive at the top (more page in on scrolling).
LIVE_ROWS = 1000
#: Rows laid out per turn of the event loop (see FeedView).
LAYOUT_BATCH = 50
#: How long revealed items stay tinted.
HIGHLIGHT_MS = 2500
#: How often relative times are refreshed (one timer for the whole view).
CLOCK_MS = 15_000
#: Search-as-you-type waits this long after the last key before querying.
SEARCH_DEBOUNCE_MS = 250

_STATE_COLOURS = {
    LinkState.CONNECTED: QColor("#2e9d4f"),
    LinkState.CONNECTING: QColor("#d49b00"),
    LinkState.INITIALIZED: QColor("#8a8a8a"),
    LinkState.UNAVAILABLE: QColor("#d49b00"),
    LinkState.FAILED: QColor("#d64545"),
    LinkState.DISCONNECTED: QColor("#8a8a8a"),
}

_PRIORITY_CHOICES: tuple[tuple[str, Priority | None], ...] = (
    ("Any priority", None),
    ("Normal and above", Priority.NORMAL),
    ("High and above", Priority.HIGH),
    ("Urgent only", Priority.URGENT),
)


def _dot(colour: QColor, size: int = 10) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(0, 0, size, size)
    painter.end()
    return pixmap


class ChoiceBox(QComboBox):
    """A combo box whose values are Python objects (tuples, enums), not QVariants."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: list[Any] = []

    def set_choices(self, choices: Sequence[tuple[str, Any]], keep: Any = None) -> None:
        """Replace the choices without emitting; select ``keep`` if it is still there."""
        self.blockSignals(True)
        self.clear()
        self._values = []
        for label, value in choices:
            self.addItem(label)
            self._values.append(value)
        self.setCurrentIndex(self._values.index(keep) if keep in self._values else 0)
        self.blockSignals(False)

    def value(self) -> Any:
        row = self.currentIndex()
        return self._values[row] if 0 <= row < len(self._values) else None

    def values(self) -> list[Any]:
        return list(self._values)

    def select_value(self, value: Any) -> None:
        if value in self._values:
            self.setCurrentIndex(self._values.index(value))


EMPTY_FEED = "No events yet. New events from your channels appear here as they arrive."
EMPTY_FILTERED = "Nothing matches these filters."


class FeedView(QListView):
    """The list; it knows when the user is busy with it (see :meth:`interacting`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pressed = False
        self._last_input = -1e9
        self.setUniformItemSizes(True)  # no per-row size queries
        # Laying out touches every row (two calls into Python per row); in batches, a long
        # list lays itself out between events instead of freezing the UI after an insert.
        # Small batches: under a burst the writer thread holds the GIL often, and each of
        # those calls can wait for it, so 200 rows took 40 ms where they cost 3 ms of CPU.
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(LAYOUT_BATCH)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Feed")
        self.setAccessibleDescription("Newest first. Enter opens an item in the details pane.")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.viewport().installEventFilter(self)
        self.verticalScrollBar().installEventFilter(self)
        self._empty_text = EMPTY_FEED

    def empty_text(self) -> str:
        return self._empty_text

    def set_empty_text(self, text: str) -> None:
        """What an empty list says, so that empty never looks like broken."""
        if text != self._empty_text:
            self._empty_text = text
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() > 0 or not self._empty_text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            self.viewport().rect().adjusted(24, 24, -24, -24),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._empty_text,
        )
        painter.end()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self._pressed = True
            self.note_input()
        elif kind == QEvent.Type.MouseButtonRelease:
            self._pressed = False
            self.note_input()
        elif kind in (QEvent.Type.Wheel, QEvent.Type.MouseMove) and (
            kind == QEvent.Type.Wheel or self._pressed
        ):
            self.note_input()
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: object) -> None:
        self.note_input()
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def note_input(self) -> None:
        self._last_input = time.monotonic()

    def at_top(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() <= bar.minimum()

    def interacting(self, idle_seconds: float = IDLE_SECONDS) -> bool:
        """Pressed, dragging the scroll bar, or recent input while hovered or focused."""
        if self._pressed or self.verticalScrollBar().isSliderDown():
            return True
        recent = time.monotonic() - self._last_input < idle_seconds
        return recent and (self.underMouse() or self.hasFocus())


class FeedPanel(QWidget):
    """The list, with the update bar in a strip of its own above the rows (see UpdateBar)."""

    def __init__(self, view: FeedView, bar: UpdateBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.bar = bar
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        bar.attach(view)


class StatusChip(QWidget):
    """One account's connection state in the status bar (plain text: details come from
    servers and are never markup)."""

    def __init__(self, account: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.dot = QLabel()
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(5)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        self.info = ConnectionInfo(account, LinkState.INITIALIZED, "not connected yet")
        self.set_info(self.info)

    def set_info(self, info: ConnectionInfo) -> None:
        self.info = info
        self.dot.setPixmap(_dot(_STATE_COLOURS.get(info.state, QColor("#8a8a8a"))))
        words = "needs login" if info.needs_login else info.state.value
        self.label.setText(f"{info.account}: {words}")
        tip = info.detail or info.state.value
        self.setToolTip(tip)
        self.setAccessibleName(f"Account {info.account}: {words}. {tip}")


class FeedWindow(QMainWindow):
    """The main window. Feed it committed items with :meth:`add_items`."""

    #: The user revealed held items (count); for the tray and tests.
    revealed = Signal(int)

    def __init__(
        self,
        history: History,
        *,
        feed_settings: FeedSettings | None = None,
        keywords: Sequence[str] = (),
        accounts: Sequence[str] = (),
        channels: Sequence[tuple[str, str]] = (),
        open_url: Callable[[QUrl], bool] | None = None,
        idle_seconds: float = IDLE_SECONDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._history = history
        self._settings = feed_settings or FeedSettings()
        self._idle_seconds = idle_seconds
        self._holdback = Holdback(history)
        self._known_channels: set[tuple[str, str]] = set()
        self._chips: dict[str, StatusChip] = {}
        self._accounts: list[str] = []
        self.setWindowTitle("Beacon")
        self.setAccessibleName("Beacon feed")
        self.resize(1100, 720)

        # -- widgets ---------------------------------------------------------------------
        self.model = FeedModel(history, parent=self)
        self.view = FeedView()
        self.delegate = FeedDelegate(keywords, self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(self.model)
        self.update_bar = UpdateBar()
        self.update_bar.clicked.connect(self._reveal_from_click)
        self.panel = FeedPanel(self.view, self.update_bar)
        self.details = DetailsPane(open_url=open_url)

        self.error_banner = QLabel()
        self.error_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.error_banner.setWordWrap(True)
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setAccessibleName("Configuration problem")
        self.error_banner.setStyleSheet(
            "QLabel#errorBanner { background: rgba(214, 69, 69, 0.16);"
            " border: 1px solid rgba(214, 69, 69, 0.6); border-radius: 6px; padding: 8px; }"
        )
        self.error_banner.hide()

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles and messages  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search")
        self.account_box = ChoiceBox()
        self.account_box.setAccessibleName("Account filter")
        self.channel_box = ChoiceBox()
        self.channel_box.setAccessibleName("Channel filter")
        self.channel_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.priority_box = ChoiceBox()
        self.priority_box.setAccessibleName("Priority filter")
        self.priority_box.set_choices(_PRIORITY_CHOICES)
        self.unread_box = QCheckBox("U&nread only")  # Alt+U belongs to the update bar
        self.unread_box.setAccessibleName("Show unread items only")
        self.mark_all_button = QPushButton("&Mark all read")
        self.mark_all_button.setAccessibleName("Mark all shown items read")

        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(self.search, 3)
        filters.addWidget(self.account_box, 1)
        filters.addWidget(self.channel_box, 1)
        filters.addWidget(self.priority_box)
        filters.addWidget(self.unread_box)
        filters.addWidget(self.mark_all_button)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.panel)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([620, 480])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 10, 10, 4)
        layout.setSpacing(8)
        layout.addWidget(self.error_banner)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.count_label)

        # Tab order: filters, then the bar (when shown), the list, the details.
        QWidget.setTabOrder(self.search, self.account_box)
        QWidget.setTabOrder(self.account_box, self.channel_box)
        QWidget.setTabOrder(self.channel_box, self.priority_box)
        QWidget.setTabOrder(self.priority_box, self.unread_box)
        QWidget.setTabOrder(self.unread_box, self.mark_all_button)
        QWidget.setTabOrder(self.mark_all_button, self.update_bar)
        QWidget.setTabOrder(self.update_bar, self.view)
        QWidget.setTabOrder(self.view, self.details)

        # -- behaviour -------------------------------------------------------------------
        self.reveal_shortcut = QShortcut(REVEAL_SHORTCUT, self)
        self.reveal_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.reveal_shortcut.activated.connect(self._reveal_from_keyboard)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self._focus_search)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.apply_filter)
        self.account_box.currentIndexChanged.connect(self._account_changed)
        self.channel_box.currentIndexChanged.connect(self.apply_filter)
        self.priority_box.currentIndexChanged.connect(self.apply_filter)
        self.unread_box.toggled.connect(self.apply_filter)
        self.mark_all_button.clicked.connect(self.mark_all_read)

        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.setInterval(HIGHLIGHT_MS)
        self._highlight_timer.timeout.connect(self.model.clear_highlight)

        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(CLOCK_MS)
        self._clock_timer.timeout.connect(self._refresh_times)
        self._clock_timer.start()

        # Counting unread items is a query; under a burst, do it at most twice a second.
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(500)
        self._count_dirty = False
        self._unread = history.unread_count()

        self._incoming: list[FeedItem] = []
        self._last_insert = -1e9
        self._insert_timer = QTimer(self)
        self._insert_timer.setSingleShot(True)
        self._insert_timer.timeout.connect(self._place_incoming)
        self._count_timer.timeout.connect(self._counts_timeout)

        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.activated.connect(self._open_index)

        for account in accounts:
            self._chip(account)
        self._populate_filters(list(accounts), [*channels, *history.channels()])
        self.model.fetchMore(QModelIndex())
        self._update_counts()

    # -- new items ---------------------------------------------------------------------------

    def should_hold(self) -> bool:
        """Whether new items must wait behind the bar right now."""
        return (
            self._settings.always_hold
            or self._holdback.count > 0
            or not self.view.at_top()
            or self.view.interacting(self._idle_seconds)
        )

    def add_items(self, items: list[FeedItem]) -> None:
        """Committed items, oldest first (the order they arrived in)."""
        if not items:
            return
        self._learn_channels(items)
        # Counted here rather than queried: a query would wait for the writer's lock.
        self._unread += sum(1 for item in items if not item.read)
        self._schedule_counts()
        self._incoming.extend(items)
        if self._insert_timer.isActive():
            return
        wait_ms = (self._last_insert + INSERT_INTERVAL_MS / 1000 - time.monotonic()) * 1000
        if wait_ms <= 0:
            self._place_incoming()
        else:
            self._insert_timer.start(int(wait_ms) + 1)

    def _place_incoming(self) -> None:
        """Show or hold what arrived since the last time, in one insert."""
        self._insert_timer.stop()
        items, self._incoming = self._incoming, []
        if not items:
            return
        self._last_insert = time.monotonic()
        if self.should_hold():
            self._holdback.hold(items)
            self.update_bar.set_count(self._holdback.count)
        else:
            # Anything still held is hidden by the filter; it is in the store already, so
            # letting it go keeps the order of what is shown right.
            self._holdback.take()
            shown = passing(self._history, items, self.model.filter)
            shown.reverse()
            self.model.prepend(shown)
            self._trim()

    def reveal_updates(self) -> None:
        """Put the held items at the top, scroll there and tint them briefly."""
        self._place_incoming()
        items = self._holdback.take()
        self.update_bar.set_count(0)
        if items:
            self.model.prepend(items)
            self.model.highlight(item.id for item in items if item.id is not None)
            self._highlight_timer.start()
        self.view.scrollToTop()
        self._trim()
        self.revealed.emit(len(items))

    def _trim(self) -> None:
        current = self.view.currentIndex()
        keep = max(LIVE_ROWS, current.row() + 1 if current.isValid() else 0)
        self.model.trim(keep)

    def _reveal_from_click(self) -> None:
        # The pressed bar holds the focus and is about to hide. Hand the focus to the list
        # as a mouse focus, for which the view makes no row current: any other reason would
        # open the first row (and mark it read) although nobody chose it.
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        self.reveal_updates()

    def _reveal_from_keyboard(self) -> None:
        if self.update_bar.count == 0:
            return
        self.reveal_updates()
        # The bar just disappeared; keep keyboard users in the list, on the newest item.
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.model.rowCount() > 0:
            self.view.selectionModel().setCurrentIndex(
                self.model.index(0), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    # -- connection state ----------------------------------------------------------------------

    def set_connection(self, info: ConnectionInfo) -> None:
        """Show one account's connection state in the status bar."""
        self._chip(info.account).set_info(info)

    def connection(self, account: str) -> ConnectionInfo | None:
        chip = self._chips.get(account)
        return chip.info if chip is not None else None

    def show_config_error(self, text: str) -> None:
        """Say that the config could not be used; the window works on without it."""
        self.error_banner.setText(text)
        self.error_banner.setVisible(bool(text))

    def _chip(self, account: str) -> StatusChip:
        chip = self._chips.get(account)
        if chip is None:
            chip = StatusChip(account)
            self._chips[account] = chip
            self.statusBar().addWidget(chip)
        return chip

    # -- filters ------------------------------------------------------------------------------

    def current_filter(self) -> FeedFilter:
        search = self.search.text().strip() or None
        return FeedFilter(
            account=self.account_box.value(),
            channel=self.channel_box.value(),
            unread_only=self.unread_box.isChecked(),
            min_priority=self.priority_box.value(),
            search=search,
        )

    def apply_filter(self) -> None:
        """Re-query the store for the current filter; held items are recounted."""
        self._search_timer.stop()
        flt = self.current_filter()
        if flt == self.model.filter:
            return
        self._place_incoming()
        current = self.details.item
        self._holdback.set_filter(flt)
        self.delegate.set_search(flt.search)
        self.model.set_filter(flt, ceiling=self._holdback.ceiling)
        self.update_bar.set_count(self._holdback.count)
        self.view.set_empty_text(EMPTY_FEED if flt == FeedFilter() else EMPTY_FILTERED)
        if current is not None and current.id is not None:
            row = self.model.row_of(current.id)
            if row >= 0:
                self.view.selectionModel().setCurrentIndex(
                    self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
        self._update_counts()

    def _account_changed(self) -> None:
        self._fill_channels()
        self.apply_filter()

    def _populate_filters(self, accounts: list[str], channels: list[tuple[str, str]]) -> None:
        self._known_channels.update(channels)
        self._accounts = sorted({*accounts, *(a for a, _ in channels)})
        self._fill_accounts()
        self._fill_channels()

    def _fill_accounts(self) -> None:
        choices = [("All accounts", None), *((name, name) for name in self._accounts)]
        self.account_box.set_choices(choices, keep=self.account_box.value())

    def _fill_channels(self) -> None:
        account = self.account_box.value()
        names = sorted({c for a, c in self._known_channels if account is None or a == account})
        choices = [("All channels", None), *((name, name) for name in names)]
        self.channel_box.set_choices(choices, keep=self.channel_box.value())

    def _learn_channels(self, items: Sequence[FeedItem]) -> None:
        new = {(i.account, i.channel) for i in items} - self._known_channels
        if not new:
            return
        self._known_channels.update(new)
        accounts = {a for a, _ in new} - set(self._accounts)
        if accounts:
            self._accounts = sorted({*self._accounts, *accounts})
            self._fill_accounts()
        self._fill_channels()

    # -- reading ----------------------------------------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.item(current.row()) if current.isValid() else None
        self.details.show_item(item)
        if item is not None and not item.read and item.id is not None:
            self._history.mark_read([item.id])
            self._unread = max(0, self._unread - 1)
            self.model.set_read([current.row()])
            self._schedule_counts()

    def _open_index(self, index: QModelIndex) -> None:
        self.details.body.setFocus(Qt.FocusReason.OtherFocusReason)
        self._current_changed(index, QModelIndex())

    def mark_all_read(self) -> None:
        """Mark everything the current filter shows as read (held items included)."""
        self._history.mark_all_read(self.model.filter)
        self.model.set_all_read()
        self._unread = self._history.unread_count()
        self._update_counts()

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _refresh_times(self) -> None:
        top = self.view.indexAt(QPoint(1, 1))
        bottom = self.view.indexAt(QPoint(1, self.view.viewport().height() - 2))
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else self.model.rowCount() - 1
        self.model.refresh_times(first, last)

    def _schedule_counts(self) -> None:
        # At once when quiet, then at most every interval while a burst goes on.
        if self._count_timer.isActive():
            self._count_dirty = True
            return
        self._update_counts()
        self._count_timer.start()

    def _counts_timeout(self) -> None:
        if self._count_dirty:
            self._update_counts()

    def _update_counts(self) -> None:
        self._count_dirty = False
        unread = self._unread
        self.count_label.setText(f"{unread} unread")
        self.setWindowTitle(f"Beacon ({unread} unread)" if unread else "Beacon")

    def sizeHint(self) -> QSize:
        return QSize(1100, 720)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._clock_timer.stop()
        super().closeEvent(event)
