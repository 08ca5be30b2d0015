"""packaging/systemd/beacon-listen@.service: a unit systemd accepts, that runs a
``beacon listen`` this Beacon understands, with the credential names it reads.

``systemd-analyze verify`` loads the unit offline: no running systemd is needed.
"""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from beacon.__main__ import build_parser
from beacon.cli import listen
from beacon.credentials.systemd import encryption_key_credential_name, secret_credential_name

pytestmark = pytest.mark.unit

UNIT = Path(__file__).resolve().parents[2] / "packaging" / "systemd" / "beacon-listen@.service"


def _verify(unit: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    return subprocess.run(
        ["systemd-analyze", "--user", "verify", str(unit)],
        env={"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _instance(tmp_path: Path, text: str) -> Path:
    """The unit as instance ``support``, its ``/usr/bin/beacon`` an executable stand-in
    (verify checks that ExecStart's program exists)."""
    stub = tmp_path / "beacon"
    stub.write_text("#!/bin/sh\n", encoding="utf-8")
    stub.chmod(0o755)
    unit = tmp_path / "beacon-listen@support.service"
    unit.write_text(text.replace("/usr/bin/beacon", str(stub)), encoding="utf-8")
    return unit


def _service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser["Service"]


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    result = _verify(_instance(tmp_path, UNIT.read_text(encoding="utf-8")), tmp_path)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_check_sees_a_broken_unit(tmp_path: Path) -> None:
    # verify exits 0 on a directive it ignores; the test above relies on its output.
    broken = UNIT.read_text(encoding="utf-8").replace("Type=exec", "Type=exex")
    result = _verify(_instance(tmp_path, broken), tmp_path)
    assert "Failed to parse service type" in result.stdout + result.stderr


def test_exec_start_is_a_listen_command_beacon_accepts() -> None:
    argv = shlex.split(_service()["ExecStart"])
    assert argv[:2] == ["/usr/bin/beacon", "listen"]
    args = build_parser().parse_args([a.replace("%i", "support") for a in argv[1:]])
    assert (args.command, args.account) == ("listen", "support")


def test_credentials_have_the_names_beacon_reads() -> None:
    text = UNIT.read_text(encoding="utf-8")
    loaded = re.findall(r"^#?LoadCredential(?:Encrypted)?=([^:\s]+):", text, re.MULTILINE)
    assert loaded == [
        secret_credential_name("%i"),  # encrypted
        secret_credential_name("%i"),  # the plain-file alternative
        encryption_key_credential_name("%i"),
    ]
    active = re.findall(r"^LoadCredentialEncrypted=([^:\s]+):", text, re.MULTILINE)
    assert active == [secret_credential_name("%i")]


def test_no_restart_for_what_needs_a_person() -> None:
    service = _service()
    assert service["Restart"] == "on-failure"
    prevented = {int(code) for code in service["RestartPreventExitStatus"].split()}
    assert prevented == {listen.EXIT_CONFIG, listen.EXIT_AUTH, listen.EXIT_CONNECT}
