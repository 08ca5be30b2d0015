"""The smoke check of an installed Beacon: ``beacon demo``, however it was installed (the
.deb, ``pip install .``, ``pipx install .``), shows its window with the app icon and its
tray icon on the headless desktop, then stops cleanly on SIGTERM.

Shared by tests/packaging/test_bundle.py and tests/packaging/test_install.py, so every
install is held to the same check.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from support import sni
from support.launcher import BeaconProcess


def wait_for(what: str, probe: Callable[[], object], timeout: float = 60) -> object:
    """Polls another process's state, for which there is no signal to wait on."""
    deadline = time.monotonic() + timeout
    while not (result := probe()):
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.2)
    return result


def visible_window(pid: int) -> str:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", "Beacon"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.split()[0] if found.returncode == 0 and found.stdout else ""


def tray_pixmaps(pid: int) -> list[tuple[int, int, bytes]]:
    with sni.session() as connection:
        item = sni.item_of_pid(connection, pid)
        return item.icon_pixmaps(connection) if item is not None else []


def _while_running(demo: BeaconProcess, probe: Callable[[], object]) -> Callable[[], object]:
    """``probe``, failing at once with the log when the demo has ended (a broken install
    crashes at start), rather than after wait_for's whole timeout."""

    def probe_running() -> object:
        status = demo.process.poll()
        assert status is None, f"beacon demo ended with status {status}:\n{demo.log}"
        return probe()

    return probe_running


def check_demo_shows_window_and_tray_icon_and_stops(demo: BeaconProcess) -> None:
    """``demo`` is a started ``beacon demo``; this stops it."""
    window = wait_for("the window", _while_running(demo, lambda: visible_window(demo.pid)))
    # The window's icon is the app icon, found through beacon.resources in the install.
    wm_icon = subprocess.run(
        ["xprop", "-id", str(window), "_NET_WM_ICON"], capture_output=True, text=True, check=True
    ).stdout
    assert "Icon (16 x 16)" in wm_icon or "16, 16" in wm_icon, wm_icon[:200]
    pixmaps = wait_for("the tray icon", _while_running(demo, lambda: tray_pixmaps(demo.pid)))
    assert isinstance(pixmaps, list)
    assert any(w == h and w > 0 and any(data) for w, h, data in pixmaps)
    assert demo.process.poll() is None
    assert demo.stop(timeout=60) == 0, demo.log
    assert "Traceback" not in demo.log, demo.log
