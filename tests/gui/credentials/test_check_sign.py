"""``beacon check`` for a mode-"sign" account: the secret comes from the real keyring and
is proved by subscribing to a private channel on Soketi."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.credentials import Keyring, Secret
from support.soketi import PusherServer


@pytest.fixture
def account() -> Iterator[str]:
    name = f"check-{uuid.uuid4().hex[:12]}"
    yield name
    Keyring().delete_secret(name)


def check(tmp_path: Path, name: str, server: PusherServer) -> subprocess.CompletedProcess[str]:
    config_dir = tmp_path / "config" / "beacon"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(
        f"""\
[[account]]
name = "{name}"
key = "{server.key}"
host = "{server.host}"
port = {server.port}
tls = false
channels = ["tickets", "presence-support"]

[account.auth]
mode = "sign"
user = {{ id = "agent-7", info = {{ name = "Ann" }} }}
""",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "beacon", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_stored_secret_is_proved_by_a_subscription(
    tmp_path: Path, soketi: PusherServer, account: str
) -> None:
    Keyring().set_secret(account, Secret(soketi.secret))
    result = check(tmp_path, account, soketi)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Keyring: OK (Secret Service: GNOME Keyring or KWallet)" in result.stdout
    assert "keyring.backends" not in result.stdout
    assert "secret:  stored" in result.stdout
    assert "channel: tickets subscribed" in result.stdout
    assert (
        "channel: presence-support authorized by the keyring secret (mode sign) and subscribed"
        in result.stdout
    )
    assert soketi.secret not in result.stdout + result.stderr


def test_wrong_secret_is_refused_by_the_server(
    tmp_path: Path, soketi: PusherServer, account: str
) -> None:
    Keyring().set_secret(account, Secret("not-the-app-secret"))
    result = check(tmp_path, account, soketi)
    assert result.returncode == 1
    channel = next(line for line in result.stdout.splitlines() if "presence-support" in line)
    assert channel.startswith(
        "  channel: PROBLEM: presence-support: the server refused the subscription: "
    )
    assert f"Fix: the keyring secret may not be this app's secret: beacon login {account}" in (
        channel
    )
    assert "channel: tickets subscribed" in result.stdout  # the refusal stops no other
    assert "not-the-app-secret" not in result.stdout + result.stderr


def test_missing_secret_says_beacon_login(
    tmp_path: Path, soketi: PusherServer, account: str
) -> None:
    result = check(tmp_path, account, soketi)
    assert result.returncode == 1
    assert f"secret:  PROBLEM: missing. Fix: beacon login {account}" in result.stdout
    assert "channel: presence-support not tried (no secret)" in result.stdout
    assert "channel: tickets subscribed" in result.stdout
