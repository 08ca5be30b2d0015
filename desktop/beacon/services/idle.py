"""The text cursor stops blinking when nobody types, so that an idle window sleeps.

A focused line edit blinks its cursor with a timer: two wakeups a second for as long as
the window stays active, measured as most of an idle app's wakeups. GTK stops the blink
after 10 s without input (``gtk-cursor-blink-timeout``); Qt has no such setting, so this
does the same: the blink stops after :data:`BLINK_TIMEOUT_MS` without a key press, click
or wheel turn in the focused window, and comes back with the next one.

Only the focused top-level window is watched, not every object of the application: an
application-wide event filter would call into Python for every event, bursts included.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow

__all__ = ["BLINK_TIMEOUT_MS", "BlinkTimeout"]

#: As GTK's default cursor-blink-timeout.
BLINK_TIMEOUT_MS = 10_000

_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
        QEvent.Type.TouchBegin,
    }
)


class BlinkTimeout(QObject):
    """Stops the cursor blink after ``timeout_ms`` without input; input restarts it.

    The platform's flash time is read once, when this is made; :meth:`stop` puts it back.
    """

    def __init__(
        self,
        app: QGuiApplication,
        *,
        timeout_ms: int = BLINK_TIMEOUT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._app = app
        self._flash = app.styleHints().cursorFlashTime()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self._rest)
        self._stopped = False
        app.focusWindowChanged.connect(self._focus_window_changed)
        self._focus_window_changed(app.focusWindow())

    @property
    def blinking(self) -> bool:
        return self._app.styleHints().cursorFlashTime() != 0

    def stop(self) -> None:
        """Stop watching, and give the cursor its platform's blink back."""
        self._stopped = True
        self._timer.stop()
        self._app.focusWindowChanged.disconnect(self._focus_window_changed)
        self._wake()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and not self._stopped:
            self._wake()
            self._timer.start()
        return False

    def _focus_window_changed(self, window: QWindow | None) -> None:
        if window is None:
            return
        # Installed once per window (Qt never adds a filter twice) and left there: input
        # into a window that had the focus is activity too, and a filter goes away with
        # its window.
        window.installEventFilter(self)
        # A window that gets the focus shows a live cursor, as after any input.
        self._wake()
        self._timer.start()

    def _wake(self) -> None:
        if self._app.styleHints().cursorFlashTime() != self._flash:
            self._app.styleHints().setCursorFlashTime(self._flash)

    def _rest(self) -> None:
        self._app.styleHints().setCursorFlashTime(0)
