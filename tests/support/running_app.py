"""The whole app in the test's process: ``BeaconApp`` on a config file, closed in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from beacon.app import BeaconApp
from beacon.config import load_config
from beacon.store.history import History


@asynccontextmanager
async def running_app(
    config: Path,
    secrets: Any,
    history: Path | None = None,
    *,
    show: bool = True,
    start: bool = True,
) -> AsyncIterator[BeaconApp]:
    """The app on the config file ``config`` (watched: edits reload live), with the history
    at ``history`` (beside the config file unless given); the window shown unless ``show``
    is false; started unless ``start`` is false (then the test starts it). Closed, window
    and history too, however the test ends."""
    store = History(history or config.parent / "history.sqlite3")
    app = BeaconApp(load_config(config), store, secrets)
    if show:
        app.window.show()
    try:
        if start:
            await app.start()
        yield app
    finally:
        await app.close()
        app.window.close()
        app.window.deleteLater()
        store.close()
