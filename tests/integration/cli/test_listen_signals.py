"""``beacon listen --signals`` against the demo server: the flag runs the config's
``[[signal]]`` commands for received events, their data as literal arguments; without the
flag nothing runs."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from beacon.demo import DemoServer
from support.cli import account_toml, profile_env, run_beacon

# Appends its arguments after the first, as a JSON list, to the file named by the first.
ARGV_SCRIPT = """
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[2:]) + "\\n")
"""


def _env(tmp_path: Path, server: DemoServer, signals: str) -> dict[str, str]:
    config = account_toml(
        name="ops", key=server.key, host=server.host, port=server.port, tls=False,
        channels=["deploys"],
    ) + signals  # fmt: skip
    return profile_env(
        tmp_path, config, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        XDG_STATE_HOME=str(tmp_path / "state"),
    )  # fmt: skip


def _signal(tmp_path: Path, out: Path) -> str:
    script = tmp_path / "argv.py"
    script.write_text(ARGV_SCRIPT, encoding="utf-8")
    run = [sys.executable, str(script), str(out), "Deployed {service}", "{note}"]
    return f'[[signal]]\nchannel = "deploys"\nevent = "deploy.*"\nrun = {json.dumps(run)}\n'


async def _listen(env: dict[str, str], server: DemoServer, *args: str) -> tuple[int, str]:
    """Listen for two events, published once subscribed; the exit status and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "beacon", "listen", "--count", "2", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stderr is not None
    errors = []
    async with asyncio.timeout(60):
        async for raw in proc.stderr:
            line = raw.decode()
            errors.append(line)
            if "subscribed to deploys" in line:
                server.publish("deploys", "deploy.finished", {"service": "api", "note": "$(id)"})
                server.publish("deploys", "deploy.started", {"service": "web", "note": "a; b\nc"})
        code = await proc.wait()
    return code, "".join(errors)


async def test_listen_signals_runs_the_commands_for_received_events(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "ran.jsonl"
    env = _env(tmp_path, demo_server, _signal(tmp_path, out))
    code, errors = await _listen(env, demo_server, "--signals")
    assert code == 0, errors
    # listen waited for both commands before exiting; each argument arrived as written.
    runs = sorted(json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert runs == [["Deployed api", "$(id)"], ["Deployed web", "a; b\nc"]]


async def test_without_the_flag_no_signal_runs(demo_server: DemoServer, tmp_path: Path) -> None:
    out = tmp_path / "ran.jsonl"
    env = _env(tmp_path, demo_server, _signal(tmp_path, out))
    code, errors = await _listen(env, demo_server)
    assert code == 0, errors
    assert not out.exists()


def test_the_flag_without_any_signal_is_a_config_error(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    result = run_beacon(_env(tmp_path, demo_server, ""), "listen", "--signals", "--count", "1")
    assert result.returncode == 2
    assert "--signals needs a [[signal]]" in result.stderr
