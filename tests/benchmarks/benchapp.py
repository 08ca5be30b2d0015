"""What the UI and tray benchmarks share: a publisher child process, and the running app's
loop and account on it. Imported by the benchmark scripts, which run from this folder."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def start_publisher(script: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    """``script --publisher ARGS`` as a child; it prints its demo server's port first."""
    child = subprocess.Popen(
        [sys.executable, script, "--publisher", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    return child, int(child.stdout.readline())


def app_on(port: int, prefix: str) -> tuple[Any, asyncio.AbstractEventLoop, Any, Any, Any]:
    """The QApplication, its qasync loop (set as the current one), a temporary folder, a
    history in it, and the one account on the publisher's server at ``port``."""
    from PySide6.QtWidgets import QApplication

    from beacon.config.model import AccountSettings
    from beacon.services.loop import new_event_loop
    from beacon.store.history import History

    app = QApplication.instance() or QApplication([])
    loop = new_event_loop(app)
    asyncio.set_event_loop(loop)
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    history = History(Path(tmp.name) / "history.sqlite3")
    account = AccountSettings(
        name="bench",
        key="demo-key",
        channels=("tickets",),
        host="127.0.0.1",
        port=port,
        tls=False,
    )
    return app, loop, tmp, history, account


def finish(
    child: subprocess.Popen[str],
    window: Any,
    history: Any,
    tmp: Any,
    loop: asyncio.AbstractEventLoop,
) -> None:
    """Stop the publisher and close what :func:`app_on` made."""
    assert child.stdin is not None and child.stdout is not None
    child.stdin.close()
    child.wait(30)
    child.stdout.close()
    window.close()
    history.close()
    tmp.cleanup()
    # Stops the loop's default executor (QThreads): left running, Qt aborts the process at
    # exit ("QThread: Destroyed while thread is still running").
    loop.close()
