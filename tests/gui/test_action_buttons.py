"""Action buttons in the running app: the details pane's row and the popup's extra
actions, against the demo server (Claim publishes ``ticket.assigned``), a recording HTTP
server (a ``post`` with the secret header), and a client event; the result stays on the
item across a restart of the app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from beacon.app import BeaconApp, NoSecrets
from beacon.cli.app import demo_config
from beacon.config.model import Action, Config, Rule
from beacon.connect import StaticSecrets
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem
from beacon.feed.notify_policy import Popup
from beacon.store.history import History
from beacon.tray.notify import popup_actions
from support.feedapp import start_feed_app, stop_feed_app, ticket, wait_until

SECRET = "button-secret-9"


class Recorder:
    """A helpdesk API on a free port: records each request (path, headers, JSON body)."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, str], Any]] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.posted.append((head[0], headers, json.loads(body)))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            await writer.drain()
        finally:
            writer.close()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest_asyncio.fixture
async def recorder() -> AsyncIterator[Recorder]:
    server = Recorder()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


def _row_of(app: BeaconApp, event: str, ticket_id: int) -> int:
    model = app.window.model
    for row in range(model.rowCount()):
        item = model.item(row)
        if item is not None and item.event == event and json.loads(item.payload)["id"] == ticket_id:
            return row
    return -1


def _has(app: BeaconApp, event: str, ticket_id: int) -> bool:
    return _row_of(app, event, ticket_id) >= 0


async def _start(server: DemoServer, data_dir: Path, config: Config, secrets: Any) -> BeaconApp:
    app = BeaconApp(config, History(data_dir / "history.sqlite3"), secrets)
    await app.start()
    for channel in ("tickets", "private-agent-7"):
        await server.wait_for_subscribers(channel, timeout=15)
    app.window.show()
    return app


@pytest.mark.expect_log_warnings(r"beacon\.services: action 'Claim' failed: 409 already claimed")
async def test_demo_claim_publishes_assigned_and_the_result_survives_a_restart(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    app = await start_feed_app(demo_server, tmp_path)
    app.window.show()
    added: list[FeedItem] = []
    app.feed.itemsAdded.connect(added.extend)
    try:
        data = ticket(subject="Printer on fire")
        demo_server.publish("tickets", "ticket.created", data)
        await wait_until(lambda: _has(app, "ticket.created", data["id"]))
        app.window.open_row(_row_of(app, "ticket.created", data["id"]))
        details = app.window.details
        assert [b.text() for b in details.action_buttons] == ["Claim", "Resolve"]

        details.action_buttons[0].click()
        assert details.action_result.text() == "Claim: sending…"
        assert not details.action_buttons[0].isEnabled()
        # The demo server published the change, and the feed has it (held behind the
        # update bar while an item is open).
        await wait_until(lambda: any(i.event == "ticket.assigned" for i in added))
        await wait_until(lambda: details.action_result.text().startswith("Claim done "))
        assert details.action_buttons[0].isEnabled()
        (assigned,) = [i for i in added if i.event == "ticket.assigned"]
        assert assigned.channel == "private-agent-7"
        assert json.loads(assigned.payload)["agent"]["id"] == "agent-7"

        # A second Claim is refused by the helpdesk; the refusal is the item's result.
        details.action_buttons[0].click()
        failed = "Claim failed: 409 already claimed by you"
        await wait_until(lambda: details.action_result.text() == failed)
        row = _row_of(app, "ticket.created", data["id"])
        model_item = app.window.model.item(row)
        assert model_item is not None and model_item.action_result == failed
    finally:
        await stop_feed_app(app)

    # Restarted on the same history: the item still says what was done from it.
    app = await start_feed_app(demo_server, tmp_path)
    app.window.show()
    try:
        await wait_until(lambda: _has(app, "ticket.created", data["id"]))
        app.window.open_row(_row_of(app, "ticket.created", data["id"]))
        assert app.window.details.action_result.text() == failed
    finally:
        await stop_feed_app(app)


async def test_demo_resolve_publishes_resolved(demo_server: DemoServer, tmp_path: Path) -> None:
    app = await start_feed_app(demo_server, tmp_path)
    app.window.show()
    added: list[FeedItem] = []
    app.feed.itemsAdded.connect(added.extend)
    try:
        data = ticket(subject="VPN drops every hour")
        demo_server.publish("tickets", "ticket.escalated", data)
        await wait_until(lambda: _has(app, "ticket.escalated", data["id"]))
        app.window.open_row(_row_of(app, "ticket.escalated", data["id"]))
        app.window.details.action_buttons[1].click()
        await wait_until(lambda: any(i.event == "ticket.resolved" for i in added))
        await wait_until(
            lambda: app.window.details.action_result.text().startswith("Resolve done ")
        )
    finally:
        await stop_feed_app(app)


async def test_popup_button_posts_with_the_secret_header(
    demo_server: DemoServer, recorder: Recorder, tmp_path: Path
) -> None:
    """The popup offers the rule's button as "action:0"; pressing it (as the presenter
    reports it) posts the event with the keyring secret in the header."""
    claim = Action(
        label="Claim",
        post=f"http://127.0.0.1:{recorder.port}/api/tickets/{{id}}/claim",
        headers={"Authorization": "Bearer {secret}"},
    )
    base = demo_config(demo_server)
    config = replace(
        base, rules=(Rule(channel="tickets", event="ticket.created", actions=(claim,)),)
    )
    secrets = StaticSecrets({base.accounts[0].name: SECRET})
    app = await _start(demo_server, tmp_path, config, secrets)
    shown: list[Popup] = []
    app.notifications.popupShown.connect(shown.append)
    try:
        data = ticket(subject="Outage in the EU")
        demo_server.publish("tickets", "ticket.created", data)
        await wait_until(lambda: any(p.actions for p in shown))
        popup = next(p for p in shown if p.actions)
        assert popup.actions == ("Claim",)
        assert ("action:0", "Claim") in popup_actions(popup)

        results: list[FeedItem] = []
        app.actions.itemChanged.connect(results.append)
        app.notifier.actionInvoked.emit(popup, "action:0")
        await wait_until(lambda: bool(results))
        ((request_line, headers, body),) = recorder.posted
        assert request_line.startswith(f"POST /api/tickets/{data['id']}/claim ")
        assert headers["authorization"] == f"Bearer {SECRET}"
        assert body == {
            "account": base.accounts[0].name,
            "channel": "tickets",
            "event": "ticket.created",
            "data": data,
        }
        assert results[0].id == popup.item_id
        assert results[0].action_result is not None
        assert results[0].action_result.startswith("Claim done ")
    finally:
        await stop_feed_app(app)


async def test_client_event_button_sends_on_the_subscribed_channel(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    ack = Action(label="Ack", client_event="client-ack", channel="private-agent-7")
    base = demo_config(demo_server)
    config = replace(base, rules=(Rule(channel="tickets", event="*", actions=(ack,)),))
    app = await _start(demo_server, tmp_path, config, NoSecrets())
    try:
        data = ticket(subject="Ack me")
        demo_server.publish("tickets", "ticket.created", data)
        await wait_until(lambda: _has(app, "ticket.created", data["id"]))
        app.window.open_row(_row_of(app, "ticket.created", data["id"]))
        details = app.window.details
        assert [b.text() for b in details.action_buttons] == ["Ack"]
        details.action_buttons[0].click()

        def acked() -> list[Any]:
            return [
                message
                for _socket, message in demo_server.received
                if isinstance(message, dict) and message.get("event") == "client-ack"
            ]

        await wait_until(lambda: bool(acked()))
        (message,) = acked()
        assert message["channel"] == "private-agent-7"
        sent = message["data"]
        sent = json.loads(sent) if isinstance(sent, str) else sent
        assert sent == {"channel": "tickets", "event": "ticket.created", "data": data}
        await wait_until(lambda: details.action_result.text().startswith("Ack done "))
    finally:
        await stop_feed_app(app)
