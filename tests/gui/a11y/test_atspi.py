"""Beacon as a screen reader sees it: the real app on the AT-SPI bus, read with pyatspi.

The app runs as people start it (``beacon demo``, ``beacon settings``), with Qt's bridge
to the accessibility bus switched on; ``atspi_probe.py`` reads its tree and follows its
focus events under the system Python, where Debian's ``python3-pyatspi`` is.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.launcher import BeaconProcess

PROBE = Path(__file__).with_name("atspi_probe.py")
SYSTEM_PYTHON = "/usr/bin/python3"

#: Roles a user acts on: each needs a name and a description.
INTERACTIVE = {
    "push button",
    "text",
    "password text",
    "combo box",
    "check box",
    "radio button",
    "spin button",
    "list",
    "page tab",
    "toggle button",
}


class App(BeaconProcess):
    """``python -m beacon ARGS`` on the accessibility bus, read by ``atspi_probe.py``."""

    def __init__(self, tmp_path: Path, *args: str, **kwargs: Any) -> None:
        super().__init__(tmp_path, *args, accessible=True, **kwargs)

    def probe(self, *args: str, timeout: float = 120) -> Any:
        return run_probe(args[0], str(self.pid), *args[1:], timeout=timeout)


def run_probe(*args: str, timeout: float = 120) -> Any:
    """``atspi_probe.py ARGS`` under the system Python; what it printed, parsed."""
    done = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def apps() -> Iterator[list[App]]:
    started: list[App] = []
    yield started
    for app in started:
        app.kill()


def unnamed(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Focusable objects on screen that a screen reader could not name or describe."""
    bad = []
    for entry in tree:
        if not (entry["focusable"] and entry["showing"]):
            continue
        if entry["role"] in ("unknown", ""):
            bad.append(entry)
        elif not entry["name"].strip():
            # A label's name is its text: an empty one (a status with nothing to say, which
            # takes a click focus to let its text be selected) still says what it is for.
            if entry["role"] != "label" or not entry["description"].strip():
                bad.append(entry)
        elif entry["role"] in INTERACTIVE and not entry["description"].strip():
            bad.append(entry)
        elif entry["role"] == "combo box" and not any(n.strip() for n in entry["labelled_by"]):
            # On Linux a combo box's name is its current value: without a label, nobody
            # hears what it chooses.
            bad.append(entry)
    return bad


def test_feed_window_names_every_control(tmp_path: Path, apps: list[App]) -> None:
    app = App(tmp_path, "demo")
    apps.append(app)
    app.wait_for("committed")  # the first burst is in the list
    tree = app.probe("tree")

    assert [e["name"] for e in tree if e["role"] == "frame"] == ["Beacon feed"]
    assert [(e["role"], e["name"], e["parent"]) for e in unnamed(tree)] == []
    combos = {e["labelled_by"][0]: e for e in tree if e["role"] == "combo box"}
    assert set(combos) == {"Account", "Channel", "Priority"}
    # "All channels", or "All channels  (burst)" while the demo's first burst is charted.
    assert combos["Channel"]["name"].startswith("All channels")
    rows = [e for e in tree if e["role"] == "list item" and e["parent"] == "Feed"]
    assert rows, "no rows of the feed on the bus"
    # A row says, in words, whether it is read (and its priority, when not normal).
    assert all(re.match(r"(Unread|Read)\. ", row["name"]) for row in rows), rows
    assert app.stop() == 0


def test_focus_order_and_the_update_bar_announcement(tmp_path: Path, apps: list[App]) -> None:
    app = App(tmp_path, "demo")
    apps.append(app)
    app.wait_for("committed")
    app.focus_window("Beacon")
    heard = app.probe(
        "keys",
        *["Tab"] * 8,
        "Down",  # opens the second row: new items now wait behind the bar
        "announcement",
        "alt+u",  # shows them, on the newest item
        timeout=240,
    )
    focus = heard["focus"]
    order = [(f["role"], f["name"]) if f else None for f in focus[:8]]
    # The channel box's name carries "(burst)" while the demo's first burst is charted.
    order[1] = (order[1][0], order[1][1].split("  (")[0]) if order[1] else None
    assert order == [
        ("combo box", "All accounts"),
        ("combo box", "All channels"),
        ("combo box", "Any priority"),
        ("check box", "Show unread items only"),
        ("check box", "Show muted items too, dimmed"),
        ("push button", "Show the activity chart"),
        ("push button", "Mark all shown items read"),
        ("list", "Feed"),
    ], focus
    opened = focus[8]
    assert opened is not None and opened["role"] == "list item", focus
    announced = [a["text"] for a in heard["announcements"]]
    assert any(re.fullmatch(r"\d+ new updates?", text) for text in announced), heard
    revealed = focus[10]
    assert revealed is not None and revealed["role"] == "list item", focus

    # The details pane speaks the open item's title and meta line, not "Title".
    tree = app.probe("tree")
    details = [e for e in tree if e["description"] == "Title of the open item"]
    assert details and details[0]["showing"], details
    title = details[0]["name"]
    assert title and title != "Title"
    assert title in revealed["name"]
    meta = [e for e in tree if e["description"] == "Account, channel, event and time"]
    assert meta and "demo" in meta[0]["name"], meta
    assert app.stop() == 0


def test_settings_window_names_every_control(tmp_path: Path, apps: list[App]) -> None:
    app = App(tmp_path, "settings")
    apps.append(app)
    deadline = time.monotonic() + 60
    while True:  # the window is shown once the file is read
        tree = app.probe("tree")
        windows = [e["name"] for e in tree if e["depth"] == 0 and e["showing"]]
        if any(name.startswith("Beacon settings") for name in windows):
            break
        assert time.monotonic() < deadline, windows
    assert [(e["role"], e["name"], e["parent"]) for e in unnamed(tree)] == []
    names = {e["name"] for e in tree if e["showing"]}
    assert {"Add account", "Accounts", "Save"} <= names, names
    assert app.stop() == 0
