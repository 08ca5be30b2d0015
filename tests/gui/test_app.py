"""The app as people start it: ``beacon demo``, ``beacon`` with a config, a bad config,
one instance per profile (a second launch brings the first forward), Quit from the tray,
the no-tray mode, and screenshots of the demo window and the tray (written to
artifacts/)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from beacon.app import SWITCH_INTERVAL, BeaconApp, NoSecrets
from beacon.cli.app import publish_burst
from beacon.config import ConfigError, load_config
from beacon.config.model import Config
from beacon.demo import DemoServer
from beacon.store.history import History
from support import sni
from support.demo import DemoServerProcess
from support.desktop import HeadlessDesktop
from support.feedapp import start_feed_app, stop_feed_app, ticket, wait_until
from support.launcher import BeaconProcess
from support.publish import official_client

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def beacon_processes(tmp_path: Path) -> Iterator[list[BeaconProcess]]:
    started: list[BeaconProcess] = []
    yield started
    for process in started:
        process.kill()


def test_beacon_demo_connects_and_quits_cleanly(
    tmp_path: Path, beacon_processes: list[BeaconProcess]
) -> None:
    demo = BeaconProcess(tmp_path, "demo")
    beacon_processes.append(demo)
    demo.wait_for("-> connected")
    demo.wait_for("committed")  # the initial burst reached the history
    assert demo.stop() == 0
    assert "Traceback" not in "".join(demo.lines)


def test_beacon_with_a_config_connects_and_stores(
    tmp_path: Path, beacon_processes: list[BeaconProcess], demo_server_process: DemoServerProcess
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[[account]]\n"
        'name = "support"\n'
        f'key = "{demo_server_process.key}"\n'
        'host = "127.0.0.1"\n'
        f"port = {demo_server_process.port}\n"
        "tls = false\n"
        'channels = ["tickets"]\n'
    )
    app = BeaconProcess(tmp_path, "--config", str(config))
    beacon_processes.append(app)
    app.wait_for("-> connected")
    # The subscription follows the connection; until it is there an event is lost. The
    # same event sent again is stored once (same id and data), so resend until it lands.
    deadline = time.monotonic() + 30
    while not any("committed 1 of 1" in line for line in app.lines):
        assert time.monotonic() < deadline, "".join(app.lines)
        _trigger(demo_server_process, "tickets", "ticket.created", {"id": 1, "subject": "Hello"})
        time.sleep(0.2)
    assert app.stop() == 0
    history = History(tmp_path / "xdg_data_home" / "beacon" / "history.sqlite3")
    try:
        assert [item.title for item in history.page()] == ["Hello"]
    finally:
        history.close()


def _trigger(server: DemoServerProcess, channel: str, event: str, data: object) -> None:
    """Publish through the server's HTTP API, signed, with the official library."""
    official_client(server).trigger(channel, event, data)


def _qt_loaded(pid: int) -> bool:
    with open(f"/proc/{pid}/maps") as maps:
        return "libQt6Core" in maps.read()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_starting_still_quits_in_order(
    tmp_path: Path, beacon_processes: list[BeaconProcess], sig: signal.Signals
) -> None:
    """A session that ends as Beacon starts (autostart, then logout): the handlers came only
    after the imports, about a second in, and a SIGTERM before them killed the process
    (status -15; SIGINT: a KeyboardInterrupt traceback)."""
    app = BeaconProcess(tmp_path)
    beacon_processes.append(app)
    # Qt is being imported: well before the app's own handlers, as long as imports take.
    _wait(lambda: app.process.poll() is not None or _qt_loaded(app.pid), "Qt loaded", 30)
    app.process.send_signal(sig)
    assert app.process.wait(30) == 0, app.log
    app.stop()
    assert "Traceback" not in app.log


def test_a_bad_config_still_starts_and_says_why(
    tmp_path: Path, beacon_processes: list[BeaconProcess]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[account]]\nname = "support"\nkey = 42\n')
    app = BeaconProcess(tmp_path, "--config", str(config))
    beacon_processes.append(app)
    app.wait_for(str(config))  # the error names the file
    assert app.process.poll() is None  # and the window runs on
    assert app.stop() == 0


def _xdotool(*args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=20, check=False, env=env
    ).stdout


def _visible_windows(pid: int, env: dict[str, str] | None = None) -> list[str]:
    return _xdotool("search", "--onlyvisible", "--pid", str(pid), env=env).split()


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        # Another process's windows and D-Bus: nothing here to block on but a poll.
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def _tray_item(pid: int) -> sni.TrayItem:
    found: list[sni.TrayItem] = []

    def registered() -> bool:
        with sni.session() as connection:
            item = sni.item_of_pid(connection, pid)
        found[:] = [item] if item is not None else []
        return bool(found)

    _wait(registered, f"a tray icon of process {pid}")
    return found[0]


def _put_away_in_the_tray(app: BeaconProcess) -> None:
    """What a user does: the window in front, a left click on the tray icon."""
    pid = app.process.pid
    _wait(lambda: bool(_visible_windows(pid)), "the first window")
    window = _visible_windows(pid)[0]
    item = _tray_item(pid)
    # Without a window manager the focus may land a moment late; a click on a window that
    # is not in front brings it forward instead (tray/test_tray_app.py tests both), so
    # the user's next click puts it away.
    for attempt in range(3):
        _xdotool("windowfocus", "--sync", window)
        with sni.session() as connection:
            item.activate(connection)
        try:
            _wait(lambda: not _visible_windows(pid), "the window going to the tray", 5)
            return
        except AssertionError:
            if attempt == 2:
                raise


def test_a_second_launch_brings_the_first_forward_and_exits_0(
    tmp_path: Path, beacon_processes: list[BeaconProcess]
) -> None:
    first = BeaconProcess(tmp_path)
    beacon_processes.append(first)
    first.wait_for("tray icon shown")
    _put_away_in_the_tray(first)
    assert first.process.poll() is None  # closed to the tray, still running

    second = BeaconProcess(tmp_path)
    beacon_processes.append(second)
    assert second.process.wait(30) == 0  # it exits by itself, handing over
    second.stop()
    assert "already runs for this profile" in "".join(second.lines)
    _wait(lambda: bool(_visible_windows(first.process.pid)), "the first window coming back")
    first.wait_for("another launch asked for 'show'")
    assert first.stop() == 0


def test_a_second_launch_says_why_when_the_first_does_not_answer(
    tmp_path: Path, beacon_processes: list[BeaconProcess]
) -> None:
    first = BeaconProcess(tmp_path)
    beacon_processes.append(first)
    first.wait_for("tray icon shown")
    first.process.send_signal(signal.SIGSTOP)  # holds the lock, answers nothing
    try:
        second = BeaconProcess(tmp_path)
        beacon_processes.append(second)
        assert second.process.wait(60) == 1
        second.stop()
        assert "did not answer" in "".join(second.lines)
    finally:
        first.process.send_signal(signal.SIGCONT)
    assert first.stop() == 0


def test_quit_in_the_tray_menu_exits_0(
    tmp_path: Path, beacon_processes: list[BeaconProcess], demo_server_process: DemoServerProcess
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[[account]]\n"
        'name = "support"\n'
        f'key = "{demo_server_process.key}"\n'
        'host = "127.0.0.1"\n'
        f"port = {demo_server_process.port}\n"
        "tls = false\n"
        'channels = ["tickets"]\n'
    )
    app = BeaconProcess(tmp_path, "--config", str(config))
    beacon_processes.append(app)
    app.wait_for("-> connected")
    item = _tray_item(app.process.pid)
    with sni.session() as connection:
        menu = item.menu(connection)
        entries = sni.menu_entries(connection, menu)
        assert "support: connected" in entries
        sni.click_menu_entry(connection, menu, entries["Quit Beacon"])
    assert app.process.wait(30) == 0
    app.stop()
    lines = "".join(app.lines)
    assert "connected -> disconnected" in lines  # the connection was closed, not dropped
    assert "Traceback" not in lines


def test_do_not_disturb_from_the_tray_survives_a_restart(
    tmp_path: Path, beacon_processes: list[BeaconProcess]
) -> None:
    first = BeaconProcess(tmp_path)
    beacon_processes.append(first)
    first.wait_for("tray icon shown")
    item = _tray_item(first.process.pid)
    with sni.session() as connection:
        menu = item.menu(connection)
        sni.click_menu_entry(connection, menu, sni.menu_entries(connection, menu)["For 1 hour"])
    first.wait_for("do not disturb until")
    assert first.stop() == 0

    second = BeaconProcess(tmp_path)
    beacon_processes.append(second)
    second.wait_for("tray icon shown")
    item = _tray_item(second.process.pid)
    with sni.session() as connection:
        assert "Do not disturb until" in item.get(connection, "ToolTip")[2]
    assert second.stop() == 0


@pytest.fixture
def trayless_desktop() -> Iterator[HeadlessDesktop]:
    desktop = HeadlessDesktop(tray=False)
    desktop.start()
    try:
        yield desktop
    finally:
        desktop.stop()


def test_without_a_tray_the_window_says_so_and_closing_it_quits(
    tmp_path: Path, beacon_processes: list[BeaconProcess], trayless_desktop: HeadlessDesktop
) -> None:
    env = trayless_desktop.env
    app = BeaconProcess(tmp_path, env=env)
    beacon_processes.append(app)
    app.wait_for("no system tray available")
    pid = app.process.pid
    _wait(lambda: bool(_visible_windows(pid, env)), "the window")
    window = _visible_windows(pid, env)[0]
    # The platform's Close key, typed into the focused window as a user would.
    _xdotool("windowfocus", "--sync", window, env=env)
    _xdotool("key", "--clearmodifiers", "ctrl+w", env=env)
    assert app.process.wait(30) == 0
    app.stop()
    assert "".join(app.lines).count("no system tray available") == 1


async def test_the_window_shows_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[[account]]\nname = \n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    history = History(tmp_path / "history.sqlite3")
    app = BeaconApp(Config(path=path), history, NoSecrets(), config_error=str(caught.value))
    app.window.show()
    try:
        assert app.window.error_banner.isVisible()
        assert str(path) in app.window.error_banner.text()
    finally:
        await app.close()
        app.window.close()
        app.window.deleteLater()
        history.close()


def _distinct_colours(image: QImage) -> int:
    step = 7
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


async def test_screenshot_of_the_demo_window(demo_server: DemoServer, tmp_path: Path) -> None:
    """artifacts/feed-window.png: the demo feed as it looks on this desktop."""
    app = await start_feed_app(demo_server, tmp_path)
    window = app.window
    window.resize(1100, 720)
    window.show()
    try:
        await publish_burst(demo_server, count=30, seed=11)
        await wait_until(lambda: window.model.rowCount() >= 25)
        window.open_row(2)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = window.grab().toImage()
        assert shot.save(str(ARTIFACTS / "feed-window.png"))
        assert _distinct_colours(shot) > 50

        # The update bar, as it appears while reading further down.
        scroll = window.view.verticalScrollBar()
        scroll.setValue(scroll.minimum() + 90)
        for _ in range(3):
            demo_server.publish(
                "tickets", "ticket.created", ticket(subject="Dashboard outage for the EU team")
            )
        await wait_until(lambda: window.update_bar.count == 3)
        shot = window.grab().toImage()
        assert shot.save(str(ARTIFACTS / "feed-window-updates.png"))
    finally:
        await stop_feed_app(app)


async def test_the_running_app_shortens_the_gil_switch_interval(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """While the app runs, Qt's calls into Python wait at most ~1 ms for the writer
    thread's GIL; the process's own setting comes back on close."""
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL
    app = await start_feed_app(demo_server, tmp_path)
    try:
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    finally:
        await stop_feed_app(app)
    assert sys.getswitchinterval() == pytest.approx(before)


async def test_the_feed_service_counts_what_the_engine_commits(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """The tray's badge will come from FeedService.unreadChanged(int): it follows the
    engine's commits and the window's read marks."""
    app = await start_feed_app(demo_server, tmp_path)
    counts: list[int] = []
    app.feed.unreadChanged.connect(counts.append)
    try:
        for _ in range(3):
            demo_server.publish("tickets", "ticket.created", ticket())
        await wait_until(lambda: app.feed.unread == 3)
        assert counts[-1] == 3
        assert "3 unread" in app.window.windowTitle()
        await wait_until(lambda: app.window.model.rowCount() == 3)
        app.window.open_row(0)
        await wait_until(lambda: app.feed.unread == 2)
        assert app.history.unread_count() == 2
    finally:
        await stop_feed_app(app)
