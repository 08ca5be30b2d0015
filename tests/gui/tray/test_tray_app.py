"""The tray inside the running app (engine service, window, demo server), in the real
panel: close-to-tray, the left click through the panel's own D-Bus call, Open feed,
Reconnect reaching the engine, Quit, and the badge following the window's unread count."""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

import beacon.app
from beacon.app import BeaconApp, NoSecrets
from beacon.cli.app import demo_config
from beacon.demo import DemoServer
from beacon.services.status import LinkState
from beacon.store.history import History
from beacon.tray.glyphs import TrayState
from support import sni
from support.feedapp import start_feed_app, stop_feed_app, ticket, wait_until


@pytest.fixture
async def app(demo_server: DemoServer, tmp_path: Path) -> AsyncIterator[BeaconApp]:
    running = await start_feed_app(demo_server, tmp_path)
    running.window.show()
    try:
        yield running
    finally:
        await stop_feed_app(running)


async def _blocking(call: Callable[[], object]) -> object:
    """A blocking D-Bus call in a thread, while Qt answers it on this one."""
    return await asyncio.get_running_loop().run_in_executor(None, call)


def _activate_my_icon() -> None:
    with sni.session() as connection:
        item = sni.item_of_pid(connection, os.getpid())
        assert item is not None, "no tray icon of this process is registered"
        item.activate(connection)


async def test_the_app_shows_its_state_in_the_tray(app: BeaconApp) -> None:
    tray = app.tray
    assert tray is not None and tray.isVisible()
    await wait_until(lambda: tray.state is TrayState.CONNECTED)
    assert "demo: connected" in tray.tray.toolTip()


async def test_closing_the_window_keeps_the_app_in_the_tray(app: BeaconApp, qtbot: QtBot) -> None:
    assert app.tray is not None
    with qtbot.assertNotEmitted(app.quitRequested):
        app.window.close()
        await asyncio.sleep(0)
    assert not app.window.isVisible()
    assert app.tray.isVisible()


async def test_a_left_click_in_the_panel_toggles_the_window(app: BeaconApp) -> None:
    app.window.close()
    assert not app.window.isVisible()
    await _blocking(_activate_my_icon)  # what the panel sends on a left click
    await wait_until(app.window.isVisible)
    await wait_until(app.window.isActiveWindow)
    await _blocking(_activate_my_icon)  # the window is in front: the click puts it away
    await wait_until(lambda: not app.window.isVisible())


async def test_a_click_that_took_the_focus_first_still_puts_the_window_away(
    app: BeaconApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some panels take the focus on a click before the tray hears of it: a window that
    was in front a moment ago is put away; one left behind long ago comes forward."""
    app.show_window()
    await wait_until(app.window.isActiveWindow)
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    await wait_until(lambda: not app.window.isActiveWindow())
    app.toggle_window()  # just now, the feed window was in front
    assert not app.window.isVisible()

    app.show_window()
    await wait_until(app.window.isActiveWindow)
    other.activateWindow()
    await wait_until(lambda: not app.window.isActiveWindow())
    monkeypatch.setattr(beacon.app, "RECENTLY_ACTIVE_SECONDS", 0.0)  # "long ago"
    app.toggle_window()
    assert app.window.isVisible()
    await wait_until(app.window.isActiveWindow)


async def test_settings_from_the_tray_and_a_second_launch(app: BeaconApp) -> None:
    """The tray's "Settings…" and ``beacon settings`` forwarded to the running app open
    the settings window, in front; the feed window stays put away."""
    assert app.tray is not None
    app.window.close()
    app.tray.settings_action.trigger()
    window = app.settings_window
    assert window is not None and window.isVisible()
    window.close()
    app.handle_command("settings")
    assert app.settings_window is window and window.isVisible()
    assert not app.window.isVisible()


async def test_open_feed_brings_the_window_forward(app: BeaconApp) -> None:
    assert app.tray is not None
    app.window.close()
    app.tray.open_action.trigger()
    assert app.window.isVisible()
    await wait_until(app.window.isActiveWindow)


async def test_the_badge_follows_the_unread_count_even_with_the_window_closed(
    app: BeaconApp, demo_server: DemoServer
) -> None:
    tray = app.tray
    assert tray is not None
    app.window.close()
    start = tray.unread
    picture = tray.icon().pixmap(22).toImage()
    for _ in range(3):
        demo_server.publish("tickets", "ticket.created", ticket())
    await wait_until(lambda: tray.unread == start + 3)
    assert tray.icon().pixmap(22).toImage() != picture
    app.window.mark_all_read()  # written off the GUI thread; the count follows
    await wait_until(lambda: tray.unread == 0)
    assert tray.icon().pixmap(22).toImage() == picture


async def test_quit_in_the_tray_asks_the_app_to_stop(app: BeaconApp, qtbot: QtBot) -> None:
    assert app.tray is not None
    with qtbot.waitSignal(app.quitRequested, timeout=1000):
        app.tray.quit_action.trigger()


@pytest.mark.expect_log_warnings(r"beacon\.pusher: server error 4001")
async def test_reconnect_in_the_tray_reconnects_the_account(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """An account the server refuses goes to failed and stays there; Reconnect in its
    menu makes the engine try again at once."""
    config = demo_config(demo_server)
    config = replace(config, accounts=(replace(config.accounts[0], key="no-such-key"),))
    history = History(tmp_path / "history.sqlite3")
    app = BeaconApp(config, history, NoSecrets())
    states: list[LinkState] = []
    app.service.statusChanged.connect(lambda info: states.append(info.state))
    try:
        await app.start()
        tray = app.tray
        assert tray is not None
        await wait_until(lambda: tray.state is TrayState.FAILED)
        entry = tray.accounts["demo"]
        assert entry.reconnect.isEnabled()
        assert "does not exist" in entry.detail.text()
        states.clear()
        entry.reconnect.trigger()
        # Straight to connecting (no backoff wait), and refused again.
        await wait_until(lambda: states[:1] == [LinkState.CONNECTING])
        await wait_until(lambda: LinkState.FAILED in states)
    finally:
        await app.close()
        app.window.close()
        app.window.deleteLater()
        history.close()


def _closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_the_tooltip_says_why_an_account_is_unavailable_and_when_it_retries(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """With the server down the tooltip said only "demo: unavailable", while the menu and
    the window's status chip said why and when the next try is: now it says both, on the
    account's one line."""
    config = demo_config(demo_server)
    down = replace(config.accounts[0], host="127.0.0.1", port=_closed_port())
    history = History(tmp_path / "history.sqlite3")
    app = BeaconApp(replace(config, accounts=(down,)), history, NoSecrets())
    try:
        await app.start()
        tray = app.tray
        assert tray is not None

        def tip() -> str:
            return tray.tray.toolTip()

        await wait_until(lambda: "demo: unavailable" in tip())
        line = next(line for line in tip().splitlines() if line.startswith("demo: "))
        # The reason and the next try as a time of day, which stays right while it is read.
        match = re.fullmatch(r"demo: unavailable — connection refused; next try at (\S+)", line)
        assert match is not None, line
        assert re.fullmatch(r"\d{1,2}:\d\d:\d\d", match.group(1)), line
        # The menu says it too (as before), with the delay it started from.
        assert "connection refused" in tray.accounts["demo"].detail.text()
    finally:
        await app.close()
        app.window.close()
        app.window.deleteLater()
        history.close()
