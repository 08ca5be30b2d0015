"""The test command's second half, run by ``tests/run`` once everything is installed.

Starts the headless desktop and Soketi on free ports, runs ruff (lint and format), mypy
--strict and pytest inside them, and stops every process it started, by PID, however the run ends.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.desktop import HeadlessDesktop  # noqa: E402
from support.soketi import ExternalSoketi, Soketi  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _step(name: str, argv: list[str], env: dict[str, str]) -> int:
    print(f"==> {name}", flush=True)
    return subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(prog="tests/run")
    parser.add_argument("--shell", action="store_true", help="a shell inside the services")
    parser.add_argument("-c", dest="command", help="with --shell: run this command instead")
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args()

    # Ctrl-C and SIGTERM both unwind through the finally below, which stops everything.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)

    started = time.monotonic()
    desktop = HeadlessDesktop()
    soketi = Soketi(log_path=desktop.root / "soketi.log")
    try:
        env = dict(desktop.start())
        soketi.start()
        external = ExternalSoketi(
            soketi.host, soketi.port, soketi.app_id, soketi.key, soketi.secret
        )
        env.update(external.export_env())
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        env["BEACON_TEST_DESKTOP"] = str(desktop.root)
        print(
            f"==> headless desktop on {env['DISPLAY']} and Soketi on {soketi.ws_url()} "
            f"ready after {time.monotonic() - started:.1f} s (logs in {desktop.root})",
            flush=True,
        )

        if args.shell:
            argv = ["bash", "-c", args.command] if args.command else ["bash", "-i"]
            return subprocess.run(argv, env=env, check=False).returncode

        failed = [
            name
            for name, argv in (
                ("ruff", [str(VENV_BIN / "ruff"), "check", "desktop", "tests"]),
                ("ruff format", [str(VENV_BIN / "ruff"), "format", "--check", "desktop", "tests"]),
                ("mypy --strict", [str(VENV_BIN / "mypy")]),
            )
            if _step(name, argv, env)
        ]
        if failed:
            print(f"==> FAILED: {', '.join(failed)} (the run will fail; pytest runs anyway)")
        pytest = [
            str(VENV_BIN / "python"),
            "-m",
            "pytest",
            "-m",
            "unit or integration or gui",
            *args.pytest_args,
        ]
        status = _step("pytest", pytest, env)
        # pytest's summary stays the last line; its "no tests ran" (5) fails the run too.
        return status or (1 if failed else 0)
    except KeyboardInterrupt:
        print("tests/run: interrupted, stopping the services", file=sys.stderr)
        return 130
    finally:
        soketi.kill()
        desktop.stop()


if __name__ == "__main__":
    sys.exit(main())
