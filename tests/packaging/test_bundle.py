"""The bundle smoke test: build the one-folder bundle with PyInstaller and the .deb from it,
install the .deb on this machine with apt, as a user does, and run what a user runs:
``/usr/bin/beacon --version``, and ``beacon demo`` on the headless desktop showing its
window (with its icon) and its tray icon, then stopping cleanly on SIGTERM. Last,
``apt-get purge`` removes every file the package brought.

CI's machine is a fresh Debian 12 and the suite runs as root there, so installing onto the
test machine itself is the cheapest clean install (a debootstrap chroot would add minutes).
The package's libraries are checked against its Depends as a clean machine would see them:
every system library the bundle loads must come from a package that Depends pulls in.
Whatever the install added is purged again by the fixture, even when a test fails.

The build is what makes this slow (``-s`` prints the time of each step).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from beacon import __version__
from support import smoke
from support.launcher import BeaconProcess

pytestmark = [pytest.mark.gui, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
BEACON = Path("/usr/bin/beacon")
BUNDLE = Path("/usr/lib/beacon")
#: apt waits this long for another apt or dpkg on the machine to finish.
LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=600"]


@dataclass(frozen=True)
class Installed:
    deb: Path
    files: list[Path]  # what ``dpkg -L beacon`` lists, directories left out


def _as_root(argv: Sequence[str]) -> list[str]:
    return list(argv) if os.geteuid() == 0 else ["sudo", "-n", *argv]


def _timed(name: str, argv: Sequence[str], **kwargs: object) -> None:
    kwargs.setdefault("cwd", ROOT)
    started = time.monotonic()
    subprocess.run(argv, check=True, **kwargs)  # type: ignore[call-overload]
    print(f"smoke: {name} took {time.monotonic() - started:.1f} s", flush=True)


def _apt(*args: str) -> list[str]:
    return _as_root(["apt-get", "-y", "-q", *LOCK_WAIT, *args])


def _apt_env() -> dict[str, str]:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def _installed_packages() -> set[str]:
    listed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Package}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[-1] for line in listed.splitlines() if line.startswith("ii")}


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("bundle")
    _timed("the bundle", ["packaging/build-bundle.sh", str(work / "dist")])
    # Uncompressed: the same package, built in seconds rather than a minute or two.
    _timed(
        "the .deb",
        ["packaging/build-deb.sh", str(work / "dist/beacon"), str(work / "deb")],
        env={**os.environ, "DEB_COMPRESSION": "none"},
    )
    (found,) = (work / "deb").glob("beacon_*.deb")
    return found


@pytest.fixture(scope="module")
def installed(deb: Path) -> Iterator[Installed]:
    """``apt-get install ./beacon_*.deb`` on this machine; afterwards, on success or not,
    Beacon and whatever apt added with it are purged again."""
    before = _installed_packages()
    if "beacon" in before:
        pytest.fail(
            "a beacon package is installed on this machine already: this test would replace it"
        )
    try:
        # The "./" makes apt read a file rather than look for a package of that name.
        _timed("apt-get install", _apt("install", f"./{deb.name}"), env=_apt_env(), cwd=deb.parent)
        listed = subprocess.run(
            ["dpkg", "-L", "beacon"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        yield Installed(deb, [Path(p) for p in listed if not Path(p).is_dir()])
    finally:
        added = sorted(_installed_packages() - before)
        if added:
            _timed("apt-get purge", _apt("purge", *added), env=_apt_env())
        assert _installed_packages() <= before, "the purge left packages behind"


def test_the_deb_puts_everything_in_its_fhs_place(installed: Installed) -> None:
    files = set(installed.files)
    assert BEACON in files and BEACON.is_symlink()
    assert os.readlink(BEACON) == "../lib/beacon/beacon"
    desktop = Path("/usr/share/applications/beacon.desktop")
    assert desktop in files
    assert subprocess.run(["desktop-file-validate", str(desktop)], check=False).returncode == 0
    (metainfo,) = [p for p in files if p.parent == Path("/usr/share/metainfo")]
    assert metainfo.name.endswith(".metainfo.xml")
    validated = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, check=False
    )
    assert validated.returncode == 0, validated.stdout
    icons = Path("/usr/share/icons/hicolor")
    assert icons / "scalable/apps/beacon.svg" in files
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        assert icons / f"{size}x{size}/apps/beacon.png" in files
    assert icons / "22x22/status/beacon-connected.png" in files
    # The bundle's own copy, which beacon.resources finds.
    assert BUNDLE / "_internal/beacon/_resources/icons/beacon.svg" in files
    # Nothing outside the FHS places a package may use.
    assert all(p.parts[1] == "usr" for p in files), sorted(files)
    assert all(p.exists() or p.is_symlink() for p in files)


def test_the_bundle_carries_the_translations(installed: Installed) -> None:
    """Beacon's compiled catalogues (the spec's build step), and Qt's German one."""
    internal = BUNDLE / "_internal"
    for name in ("beacon_de.qm", "beacon_en.qm"):
        path = internal / "beacon/_resources/translations" / name
        assert path in installed.files and path.stat().st_size > 0
    qtbase = internal / "PySide6/Qt/translations/qtbase_de.qm"
    assert qtbase in installed.files and qtbase.is_file()


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


def _is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def _system_libraries(bundle: Path) -> dict[Path, set[Path]]:
    """Each library outside the bundle that its programs and libraries load -> who loads
    it. PyInstaller's bootloader puts ``_internal`` on the library path, and so does this."""
    elves = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p)]
    assert len(elves) > 100, elves
    env = {**os.environ, "LD_LIBRARY_PATH": str(bundle / "_internal")}
    loaded: dict[Path, set[Path]] = {}
    for start in range(0, len(elves), 200):
        output = subprocess.run(
            ["ldd", *map(str, elves[start : start + 200])],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        ).stdout
        who = Path()
        for line in output.splitlines():
            if not line.startswith(("\t", " ")):
                who = Path(line.rstrip(":"))
            elif "not found" in line:
                raise AssertionError(f"{who}: {line.strip()}")
            elif (match := re.search(r"=> (/\S+)", line)) and not match[1].startswith(str(bundle)):
                loaded.setdefault(Path(match[1]), set()).add(who)
    return loaded


def _owners(libraries: Iterable[Path]) -> dict[Path, str]:
    """The package that owns each library (one dpkg call: it reads every file list)."""
    candidates = {
        library: [library, library.resolve(), Path("/usr", *library.parts[1:])]
        for library in libraries
    }
    paths = sorted({str(path) for paths in candidates.values() for path in paths})
    found = subprocess.run(["dpkg", "-S", *paths], capture_output=True, text=True, check=False)
    owner_of: dict[str, str] = {}
    for line in found.stdout.splitlines():
        package, _, path = line.partition(": ")
        if path and not line.startswith("diversion"):
            owner_of[path] = package.split(":")[0]
    owners = {}
    for library, paths in candidates.items():
        owned = [owner_of[str(path)] for path in paths if str(path) in owner_of]
        assert owned, f"no package owns {library}"
        owners[library] = owned[0]
    return owners


def _depends_closure(deb: Path) -> set[str]:
    """The packages apt installs for the .deb on a clean machine: its Depends, theirs, and
    so on, plus the "required" ones that every Debian system has."""
    depends = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    first = [re.split(r"[ (:]", part.strip())[0] for part in re.split(r"[,|]", depends)]
    tree = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *first],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    closure = {line.strip() for line in tree.splitlines() if not line.startswith(" ")}
    required = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Priority} ${Package}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    closure |= {line.split()[1] for line in required.splitlines() if line.startswith("required ")}
    return {name.split(":")[0] for name in closure}


def test_every_system_library_the_bundle_loads_comes_with_its_depends(
    installed: Installed,
) -> None:
    """On this machine every library is there anyway; on a clean one only what Depends
    pulls in is. So each library the bundle takes from the system must be owned by a
    package in the closure of Depends."""
    closure = _depends_closure(installed.deb)
    loaded = _system_libraries(BUNDLE)
    assert loaded, "the bundle loads nothing from the system: the check checks nothing"
    owners = _owners(loaded)
    missing = {
        owners[library]: sorted(str(p.relative_to(BUNDLE)) for p in loaders)[:3]
        for library, loaders in loaded.items()
        if owners[library] not in closure
    }
    assert missing == {}, f"packages the bundle needs that Depends does not bring: {missing}"


def test_beacon_version(installed: Installed) -> None:
    result = subprocess.run(
        [str(BEACON), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert (result.returncode, result.stdout.strip()) == (0, f"beacon {__version__}")


@pytest.fixture(params=["checkout", "installed"])
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BeaconProcess]:
    """``beacon demo`` from this checkout (as ./beacon runs it) or the one apt installed."""
    if request.param == "installed":
        request.getfixturevalue("installed")
        command: Sequence[str] = [str(BEACON)]
    else:
        command = [sys.executable, "-m", "beacon"]
    process = BeaconProcess(tmp_path, "demo", command=command)
    try:
        yield process
    finally:
        process.kill()


def test_beacon_demo_shows_its_window_and_tray_icon_and_stops_cleanly(
    demo: BeaconProcess,
) -> None:
    smoke.check_demo_shows_window_and_tray_icon_and_stops(demo)


def test_purge_removes_every_file_it_installed(installed: Installed) -> None:
    """Last in this file: the fixture's own purge then finds nothing more to do."""
    _timed("apt-get purge beacon", _apt("purge", "beacon"), env=_apt_env())
    assert "beacon" not in _installed_packages()
    assert [p for p in installed.files if p.exists() or p.is_symlink()] == []
    assert not BUNDLE.exists()
