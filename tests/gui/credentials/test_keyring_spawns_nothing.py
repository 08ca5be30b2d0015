"""Opening the keyring starts no process.

keyring's backend detection imports its macOS backend everywhere, and that backend's
``ctypes.util.find_library`` calls ran ``ldconfig -p`` and ``gcc`` three times each on
Linux: on every start of the app, ``beacon check`` and ``beacon login``.

Each case opens the real keyring in a fresh interpreter (so nothing is imported yet) with
an audit hook that records every process Python starts: ``subprocess``, ``os.exec*``,
``os.posix_spawn``, ``os.fork`` and ``os.system`` all raise audit events, whatever code
calls them. The backend chosen must stay the one keyring's own rules give: detection
finds the Secret Service, and ``keyringrc.cfg`` and ``PYTHON_KEYRING_BACKEND`` still win.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = """
import json, sys

started = []
SPAWNS = ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.fork", "os.forkpty",
          "os.spawn", "os.system", "os.startfile")

def hook(event, args):
    if event in SPAWNS:
        started.append([event, repr(args)[:200]])

sys.addaudithook(hook)

from beacon.credentials import Keyring
from beacon.credentials.errors import NoKeyringError

try:
    outcome = Keyring().backend_name
except NoKeyringError as exc:
    outcome = f"refused: {exc}"
print(json.dumps({"outcome": outcome, "started": started}))
"""


def open_keyring(tmp_path: Path, **env: str) -> dict[str, object]:
    """Open the keyring in a new interpreter; its outcome and the processes it started."""
    environ = dict(os.environ)
    environ.pop("PYTHON_KEYRING_BACKEND", None)
    environ["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # keyringrc.cfg lives here
    environ.update(env)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], env=environ, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return report


def test_detecting_the_secret_service_starts_no_process(tmp_path: Path) -> None:
    report = open_keyring(tmp_path)
    assert report["outcome"] == "keyring.backends.SecretService.Keyring"
    assert report["started"] == []


@pytest.mark.parametrize("chosen_by", ["keyringrc.cfg", "PYTHON_KEYRING_BACKEND"])
def test_a_chosen_backend_is_still_honoured_and_starts_no_process(
    tmp_path: Path, chosen_by: str
) -> None:
    # The null backend: Beacon refuses it by name, which shows it was the one chosen
    # over the Secret Service that detection would find.
    null = "keyring.backends.null.Keyring"
    if chosen_by == "keyringrc.cfg":
        config = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
        config.parent.mkdir(parents=True)
        config.write_text(f"[backend]\ndefault-keyring = {null}\n", encoding="utf-8")
        report = open_keyring(tmp_path)
    else:
        report = open_keyring(tmp_path, PYTHON_KEYRING_BACKEND=null)
    assert str(report["outcome"]).startswith(f"refused: No usable OS keyring: {null} is not")
    assert report["started"] == []
