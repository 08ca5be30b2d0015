"""The feed list view: it knows when the user is busy with it, and what opens a row."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QGuiApplication,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QMenu,
    QStyleOptionViewItem,
    QWidget,
)

from beacon.feed.item import FeedItem
from beacon.ui.feed_delegate import FeedDelegate
from beacon.ui.feed_model import FeedRole
from beacon.ui.i18n import QT_TRANSLATE_NOOP

#: After this long without wheel, key or mouse input on the list, the user is idle.
IDLE_SECONDS = 3.0
#: Rows laid out per turn of the event loop (see FeedView).
LAYOUT_BATCH = 50

# The empty list's texts, in English; shown through QCoreApplication.translate("FeedView").
EMPTY_FEED = QT_TRANSLATE_NOOP(
    "FeedView", "No events yet. New events from your channels appear here as they arrive."
)
EMPTY_FILTERED = QT_TRANSLATE_NOOP("FeedView", "Nothing matches these filters.")
EMPTY_BROKEN_CONFIG = QT_TRANSLATE_NOOP(
    "FeedView",
    "Nothing is received until the configuration problem above is fixed."
    " Beacon picks up the fixed file by itself.",
)

_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
#: "/" is typed with Shift on some layouts: only these modifiers make it something else.
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)

#: How long "Mute this channel" lasts, as the menu offers it: the key each action
#: reports (``FeedView.muteRequested``) and its label.
MUTE_HOUR = "hour"
MUTE_TOMORROW = "tomorrow"
MUTE_ALWAYS = "always"
MUTE_CHOICES = (
    (MUTE_HOUR, QT_TRANSLATE_NOOP("FeedView", "For &1 hour")),
    (MUTE_TOMORROW, QT_TRANSLATE_NOOP("FeedView", "Until &tomorrow")),
    (MUTE_ALWAYS, QT_TRANSLATE_NOOP("FeedView", "&Always")),
)
#: How visible a muted row is while "Show muted" shows it: readable, but clearly set apart.
DIM_OPACITY = 0.45


def copy_text(item: FeedItem) -> str:
    """What "Copy" puts on the clipboard: the item as a person would paste it."""
    return "\n".join(part for part in (item.title, item.body, item.url or "") if part)


class DimmingDelegate(FeedDelegate):
    """The feed's delegate, painting muted rows faded (``dimmed(item)`` says which)."""

    def __init__(self, keywords: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(keywords, parent)
        self.dimmed: Callable[[FeedItem], bool] | None = None

    def paint(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item = index.data(FeedRole.ITEM)
        if self.dimmed is None or not isinstance(item, FeedItem) or not self.dimmed(item):
            super().paint(painter, opt, index)
            return
        painter.save()
        painter.setOpacity(DIM_OPACITY)
        super().paint(painter, opt, index)
        painter.restore()


class FeedView(QListView):
    """The list; it knows when the user is busy with it (see :meth:`interacting`).

    A row is opened (shown in the details pane, and so read) only by the user's act: a
    click on it, Enter, or moving to it with the keyboard. The focus arriving in the list
    makes a row current without opening it.
    """

    #: The user opened this row (click, Enter, keyboard navigation).
    openRequested = Signal(QModelIndex)
    #: Enter was pressed on a row: the reader wants to read it (focus the details).
    enterPressed = Signal(QModelIndex)
    #: Space on a row: mark it read, or unread again (a keyboard user's toggle).
    toggleReadRequested = Signal(QModelIndex)
    #: "/" in the list: jump to the search box, as in a browser or a mail reader.
    searchRequested = Signal()
    #: From a row's context menu: mark it read, or unread.
    markReadRequested = Signal(QModelIndex)
    markUnreadRequested = Signal(QModelIndex)
    #: From a row's context menu: open the item's link (an http(s) URL).
    openLinkRequested = Signal(str)
    #: From a row's context menu: (account, channel, MUTE_HOUR | MUTE_TOMORROW |
    #: MUTE_ALWAYS), or unmute (account, channel) when the channel is muted already.
    muteRequested = Signal(str, str, str)
    unmuteRequested = Signal(str, str)

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
        self.setAccessibleName(self.tr("Feed"))
        self.setAccessibleDescription(
            self.tr(
                "Newest first. Arrows move, Enter opens an item in the details pane, Space marks"
                " it read or unread, slash searches, the menu key shows the item's actions."
            )
        )
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.viewport().installEventFilter(self)
        self.verticalScrollBar().installEventFilter(self)
        self.clicked.connect(self.openRequested)
        self._empty_text = QCoreApplication.translate("FeedView", EMPTY_FEED)
        #: Whether a row's channel is muted now (the window supplies it from its mutes).
        self.channel_muted: Callable[[str, str], bool] = lambda _account, _channel: False
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)

    # -- a row's context menu --------------------------------------------------------------

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The menu for the row at ``index`` (None off the rows); its actions emit this
        view's requests. Built afresh each time, so that it shows the row as it is now.

        The view's own actions (the window's shortcuts, such as "Mark unread") are not
        listed: every entry here acts on the row that was clicked, not on the current one.
        """
        item = index.data(FeedRole.ITEM) if index.isValid() else None
        if not isinstance(item, FeedItem):
            return None
        target = QPersistentModelIndex(index)
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Item actions"))
        if item.read:
            unread = menu.addAction(self.tr("Mark &unread"))
            unread.triggered.connect(lambda: self._emit_row(self.markUnreadRequested, target))
        else:
            read = menu.addAction(self.tr("Mark &read"))
            read.triggered.connect(lambda: self._emit_row(self.markReadRequested, target))
        link = menu.addAction(self.tr("Open &link"))
        link.setEnabled(bool(item.url))
        url = item.url or ""
        link.triggered.connect(lambda: self.openLinkRequested.emit(url))
        copy = menu.addAction(self.tr("&Copy"))
        text = copy_text(item)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(text))
        menu.addSeparator()
        account, channel = item.account, item.channel
        if self.channel_muted(account, channel):
            unmute = menu.addAction(self.tr("Unmute {channel}").format(channel=channel))
            unmute.triggered.connect(lambda: self.unmuteRequested.emit(account, channel))
        else:
            sub = menu.addMenu(self.tr("&Mute this channel"))
            sub.setAccessibleName(self.tr("Mute {channel}").format(channel=channel))
            for key, label in MUTE_CHOICES:
                action = sub.addAction(QCoreApplication.translate("FeedView", label))
                action.setData(key)
                action.triggered.connect(
                    lambda _=False, k=key: self.muteRequested.emit(account, channel, k)
                )
        return menu

    def _emit_row(self, signal: SignalInstance, target: QPersistentModelIndex) -> None:
        model = self.model()
        if model is not None and target.isValid():  # the row may have gone meanwhile
            signal.emit(model.index(target.row(), 0))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            if not self.show_row_menu():
                event.ignore()
            return
        # A scroll area hands the viewport's event on: the position is the viewport's.
        if not self._popup(self.context_menu(self.indexAt(event.pos())), event.globalPos()):
            event.ignore()

    def _popup(self, menu: QMenu | None, pos: QPoint) -> bool:
        if menu is None:
            return False
        self.note_input()
        # popup(), not exec(): no nested event loop under the GUI's asyncio loop.
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(pos)
        return True

    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        # QListView answers any data change by laying out every row again, in batches
        # (a call into Python per row, and a selection made meanwhile by a click is lost).
        # Rows here have one size (uniformItemSizes) and no role changes it: a read mark,
        # a tint or a new relative time only needs a repaint, which the base class does.
        QAbstractItemView.dataChanged(self, topLeft, bottomRight, list(roles))

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

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.note_input()
        current = self.currentIndex()
        if event.key() in _OPEN_KEYS and not event.modifiers() and current.isValid():
            # Handled here: the base class would emit `activated` and pass Enter on.
            self.openRequested.emit(current)
            self.enterPressed.emit(current)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space and not event.modifiers() and current.isValid():
            # Not the base class's selection toggle: Space means read/unread here.
            self.toggleReadRequested.emit(current)
            event.accept()
            return
        menu_key = event.key() == Qt.Key.Key_Menu or (
            event.key() == Qt.Key.Key_F10 and event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        )
        if menu_key and self.show_row_menu():
            # Handled on the key itself, Shift+F10 too: the same on every platform.
            event.accept()
            return
        if event.text() == "/" and not event.modifiers() & _COMMAND_MODIFIERS:
            self.searchRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)
        moved = self.currentIndex()
        if moved.isValid() and moved != current:
            self.openRequested.emit(moved)

    def event(self, event: QEvent) -> bool:
        # A keyboard context menu that reaches the list some other way (an input method,
        # an accessibility tool): by the current row too.
        if (
            isinstance(event, QContextMenuEvent)
            and event.reason() == QContextMenuEvent.Reason.Keyboard
            and self.show_row_menu()
        ):
            event.accept()
            return True
        return super().event(event)

    def show_row_menu(self) -> bool:
        """The current row's menu, by the row (the Menu key, Shift+F10); False when there
        is no current row. Qt would put a keyboard context menu in the middle of the list,
        where it is not clear what it acts on."""
        current = self.currentIndex()
        rect = self.visualRect(current)
        return self._popup(
            self.context_menu(current), self.viewport().mapToGlobal(rect.bottomLeft())
        )

    def scroll_into_view(self, index: QModelIndex) -> None:
        """Scroll ``index`` to the middle, once the batched layout has placed it.

        Rows just paged in are laid out a batch per turn of the event loop; until then
        the row has no place to scroll to, so this tries again on the next turns.
        """
        self._scroll_step(QPersistentModelIndex(index), 500)

    def _scroll_step(self, target: QPersistentModelIndex, tries: int) -> None:
        model = self.model()
        if model is None or not target.isValid():
            return  # the row went away (a new filter): nothing to scroll to
        index = model.index(target.row(), 0)
        if self.visualRect(index).isValid() or tries <= 0:
            self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
            return
        QTimer.singleShot(1, lambda: self._scroll_step(target, tries - 1))

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
