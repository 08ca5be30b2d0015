"""What the tests of a stalled notification server watch: the GUI thread's heartbeat, and
what the in-app banner showed."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from beacon.feed.notify_policy import Popup
from beacon.tray.notify import Banner


class Heartbeat:
    """A 20 ms timer on the GUI thread, recording how late it fires at worst."""

    INTERVAL = 0.02

    def __init__(self) -> None:
        self.worst = 0.0
        self._last = time.monotonic()
        self._timer = QTimer()
        self._timer.setInterval(int(self.INTERVAL * 1000))
        self._timer.timeout.connect(self._beat)
        self._timer.start()

    def _beat(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self._last - self.INTERVAL)
        self._last = now

    def stop(self) -> None:
        self._beat()  # a stall that has not ended in a beat yet still counts
        self._timer.stop()


class RecordingBanner(Banner):
    """The real banner, noting each popup it shows: popups in flight come back in no
    set order (their timeouts end together), so the last one shown proves little."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def show_popup(self, popup: Popup) -> None:
        self.shown.append(popup.title)
        super().show_popup(popup)
