"""The feed window: filters, the list with its update bar, the details pane, the status bar.

The update bar is the point of this window. New items never move what the user is reading:
while the list is scrolled away from the top, the user is busy with it, or an item is
open in the details pane, new items wait behind a bar that says "N new updates". Clicking
it (or Alt+U) puts them at the top, scrolls there and tints them for a moment. At the top,
idle, with nothing open, items flow in directly.

The window only arranges widgets and turns their signals into calls: what goes into the
list is the :class:`~beacon.ui.feed_controller.FeedController`'s business, and the data
comes from the :class:`~beacon.services.feed.FeedService`, off the GUI thread.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import timedelta

from PySide6.QtCore import (
    QCoreApplication,
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
    QAction,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from beacon.config.model import FeedSettings
from beacon.feed.item import FeedItem, Priority
from beacon.services.feed import NO_FILTER, FeedFilter, FeedService
from beacon.services.mutes import Mutes
from beacon.services.status import ConnectionInfo
from beacon.ui.choice_box import ChoiceBox
from beacon.ui.details import DetailsPane, openable_url
from beacon.ui.feed_controller import FeedController
from beacon.ui.feed_panel import FeedPanel
from beacon.ui.feed_view import (
    EMPTY_BROKEN_CONFIG,
    EMPTY_FEED,
    EMPTY_FILTERED,
    IDLE_SECONDS,
    MUTE_ALWAYS,
    MUTE_HOUR,
    DimmingDelegate,
    FeedView,
)
from beacon.ui.i18n import QT_TRANSLATE_NOOP
from beacon.ui.presence_panel import PresencePanel
from beacon.ui.pulse import PulseWindow
from beacon.ui.sparkline import ChannelSparklines
from beacon.ui.status_chip import StatusChip
from beacon.ui.timefmt import clock_time
from beacon.ui.update_bar import REVEAL_SHORTCUT, UpdateBar

__all__ = ["EMPTY_BROKEN_CONFIG", "EMPTY_FEED", "EMPTY_FILTERED", "FeedWindow"]

log = logging.getLogger("beacon.ui")

#: How often relative times are refreshed (one timer for the whole view).
CLOCK_MS = 15_000
#: The longest wait for a mute's end: a wall-clock end hours away is reached in steps, so
#: that a clock changed meanwhile (suspend, a new time zone) is noticed.
MUTE_WAIT_MAX_MS = 60 * 60 * 1000
#: Search-as-you-type waits this long after the last key before querying.
SEARCH_DEBOUNCE_MS = 250

_PRIORITY_CHOICES: tuple[tuple[str, Priority | None], ...] = (
    (QT_TRANSLATE_NOOP("FeedWindow", "Any priority"), None),
    (QT_TRANSLATE_NOOP("FeedWindow", "Normal and above"), Priority.NORMAL),
    (QT_TRANSLATE_NOOP("FeedWindow", "High and above"), Priority.HIGH),
    (QT_TRANSLATE_NOOP("FeedWindow", "Urgent only"), Priority.URGENT),
)


def _bar_tooltip() -> str:
    shortcut = REVEAL_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
    # Says why items wait, in the README's words: at the top, idle, with nothing open,
    # they flow in by themselves.
    return QCoreApplication.translate(
        "FeedWindow",
        "New items wait here while you are scrolled down, busy with the list, or reading"
        " an item, so nothing moves under you. Click or press {shortcut} to show them"
        " at the top. Escape closes the open item.",
    ).format(shortcut=shortcut)


#: The window's first size: room for the search box's hint beside the filters and for the
#: "Here now" dock, within a 1280 x 800 screen.
DEFAULT_SIZE = QSize(1200, 720)


class FeedWindowCounts(QObject):
    """The window's words with a plural. Not FeedWindow's own tr(): in a subclass of it
    (the app's window), PySide's tr() takes the subclass's context first, where a plural
    with no translation already comes back filled in ("8 unread"), so German never came."""

    def showing(self, count: int) -> str:
        return self.tr("Showing %Ln update(s)", "", count)

    def unread(self, count: int) -> str:
        return self.tr("%Ln unread", "", count)

    def unread_title(self, count: int) -> str:
        return self.tr("%Ln unread — Beacon", "", count)


class FeedWindow(QMainWindow):
    """The main window over a :class:`FeedService`."""

    #: The user revealed held items (count); for the tray and tests.
    revealed = Signal(int)
    #: :meth:`reveal_item` finished: the item's row, or -1 when it is not in the history.
    itemRevealed = Signal(int)
    #: An account's Cancel beside "waiting for the keyring" (its name).
    keyringCancelRequested = Signal(str)
    #: An account's Try again beside "keyring locked" (its name).
    reconnectRequested = Signal(str)

    def __init__(
        self,
        service: FeedService,
        *,
        feed_settings: FeedSettings | None = None,
        keywords: Sequence[str] = (),
        accounts: Sequence[str] = (),
        channels: Sequence[tuple[str, str]] = (),
        open_url: Callable[[QUrl], bool] | None = None,
        idle_seconds: float = IDLE_SECONDS,
        mutes: Mutes | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        #: The channels the user muted from a row's menu (shared with the popup policy).
        self.mutes = mutes if mutes is not None else Mutes()
        self._open_url = open_url
        self._settings = feed_settings or FeedSettings()
        self._idle_seconds = idle_seconds
        self._known_channels: set[tuple[str, str]] = set()
        self._chips: dict[str, StatusChip] = {}
        self._accounts: list[str] = []
        self._ids_filter: frozenset[int] | None = None
        self._config_broken = False
        self.setWindowTitle(self.tr("Beacon"))
        self.setAccessibleName(self.tr("Beacon feed"))
        self.resize(DEFAULT_SIZE)

        # -- widgets ---------------------------------------------------------------------
        self.view = FeedView()
        self.controller = FeedController(
            service,
            disturbing=self._disturbing,
            current_row=self._current_row,
            always_hold=self._settings.always_hold,
            parent=self,
        )
        self.model = self.controller.model
        self.delegate = DimmingDelegate(keywords, self.view)
        # Only seen with "Show muted" on: otherwise the filter leaves muted rows out.
        self.delegate.dimmed = self._is_muted
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(self.model)
        self.update_bar = UpdateBar()
        self.update_bar.setToolTip(_bar_tooltip())
        self.update_bar.clicked.connect(self._reveal_from_click)
        self.panel = FeedPanel(self.view, self.update_bar)
        self.details = DetailsPane(open_url=open_url)

        self.error_banner = QLabel()
        self.error_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.error_banner.setWordWrap(True)
        self.error_banner.setObjectName("errorBanner")
        # A description, not a name: the name of a label is its text, the problem itself.
        self.error_banner.setAccessibleDescription(self.tr("Configuration problem"))
        self.error_banner.setStyleSheet(
            "QLabel#errorBanner { background: rgba(214, 69, 69, 0.16);"
            " border: 1px solid rgba(214, 69, 69, 0.6); border-radius: 6px; padding: 8px; }"
        )
        self.error_banner.hide()

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search titles and messages  (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        # The filters beside it must never squeeze it to a few letters: what is typed,
        # and the hint, stay readable (the window grows instead).
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("M" * 14))
        self.search.setAccessibleName(self.tr("Search"))
        self.search.setAccessibleDescription(
            self.tr("Search titles and messages as you type. Escape clears the search.")
        )
        self.account_box = ChoiceBox()
        self.account_box.setAccessibleName(self.tr("Account filter"))
        self.account_box.setAccessibleDescription(self.tr("Show items from one account only"))
        self.channel_box = ChoiceBox()
        self.channel_box.setAccessibleName(self.tr("Channel filter"))
        self.channel_box.setAccessibleDescription(self.tr("Show items from one channel only"))
        self.channel_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.channel_box.setMinimumContentsLength(14)
        self.priority_box = ChoiceBox()
        self.priority_box.setAccessibleName(self.tr("Priority filter"))
        self.priority_box.setAccessibleDescription(self.tr("Show items of this priority or above"))
        self.priority_box.set_choices(
            [(QCoreApplication.translate("FeedWindow", text), p) for text, p in _PRIORITY_CHOICES]
        )
        self.unread_box = QCheckBox(self.tr("U&nread only"))  # Alt+U belongs to the update bar
        self.unread_box.setAccessibleName(self.tr("Show unread items only"))
        self.unread_box.setAccessibleDescription(self.tr("Hide the items already read"))
        self.muted_box = QCheckBox(self.tr("Show mu&ted"))
        self.muted_box.setAccessibleName(self.tr("Show muted items too, dimmed"))
        self.muted_box.setAccessibleDescription(
            self.tr(
                "Items of muted channels and mute rules are hidden and not counted; shown dimmed"
            )
        )
        self.mark_all_button = QPushButton(self.tr("&Mark all read"))
        self.mark_all_button.setAccessibleName(self.tr("Mark all shown items read"))
        self.mark_all_button.setAccessibleDescription(
            self.tr("Marks every item the filters show as read, waiting ones included")
        )
        # On Linux a combo box's accessible name is its current value ("All channels"):
        # screen readers name it by the label whose buddy it is, so each has one.
        self.account_label = QLabel(self.tr("Accoun&t"))
        self.account_label.setBuddy(self.account_box)
        self.channel_label = QLabel(self.tr("C&hannel"))
        self.channel_label.setBuddy(self.channel_box)
        self.priority_label = QLabel(self.tr("P&riority"))
        self.priority_label.setBuddy(self.priority_box)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(self.search, 3)
        filters.addWidget(self.account_label)
        filters.addWidget(self.account_box, 1)
        filters.addWidget(self.channel_label)
        filters.addWidget(self.channel_box, 1)
        filters.addWidget(self.priority_label)
        filters.addWidget(self.priority_box)
        # The toggles and buttons in a second row, in the same reading (and Tab) order: in
        # one row with the search box and the choices, the window was wider than a
        # 1280-pixel screen at its smallest (the presence dock cut off), before any
        # language with longer words than English.
        toggles = QHBoxLayout()
        toggles.setSpacing(8)
        toggles.addWidget(self.unread_box)
        toggles.addWidget(self.muted_box)
        toggles.addStretch(1)
        toggles.addWidget(self.mark_all_button)
        # The activity dashboard (events per minute), and sparklines in the channel filter.
        self.activity_button = QPushButton(self.tr("Ac&tivity"))
        self.activity_button.setAccessibleName(self.tr("Show the activity chart"))
        self.activity_button.setToolTip(
            self.tr("Events per minute over the last hour (Ctrl+Shift+A)")
        )
        self.activity_button.clicked.connect(self.show_activity)
        # Before "Mark all read", in the layout and in the tab order: Tab from that button
        # still goes to the list.
        toggles.insertWidget(toggles.indexOf(self.mark_all_button), self.activity_button)
        self.pulse_window: PulseWindow | None = None
        self.channel_sparklines = ChannelSparklines(
            service, self.channel_box, self.account_box, self
        )

        # Shown while the list is narrowed to given items (a notification summary).
        self.ids_label = QLabel()
        self.ids_label.setTextFormat(Qt.TextFormat.PlainText)
        self.show_all_button = QPushButton(self.tr("Show &all"))
        self.show_all_button.setAccessibleName(self.tr("Show all items again"))
        self.show_all_button.setAccessibleDescription(
            self.tr("Leave the summary and show the whole feed")
        )
        self.show_all_button.clicked.connect(self.clear_shown_ids)
        self.ids_row = QWidget()
        ids_layout = QHBoxLayout(self.ids_row)
        ids_layout.setContentsMargins(0, 0, 0, 0)
        ids_layout.addWidget(self.ids_label, 1)
        ids_layout.addWidget(self.show_all_button)
        self.ids_row.hide()

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
        layout.addLayout(toggles)
        layout.addWidget(self.ids_row)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        # Who is on the presence channels (PresenceService fills it); shown when there are any.
        self.presence_panel = PresencePanel()
        self.presence_dock = QDockWidget(self.tr("Here now"), self)
        self.presence_dock.setObjectName("presenceDock")
        self.presence_dock.setWidget(self.presence_panel)
        self.presence_dock.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 12))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.presence_dock)
        self.presence_dock.hide()

        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.count_label)

        # Tab order: filters, then the bar (when shown), the list, the details.
        QWidget.setTabOrder(self.search, self.account_box)
        QWidget.setTabOrder(self.account_box, self.channel_box)
        QWidget.setTabOrder(self.channel_box, self.priority_box)
        QWidget.setTabOrder(self.priority_box, self.unread_box)
        QWidget.setTabOrder(self.unread_box, self.muted_box)
        QWidget.setTabOrder(self.muted_box, self.activity_button)
        QWidget.setTabOrder(self.activity_button, self.mark_all_button)
        QWidget.setTabOrder(self.mark_all_button, self.show_all_button)
        QWidget.setTabOrder(self.show_all_button, self.update_bar)
        QWidget.setTabOrder(self.update_bar, self.view)
        QWidget.setTabOrder(self.view, self.details)

        # -- behaviour -------------------------------------------------------------------
        self.reveal_shortcut = QShortcut(REVEAL_SHORTCUT, self)
        self.reveal_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.reveal_shortcut.activated.connect(self._reveal_from_keyboard)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self._focus_search)
        self.escape_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.escape_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.escape_shortcut.activated.connect(self.escape)
        QShortcut(QKeySequence("Ctrl+Shift+A"), self).activated.connect(self.show_activity)
        # The search box and the list claim Escape before shortcuts see it.
        self.search.installEventFilter(self)
        self.view.installEventFilter(self)
        # Enter sends the focus into the message (a screen reader reads it out at once);
        # the list's keys must still work from there (see _details_key).
        self.details.body.installEventFilter(self)
        self.details.payload.installEventFilter(self)

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
        self.muted_box.toggled.connect(self.apply_filter)
        self.mark_all_button.clicked.connect(self.mark_all_read)

        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(CLOCK_MS)
        self._clock_timer.timeout.connect(self._refresh_times)
        self._clock_timer.start()

        self.controller.heldChanged.connect(self.update_bar.set_count)
        self.controller.revealed.connect(self.revealed)
        service.unreadChanged.connect(self._show_unread)
        service.channelsChanged.connect(self._add_channels)

        self.view.openRequested.connect(self._open_index)
        self.view.enterPressed.connect(self._focus_details)
        self.view.toggleReadRequested.connect(self._toggle_read)
        self.view.searchRequested.connect(self._focus_search)
        # Keep an item for later: back to unread (the row's context menu, or the key).
        self.mark_unread_action = QAction(self.tr("Mark &unread"), self.view)
        self.mark_unread_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        # The list's key, and the open item's: Enter sends the focus into the details pane.
        self.mark_unread_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.mark_unread_action.triggered.connect(self.mark_current_unread)
        self.view.addAction(self.mark_unread_action)
        self.details.addAction(self.mark_unread_action)
        # A row's context menu (FeedView.context_menu).
        self.view.channel_muted = self.mutes.muted
        self.view.markReadRequested.connect(lambda index: self.controller.open_row(index.row()))
        self.view.markUnreadRequested.connect(lambda i: self.controller.mark_unread(i.row()))
        self.view.openLinkRequested.connect(self._open_link)
        self.view.muteRequested.connect(self.mute_channel)
        self.view.unmuteRequested.connect(self.unmute_channel)
        # One single shot to the next mute's end; not armed while no mute can end.
        self._mute_timer = QTimer(self)
        self._mute_timer.setSingleShot(True)
        self._mute_timer.timeout.connect(self._mutes_due)

        for account in accounts:
            self._chip(account)
        self._populate_filters(list(accounts), [*channels, *service.channels()])
        service.set_muted(self.mutes.channels())
        self._arm_mute_timer()
        initial = self.current_filter()  # muted channels (kept from the last run) hide
        if initial == self.model.filter:
            self.controller.start()
        else:
            self.controller.set_filter(initial)
        self._show_unread(service.unread or 0)

    # -- new items -------------------------------------------------------------------------

    def _disturbing(self) -> bool:
        """Whether rows appearing at the top would move what the user is busy with."""
        return (
            not self.view.at_top()
            or self.view.interacting(self._idle_seconds)
            or self.details.item is not None
        )

    def _current_row(self) -> int:
        current = self.view.currentIndex()
        return current.row() if current.isValid() else -1

    def should_hold(self) -> bool:
        """Whether new items must wait behind the bar right now."""
        return self.controller.should_hold()

    def reveal_updates(self) -> None:
        """Put the held items at the top, scroll there and tint them briefly."""
        self.controller.reveal()
        self.view.scrollToTop()

    def _reveal_from_click(self) -> None:
        # The pressed bar holds the focus and is about to hide. Hand the focus to the list
        # as a mouse focus, for which the view makes no row current.
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)
        self.reveal_updates()

    def _reveal_from_keyboard(self) -> None:
        if self.update_bar.count == 0:
            return
        self.reveal_updates()
        # The bar just disappeared; keep keyboard users in the list, on the newest item,
        # opened: they asked for the new items with a key.
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.model.rowCount() > 0:
            self._select(0)

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
        self._config_broken = bool(text)
        self._update_empty_text()

    def _chip(self, account: str) -> StatusChip:
        chip = self._chips.get(account)
        if chip is None:
            chip = StatusChip(account)
            chip.cancelKeyringRequested.connect(self.keyringCancelRequested)
            chip.reconnectRequested.connect(self.reconnectRequested)
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
            ids=self._ids_filter,
            show_muted=self.muted_box.isChecked(),
            muted=self.mutes.channels(),
        )

    def apply_filter(self) -> None:
        """Re-query the store for the current filter; held items are recounted."""
        self._search_timer.stop()
        flt = self.current_filter()
        if flt == self.model.filter:
            return
        current = self.details.item
        self.controller.set_filter(flt)
        self.delegate.set_search(flt.search)
        self._update_empty_text()
        if current is not None and current.id is not None:
            # Keep the open item selected when the new query brings it back.
            self._when_loaded(current.id, self._reselect)
        self._update_counts()

    def _reselect(self, row: int) -> None:
        if row >= 0:
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def _update_empty_text(self) -> None:
        if self._config_broken:
            text = EMPTY_BROKEN_CONFIG
        elif replace(self.model.filter, muted=frozenset()) == NO_FILTER:
            text = EMPTY_FEED
        else:
            text = EMPTY_FILTERED
        self.view.set_empty_text(QCoreApplication.translate("FeedView", text))

    def show_filtered(self, item_ids: Iterable[int], label: str | None = None) -> None:
        """Narrow the list to these items (a "12 updates while you were away" summary).

        Other filters and the search are cleared, so every given item that is still
        stored is shown; "Show all" or Escape widens the list again.
        """
        ids = frozenset(item_ids)
        self._reset_filter_widgets()
        self._ids_filter = ids
        count = len(ids)
        self.ids_label.setText(label or FeedWindowCounts().showing(count))
        self.ids_row.show()
        self._show_window()
        # Held items among them must be in the store's query, not behind the bar.
        self.controller.reveal()
        self.apply_filter()

    def clear_shown_ids(self) -> None:
        """Back from :meth:`show_filtered` to the whole feed."""
        if self._ids_filter is None:
            return
        self._ids_filter = None
        self.ids_row.hide()
        self.apply_filter()

    def _reset_filter_widgets(self) -> None:
        for box in (self.account_box, self.channel_box, self.priority_box):
            box.blockSignals(True)
            box.setCurrentIndex(0)
            box.blockSignals(False)
        self._fill_channels()
        self.unread_box.blockSignals(True)
        self.unread_box.setChecked(False)
        self.unread_box.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._search_timer.stop()

    def _account_changed(self) -> None:
        self._fill_channels()
        self.apply_filter()

    def _populate_filters(self, accounts: list[str], channels: list[tuple[str, str]]) -> None:
        self._known_channels.update(channels)
        self._accounts = sorted({*accounts, *(a for a, _ in channels)})
        self._fill_accounts()
        self._fill_channels()

    def _fill_accounts(self) -> None:
        choices = [(self.tr("All accounts"), None), *((name, name) for name in self._accounts)]
        self.account_box.set_choices(choices, keep=self.account_box.value())

    def _fill_channels(self) -> None:
        account = self.account_box.value()
        names = sorted({c for a, c in self._known_channels if account is None or a == account})
        choices = [(self.tr("All channels"), None), *((name, name) for name in names)]
        self.channel_box.set_choices(choices, keep=self.channel_box.value())

    def _add_channels(self, channels: list[tuple[str, str]]) -> None:
        new = set(channels) - self._known_channels
        if not new:
            return
        self._known_channels.update(new)
        accounts = {a for a, _ in new} - set(self._accounts)
        if accounts:
            self._accounts = sorted({*self._accounts, *accounts})
            self._fill_accounts()
        self._fill_channels()

    # -- reading ----------------------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        """The user opened this row: show it in the details pane; it is read."""
        if not index.isValid():
            return
        # The row stays as the view selected it: the read mark only changes its data.
        self.details.show_item(self.controller.open_row(index.row()))

    def _focus_details(self, _index: QModelIndex) -> None:
        self.details.body.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_row(self, row: int) -> None:
        """Open ``row`` as a click would: current, selected, in view, in the details pane."""
        if 0 <= row < self.model.rowCount():
            self._select(row)

    def _select(self, row: int) -> None:
        """Make ``row`` current and selected, scroll to it and open it."""
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.view.scroll_into_view(index)
        self._open_index(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched in (self.details.body, self.details.payload)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and isinstance(watched, (QTextEdit, QPlainTextEdit))
            and self._details_key(watched, event)
        ):
            return True
        if (
            watched in (self.search, self.view)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.escape()
            return True
        return super().eventFilter(watched, event)

    def _details_key(self, box: QTextEdit | QPlainTextEdit, event: QKeyEvent) -> bool:
        """The list's keys, pressed in the open item's message or payload: True if used.

        Space toggles read and "/" goes to the search, as in the list: read-only text has
        no use for them. Up and Down first move the caret, line by line, as a screen
        reader's user reads the message; only past its first or last line do they go to
        the previous or next item, back in the list, as the arrows there would.
        """
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        # "/" is typed with Shift on some layouts; Shift+arrows select text.
        if event.text() == "/" and not modifiers & ~Qt.KeyboardModifier.ShiftModifier:
            self._focus_search()
            return True
        if modifiers:
            return False
        current = self.view.currentIndex()
        if event.key() == Qt.Key.Key_Space:
            self._toggle_read(current)
            return True
        down = event.key() == Qt.Key.Key_Down
        if not (down or event.key() == Qt.Key.Key_Up):
            return False
        caret = QTextCursor(box.textCursor())
        move = QTextCursor.MoveOperation.Down if down else QTextCursor.MoveOperation.Up
        if caret.movePosition(move):
            return False  # a line to read: the text box moves its caret
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        row = current.row() + (1 if down else -1)
        if current.isValid() and 0 <= row < self.model.rowCount():
            self._select(row)
        return True

    def escape(self) -> None:
        """Escape: clear the search, then a summary's narrowing, then the open item."""
        if self.search.text():
            self.search.clear()
            self.apply_filter()
        elif self._ids_filter is not None:
            self.clear_shown_ids()
        else:
            focus = QApplication.focusWidget()
            if focus is not None and self.details.isAncestorOf(focus):
                # Closing the item hides the pane's widgets, and Qt would pass the focus
                # to the window's first field, the search: the reader goes back to the list.
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)
            self.view.clearSelection()
            self.view.selectionModel().setCurrentIndex(
                QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.details.show_item(None)

    def _toggle_read(self, index: QModelIndex) -> None:
        """Space: read becomes unread, unread becomes read (the item is not opened)."""
        if not index.isValid():
            return
        item = self.model.item(index.row())
        if item is None:
            return
        if item.read:
            self.controller.mark_unread(index.row())
        else:
            self.controller.open_row(index.row())  # marks it read; the pane stays as it is

    def mark_current_unread(self) -> None:
        """Mark the current row unread again (it stays open in the details pane)."""
        current = self.view.currentIndex()
        if current.isValid():
            self.controller.mark_unread(current.row())

    # -- channel mutes ---------------------------------------------------------------------

    def mute_channel(self, account: str, channel: str, how: str) -> None:
        """Mute a channel for an hour, until tomorrow morning, or always (a row's menu)."""
        if how == MUTE_HOUR:
            until = self.mutes.for_duration(account, channel, timedelta(hours=1))
            self.statusBar().showMessage(
                self.tr("{channel} muted until {time}").format(
                    channel=channel, time=clock_time(until)
                )
            )
        elif how == MUTE_ALWAYS:
            self.mutes.mute(account, channel, None)
            self.statusBar().showMessage(
                self.tr("{channel} muted (unmute from a row's menu)").format(channel=channel)
            )
        else:
            until = self.mutes.until_tomorrow(account, channel)
            self.statusBar().showMessage(
                self.tr("{channel} muted until tomorrow {time}").format(
                    channel=channel, time=clock_time(until)
                )
            )
        self._mutes_changed()

    def unmute_channel(self, account: str, channel: str) -> None:
        if self.mutes.unmute(account, channel):
            self.statusBar().showMessage(self.tr("{channel} unmuted").format(channel=channel))
            self._mutes_changed()

    def _is_muted(self, item: FeedItem) -> bool:
        return item.notify == "mute" or self.mutes.muted(item.account, item.channel)

    def _mutes_due(self) -> None:
        if self.mutes.expire():
            self._mutes_changed()
        else:
            self._arm_mute_timer()  # woken early (the wait is capped): wait again

    def _mutes_changed(self) -> None:
        self._arm_mute_timer()
        self.service.set_muted(self.mutes.channels())
        self.apply_filter()  # the muted set is part of the filter: rows hide or return
        self.view.viewport().update()  # dimmed rows, with "Show muted" on

    def _arm_mute_timer(self) -> None:
        now = self.mutes.clock()
        end = self.mutes.next_expiry(now)
        if end is None:
            self._mute_timer.stop()
            return
        wait_ms = math.ceil((end - now).total_seconds() * 1000)
        self._mute_timer.start(min(max(wait_ms, 0), MUTE_WAIT_MAX_MS))

    @property
    def mute_timer_active(self) -> bool:
        """Whether a mute's end is awaited (for tests: none while none can end)."""
        return self._mute_timer.isActive()

    def _open_link(self, url: str) -> None:
        target = openable_url(url)
        if target is None:
            return
        if self._open_url is None:
            self.details.opener.open(target)  # its failure is told by the details pane
        elif not self._open_url(target):
            self.statusBar().showMessage(self.tr("No browser opened the link."))

    def mark_all_read(self) -> None:
        """Mark everything the current filter shows as read (held items included)."""
        self.controller.mark_all_read()

    def reveal_item(self, item_id: int) -> None:
        """Bring the window up on one item (a clicked notification).

        The window is shown and raised; held items are let in; a filter or search that
        hides the item is cleared; pages are read until the item is loaded, however far
        down; then it is selected, scrolled into view and opened. :attr:`itemRevealed`
        says when (with -1 when the item is no longer stored).
        """
        self._show_window()
        if any(item.id == item_id for item in self.controller.holdback.items):
            self.reveal_updates()
        if self.model.row_of(item_id) >= 0:
            self._when_loaded(item_id, self._revealed_at)
            return

        def widened(ids: set[int] | None) -> None:
            if not ids:
                # Hidden as muted (a mute rule, or a channel muted since the popup):
                # shown with the muted ones, dimmed, as "Show muted" would.
                self.muted_box.blockSignals(True)
                self.muted_box.setChecked(True)
                self.muted_box.blockSignals(False)
            self.apply_filter()
            self._when_loaded(item_id, self._revealed_at)

        def checked(ids: set[int] | None) -> None:
            if ids:
                self._when_loaded(item_id, self._revealed_at)
                return
            self._reset_filter_widgets()
            self._ids_filter = None
            self.ids_row.hide()
            self.service.matches([item_id], self.current_filter(), widened, owner=self)

        self.service.matches([item_id], self.model.filter, checked, owner=self)

    def _revealed_at(self, row: int) -> None:
        if row >= 0:
            self._select(row)
        else:
            self.statusBar().showMessage(self.tr("That item is no longer in the history."), 10_000)
        self.itemRevealed.emit(row)

    def _when_loaded(self, item_id: int, done: Callable[[int], None]) -> None:
        """Call ``done`` with the row of ``item_id`` once loaded (-1: it never will be)."""
        model = self.model
        filter_now = model.filter

        def step() -> None:
            if model.filter != filter_now:
                model.pageLoaded.disconnect(step)
                return  # the user moved on
            row = model.row_of(item_id)
            if row >= 0 or (not model.loading and not model.canFetchMore(QModelIndex())):
                model.pageLoaded.disconnect(step)
                done(row)
            elif not model.loading:
                model.fetchMore(QModelIndex())

        model.pageLoaded.connect(step)
        step()

    def _show_window(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def show_activity(self) -> None:
        """Open (or bring forward) the activity dashboard."""
        if self.pulse_window is None:
            self.pulse_window = PulseWindow(self.service, self)
        self.pulse_window.show()
        self.pulse_window.raise_()
        self.pulse_window.activateWindow()

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _refresh_times(self) -> None:
        top = self.view.indexAt(QPoint(1, 1))
        bottom = self.view.indexAt(QPoint(1, self.view.viewport().height() - 2))
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else self.model.rowCount() - 1
        self.model.refresh_times(first, last)

    # -- counts ------------------------------------------------------------------------------

    def _show_unread(self, unread: int) -> None:
        counts = FeedWindowCounts()
        self.count_label.setText(counts.unread(unread))
        # Ends with the application's name: Qt then adds no " — Beacon" of its own.
        self.setWindowTitle(counts.unread_title(unread) if unread else "Beacon")

    def _update_counts(self) -> None:
        self._show_unread(self.service.unread or 0)

    def sizeHint(self) -> QSize:
        return DEFAULT_SIZE

    def closeEvent(self, event: QCloseEvent) -> None:
        self._clock_timer.stop()
        super().closeEvent(event)
