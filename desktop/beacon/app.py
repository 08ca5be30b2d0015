"""The composition root: the one module that knows every layer.

:class:`BeaconApp` wires the engine service to the feed window. :func:`run_app` owns the
process: the QApplication, the qasync loop that runs Qt and asyncio on one thread, the
single-instance lock per profile, and an orderly shutdown (engine closed, pending items
committed, history closed) however the window or the process is asked to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from beacon.config.load import default_config_path
from beacon.config.model import Config
from beacon.credentials.secret import Secret
from beacon.credentials.store import secrets_stamp_path
from beacon.services.config_watch import ConfigWatcher
from beacon.services.engine import EngineFactory, EngineService, _default_engine_factory
from beacon.services.loop import new_event_loop
from beacon.services.network import NetworkWatch
from beacon.services.settings import SettingsService
from beacon.store.history import HISTORY_FILE, History
from beacon.ui.settings import SettingsWindow
from beacon.ui.window import FeedWindow

log = logging.getLogger("beacon.app")

LOCK_NAME = "beacon.lock"
#: GIL switch interval while the app runs (see BeaconApp.start).
SWITCH_INTERVAL = 0.001


class NoSecrets:
    """A secret source with nothing in it: the demo account needs no secret."""

    def get_secret(self, account: str) -> Secret | None:
        return None

    def get_encryption_key(self, account: str) -> Secret | None:
        return None


class AppWindow(FeedWindow):
    """The feed window as the app shows it: closing it asks the app to stop.

    Until the tray exists, closing the window quits Beacon; the quit goes through
    :attr:`closed` so that the engine and the history shut down in order, instead of Qt
    stopping the event loop underneath them.
    """

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()


class BeaconApp(QObject):
    """The running app: history, engine service and window, wired together."""

    def __init__(
        self,
        config: Config,
        history: History,
        secrets: Any,
        *,
        config_error: str | None = None,
        engine_factory: EngineFactory = _default_engine_factory,
        secrets_stamp: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config
        self._config_error = config_error
        self._applying: set[asyncio.Task[None]] = set()
        self.history = history
        self._switch_interval: float | None = None  # the process's, while we run
        self.service = EngineService(config, history, secrets, engine_factory=engine_factory)
        self.window = AppWindow(
            history,
            feed_settings=config.feed,
            keywords=config.notifications.keywords,
            accounts=[a.name for a in config.accounts],
            channels=[(a.name, c) for a in config.accounts for c in a.channels],
        )
        self.service.itemsAdded.connect(self.window.add_items)
        self.service.statusChanged.connect(self.window.set_connection)
        # Back online: waiting accounts retry at once (DESIGN.md "Protocol").
        self.network = NetworkWatch(self)
        self.network.online.connect(self.service.wake)
        self.settings_service: SettingsService | None = None
        self.settings_window: SettingsWindow | None = None
        # Live reload: an edited file, a save from the settings window, a `beacon login`.
        self.config_watch: ConfigWatcher | None = None
        if config.path is not None:
            self.config_watch = ConfigWatcher(
                config.path, stamp=secrets_stamp or secrets_stamp_path(), parent=self
            )
            self.config_watch.configChanged.connect(self._config_changed)
            self.config_watch.configError.connect(self.window.show_config_error)
            self.config_watch.secretsChanged.connect(self.service.retry_needs_login)
        if config_error:
            self.window.show_config_error(config_error)
        elif not config.accounts:
            self.window.statusBar().showMessage(
                "No accounts configured yet: add one to config.toml, or try `beacon demo`."
            )

    async def start(self) -> None:
        # Everything built so far (Qt bindings, modules, the window) lives as long as the
        # app. Moved out of the collector's sight, it no longer makes each full collection
        # walk hundreds of thousands of objects: measured, a 60 ms pause under a burst.
        gc.collect()
        gc.freeze()
        # The writer thread maps events in Python while Qt calls into Python on this
        # thread (layouts, paints), each call waiting for the GIL until the writer is
        # made to drop it: after sys.getswitchinterval(), 5 ms by default. Measured under
        # a burst: heartbeat p99 31 ms at 5 ms, 22-25 ms at 1 ms, at no visible CPU cost.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        await self.service.start()
        self.network.start()
        if self.config_watch is not None:
            self.config_watch.start(current_error=self._config_error)

    def open_settings(self, account: str | None = None) -> SettingsWindow:
        """Show the settings window (made on first use), in front. For the tray's and
        the feed window's "Settings", and for `beacon settings`. With ``account`` (the
        "needs login" action), that account is selected and its secret field focused."""
        if self.settings_window is None:
            path = self.config.path or default_config_path()
            self.settings_service = SettingsService(path, parent=self)
            self.settings_window = SettingsWindow(self.settings_service)
            self.settings_window.load()
        if account is not None:
            self.settings_window.focus_secret(account)
        self.settings_window.show()
        self.settings_window.raise_()
        self.settings_window.activateWindow()
        return self.settings_window

    def _config_changed(self, config: Config) -> None:
        self.config = config
        self.window.show_config_error("")
        task = asyncio.get_running_loop().create_task(self.service.apply_config(config))
        self._applying.add(task)
        task.add_done_callback(self._applying.discard)

    async def close(self) -> None:
        if self.settings_window is not None:
            self.settings_window.close()
            self.settings_window.deleteLater()
            self.settings_window = None
        if self.settings_service is not None:
            self.settings_service.close()
        if self.config_watch is not None:
            self.config_watch.stop()
        if self._applying:
            await asyncio.gather(*self._applying, return_exceptions=True)
        await self.service.close()
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None


@dataclass
class Profile:
    """Where one instance keeps its data; one running app per profile."""

    data_dir: Path

    @property
    def history_path(self) -> Path:
        return self.data_dir / HISTORY_FILE

    @property
    def lock_path(self) -> Path:
        return self.data_dir / LOCK_NAME


Setup = Callable[[], Awaitable[tuple[Config, str | None, Any, Callable[[], Awaitable[None]]]]]


def run_app(profile: Profile, setup: Setup, *, argv: Sequence[str] | None = None) -> int:
    """Run the window until it is closed (or SIGINT/SIGTERM); the exit status.

    ``setup`` runs on the loop and returns the config, a config error to show (or None),
    the secret source, and a coroutine function to call after shutdown (the demo stops
    its server there).
    """
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    assert isinstance(app, QApplication)
    app.setApplicationName("Beacon")
    app.setApplicationDisplayName("Beacon")
    QGuiApplication.setDesktopFileName("beacon")
    # Quit happens through AppWindow.closed, after an orderly shutdown.
    app.setQuitOnLastWindowClosed(False)

    profile.data_dir.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(profile.lock_path))
    lock.setStaleLockTime(0)  # a crashed instance's lock is detected by its dead PID
    if not lock.tryLock(200):
        print(
            f"beacon: already running for this profile ({profile.data_dir}); "
            "close the other window first",
            file=sys.stderr,
        )
        return 1

    loop = new_event_loop(app)
    asyncio.set_event_loop(loop)
    try:
        status: int = loop.run_until_complete(_main(profile, setup))
        return status
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
        lock.unlock()


async def _main(profile: Profile, setup: Setup) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop(*_: object) -> None:
        loop.call_soon_threadsafe(stop.set)

    # First of all, so that a SIGTERM during start-up still shuts down in order.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    # Python runs signal handlers only between bytecodes; a light timer keeps it ticking
    # while Qt sleeps in C++.
    ticker = QTimer()
    ticker.start(250)
    ticker.timeout.connect(lambda: None)
    try:
        return await _run(profile, setup, stop)
    finally:
        ticker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def _run(profile: Profile, setup: Setup, stop: asyncio.Event) -> int:
    config, config_error, secrets, teardown = await setup()
    history = History(
        profile.history_path,
        retention_count=config.feed.retention_count,
        retention_days=config.feed.retention_days,
    )
    beacon_app = BeaconApp(config, history, secrets, config_error=config_error)
    beacon_app.window.closed.connect(stop.set)
    try:
        beacon_app.window.show()
        await beacon_app.start()
        await stop.wait()
    finally:
        beacon_app.window.hide()
        await beacon_app.close()
        history.close()
        await teardown()
        beacon_app.window.deleteLater()
    return 0
