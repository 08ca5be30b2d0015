"""The presence panel's model, and the demo app end to end: the panel lists who is on
``presence-support``, the tray's tooltip counts them, and an open ticket shows who else
has it open ("Also viewing"); screenshots go to artifacts/."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from beacon.demo import DemoServer
from beacon.services.presence import Member
from beacon.ui.presence_panel import IsHeadingRole, PresenceModel, PresencePanel
from support.feedapp import start_feed_app, stop_feed_app, ticket, wait_until
from support.publish import official_client

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
PRIYA = Member("agent-7", "Priya Shah", "PS")
MARCUS = Member("agent-3", "Marcus Lee", "ML")


def test_the_model_lists_headings_then_members(qapp: object, qtmodeltester: ModelTester) -> None:
    model = PresenceModel([("a", "presence-support"), ("a", "presence-ops")])
    qtmodeltester.check(model, force_py=True)
    model.set_members("a", "presence-support", [MARCUS, PRIYA])
    model.set_members("a", "presence-elsewhere", [PRIYA])  # not shown: ignored
    rows = [model.index(r).data() for r in range(model.rowCount())]
    assert rows == ["support (2 here)", "Marcus Lee", "Priya Shah", "ops (0 here)"]
    assert model.index(0).data(IsHeadingRole) is True
    assert model.index(1).data(Qt.ItemDataRole.ToolTipRole) == "Marcus Lee (agent-3)"
    assert not model.index(1).data(Qt.ItemDataRole.DecorationRole).isNull()
    model.set_members("a", "presence-support", [])
    assert model.rowCount() == 2
    model.set_channels([("a", "presence-ops"), ("b", "presence-ops")])
    assert model.index(0).data() == "a · ops (0 here)"


def test_the_panel_says_when_no_presence_channel_is_configured(qtbot: object) -> None:
    panel = PresencePanel()
    assert panel.view.isHidden() and not panel.empty.isHidden()
    panel.set_channels([("a", "presence-support")])
    assert not panel.view.isHidden() and panel.empty.isHidden()


async def _users(server: DemoServer, channel: str) -> set[str]:
    answer = await asyncio.to_thread(official_client(server).users_info, channel)
    return {str(u["id"]) for u in answer["users"]}


async def test_the_demo_shows_who_is_here_and_who_else_views_a_ticket(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    demo_server.add_member("presence-support", "agent-3", {"name": "Marcus Lee"})
    app = await start_feed_app(demo_server, tmp_path)
    window = app.window
    window.resize(1200, 720)
    window.show()
    panel = window.presence_panel
    try:
        assert window.presence_dock.isVisibleTo(window)
        await wait_until(lambda: panel.model.names("demo", "presence-support") == [
            "Marcus Lee", "Priya Shah"])  # fmt: skip
        tray = app.tray
        assert tray is not None  # the test desktop has a tray
        await wait_until(lambda: "Here now: support 2" in tray.tray.toolTip())
        demo_server.remove_member("presence-support", "agent-3")
        await wait_until(lambda: "Here now: support 1" in tray.tray.toolTip())
        await wait_until(lambda: panel.model.names("demo", "presence-support") == ["Priya Shah"])
        demo_server.add_member("presence-support", "agent-3", {"name": "Marcus Lee"})
        await wait_until(lambda: "Here now: support 2" in tray.tray.toolTip())

        # Marcus works on ticket A; the user opens it.
        watched = ticket(subject="Printer on fire", agent={"id": "agent-3", "name": "Marcus Lee"})
        other = ticket(subject="VPN drops every hour")
        demo_server.publish("tickets", "ticket.assigned", other)
        demo_server.publish("tickets", "ticket.assigned", watched)
        demo_server.agent_views(watched)
        await wait_until(lambda: window.model.rowCount() >= 2)
        row = next(
            r for r in range(window.model.rowCount())
            if window.model.item(r).title == "Printer on fire"
        )  # fmt: skip
        window.open_row(row)
        label = window.details.also_viewing
        await wait_until(lambda: label.text() == "Also viewing: Marcus Lee")
        assert label.isVisibleTo(window)
        channel_a = f"presence-ticket-{watched['id']}"
        assert await _users(demo_server, channel_a) == {"agent-3", "agent-7"}
        ARTIFACTS.mkdir(exist_ok=True)
        assert window.grab().toImage().save(str(ARTIFACTS / "presence-also-viewing.png"))

        # Another item: the first channel is left, and nobody else views the second.
        other_row = next(
            r for r in range(window.model.rowCount())
            if window.model.item(r).title == "VPN drops every hour"
        )  # fmt: skip
        window.open_row(other_row)
        await wait_until(lambda: label.isHidden())
        assert await _users(demo_server, channel_a) == {"agent-3"}
        channel_b = f"presence-ticket-{other['id']}"
        await wait_until(lambda: app.presence.held == [("demo", channel_b)])

        # Closed (Escape): no item channel is held.
        window.escape()
        await wait_until(lambda: app.presence.held == [])
    finally:
        await stop_feed_app(app)
