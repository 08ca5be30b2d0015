"""The app at a locked keyring whose unlock prompt is on screen: it waits without
blocking, shows why, and connects once the user answers the prompt (no restart)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtDBus import QDBusConnection
from PySide6.QtWidgets import QApplication

from beacon.app import BeaconApp
from beacon.config import load_config
from beacon.credentials import Keyring, Secret
from beacon.demo import DemoServer
from beacon.store.history import History
from support.desktop import KEYRING_PASSWORD, HeadlessDesktop
from support.feedapp import wait_until

from .secret_service import lock

ACCOUNT = "prompted-app"


@pytest.fixture
def prompting(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """This process's keyring calls go to a desktop of its own, locked, able to prompt.

    Only the keyring's: Qt connects to the session bus once per process and keeps that
    connection, so it is made here first, on the shared desktop's bus, where the tests
    after this one (the tray, notifications) need it to be.
    """
    assert QDBusConnection.sessionBus().isConnected()
    desktop = HeadlessDesktop()
    env = desktop.start()
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", env["DBUS_SESSION_BUS_ADDRESS"])
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        Keyring().set_secret(ACCOUNT, Secret("demo-secret"))
        subprocess.run(
            ["dbus-update-activation-environment", f"DISPLAY={env['DISPLAY']}"],
            env=env,
            check=True,
            timeout=10,
        )
        lock(env["DBUS_SESSION_BUS_ADDRESS"])
        yield env
    finally:
        desktop.stop()


def prompt_window(env: dict[str, str]) -> str:
    found = subprocess.run(
        ["xdotool", "search", "--name", "Unlock Login Keyring"],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return found.stdout.split()[0] if found.stdout.split() else ""


@pytest.mark.expect_log_warnings(r"beacon\.credentials: the keyring did not answer within ")
async def test_the_app_waits_for_the_unlock_prompt(
    prompting: dict[str, str], demo_server: DemoServer, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[[account]]\nname = "{ACCOUNT}"\nkey = "{demo_server.key}"\n'
        f'host = "{demo_server.host}"\nport = {demo_server.port}\ntls = false\n'
        'channels = ["private-desk"]\n\n[account.auth]\nmode = "sign"\n',
        encoding="utf-8",
    )
    history = History(tmp_path / "history.sqlite3")
    app = BeaconApp(load_config(path), history, Keyring())
    app.window.show()
    await app.start()
    try:
        # The loop keeps turning while the keyring call waits on the prompt.
        gaps: list[float] = []

        async def heartbeat() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.05)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        beat = asyncio.get_running_loop().create_task(heartbeat())

        def waiting() -> bool:
            info = {i.account: i for i in app.service.states()}[ACCOUNT]
            return info.needs_login and "did not answer" in info.detail

        await wait_until(waiting, timeout=20)
        assert prompt_window(prompting)
        assert max(gaps) < 1.0  # never blocked by the keyring

        # The user answers the prompt; the account connects without a restart.
        window = prompt_window(prompting)
        for args in (
            ["windowfocus", "--sync", window],
            ["type", "--window", window, KEYRING_PASSWORD],
            ["key", "--window", window, "Return"],
        ):
            subprocess.run(["xdotool", *args], env=prompting, check=True, timeout=10)
        await demo_server.wait_for_subscribers("private-desk", timeout=20)
        await wait_until(lambda: not waiting())
        beat.cancel()
    finally:
        await app.close()
        app.window.close()
        app.window.deleteLater()
        history.close()
