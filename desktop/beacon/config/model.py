"""The settings Beacon runs on, as typed, immutable values.

``config.load`` builds these from the TOML file; everything else only reads them. Every
default is the option's declared one in ``options.py``: a default is stated once, there, and
these dataclasses, the loader and ``docs/config.md`` all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from beacon.config import options as opt

AuthMode = Literal["endpoint", "sign"]
NotifyMode = Literal["popup", "feed", "mute"]
PriorityName = Literal["low", "normal", "high", "urgent"]


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """``[account.auth]``: how private, presence and encrypted channels are authorized."""

    mode: AuthMode
    endpoint: str | None = opt.AUTH["endpoint"].default
    # Header templates; "{secret}" is replaced by the account's keyring secret.
    headers: dict[str, str] = field(default_factory=lambda: opt.default(opt.AUTH, "headers"))
    # Presence channel_data / sign-in user for mode "sign": {"id": ..., "info": {...}}.
    user: dict[str, Any] | None = opt.AUTH["user"].default

    @property
    def needs_secret(self) -> bool:
        """Whether authorizing needs the keyring secret at all."""
        if self.mode == "sign":
            return True
        return any("{secret}" in value for value in self.headers.values())


@dataclass(frozen=True, slots=True)
class CatchupSettings:
    """``[account.catchup]``: where to ask for the events missed while offline."""

    url: str
    # Header templates; "{secret}" is replaced by the account's keyring secret.
    headers: dict[str, str] = field(default_factory=lambda: opt.default(opt.CATCHUP, "headers"))

    @property
    def needs_secret(self) -> bool:
        return any("{secret}" in value for value in self.headers.values())


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One ``[[account]]``: a connection to one app on one server."""

    name: str
    key: str
    channels: tuple[str, ...] = opt.ACCOUNT["channels"].default
    cluster: str | None = opt.ACCOUNT["cluster"].default
    host: str | None = opt.ACCOUNT["host"].default
    port: int | None = opt.ACCOUNT["port"].default
    tls: bool = opt.ACCOUNT["tls"].default
    ca_file: Path | None = opt.ACCOUNT["ca_file"].default
    # Credentials over plain ws:// or http:// to another machine (config/transport.py).
    allow_insecure: bool = opt.ACCOUNT["allow_insecure"].default
    auth: AuthSettings | None = opt.ACCOUNT["auth"].default
    # Seconds; None takes the server's activity_timeout. Tests make these short.
    activity_timeout: float | None = opt.ACCOUNT["activity_timeout"].default
    pong_timeout: float = opt.ACCOUNT["pong_timeout"].default
    # Sign in with pusher:signin after connecting (needs auth.user in mode "sign").
    signin: bool = opt.ACCOUNT["signin"].default
    catchup: CatchupSettings | None = opt.ACCOUNT["catchup"].default
    # Joined while an item is open in the details pane ("Also viewing"); a template.
    item_presence: str | None = opt.ACCOUNT["item_presence"].default
    item_presence_max: int = opt.ACCOUNT["item_presence_max"].default

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
class Action:
    """One button of a ``[[rule]]``: a templated POST, or a client event."""

    label: str
    post: str | None = opt.ACTION["post"].default
    # Header templates for post; "{secret}" is replaced by the account's keyring secret.
    headers: dict[str, str] = field(default_factory=lambda: opt.default(opt.ACTION, "headers"))
    client_event: str | None = opt.ACTION["client_event"].default
    channel: str | None = opt.ACTION["channel"].default


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``[[rule]]``: the first rule that matches an event decides how it is shown."""

    account: str | None = opt.RULE["account"].default
    channel: str = opt.RULE["channel"].default
    event: str = opt.RULE["event"].default
    notify: NotifyMode = opt.RULE["notify"].default
    title: str | None = opt.RULE["title"].default
    body: str | None = opt.RULE["body"].default
    url: str | None = opt.RULE["url"].default
    priority: PriorityName = opt.RULE["priority"].default
    actions: tuple[Action, ...] = opt.RULE["actions"].default


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """One ``[[signal]]``: a command (``run``, an argv of templates) or a webhook
    (``post``) for each matching event; exactly one of the two is set."""

    account: str | None = opt.SIGNAL["account"].default
    channel: str = opt.SIGNAL["channel"].default
    event: str = opt.SIGNAL["event"].default
    run: tuple[str, ...] | None = opt.SIGNAL["run"].default
    post: str | None = opt.SIGNAL["post"].default
    max_per_minute: int = opt.SIGNAL["max_per_minute"].default
    timeout: float = opt.SIGNAL["timeout"].default


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """``[notifications]``; ``coalesce_*`` are its ``coalesce = { count, seconds }``."""

    quiet_hours: tuple[str, str] | None = opt.NOTIFICATIONS["quiet_hours"].default
    keywords: tuple[str, ...] = opt.NOTIFICATIONS["keywords"].default
    coalesce_count: int = opt.COALESCE["count"].default
    coalesce_seconds: float = opt.COALESCE["seconds"].default
    sound: bool = opt.NOTIFICATIONS["sound"].default
    away_minutes: float = opt.NOTIFICATIONS["away_minutes"].default


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """``[feed]``: history retention and update-bar behaviour."""

    retention_count: int = opt.FEED["retention_count"].default
    retention_days: int = opt.FEED["retention_days"].default
    # True: new items always wait behind the update bar, even at the top and idle.
    always_hold: bool = opt.FEED["always_hold"].default


@dataclass(frozen=True, slots=True)
class InterfaceSettings:
    """``[interface]``: the language; empty follows the system's."""

    language: str = opt.INTERFACE["language"].default


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    accounts: tuple[AccountSettings, ...] = opt.ROOT["account"].default
    rules: tuple[Rule, ...] = opt.ROOT["rule"].default
    signals: tuple[SignalSpec, ...] = opt.ROOT["signal"].default
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)
    interface: InterfaceSettings = field(default_factory=InterfaceSettings)

    def account(self, name: str) -> AccountSettings | None:
        return next((a for a in self.accounts if a.name == name), None)
