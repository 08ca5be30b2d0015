"""Connection state as plain values for the UI.

The UI reads states through here, never from ``beacon.pusher`` itself; the values are the
protocol's own six states, re-exported under the name the UI uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from beacon.pusher.states import ConnectionState as LinkState

__all__ = ["ConnectionInfo", "KeyringStatus", "LinkState"]


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

    @property
    def keyring_waiting(self) -> bool:
        return self.keyring is KeyringStatus.WAITING

    @property
    def healthy(self) -> bool:
        return self.state is LinkState.CONNECTED
