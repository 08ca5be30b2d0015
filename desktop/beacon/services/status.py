"""Connection state as plain values for the UI.

The UI reads states through here, never from ``beacon.pusher`` itself; the values are the
protocol's own six states, re-exported under the name the UI uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from beacon.pusher.states import ConnectionState as LinkState
from beacon.pusher.states import down_detail

__all__ = [
    "NOT_CONNECTED_YET",
    "ConnectionInfo",
    "KeyringStatus",
    "LinkState",
    "detail_words",
    "down_detail",
    "state_words",
]

# The protocol's state names as the window and the tray say them, in the user's language.
_STATE_WORDS = {
    LinkState.INITIALIZED: str(QT_TRANSLATE_NOOP("ConnectionState", "initialized")),
    LinkState.CONNECTING: str(QT_TRANSLATE_NOOP("ConnectionState", "connecting")),
    LinkState.CONNECTED: str(QT_TRANSLATE_NOOP("ConnectionState", "connected")),
    LinkState.UNAVAILABLE: str(QT_TRANSLATE_NOOP("ConnectionState", "unavailable")),
    LinkState.FAILED: str(QT_TRANSLATE_NOOP("ConnectionState", "failed")),
    LinkState.DISCONNECTED: str(QT_TRANSLATE_NOOP("ConnectionState", "disconnected")),
}


class KeyringStatus(Enum):
    """Where an account's keyring read stands, beside its connection state."""

    OK = "ok"
    #: A read has waited past a short grace: most likely on an unlock prompt.
    WAITING = "waiting"
    #: The keyring stayed locked (the wait was cancelled, or the prompt dismissed); no
    #: read is tried again until the user asks or the secrets change.
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """One account's connection as the window and tray show it."""

    account: str
    state: LinkState
    detail: str = ""
    needs_login: bool = False
    # What the account sends unencrypted to another machine because its config allows
    # it (allow_insecure = true), in words; empty for an account that sends nothing so.
    insecure: tuple[str, ...] = ()
    keyring: KeyringStatus = KeyringStatus.OK
    # What the user can do about the problem the detail names, in their language
    # ("Fix: set ca_file ..."); empty when there is nothing to fix (or the detail says it).
    fix: str = ""

    @property
    def keyring_waiting(self) -> bool:
        return self.keyring is KeyringStatus.WAITING

    @property
    def healthy(self) -> bool:
        return self.state is LinkState.CONNECTED


def state_words(info: ConnectionInfo, *, plain: bool = False) -> str:
    """The account's state in words: "needs login" before the state itself, unless
    ``plain``; in the user's language (the English words are the protocol's)."""
    if info.needs_login and not plain:
        return QCoreApplication.translate("ConnectionState", "needs login")
    english = _STATE_WORDS.get(info.state, str(info.state.value))
    return QCoreApplication.translate("ConnectionState", english)


#: The detail of an account that has not tried to connect yet (the engine's, the tray's).
NOT_CONNECTED_YET = str(QT_TRANSLATE_NOOP("ConnectionState", "not connected yet"))


def detail_words(info: ConnectionInfo) -> str:
    """The account's detail line in the user's language where it is one of Beacon's fixed
    words (the state's own name, "not connected yet"). Other details are the connection's
    diagnostics (a server's message, an OS error) and are shown as they came."""
    detail = info.detail
    if not detail or detail == info.state.value:
        return state_words(info, plain=True)
    if detail == NOT_CONNECTED_YET:
        return QCoreApplication.translate("ConnectionState", NOT_CONNECTED_YET)
    return detail
