"""An account that sends credentials unencrypted because its config allows it
(``allow_insecure = true``) is never silent about it: the window's status chip and the
tray's tooltip say "<account>: credentials sent without encryption" (issue 10).

The account "ops" talks plain ws:// to the demo server inside a network namespace, on an
address that is not loopback; "local" talks plain ws:// to a demo server on 127.0.0.1,
which is no risk and gets no warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.app import BeaconApp, NoSecrets
from beacon.demo import DemoServer
from beacon.services.status import LinkState
from beacon.ui.status_chip import StatusChip
from support.cli import account_toml
from support.feedapp import wait_until
from support.netns import NsDemoServer, network_namespace, start_ns_demo_server
from support.running_app import running_app

WARNING = "credentials sent without encryption"


@pytest.fixture
def ns_server() -> Iterator[NsDemoServer]:
    with network_namespace() as ns:
        server = start_ns_demo_server(ns)
        try:
            yield server
        finally:
            server.stop()


def _account(name: str, host: str, port: int, key: str, endpoint: str, **extra: object) -> str:
    return account_toml(
        name=name,
        key=key,
        host=host,
        port=port,
        tls=False,
        **extra,
        channels=["tickets", "private-agent-7"],
        auth={"mode": "endpoint", "endpoint": endpoint},
    )


@pytest.fixture
def config_path(ns_server: NsDemoServer, demo_server: DemoServer, tmp_path: Path) -> Path:
    """The config of both accounts, in a file: the app watches the file it runs on."""
    path = tmp_path / "config.toml"
    path.write_text(
        _account(
            "ops", ns_server.host, ns_server.port, ns_server.key, ns_server.auth_endpoint(),
            allow_insecure=True,
        )
        + _account(
            "local", demo_server.host, demo_server.port, demo_server.key,
            demo_server.auth_endpoint(),
        )
    )  # fmt: skip
    return path


def _chips(app: BeaconApp) -> dict[str, StatusChip]:
    return {chip.account: chip for chip in app.window.findChildren(StatusChip)}


async def test_the_window_and_the_tray_warn_about_the_insecure_account(
    config_path: Path, tmp_path: Path
) -> None:
    async with running_app(config_path, NoSecrets(), tmp_path / "history.sqlite3") as app:
        await _check_warnings(app)


async def _check_warnings(app: BeaconApp) -> None:
    def both_connected() -> bool:
        chips = _chips(app)
        return all(
            name in chips and chips[name].info.state is LinkState.CONNECTED
            for name in ("ops", "local")
        )

    await wait_until(both_connected, timeout=20)
    chips = _chips(app)

    ops = chips["ops"]
    assert ops.label.text() == "\u26a0 ops: connected, not encrypted"
    assert ops.label.isVisible()
    assert f"ops: {WARNING}" in ops.toolTip()
    assert "over plain ws:// to" in ops.toolTip() and 'channel "private-agent-7"' in ops.toolTip()
    assert f"ops: {WARNING}" in ops.accessibleName()

    local = chips["local"]
    assert local.label.text() == "local: connected"
    assert WARNING not in local.toolTip()

    assert app.tray is not None
    tooltip = app.tray.tray.toolTip()
    assert f"ops: {WARNING}" in tooltip
    assert f"local: {WARNING}" not in tooltip
    assert "ops: connected" in tooltip and "local: connected" in tooltip
