"""Connection state as plain values for the UI (no engine or protocol imports)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class LinkState(Enum):
    """The protocol's connection states (DESIGN.md), by the same names."""

    INITIALIZED = "initialized"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"
    DISCONNECTED = "disconnected"

    @classmethod
    def parse(cls, value: object) -> LinkState:
        """From the engine's state enum, or its name; unknown values read as unavailable."""
        text = str(getattr(value, "value", value)).lower()
        try:
            return cls(text)
        except ValueError:
            return cls.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """One account's connection as the window and tray show it."""

    account: str
    state: LinkState
    detail: str = ""
    needs_login: bool = False

    @property
    def healthy(self) -> bool:
        return self.state is LinkState.CONNECTED
