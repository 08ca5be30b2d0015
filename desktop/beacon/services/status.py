"""Connection state as plain values for the UI.

The UI reads states through here, never from ``beacon.pusher`` itself; the values are the
protocol's own six states, re-exported under the name the UI uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from beacon.pusher.states import ConnectionState as LinkState

__all__ = ["ConnectionInfo", "LinkState"]


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

    @property
    def healthy(self) -> bool:
        return self.state is LinkState.CONNECTED
