"""The settings window on a config file, with its two services, as the app makes it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from beacon.services.rules_preview import RulesPreviewService
from beacon.services.settings import SettingsService
from beacon.store.history import History
from beacon.ui.settings import SettingsWindow


@contextlib.contextmanager
def settings_window(path: Path, history: History | None) -> Iterator[SettingsWindow]:
    """The window over ``path`` (not loaded yet), its rules previewed on ``history``; its
    services and the window closed at exit (the caller closes the history)."""
    service = SettingsService(path)
    preview = RulesPreviewService(path, history)
    window = SettingsWindow(service, rules_preview=preview)
    try:
        yield window
    finally:
        preview.close()
        service.close()
        window.close()
        window.deleteLater()
