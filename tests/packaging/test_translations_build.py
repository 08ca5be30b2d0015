"""The wheel build compiles the translations: a wheel built from a checkout that has no
.qm file at all (they are never committed) carries them, as lrelease makes them from the
.ts sources, where the app looks for them."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _committed_copy(dest: Path) -> Path:
    """The checkout's committed files (and those about to be), without built ones."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.splitlines()  # fmt: skip
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def test_the_wheel_build_compiles_the_translations(tmp_path: Path) -> None:
    tree = _committed_copy(tmp_path / "src")
    assert not list((tree / "resources" / "translations").glob("*.qm"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(tree)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("beacon_desktop-*.whl")

    spec = importlib.util.spec_from_file_location("tr", ROOT / "packaging" / "translations.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    expected = tool.compile_all(tmp_path / "expected", force=True)
    assert {qm.name for qm in expected} == {"beacon_de.qm", "beacon_en.qm"}
    with zipfile.ZipFile(wheel) as archive:
        for qm in expected:
            packed = archive.read(f"beacon/_resources/translations/{qm.name}")
            assert packed == qm.read_bytes(), qm.name
