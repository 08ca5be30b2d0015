"""``beacon listen --catch-up``: missed events from the demo server's catch-up endpoint,
marked ``"catchup": true``, resumed across runs without repeats (DESIGN.md "Catch-up")."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from beacon.demo import DemoServer
from support.cli import account_toml, profile_env, run_beacon
from support.proxy import TcpProxy


def _env(tmp_path: Path, server: DemoServer, port: int | None = None) -> dict[str, str]:
    config = account_toml(
        name="support", key=server.key, host=server.host, port=port or server.port, tls=False,
        channels=["tickets"],
    ) + f'[account.catchup]\nurl = "{server.http_url()}/pusher/missed"\n'  # fmt: skip
    return profile_env(
        tmp_path,
        config,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        XDG_STATE_HOME=str(tmp_path / "state"),
    )


async def _listen(
    env: dict[str, str],
    *args: str,
    wait_for: str | None = None,
    then: Any = None,
    steps: list[tuple[str, Any]] | None = None,
) -> tuple[int, list[dict[str, Any]], list[str]]:
    """Run ``beacon listen ARGS`` to its end; each time the next step's text shows on
    stderr, call its function (``wait_for``/``then`` is a single step). Returns the exit
    status, the stdout lines as JSON, and stderr."""
    todo = list(steps or [])
    if wait_for is not None:
        todo.append((wait_for, then))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "beacon", "listen", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    errors: list[str] = []
    async with asyncio.timeout(60):
        async for raw in proc.stderr:
            line = raw.decode().rstrip("\n")
            errors.append(line)
            if todo and todo[0][0] in line:
                _text, step = todo.pop(0)
                result = step()
                if asyncio.iscoroutine(result):
                    await result
        out = await proc.stdout.read()
        code = await proc.wait()
    assert not todo, f"steps never reached: {todo}; stderr: {errors}"
    return code, [json.loads(line) for line in out.decode().splitlines()], errors


async def test_catch_up_prints_missed_events_then_resumes_without_repeats(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    env = _env(tmp_path, demo_server)
    for n in range(1, 4):  # published while nobody listened
        demo_server.publish("tickets", "ticket.created", {"id": n, "subject": f"old {n}"})

    def live() -> None:
        demo_server.publish("tickets", "ticket.created", {"id": 10, "subject": "live 10"})

    code, lines, errors = await _listen(
        env, "--catch-up", "--count", "4", wait_for="caught up: 3", then=live
    )
    assert code == 0, errors
    assert [line["data"]["subject"] for line in lines] == ["old 1", "old 2", "old 3", "live 10"]
    assert [line.get("catchup") for line in lines] == [True, True, True, None]
    # Otherwise shaped as every listen line, "catchup" last.
    assert list(lines[0]) == [
        "account", "channel", "event", "data", "user_id", "received_at", "catchup"
    ]  # fmt: skip
    state = json.loads((tmp_path / "state" / "beacon" / "listen-catchup.json").read_text())
    assert set(state) == {"support"}

    # The next run resumes: only what came since, though the margin reaches back further.
    for n in (4, 5):
        demo_server.publish("tickets", "ticket.created", {"id": n, "subject": f"old {n}"})
    code, lines, errors = await _listen(env, "--catch-up", "--count", "2")
    assert code == 0, errors
    assert [(line["data"]["subject"], line["catchup"]) for line in lines] == [
        ("old 4", True),
        ("old 5", True),
    ]


async def test_missed_events_cut_short_by_count_come_in_the_next_run(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """--count 2 over 5 missed events printed 2 and remembered all 5 as printed: the next
    --catch-up run skipped the other 3 for good."""
    env = _env(tmp_path, demo_server)
    for n in range(1, 6):
        demo_server.publish("tickets", "ticket.created", {"id": n, "subject": f"old {n}"})
    code, lines, errors = await _listen(env, "--catch-up", "--count", "2")
    assert code == 0, errors
    assert [line["data"]["subject"] for line in lines] == ["old 1", "old 2"]

    def live() -> None:  # so that a run that skips them still ends
        for n in (6, 7, 8):
            demo_server.publish("tickets", "ticket.created", {"id": n, "subject": f"live {n}"})

    code, lines, errors = await _listen(
        env, "--catch-up", "--count", "3", wait_for="caught up:", then=live
    )
    assert code == 0, errors
    assert [line["data"]["subject"] for line in lines] == ["old 3", "old 4", "old 5"]


async def test_a_damaged_entry_is_a_first_run_said_with_a_warning(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """An account's damaged entry in a well-formed state file used to be a silent first
    run. The warning is listen's (a subprocess): it is read from its stderr."""
    env = _env(tmp_path, demo_server)
    path = tmp_path / "state" / "beacon" / "listen-catchup.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"support": {"stopped_at": 12, "seen": {}}}))
    for n in (1, 2):
        demo_server.publish("tickets", "ticket.created", {"id": n, "subject": f"old {n}"})
    code, lines, errors = await _listen(env, "--catch-up", "--count", "2")
    assert code == 0, errors
    # A first run: asked from an hour back, so both missed events come.
    assert [line["data"]["subject"] for line in lines] == ["old 1", "old 2"]
    warned = [line for line in errors if "WARNING" in line and str(path) in line]
    assert len(warned) == 1, errors
    assert '"support"' in warned[0] and "first run" in warned[0]
    # The run's own entry replaced it: the next run resumes without a warning.
    assert isinstance(json.loads(path.read_text())["support"]["stopped_at"], str)


async def test_since_sets_where_catch_up_starts(demo_server: DemoServer, tmp_path: Path) -> None:
    env = _env(tmp_path, demo_server)
    demo_server.publish("tickets", "ticket.created", {"id": 1, "subject": "too old"})
    stamp = demo_server.missed.answer("/?since=2000-01-01T00:00:00Z")[0]["received_at"]
    # A millisecond after "too old" (its stamp is cut to milliseconds); a pause longer
    # than that makes the next event's stamp later, whatever the clock's resolution.
    since = datetime.fromisoformat(stamp) + timedelta(milliseconds=1)
    await asyncio.sleep(0.005)
    demo_server.publish("tickets", "ticket.created", {"id": 2, "subject": "wanted"})
    code, lines, errors = await _listen(
        env, "--catch-up", "--since", since.isoformat(), "--count", "1"
    )
    assert code == 0, errors
    assert [line["data"]["subject"] for line in lines] == ["wanted"]


async def test_without_the_flag_nothing_changes(demo_server: DemoServer, tmp_path: Path) -> None:
    env = _env(tmp_path, demo_server)

    def live() -> None:
        demo_server.publish("tickets", "ticket.created", {"id": 1, "subject": "live"})

    code, lines, errors = await _listen(
        env, "--count", "1", wait_for="subscribed to tickets", then=live
    )
    assert code == 0, errors
    assert "catchup" not in lines[0]
    assert demo_server.missed.requests == 0
    assert not (tmp_path / "state").exists()


def test_since_without_catch_up_and_catch_up_without_an_endpoint_exit_2(
    tmp_path: Path,
) -> None:
    config = account_toml(name="support", key="k", host="127.0.0.1", port=1, tls=False,
                          channels=["tickets"])  # fmt: skip
    env = profile_env(tmp_path, config)
    done = run_beacon(env, "listen", "--since", "2026-11-27T21:00:00Z")
    assert done.returncode == 2
    assert "--since goes with --catch-up" in done.stderr
    done = run_beacon(env, "listen", "--catch-up")
    assert done.returncode == 2
    assert "[account.catchup]" in done.stderr
    done = run_beacon(env, "listen", "--catch-up", "--since", "yesterday")
    assert done.returncode == 2
    assert "not an ISO time" in done.stderr


async def test_a_reconnect_after_a_gap_catches_up(
    demo_server: DemoServer,
    tmp_path: Path,
    tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]],
) -> None:
    proxy = await tcp_proxy(demo_server.host, demo_server.port)
    env = _env(tmp_path, demo_server, port=proxy.port)

    def publish(n: int) -> None:
        demo_server.publish("tickets", "ticket.created", {"id": n, "subject": f"t {n}"})

    def gap() -> None:
        proxy.refuse = True
        proxy.cut()

    def while_away() -> None:
        publish(1)
        publish(2)
        proxy.refuse = False  # the engine's own backoff reconnects

    code, lines, errors = await _listen(
        env, "--catch-up", "--count", "3",
        steps=[
            ("caught up: 0", gap),
            ("retrying in", while_away),
            ("caught up: 2", lambda: publish(3)),
        ],
    )  # fmt: skip
    assert code == 0, errors
    assert [(line["data"]["subject"], line.get("catchup")) for line in lines] == [
        ("t 1", True),
        ("t 2", True),
        ("t 3", None),
    ]
