"""Helpers for engine tests against real servers: a recording Engine and a publisher.

Imported by tests/integration/connect and the listen tests.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pusher
import pytest

from beacon.config.model import AccountSettings, AuthSettings
from beacon.connect import AccountStatus, Engine, ReceivedEvent, SecretSource, StaticSecrets
from beacon.pusher import ConnectionState, ProtocolEvent
from support.publish import official_client

MASTER_KEY = base64.b64encode(bytes(range(32))).decode()
USER = {"id": "ann", "info": {"name": "Ann"}}


@dataclass
class Target:
    """One server under test: where it is, how to publish to it, how to message a user."""

    kind: str  # "soketi" or "demo"
    host: str
    port: int
    app_id: str
    key: str
    secret: str
    server: Any  # the fixture's object, for fault hooks

    @classmethod
    def of(cls, kind: str, server: Any) -> Target:
        """The target for a running server fixture (or process) of ``kind``."""
        return cls(kind, server.host, server.port, server.app_id, server.key, server.secret, server)

    def publisher(self) -> pusher.Pusher:
        return official_client(self, master_key=base64.b64decode(MASTER_KEY))

    async def publish(self, channel: str, event: str, data: Any) -> None:
        """Through the HTTP API with the official ``pusher`` library, as a backend would."""
        await asyncio.to_thread(self.publisher().trigger, channel, event, data)

    async def send_to_user(self, user_id: str, event: str, data: Any) -> None:
        """The official library's ``send_to_user``, over HTTP, on either server."""
        await asyncio.to_thread(self.publisher().send_to_user, user_id, event, data)


def server_target(request: pytest.FixtureRequest) -> Target:
    """For a fixture parametrized over "soketi" and "demo": the running server of that kind."""
    kind: str = request.param
    return Target.of(kind, request.getfixturevalue("soketi" if kind == "soketi" else "demo_server"))


def account(
    target: Target, *channels: str, name: str = "acct", **overrides: Any
) -> AccountSettings:
    settings: dict[str, Any] = {
        "name": name,
        "key": target.key,
        "host": target.host,
        "port": target.port,
        "tls": False,
        "channels": channels,
        "auth": AuthSettings(mode="sign", user=dict(USER)),
    }
    settings.update(overrides)
    return AccountSettings(**settings)


@dataclass
class Recorder:
    """An Engine plus everything it reported, with ways to await what is expected."""

    accounts: Sequence[AccountSettings]
    secret: str
    channel_overrides: Sequence[str] = ()
    # More Engine keywords: an injected backoff, sleep clock, ...
    engine_options: dict[str, Any] = field(default_factory=dict, kw_only=True)
    # Where secrets come from, instead of ``secret`` for every account (e.g. none at all).
    secrets: SecretSource | None = field(default=None, kw_only=True)
    events: list[ReceivedEvent] = field(default_factory=list)
    statuses: list[AccountStatus] = field(default_factory=list)
    protocol: list[tuple[str, ProtocolEvent]] = field(default_factory=list)
    engine: Engine = field(init=False)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        names = [a.name for a in self.accounts]
        secrets = self.secrets or StaticSecrets(
            dict.fromkeys(names, self.secret), dict.fromkeys(names, MASTER_KEY)
        )
        self.engine = Engine(
            self.accounts,
            secrets,
            self._on_event,
            self._on_status,
            self.channel_overrides,
            on_protocol=self._on_protocol,
            **self.engine_options,
        )

    def _on_event(self, event: ReceivedEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def _on_status(self, status: AccountStatus) -> None:
        self.statuses.append(status)
        self._changed.set()

    def _on_protocol(self, account: str, event: ProtocolEvent) -> None:
        self.protocol.append((account, event))
        self._changed.set()

    async def __aenter__(self) -> Recorder:
        await self.engine.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.engine.close()

    async def until(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked after every report); return it."""
        async with asyncio.timeout(timeout):
            while True:
                result = predicate()
                if result:
                    return result
                self._changed.clear()
                await self._changed.wait()

    async def event(self, event: str, channel: str | None = None, **kw: Any) -> ReceivedEvent:
        def find() -> ReceivedEvent | None:
            for e in self.events:
                if e.event == event and (channel is None or e.channel == channel):
                    return e
            return None

        found: ReceivedEvent = await self.until(find, **kw)
        return found

    async def protocol_event(
        self,
        kind: type[Any],
        account: str | None = None,
        start: int = 0,
        timeout: float = 15.0,
        **match: Any,
    ) -> Any:
        def find() -> Any:
            for name, ev in self.protocol[start:]:
                if isinstance(ev, kind) and (account is None or name == account):
                    if all(getattr(ev, k) == v for k, v in match.items()):
                        return ev
            return None

        return await self.until(find, timeout)

    async def state(
        self, state: ConnectionState, account: str = "acct", start: int = 0, **kw: Any
    ) -> AccountStatus:
        def find() -> AccountStatus | None:
            for s in self.statuses[start:]:
                if s.account == account and s.state is state:
                    return s
            return None

        found: AccountStatus = await self.until(find, **kw)
        return found
