"""An idle app still answers signals at once: SIGTERM wakes it through the signal wakeup
socket, not through a timer that happens to fire (there is none while it sleeps).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from support.demo import DemoServerProcess

#: Between two wakeups of the idle app (the engine's resume check runs every 5 s), a
#: SIGTERM handled only on the next wakeup would take seconds; through the wakeup socket
#: it takes the shutdown's own time.
EXIT_BUDGET_S = 2.5


def wakeups(pid: int) -> int:
    """The process's voluntary context switches, all threads: how often it woke up."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as status:
                for line in status:
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return total


def poll_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    # Polling /proc from this process never wakes the app being measured.
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_sigterm_stops_an_idle_app_at_once_with_status_0(
    tmp_path: Path, demo_server_process: DemoServerProcess
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[[account]]\n"
        'name = "support"\n'
        f'key = "{demo_server_process.key}"\n'
        'host = "127.0.0.1"\n'
        f"port = {demo_server_process.port}\n"
        "tls = false\n"
        'channels = ["tickets"]\n'
    )
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env[name] = str(tmp_path / name.lower())
    with tempfile.TemporaryFile("w+") as stderr:
        app = subprocess.Popen(
            [sys.executable, "-m", "beacon", "-vv", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
            env=env,
        )

        def log() -> str:
            stderr.seek(0)
            return stderr.read()

        try:
            poll_until(lambda: "-> connected" in log() or app.poll() is not None, 30, "connected")
            assert app.poll() is None, log()

            # Asleep: no wakeup for a while (the cursor blink stops after 10 s at most).
            quiet_since = [time.monotonic(), wakeups(app.pid)]

            def quiet() -> bool:
                now, count = time.monotonic(), wakeups(app.pid)
                if count != quiet_since[1]:
                    quiet_since[:] = [now, count]
                return now - quiet_since[0] > 1.5

            poll_until(quiet, 30, "the app to sleep")
            # Right after its next timer, when the following one is furthest away.
            before = wakeups(app.pid)
            poll_until(lambda: wakeups(app.pid) != before, 20, "a wakeup")

            sent = time.monotonic()
            app.send_signal(signal.SIGTERM)
            status = app.wait(30)
            took = time.monotonic() - sent
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
        assert status == 0, log()
        assert took < EXIT_BUDGET_S, f"SIGTERM took {took:.1f} s to stop the idle app"
        assert "Traceback" not in log()
