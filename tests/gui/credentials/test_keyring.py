"""The real Secret Service of the headless desktop: Keyring, beacon login and beacon logout.

These run inside ``tests/run``'s session (D-Bus plus an unlocked gnome-keyring). Each test
uses its own account name, so nothing collides with other tests or earlier runs.
"""

from __future__ import annotations

import base64
import os
import pty
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.credentials import ENCRYPTION_SERVICE, SERVICE, Keyring, Secret

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


@pytest.fixture
def account() -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    keyring = Keyring()
    keyring.delete_secret(name)
    keyring.delete_encryption_key(name)


@pytest.fixture
def profile(tmp_path: Path, account: str) -> dict[str, str]:
    """Environment for a ``beacon`` subprocess: private XDG dirs, a config with ``account``."""
    config_dir = tmp_path / "config" / "beacon"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text(
        f"""\
[[account]]
name = "{account}"
key = "app-key"
host = "127.0.0.1"
channels = ["private-encrypted-x"]

[account.auth]
mode = "sign"
""",
        encoding="utf-8",
    )
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return env


def beacon(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "beacon", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_round_trip_through_secret_service(account: str) -> None:
    keyring = Keyring()
    assert keyring.backend_name == SECRET_SERVICE
    assert keyring.get_secret(account) is None
    keyring.set_secret(account, Secret("first"))
    keyring.set_secret(account, Secret("second"))  # replaces, never duplicates
    assert keyring.get_secret(account) == Secret("second")
    assert Keyring().get_secret(account) == Secret("second")  # really stored, not cached
    keyring.set_encryption_key(account, Secret("key"))
    assert keyring.get_encryption_key(account) == Secret("key")
    assert keyring.delete_secret(account) is True
    assert keyring.get_secret(account) is None
    assert keyring.get_encryption_key(account) == Secret("key")  # a separate entry
    assert keyring.delete_secret(account) is False
    assert keyring.delete_encryption_key(account) is True
    assert keyring.get_encryption_key(account) is None


def test_login_and_logout_commands(profile: dict[str, str], account: str) -> None:
    value = f"s3cret-{uuid.uuid4().hex}"
    # -vv: even debug logging must not show the secret.
    login = beacon(profile, "-vv", "login", account, "--stdin", stdin=value + "\nnot-read\n")
    assert login.returncode == 0, login.stderr
    assert value not in login.stdout + login.stderr
    # Words, not Python's dotted class name (keyring.backends.SecretService.Keyring).
    assert login.stdout == (
        f'Stored the secret of account "{account}" in the OS keyring '
        "(Secret Service: GNOME Keyring or KWallet).\n"
    )
    assert Keyring().get_secret(account) == Secret(value)  # exactly one line, no newline

    logout = beacon(profile, "-vv", "logout", account)
    assert logout.returncode == 0, logout.stderr
    assert value not in logout.stdout + logout.stderr
    assert "Removed the secret" in logout.stdout
    assert Keyring().get_secret(account) is None


def test_login_encryption_key(profile: dict[str, str], account: str) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    login = beacon(profile, "login", account, "--encryption-key", "--stdin", stdin=key + "\n")
    assert login.returncode == 0, login.stderr
    assert key not in login.stdout + login.stderr
    keyring = Keyring()
    assert keyring.get_encryption_key(account) == Secret(key)
    assert keyring.get_secret(account) is None
    assert keyring._backend.get_password(ENCRYPTION_SERVICE, account) == key
    assert keyring._backend.get_password(SERVICE, account) is None

    bad = key[:-8]  # no longer 32 bytes
    refused = beacon(profile, "login", account, "--encryption-key", "--stdin", stdin=bad)
    assert refused.returncode == 1
    assert bad not in refused.stdout + refused.stderr
    assert "32" in refused.stderr
    assert keyring.get_encryption_key(account) == Secret(key)  # left as it was

    logout = beacon(profile, "logout", account)
    assert logout.returncode == 0
    assert "encryption key" in logout.stdout
    assert keyring.get_encryption_key(account) is None


def test_login_to_an_unknown_account_is_a_config_error(
    profile: dict[str, str], account: str
) -> None:
    result = beacon(profile, "login", "no-such-account", "--stdin", stdin="x\n")
    assert result.returncode == 2
    assert 'no [[account]] is named "no-such-account"' in result.stderr
    assert f'use one of "{account}"' in result.stderr
    assert "config.toml" in result.stderr


@pytest.mark.parametrize("line", ["\n", "   \n", "\t \r\n"], ids=["empty", "spaces", "blank"])
def test_empty_input_stores_nothing(profile: dict[str, str], account: str, line: str) -> None:
    # Only spaces used to be stored as the secret: "Bearer    " then failed at the server.
    result = beacon(profile, "login", account, "--stdin", stdin=line)
    assert result.returncode == 1
    assert "empty" in result.stderr
    assert Keyring().get_secret(account) is None


@pytest.mark.parametrize(
    "padded", [" {}", "{} ", "\t{}", "{}\t"], ids=["space-", "-space", "tab-", "-tab"]
)
def test_a_secret_padded_with_blanks_is_refused(
    profile: dict[str, str], account: str, padded: str
) -> None:
    # A pasted space used to be stored, and every request then failed (no header holds it).
    value = f"padded-{uuid.uuid4().hex}"
    result = beacon(profile, "login", account, "--stdin", stdin=padded.format(value) + "\n")
    assert result.returncode == 1
    assert "begins or ends with a space or tab" in result.stderr
    assert value not in result.stdout + result.stderr
    assert Keyring().get_secret(account) is None


def test_no_keyring_backend_exits_3(profile: dict[str, str], account: str) -> None:
    profile["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    value = "never-stored"
    result = beacon(profile, "login", account, "--stdin", stdin=value + "\n")
    assert result.returncode == 3
    assert "No usable OS keyring" in result.stderr
    assert "gnome-keyring" in result.stderr
    assert "PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring" in result.stderr
    assert value not in result.stdout + result.stderr
    assert Keyring().get_secret(account) is None


def test_login_from_a_terminal_does_not_echo(profile: dict[str, str], account: str) -> None:
    value = f"typed-{uuid.uuid4().hex}"
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "beacon", "login", account],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=profile,
        start_new_session=True,  # no controlling tty: getpass falls back to the pty on stdin
    )
    os.close(follower)
    try:
        seen = read_until(leader, b"secret for account")
        os.write(leader, value.encode() + b"\n")
        seen += read_until(leader, None)
        assert process.wait(timeout=30) == 0, seen
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert value.encode() not in seen  # the terminal never echoed it
    assert b"Stored the secret" in seen
    assert Keyring().get_secret(account) == Secret(value)


def test_login_without_a_terminal_says_how_to_pipe_it(
    profile: dict[str, str], account: str
) -> None:
    value = f"piped-{uuid.uuid4().hex}"
    result = subprocess.run(
        [sys.executable, "-m", "beacon", "login", account],
        input=value + "\n",
        env=profile,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,  # no controlling terminal, stdin a pipe: as from cron or CI
    )
    assert result.returncode == 1, result.stderr
    assert "GetPassWarning" not in result.stderr
    assert "echoed" not in result.stderr  # getpass's own fallback never ran
    assert "there is no terminal" in result.stderr and "nothing stored" in result.stderr
    assert f"beacon login {account} --stdin" in result.stderr
    assert value not in result.stdout + result.stderr
    assert Keyring().get_secret(account) is None


def read_until(fd: int, marker: bytes | None, timeout: float = 30.0) -> bytes:
    """Read from a pty until ``marker`` appears (or, for None, until the other end closes)."""
    data = b""
    deadline = time.monotonic() + timeout
    while marker is None or marker not in data:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out; got {data!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed its end
            chunk = b""
        if not chunk:
            assert marker is None, f"closed before {marker!r}; got {data!r}"
            return data
        data += chunk
    return data
