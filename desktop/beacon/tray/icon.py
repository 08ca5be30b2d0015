"""The tray icon: connection state and unread count at a glance, and the app's menu.

:class:`TrayIcon` wraps a ``QSystemTrayIcon``. It knows nothing of the engine or the
window: it is fed plain values through slots (:meth:`TrayIcon.set_connection`, the
``statusChanged`` of the engine service; :meth:`TrayIcon.set_unread`, an unread count)
and says what the user asked for through signals. The composition root wires both ends.

Do-not-disturb lives in a :class:`~beacon.services.dnd.DoNotDisturb` shared with whoever
decides about popups; the tray only sets it from its menu and shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QLocale, QObject, QSize, QTime, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from beacon.services.dnd import DoNotDisturb, next_morning
from beacon.services.status import (
    NOT_CONNECTED_YET,
    ConnectionInfo,
    KeyringStatus,
    LinkState,
    detail_words,
    down_detail,
    state_words,
)
from beacon.tray.glyphs import TrayState, make_icon, state_pixmap, tray_state

__all__ = ["TrayIcon", "describe"]

log = logging.getLogger("beacon.tray")

#: Do-not-disturb's expiry is checked at least this often while it is on: Qt's timers
#: stand still while the machine sleeps, the wall clock does not.
DND_RECHECK_MS = 15 * 60 * 1000
#: Longest detail shown in a menu entry (server messages can be long).
DETAIL_CHARS = 80
#: Longest reason on an account's tooltip line: the tooltip stays one line an account.
TOOLTIP_REASON_CHARS = 60


def describe(info: ConnectionInfo) -> str:
    """One account's state in words, as the menu and the tooltip say it."""
    if info.keyring is KeyringStatus.WAITING:
        return QCoreApplication.translate(
            "TrayIcon", "waiting for the keyring — answer the unlock prompt"
        )
    if info.keyring is KeyringStatus.LOCKED:
        # The fix in a few words, with the name of this menu's action.
        return QCoreApplication.translate(
            "TrayIcon", "keyring locked — choose Reconnect and enter your keyring password"
        )
    if info.state is LinkState.INITIALIZED and not info.needs_login:
        # The protocol's word means nothing to a user.
        return QCoreApplication.translate("TrayIcon", "starting")
    return state_words(info)


def _clock_time_seconds(when: datetime) -> str:
    """``_clock_time`` with the seconds: a retry can be one second away."""
    fmt = QLocale().timeFormat(QLocale.FormatType.ShortFormat)
    at = fmt.find("mm")
    if "s" not in fmt and at >= 0:
        sep = fmt[at - 1] if at > 0 and not fmt[at - 1].isalpha() else ":"
        fmt = f"{fmt[: at + 2]}{sep}ss{fmt[at + 2 :]}"
    return QLocale().toString(QTime(when.hour, when.minute, when.second), fmt)


def _clock_time(when: datetime) -> str:
    """The local time of day as the user's locale writes it ("14:05", "2:05 PM")."""
    return QLocale().toString(QTime(when.hour, when.minute), QLocale.FormatType.ShortFormat)


@dataclass
class AccountEntry:
    """One account's submenu: its state line, Sign in… (shown while it needs login),
    Cancel waiting (shown while it waits for the keyring) and its Reconnect action."""

    menu: QMenu
    detail: QAction
    reconnect: QAction
    sign_in: QAction
    cancel_wait: QAction
    #: What to do about the account's problem (hidden when there is none).
    fix: QAction


class TrayIcon(QObject):
    """The tray icon and its menu.

    Signals:
        openFeedRequested(): "Open feed" in the menu.
        toggleFeedRequested(): a left click on the icon.
        reconnectRequested(str): an account's Reconnect.
        signInRequested(str): an account's Sign in… (it needs a secret or a new one).
        keyringCancelRequested(str): an account's Cancel waiting for the keyring.
        dndChanged(object): do-not-disturb set (its end, a datetime) or ended (None),
            from the menu or because its time ran out.
        settingsRequested(): Settings… was chosen.
        quitRequested(): Quit.
    """

    openFeedRequested = Signal()
    toggleFeedRequested = Signal()
    reconnectRequested = Signal(str)
    signInRequested = Signal(str)
    keyringCancelRequested = Signal(str)
    dndChanged = Signal(object)
    settingsRequested = Signal()
    quitRequested = Signal()

    def __init__(
        self,
        dnd: DoNotDisturb,
        accounts: Sequence[str] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.dnd = dnd
        self._infos: dict[str, ConnectionInfo] = {}
        # Each account's tooltip line while it is down, made when its state came: the
        # next try is a time of day, which a tooltip read later still gets right.
        self._down_lines: dict[str, str] = {}
        self._unread = 0
        self._presence: dict[tuple[str, str], int] = {}  # members per presence channel
        self._problem: str | None = None
        self._shown: tuple[TrayState, int] | None = None
        self._dnd_on = False

        self.tray = QSystemTrayIcon(self)
        self.tray.activated.connect(self._activated)
        self.menu = QMenu()  # a widget: it cannot be this QObject's child
        self.destroyed.connect(self.menu.deleteLater)
        self.tray.setContextMenu(self.menu)

        self.open_action = self.menu.addAction(self.tr("Open feed"))
        font = self.open_action.font()
        font.setBold(True)  # what a left click does, as menus mark a default
        self.open_action.setFont(font)
        self.open_action.triggered.connect(self.openFeedRequested)

        self.dnd_menu = self.menu.addMenu(self.tr("Do not disturb"))
        group = QActionGroup(self)
        self.dnd_hour_action = self.dnd_menu.addAction(self.tr("For 1 hour"))
        self.dnd_tomorrow_action = self.dnd_menu.addAction(self.tr("Until tomorrow"))
        self.dnd_menu.addSeparator()
        self.dnd_off_action = self.dnd_menu.addAction(self.tr("Off"))
        for action in (self.dnd_hour_action, self.dnd_tomorrow_action, self.dnd_off_action):
            action.setCheckable(True)
            group.addAction(action)
        self.dnd_hour_action.triggered.connect(self._dnd_hour)
        self.dnd_tomorrow_action.triggered.connect(self._dnd_tomorrow)
        self.dnd_off_action.triggered.connect(self._dnd_off)
        # The end of "until tomorrow" is worth seeing before choosing it; it moves on at
        # night, so it is redrawn whenever a menu opens.
        self._refresh_dnd_labels()
        self.menu.aboutToShow.connect(self._refresh_dnd_labels)
        self.dnd_menu.aboutToShow.connect(self._refresh_dnd_labels)

        self.menu.addSeparator()
        self._accounts_end = self.menu.addSeparator()
        self.accounts: dict[str, AccountEntry] = {}

        self.settings_action = self.menu.addAction(self.tr("Settings…"))
        self.settings_action.triggered.connect(self.settingsRequested)
        self.quit_action = self.menu.addAction(self.tr("Quit Beacon"))
        self.quit_action.triggered.connect(self.quitRequested)

        # One-shot, armed only while do-not-disturb is on: an idle app does not wake.
        self._dnd_timer = QTimer(self)
        self._dnd_timer.setSingleShot(True)
        self._dnd_timer.timeout.connect(self._check_dnd)

        for account in accounts:
            self.set_connection(ConnectionInfo(account, LinkState.INITIALIZED, NOT_CONNECTED_YET))
        self._sync_dnd()
        self._update()

    # -- showing ----------------------------------------------------------------------------

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def isVisible(self) -> bool:
        return self.tray.isVisible()

    @property
    def state(self) -> TrayState:
        return tray_state(
            self._infos.values(), dnd=self.dnd.active(), problem=self._problem is not None
        )

    @property
    def unread(self) -> int:
        return self._unread

    def icon(self) -> QIcon:
        return self.tray.icon()

    # -- inputs -------------------------------------------------------------------------------

    def set_unread(self, count: int) -> None:
        """The number of unread items, for the badge."""
        self._unread = max(0, int(count))
        self._update()

    def set_connection(self, info: ConnectionInfo) -> None:
        """One account's connection changed (``EngineService.statusChanged``)."""
        self._infos[info.account] = info
        self._down_lines[info.account] = self._down_line(info)
        entry = self.accounts.get(info.account) or self._add_account(info.account)
        words = describe(info)
        entry.menu.setTitle(f"{info.account}: {words}")
        entry.menu.setIcon(QIcon(state_pixmap(tray_state([info]), QSize(16, 16))))
        detail = detail_words(info) if info.detail else words
        if len(detail) > DETAIL_CHARS:
            detail = detail[: DETAIL_CHARS - 1] + "…"
        entry.detail.setText(detail)
        # In the menu only while there is a fix: a hidden, empty entry would still be
        # an unnamed item to a screen reader.
        listed = entry.fix in entry.menu.actions()
        entry.fix.setText(info.fix)
        if info.fix and not listed:
            entry.menu.insertAction(entry.sign_in, entry.fix)
        elif not info.fix and listed:
            entry.menu.removeAction(entry.fix)
        # Reconnecting is offered where it does something: not while it is trying already,
        # nor while it is connected.
        busy = info.state in (LinkState.CONNECTING, LinkState.CONNECTED) and not info.needs_login
        entry.reconnect.setEnabled(not busy)
        entry.sign_in.setVisible(info.needs_login)
        entry.cancel_wait.setVisible(info.keyring is KeyringStatus.WAITING)
        # A status change after a sleep is also the first chance to notice that
        # do-not-disturb ran out meanwhile.
        self._check_dnd()

    def set_presence(self, counts: dict[tuple[str, str], int]) -> None:
        """Members per presence channel, (account, channel) -> count, for the tooltip."""
        self._presence = dict(counts)
        self._update()

    def set_problem(self, text: str | None) -> None:
        """A problem for every account (a config error): shown as failed, with ``text``."""
        self._problem = text or None
        self._update()

    def set_dnd(self, until: datetime | None) -> None:
        """Do-not-disturb on until ``until``, or off (None)."""
        self.dnd.set_until(until)
        log.info("do not disturb %s", f"until {until:%Y-%m-%d %H:%M}" if until else "off")
        self._sync_dnd()
        self._update()
        self.dndChanged.emit(self.dnd.until)

    # -- internals ----------------------------------------------------------------------------

    def _add_account(self, account: str) -> AccountEntry:
        menu = QMenu(account, self.menu)
        detail = menu.addAction("")
        detail.setEnabled(False)  # information, not a command
        fix = QAction(menu)  # listed only while the account has a problem to fix
        fix.setEnabled(False)
        sign_in = menu.addAction(self.tr("Sign in…"))
        sign_in.triggered.connect(lambda: self.signInRequested.emit(account))
        sign_in.setVisible(False)
        cancel_wait = menu.addAction(self.tr("Cancel waiting for the keyring"))
        cancel_wait.triggered.connect(lambda: self.keyringCancelRequested.emit(account))
        cancel_wait.setVisible(False)
        reconnect = menu.addAction(self.tr("Reconnect"))
        reconnect.triggered.connect(lambda: self.reconnectRequested.emit(account))
        self.menu.insertMenu(self._accounts_end, menu)
        entry = AccountEntry(menu, detail, reconnect, sign_in, cancel_wait, fix)
        self.accounts[account] = entry
        return entry

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A double click also delivers a Trigger first; toggling twice would undo it.
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            self.toggleFeedRequested.emit()

    def _dnd_hour(self) -> None:
        self.set_dnd(self.dnd.clock() + timedelta(hours=1))

    def _dnd_tomorrow(self) -> None:
        self.set_dnd(next_morning(self.dnd.clock()))

    def _dnd_off(self) -> None:
        self.set_dnd(None)

    def _refresh_dnd_labels(self) -> None:
        ends = next_morning(self.dnd.clock())
        self.dnd_tomorrow_action.setText(
            self.tr("Until tomorrow, {time}").format(time=_clock_time(ends))
        )

    def _check_dnd(self) -> None:
        was_on = self._dnd_on
        self._sync_dnd()
        self._update()
        if was_on and not self._dnd_on:
            log.info("do not disturb ended")
            self.dndChanged.emit(None)

    def _sync_dnd(self) -> None:
        """Menu checks and the expiry timer, from the shared state."""
        until = self.dnd.until
        self._dnd_on = until is not None
        if until is None:
            self._dnd_timer.stop()
            self.dnd_off_action.setChecked(True)
            self.dnd_menu.setTitle(self.tr("Do not disturb"))
            return
        if not (self.dnd_hour_action.isChecked() or self.dnd_tomorrow_action.isChecked()):
            self.dnd_hour_action.setChecked(True)
        self.dnd_menu.setTitle(
            self.tr("Do not disturb: on until {time}").format(time=_clock_time(until))
        )
        left = (until - self.dnd.clock()).total_seconds() * 1000
        self._dnd_timer.start(max(0, min(DND_RECHECK_MS, int(left) + 1)))

    def _tooltip(self, state: TrayState) -> str:
        lines = [self.tr("Beacon: %Ln unread", "", self._unread) if self._unread else "Beacon"]
        if self._problem:
            lines.append(self._problem.splitlines()[0])
        if not self._infos and not self._problem:
            lines.append(self.tr("No accounts configured"))
        lines += [
            self._down_lines.get(info.account) or f"{info.account}: {describe(info)}"
            for info in self._infos.values()
        ]
        # The fix of each account's problem, where the user looks first.
        lines += [f"{info.account}: {info.fix}" for info in self._infos.values() if info.fix]
        lines += [
            self.tr("{account}: credentials sent without encryption").format(account=info.account)
            for info in self._infos.values()
            if info.insecure
        ]
        presence = self._presence
        if presence:
            lines.append(
                self.tr("Here now: {channels}").format(
                    channels=", ".join(
                        f"{ch.removeprefix('presence-')} {n}" for (_, ch), n in presence.items()
                    )
                )
            )
        until = self.dnd.until
        if until is not None:
            lines.append(self.tr("Do not disturb until {time}").format(time=_clock_time(until)))
        return "\n".join(lines)

    def _down_line(self, info: ConnectionInfo) -> str:
        """``account: unavailable — connection refused; next try at 14:05:07``: the
        account's tooltip line while it is down, with the reason the menu and the window
        show; empty when the account is not down or nothing more is known."""
        if info.state not in (LinkState.UNAVAILABLE, LinkState.FAILED) or info.needs_login:
            return ""
        if info.keyring is not KeyringStatus.OK:
            return ""  # describe() says what to do about the keyring
        words = describe(info)
        down = down_detail(info.detail)
        if down is None:
            reason = detail_words(info)
        else:
            reason = down.why if down.code is None else f"{down.why} ({down.code})"
        reason = " ".join(reason.split())  # one line, whatever the server sent
        if not reason or reason == words:
            return ""
        if len(reason) > TOOLTIP_REASON_CHARS:
            reason = reason[: TOOLTIP_REASON_CHARS - 1] + "…"
        delay = down.retry_in if down is not None else None
        if delay is None or info.state is not LinkState.UNAVAILABLE:
            line = self.tr("{state} — {reason}").format(state=words, reason=reason)
        else:
            at = self.dnd.clock() + timedelta(seconds=delay)
            line = self.tr("{state} — {reason}; next try at {time}").format(
                state=words, reason=reason, time=_clock_time_seconds(at)
            )
        return f"{info.account}: {line}"

    def _update(self) -> None:
        state = self.state
        self.tray.setToolTip(self._tooltip(state))
        # Counts past 99 all look the same ("99+").
        shown = (state, min(self._unread, 100))
        if shown != self._shown:  # drawing a dozen sizes is worth skipping
            self._shown = shown
            self.tray.setIcon(make_icon(state, self._unread))
