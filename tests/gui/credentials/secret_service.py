"""Lock and unlock the test desktop's gnome-keyring "login" collection over D-Bus.

``secret-tool lock --collection=login`` locks it but crashes on exit on Debian 12 (exit 139),
and ``gnome-keyring-daemon --unlock`` starts no unlock in an already running daemon, so
tests talk to the Secret Service directly: ``Lock``, then gnome-keyring's
``UnlockWithMasterPassword`` with the rig's password (no prompt involved).
"""

from __future__ import annotations

from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection

from support.desktop import KEYRING_PASSWORD

LOGIN = "/org/freedesktop/secrets/collection/login"
_SERVICE = DBusAddress(
    "/org/freedesktop/secrets",
    bus_name="org.freedesktop.secrets",
    interface="org.freedesktop.Secret.Service",
)
_INTERNAL = DBusAddress(
    "/org/freedesktop/secrets",
    bus_name="org.freedesktop.secrets",
    interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
)
_COLLECTION = DBusAddress(
    LOGIN, bus_name="org.freedesktop.secrets", interface="org.freedesktop.DBus.Properties"
)


def is_locked(bus: str = "SESSION") -> bool:
    with open_dbus_connection(bus=bus) as conn:
        reply = conn.send_and_get_reply(
            new_method_call(
                _COLLECTION, "Get", "ss", ("org.freedesktop.Secret.Collection", "Locked")
            )
        )
        _signature, value = reply.body[0]
        return bool(value)


def lock(bus: str = "SESSION") -> None:
    """Lock the login collection; ``bus`` is another session bus's address if given."""
    with open_dbus_connection(bus=bus) as conn:
        conn.send_and_get_reply(new_method_call(_SERVICE, "Lock", "ao", ([LOGIN],)))
    assert is_locked(bus)


def unlock() -> None:
    with open_dbus_connection(bus="SESSION") as conn:
        reply = conn.send_and_get_reply(
            new_method_call(_SERVICE, "OpenSession", "sv", ("plain", ("s", "")))
        )
        _output, session = reply.body
        secret = (session, b"", KEYRING_PASSWORD.encode(), "text/plain")
        conn.send_and_get_reply(
            new_method_call(_INTERNAL, "UnlockWithMasterPassword", "o(oayays)", (LOGIN, secret))
        )
    assert not is_locked()
