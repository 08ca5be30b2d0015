"""The "N new updates" bar: new items wait behind it instead of moving the list.

The bar never covers a row. Attached to the list (:meth:`UpdateBar.attach`), it sits in a
strip of its own above the rows, which exists only while the bar is shown: the list's
viewport starts below the strip, so the rows are pushed down by its height, once, as the
bar appears. The list keeps its scroll position: the row at the top of the list stays the
row at the top, whole and readable, instead of disappearing under the bar. (Scrolling to
keep every row at its place on the screen would instead take the top rows out of view.)

The pill has an outline in the window's text colour, so it stands out from whatever is
behind it in any theme (it used to float over the rows, and vanished on a selected one,
which has the same accent colour).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAccessible, QAccessibleEvent, QKeySequence
from PySide6.QtWidgets import QAbstractScrollArea, QPushButton, QWidget

try:  # Qt 6.8+: a real screen-reader announcement.
    from PySide6.QtGui import QAccessibleAnnouncementEvent
except ImportError:  # pragma: no cover - older Qt
    QAccessibleAnnouncementEvent = None  # type: ignore[assignment,misc]

log = logging.getLogger("beacon.ui")

#: The keyboard way to reveal held items; shown in the bar's tooltip.
REVEAL_SHORTCUT = QKeySequence("Alt+U")
ANNOUNCE_INTERVAL_MS = 3000
#: Room above and below the pill, in its strip.
STRIP_GAP = 6


def updates_text(count: int) -> str:
    return UpdateBarWords().updates(count)


class UpdateBarWords(QObject):
    """The bar's words with a plural (lupdate sees plurals only in a QObject's tr())."""

    def updates(self, count: int) -> str:
        return self.tr("%Ln new update(s)", "", count)


def announce(widget: QWidget, text: str) -> None:
    """Have screen readers speak ``text`` without moving focus."""
    if QAccessibleAnnouncementEvent is not None:
        event = QAccessibleAnnouncementEvent(widget, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
        QAccessible.updateAccessibility(event)
        return
    # Older Qt: a name change on a visible widget is what screen readers pick up.
    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.NameChanged))
    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))


class UpdateBar(QPushButton):
    """A focusable button in a strip above the list's rows; hidden when nothing waits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._count = 0
        self._view: QAbstractScrollArea | None = None
        self._strip = 0  # the height the list's viewport gives up to the bar now
        self.last_announcement = ""
        # Under a stream of events, speak at most once per interval: the latest count wins.
        self._announce_pending = False
        self._announce_timer = QTimer(self)
        self._announce_timer.setSingleShot(True)
        self._announce_timer.setInterval(ANNOUNCE_INTERVAL_MS)
        self._announce_timer.timeout.connect(self._announce_later)
        self.setObjectName("updateBar")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        shortcut = REVEAL_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        self.setToolTip(
            self.tr("Show the new updates at the top of the feed ({shortcut})").format(
                shortcut=shortcut
            )
        )
        self.setAccessibleDescription(
            self.tr(
                "New items are waiting. Press to show them at the top of the feed."
                " Shortcut {shortcut}."
            ).format(shortcut=shortcut)
        )
        # palette(...) keeps the bar in the desktop's accent colours, light or dark.
        self.setStyleSheet(
            "QPushButton#updateBar {"
            " background: palette(highlight); color: palette(highlighted-text);"
            # min-height + padding + border = 2 x radius: a pill. (Qt drops a radius that
            # is too big.) The outline contrasts with the strip and with the fill.
            " border: 1px solid palette(window-text); border-radius: 15px;"
            " min-height: 18px; padding: 5px 18px; font-weight: 600; }"
            # Focus changes the outline's shape, not only its colour.
            "QPushButton#updateBar:focus { border: 2px dashed palette(window-text);"
            " padding: 4px 17px; }"
        )
        self.hide()

    @property
    def count(self) -> int:
        return self._count

    def attach(self, view: QAbstractScrollArea) -> None:
        """Show the bar in a strip of its own at the top of ``view``, above its rows.

        The bar becomes a child of the scroll area, outside its viewport: it can take the
        focus and be clicked without the list seeing a press.
        """
        self._view = view
        self.setParent(view)
        view.installEventFilter(self)
        if not self.isHidden():
            self._open_strip()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view and event.type() == QEvent.Type.Resize and self._strip:
            self._place()
        return super().eventFilter(watched, event)

    def set_count(self, count: int) -> None:
        """Show ``count`` waiting items (0 hides the bar) and announce any change."""
        if count == self._count:
            return
        self._count = count
        if count <= 0:
            self._announce_pending = False
            self._announce_timer.stop()
            self.hide()
            self._close_strip()
            return
        text = updates_text(count)
        self.setText(text)
        self.setAccessibleName(text)
        self.adjustSize()
        self._open_strip()
        self.show()
        self.raise_()
        if self._announce_timer.isActive():
            self._announce_pending = True
        else:
            self._announce()

    def strip_height(self) -> int:
        """How much room the bar takes above the list's rows now (0 when hidden)."""
        return self._strip

    def _open_strip(self) -> None:
        view = self._view
        if view is None:
            return
        height = self.sizeHint().height() + 2 * STRIP_GAP
        if height != self._strip:
            self._move_viewport_top(view, height - self._strip)
            self._strip = height
        self._place()

    def _close_strip(self) -> None:
        if self._view is not None and self._strip:
            self._move_viewport_top(self._view, -self._strip)
            self._strip = 0

    @staticmethod
    def _move_viewport_top(view: QAbstractScrollArea, delta: int) -> None:
        """Move the top of the list's viewport down (or back up) by ``delta``."""
        margins = view.viewportMargins()
        margins.setTop(max(0, margins.top() + delta))
        view.setViewportMargins(margins)

    def _place(self) -> None:
        view = self._view
        if view is None:
            return
        frame = view.frameWidth()
        available = view.width() - 2 * frame
        hint = self.sizeHint()
        width = min(hint.width(), max(0, available - 24))
        self.setGeometry(frame + (available - width) // 2, frame + STRIP_GAP, width, hint.height())

    def _announce(self) -> None:
        self._announce_pending = False
        self.last_announcement = self.text()
        announce(self, self.last_announcement)
        self._announce_timer.start()

    def _announce_later(self) -> None:
        if self._announce_pending and self._count > 0:
            self._announce()
