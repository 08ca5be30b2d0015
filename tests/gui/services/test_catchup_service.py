"""Catch-up in the app's write path: a real gap on a real server, a catch-up endpoint that
kept what was published, and the history afterwards (DESIGN.md "Catch-up").

The connection runs through a TCP proxy that cuts it and refuses reconnects; events are
published meanwhile through the server's HTTP API (Soketi and the demo server), and the
test's catch-up endpoint keeps them as a backend would. Live events must never wait for a
catch-up, and a failing endpoint must never touch the connection.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from beacon.config.model import AccountSettings, CatchupSettings, Config
from beacon.connect import StaticSecrets
from beacon.connect.catchup import CatchUp
from beacon.feed.item import FeedItem
from beacon.pusher import ConnectionState
from beacon.services.engine import EngineService
from beacon.services.status import ConnectionInfo
from beacon.store.history import History
from support.catchup import CatchupServer
from support.engine import Target, server_target
from support.feedapp import wait_until
from support.proxy import TcpProxy

SECRET = "s3cret-value"


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


def fast_catchup(**kwargs: Any) -> CatchUp:
    # Retries a tenth of a second apart and a short deadline: the tests wait for retries.
    return CatchUp(
        **kwargs,
        backoff=lambda: itertools.repeat(0.1),
        timeout=1.5,
        max_bytes=256 * 1024,
    )


class Running:
    """An EngineService on one account, what it emitted, and a way to publish."""

    def __init__(self, target: Target, port: int, endpoint: CatchupServer, tmp_path: Path) -> None:
        self.target = target
        self.endpoint = endpoint
        self.channel = f"catchup-{uuid.uuid4().hex[:8]}"
        account = AccountSettings(
            name="acct",
            key=target.key,
            host=target.host,
            port=port,
            tls=False,
            channels=(self.channel,),
            catchup=CatchupSettings(url=endpoint.url, headers={"Authorization": "Bearer {secret}"}),
        )
        self.history = History(tmp_path / "history.sqlite3")
        self.service = EngineService(
            Config(path=None, accounts=(account,)),
            self.history,
            StaticSecrets({"acct": SECRET}),
            catchup_factory=fast_catchup,
        )
        self.items: list[FeedItem] = []
        self.states: list[ConnectionInfo] = []
        self.service.itemsAdded.connect(self.items.extend)
        self.service.statusChanged.connect(self.states.append)

    async def publish(
        self, n: int, kind: str, *, live: bool = True, with_id: bool = True, **extra: Any
    ) -> None:
        data = {"id": n, "subject": f"{kind} {n}", **extra}
        if not with_id:
            del data["id"]
        self.endpoint.record(self.channel, "ticket.created", data)  # the backend keeps it
        if live:
            await self.target.publish(self.channel, "ticket.created", data)

    def titled(self, kind: str) -> list[FeedItem]:
        return [i for i in self.items if i.title.startswith(f"{kind} ")]

    @property
    def state(self) -> ConnectionInfo:
        return self.states[-1]


@pytest.fixture
async def proxy(target: Target, tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]]) -> TcpProxy:
    return await tcp_proxy(target.host, target.port)


@contextlib.asynccontextmanager
async def started(
    target: Target, proxy: TcpProxy, endpoint: CatchupServer, tmp_path: Path
) -> AsyncIterator[Running]:
    # Started in the test itself, not in a fixture: qasync runs tasks only while the
    # test's own coroutine runs the loop.
    run = Running(target, proxy.port, endpoint, tmp_path)
    await run.service.start()
    try:
        yield run
    finally:
        await run.service.close()
        run.history.close()


async def test_catch_up_across_a_real_gap(
    target: Target, proxy: TcpProxy, catchup_server: CatchupServer, tmp_path: Path
) -> None:
    async with started(target, proxy, catchup_server, tmp_path) as run:
        # At start, once subscribed: the first catch-up (nothing to catch up yet).
        first = await run.endpoint.wait_requests(1)
        assert first.headers["authorization"] == f"Bearer {SECRET}"
        assert ("channel", run.channel) in first.query
        for n in range(1, 6):
            await run.publish(n, "before")
        await wait_until(lambda: len(run.titled("before")) == 5, timeout=15)

        # The gap: the link drops and every reconnect is turned away.
        proxy.refuse = True
        proxy.cut()
        await wait_until(lambda: run.state.state is not ConnectionState.CONNECTED, timeout=15)
        for n in range(100, 150):
            await run.publish(n, "missed")

        # Back: the catch-up request is held while live events flow, and they overlap it.
        run.endpoint.hold()
        proxy.refuse = False
        run.service.wake()
        second = await run.endpoint.wait_requests(2, timeout=30)
        for n in range(200, 205):
            await run.publish(n, "overlap")
        # Live events do not wait for the catch-up that is under way.
        await wait_until(lambda: len(run.titled("overlap")) == 5, timeout=15)
        assert run.titled("missed") == []
        run.endpoint.release()
        await wait_until(lambda: len(run.titled("missed")) == 50, timeout=15)
        await run.service.flush()

        stored = list(reversed(run.history.page(limit=1000)))
        titles = [i.title for i in stored]
        assert len(titles) == len(set(titles)) == 60, titles
        missed = [i for i in stored if i.title.startswith("missed ")]
        assert [i.title for i in missed] == [f"missed {n}" for n in range(100, 150)]
        assert all(i.catchup for i in missed)
        assert not any(i.catchup for i in stored if not i.title.startswith("missed "))
        # since: the newest stored item (the last "before") less the minute of margin.
        since = dict(second.query)["since"]
        newest = max(i.received_at for i in stored if i.title.startswith("before "))
        assert since < newest.strftime("%Y-%m-%dT%H:%M:%S")
        assert run.state.state is ConnectionState.CONNECTED


@pytest.mark.parametrize(
    ("mode", "reported"),
    [
        ("500", "the endpoint answered 500"),
        ("hang", "no complete answer within 1.5 s"),
        ("malformed", "the answer is not JSON"),
        ("huge", "the answer is larger than 256 KiB"),
    ],
)
@pytest.mark.expect_log_warnings(r"beacon\.connect: acct: catch-up failed: ")
@pytest.mark.parametrize("target", ["demo"], indirect=True)
async def test_a_failing_endpoint_never_touches_the_connection(
    target: Target,
    proxy: TcpProxy,
    catchup_server: CatchupServer,
    tmp_path: Path,
    mode: str,
    reported: str,
) -> None:
    async with started(target, proxy, catchup_server, tmp_path) as run:
        run.endpoint.mode = mode
        await run.endpoint.wait_requests(2, timeout=20)  # failed once, and retried
        await wait_until(lambda: "catch-up failed" in run.state.detail, timeout=15)
        assert reported in run.state.detail
        assert run.state.state is ConnectionState.CONNECTED
        await run.publish(1, "live")
        await wait_until(lambda: len(run.titled("live")) == 1, timeout=15)

        # The endpoint recovers: the retry brings what was missed, and the problem goes.
        await run.publish(2, "missed", live=False)
        run.endpoint.mode = "ok"
        await wait_until(lambda: len(run.titled("missed")) == 1, timeout=15)
        await wait_until(lambda: "catch-up failed" not in run.state.detail, timeout=15)
        assert run.state.state is ConnectionState.CONNECTED
        assert run.titled("missed")[0].catchup
        assert not run.titled("live")[0].catchup
        assert len(run.titled("live")) == 1  # the retry's answer held it too: not shown twice


@pytest.mark.parametrize("target", ["demo"], indirect=True)
async def test_event_data_is_never_a_template_for_the_secret(
    target: Target, proxy: TcpProxy, catchup_server: CatchupServer, tmp_path: Path
) -> None:
    async with started(target, proxy, catchup_server, tmp_path) as run:
        await run.endpoint.wait_requests(1)
        hostile = {
            "body": "{secret} and {{secret}}\r\nX-Injected: yes\r\n\r\nGET /evil HTTP/1.1",
            "url": "http://evil.example@127.0.0.1:1/{secret}",
        }
        await run.publish(1, "{secret}", live=False, **hostile)
        # A reconnect asks again, and gets the hostile event.
        proxy.cut()
        await run.endpoint.wait_requests(2, timeout=30)
        await wait_until(lambda: len(run.titled("{secret}")) == 1, timeout=15)
        item = run.titled("{secret}")[0]
        assert item.title == "{secret} 1"
        for text in (item.title, item.body, item.payload, item.url or ""):
            assert SECRET not in text
        # And the request after it carries exactly the configured header, nothing injected.
        proxy.cut()
        third = await run.endpoint.wait_requests(3, timeout=30)
        assert third.headers["authorization"] == f"Bearer {SECRET}"
        assert "x-injected" not in third.headers
        assert third.target.startswith("/missed?")
        assert {k for k, _v in third.query} == {"since", "channel"}
        assert all(r.target.count("/missed") == 1 for r in run.endpoint.requests)


@pytest.mark.parametrize("target", ["demo"], indirect=True)
async def test_events_without_an_id_are_not_shown_twice(
    target: Target, proxy: TcpProxy, catchup_server: CatchupServer, tmp_path: Path
) -> None:
    """No ``id``, no identity in the history's index: catch-up compares the data instead."""
    async with started(target, proxy, catchup_server, tmp_path) as run:
        await run.endpoint.wait_requests(1)
        for n in range(1, 4):
            await run.publish(n, "anon", with_id=False)
        await wait_until(lambda: len(run.titled("anon")) == 3, timeout=15)
        await run.publish(9, "gone", with_id=False, live=False)
        proxy.cut()
        await run.endpoint.wait_requests(2, timeout=30)
        await wait_until(lambda: len(run.titled("gone")) == 1, timeout=15)
        await run.service.flush()
        titles = [i.title for i in run.history.page(limit=100)]
        assert sorted(titles) == ["anon 1", "anon 2", "anon 3", "gone 9"]
        assert run.titled("gone")[0].catchup
