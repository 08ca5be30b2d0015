"""The composition root: the one module that knows every layer.

:class:`BeaconApp` wires the engine service to the feed window. :func:`run_app` owns the
process: the QApplication, the qasync loop that runs Qt and asyncio on one thread, the
single-instance lock per profile (a second launch is forwarded to the running one), and an
orderly shutdown (engine closed, pending items committed, history closed) however the app
or the process is asked to stop.

With a system tray, closing the window keeps Beacon running in the tray and the tray's
Quit stops it; without one, closing the window quits (see :meth:`BeaconApp._build_tray`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QLockFile,
    QObject,
    QUrl,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QVBoxLayout

from beacon.config.load import default_config_path, state_dir
from beacon.config.model import Config
from beacon.credentials.secret import Secret
from beacon.credentials.store import secrets_stamp_path
from beacon.feed import notify_policy
from beacon.feed.away import AwayDigest
from beacon.feed.notify_policy import Popup
from beacon.resources import app_icon
from beacon.services.action_service import ActionService
from beacon.services.away import AwayWatch
from beacon.services.config_watch import ConfigWatcher
from beacon.services.dnd import DoNotDisturb
from beacon.services.engine import EngineFactory, EngineService, _default_engine_factory
from beacon.services.feed import FeedService
from beacon.services.idle import BlinkTimeout
from beacon.services.instance import InstanceServer, InstanceUnreachable, forward, socket_path
from beacon.services.loop import new_event_loop
from beacon.services.mutes import Mutes
from beacon.services.network import NetworkWatch
from beacon.services.notifications import NotificationService
from beacon.services.presence import PresenceService
from beacon.services.settings import SettingsService
from beacon.services.signal_consent import CONSENT_FILE
from beacon.services.signals import SignalWakeup
from beacon.services.signals_runner import ItemSignals
from beacon.store.history import HISTORY_FILE, History
from beacon.tray.icon import TrayIcon
from beacon.tray.notify import PresenterChain
from beacon.ui import i18n
from beacon.ui.away_digest import AwayDigestBar, summary_text
from beacon.ui.i18n import QT_TRANSLATE_NOOP
from beacon.ui.settings import SettingsWindow
from beacon.ui.signals_panel import SignalsPanel
from beacon.ui.window import FeedWindow

if TYPE_CHECKING:
    # Made on first use (open_settings): most runs never open it, so a start skips them.
    from beacon.services.rules_preview import RulesPreviewService
    from beacon.services.settings import SettingsService
    from beacon.ui.settings import SettingsWindow

log = logging.getLogger("beacon.app")

LOCK_NAME = "beacon.lock"
DND_NAME = "do-not-disturb.json"
#: The channels muted from a row's menu (services/mutes.py).
MUTES_NAME = "muted-channels.json"
#: GIL switch interval while the app runs (see BeaconApp.start).
SWITCH_INTERVAL = 0.001
#: How long a quit waits for the notification presenter being picked to close.
NOTIFIER_CLOSE_SECONDS = 6.0
#: Said once, in the status bar, when there is no tray to keep Beacon in.
NO_TRAY_NOTICE = QT_TRANSLATE_NOOP(
    "BeaconApp",
    "No system tray on this desktop, so closing this window quits Beacon "
    "(with a tray, Beacon would keep running there).",
)
#: A window that lost focus this recently counts as the one the user was looking at: on
#: some desktops a click in the panel takes the focus before the tray hears of it.
RECENTLY_ACTIVE_SECONDS = 0.5


def install_language(language: str) -> None:
    """Beacon's and Qt's translations for ``language`` ("" for the system's), and the
    summary popups' words (feed/, which has no Qt, says them through a hook)."""
    i18n.install(language)
    words = SummaryWords()
    notify_policy.WORDING = notify_policy.Wording(
        new_updates=words.new_updates,
        updates_while_away=words.updates_while_away,
        and_more=words.and_more,
    )


class SummaryWords(QObject):
    """The summary popups' words (a QObject: lupdate sees plurals only in its tr())."""

    def new_updates(self, n: int) -> str:
        return self.tr("%Ln new update(s)", "", n)

    def updates_while_away(self, n: int) -> str:
        return self.tr("%Ln update(s) while you were away", "", n)

    def and_more(self, n: int) -> str:
        return self.tr("and %Ln more", "", n)


class NoSecrets:
    """A secret source with nothing in it: the demo account needs no secret."""

    def get_secret(self, account: str) -> Secret | None:
        return None

    def get_encryption_key(self, account: str) -> Secret | None:
        return None


class KeyringWhenUsable:
    """The OS keyring, built at each read until one is usable: with none (no backend, or
    ``PYTHON_KEYRING_BACKEND`` naming one that keeps nothing), each read raises the
    keyring's own ``NoKeyringError``, whose words say what to do, so an account that
    needs a secret shows why; a keyring installed or unlocked later is used from the
    next read on (Reconnect), without a restart. Never a plain-text fallback."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._keyring: Any = None

    def _get(self) -> Any:
        # Read in daemon threads; two building one at once is harmless.
        if self._keyring is None:
            self._keyring = self._make()
        return self._keyring

    def get_secret(self, account: str) -> Secret | None:
        secret: Secret | None = self._get().get_secret(account)
        return secret

    def get_encryption_key(self, account: str) -> Secret | None:
        key: Secret | None = self._get().get_encryption_key(account)
        return key


class AppWindow(FeedWindow):
    """The feed window as the app shows it.

    Closing it only hides it and emits :attr:`closed`; the app decides whether that
    quits (no tray) or not. A quit always goes through the app, so that the engine and
    the history shut down in order instead of Qt stopping the event loop under them.
    """

    closed = Signal()
    #: Ctrl+Q (the platform's Quit key).
    quitRequested = Signal()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._deactivated_at = -1e9
        super().__init__(*args, **kwargs)
        QShortcut(QKeySequence.StandardKey.Close, self, self.close)
        QShortcut(QKeySequence.StandardKey.Quit, self, self.quitRequested.emit)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange and not self.isActiveWindow():
            self._deactivated_at = time.monotonic()
        super().changeEvent(event)

    def in_front(self) -> bool:
        """Shown, and active now or a moment ago (see RECENTLY_ACTIVE_SECONDS)."""
        if not self.isVisible() or self.isMinimized():
            return False
        return (
            self.isActiveWindow()
            or time.monotonic() - self._deactivated_at < RECENTLY_ACTIVE_SECONDS
        )

    def showEvent(self, event: QShowEvent) -> None:
        # FeedWindow.closeEvent stops the relative-time clock while hidden (an idle app
        # sleeps); shown again from the tray, the times must move on.
        if not self._clock_timer.isActive():
            self._refresh_times()
            self._clock_timer.start()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()


class BeaconApp(QObject):
    """The running app: history, engine service, window and tray icon, wired together.

    Signals:
        quitRequested(): the user asked to quit (the tray's Quit, Ctrl+Q, or closing the
            window when there is no tray); :func:`run_app` then shuts down in order.
    """

    quitRequested = Signal()

    def __init__(
        self,
        config: Config,
        history: History,
        secrets: Any,
        *,
        config_error: str | None = None,
        engine_factory: EngineFactory = _default_engine_factory,
        dnd: DoNotDisturb | None = None,
        mutes: Mutes | None = None,
        secrets_stamp: Path | None = None,
        signals_consent: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # The language first: every window below takes its words from it.
        install_language(config.interface.language)
        self.config = config
        #: Shared with whatever decides about popups.
        self.dnd = dnd or DoNotDisturb()
        #: Channels muted from a row's menu; the window sets them, the popups ask them.
        self.mutes = mutes or Mutes()
        self._config_error = config_error
        self._applying: set[asyncio.Task[None]] = set()
        self.history = history
        self._switch_interval: float | None = None  # the process's, while we run
        self.service = EngineService(config, history, secrets, engine_factory=engine_factory)
        # The window reads and marks the history only through the feed service, off the
        # GUI thread; committed items reach it through the same service.
        self.feed = FeedService(history, self)
        self.service.itemsAdded.connect(self.feed.add_committed)
        # [[signal]]: committed live items run the confirmed signals; a failure is kept on
        # its item, written off the GUI thread.
        self.signals = ItemSignals(
            config.signals,
            config.accounts,
            signals_consent or state_dir() / CONSENT_FILE,
            history.set_action_result,
        )
        self.feed.itemsAdded.connect(self.signals.on_items)
        self.signals_panel: SignalsPanel | None = None
        self.window = AppWindow(
            self.feed,
            feed_settings=config.feed,
            keywords=config.notifications.keywords,
            accounts=[a.name for a in config.accounts],
            channels=[(a.name, c) for a in config.accounts for c in a.channels],
            mutes=self.mutes,
        )
        self.service.statusChanged.connect(self.window.set_connection)
        # The status bar's keyring actions: Cancel a wait for the unlock prompt, Try again.
        self.window.keyringCancelRequested.connect(self.service.cancel_keyring_wait)
        self.window.reconnectRequested.connect(self.service.reconnect)
        self.presence = PresenceService(config, self.service, self)
        self._wire_presence()
        # Back online: waiting accounts retry at once (DESIGN.md "Protocol").
        self.network = NetworkWatch(self)
        self.network.online.connect(self.service.wake)
        self.settings_service: SettingsService | None = None
        self.rules_preview: RulesPreviewService | None = None
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
                self.tr("No accounts configured yet: add one to config.toml, or try `beacon demo`.")
            )
        self.tray = self._build_tray(config_error)
        self._notifier_start: asyncio.Future[None] | None = None
        self._closing = False
        self._build_notifications(config)
        # Through the engine service's keyring reads: an action's read joins a pending
        # one (one unlock prompt), and a cancelled wait holds it too.
        self._build_actions_and_away(config, self.service.secrets)

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
        # Picking the presenter may wait on the bus: popups wait for it, the app does not.
        self._notifier_start = asyncio.ensure_future(self.notifier.start())
        # Before the engine: what catch-up brings must come after what the digest saw.
        await self.away.start()
        await self.service.start()
        self.network.start()
        if self.config_watch is not None:
            self.config_watch.start(current_error=self._config_error)

    def open_settings(self, account: str | None = None) -> SettingsWindow:
        """Show the settings window (made on first use), in front. For the tray's and
        the feed window's "Settings", and for `beacon settings`. With ``account`` (the
        "needs login" action), that account is selected and its secret field focused."""
        if self.settings_window is None:
            from beacon.services.rules_preview import RulesPreviewService
            from beacon.services.settings import SettingsService
            from beacon.ui.settings import SettingsWindow

            path = self.config.path or default_config_path()
            self.settings_service = SettingsService(path, parent=self)
            # The rules page previews a rule on the history: read in its own worker.
            self.rules_preview = RulesPreviewService(path, self.history, parent=self)
            self.settings_window = SettingsWindow(
                self.settings_service, rules_preview=self.rules_preview
            )
            self.signals_panel = SignalsPanel()
            self.signals_panel.confirmRequested.connect(self._confirm_signals)
            tab = self.settings_window.tabs.addTab(self.signals_panel, self.tr("Si&gnals"))
            self.settings_window.tabs.setTabToolTip(
                tab, self.tr("The commands and webhooks to run")
            )
            self._show_signals()
            self.settings_window.load()
        if account is not None:
            self.settings_window.focus_secret(account)
        self.settings_window.show()
        self.settings_window.raise_()
        self.settings_window.activateWindow()
        return self.settings_window

    def _show_signals(self) -> None:
        if self.signals_panel is not None:
            self.signals_panel.show_signals(
                self.signals.runner.signals, self.signals.lines(), self.signals.confirmed
            )

    def _confirm_signals(self, shown: Any) -> None:
        self.signals.confirm(shown)
        self._show_signals()

    def _config_changed(self, config: Config) -> None:
        if self._closing:
            return  # the watcher's last reload landed while quitting
        self.config = config
        self.window.show_config_error("")
        if self.tray is not None:
            self.tray.set_problem(None)  # a fixed file clears the tray's error too
        task = asyncio.get_running_loop().create_task(self.service.apply_config(config))
        self._applying.add(task)
        task.add_done_callback(self._applying.discard)
        signals = asyncio.get_running_loop().create_task(self._apply_signals(config))
        self._applying.add(signals)
        signals.add_done_callback(self._applying.discard)

    async def _apply_signals(self, config: Config) -> None:
        await self.signals.apply(config.signals, config.accounts)
        self._show_signals()

    async def close(self) -> None:
        self._closing = True
        if self.tray is not None:
            self.tray.hide()
        if self.settings_window is not None:
            self.settings_window.close()
            self.settings_window.deleteLater()
            self.settings_window = None
        if self.settings_service is not None:
            self.settings_service.close()
        if self.rules_preview is not None:
            self.rules_preview.close()
        if self.config_watch is not None:
            self.config_watch.stop()
        if self._applying:
            await asyncio.gather(*self._applying, return_exceptions=True)
        await self.service.close()
        await self.actions.close()
        await self.away.close()
        await self.signals.close()
        await self.notifier.aclose()
        # A presenter still being picked closes itself once picked (the quit came first);
        # let it, before the loop ends under its D-Bus connection.
        if self._notifier_start is not None:
            await asyncio.wait([self._notifier_start], timeout=NOTIFIER_CLOSE_SECONDS)
            self._notifier_start.cancel()
        # After the engine's last items: read marks in flight are written before the
        # history closes.
        self.feed.close()
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None

    # -- the tray and the window's lifecycle ------------------------------------------------

    def _build_tray(self, config_error: str | None) -> TrayIcon | None:
        """The tray icon, wired; None when the desktop has no tray (then closing the
        window quits, and the user is told so once)."""
        # Quitting is always this app's decision (quitRequested, then an orderly
        # shutdown), never Qt's when the last window closes: with a tray, that window
        # only goes out of sight.
        QApplication.setQuitOnLastWindowClosed(False)
        self.window.quitRequested.connect(self.quitRequested)
        self.window.closed.connect(self._window_closed)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.warning("no system tray available; closing the window quits Beacon")
            bar = self.window.statusBar()
            current = bar.currentMessage()
            notice = self.tr(NO_TRAY_NOTICE)
            bar.showMessage(f"{current}  {notice}" if current else notice)
            return None
        tray = TrayIcon(self.dnd, [a.name for a in self.config.accounts], self)
        if config_error:
            tray.set_problem(self.tr("Config error: {error}").format(error=config_error))
        if self.config_watch is not None:
            # A file broken while the app runs: said in the tray as at start, not only
            # in the window's banner (the window may be out of sight).
            self.config_watch.configError.connect(
                lambda error: tray.set_problem(self.tr("Config error: {error}").format(error=error))
            )
        self.service.statusChanged.connect(tray.set_connection)
        self.feed.unreadChanged.connect(tray.set_unread)
        tray.set_unread(self.feed.unread or 0)
        tray.openFeedRequested.connect(self.show_window)
        tray.toggleFeedRequested.connect(self.toggle_window)
        tray.reconnectRequested.connect(self.service.reconnect)
        tray.keyringCancelRequested.connect(self.service.cancel_keyring_wait)
        # "Needs login": the settings window, on that account's secret field.
        tray.signInRequested.connect(self.open_settings)
        tray.settingsRequested.connect(self.show_settings)
        tray.quitRequested.connect(self.quitRequested)
        self.presence.countsChanged.connect(tray.set_presence)
        tray.set_presence(self.presence.counts())
        tray.show()
        log.info("tray icon shown")
        return tray

    def _wire_presence(self) -> None:
        """The presence panel follows the service; the details pane's open item is joined
        on its presence channel, and shows who else is there."""
        panel, dock = self.window.presence_panel, self.window.presence_dock

        def channels(*_: object) -> None:
            watched = self.presence.watched()
            panel.set_channels(watched)
            dock.setVisible(bool(watched))

        channels()
        self.service.configApplied.connect(channels)
        self.presence.membersChanged.connect(panel.set_members)
        self.window.details.itemOpened.connect(self.presence.open_item)
        self.presence.alsoViewingChanged.connect(self.window.details.set_also_viewing)

    def _build_notifications(self, config: Config) -> None:
        """Popups for committed items: the presenter chain (native, then the tray's
        message, then a banner) and the policy's service, wired to the window."""
        self.notifier = PresenterChain(
            sound=config.notifications.sound,
            tray=self.tray.tray if self.tray is not None else None,
            parent=self,
        )
        self.notifications = NotificationService(
            config.notifications, self.notifier, dnd=self.dnd, looking_at=self._looking_at,
            muted=lambda item, now: self.mutes.muted(item.account, item.channel, now),
            parent=self,
        )  # fmt: skip
        # After the window's own slot, so that "looking at" sees the window as it now is.
        self.feed.itemsAdded.connect(self.notifications.add_items)
        self.notifications.openItemRequested.connect(self._open_item)
        self.notifications.openFilteredRequested.connect(self._open_filtered)
        self.notifications.markReadRequested.connect(self.feed.mark_read)
        self.notifications.openLinkRequested.connect(self._open_link)
        if self.tray is not None:
            self.tray.dndChanged.connect(lambda _until: self.notifications.recheck())

    def _build_actions_and_away(self, config: Config, secrets: Any) -> None:
        """Action buttons (a rule's ``actions``) on popups and in the details pane, run by
        the action service; results shown on the item and kept in the history. And the
        "while you were away" digest: one summary popup and a bar at the top of the feed."""
        self.actions = ActionService(
            config, self.history, secrets, self.service.send_client_event, self
        )
        # Before the notification service's slot: a popup's buttons need the item's rule.
        self.feed.itemsAdded.disconnect(self.notifications.add_items)
        self.feed.itemsAdded.connect(self.actions.note_items)
        self.feed.itemsAdded.connect(self.notifications.add_items)
        self.notifications.action_labels = self.actions.labels_for_id
        self.notifications.actionRequested.connect(self.actions.press)
        details = self.window.details
        details.set_action_labels(self.actions.labels)
        details.actionRequested.connect(self.actions.press)
        self.actions.itemChanged.connect(details.update_item)
        self.actions.itemChanged.connect(self.window.model.update_item)
        self.actions.pressFinished.connect(
            lambda item_id, _ok, _text: details.action_finished(item_id)
        )

        self.away = AwayWatch(
            self.history, self.history.path.parent,
            away_minutes=config.notifications.away_minutes, parent=self,
        )  # fmt: skip
        self.feed.itemsAdded.connect(self.away.note_items)
        self.away_bar = AwayDigestBar()
        central = self.window.centralWidget()
        layout = central.layout() if central is not None else None
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.window.ids_row), self.away_bar)
        self.away_bar.groupChosen.connect(self._open_filtered_labelled)

        def digest_ready(digest: AwayDigest) -> None:
            self.away_bar.show_digest(digest)
            self.notifications.show_popup(
                Popup(
                    self.tr("While you were away"),
                    summary_text(digest),
                    digest.item_ids,
                    summary=True,
                )
            )

        self.away.digestReady.connect(digest_ready)

        def reloaded(config: Config) -> None:
            self.actions.apply_config(config)
            self.away.set_away_minutes(config.notifications.away_minutes)

        self.service.configApplied.connect(reloaded)
        # A new secret (`beacon login`, the settings window): read afresh by the next press.
        if self.config_watch is not None:
            self.config_watch.secretsChanged.connect(lambda: self.actions.apply_config(self.config))

    def _open_filtered_labelled(self, item_ids: list[int], label: str) -> None:
        self.show_window()
        self.window.show_filtered(item_ids, label)

    def _looking_at(self, item_id: int) -> bool:
        """The user already sees this item: the window is in front and its row is on
        screen (then a popup would only repeat it)."""
        window = self.window
        if not (window.isVisible() and window.isActiveWindow()):
            return False
        row = window.model.row_of(item_id)
        if row < 0:
            return False
        view = window.view
        return view.visualRect(window.model.index(row)).intersects(view.viewport().rect())

    def _open_item(self, item_id: int) -> None:
        self.show_window()
        self.window.reveal_item(item_id)

    def _open_filtered(self, item_ids: list[int]) -> None:
        self.show_window()
        self.window.show_filtered(item_ids)

    def _open_link(self, url: str) -> None:
        self.window.details.opener.open(QUrl(url))

    def _window_closed(self) -> None:
        if self.tray is None:
            self.quitRequested.emit()

    def show_window(self) -> None:
        """Bring the feed window forward: shown, restored, raised and active."""
        window = self.window
        if window.isMinimized():
            window.showNormal()
        else:
            window.show()
        window.raise_()
        window.activateWindow()

    def toggle_window(self) -> None:
        """The tray's left click: put away a window the user is looking at, else show it.

        A window that is open but buried under others is brought forward, not hidden.
        """
        window = self.window
        if window.in_front():
            window.close()
        else:
            self.show_window()

    def show_settings(self) -> None:
        """The tray's "Settings…" and ``beacon settings``: the feed window stays as it is."""
        self.open_settings()

    def handle_command(self, command: str) -> None:
        """A command forwarded by a second launch (see ``beacon.services.instance``)."""
        if command == "settings":
            self.show_settings()
        else:
            self.show_window()


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

    @property
    def dnd_path(self) -> Path:
        return self.data_dir / DND_NAME

    @property
    def mutes_path(self) -> Path:
        return self.data_dir / MUTES_NAME

    @property
    def socket_path(self) -> Path:
        return socket_path(self.data_dir)


Setup = Callable[[], Awaitable[tuple[Config, str | None, Any, Callable[[], Awaitable[None]]]]]


def run_app(
    profile: Profile,
    setup: Setup,
    *,
    argv: Sequence[str] | None = None,
    command: str = "show",
) -> int:
    """Run the app until it is asked to quit (or SIGINT/SIGTERM); the exit status.

    ``setup`` runs on the loop and returns the config, a config error to show (or None),
    the secret source, and a coroutine function to call after shutdown (the demo stops
    its server there).

    When another instance already runs for ``profile``, ``command`` ("show", or
    "settings") is sent to it instead, and this returns 0 once it took it.
    """
    profile.data_dir.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(profile.lock_path))
    lock.setStaleLockTime(0)  # a crashed instance's lock is detected by its dead PID
    if not lock.tryLock(200):
        return _forward(profile, command)
    try:
        return _run_locked(profile, setup, argv, command)
    finally:
        lock.unlock()


def _unblock_signals() -> None:
    """Let SIGINT and SIGTERM in again (``python -m beacon`` blocks them while it starts)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _forward(profile: Profile, command: str) -> int:
    # No handlers in a launch that only forwards: a signal ends it as it ends any command.
    _unblock_signals()
    try:
        forward(profile.socket_path, command)
    except InstanceUnreachable as exc:
        print(
            f"beacon: already running for this profile ({profile.data_dir}), "
            f"but it did not answer: {exc}",
            file=sys.stderr,
        )
        return 1
    log.info("Beacon already runs for this profile; asked it to %s", command)
    return 0


def _run_locked(profile: Profile, setup: Setup, argv: Sequence[str] | None, command: str) -> int:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    assert isinstance(app, QApplication)
    app.setApplicationName("Beacon")
    app.setApplicationDisplayName("Beacon")
    QGuiApplication.setDesktopFileName("beacon")
    app.setWindowIcon(app_icon())
    # Quit happens through BeaconApp.quitRequested, after an orderly shutdown; closing the
    # window with a tray around must not end the app.
    app.setQuitOnLastWindowClosed(False)

    # Listening before the (slow) setup: a second launch meanwhile waits for an answer
    # rather than failing; its command is carried out once the app is built.
    server = InstanceServer(profile.socket_path)
    server.listen()
    loop = new_event_loop(app)
    asyncio.set_event_loop(loop)
    # A focused text field's blinking cursor would wake the idle app twice a second.
    blink = BlinkTimeout(app)
    try:
        status: int = loop.run_until_complete(_main(profile, setup, server, command))
        return status
    finally:
        server.close()
        blink.stop()
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)


async def _main(profile: Profile, setup: Setup, server: InstanceServer, command: str) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop(*_: object) -> None:
        loop.call_soon_threadsafe(stop.set)

    # Python runs signal handlers only between bytecodes: a signal wakes Qt's loop through
    # a socket, rather than a timer waking the idle app to run bytecodes all day long.
    wakeup = SignalWakeup()
    wakeup.install()
    # First of all, so that a SIGTERM during start-up still shuts down in order.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    # `beacon` blocked them until now (__main__); one that came meanwhile arrives here.
    _unblock_signals()
    try:
        return await _run(profile, setup, stop, server, command)
    finally:
        wakeup.uninstall()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def _run(
    profile: Profile, setup: Setup, stop: asyncio.Event, server: InstanceServer, command: str
) -> int:
    config, config_error, secrets, teardown = await setup()
    history = History(
        profile.history_path,
        retention_count=config.feed.retention_count,
        retention_days=config.feed.retention_days,
    )
    beacon_app = BeaconApp(
        config,
        history,
        secrets,
        config_error=config_error,
        dnd=DoNotDisturb(path=profile.dnd_path),
        mutes=Mutes(path=profile.mutes_path),
    )
    beacon_app.quitRequested.connect(stop.set)
    try:
        beacon_app.window.show()
        if command != "show":  # the window is shown anyway
            beacon_app.handle_command(command)
        server.set_handler(beacon_app.handle_command)
        await beacon_app.start()
        await stop.wait()
    finally:
        beacon_app.window.hide()
        await beacon_app.close()
        history.close()
        await teardown()
        beacon_app.window.deleteLater()
    return 0
