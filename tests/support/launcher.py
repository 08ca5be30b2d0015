"""Beacon started as a user starts it, in a subprocess with a throwaway profile.

``python -m beacon -vv ARGS`` by default (what ``./beacon`` runs), or any other command
such as an installed ``/usr/bin/beacon``. Its log (stderr) is collected line by line as it
comes, so a test can wait for a line without blocking the pipe.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path


class BeaconProcess:
    """One running Beacon with private XDG config and data dirs under ``tmp_path``.

    ``accessible``: Qt joins the AT-SPI bus, as it does for a screen reader's user.
    """

    def __init__(
        self,
        tmp_path: Path,
        *args: str,
        env: dict[str, str] | None = None,
        command: Sequence[str] = (sys.executable, "-m", "beacon"),
        accessible: bool = False,
    ) -> None:
        env = dict(os.environ if env is None else env)
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            env[name] = str(tmp_path / name.lower())
        if accessible:
            # Qt joins the bus by itself only when the bus launcher knows the DISPLAY,
            # which the headless desktop keeps from the session bus (support/desktop.py).
            env["QT_LINUX_ACCESSIBILITY_ALWAYS_ON"] = "1"
            env.pop("NO_AT_BRIDGE", None)
        self.env = env
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [*command, "-vv", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def _read(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        with stream:
            for line in stream:
                self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Until a log line holds ``text``; fails at once if the process ends first."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never saw {text!r}; stderr:\n{self.log}")
            time.sleep(0.05)  # another process's output: nothing to block on

    def focus_window(self, title: str) -> str:
        """Give the keyboard focus to the app's visible window named ``title`` (there is
        no window manager on the headless desktop to do it); its X window id."""
        found = subprocess.run(
            # --all: the pid AND the title (xdotool's default is either).
            ["xdotool", "search", "--all", "--sync", "--onlyvisible", "--pid", str(self.pid),
             "--name", title],
            capture_output=True, text=True, timeout=30, check=True, env=self.env,
        )  # fmt: skip
        window = found.stdout.split()[0]
        subprocess.run(
            ["xdotool", "windowfocus", "--sync", window], check=True, timeout=30, env=self.env
        )
        return window

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as a session ending sends; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self._reader.join(5)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
