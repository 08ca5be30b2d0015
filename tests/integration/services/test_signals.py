"""``[[signal]]`` end to end: real processes and a real HTTP server, and the limits (no
shell, timeout kills the group, rate limit, response cap), and consent gating the app's
runs."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from beacon.config.model import SignalSpec
from beacon.feed.item import FeedItem, Priority
from beacon.services.signal_consent import confirm, describe, digest, is_confirmed
from beacon.services.signals_runner import (
    MAX_RESPONSE,
    ItemSignals,
    SignalOutcome,
    SignalRunner,
)

# Writes its arguments after the first as a JSON list to the file named by the first.
ARGV_SCRIPT = """
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[2:]) + "\\n")
"""

# Starts a grandchild, writes both pids, then hangs: the timeout must kill them both.
HANG_SCRIPT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(sys.argv[1], "w") as out:
    out.write(f"{os.getpid()} {child.pid}")
print("hanging now", flush=True)
time.sleep(600)
"""


def _script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting for a parent that has not reaped it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def _run(runner: SignalRunner, data: Any, event: str = "deploy.finished") -> list[Any]:
    outcomes: list[list[SignalOutcome]] = []
    runner.submit("ops", "deploys", event, data, outcomes.append)
    await runner.drain()
    return outcomes[0] if outcomes else []


HOSTILE = {
    "semi": "; rm -rf / ; echo pwned",
    "subst": "$(touch {pwned})",
    "ticks": "`touch {pwned}`",
    "newline": "line one\nline two; touch {pwned}",
    "spaces": "  two  words  ",
    "quotes": 'it\'s "quoted" \\ and a | pipe & amp > out',
    "braces": "{semi}",
}


async def test_event_data_arrives_as_literal_arguments_never_through_a_shell(
    tmp_path: Path,
) -> None:
    out = tmp_path / "argv.jsonl"
    pwned = tmp_path / "pwned"
    data = {key: value.replace("{pwned}", str(pwned)) for key, value in HOSTILE.items()}
    data["braces"] = "{semi}"  # a value that looks like a placeholder is not rendered again
    templates = [f"{{{key}}}" for key in HOSTILE] + ["prefix {semi} suffix", "{missing}"]
    spec = SignalSpec(run=(sys.executable, _script(tmp_path, "a.py", ARGV_SCRIPT), str(out),
                           *templates))  # fmt: skip
    runner = SignalRunner([spec])
    try:
        (outcome,) = await _run(runner, data)
    finally:
        await runner.close()
    assert outcome.ok and outcome.text == "signal 1 done"
    (line,) = out.read_text(encoding="utf-8").splitlines()
    # One argument per template, each exactly the value: nothing split, joined or run.
    assert json.loads(line) == [
        *(data[key] for key in HOSTILE),
        f"prefix {data['semi']} suffix",
        "",
    ]
    assert not pwned.exists()


async def test_a_command_that_writes_a_file_runs_once_per_matching_event(
    tmp_path: Path,
) -> None:
    out = tmp_path / "argv.jsonl"
    script = _script(tmp_path, "a.py", ARGV_SCRIPT)
    spec = SignalSpec(channel="deploys", event="deploy.*",
                      run=(sys.executable, script, str(out), "Deployed {service}"))  # fmt: skip
    runner = SignalRunner([spec])
    try:
        assert runner.submit("ops", "deploys", "deploy.finished", {"service": "api"}) == 1
        assert runner.submit("ops", "other", "deploy.finished", {"service": "x"}) == 0
        assert runner.submit("ops", "deploys", "build.finished", {"service": "y"}) == 0
        await runner.drain()
    finally:
        await runner.close()
    assert out.read_text(encoding="utf-8") == '["Deployed api"]\n'


@pytest.mark.expect_log_warnings(r"beacon\.signals: signal 1: .* killed after 0\.5 s")
async def test_a_hanging_command_and_its_children_are_killed_at_the_timeout(
    tmp_path: Path,
) -> None:
    pids = tmp_path / "pids"
    spec = SignalSpec(
        run=(sys.executable, _script(tmp_path, "hang.py", HANG_SCRIPT), str(pids)), timeout=0.5
    )
    runner = SignalRunner([spec])
    started = time.monotonic()
    try:
        (outcome,) = await _run(runner, {})
    finally:
        await runner.close()
    assert time.monotonic() - started < 5
    assert not outcome.ok and outcome.text == "signal 1 failed: killed after 0.5 s"
    parent, child = (int(pid) for pid in pids.read_text().split())
    # The grandchild, orphaned by the kill, may linger a moment until init reaps it.
    deadline = time.monotonic() + 5
    while (_alive(parent) or _alive(child)) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not _alive(parent) and not _alive(child)


@pytest.mark.expect_log_warnings(
    r"beacon\.signals: signal 1: .* exit status 3",
    r"beacon\.signals: signal 2 failed: cannot start /nonexistent/program",
    r"beacon\.signals: signal 3 failed: the event's data put a NUL byte",
)
async def test_failures_say_what_happened(tmp_path: Path) -> None:
    failing = SignalSpec(run=(sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"))
    missing = SignalSpec(run=("/nonexistent/program",))
    nul = SignalSpec(run=("true", "{value}"))
    runner = SignalRunner([failing, missing, nul])
    try:
        outcomes = await _run(runner, {"value": "a\0b"})
    finally:
        await runner.close()
    assert [o.text for o in outcomes] == [
        "signal 1 failed: exit status 3",
        "signal 2 failed: cannot start /nonexistent/program: No such file or directory",
        "signal 3 failed: the event's data put a NUL byte in an argument",
    ]


@pytest.mark.expect_log_warnings(r"beacon\.signals: signal 1 ran 7 times in the last minute")
async def test_the_rate_limit_holds_under_a_thousand_matching_events(tmp_path: Path) -> None:
    out = tmp_path / "argv.jsonl"
    script = _script(tmp_path, "a.py", ARGV_SCRIPT)
    now = [1000.0]
    spec = SignalSpec(run=(sys.executable, script, str(out), "{n}"), max_per_minute=7)
    runner = SignalRunner([spec], clock=lambda: now[0])
    try:
        started = sum(
            runner.submit("ops", "deploys", "deploy.finished", {"n": n}) for n in range(1000)
        )
        await runner.drain()
        assert started == 7
        assert len(out.read_text().splitlines()) == 7
        now[0] += 59.0  # still within the minute of the first runs
        assert runner.submit("ops", "deploys", "deploy.finished", {"n": 1000}) == 0
        now[0] += 1.5  # a minute after them: room again, for 7
        started = sum(
            runner.submit("ops", "deploys", "deploy.finished", {"n": n}) for n in range(1000)
        )
        await runner.drain()
    finally:
        await runner.close()
    assert started == 7
    # The first 7 of each burst ran, in whatever order the processes finished.
    runs = sorted(json.loads(line)[0] for line in out.read_text().splitlines())
    assert runs == sorted([str(n) for n in range(7)] * 2)


class Hook:
    """A webhook receiver: records each POST, answers ``status`` with ``size`` bytes (or
    never, with ``hang``)."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, str], Any]] = []
        self.status = 204
        self.size = 0
        self.hang = False
        self.port = 0
        self.sent = 0
        self._stop = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, v in (line.split(":", 1) for line in head[1:] if ":" in line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.posted.append((head[0], headers, json.loads(body)))
            if self.hang:
                await self._stop.wait()
                return
            writer.write(
                f"HTTP/1.1 {self.status} X\r\nContent-Length: {self.size}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            chunk = b"x" * 65536
            while self.sent < self.size:
                part = chunk[: self.size - self.sent]
                writer.write(part)
                await writer.drain()
                self.sent += len(part)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.close()


@pytest_asyncio.fixture
async def hook() -> AsyncIterator[Hook]:
    server = Hook()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


async def test_post_sends_the_event_as_json(hook: Hook) -> None:
    spec = SignalSpec(post=f"http://127.0.0.1:{hook.port}/hooks/{{service}}")
    runner = SignalRunner([spec])
    data = {"service": "api/../x y", "by": "ann"}
    try:
        (outcome,) = await _run(runner, data)
    finally:
        await runner.close()
    assert outcome.ok
    ((request_line, headers, body),) = hook.posted
    # The value stays one path segment, percent-encoded.
    assert request_line == "POST /hooks/api%2F..%2Fx%20y HTTP/1.1"
    assert headers["content-type"] == "application/json"
    assert body == {"account": "ops", "channel": "deploys", "event": "deploy.finished",
                    "data": data}  # fmt: skip


@pytest.mark.expect_log_warnings(
    r"beacon\.signals: signal 1 failed: 500 x+$",
    r"beacon\.signals: signal 1 failed: no answer within 0\.5 s",
)
async def test_post_failures_read_only_a_capped_answer_and_time_out(hook: Hook) -> None:
    hook.status, hook.size = 500, 1000 * MAX_RESPONSE
    runner = SignalRunner([SignalSpec(post=f"http://127.0.0.1:{hook.port}/h", timeout=0.5)])
    try:
        (outcome,) = await _run(runner, {})
        assert outcome.text == "signal 1 failed: 500 " + "x" * 80
        # The server could send far more than the cap; the runner stopped reading early.
        assert hook.sent < 1000 * MAX_RESPONSE
        hook.hang = True
        (outcome,) = await _run(runner, {})
    finally:
        await runner.close()
    assert outcome.text == "signal 1 failed: no answer within 0.5 s"


# --- consent ------------------------------------------------------------------------------


def test_consent_is_for_exactly_the_confirmed_definitions(tmp_path: Path) -> None:
    path = tmp_path / "state" / "signals-confirmed"
    signals = [SignalSpec(run=("notify-send", "Deployed {service}"))]
    assert is_confirmed([], path)  # nothing to run needs no consent
    assert not is_confirmed(signals, path)
    confirm(signals, path)
    assert is_confirmed(signals, path)
    edited = [SignalSpec(run=("notify-send", "Deployed {service}", "--urgency=critical"))]
    assert not is_confirmed(edited, path)
    assert not is_confirmed([SignalSpec(run=("notify-send", "Deployed {service}"), timeout=60)],
                            path)  # fmt: skip
    assert digest(signals) != digest(edited)
    assert describe(signals[0]) == (
        'run ["notify-send", "Deployed {service}"]  (on channel *, event *)'
    )


def _item(item_id: int, **fields: Any) -> FeedItem:
    values: dict[str, Any] = dict(
        account="ops", channel="deploys", event="deploy.finished", title="t", body="b",
        url=None, priority=Priority.NORMAL, payload=json.dumps({"service": "api"}),
        received_at=datetime.now(UTC), id=item_id,
    )  # fmt: skip
    values.update(fields)
    return FeedItem(**values)


@pytest.mark.expect_log_warnings(
    r"beacon\.signals: an event matches a \[\[signal\]\], but signals are off",
    r"beacon\.signals: signal 2: .* exit status 4",
)
async def test_the_app_runs_nothing_until_confirmed_and_asks_again_after_an_edit(
    tmp_path: Path,
) -> None:
    out = tmp_path / "argv.jsonl"
    script = _script(tmp_path, "a.py", ARGV_SCRIPT)
    consent = tmp_path / "state" / "signals-confirmed"
    writes = SignalSpec(run=(sys.executable, script, str(out), "{service}"))
    fails = SignalSpec(run=(sys.executable, "-c", "raise SystemExit(4)"))
    recorded: list[tuple[int, str]] = []
    signals = ItemSignals([writes, fails], [], consent, lambda i, t: recorded.append((i, t)))
    try:
        signals.on_items([_item(1), _item(2)])
        await signals.drain()
        assert not out.exists() and recorded == []  # unconfirmed: nothing ran

        confirm([writes, fails], consent)  # the settings window's "Run these signals"
        assert signals.recheck()
        signals.on_items([_item(3), _item(4, catchup=True)])
        await signals.drain()
        assert out.read_text() == '["api"]\n'  # item 3 only: caught-up items run nothing
        assert recorded == [(3, "signal 2 failed: exit status 4")]

        edited = SignalSpec(run=(sys.executable, script, str(out), "edited {service}"))
        await signals.apply([edited, fails], [])
        assert not signals.confirmed
        signals.on_items([_item(5)])
        await signals.drain()
        assert out.read_text() == '["api"]\n'
    finally:
        await signals.close()
    assert os.path.exists(consent)
