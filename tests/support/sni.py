"""Talk to tray icons the way the panel does: StatusNotifierItem and dbusmenu over D-Bus.

The xfce4-panel of the headless desktop hosts ``org.kde.StatusNotifierWatcher``; a Qt
tray icon registers there, exports its picture, tooltip and menu, and receives clicks as
method calls. These helpers make those same calls (blocking, through jeepney), so a test
can click the icon or a menu entry of another process without screen coordinates.

In-process callers must run them off the Qt thread (``loop.run_in_executor``): the icon
answers on the Qt thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from jeepney import DBusAddress, Properties, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

WATCHER = DBusAddress(
    "/StatusNotifierWatcher",
    bus_name="org.kde.StatusNotifierWatcher",
    interface="org.kde.StatusNotifierWatcher",
)
BUS = DBusAddress(
    "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
)
TIMEOUT = 5.0


@contextmanager
def session() -> Iterator[DBusConnection]:
    connection = open_dbus_connection(bus="SESSION")
    try:
        yield connection
    finally:
        connection.close()


def _call(connection: DBusConnection, message: Any) -> tuple[Any, ...]:
    reply = connection.send_and_get_reply(message, timeout=TIMEOUT)
    body: tuple[Any, ...] = reply.body
    if reply.header.message_type.name == "error":
        raise RuntimeError(f"D-Bus error: {body}")
    return body


@dataclass(frozen=True)
class TrayItem:
    """One registered tray icon."""

    service: str
    path: str

    @property
    def address(self) -> DBusAddress:
        return DBusAddress(self.path, bus_name=self.service, interface="org.kde.StatusNotifierItem")

    def get(self, connection: DBusConnection, name: str) -> Any:
        (variant,) = _call(connection, Properties(self.address).get(name))
        return variant[1]

    def activate(self, connection: DBusConnection) -> None:
        """A left click, as the panel sends it."""
        _call(connection, new_method_call(self.address, "Activate", "ii", (0, 0)))

    def icon_pixmaps(self, connection: DBusConnection) -> list[tuple[int, int, bytes]]:
        """The exported pictures: (width, height, ARGB32 bytes in network order)."""
        return [(w, h, bytes(data)) for w, h, data in self.get(connection, "IconPixmap")]

    def menu(self, connection: DBusConnection) -> DBusAddress:
        path = self.get(connection, "Menu")
        return DBusAddress(path, bus_name=self.service, interface="com.canonical.dbusmenu")


def registered_items(connection: DBusConnection) -> list[TrayItem]:
    """Every icon registered with the panel's watcher."""
    (variant,) = _call(connection, Properties(WATCHER).get("RegisteredStatusNotifierItems"))
    items = []
    for text in variant[1]:
        service, _, path = text.partition("/")
        items.append(TrayItem(service, "/" + path if path else "/StatusNotifierItem"))
    return items


def pid_of(connection: DBusConnection, service: str) -> int:
    (pid,) = _call(connection, new_method_call(BUS, "GetConnectionUnixProcessID", "s", (service,)))
    return int(pid)


def item_of_pid(connection: DBusConnection, pid: int) -> TrayItem | None:
    """The tray icon registered by process ``pid``, if any."""
    for item in registered_items(connection):
        try:
            if pid_of(connection, item.service) == pid:
                return item
        except RuntimeError:  # gone meanwhile
            continue
    return None


def menu_entries(connection: DBusConnection, menu: DBusAddress) -> dict[str, int]:
    """Every menu entry's label (mnemonic marks removed) -> its dbusmenu id, submenus too."""
    _revision, layout = _call(connection, new_method_call(menu, "GetLayout", "iias", (0, -1, [])))
    entries: dict[str, int] = {}

    def walk(node: tuple[int, dict[str, Any], list[Any]]) -> None:
        ident, props, children = node
        label = props.get("label")
        if label is not None:
            entries[str(label[1]).replace("_", "")] = ident
        for child in children:
            walk(child[1])

    walk(layout)
    return entries


def click_menu_entry(connection: DBusConnection, menu: DBusAddress, ident: int) -> None:
    """A click on a menu entry, as the panel sends it."""
    _call(connection, new_method_call(menu, "Event", "isvu", (ident, "clicked", ("i", 0), 0)))
