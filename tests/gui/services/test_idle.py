"""BlinkTimeout: the text cursor stops blinking without input, so that an idle window
sleeps; input into the focused window brings the blink back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit

from beacon.services.idle import BlinkTimeout


def test_the_cursor_stops_blinking_without_input_and_input_restarts_it(
    qapp: QApplication, qtbot: Any
) -> None:
    hints = QGuiApplication.styleHints()
    flash = hints.cursorFlashTime()
    assert flash > 0, "the platform blinks the cursor; the test needs it to"
    field = QLineEdit()
    qtbot.addWidget(field)
    blink = BlinkTimeout(qapp, timeout_ms=300)
    try:
        field.show()
        field.activateWindow()
        field.setFocus()
        window = field.windowHandle()
        assert window is not None
        qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is window)
        assert blink.blinking
        qtbot.waitUntil(lambda: not blink.blinking, timeout=3000)
        assert hints.cursorFlashTime() == 0
        # Through the window, as the platform delivers it.
        qtbot.keyClick(window, Qt.Key.Key_A)
        assert hints.cursorFlashTime() == flash
        assert field.text() == "a"
        qtbot.waitUntil(lambda: not blink.blinking, timeout=3000)
    finally:
        blink.stop()
    assert hints.cursorFlashTime() == flash
