"""The bundle smoke test: build the one-folder bundle with PyInstaller, the .deb from it,
unpack the .deb into a scratch root, and run what a user runs: ``beacon --version``, and
``beacon demo`` on the headless desktop showing its window (with its icon) and its tray
icon, then stopping cleanly on SIGTERM.

The build is what makes this slow (packaging/smoke-test prints the time of each step).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from beacon import __version__
from support import sni
from support.cli import profile_env

pytestmark = [pytest.mark.gui, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Installed:
    deb: Path
    root: Path

    @property
    def beacon(self) -> Path:
        return self.root / "usr/bin/beacon"


def _timed(name: str, argv: list[str], **kwargs: object) -> None:
    started = time.monotonic()
    subprocess.run(argv, check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]
    print(f"smoke: {name} took {time.monotonic() - started:.0f} s", flush=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("bundle")
    _timed("the bundle", ["packaging/build-bundle.sh", str(work / "dist")])
    # Uncompressed: the same package, built in seconds rather than a minute or two.
    _timed(
        "the .deb",
        ["packaging/build-deb.sh", str(work / "dist/beacon"), str(work / "deb")],
        env={**os.environ, "DEB_COMPRESSION": "none"},
    )
    (deb,) = (work / "deb").glob("beacon_*.deb")
    root = work / "root"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return Installed(deb, root)


def _wait_for(what: str, probe: Callable[[], object], timeout: float = 60) -> object:
    """Polls another process's state, for which there is no signal to wait on."""
    deadline = time.monotonic() + timeout
    while not (result := probe()):
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.2)
    return result


def test_the_deb_puts_everything_in_its_fhs_place(installed: Installed) -> None:
    root = installed.root
    assert installed.beacon.is_symlink()
    assert os.readlink(installed.beacon) == "../lib/beacon/beacon"
    desktop = root / "usr/share/applications/beacon.desktop"
    assert subprocess.run(["desktop-file-validate", str(desktop)], check=False).returncode == 0
    (metainfo,) = (root / "usr/share/metainfo").glob("*.metainfo.xml")
    assert (
        subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(metainfo)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    icons = root / "usr/share/icons/hicolor"
    assert (icons / "scalable/apps/beacon.svg").is_file()
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        assert (icons / f"{size}x{size}/apps/beacon.png").is_file()
    assert (icons / "22x22/status/beacon-connected.png").is_file()
    # The bundle's own copy, which beacon.resources finds.
    assert (root / "usr/lib/beacon/_internal/beacon/_resources/icons/beacon.svg").is_file()


def test_the_bundle_carries_the_translations(installed: Installed) -> None:
    """Beacon's compiled catalogues (the spec's build step), and Qt's German one."""
    internal = installed.root / "usr/lib/beacon/_internal"
    for name in ("beacon_de.qm", "beacon_en.qm"):
        assert (internal / "beacon/_resources/translations" / name).stat().st_size > 0
    assert (internal / "PySide6/Qt/translations/qtbase_de.qm").is_file()


def test_the_deb_depends_on_what_qt_needs(installed: Installed) -> None:
    depends = subprocess.run(
        ["dpkg-deb", "-f", str(installed.deb), "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    runtime = [
        line
        for line in (ROOT / "packaging/debian-runtime.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    names = {part.strip().split(" ")[0] for part in depends.split(",")}
    assert {"libc6", *runtime} == names
    # apt resolves it here, as it would on a clean Debian 12 (no install: a simulation).
    simulated = subprocess.run(
        ["apt-get", "install", "--simulate", str(installed.deb)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert simulated.returncode == 0, simulated.stderr
    assert "Inst beacon " in simulated.stdout


def test_beacon_version(installed: Installed) -> None:
    result = subprocess.run(
        [str(installed.beacon), "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout.strip()) == (0, f"beacon {__version__}")


@pytest.fixture(params=["checkout", "bundle"])
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """``beacon demo`` from this checkout (as ./beacon runs it) or from the installed .deb."""
    if request.param == "bundle":
        command = [str(request.getfixturevalue("installed").beacon)]
    else:
        command = [sys.executable, "-m", "beacon"]
    process = subprocess.Popen(
        [*command, "demo"],
        env=profile_env(tmp_path),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def _visible_window(pid: int) -> str:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", "Beacon"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.split()[0] if found.returncode == 0 and found.stdout else ""


def _tray_pixmaps(pid: int) -> list[tuple[int, int, bytes]]:
    with sni.session() as connection:
        item = sni.item_of_pid(connection, pid)
        return item.icon_pixmaps(connection) if item is not None else []


def test_beacon_demo_shows_its_window_and_tray_icon_and_stops_cleanly(
    demo: subprocess.Popen[str],
) -> None:
    window = _wait_for("the window", lambda: _visible_window(demo.pid))
    # The window's icon is the app icon, found through beacon.resources in the bundle.
    wm_icon = subprocess.run(
        ["xprop", "-id", str(window), "_NET_WM_ICON"], capture_output=True, text=True, check=True
    ).stdout
    assert "Icon (16 x 16)" in wm_icon or "16, 16" in wm_icon, wm_icon[:200]
    pixmaps = _wait_for("the tray icon", lambda: _tray_pixmaps(demo.pid))
    assert isinstance(pixmaps, list)
    assert any(w == h and w > 0 and any(data) for w, h, data in pixmaps)
    assert demo.poll() is None
    demo.send_signal(signal.SIGTERM)
    _, stderr = demo.communicate(timeout=60)
    assert demo.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
