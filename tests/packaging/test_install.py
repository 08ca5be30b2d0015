"""``pip install .`` into a fresh venv and ``pipx install .`` each give a working
``beacon``, as a user gets it from a checkout: ``beacon --version``; the installed copy
finding its own icons and translations (never the checkout's); ``beacon demo`` showing
its window and tray icon on the headless desktop.

Each scheme installs once for the whole module (``-s`` prints how long each takes). The
installs read a copy of the checkout, as pip builds in the source tree (hatch_build.py
compiles the translations there), which must stay clean. The dependencies come from
PyPI, through pip's cache that tests/run's own install of .venv filled; pipx is Debian's
(tests/run installs it), as a Debian 12 user gets it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from beacon import __version__
from support import smoke
from support.launcher import BeaconProcess

pytestmark = [pytest.mark.gui, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
#: The python3 that tests/run made .venv with: the machine's, as a user's ``python3``.
PYTHON3 = Path(sys.base_prefix) / "bin" / "python3"

#: Run by the installed venv's python, isolated (-I) and away from the checkout: what the
#: installed package finds. Qt needs an application for the icon and the translators.
PROBE = """
import json
from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtWidgets import QApplication

app = QApplication([])
import beacon
from beacon import resources
from beacon.ui import i18n

icon = resources.app_icon()
i18n.install("de")
print(json.dumps({
    "package": beacon.__file__,
    "resources": str(resources.resources_dir()),
    "svg": str(resources.resource(resources.APP_ICON)),
    "icon_is_null": icon.isNull(),
    "icon_width": icon.pixmap(QSize(48, 48)).width(),
    "translations": i18n.translations_dir(),
    "high": QCoreApplication.translate("Priority", "high"),
}))
"""


@dataclass(frozen=True)
class Install:
    scheme: str
    venv: Path  # the venv that holds Beacon
    beacon: Path  # the command a user runs

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _user_env(**extra: str) -> dict[str, str]:
    """This environment less anything that points at the checkout or its .venv, which
    tests/run puts first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    venv_bin = str(Path(sys.executable).parent)
    path = env.get("PATH", "").split(os.pathsep)
    env["PATH"] = os.pathsep.join(p for p in path if p != venv_bin)
    return {**env, **extra}


def _timed(what: str, argv: Sequence[str | Path], env: dict[str, str], cwd: Path) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [str(a) for a in argv], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{what} failed:\n{done.stdout}\n{done.stderr}"
    print(f"install: {what} took {time.monotonic() - started:.1f} s", flush=True)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout's files as git sees them (committed or not, less what it ignores,
    so no .venv, no node_modules), copied: the installs build in there."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    copy = tmp_path_factory.mktemp("checkout")
    for name in listed.decode().split("\0"):
        if name and (ROOT / name).is_file():  # a tracked file deleted in the tree: gone
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    return copy


@pytest.fixture(scope="module", params=["pip", "pipx"])
def installed(
    request: pytest.FixtureRequest, source: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Install]:
    work = tmp_path_factory.mktemp(request.param)
    try:
        yield _install(request.param, source, work)
    finally:
        # 300 MB each (Qt), kept by pytest for the last three runs otherwise.
        shutil.rmtree(work, ignore_errors=True)


def _install(scheme: str, source: Path, work: Path) -> Install:
    if scheme == "pip":
        venv = work / "venv"
        _timed("python3 -m venv", [PYTHON3, "-m", "venv", venv], _user_env(), work)
        _timed("pip install .", [venv / "bin/pip", "install", source], _user_env(), work)
        return Install("pip", venv, venv / "bin/beacon")
    # Everything pipx keeps (its venvs, its shared pip, the commands' links) in here.
    env = _user_env(PIPX_HOME=str(work / "pipx"), PIPX_BIN_DIR=str(work / "bin"))
    pipx = shutil.which("pipx", path=env["PATH"])
    assert pipx is not None, "no pipx: tests/run installs Debian's"
    _timed("pipx install .", [pipx, "install", source], env, work)
    return Install("pipx", work / "pipx/venvs/beacon-desktop", work / "bin/beacon")


def test_beacon_version(installed: Install, tmp_path: Path) -> None:
    if installed.scheme == "pipx":
        # pipx's command is a link in PIPX_BIN_DIR to the one in its venv.
        assert installed.beacon.resolve() == (installed.venv / "bin/beacon").resolve()
    result = subprocess.run(
        [str(installed.beacon), "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
        env=_user_env(),
    )
    assert (result.returncode, result.stdout.strip()) == (0, f"beacon {__version__}")


def test_the_installed_copy_finds_its_icons_and_translations(
    installed: Install, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(installed.python), "-I", "-c", PROBE],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
        env=_user_env(QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    site = Path(found["package"]).parent.parent
    assert site.is_relative_to(installed.venv), found
    # The package's own copy (beacon/_resources), not the checkout's resources/.
    packaged = site / "beacon/_resources"
    assert Path(found["resources"]) == packaged
    assert Path(found["svg"]) == packaged / "icons/beacon.svg"
    assert not found["icon_is_null"] and found["icon_width"] == 48, found
    # The wheel's build compiled the catalogues; German is loaded from there.
    assert Path(found["translations"]) == packaged / "translations"
    catalogues = sorted(p.name for p in (packaged / "translations").glob("*.qm"))
    assert found["high"] == "hoch", (found, catalogues)
    assert catalogues == ["beacon_de.qm", "beacon_en.qm"]


@pytest.fixture
def demo(installed: Install, tmp_path: Path) -> Iterator[BeaconProcess]:
    process = BeaconProcess(tmp_path, "demo", command=[str(installed.beacon)], env=_user_env())
    try:
        yield process
    finally:
        process.kill()


def test_beacon_demo_shows_its_window_and_tray_icon_and_stops_cleanly(
    demo: BeaconProcess,
) -> None:
    smoke.check_demo_shows_window_and_tray_icon_and_stops(demo)
