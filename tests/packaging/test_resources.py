"""resources/: the desktop entries and the AppStream metainfo pass their validators, the
committed icons match their sources, and the package finds the folder in a checkout and
in a built wheel alike."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from beacon import resources
from beacon.resources import ResourceMissing, app_icon, resource, resources_dir

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
METAINFO = sorted(RESOURCES.glob("*.metainfo.xml"))


def _make_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "packaging/make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, check=False, timeout=120
    )


@pytest.mark.parametrize("entry", ["beacon.desktop", "autostart/beacon.desktop"])
def test_desktop_entries_pass_desktop_file_validate(entry: str) -> None:
    result = _run("desktop-file-validate", RESOURCES / entry)
    # It prints hints and warnings with status 0; the files have none of either.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_desktop_entry_is_the_one_the_app_names() -> None:
    # app.py: QGuiApplication.setDesktopFileName("beacon"); Wayland compositors and docks
    # match the window to its entry by this name.
    app_py = (ROOT / "desktop/beacon/app.py").read_text(encoding="utf-8")
    assert 'setDesktopFileName("beacon")' in app_py
    assert (RESOURCES / "beacon.desktop").is_file()


def test_metainfo_passes_appstreamcli_validate() -> None:
    assert len(METAINFO) == 1
    result = _run("appstreamcli", "validate", "--no-net", "--explain", METAINFO[0])
    assert result.returncode == 0, result.stdout + result.stderr
    # No warnings either, only the pedantic notes that --pedantic would add.
    assert "W:" not in result.stdout and "E:" not in result.stdout, result.stdout


def test_metainfo_names_the_desktop_entry_and_has_screenshots() -> None:
    root = ET.parse(METAINFO[0]).getroot()
    assert METAINFO[0].name == f"{root.findtext('id')}.metainfo.xml"
    assert root.findtext("launchable[@type='desktop-id']") == "beacon.desktop"
    images = root.findall("screenshots/screenshot/image")
    assert len(images) >= 2
    # Each screenshot is a file of this repository, at the size the metainfo says.
    for image in images:
        assert image.text is not None
        local = ROOT / image.text.split("/", 3)[3]
        size = _run("identify", "-format", "%w %h", local)
        assert size.stdout == f"{image.get('width')} {image.get('height')}", local


def test_committed_icons_match_their_sources(qapp: QApplication) -> None:
    make_icons = _make_icons()
    assert make_icons.stale() == []
    # What the check covers: the app icon in every hicolor size, every tray state in
    # every ink and size.
    names = {path.as_posix() for path, _ in make_icons.expected()}
    assert "hicolor/16x16/apps/beacon.png" in names
    assert "tray/dark/22x22/beacon-failed.png" in names
    assert len(names) == len(make_icons.APP_SIZES) + 3 * len(make_icons.TRAY_SIZES) * 4


def test_a_changed_drawing_is_caught(qapp: QApplication, tmp_path: Path) -> None:
    make_icons = _make_icons()
    make_icons.write(tmp_path)
    assert make_icons.stale(tmp_path) == []
    # The connected glyph drawn where the failed one belongs: the check must see it.
    target = tmp_path / "tray/colour/22x22/beacon-failed.png"
    (tmp_path / "tray/colour/22x22/beacon-connected.png").replace(target)
    (tmp_path / "hicolor/48x48/apps/beacon.png").unlink()
    assert sorted(make_icons.stale(tmp_path)) == [
        "hicolor/48x48/apps/beacon.png: missing",
        "tray/colour/22x22/beacon-connected.png: missing",
        "tray/colour/22x22/beacon-failed.png: differs from its source by up to 255/255",
    ]


def test_the_package_finds_the_checkout_resources(qapp: QApplication) -> None:
    assert resources_dir() == RESOURCES
    assert resource("icons/beacon.svg") == RESOURCES / "icons/beacon.svg"
    with pytest.raises(ResourceMissing, match="no-such"):
        resource("icons/no-such.svg")
    icon = app_icon()
    assert not icon.isNull()
    # The SVG draws any size; the PNGs are there for the common ones.
    for size in (16, 48, 200):
        assert icon.pixmap(QSize(size, size)).size() == QSize(size, size)


def test_a_wheel_carries_the_resources_and_finds_them(tmp_path: Path) -> None:
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, ROOT)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("beacon_desktop-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    committed = {
        f"beacon/{resources.PACKAGED}/{p.relative_to(RESOURCES).as_posix()}"
        for p in RESOURCES.rglob("*")
        if p.is_file()
    }
    assert committed <= names
    # The installed copy wins over the checkout, which this wheel's beacon cannot see.
    found = _run(
        sys.executable,
        "-I",
        "-c",
        f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); "
        "import beacon.resources as r; print(r.resource('icons/beacon.svg'))",
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(
        tmp_path / "site/beacon" / resources.PACKAGED / "icons/beacon.svg"
    )
