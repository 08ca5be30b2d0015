"""Work that a Qt signal starts runs on the loop over Qt, also while that loop is stopped.

QTimers, file watches and socket notifiers fire from any ``processEvents``: qasync's last
one after the loop stopped, pytest-qt's between a test's phases, a nested Qt loop
(``qtbot.waitSignal`` here). No asyncio loop is running then, and a slot that asked for
the running loop raised "no running event loop": seen once as a teardown error of
``test_a_secret_goes_only_to_the_keyring``, from the config watcher's settle timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from beacon.config import Config
from beacon.services.config_watch import ConfigWatcher
from beacon.services.loop import new_event_loop


def account(name: str) -> str:
    # Only parsed: nothing connects to it.
    return (
        f'[[account]]\nname = "{name}"\nkey = "key"\nhost = "127.0.0.1"\nport = 6001\n'
        'tls = false\nchannels = ["one"]\n\n'
    )


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop that the test runs only now and then, as pytest-qt's phases do."""
    loop = new_event_loop(qapp)
    try:
        yield loop
    finally:
        loop.close()


def test_a_config_change_qt_reports_while_the_loop_is_stopped_is_reloaded(
    loop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(account("alpha"), encoding="utf-8")
    watcher = ConfigWatcher(path, stamp=tmp_path / "state" / "secrets.stamp")

    async def start() -> None:
        watcher.start()

    loop.run_until_complete(start())
    try:
        assert not loop.is_running()
        path.write_text(account("alpha") + account("beta"), encoding="utf-8")
        # Only Qt runs from here: the file's watch, the settle timer and the reload's
        # steps are all dispatched by waitSignal's nested Qt loop.
        with qtbot.waitSignal(watcher.configChanged, timeout=10_000) as changed:
            pass
        config = changed.args[0] if changed.args else None
        assert isinstance(config, Config)
        assert [a.name for a in config.accounts] == ["alpha", "beta"]
        assert watcher.error is None
    finally:
        watcher.stop()
        watcher.deleteLater()
