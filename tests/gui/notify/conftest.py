"""Fixtures for the notification tests: dunst as the user sees it, and buses without it.

- ``dunst``: the headless desktop's own dunst, on the session bus, read through
  ``dunstctl`` (FACTS.md: history lists only closed notifications, so it closes first).
- ``private_bus``: a D-Bus session bus of the test's own with nothing on it, and no
  service files, so nothing can be activated there: "dunst absent".
- ``tray``: a tray icon on the desktop's panel, as a StatusNotifier item, whose
  messages Qt sends to the desktop's dunst.
- ``frozen_dunst``: the desktop's dunst, stopped (SIGSTOP) until the test ends: a
  notification server that is there but never answers.
- ``private_dunst``: a second dunst on that bus, with a ``dmenu`` script that records the
  context menu it is offered and picks a chosen line: how a test presses a button
  (FACTS.md). Stopping it mid-test is "the notification server went away".
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QSystemTrayIcon

from beacon.tray.notify import PresenterChain
from support.feedapp import wait_until

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# The rig's dunstrc, plus a dmenu that the test drives (see DunstCtl.choose).
_DUNSTRC = """[global]
    monitor = 0
    follow = none
    width = 360
    origin = top-left
    offset = 10x40
    history_length = 200
    idle_threshold = 0
    dmenu = {dmenu}
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"""

# Records the menu dunst offers, answers with the first line holding $BEACON_CHOICE.
_DMENU = """#!/bin/sh
cat > "{offered}.part"
grep -F -m1 -- "$(cat "{choice}")" "{offered}.part"
mv "{offered}.part" "{offered}"
"""


class DunstCtl:
    """``dunstctl`` against one bus."""

    def __init__(self, env: dict[str, str], root: Path | None = None) -> None:
        self.env = env
        self._root = root

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, check=True,
            timeout=10,
        ).stdout  # fmt: skip

    def displayed(self) -> int:
        return int(self.run("count", "displayed").strip())

    def close_all(self) -> None:
        self.run("close-all")

    def history(self, appname: str) -> list[dict[str, Any]]:
        """Closed notifications of ``appname``, newest first, as plain values."""
        entries = json.loads(self.run("history"))["data"][0]
        plain = [{key: value["data"] for key, value in entry.items()} for entry in entries]
        return [entry for entry in plain if entry["appname"] == appname]

    async def choose(self, text: str) -> list[str]:
        """Open the context menu, pick the line holding ``text``; the lines offered."""
        assert self._root is not None, "only the private dunst has a scripted dmenu"
        offered = self._root / "offered"
        offered.unlink(missing_ok=True)
        (self._root / "choice").write_text(text)
        self.run("context")  # returns at once; dunst runs the menu on its own
        await wait_until(offered.exists)
        return offered.read_text().splitlines()


@pytest.fixture
def dunst() -> Iterator[DunstCtl]:
    """The desktop's dunst, emptied of what earlier tests left on screen."""
    ctl = DunstCtl(dict(os.environ))
    ctl.close_all()
    yield ctl
    ctl.close_all()


@pytest.fixture
def app_name() -> str:
    """A name of this test's own, to tell its notifications from any other's."""
    return f"Beacon test {uuid.uuid4().hex[:8]}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def private_bus(tmp_path: Path) -> Iterator[str]:
    """The address of a session bus of this test's own, with no notification server."""
    config = tmp_path / "bus.conf"
    sockets = tmp_path / "bus"
    sockets.mkdir()
    config.write_text(_BUS_CONFIG.format(dir=sockets))
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", f"--print-address={write_fd}"],
        pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        address = pipe.readline().strip()
    try:
        assert address, "dbus-daemon reported no address"
        yield address
    finally:
        _stop(process)


class PrivateDunst(DunstCtl):
    def __init__(self, env: dict[str, str], root: Path, process: subprocess.Popen[bytes]):
        super().__init__(env, root)
        self.process = process

    def stop(self) -> None:
        _stop(self.process)


@pytest.fixture
async def private_dunst(private_bus: str, tmp_path: Path) -> AsyncIterator[PrivateDunst]:
    """A dunst of this test's own on ``private_bus``, with a scripted context menu."""
    root = tmp_path / "dunst"
    root.mkdir()
    dmenu = root / "dmenu.sh"
    dmenu.write_text(_DMENU.format(offered=root / "offered", choice=root / "choice"))
    dmenu.chmod(dmenu.stat().st_mode | stat.S_IXUSR)
    (root / "dunstrc").write_text(_DUNSTRC.format(dmenu=dmenu))
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": private_bus}
    with open(root / "dunst.log", "wb") as log:
        process = subprocess.Popen(
            ["dunst", "-config", str(root / "dunstrc")], env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
    ctl = PrivateDunst(env, root, process)

    def owned() -> bool:
        result = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
             "string:org.freedesktop.Notifications"],
            env=env, capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
        assert process.poll() is None, (root / "dunst.log").read_text()
        return "boolean true" in result.stdout

    try:
        await wait_until(owned, timeout=15)
        yield ctl
    finally:
        ctl.stop()


def _tray_host_registered() -> bool:
    result = subprocess.run(
        ["busctl", "--user", "get-property", "org.kde.StatusNotifierWatcher",
         "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher",
         "IsStatusNotifierHostRegistered"],
        capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    return result.stdout.strip() == "b true"


@pytest.fixture
async def tray(qapp: Any) -> AsyncIterator[QSystemTrayIcon]:
    """A tray icon on the desktop's panel, shown as a StatusNotifier item.

    Qt picks StatusNotifier (whose messages go to the notification server) only when a
    host is registered; right after the desktop starts, the panel may not be yet.
    """
    await wait_until(_tray_host_registered, timeout=15)
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor("#2e7d32"))
    icon = QSystemTrayIcon(QIcon(pixmap))
    icon.show()
    yield icon
    icon.hide()


@pytest.fixture
async def chains() -> AsyncIterator[list[PresenterChain]]:
    made: list[PresenterChain] = []
    yield made
    for chain in made:
        await chain.aclose()


class FrozenDunst:
    """The desktop's dunst, stopped: it keeps its name on the bus and answers nothing."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.frozen = False

    def freeze(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.frozen:
            os.kill(self.pid, signal.SIGCONT)
            self.frozen = False


@pytest.fixture
def frozen_dunst(dunst: DunstCtl) -> Iterator[FrozenDunst]:
    """Call ``freeze()``; the desktop's dunst runs again when the test ends, whatever
    happened (after this fixture, ``dunst`` empties it with dunstctl)."""
    out = subprocess.run(
        ["busctl", "--user", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
         "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s",
         "org.freedesktop.Notifications"],
        capture_output=True, text=True, timeout=10, check=True,
    ).stdout  # fmt: skip
    frozen = FrozenDunst(int(out.split()[1]))  # "u 1234"
    try:
        yield frozen
    finally:
        frozen.thaw()
