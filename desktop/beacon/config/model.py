"""The settings Beacon runs on, as typed, immutable values.

``config.load`` builds these from the TOML file; everything else only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

AuthMode = Literal["endpoint", "sign"]
NotifyMode = Literal["popup", "feed", "mute"]
PriorityName = Literal["low", "normal", "high", "urgent"]


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """``[account.auth]``: how private, presence and encrypted channels are authorized."""

    mode: AuthMode
    endpoint: str | None = None
    # Header templates; "{secret}" is replaced by the account's keyring secret.
    headers: dict[str, str] = field(default_factory=dict)
    # Presence channel_data / sign-in user for mode "sign": {"id": ..., "info": {...}}.
    user: dict[str, Any] | None = None

    @property
    def needs_secret(self) -> bool:
        """Whether authorizing needs the keyring secret at all."""
        if self.mode == "sign":
            return True
        return any("{secret}" in value for value in self.headers.values())


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One ``[[account]]``: a connection to one app on one server."""

    name: str
    key: str
    channels: tuple[str, ...] = ()
    cluster: str | None = None
    host: str | None = None
    port: int | None = None
    tls: bool = True
    ca_file: Path | None = None
    auth: AuthSettings | None = None
    # Seconds; None takes the server's activity_timeout. Tests make these short.
    activity_timeout: float | None = None
    pong_timeout: float = 30.0
    # Sign in with pusher:signin after connecting (needs auth.user in mode "sign").
    signin: bool = False

    def url(self, version: str) -> str:
        """The WebSocket URL, per DESIGN.md "Protocol"."""
        query = f"protocol=7&client=beacon&version={version}"
        if self.host is not None:
            scheme = "wss" if self.tls else "ws"
            port = self.port if self.port is not None else (443 if self.tls else 80)
            host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
            return f"{scheme}://{host}:{port}/app/{self.key}?{query}"
        cluster = self.cluster or "mt1"
        return f"wss://ws-{cluster}.pusher.com/app/{self.key}?{query}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``[[rule]]``: the first rule that matches an event decides how it is shown."""

    account: str | None = None
    channel: str = "*"
    event: str = "*"
    notify: NotifyMode = "popup"
    title: str | None = None
    body: str | None = None
    url: str | None = None
    priority: PriorityName = "normal"


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    quiet_hours: tuple[str, str] | None = None  # ("22:00", "07:00")
    keywords: tuple[str, ...] = ()
    coalesce_count: int = 5
    coalesce_seconds: float = 10.0
    sound: bool = True  # a sound with each popup


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """``[feed]``: history retention and update-bar behaviour."""

    retention_count: int = 100_000
    retention_days: int = 90
    # True: new items always wait behind the update bar, even at the top and idle.
    always_hold: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    accounts: tuple[AccountSettings, ...] = ()
    rules: tuple[Rule, ...] = ()
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)

    def account(self, name: str) -> AccountSettings | None:
        return next((a for a in self.accounts if a.name == name), None)
