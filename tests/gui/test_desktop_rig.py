"""The headless desktop is real: a system tray, a notification server and a Secret Service.

These check the rig that every tray, notification and keyring test stands on, with Qt,
dunst and keyring talking to each other directly and no Beacon code in between.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import keyring
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot


def _dunstctl(*args: str) -> str:
    return subprocess.run(
        ["dunstctl", *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout


def _displayed() -> int:
    return int(_dunstctl("count", "displayed").strip())


def _history_summaries() -> list[str]:
    history = json.loads(_dunstctl("history"))
    return [entry["summary"]["data"] for entry in history["data"][0]]


def test_system_tray_is_available(qtbot: QtBot) -> None:
    assert QSystemTrayIcon.isSystemTrayAvailable()


def test_tray_message_reaches_dunst(qtbot: QtBot) -> None:
    _dunstctl("close-all")
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor("#2e7d32"))
    tray = QSystemTrayIcon(QIcon(pixmap))
    tray.show()
    title = f"Beacon rig check {uuid.uuid4().hex[:8]}"
    try:
        tray.showMessage(title, "a tray message", QSystemTrayIcon.MessageIcon.Information, 10_000)
        qtbot.waitUntil(lambda: _displayed() >= 1, timeout=10_000)
        _dunstctl("close-all")
        assert title in _history_summaries()
    finally:
        tray.hide()


def test_keyring_round_trip_through_secret_service() -> None:
    backend = keyring.get_keyring()
    assert f"{type(backend).__module__}.{type(backend).__qualname__}" == (
        "keyring.backends.SecretService.Keyring"
    )
    service, user, value = "beacon-rig-check", f"user-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    keyring.set_password(service, user, value)
    try:
        assert keyring.get_password(service, user) == value
    finally:
        keyring.delete_password(service, user)
    assert keyring.get_password(service, user) is None
