"""``beacon listen`` and ``beacon check`` with secrets from systemd credentials.

A unit passes ``beacon-<account>`` (and ``beacon-<account>.encryption-key``) in
``$CREDENTIALS_DIRECTORY``; here a temporary directory stands in for the one systemd makes.
The real ``beacon listen`` runs against the demo server, whose app secret is a canary that
must never show in the output. The keyring is either set to fail (a server has none) or
the headless desktop's real Secret Service.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from beacon.credentials import Keyring, Secret
from beacon.demo import DemoServer
from support.catchup import CatchupServer
from support.cli import account_toml, profile_env
from support.engine import MASTER_KEY, Target

# The app secret of the demo server under test: it signs, and must appear in no output.
CANARY = "canary-5b1f9e-app-secret"
FAIL_BACKEND = "keyring.backends.fail.Keyring"


@pytest.fixture
async def server(
    demo_server_factory: Callable[..., Awaitable[DemoServer]],
) -> DemoServer:
    return await demo_server_factory(port=0, secret=CANARY)


@pytest.fixture
def account() -> Iterator[str]:
    """A name of its own, so the real keyring's entries of one test meet no other's."""
    name = f"headless-{uuid.uuid4().hex[:10]}"
    yield name
    keyring = Keyring()
    keyring.delete_secret(name)
    keyring.delete_encryption_key(name)


def config(server: DemoServer, name: str, channels: list[str]) -> str:
    return account_toml(
        name=name,
        key=server.key,
        host="127.0.0.1",
        port=server.port,
        tls=False,
        channels=channels,
        auth={"mode": "sign"},
    )


def credentials(tmp_path: Path, files: dict[str, str], mode: int = 0o400) -> Path:
    """A directory laid out as systemd lays out ``$CREDENTIALS_DIRECTORY``."""
    directory = tmp_path / "credentials"
    directory.mkdir(mode=0o700)
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
    return directory


def environment(
    tmp_path: Path, body: str, directory: Path | None, *, keyring: bool = False
) -> dict[str, str]:
    env = profile_env(tmp_path, body)
    env.pop("CREDENTIALS_DIRECTORY", None)
    if directory is not None:
        env["CREDENTIALS_DIRECTORY"] = str(directory)
    if keyring:
        env.pop("PYTHON_KEYRING_BACKEND", None)  # the desktop's real Secret Service
    else:
        env["PYTHON_KEYRING_BACKEND"] = FAIL_BACKEND
    return env


class Run:
    """A ``beacon`` command running; its stderr lines are collected as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, env: dict[str, str], *args: str, cwd: Path | None = None) -> Run:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "beacon",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
        )
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.stderr.append(line.decode().rstrip("\n"))
            self._changed.set()
        self._changed.set()

    async def wait_stderr(self, text: str, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout):
            while not any(text in line for line in self.stderr):
                if self._reader.done():
                    raise AssertionError(f"ended without {text!r}: {self.stderr}")
                self._changed.clear()
                await self._changed.wait()

    async def finish(self, timeout: float = 30.0) -> tuple[int, str]:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            out = await self.proc.stdout.read()
            code = await self.proc.wait()
            await self._reader
        return code, out.decode()

    def assert_no_canary(self, out: str) -> None:
        assert CANARY not in out
        assert not [line for line in self.stderr if CANARY in line]


async def receive_one(
    server: DemoServer, env: dict[str, str], channel: str
) -> tuple[Run, dict[str, object]]:
    """``beacon -vv listen --count 1`` (debug logs too); one event published once it
    subscribed."""
    run = await Run.start(env, "-vv", "listen", "--count", "1", "--timeout", "20")
    await run.wait_stderr(f"subscribed to {channel}")
    await Target.of("demo", server).publish(channel, "ticket.assigned", {"id": 7})
    code, out = await run.finish()
    assert code == 0, run.stderr
    run.assert_no_canary(out)
    lines = out.splitlines()
    assert len(lines) == 1, lines
    event: dict[str, object] = json.loads(lines[0])
    return run, event


async def test_a_credential_signs_a_private_channel_with_no_keyring(
    server: DemoServer, tmp_path: Path
) -> None:
    directory = credentials(tmp_path, {"beacon-support": CANARY + "\n"})
    env = environment(tmp_path, config(server, "support", ["private-agent-7"]), directory)
    run, event = await receive_one(server, env, "private-agent-7")
    assert (event["channel"], event["event"], event["data"]) == (
        "private-agent-7",
        "ticket.assigned",
        {"id": 7},
    )
    # Said once, at start, before anything connects; the keyring was never asked.
    told = [line for line in run.stderr if "secret from" in line]
    assert told == ["beacon: [support] secret from the systemd credential beacon-support"]
    assert run.stderr.index(told[0]) < min(
        i for i, line in enumerate(run.stderr) if "subscribed to" in line
    )
    assert not [line for line in run.stderr if "keyring" in line.lower()], run.stderr


async def test_the_encryption_key_comes_from_its_own_credential(
    server: DemoServer, tmp_path: Path
) -> None:
    directory = credentials(
        tmp_path,
        {"beacon-support": CANARY, "beacon-support.encryption-key": MASTER_KEY + "\n"},
    )
    channel = "private-encrypted-agent-7"
    env = environment(tmp_path, config(server, "support", [channel]), directory)
    run, event = await receive_one(server, env, channel)
    # Decrypted with the shared secret derived from the credential's master key.
    assert event["data"] == {"id": 7}
    assert (
        "beacon: [support] secret from the systemd credential beacon-support; encryption key "
        "from the systemd credential beacon-support.encryption-key"
    ) in run.stderr
    assert not [line for line in run.stderr if MASTER_KEY in line]


async def test_without_its_credential_an_account_uses_the_keyring(
    server: DemoServer, tmp_path: Path, account: str
) -> None:
    Keyring().set_secret(account, Secret(CANARY))
    # The unit passes credentials, but none for this account.
    directory = credentials(tmp_path, {"beacon-another-account": "not this one"})
    env = environment(
        tmp_path, config(server, account, ["private-agent-7"]), directory, keyring=True
    )
    run, event = await receive_one(server, env, "private-agent-7")
    assert event["channel"] == "private-agent-7"
    assert (
        f"beacon: [{account}] secret from the OS keyring (the unit passes no credential "
        f"beacon-{account})"
    ) in run.stderr


async def test_a_credential_wins_over_the_keyring(
    server: DemoServer, tmp_path: Path, account: str
) -> None:
    # The keyring holds a stale secret that the server would refuse.
    Keyring().set_secret(account, Secret("stale-secret"))
    directory = credentials(tmp_path, {f"beacon-{account}": CANARY})
    env = environment(
        tmp_path, config(server, account, ["private-agent-7"]), directory, keyring=True
    )
    run, event = await receive_one(server, env, "private-agent-7")
    assert event["channel"] == "private-agent-7"
    assert f"beacon: [{account}] secret from the systemd credential beacon-{account}" in run.stderr


async def test_without_its_credential_and_without_a_keyring_listen_exits_3(
    server: DemoServer, tmp_path: Path
) -> None:
    directory = credentials(tmp_path, {"beacon-another-account": "not this one"})
    env = environment(tmp_path, config(server, "support", ["private-agent-7"]), directory)
    run = await Run.start(env, "listen", "--timeout", "20")
    code, out = await run.finish()
    assert code == 3, run.stderr
    assert out == ""
    assert (
        "beacon: [support] secret from the OS keyring (the unit passes no credential "
        "beacon-support)"
    ) in run.stderr
    needs_login = [line for line in run.stderr if "needs login" in line]
    assert needs_login and "No usable OS keyring" in needs_login[0], run.stderr
    assert needs_login[0].endswith(
        "Or run beacon listen as a systemd unit that passes the credential beacon-support "
        "(see docs/headless.md)"
    )


@pytest.mark.parametrize(
    ("content", "mode", "says"),
    [
        ("", 0o400, "is empty; it must hold the account's secret"),
        ("\n", 0o400, "is empty; it must hold the account's secret"),
        (CANARY + "\n" + CANARY + "\n", 0o400, "holds more than one line"),
        (CANARY, 0o644, "may be read or written by other users (mode 0644)"),
    ],
    ids=["empty", "only-a-newline", "two-lines", "readable-by-others"],
)
async def test_an_unusable_credential_stops_listen_with_a_fix(
    server: DemoServer, tmp_path: Path, content: str, mode: int, says: str
) -> None:
    directory = credentials(tmp_path, {"beacon-support": content}, mode=mode)
    env = environment(tmp_path, config(server, "support", ["private-agent-7"]), directory)
    run = await Run.start(env, "-v", "listen", "--timeout", "20")
    code, out = await run.finish()
    assert code == 3, run.stderr
    run.assert_no_canary(out)
    path = directory / "beacon-support"
    problem = [line for line in run.stderr if str(path) in line]
    assert len(problem) == 1, run.stderr
    assert problem[0].startswith(f"beacon: [support] the systemd credential {path} {says}")
    assert (
        "Fix: give the unit the credential with LoadCredentialEncrypted=beacon-support:"
        in (problem[0])
    )
    # Stopped before connecting: nothing else is tried with a credential the admin meant.
    assert not [line for line in run.stderr if "[support] connect" in line], run.stderr


async def test_an_encryption_key_credential_that_is_not_a_key_stops_listen(
    server: DemoServer, tmp_path: Path
) -> None:
    directory = credentials(
        tmp_path, {"beacon-support": CANARY, "beacon-support.encryption-key": "not-base64!"}
    )
    env = environment(tmp_path, config(server, "support", ["private-encrypted-x"]), directory)
    run = await Run.start(env, "listen", "--timeout", "20")
    code, _ = await run.finish()
    assert code == 3, run.stderr
    path = directory / "beacon-support.encryption-key"
    assert any(
        line.startswith(f"beacon: [support] the systemd credential {path}: the encryption key")
        for line in run.stderr
    ), run.stderr


async def test_check_proves_the_credential_by_subscribing(
    server: DemoServer, tmp_path: Path
) -> None:
    directory = credentials(tmp_path, {"beacon-support": CANARY + "\n"})
    env = environment(tmp_path, config(server, "support", ["private-agent-7"]), directory)
    run = await Run.start(env, "check")
    code, out = await run.finish()
    assert code == 0, out + "\n".join(run.stderr)
    run.assert_no_canary(out)
    assert f"Credentials: {directory} (systemd; they win over the keyring)" in out
    assert "secret:  from the systemd credential beacon-support" in out
    assert (
        "channel: private-agent-7 authorized by the systemd credential beacon-support "
        "(mode sign) and subscribed"
    ) in out
    assert "All good." in out


async def test_check_reports_an_empty_credential_and_exits_3(
    server: DemoServer, tmp_path: Path
) -> None:
    directory = credentials(tmp_path, {"beacon-support": ""})
    env = environment(tmp_path, config(server, "support", ["private-agent-7"]), directory)
    run = await Run.start(env, "check")
    code, out = await run.finish()
    assert code == 3, out
    path = directory / "beacon-support"
    assert f"secret:  PROBLEM: cannot be read: the systemd credential {path} is empty" in out


async def test_without_credentials_directory_no_file_is_a_source(
    server: DemoServer, tmp_path: Path
) -> None:
    # Files named like credentials where one might look for them by habit (the working
    # directory, the config directory) are never read: only $CREDENTIALS_DIRECTORY is.
    body = config(server, "support", ["private-agent-7"])
    env = environment(tmp_path, body, None)
    for where in (tmp_path, tmp_path / "config" / "beacon"):
        (where / "beacon-support").write_text(CANARY, encoding="utf-8")
        (where / "beacon-support").chmod(0o400)
    run = await Run.start(env, "listen", "--timeout", "20", cwd=tmp_path)
    code, _ = await run.finish()
    assert code == 3, run.stderr
    assert "beacon: [support] secret from the OS keyring" in run.stderr


async def test_catch_up_headers_take_the_secret_from_the_credential(
    server: DemoServer, catchup_server: CatchupServer, tmp_path: Path
) -> None:
    token = "catchup-token-" + uuid.uuid4().hex
    directory = credentials(tmp_path, {"beacon-support": token + "\n"})
    body = (
        account_toml(
            name="support", key=server.key, host="127.0.0.1", port=server.port, tls=False,
            channels=["tickets"],
        )
        + f'[account.catchup]\nurl = "{catchup_server.url}"\n'
        + 'headers = { Authorization = "Bearer {secret}" }\n'
    )  # fmt: skip
    env = environment(tmp_path, body, directory)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    run = await Run.start(env, "-vv", "listen", "--catch-up", "--timeout", "20")
    request = await catchup_server.wait_requests(1)
    assert request.headers["authorization"] == f"Bearer {token}"
    await run.wait_stderr("subscribed to tickets")
    run.proc.send_signal(signal.SIGTERM)
    code, out = await run.finish()
    assert code == 0, run.stderr
    assert "beacon: [support] secret from the systemd credential beacon-support" in run.stderr
    assert token not in out
    assert not [line for line in run.stderr if token in line]
