"""The "N new updates" bar: new items wait behind it instead of moving the list."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAccessible, QAccessibleEvent, QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget

try:  # Qt 6.8+: a real screen-reader announcement.
    from PySide6.QtGui import QAccessibleAnnouncementEvent
except ImportError:  # pragma: no cover - older Qt
    QAccessibleAnnouncementEvent = None  # type: ignore[assignment,misc]

log = logging.getLogger("beacon.ui")

#: The keyboard way to reveal held items; shown in the bar's tooltip.
REVEAL_SHORTCUT = QKeySequence("Alt+U")
ANNOUNCE_INTERVAL_MS = 3000


def updates_text(count: int) -> str:
    return "1 new update" if count == 1 else f"{count} new updates"


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
    """A floating, focusable button over the top of the list; hidden when nothing waits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._count = 0
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
        self.setToolTip(f"Show the new updates at the top of the feed ({shortcut})")
        self.setAccessibleDescription(
            "New items are waiting. Press to show them at the top of the feed."
            f" Shortcut {shortcut}."
        )
        # palette(...) keeps the bar in the desktop's accent colours, light or dark.
        self.setStyleSheet(
            "QPushButton#updateBar {"
            " background: palette(highlight); color: palette(highlighted-text);"
            # min-height + padding = 2 x radius: a pill. (Qt drops a radius that is too big.)
            " border: none; border-radius: 14px; min-height: 18px; padding: 5px 18px;"
            " font-weight: 600; }"
            "QPushButton#updateBar:focus { border: 2px solid palette(highlighted-text); }"
        )
        self.hide()

    @property
    def count(self) -> int:
        return self._count

    def set_count(self, count: int) -> None:
        """Show ``count`` waiting items (0 hides the bar) and announce any change."""
        if count == self._count:
            return
        self._count = count
        if count <= 0:
            self._announce_pending = False
            self._announce_timer.stop()
            self.hide()
            return
        text = updates_text(count)
        self.setText(text)
        self.setAccessibleName(text)
        self.adjustSize()
        self.show()
        self.raise_()
        if self._announce_timer.isActive():
            self._announce_pending = True
        else:
            self._announce()

    def _announce(self) -> None:
        self._announce_pending = False
        self.last_announcement = self.text()
        announce(self, self.last_announcement)
        self._announce_timer.start()

    def _announce_later(self) -> None:
        if self._announce_pending and self._count > 0:
            self._announce()
