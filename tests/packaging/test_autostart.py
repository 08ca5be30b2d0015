"""The autostart entry: written where XDG sessions look, valid, running this Beacon with
its arguments intact (as GLib, which GNOME and Xfce start entries with, reads them), and
gone when the setting is off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from beacon import __version__
from beacon.services.autostart import (
    autostart_path,
    exec_line,
    is_enabled,
    launch_command,
    set_autostart,
)

pytestmark = pytest.mark.unit


def _validate(path: Path) -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_on_writes_a_valid_entry_and_off_removes_it(tmp_path: Path) -> None:
    assert not is_enabled(tmp_path)
    path = set_autostart(True, config_home=tmp_path)
    assert path == tmp_path / "autostart" / "beacon.desktop"
    assert is_enabled(tmp_path)
    _validate(path)
    text = path.read_text(encoding="utf-8")
    assert f"Exec={exec_line(launch_command())}\n" in text
    assert "Icon=beacon\n" in text
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    assert set_autostart(False, config_home=tmp_path) == path
    assert not path.exists() and not is_enabled(tmp_path)
    set_autostart(False, config_home=tmp_path)  # already off: nothing to do, no error


def test_the_entry_follows_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert set_autostart(True) == tmp_path / "cfg/autostart/beacon.desktop"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert autostart_path() == tmp_path / "home/.config/autostart/beacon.desktop"


def test_the_command_starts_this_beacon() -> None:
    command = launch_command()
    result = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert (result.returncode, result.stdout.strip()) == (0, f"beacon {__version__}")


def test_glib_launches_the_entry_with_every_argument_intact(tmp_path: Path) -> None:
    odd = tmp_path / "dir with spaces, 'quotes' & $dollars"
    odd.mkdir()
    recorder = odd / "record.py"
    out = tmp_path / "argv.json"
    recorder.write_text(
        f"import json, sys\nopen({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    arguments = ["100%", 'say "hi"', "back\\slash", "`tick`", "plain", ""]
    path = set_autostart(
        True, argv=[sys.executable, str(recorder), *arguments], config_home=tmp_path
    )
    _validate(path)
    env = {k: v for k, v in os.environ.items() if k != "DESKTOP_AUTOSTART_ID"}
    subprocess.run(["gio", "launch", str(path)], check=True, timeout=30, env=env)
    # gio returns once the command is spawned; the recorder writes a moment later.
    deadline = time.monotonic() + 30
    while not out.exists() or not out.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the entry's command never ran"
        time.sleep(0.05)
    assert json.loads(out.read_text(encoding="utf-8")) == arguments


def test_the_writer_needs_no_qt() -> None:
    # The settings window calls it, but so may a command-line switch one day.
    probe = (
        "import sys, beacon.services.autostart; "
        "print(sorted(m for m in sys.modules if 'PySide6' in m))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
