"""The running app on a config file with two accounts on the demo server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beacon.app import BeaconApp
from beacon.credentials import Keyring
from beacon.demo import DemoServer
from support.running_app import running_app

from .configfiles import HEAD, account_toml


@pytest.fixture
async def running(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[BeaconApp, Path]]:
    # The app and a `beacon login` subprocess find the secrets stamp through this.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config_path = tmp_path / "config" / "beacon" / "config.toml"
    config_path.parent.mkdir(parents=True)
    config_path.write_text(
        HEAD
        + account_toml("alpha", demo_server, ["one"])
        + account_toml("beta", demo_server, ["two"]),
        encoding="utf-8",
    )
    async with running_app(config_path, Keyring(), tmp_path / "history.sqlite3") as app:
        # Connected before the fixture returns: pytest-qt runs Qt's events between the
        # fixture and the test, outside the running asyncio loop.
        await demo_server.wait_for_subscribers("one", timeout=15)
        await demo_server.wait_for_subscribers("two", timeout=15)
        yield app, config_path
