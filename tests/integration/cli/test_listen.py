"""``beacon listen`` as a script uses it: a subprocess with its own XDG dirs and config."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path

import pytest

from support.cli import account_toml, profile_env
from support.engine import Target, server_target
from support.soketi import free_port

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


def write_config(tmp_path: Path, body: str) -> dict[str, str]:
    """A throwaway profile: the config file and the environment that finds it."""
    # No keyring unless a test asks for one: listening to public channels needs none.
    return profile_env(tmp_path, body, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")


def account(
    key: str, port: int, channels: list[str], name: str = "support", auth: str | None = None
) -> str:
    """A self-hosted account on 127.0.0.1, without TLS."""
    settings: dict[str, object] = {
        "name": name,
        "key": key,
        "host": "127.0.0.1",
        "port": port,
        "tls": False,
        "channels": channels,
    }
    if auth is not None:
        settings["auth"] = {"mode": auth}
    return account_toml(**settings)


class Listen:
    """``beacon listen ...`` running; stderr lines are collected as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr: list[str] = []
        self._stderr_changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read_stderr())

    @classmethod
    async def start(cls, env: dict[str, str], *args: str) -> Listen:
        return await cls.spawn(env, sys.executable, "-m", "beacon", "listen", *args)

    @classmethod
    async def spawn(cls, env: dict[str, str], *argv: str) -> Listen:
        """Any command line that runs ``beacon listen``, such as a shell pipeline."""
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        return cls(proc)

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.stderr.append(line.decode().rstrip("\n"))
            self._stderr_changed.set()
        self._stderr_changed.set()

    async def wait_stderr(self, text: str, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while not any(text in line for line in self.stderr):
                if self._reader.done():
                    raise AssertionError(f"listen ended without {text!r}: {self.stderr}")
                self._stderr_changed.clear()
                await self._stderr_changed.wait()

    async def finish(self, timeout: float = 20.0) -> tuple[int, list[str]]:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            out = await self.proc.stdout.read()
            code = await self.proc.wait()
            await self._reader
        return code, out.decode().splitlines()


async def test_count_n_prints_n_json_lines_and_exits_0(target: Target, tmp_path: Path) -> None:
    env = write_config(tmp_path, account(target.key, target.port, ["tickets"]))
    listen = await Listen.start(env, "--count", "3", "--timeout", "15")
    await listen.wait_stderr("[support] subscribed to tickets")
    await target.publish("tickets", "ticket.created", {"id": 1, "subject": "Printer on fire"})
    await target.publish("tickets", "ticket.note", "plain words, not JSON")
    await target.publish("tickets", "ticket.created", {"id": 3, "name": "Zoë"})
    code, lines = await listen.finish()
    assert code == 0, listen.stderr
    assert len(lines) == 3
    items = [json.loads(line) for line in lines]
    for item in items:
        assert list(item) == ["account", "channel", "event", "data", "user_id", "received_at"]
        assert item["account"] == "support" and item["channel"] == "tickets"
        assert item["user_id"] is None
        assert STAMP.match(item["received_at"]), item["received_at"]
    assert [i["data"] for i in items] == [
        {"id": 1, "subject": "Printer on fire"},
        "plain words, not JSON",
        {"id": 3, "name": "Zoë"},
    ]
    assert any("[support] connected" in line for line in listen.stderr)


async def test_channel_option_overrides_the_config(target: Target, tmp_path: Path) -> None:
    env = write_config(tmp_path, account(target.key, target.port, ["tickets"]))
    listen = await Listen.start(env, "--channel", "alerts", "--count", "1")
    await listen.wait_stderr("subscribed to alerts")
    await target.publish("tickets", "ignored", {})
    await target.publish("alerts", "fire", {"level": 9})
    code, lines = await listen.finish()
    assert code == 0
    assert [json.loads(line)["event"] for line in lines] == ["fire"]
    assert not any("subscribed to tickets" in line for line in listen.stderr)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_exits_0(target: Target, tmp_path: Path, sig: signal.Signals) -> None:
    env = write_config(tmp_path, account(target.key, target.port, ["tickets"]))
    listen = await Listen.start(env)
    await listen.wait_stderr("subscribed to tickets")
    listen.proc.send_signal(sig)
    code, lines = await listen.finish()
    assert code == 0
    assert lines == []


async def test_nothing_listening_exits_4_after_timeout(tmp_path: Path) -> None:
    env = write_config(tmp_path, account("k", free_port(), ["tickets"]))
    listen = await Listen.start(env, "--timeout", "1")
    code, lines = await listen.finish()
    assert code == 4
    assert lines == []
    assert any("retrying in" in line and "connection refused" in line for line in listen.stderr)
    assert any("could not connect within 1 s" in line for line in listen.stderr)


async def test_refused_app_key_exits_4_at_once(target: Target, tmp_path: Path) -> None:
    env = write_config(tmp_path, account("no-such-key", target.port, ["tickets"]))
    listen = await Listen.start(env)
    code, _ = await listen.finish()
    assert code == 4
    assert any("failed:" in line and "(4001)" in line for line in listen.stderr)


async def test_no_keyring_for_a_private_channel_exits_3(target: Target, tmp_path: Path) -> None:
    env = write_config(tmp_path, account(target.key, target.port, ["private-agent-7"], auth="sign"))
    listen = await Listen.start(env, "--timeout", "15")
    code, _ = await listen.finish()
    assert code == 3
    assert any("needs login" in line and "keyring" in line for line in listen.stderr)


async def test_bad_config_exits_2_naming_the_file(tmp_path: Path) -> None:
    env = write_config(tmp_path, "[[account]]\nname = 'x'\nkey = \n")
    listen = await Listen.start(env)
    code, _ = await listen.finish()
    assert code == 2
    assert any("config.toml:3" in line for line in listen.stderr), listen.stderr


async def test_unknown_account_exits_2(tmp_path: Path) -> None:
    env = write_config(tmp_path, account("k", 1, ["tickets"]))
    listen = await Listen.start(env, "--account", "nobody")
    code, _ = await listen.finish()
    assert code == 2
    assert any("no account named 'nobody'" in line for line in listen.stderr)


async def test_no_accounts_exits_2(tmp_path: Path) -> None:
    env = write_config(tmp_path, "")
    listen = await Listen.start(env)
    code, _ = await listen.finish()
    assert code == 2


async def test_reader_that_goes_away_ends_listen_with_0(target: Target, tmp_path: Path) -> None:
    env = write_config(tmp_path, account(target.key, target.port, ["tickets"]))
    command = f"set -o pipefail; {sys.executable} -m beacon listen | head -n 1"
    listen = await Listen.spawn(env, "bash", "-c", command)
    proc = listen.proc
    await listen.wait_stderr("subscribed to tickets")
    await target.publish("tickets", "first", {"n": 1})
    assert proc.stdout is not None
    first = await asyncio.wait_for(proc.stdout.readline(), 15)
    assert json.loads(first)["event"] == "first"
    # head has exited; the next line beacon writes meets a closed pipe.
    n = 2
    while proc.returncode is None:
        await target.publish("tickets", "more", {"n": n})
        n += 1
        try:
            await asyncio.wait_for(proc.wait(), 0.5)
        except TimeoutError:
            continue  # not written yet: publish again (a broken pipe shows only on write)
    code, _ = await listen.finish()
    assert code == 0, listen.stderr


@pytest.mark.parametrize("count", [None, 2], ids=["forever", "count"])
async def test_stdout_that_cannot_be_written_ends_listen_with_1(
    target: Target, tmp_path: Path, count: int | None
) -> None:
    """A full disk behind stdout: the writer thread died with a traceback, and listen went
    on without printing anything (or, with --count, exited 0 as if it had printed)."""
    env = write_config(tmp_path, account(target.key, target.port, ["tickets"]))
    options = "" if count is None else f" --count {count}"
    command = f"exec {sys.executable} -m beacon listen{options} > /dev/full"
    listen = await Listen.spawn(env, "bash", "-c", command)
    proc = listen.proc
    await listen.wait_stderr("subscribed to tickets")
    for n in range(40):
        await target.publish("tickets", "event", {"n": n})
        try:
            await asyncio.wait_for(proc.wait(), 0.5)
            break
        except TimeoutError:
            continue  # not written yet: publish again
    else:
        proc.kill()
        raise AssertionError(f"listen kept running with nowhere to write: {listen.stderr}")
    code, _ = await listen.finish()
    assert code == 1, listen.stderr
    assert not any("Traceback" in line for line in listen.stderr), listen.stderr
    assert any(
        "cannot write to standard output: No space left on device" in line for line in listen.stderr
    ), listen.stderr


@pytest.mark.parametrize("channel", ["private-agent-7", "presence-support"])
async def test_channel_option_needing_auth_on_an_account_without_it_exits_2(
    tmp_path: Path, channel: str
) -> None:
    """The config refuses such a channel in the file; from --channel it was subscribed and
    refused for ever ("retrying in 14.5 s"), and --timeout did not end it (connected)."""
    env = write_config(tmp_path, account("app-key", free_port(), ["tickets"]))
    listen = await Listen.start(env, "--channel", channel, "--timeout", "30")
    code, _ = await listen.finish()
    assert code == 2, listen.stderr
    assert listen.stderr == [
        f'beacon: --channel {channel}: account "support" has no [account.auth] table to '
        f"authorize it with. Fix: add [account.auth] to the account in the config, or pick "
        f"another account with --account"
    ]


async def test_verbose_shows_each_log_line_and_state_once(target: Target, tmp_path: Path) -> None:
    env = write_config(tmp_path, account(target.key, target.port, ["private-agent-7"], auth="sign"))
    listen = await Listen.start(env, "-v", "--timeout", "15")
    code, _ = await listen.finish()
    assert code == 3, listen.stderr
    # An info record of the core, once: one stderr handler, however many commands ask.
    assert len([line for line in listen.stderr if "cannot authorize private-agent-7" in line]) == 1
    # A state change, once: listen's own "[support] ..." line, not the core's record too.
    needs_login = [line for line in listen.stderr if "needs login" in line]
    assert len(needs_login) == 1, listen.stderr
    # A refused private channel no longer takes the connection down with it.
    assert needs_login[0].startswith("beacon: [support] connected; private-agent-7 needs login: ")


async def test_ca_file_that_is_not_pem_exits_2_in_words(tmp_path: Path) -> None:
    ca_file = tmp_path / "company-ca.pem"
    ca_file.write_text("this is not a certificate\n", encoding="utf-8")
    config = account_toml(
        name="support", key="k", host="127.0.0.1", port=free_port(), tls=True,
        ca_file=str(ca_file), channels=["tickets"],
    )  # fmt: skip
    listen = await Listen.start(write_config(tmp_path, config), "--timeout", "15")
    code, lines = await listen.finish()
    assert code == 2, listen.stderr
    assert lines == []
    text = "\n".join(listen.stderr)
    assert "Traceback" not in text and "SSLError" not in text
    # Whichever layer finds it first (config at load, or listen before connecting).
    assert str(ca_file) in text and "PEM" in text and "Fix:" in text


async def test_ca_file_that_is_a_directory_exits_2_in_words(tmp_path: Path) -> None:
    config = account_toml(
        name="support", key="k", host="127.0.0.1", port=free_port(), tls=True,
        ca_file=str(tmp_path), channels=["tickets"],
    )  # fmt: skip
    listen = await Listen.start(write_config(tmp_path, config), "--timeout", "15")
    code, _ = await listen.finish()
    assert code == 2, listen.stderr
    text = "\n".join(listen.stderr)
    assert str(tmp_path) in text and "directory" in text and "does not exist" not in text
