"""``beacon history`` as a user runs it: a subprocess with temporary XDG dirs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from beacon.feed.item import Priority
from beacon.store.history import HISTORY_FILE, History
from support.cli import profile_env, run_beacon
from support.feeditems import make_item


@pytest.fixture
def xdg(tmp_path: Path) -> dict[str, str]:
    return profile_env(tmp_path, TZ="UTC")


def beacon(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_beacon(env, "history", *args)


@pytest.fixture
def stored(xdg: dict[str, str]) -> list[int]:
    path = Path(xdg["XDG_DATA_HOME"]) / "beacon" / HISTORY_FILE
    with History(path) as h:
        items = h.add_batch(
            [
                make_item(
                    1,
                    title="Printer on fire",
                    body="Third floor\nnear the kitchen",
                    received_at=datetime(2026, 11, 27, 21, 4, 5, 123456, tzinfo=UTC),
                    data={"id": 1, "subject": "Printer on fire"},
                ),
                make_item(
                    2,
                    channel="private-agent-7",
                    title="Assigned to you",
                    body="x" * 200,
                    url="https://helpdesk.example.com/tickets/2",
                    priority=Priority.HIGH,
                    received_at=datetime(2026, 11, 27, 21, 5, tzinfo=UTC),
                ),
                # Data that was not JSON is stored as the raw string.
                replace(
                    make_item(
                        3,
                        title="Escape \x1b[2J attempt",
                        received_at=datetime(2026, 11, 27, 21, 6, tzinfo=UTC),
                    ),
                    payload="plain {text",
                ),
            ]
        )
        h.mark_read([items[0].id or 0])
    return [i.id or 0 for i in items]


def test_missing_history_prints_nothing(xdg: dict[str, str]) -> None:
    result = beacon(xdg)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not (Path(xdg["XDG_DATA_HOME"]) / "beacon" / HISTORY_FILE).exists()


def test_human_output_newest_first(xdg: dict[str, str], stored: list[int]) -> None:
    result = beacon(xdg)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("2026-11-27 21:06:00  tickets  Escape [2J attempt")
    assert "\x1b" not in result.stdout
    assert lines[1].startswith("2026-11-27 21:05:00  private-agent-7  Assigned to you  xxx")
    assert len(lines[1]) < 200
    assert lines[2] == "2026-11-27 21:04:05  tickets  Printer on fire  Third floor near the kitchen"


def test_human_output_drops_bidi_controls(xdg: dict[str, str]) -> None:
    """A right-to-left override in a stored title would reverse the rest of its line in
    a terminal that orders bidi text: the line keeps none."""
    path = Path(xdg["XDG_DATA_HOME"]) / "beacon" / HISTORY_FILE
    with History(path) as h:
        h.add_batch(
            [
                make_item(
                    1,
                    title="\u202eLRO override",
                    body="after \u2067it",
                    received_at=datetime(2026, 11, 27, 21, 4, 5, tzinfo=UTC),
                )
            ]
        )
    result = beacon(xdg)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2026-11-27 21:04:05  tickets  LRO override  after it\n"


def test_json_output(xdg: dict[str, str], stored: list[int]) -> None:
    result = beacon(xdg, "--json", "--limit", "2")
    assert result.returncode == 0, result.stderr
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in objs] == [stored[2], stored[1]]
    assert objs[0]["data"] == "plain {text"
    assert objs[1] == {
        "id": stored[1],
        "account": "support",
        "channel": "private-agent-7",
        "event": "ticket.created",
        "title": "Assigned to you",
        "body": "x" * 200,
        "url": "https://helpdesk.example.com/tickets/2",
        "priority": "high",
        "received_at": "2026-11-27T21:05:00.000Z",
        "read": False,
        "data": {"id": 2, "subject": "Assigned to you"},
    }


def test_json_times_and_read(xdg: dict[str, str], stored: list[int]) -> None:
    result = beacon(xdg, "--json", "--search", "printer")
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert obj["received_at"] == "2026-11-27T21:04:05.123Z"
    assert obj["read"] is True
    assert obj["data"] == {"id": 1, "subject": "Printer on fire"}


def test_search_and_channel(xdg: dict[str, str], stored: list[int]) -> None:
    result = beacon(xdg, "--search", "kitch")
    assert [line.split("  ")[2] for line in result.stdout.splitlines()] == ["Printer on fire"]
    result = beacon(xdg, "--channel", "private-agent-7")
    assert [line.split("  ")[2] for line in result.stdout.splitlines()] == ["Assigned to you"]
    result = beacon(xdg, "--search", 'NEAR( "unbalanced')
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_not_a_database(xdg: dict[str, str]) -> None:
    path = Path(xdg["XDG_DATA_HOME"]) / "beacon" / HISTORY_FILE
    path.parent.mkdir(parents=True)
    path.write_text("garbage" * 100)
    result = beacon(xdg)
    assert result.returncode == 1
    assert str(path) in result.stderr
    assert result.stdout == ""


def test_stdout_that_cannot_be_written_is_an_error_in_words(
    xdg: dict[str, str], stored: list[int]
) -> None:
    """`beacon history > /dev/full` ended in a Python traceback."""
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "beacon", "history"],
            env=xdg,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "beacon history: cannot write to standard output: No space left on device\n"
    )


def test_reads_while_the_app_is_writing(xdg: dict[str, str], stored: list[int]) -> None:
    # The app may hold the write lock mid-batch: `beacon history` must not wait for it.
    path = Path(xdg["XDG_DATA_HOME"]) / "beacon" / HISTORY_FILE
    with closing(sqlite3.connect(path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM items")
        started = time.monotonic()
        result = beacon(xdg, "--json")
        elapsed = time.monotonic() - started
        writer.execute("ROLLBACK")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    # Far below the 5 s busy timeout: it never waited for the lock.
    assert elapsed < 4
