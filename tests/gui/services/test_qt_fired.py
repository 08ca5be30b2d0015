"""Work that a Qt signal starts runs on the loop over Qt, also while that loop is stopped.

QTimers, file watches and socket notifiers fire from any ``processEvents``: qasync's last
one after the loop stopped, pytest-qt's between a test's phases, a nested Qt loop
(``qtbot.waitSignal`` here). No asyncio loop is running then, and a slot that asked for
the running loop raised "no running event loop": seen once as a teardown error of
``test_a_secret_goes_only_to_the_keyring``, from the config watcher's settle timer.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp, NoSecrets
from beacon.config import Config, load_config
from beacon.services.away import STAMP_NAME, AwayWatch
from beacon.services.config_watch import ConfigWatcher
from beacon.services.loop import new_event_loop, qt_loop
from beacon.store.history import History
from support.feeditems import make_item
from support.rule_files import USER_FILE
from support.settings_window import settings_window


def account(name: str) -> str:
    # Only parsed: nothing connects to it.
    return (
        f'[[account]]\nname = "{name}"\nkey = "key"\nhost = "127.0.0.1"\nport = 6001\n'
        'tls = false\nchannels = ["one"]\n\n'
    )


def test_qt_loop_is_the_loop_over_qt_while_it_is_stopped_and_none_once_closed(
    qapp: QApplication, qtbot: QtBot
) -> None:
    loop = new_event_loop(qapp)
    seen: list[asyncio.AbstractEventLoop] = []

    async def work() -> None:
        seen.append(asyncio.get_running_loop())

    def slot() -> None:
        qt_loop().create_task(work())

    try:
        QTimer.singleShot(0, slot)
        # The timer, then the task's step: both dispatched by Qt alone.
        qtbot.waitUntil(lambda: bool(seen))
        assert seen == [loop]
        assert asyncio._get_running_loop() is None
    finally:
        loop.close()
    # A slot firing after its loop closed is a watcher its owner never stopped: it says so.
    with pytest.raises(RuntimeError, match="no running event loop"):
        qt_loop()


def test_a_running_loop_is_the_one(qapp: QApplication) -> None:
    # A slot called from a task, or from Qt inside the running loop: that loop, even
    # when it is not the newest loop over Qt.
    async def which() -> asyncio.AbstractEventLoop:
        return qt_loop()

    plain = asyncio.new_event_loop()
    newer = new_event_loop(qapp)
    try:
        assert plain.run_until_complete(which()) is plain
    finally:
        newer.close()
        plain.close()


def test_a_config_change_qt_reports_while_the_loop_is_stopped_is_reloaded(
    stopped_loop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(account("alpha"), encoding="utf-8")
    watcher = ConfigWatcher(path, stamp=tmp_path / "state" / "secrets.stamp")

    async def start() -> None:
        watcher.start()

    stopped_loop.run_until_complete(start())
    try:
        assert not stopped_loop.is_running()
        path.write_text(account("alpha") + account("beta"), encoding="utf-8")
        # Only Qt runs from here: the file's watch, the settle timer and the reload's
        # steps are all dispatched by waitSignal's nested Qt stopped_loop.
        with qtbot.waitSignal(watcher.configChanged, timeout=10_000) as changed:
            pass
        config = changed.args[0] if changed.args else None
        assert isinstance(config, Config)
        assert [a.name for a in config.accounts] == ["alpha", "beta"]
        assert watcher.error is None
    finally:
        watcher.stop()
        watcher.deleteLater()


def test_the_settings_window_loads_and_checks_a_rule_with_only_qt_running(
    stopped_loop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path
) -> None:
    """The same hazard in the services that the settings window's slots and its rule
    editor's check timer start work on."""
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    history = History(tmp_path / "history.sqlite3")
    try:
        with settings_window(path, history) as window:
            editor = window.rules_editor
            # "Settings" from the tray's menu: a slot that Qt calls.
            QTimer.singleShot(0, window.load)
            qtbot.waitUntil(lambda: editor.rule_list.count() == 3, timeout=10_000)
            qtbot.waitUntil(
                lambda: (
                    editor.last_check is not None and editor.last_check.request == editor._request
                ),
                timeout=10_000,
            )
            before = editor._request
            # A keystroke restarts the editor's check timer; Qt fires it.
            qtbot.keyClicks(editor.title, "!")
            assert editor._timer.isActive()
            qtbot.waitUntil(
                lambda: editor.last_check is not None and editor.last_check.request > before,
                timeout=10_000,
            )
            assert editor.last_check is not None and editor.last_check.problem is None
            assert not stopped_loop.is_running()
    finally:
        history.close()


def test_the_app_applies_a_config_change_qt_reports_while_its_loop_is_stopped(
    stopped_loop: asyncio.AbstractEventLoop,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole way of the flaky teardown, in the running app: the watch, the settle
    timer, the reload, and the new config applied to the services."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "config" / "beacon" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[notifications]\nkeywords = ["outage"]\n', encoding="utf-8")
    history = History(tmp_path / "history.sqlite3")

    async def started() -> BeaconApp:
        app = BeaconApp(load_config(path), history, NoSecrets())
        await app.start()
        return app

    app = stopped_loop.run_until_complete(started())
    try:
        path.write_text('[notifications]\nkeywords = ["outage", "down"]\n', encoding="utf-8")
        # Only Qt runs: the watch, the reload, the app's slot and the applying tasks.
        qtbot.waitUntil(
            lambda: app.config.notifications.keywords == ("outage", "down") and not app._applying,
            timeout=10_000,
        )
        assert app.window.error_banner.isHidden()
        assert not stopped_loop.is_running()
    finally:
        stopped_loop.run_until_complete(app.close())
        app.window.close()
        app.window.deleteLater()
        history.close()


def test_the_away_digest_is_gathered_when_qt_fires_its_timer_with_the_loop_stopped(
    stopped_loop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    (tmp_path / STAMP_NAME).write_text((now - timedelta(hours=2)).isoformat())
    history = History(tmp_path / "history.sqlite3")
    # Gathering starts at start(); its timer is made due only once the loop has stopped.
    away = AwayWatch(history, tmp_path, away_minutes=30, gather_seconds=600, now=lambda: now)
    try:
        stopped_loop.run_until_complete(away.start())
        assert away.gathering
        # What catch-up brought from the absence, meanwhile.
        history.add_batch([make_item(1, received_at=now - timedelta(hours=1))])
        with qtbot.waitSignal(away.digestReady, timeout=10_000) as ready:
            away.set_gather_seconds(0.01)
        assert not stopped_loop.is_running()
        assert ready.args is not None and ready.args[0].total == 1
    finally:
        stopped_loop.run_until_complete(away.close())
        history.close()
