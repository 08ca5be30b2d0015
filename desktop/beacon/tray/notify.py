"""Notification presenters, tried in order: native, then Qt's tray message, then a banner.

The pattern is qutebrowser's: a presenter that cannot work here raises
:class:`PresenterUnavailable` when it is built, with the reason, and the next one is used.
:class:`PresenterChain` says in the log, once, which one it took and why the others could
not work. A native presenter that stops working later (the notification server went away)
reports ``failed``; the chain then moves on to the next one, again with one log line, and
shows the popup that failed there instead. The first popup :data:`NATIVE_RETRY_S` after
that tries native notifications again, in the background; once they answer, popups go
there again.

A notification server that stopped answering (stopped, or wedged) is not handed Qt's tray
message: on Linux with a StatusNotifier tray Qt sends that message to the same server
and waits on the GUI thread for its answer, up to D-Bus's 25 s, for every popup. Such
popups go to the banner instead. The server still holds the ``Notify`` calls it did not
answer, and shows those popups once it runs again: each is closed as soon as its late
answer (its id) comes, so that nothing is on screen twice, late on the desktop and in the
banner. The given-up presenter keeps its bus connection until then (see
:meth:`Presenter.retire`).

- **Native.** On Linux, the freedesktop Notifications API over jeepney's asyncio router
  on the app's (qasync) loop: no call blocks the GUI thread, and each has a timeout.
  desktop-notifier on macOS and Windows. FACTS.md, "Notifications", says why these two.
- **Qt's tray message.** ``QSystemTrayIcon.showMessage``: no buttons, and only a
  ``Critical`` message gets a click, so urgency follows priority and a click, when the
  server gives one, opens the last popup.
- **The in-app banner.** A small bar the window shows above its feed. It always works.

Popup text is plain text, never markup: servers that read markup in the body get it
escaped, and no presenter fetches anything (no remote icons).

Every presenter reports the user's choice as ``actionInvoked(popup, action)`` with one of
:data:`DEFAULT`, :data:`OPEN_LINK` and :data:`MARK_READ`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QHideEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from beacon.feed.item import Priority
from beacon.feed.notify_policy import (
    ACTION_BUTTON_PREFIX,
    ACTION_DEFAULT,
    ACTION_MARK_READ,
    ACTION_OPEN_LINK,
    Popup,
)
from beacon.services.loop import qt_loop

log = logging.getLogger("beacon.tray")

#: The actions a popup offers. The default one is a click on the popup itself.
DEFAULT = ACTION_DEFAULT
OPEN_LINK = ACTION_OPEN_LINK
MARK_READ = ACTION_MARK_READ
ACTION_PREFIX = ACTION_BUTTON_PREFIX

#: Every D-Bus call gets this long before the presenter counts as broken.
CALL_TIMEOUT = 5.0
#: freedesktop "sound-name" for a popup (the sound naming spec's new-message sound).
SOUND_NAME = "message-new-instant"
#: Popups remembered for their actions; a server that never says "closed" cannot make
#: this grow without bound.
MAX_TRACKED = 256
#: How long Qt's tray message and the banner stay up.
MESSAGE_MS = 10_000
#: After native notifications stopped working (or were unavailable at the start), the
#: first popup this long after tries them again: a notification server restarted, or
#: started after Beacon, brings native popups back.
NATIVE_RETRY_S = 300.0

# The freedesktop spec has three urgencies for four priorities. "Critical" means a popup
# that stays until the user acts, which only "urgent" asks for.
_URGENCY = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 1, Priority.URGENT: 2}
_TRAY_ICON = {
    Priority.LOW: QSystemTrayIcon.MessageIcon.Information,
    Priority.NORMAL: QSystemTrayIcon.MessageIcon.Information,
    Priority.HIGH: QSystemTrayIcon.MessageIcon.Warning,
    Priority.URGENT: QSystemTrayIcon.MessageIcon.Critical,
}

_NOTIFICATIONS = "org.freedesktop.Notifications"
_NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"


class PresenterUnavailable(Exception):
    """This presenter cannot work here; the message says why, for the log."""


class ServerNotAnswering(PresenterUnavailable):
    """The session bus's notification server took a call and never answered it.

    Qt's tray message would go to that same server (see the module), so the chain skips
    it and uses the banner.
    """


def escape_markup(text: str) -> str:
    """``text`` for a notification body that the server reads as markup."""
    return html.escape(text, quote=False)


def beep() -> None:
    """The fallback sound: the platform's bell."""
    QApplication.beep()


def popup_actions(popup: Popup) -> list[tuple[str, str]]:
    """(key, label) of the actions a popup offers, the default (a click on it) first."""
    actions = [(DEFAULT, QCoreApplication.translate("Popup", "Open"))]
    if popup.url:
        actions.append((OPEN_LINK, QCoreApplication.translate("Popup", "Open link")))
    actions.append(
        (
            MARK_READ,
            QCoreApplication.translate("Popup", "Mark all read")
            if popup.summary
            else QCoreApplication.translate("Popup", "Mark read"),
        )
    )
    if not popup.summary:
        # The rule's own buttons ("Claim", "Resolve"), after the built-in ones so that a
        # server showing only the first few still offers Open and Mark read.
        actions.extend((action_key(i), label) for i, label in enumerate(popup.actions))
    return actions


def action_key(index: int) -> str:
    """The popup action key of the rule's button ``index``: "action:0", "action:1", ..."""
    return f"{ACTION_PREFIX}{index}"


class Presenter(QObject):
    """Shows popups and reports what the user did with them."""

    #: For the log: "native notifications (jeepney)", "Qt's tray message", ...
    label: ClassVar[str] = "a presenter"

    #: (Popup, action): the user clicked the popup (DEFAULT) or one of its buttons.
    actionInvoked = Signal(object, str)
    #: (Popup, reason): this presenter stopped working; the popup was not shown.
    failed = Signal(object, str)

    #: Set with ``failed`` when the session bus's notification server stopped answering,
    #: the server Qt's tray message would block on (see the module).
    server_not_answering = False

    def present(self, popup: Popup) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Let go of what the presenter holds (a bus connection, a tray hook)."""

    async def retire(self) -> None:
        """Let go once the chain stopped using this presenter after it failed.

        By default at once; a presenter with popups still on their way to the user's
        screen finishes with them first (the chain cancels this at quit).
        """
        await self.aclose()


# -- native: jeepney (Linux) ------------------------------------------------------------------


class JeepneyPresenter(Presenter):
    """The freedesktop Notifications API, over one long-lived jeepney router.

    Build it with :meth:`open`. The router carries the calls and the signals, with an
    unbounded queue for the signals (jeepney's default queue holds one and drops the
    rest). ``ActionInvoked`` arrives only on the connection that sent ``Notify``, which is
    why there is one connection for both.
    """

    label = "native notifications (jeepney)"

    def __init__(
        self,
        conn: Any,
        router: Any,
        capabilities: set[str],
        server: str,
        *,
        app_name: str,
        sound: bool,
        call_timeout: float,
        bus: str = "SESSION",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        from jeepney import DBusAddress

        self._conn = conn
        self._router = router
        self._address = DBusAddress(
            _NOTIFICATIONS_PATH, bus_name=_NOTIFICATIONS, interface=_NOTIFICATIONS
        )
        self.capabilities = capabilities
        self.server = server
        self._app_name = app_name
        self._sound = sound
        self._timeout = call_timeout
        self._on_session_bus = _is_session_bus(bus)
        # dunst reads markup in the body without advertising "body-markup" (seen with
        # dunst 1.9), so escape for it too; a server that says neither shows text as is.
        self._markup = "body-markup" in capabilities or server.lower() == "dunst"
        self._shown: dict[int, Popup] = {}  # notification id -> popup, oldest first
        self._early: dict[int, str] = {}  # an action that came before Notify's reply
        self._signals: asyncio.Queue[Any] = asyncio.Queue()  # unbounded: never drops
        self._filter = router.filter(_signal_rule(), queue=self._signals)
        self._tasks: set[asyncio.Task[None]] = set()
        self._broken: str | None = None
        self._closed = False
        self._listener = asyncio.get_running_loop().create_task(self._listen())

    @classmethod
    async def open(
        cls,
        *,
        app_name: str = "Beacon",
        sound: bool = True,
        bus: str = "SESSION",
        call_timeout: float = CALL_TIMEOUT,
        parent: QObject | None = None,
    ) -> JeepneyPresenter:
        """Connect to ``bus`` and check that a notification server answers there.

        Raises:
            PresenterUnavailable: no session bus, or no notification server on it.
        """
        try:
            from jeepney import DBusAddress, DBusErrorResponse, new_method_call
            from jeepney.bus_messages import message_bus
            from jeepney.io.asyncio import DBusRouter, open_dbus_connection
            from jeepney.wrappers import unwrap_msg
        except ImportError as exc:  # pragma: no cover - a dependency on Linux
            raise PresenterUnavailable(f"jeepney is not installed ({exc})") from exc
        try:
            conn = await asyncio.wait_for(open_dbus_connection(bus), call_timeout)
        except KeyError as exc:
            raise PresenterUnavailable("there is no session bus") from exc
        except (OSError, EOFError, ValueError, TimeoutError) as exc:
            raise PresenterUnavailable(f"cannot reach the session bus ({exc!r})") from exc
        router = DBusRouter(conn)
        address = DBusAddress(
            _NOTIFICATIONS_PATH, bus_name=_NOTIFICATIONS, interface=_NOTIFICATIONS
        )

        async def call(message: Any) -> tuple[Any, ...]:
            reply = await asyncio.wait_for(router.send_and_get_reply(message), call_timeout)
            body: tuple[Any, ...] = unwrap_msg(reply)
            return body

        try:
            (capabilities,) = await call(new_method_call(address, "GetCapabilities"))
            name, *_ = await call(new_method_call(address, "GetServerInformation"))
            # ActionInvoked is sent to us, but a match rule also covers servers that
            # broadcast it, and NotificationClosed.
            await call(message_bus.AddMatch(_signal_rule()))
        except DBusErrorResponse as exc:
            await _close_router(router, conn)
            raise PresenterUnavailable(f"no notification server on the bus ({exc.name})") from exc
        except (OSError, EOFError, TimeoutError, ValueError) as exc:
            await _close_router(router, conn)
            reason = f"the notification server did not answer ({exc!r})"
            if isinstance(exc, TimeoutError) and _is_session_bus(bus):
                raise ServerNotAnswering(reason) from exc
            raise PresenterUnavailable(reason) from exc
        return cls(
            conn,
            router,
            set(capabilities),
            str(name),
            app_name=app_name,
            sound=sound,
            call_timeout=call_timeout,
            bus=bus,
            parent=parent,
        )

    @property
    def tracked(self) -> int:
        """How many shown notifications the server has not closed yet."""
        return len(self._shown)

    # -- showing ---------------------------------------------------------------------------

    def present(self, popup: Popup) -> None:
        if self._broken is not None:
            self.failed.emit(popup, self._broken)
            return
        task = qt_loop().create_task(self._notify(popup))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def notify_message(self, popup: Popup) -> Any:
        """The ``Notify`` call for ``popup`` (signature ``susssasa{sv}i``)."""
        from jeepney import new_method_call

        actions = [part for pair in popup_actions(popup) for part in pair]
        hints: dict[str, tuple[str, Any]] = {"urgency": ("y", _URGENCY[popup.priority])}
        if self._sound:
            hints["sound-name"] = ("s", SOUND_NAME)
        body = escape_markup(popup.body) if self._markup else popup.body
        # No icon: app_icon "" and no image hints, so nothing is ever fetched.
        return new_method_call(
            self._address,
            "Notify",
            "susssasa{sv}i",
            (self._app_name, 0, "", popup.title, body, actions, hints, -1),
        )

    async def _notify(self, popup: Popup) -> None:
        from jeepney import DBusErrorResponse
        from jeepney.io.common import RouterClosed
        from jeepney.wrappers import unwrap_msg

        # The call is a task of its own, and the timeout cancels only the wait for it:
        # jeepney forgets a call whose waiter is cancelled, and drops its late answer,
        # the one way to learn the id of a popup that the server shows after all.
        call = asyncio.ensure_future(self._router.send_and_get_reply(self.notify_message(popup)))
        try:
            reply = await asyncio.wait_for(asyncio.shield(call), self._timeout)
            (notification_id,) = unwrap_msg(reply)
        except asyncio.CancelledError:
            call.cancel()
            raise
        # KeyError: jeepney's reply matcher raises it, not RouterClosed, for a call still in
        # flight when the router closes (its catch() deletes the serial that drop_all()
        # already dropped). Uncaught, the popup was lost without a word (jeepney 0.9).
        except (DBusErrorResponse, RouterClosed, OSError, EOFError, TimeoutError, KeyError) as exc:
            reason = (
                f"Notify failed ({exc.name})"
                if isinstance(exc, DBusErrorResponse)
                else f"Notify failed ({exc!r})"
            )
            self._broken = reason
            # A timeout, not an error reply: the server is there but does not answer.
            if isinstance(exc, TimeoutError) and self._on_session_bus:
                self.server_not_answering = True
            self.failed.emit(popup, reason)
            if isinstance(exc, TimeoutError):
                await self._close_when_answered(call)
            return
        self._track(int(notification_id), popup)
        if self._sound and "sound" not in self.capabilities:
            beep()

    async def _close_when_answered(self, call: asyncio.Future[Any]) -> None:
        """Close the popup of a timed-out ``Notify`` once the server answers it at last.

        The popup went to the next presenter when ``failed`` was emitted; a server that
        was stopped, not gone, shows it when it runs again, and it would be on screen
        twice. The bus keeps the answer owed for as long as both ends stay connected, so
        it comes, however late, while this presenter is open.
        """
        from jeepney import DBusErrorResponse, new_method_call
        from jeepney.io.common import RouterClosed
        from jeepney.wrappers import unwrap_msg

        try:
            (notification_id,) = unwrap_msg(await call)
        # An error answer showed nothing; a closed router is the app quitting (the server
        # may then show the popup after Beacon is gone: nothing is left to close it).
        except (DBusErrorResponse, RouterClosed, OSError, EOFError, KeyError):
            return
        close = new_method_call(self._address, "CloseNotification", "u", (notification_id,))
        try:
            await asyncio.wait_for(self._router.send_and_get_reply(close), self._timeout)
        except (DBusErrorResponse, RouterClosed, OSError, EOFError, TimeoutError, KeyError) as exc:
            log.debug("closing late popup %d failed: %r", notification_id, exc)
            return
        log.info("the notification server answered late; closed its popup %d, which was "
                 "shown another way", notification_id)  # fmt: skip

    def _track(self, notification_id: int, popup: Popup) -> None:
        self._shown[notification_id] = popup
        while len(self._shown) > MAX_TRACKED:
            del self._shown[next(iter(self._shown))]
        action = self._early.pop(notification_id, None)
        if action is not None:
            self._invoke(notification_id, action)

    # -- the server's signals ---------------------------------------------------------------

    async def _listen(self) -> None:
        from jeepney import HeaderFields

        while True:
            message = await self._signals.get()
            member = message.header.fields.get(HeaderFields.member)
            if member == "ActionInvoked":
                notification_id, action = message.body
                if notification_id in self._shown:
                    self._invoke(notification_id, action)
                else:
                    # Either the reply to Notify is still on its way, or it is another
                    # client's notification (some servers broadcast): keep a few.
                    self._early[notification_id] = action
                    while len(self._early) > 64:
                        del self._early[next(iter(self._early))]
            elif member == "NotificationClosed":
                notification_id, _reason = message.body
                # dunst also sends "closed" (reason 2, dismissed) right after an action;
                # the action was handled, and a close never does anything else here.
                self._shown.pop(notification_id, None)

    def _invoke(self, notification_id: int, action: str) -> None:
        popup = self._shown.get(notification_id)
        if popup is None:
            return
        known = {key for key, _label in popup_actions(popup)}
        if action not in known:
            log.debug("ignoring unknown action %r on notification %d", action, notification_id)
            return
        self.actionInvoked.emit(popup, action)

    async def retire(self) -> None:
        # Keep the connection until every call in flight is done, late popups closed
        # included: the server sends the late answers only on this connection, and still
        # shows what was sent on a connection that has closed.
        try:
            while self._tasks:
                await asyncio.wait(set(self._tasks))
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        # Closing the router fails the calls still waiting for a reply (RouterClosed), so
        # each of those popups is reported as failed rather than silently lost.
        if self._closed:
            return
        self._closed = True
        self._broken = self._broken or "closed"
        self._filter.close()
        await _close_router(self._router, self._conn)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._listener.cancel()
        await asyncio.gather(self._listener, return_exceptions=True)


def _is_session_bus(bus: str) -> bool:
    """Whether jeepney's ``bus`` is the session bus that Qt (and its tray icon) uses."""
    return bus == "SESSION" or bus == os.environ.get("DBUS_SESSION_BUS_ADDRESS")


def _signal_rule() -> Any:
    from jeepney import MatchRule

    return MatchRule(type="signal", interface=_NOTIFICATIONS, path=_NOTIFICATIONS_PATH)


async def _close_router(router: Any, conn: Any) -> None:
    try:
        await router.__aexit__(None, None, None)
    except Exception as exc:  # the receiver died with the connection: already reported
        log.debug("notification bus router ended with %r", exc)
    if conn is not None:
        try:
            await conn.close()
        except OSError as exc:
            log.debug("closing the notification bus connection: %r", exc)


# -- native: desktop-notifier (macOS, Windows) --------------------------------------------------

if sys.platform == "darwin" or sys.platform == "win32":  # pragma: no cover - not tested here

    class DesktopNotifierPresenter(Presenter):
        """desktop-notifier, for the platforms jeepney does not reach."""

        label = "native notifications (desktop-notifier)"

        def __init__(self, notifier: Any, *, sound: bool, parent: QObject | None = None):
            super().__init__(parent)
            self._notifier = notifier
            self._sound = sound
            self._tasks: set[asyncio.Task[None]] = set()

        @classmethod
        async def open(
            cls, *, app_name: str = "Beacon", sound: bool = True, parent: QObject | None = None
        ) -> DesktopNotifierPresenter:
            try:
                from desktop_notifier import DesktopNotifier
            except ImportError as exc:
                raise PresenterUnavailable(f"desktop-notifier is not installed ({exc})") from exc
            # No app_icon: its default is the Python logo (FACTS.md).
            notifier = DesktopNotifier(app_name=app_name, app_icon=None)
            try:
                allowed = await asyncio.wait_for(notifier.request_authorisation(), CALL_TIMEOUT)
            except TimeoutError as exc:
                raise PresenterUnavailable("the notification centre did not answer") from exc
            if not allowed:
                raise PresenterUnavailable("notifications are not allowed for Beacon")
            return cls(notifier, sound=sound, parent=parent)

        def present(self, popup: Popup) -> None:
            task = qt_loop().create_task(self._send(popup))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        async def _send(self, popup: Popup) -> None:
            from desktop_notifier import DEFAULT_SOUND, Button, Urgency

            urgency = {0: Urgency.Low, 1: Urgency.Normal, 2: Urgency.Critical}[
                _URGENCY[popup.priority]
            ]
            buttons = [
                Button(title=label, on_pressed=_bind(self.actionInvoked.emit, popup, key))
                for key, label in popup_actions(popup)
                if key != DEFAULT
            ]
            # A failed send() only logs; on_dispatched not firing is the one sign of it.
            dispatched = asyncio.Event()
            try:
                # A server that never answers blocks send() for 30 s (FACTS.md).
                await asyncio.wait_for(
                    self._notifier.send(
                        title=popup.title,
                        message=popup.body,
                        urgency=urgency,
                        buttons=buttons,
                        on_clicked=_bind(self.actionInvoked.emit, popup, DEFAULT),
                        on_dispatched=dispatched.set,
                        sound=DEFAULT_SOUND if self._sound else None,
                    ),
                    CALL_TIMEOUT,
                )
            except TimeoutError:
                self.failed.emit(popup, "the notification centre did not answer")
                return
            if not dispatched.is_set():
                self.failed.emit(popup, "the notification centre refused the notification")

        async def aclose(self) -> None:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _bind(emit: Callable[..., None], *args: Any) -> Callable[[], None]:
        return lambda: emit(*args)


async def open_native(
    *, app_name: str = "Beacon", sound: bool = True, bus: str = "SESSION"
) -> Presenter:
    """The platform's native presenter; raises :class:`PresenterUnavailable`."""
    if sys.platform == "linux":
        return await JeepneyPresenter.open(app_name=app_name, sound=sound, bus=bus)
    if sys.platform == "darwin" or sys.platform == "win32":
        return await DesktopNotifierPresenter.open(app_name=app_name, sound=sound)
    raise PresenterUnavailable(f"no native notifications on {sys.platform}")


# -- Qt's tray message --------------------------------------------------------------------------


class TrayMessagePresenter(Presenter):
    """``QSystemTrayIcon.showMessage`` on the app's tray icon.

    It has no buttons and no id: a click (which servers give to ``Critical`` messages
    only) opens the last popup shown.
    """

    label = "Qt's tray message"

    def __init__(
        self, tray: QSystemTrayIcon | None, *, sound: bool = True, parent: QObject | None = None
    ) -> None:
        if tray is None:
            raise PresenterUnavailable("there is no tray icon")
        if not QSystemTrayIcon.isSystemTrayAvailable():
            raise PresenterUnavailable("there is no system tray")
        if not tray.supportsMessages():
            raise PresenterUnavailable("the system tray shows no messages")
        super().__init__(parent)
        self._tray = tray
        self._sound = sound
        self._last: Popup | None = None
        tray.messageClicked.connect(self._clicked)

    def present(self, popup: Popup) -> None:
        self._last = popup
        # On Linux the message goes to the freedesktop server as it is, body markup and
        # all (seen with dunst); elsewhere it is drawn as plain text.
        body = escape_markup(popup.body) if sys.platform == "linux" else popup.body
        self._tray.showMessage(popup.title, body, _TRAY_ICON[popup.priority], MESSAGE_MS)
        if self._sound:
            beep()

    def _clicked(self) -> None:
        if self._last is not None:
            self.actionInvoked.emit(self._last, DEFAULT)

    async def aclose(self) -> None:
        self._tray.messageClicked.disconnect(self._clicked)


# -- the in-app banner --------------------------------------------------------------------------


class Banner(QFrame):
    """A small bar for one popup: its title and body as plain text, and its actions.

    The window places it (above the feed). Without a parent it is a small window of its
    own, on top in the screen's corner, like a notification.
    """

    #: The action key of the button pressed (DEFAULT for "Open").
    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("Notification"))
        self.setAccessibleDescription(self.tr("A new event; its actions follow"))
        self.title = QLabel(self)
        self.body = QLabel(self)
        for label in (self.title, self.body):
            # Event text is never rich text, whatever it looks like.
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.buttons: dict[str, QPushButton] = {}
        self._button_row = QHBoxLayout()
        self._button_row.addStretch(1)
        self.title.setAccessibleDescription(self.tr("Notification title"))
        self.body.setAccessibleDescription(self.tr("Notification message"))
        close = QPushButton(self.tr("Dismiss"), self)
        close.setAccessibleDescription(self.tr("Closes this notification"))
        close.clicked.connect(self.hide)
        self._button_row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addLayout(self._button_row)
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.setInterval(MESSAGE_MS)
        self._expiry.timeout.connect(self.hide)
        if parent is None:
            self.setWindowFlags(
                Qt.WindowType.Tool
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
            self.setFixedWidth(380)
        self.hide()

    def show_popup(self, popup: Popup) -> None:
        self.title.setText(popup.title)
        self.body.setText(popup.body)
        for button in self.buttons.values():
            self._button_row.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for i, (key, label) in enumerate(popup_actions(popup)):
            button = QPushButton(label, self)
            button.setAccessibleDescription(f"{label}: {popup.title}")
            button.clicked.connect(lambda _checked=False, key=key: self._choose(key))
            self._button_row.insertWidget(i, button)
            self.buttons[key] = button
        if self.isWindow():
            self.adjustSize()
            screen = self.screen().availableGeometry()
            self.move(screen.right() - self.width() - 16, screen.top() + 16)
        self.show()
        # Screen readers speak an alert from a shown widget without taking the focus.
        QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))
        self._expiry.start()  # one shot while shown: nothing wakes an idle app

    def _choose(self, key: str) -> None:
        self.hide()
        self.chosen.emit(key)

    def hideEvent(self, event: QHideEvent) -> None:
        self._expiry.stop()
        super().hideEvent(event)


class BannerPresenter(Presenter):
    """The last resort: the :class:`Banner`, in the window. It always works."""

    label = "the in-app banner"

    def __init__(
        self, *, sound: bool = True, banner: Banner | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.banner = banner if banner is not None else Banner()
        self._sound = sound
        self._current: Popup | None = None
        self.banner.chosen.connect(self._chosen)

    def present(self, popup: Popup) -> None:
        self._current = popup
        self.banner.show_popup(popup)
        if self._sound:
            beep()

    def _chosen(self, key: str) -> None:
        if self._current is not None:
            self.actionInvoked.emit(self._current, key)


# -- the chain ----------------------------------------------------------------------------------

NativeOpener = Callable[[], Awaitable[Presenter]]
_P = TypeVar("_P", bound=Presenter)


class PresenterChain(QObject):
    """The presenters in order; shows each popup with the first one that works.

    Call :meth:`start` (a coroutine, on the app's loop) once; popups presented before
    it finishes wait for it.

    Signals:
        actionInvoked(Popup, str): what the user did with a popup (see the module).
        activated(int): the click on a single item's popup, with the item's id.
    """

    actionInvoked = Signal(object, str)
    activated = Signal(int)

    def __init__(
        self,
        *,
        sound: bool = True,
        tray: QSystemTrayIcon | None = None,
        banner: Banner | None = None,
        app_name: str = "Beacon",
        bus: str = "SESSION",
        native: NativeOpener | None = None,
        native_retry_s: float = NATIVE_RETRY_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sound = sound
        self._tray = tray
        self._banner = banner
        self._native: NativeOpener = native or (
            lambda: open_native(app_name=app_name, sound=sound, bus=bus)
        )
        self._native_retry_s = native_retry_s
        self.presenter: Presenter | None = None
        self._waiting: list[Popup] = []
        self._tried: set[str] = set()
        # The fallbacks, each built once and kept: after native notifications come back
        # and go again, the chain falls back to the same ones.
        self._tray_message: TrayMessagePresenter | None = None
        self._banner_presenter: BannerPresenter | None = None
        self._native_presenter: Presenter | None = None
        self._native_lost_at: float | None = None  # loop time native last failed to work
        self._reopening: asyncio.Task[None] | None = None
        self._said_not_answering = False
        self._retiring: set[asyncio.Task[None]] = set()
        self._closing = False

    async def start(self) -> None:
        """Pick the first presenter that works; log why the ones before it do not.

        It may run as a task of its own, so that a slow bus never delays the app's start:
        popups wait for it, and :meth:`aclose` may come first.
        """
        try:
            presenter: Presenter = await self._native()
        except PresenterUnavailable as exc:
            self._unavailable("native notifications", str(exc))
            self._native_lost_at = asyncio.get_running_loop().time()
            presenter = self._fallback(not_answering=isinstance(exc, ServerNotAnswering))
        else:
            self._native_presenter = self._adopt(presenter)
        if self._closing:
            await presenter.aclose()
            return
        self._use(presenter)
        waiting, self._waiting = self._waiting, []
        for popup in waiting:
            self.present(popup)

    def present(self, popup: Popup) -> None:
        if self.presenter is None:
            self._waiting.append(popup)
            return
        self._maybe_retry_native()
        self.presenter.present(popup)

    @property
    def label(self) -> str:
        return self.presenter.label if self.presenter is not None else "none yet"

    def _fallback(self, *, not_answering: bool = False) -> Presenter:
        if not_answering and sys.platform == "linux":
            # Qt would send its tray message to the server that just stopped answering
            # and wait for it on the GUI thread (see the module): the banner instead.
            if not self._said_not_answering:
                self._said_not_answering = True
                log.warning("%s skipped: the notification server is not answering, and Qt "
                            "would wait for it; using %s", TrayMessagePresenter.label,
                            BannerPresenter.label)  # fmt: skip
            return self._banner_fallback()
        if self._tray_message is None and TrayMessagePresenter.label not in self._tried:
            self._tried.add(TrayMessagePresenter.label)
            try:
                self._tray_message = self._adopt(
                    TrayMessagePresenter(self._tray, sound=self._sound, parent=self)
                )
            except PresenterUnavailable as exc:
                self._unavailable(TrayMessagePresenter.label, str(exc))
        if self._tray_message is not None:
            return self._tray_message
        return self._banner_fallback()

    def _banner_fallback(self) -> BannerPresenter:
        if self._banner_presenter is None:
            self._banner_presenter = self._adopt(
                BannerPresenter(sound=self._sound, banner=self._banner, parent=self)
            )
        return self._banner_presenter

    def _unavailable(self, label: str, reason: str) -> None:
        self._tried.add(label)
        log.warning("%s unavailable: %s; trying the next way to show notifications", label,
                    reason)  # fmt: skip

    def _adopt(self, presenter: _P) -> _P:
        """Take ``presenter``'s signals; once, when it is made (fallbacks are reused)."""
        presenter.actionInvoked.connect(self._relay)
        presenter.failed.connect(
            lambda popup, reason, failing=presenter: self._failed(failing, popup, reason)
        )
        return presenter

    def _use(self, presenter: Presenter) -> None:
        if presenter is self.presenter:
            return
        self.presenter = presenter
        self._tried.add(presenter.label)
        log.info("notifications: using %s", presenter.label)

    def _failed(self, failing: Presenter, popup: Popup, reason: str) -> None:
        if self._closing:
            return
        if failing is self.presenter:
            log.warning("%s stopped working: %s; falling back", failing.label, reason)
            if failing is self._native_presenter:
                self._native_presenter = None
                self._native_lost_at = qt_loop().time()
            self._use(self._fallback(not_answering=failing.server_not_answering))
            # Popups still in flight there fail in turn and come back here, to be shown
            # by the new presenter; the old one's actions still reach the user.
            self._retire(failing)
        self.present(popup)

    def _maybe_retry_native(self) -> None:
        """Try native notifications again, in the background, once they are due."""
        if self._native_lost_at is None or self._reopening is not None or self._closing:
            return
        if qt_loop().time() - self._native_lost_at < self._native_retry_s:
            return
        self._reopening = qt_loop().create_task(self._reopen_native())

    async def _reopen_native(self) -> None:
        try:
            presenter = await self._native()
        except PresenterUnavailable as exc:
            log.debug("native notifications still unavailable: %s", exc)
            self._native_lost_at = asyncio.get_running_loop().time()
            return
        finally:
            self._reopening = None
        if self._closing:
            await presenter.aclose()
            return
        log.info("native notifications work again")
        self._native_presenter = self._adopt(presenter)
        self._native_lost_at = None
        self._use(presenter)

    def _retire(self, presenter: Presenter) -> None:
        task = qt_loop().create_task(presenter.retire())
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    def _relay(self, popup: Popup, action: str) -> None:
        self.actionInvoked.emit(popup, action)
        if action == DEFAULT and popup.item_id is not None:
            self.activated.emit(popup.item_id)

    async def aclose(self) -> None:
        """At quit: close the presenters; popups still in flight are dropped."""
        self._closing = True
        if self._reopening is not None:
            self._reopening.cancel()
            await asyncio.gather(self._reopening, return_exceptions=True)
        presenters = {self.presenter, self._tray_message, self._banner_presenter}
        for presenter in presenters:
            if presenter is not None:
                await presenter.aclose()
        # A retired presenter may wait for a server that is still stopped; it closes as
        # it is cancelled.
        for task in self._retiring:
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)
