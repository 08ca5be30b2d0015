"""Action buttons end to end: a POST that a real HTTP server records, a client event that
another real client receives, and the limits (rate, timeout, no retry, no template tricks).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio

from beacon.config.model import AccountSettings, Action, AuthSettings
from beacon.connect import StaticSecrets
from beacon.pusher import Subscribed
from beacon.services.actions import Actions, post_url
from support.engine import Recorder, Target, account, server_target

SECRET = "act-secret-1"
NOON = datetime(2026, 11, 27, 14, 2)


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    body: Any


class Backend:
    """A helpdesk API: records each POST and answers with ``status`` and ``text``;
    ``hang`` answers nothing."""

    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.status = 200
        self.text = "{}"
        self.hang = False
        self.port = 0
        self._stop = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.posted.append(Posted(head[0].split(" ")[1], headers, json.loads(body)))
            if self.hang:
                await self._stop.wait()
                return
            payload = self.text.encode()
            writer.write(
                f"HTTP/1.1 {self.status} X\r\nContent-Length: {len(payload)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.close()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=5)


@pytest_asyncio.fixture
async def backend() -> AsyncIterator[Backend]:
    server = Backend()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def _claim(backend: Backend) -> Action:
    return Action(
        label="Claim",
        post=f"http://127.0.0.1:{backend.port}/api/tickets/{{id}}/claim",
        headers={"Authorization": "Bearer {secret}", "X-Team": "support"},
    )


def _account() -> AccountSettings:
    return AccountSettings(name="support", key="k", host="127.0.0.1", port=1, tls=False)


def _unused_client_event(*_args: Any) -> None:
    raise AssertionError("a post action sent a client event")


def _actions(**kwargs: Any) -> Actions:
    return Actions(
        [_account()], StaticSecrets({"support": SECRET}), _unused_client_event,
        now=lambda: NOON, **kwargs,
    )  # fmt: skip


async def test_post_sends_the_event_with_the_secret_header(backend: Backend) -> None:
    actions = _actions()
    try:
        data = {"id": 42, "subject": "Printer on fire"}
        result = await actions.run("support", _claim(backend), "tickets", "ticket.created", data)
    finally:
        await actions.close()
    assert result.ok and result.text == "Claim done 14:02"
    (posted,) = backend.posted
    assert posted.path == "/api/tickets/42/claim"
    assert posted.headers["authorization"] == f"Bearer {SECRET}"
    assert posted.headers["x-team"] == "support"
    assert posted.headers["content-type"] == "application/json"
    assert posted.body == {
        "account": "support", "channel": "tickets", "event": "ticket.created", "data": data,
    }  # fmt: skip


@pytest.mark.expect_log_warnings(r"beacon\.services: action '\w+' failed: ")
async def test_a_refused_action_says_why_and_is_not_retried(backend: Backend) -> None:
    backend.status, backend.text = 409, "already\r\nclaimed"
    actions = _actions()
    try:
        result = await actions.run("support", _claim(backend), "tickets", "e", {"id": 1})
    finally:
        await actions.close()
    assert not result.ok
    assert result.text == "Claim failed: 409 already claimed"
    assert len(backend.posted) == 1


@pytest.mark.expect_log_warnings(r"beacon\.services: action '\w+' failed: ")
async def test_a_hanging_endpoint_times_out_once(backend: Backend) -> None:
    backend.hang = True
    actions = _actions(timeout=0.5)
    try:
        result = await actions.run("support", _claim(backend), "tickets", "e", {"id": 1})
    finally:
        await actions.close()
    assert result.text == "Claim failed: no answer within 0.5 s"
    assert len(backend.posted) == 1


@pytest.mark.expect_log_warnings(r"beacon\.services: action '\w+' failed: ")
async def test_presses_are_rate_limited(backend: Backend) -> None:
    now = [1000.0]
    actions = _actions(max_per_minute=3, clock=lambda: now[0])
    try:
        results = [
            await actions.run("support", _claim(backend), "tickets", "e", {"id": n})
            for n in range(4)
        ]
        assert [r.ok for r in results] == [True, True, True, False]
        assert results[3].text == "Claim failed: too many presses; wait a minute"
        assert len(backend.posted) == 3
        now[0] += 61
        assert (await actions.run("support", _claim(backend), "tickets", "e", {"id": 9})).ok
    finally:
        await actions.close()
    assert len(backend.posted) == 4


async def test_event_data_cannot_move_the_post_or_reach_the_secret(backend: Backend) -> None:
    hostile = [
        "../../admin?x=1#frag",
        "{secret}",
        "a\r\nX-Injected: yes",
        "@evil.example:80/",
        "%2e%2e/admin",
    ]
    actions = _actions()
    try:
        for value in hostile:
            data = {"id": value, "subject": "{secret}", "note": "\r\nX-Injected: yes"}
            result = await actions.run("support", _claim(backend), "tickets", "e", data)
            assert result.ok, result.text
    finally:
        await actions.close()
    assert len(backend.posted) == len(hostile)
    for posted in backend.posted:
        assert posted.path.startswith("/api/tickets/") and posted.path.endswith("/claim")
        assert posted.path.count("/") == 4  # the value stayed one path segment
        assert SECRET not in posted.path
        assert "x-injected" not in posted.headers
        assert posted.headers["authorization"] == f"Bearer {SECRET}"
        assert posted.body["data"]["subject"] == "{secret}"  # data, never a template
    # A template that hands the host to the data is refused by the config; should one
    # get through, the rendered URL is checked again.
    assert post_url("http://{host}/x", {"host": "evil.example"}) is None
    assert post_url("http://127.0.0.1:1/{id}", {"id": "a b"}) == "http://127.0.0.1:1/a%20b"


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


@pytest.mark.expect_log_warnings(r"beacon\.services: action '\w+' failed: ")
async def test_client_event_reaches_another_client(target: Target) -> None:
    ann = account(target, "presence-desk", name="ann")
    bob = account(target, "presence-desk", name="bob",
                  auth=AuthSettings(mode="sign", user={"id": "bob", "info": {}}))  # fmt: skip
    ack = Action(label="Ack", client_event="client-ack", channel="presence-desk")
    elsewhere = Action(label="Ack", client_event="client-ack", channel="presence-other")
    async with Recorder([ann, bob], target.secret) as rec:
        await rec.protocol_event(Subscribed, account="ann", channel="presence-desk")
        await rec.protocol_event(Subscribed, account="bob", channel="presence-desk")
        actions = Actions([ann, bob], StaticSecrets({}), rec.engine.send_client_event,
                          now=lambda: NOON)  # fmt: skip
        try:
            data = {"id": 7, "subject": "Ticket 7"}
            result = await actions.run("ann", ack, "tickets", "ticket.created", data)
            assert result.ok and result.text == "Ack done 14:02"
            event = await rec.event("client-ack")
            assert event.account == "bob" and event.channel == "presence-desk"
            assert event.data == {"channel": "tickets", "event": "ticket.created", "data": data}
            refused = await actions.run("ann", elsewhere, "tickets", "ticket.created", data)
            assert not refused.ok and refused.text.startswith("Ack failed: ")
        finally:
            await actions.close()
