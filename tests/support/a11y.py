"""What a screen reader's user meets outside Beacon's own windows: the panel's tray menu and
the notification server's popups.

- :class:`AccessibleDesktop`: a headless desktop whose xfce4-panel joins the AT-SPI bus, so
  the menu it draws for Beacon's tray icon (from Beacon's dbusmenu) can be read as Orca
  reads it. The shared desktop keeps the panel off the bus (``NO_AT_BRIDGE``), as GTK
  would otherwise wait on a bus nobody reads.
- :class:`NotifyCalls`: every ``Notify`` call made on a session bus, seen as a D-Bus
  monitor sees it: the summary, body and action buttons exactly as Beacon sent them.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from jeepney import DBusAddress, HeaderFields, new_method_call
from jeepney.io.blocking import open_dbus_connection

from support.desktop import HeadlessDesktop

MONITORING = DBusAddress(
    "/org/freedesktop/DBus",
    bus_name="org.freedesktop.DBus",
    interface="org.freedesktop.DBus.Monitoring",
)


class AccessibleDesktop(HeadlessDesktop):
    """The headless desktop, with its panel (and so the tray menus it draws) on AT-SPI."""

    def _spawn(
        self, name: str, argv: list[str], env: dict[str, str], **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        if name == "xfce4-panel":
            env = {k: v for k, v in env.items() if k != "NO_AT_BRIDGE"}
        return super()._spawn(name, argv, env, **kwargs)

    @property
    def panel_pid(self) -> int:
        (pid,) = [process.pid for name, process in self.processes if name == "xfce4-panel"]
        return pid


@dataclass(frozen=True)
class Notify:
    """One ``Notify`` call's arguments (freedesktop notification spec, ``susssasa{sv}i``)."""

    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]  # key, label, key, label, ...
    hints: dict[str, Any]
    timeout: int

    @property
    def buttons(self) -> list[tuple[str, str]]:
        return list(zip(self.actions[::2], self.actions[1::2], strict=True))


class NotifyCalls:
    """Collects the ``Notify`` calls on the bus at ``address`` until :meth:`close`."""

    def __init__(self, address: str) -> None:
        self.calls: list[Notify] = []
        self._connection = open_dbus_connection(bus=address)
        rule = "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"
        self._connection.send_and_get_reply(
            new_method_call(MONITORING, "BecomeMonitor", "asu", ([rule], 0)), timeout=5
        )
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        while not self._stopping.is_set():
            try:
                message = self._connection.receive(timeout=0.2)
            except TimeoutError:
                continue
            if message.header.fields.get(HeaderFields.member) == "Notify":
                self.calls.append(Notify(*message.body))

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._connection.close()
