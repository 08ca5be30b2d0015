"""Presence against Soketi and the demo server: the panel's model follows a second client
joining and leaving, is right again after a server restart, and "Also viewing" joins and
leaves an open item's channel, which the server's users API confirms."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pusher
import pytest
from websockets.asyncio.client import ClientConnection, connect

from beacon.config.model import AccountSettings, AuthSettings, Config
from beacon.connect import StaticSecrets
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem, Priority
from beacon.pusher import Subscribed
from beacon.services.engine import EngineService
from beacon.services.presence import PresenceService
from beacon.store.history import History
from beacon.ui.details import DetailsPane
from beacon.ui.presence_panel import PresencePanel
from support.engine import Target, server_target
from support.publish import official_client
from support.soketi import Soketi

ROOM = "presence-room"
ANN = {"id": "ann", "info": {"name": "Ann Lee"}}
BOB = {"id": "bob", "info": {"name": "Bob Stone"}}
#: What the issue asks: the panel follows a join or a leave within this.
FOLLOW_SECONDS = 1.0


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


def _account(target: Target, name: str, user: dict[str, Any], *channels: str, **kw: Any) -> Any:
    return AccountSettings(
        name=name,
        key=target.key,
        host=target.host,
        port=target.port,
        tls=False,
        channels=channels,
        auth=AuthSettings(mode="sign", user=dict(user)),
        **kw,
    )


class Beacon:
    """One Beacon profile's engine service, presence service and panel."""

    def __init__(self, target: Target, tmp: Path, account: AccountSettings) -> None:
        self.config = Config(path=None, accounts=(account,))
        self.history = History(tmp / f"{account.name}.sqlite3")
        self.service = EngineService(
            self.config, self.history, StaticSecrets({account.name: target.secret})
        )
        self.presence = PresenceService(self.config, self.service)
        self.panel = PresencePanel()
        self.panel.set_channels(self.presence.watched())
        self.presence.membersChanged.connect(self.panel.set_members)
        self.closed = False
        self.changed = asyncio.Event()
        self.presence.membersChanged.connect(lambda *_: self.changed.set())
        self.presence.alsoViewingChanged.connect(lambda *_: self.changed.set())

    async def until(self, predicate: Callable[[], bool], timeout: float = 15.0) -> float:
        """Wait for ``predicate()``, checked whenever presence changes; the time it held."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()
        return time.monotonic()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        await self.service.close()
        self.history.close()


@asynccontextmanager
async def beacon(target: Target, tmp: Path, account: AccountSettings) -> AsyncIterator[Beacon]:
    app = Beacon(target, tmp, account)
    await app.service.start()
    try:
        yield app
    finally:
        await app.close()


class RawMember:
    """A second client that is not Beacon: a bare WebSocket, authorized by the official
    ``pusher`` library as a backend would (channel_data with the user)."""

    def __init__(self, target: Target, user: dict[str, Any]) -> None:
        self.target = target
        self.user = user
        self.ws: ClientConnection | None = None
        self.subscribed_at = 0.0  # when the subscribe was sent

    async def join(self, channel: str) -> None:
        url = f"ws://{self.target.host}:{self.target.port}/app/{self.target.key}?protocol=7"
        self.ws = await connect(url)
        hello = json.loads(await self.ws.recv())
        socket_id = json.loads(hello["data"])["socket_id"]
        client: pusher.Pusher = official_client(self.target)
        signed = client.authenticate(
            channel, socket_id, {"user_id": self.user["id"], "user_info": self.user["info"]}
        )
        # Timed from the request: the server's own work is part of what a user waits for.
        self.subscribed_at = time.monotonic()
        await self.ws.send(
            json.dumps({"event": "pusher:subscribe", "data": {"channel": channel, **signed}})
        )
        while True:
            message = json.loads(await self.ws.recv())
            if message.get("event") == "pusher_internal:subscription_succeeded":
                return

    async def leave(self) -> float:
        """Close the socket; the time the close began."""
        assert self.ws is not None
        began = time.monotonic()
        await self.ws.close()
        return began


def _names(app: Beacon, channel: str = ROOM) -> list[str]:
    return app.panel.model.names(app.config.accounts[0].name, channel)


async def users(target: Target, channel: str) -> set[str]:
    """The server's users API: ``GET /apps/{id}/channels/{channel}/users``."""
    answer = await asyncio.to_thread(official_client(target).users_info, channel)
    return {str(u["id"]) for u in answer["users"]}


async def test_the_panel_follows_a_second_client_within_a_second(
    target: Target, tmp_path: Path
) -> None:
    room = f"{ROOM}-{target.kind}-{time.monotonic_ns()}"
    async with beacon(target, tmp_path, _account(target, "mine", ANN, room)) as app:
        assert app.panel.model.channels() == [("mine", room)]
        await app.until(lambda: _names(app, room) == ["Ann Lee"])
        bob = RawMember(target, BOB)
        await bob.join(room)
        seen = await app.until(lambda: _names(app, room) == ["Ann Lee", "Bob Stone"])
        assert seen - bob.subscribed_at < FOLLOW_SECONDS
        left = await bob.leave()
        gone = await app.until(lambda: _names(app, room) == ["Ann Lee"])
        assert gone - left < FOLLOW_SECONDS
        assert app.presence.counts() == {("mine", room): 1}


#: A server going away on purpose: its goodbye (4200) is logged as a warning.
RESTART_WARNINGS = pytest.mark.expect_log_warnings(r"beacon\.(pusher|connect): ")


@RESTART_WARNINGS
async def test_after_a_demo_server_restart_the_list_is_right_again(
    demo_server: Any, tmp_path: Path
) -> None:
    target = Target.of("demo", demo_server)
    await _restart_test(target, tmp_path, demo_server.close, demo_server.start)


@RESTART_WARNINGS
@pytest.mark.timeout(120)
async def test_after_a_soketi_restart_the_list_is_right_again(
    soketi_factory: Callable[..., Soketi], tmp_path: Path
) -> None:
    server = soketi_factory()
    target = Target.of("soketi", server)

    async def stop() -> None:
        await asyncio.to_thread(server.terminate)

    async def start() -> None:
        await asyncio.to_thread(server.start)

    await _restart_test(target, tmp_path, stop, start)


async def _restart_test(
    target: Target,
    tmp_path: Path,
    stop: Callable[[], Awaitable[None]],
    start: Callable[[], Awaitable[None]],
) -> None:
    async with (
        beacon(target, tmp_path, _account(target, "mine", ANN, ROOM)) as app,
        beacon(target, tmp_path, _account(target, "other", BOB, ROOM)) as other,
    ):
        await app.until(lambda: _names(app) == ["Ann Lee", "Bob Stone"])
        await stop()
        # While the server is away the list is not known, so nobody is shown.
        await app.until(lambda: _names(app) == [])
        # The other profile quits meanwhile: no member_removed is ever sent for it, and
        # Bob must not come back with the list.
        await other.close()
        await start()
        await app.until(lambda: _names(app) == ["Ann Lee"], timeout=30)
        assert await users(target, ROOM) == {"ann"}


def _ticket(account: str, ticket_id: int) -> FeedItem:
    return FeedItem(
        account=account,
        channel="tickets",
        event="ticket.created",
        title=f"Ticket {ticket_id}",
        body="",
        url=None,
        priority=Priority.NORMAL,
        payload=json.dumps({"id": ticket_id, "subject": "Printer on fire"}),
        received_at=datetime.now(UTC),
        id=ticket_id,
    )


async def test_also_viewing_two_profiles_see_each_other_and_closing_leaves(
    target: Target, tmp_path: Path
) -> None:
    template = f"presence-ticket-{target.kind}-{time.monotonic_ns()}-{{id}}"
    ann_acct = _account(target, "ann", ANN, "tickets", item_presence=template)
    bob_acct = _account(target, "bob", BOB, "tickets", item_presence=template)
    channel = template.replace("{id}", "42")
    async with beacon(target, tmp_path, ann_acct) as ann, beacon(target, tmp_path, bob_acct) as bob:
        # Ann's details pane, wired as the app wires it.
        pane = DetailsPane()
        pane.itemOpened.connect(ann.presence.open_item)
        ann.presence.alsoViewingChanged.connect(pane.set_also_viewing)
        pane.show_item(_ticket("ann", 42))
        bob.presence.open_item(_ticket("bob", 42))
        await ann.until(lambda: ann.presence.also_viewing == ["Bob Stone"])
        await bob.until(lambda: bob.presence.also_viewing == ["Ann Lee"])
        assert pane.also_viewing.text() == "Also viewing: Bob Stone"
        assert await users(target, channel) == {"ann", "bob"}

        # Ann closes the item: she leaves the channel, and Bob sees her go.
        pane.show_item(None)
        assert ann.presence.held == []
        assert pane.also_viewing.isHidden()
        await bob.until(lambda: bob.presence.also_viewing == [])
        assert await users(target, channel) == {"bob"}

        # Opening one item after another holds one channel, never more than the cap.
        for n in range(100, 105):
            pane.show_item(_ticket("ann", n))
            assert len(ann.presence.held) <= ann_acct.item_presence_max
        last = template.replace("{id}", "104")
        assert ann.presence.held == [("ann", last)]
        await ann.until(lambda: ann.presence.members("ann", last) != [])
        for n in range(100, 104):
            assert "ann" not in await users(target, template.replace("{id}", str(n)))
        assert await users(target, last) == {"ann"}


@RESTART_WARNINGS
async def test_an_open_item_is_joined_again_after_a_reconnect(
    demo_server: Any, tmp_path: Path
) -> None:
    target = Target.of("demo", demo_server)
    template = "presence-ticket-{id}"
    account = _account(target, "ann", ANN, "tickets", item_presence=template)
    async with beacon(target, tmp_path, account) as ann:
        ann.presence.open_item(_ticket("ann", 7))
        demo_server.add_member("presence-ticket-7", "agent-3", {"name": "Marcus Lee"})
        await ann.until(lambda: ann.presence.also_viewing == ["Marcus Lee"])
        await demo_server.close()
        await ann.until(lambda: ann.presence.also_viewing == [])
        # Who views the ticket changes while Beacon is offline.
        demo_server.remove_member("presence-ticket-7", "agent-3")
        demo_server.add_member("presence-ticket-7", "agent-5", {"name": "Tomás García"})
        await demo_server.start()
        await ann.until(lambda: ann.presence.also_viewing == ["Tomás García"], timeout=30)
        assert await users(target, "presence-ticket-7") == {"ann", "agent-5"}


async def test_a_template_the_data_cannot_fill_joins_nothing(
    demo_server: Any, tmp_path: Path
) -> None:
    target = Target.of("demo", demo_server)
    account = _account(target, "ann", ANN, "tickets", item_presence="presence-ticket-{nope}")
    async with beacon(target, tmp_path, account) as ann:
        ann.presence.open_item(_ticket("ann", 9))
        assert ann.presence.held == []
        off = replace(account, item_presence_max=0, item_presence="presence-ticket-{id}")
        assert (
            PresenceService(Config(path=None, accounts=(off,)), ann.service).item_channel(
                _ticket("ann", 9)
            )
            is None
        )


async def test_a_reload_rejoins_the_open_item_or_lets_it_go(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    target = Target.of("demo", demo_server)
    account = _account(target, "ann", ANN, "tickets", item_presence="presence-ticket-{id}")
    async with beacon(target, tmp_path, account) as ann:
        joins: list[str] = []
        ann.service.add_protocol_observer(
            lambda _, ev: joins.append(ev.channel) if isinstance(ev, Subscribed) else None
        )
        ann.presence.open_item(_ticket("ann", 5))
        demo_server.add_member("presence-ticket-5", "agent-3", {"name": "Marcus Lee"})
        await ann.until(lambda: ann.presence.also_viewing == ["Marcus Lee"])

        # A changed account starts afresh with its configured channels: the open item's
        # channel is joined again.
        changed = replace(account, pong_timeout=20.0)
        await ann.service.apply_config(Config(path=None, accounts=(changed,)))
        await ann.until(lambda: joins.count("presence-ticket-5") == 2)
        await ann.until(lambda: ann.presence.also_viewing == ["Marcus Lee"])
        assert ann.presence.held == [("ann", "presence-ticket-5")]

        # item_presence taken out of the config: the channel is left.
        plain = replace(changed, item_presence=None)
        await ann.service.apply_config(Config(path=None, accounts=(plain,)))
        assert ann.presence.held == [] and ann.presence.also_viewing == []
        await demo_server.wait_for(lambda: "ann" not in demo_server.members("presence-ticket-5"))
