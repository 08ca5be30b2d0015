"""SignalWakeup: a signal wakes Qt's sleeping event loop through a socket, so that its
Python handler runs at once without a timer that keeps the idle app awake.

Each case runs in a fresh process with nothing else in its event loop: in the test
process, timers and sockets left by other tests would wake the loop and hide a failure.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from PySide6.QtWidgets import QApplication

from beacon.services.signals import SignalWakeup

# Sleeps in Qt's C++ event loop with no timer that calls into Python. The budget timer
# quits the loop from C++ (a Python slot would itself run the pending handler), so a
# handler that never runs in time shows as "budget ran out".
CHILD = """
import signal, sys
from PySide6.QtCore import QCoreApplication, QTimer
from beacon.services.signals import SignalWakeup

mode, budget_ms = sys.argv[1], int(sys.argv[2])
app = QCoreApplication([])
handled = []

def handler(signum, frame):
    handled.append(signum)
    app.quit()

signal.signal(signal.SIGTERM, handler)
budget = QTimer()
budget.setSingleShot(True)
budget.timeout.connect(app.quit)
budget.start(budget_ms)
wakeup = SignalWakeup()
if mode == "wakeup":
    wakeup.install()
QTimer.singleShot(0, lambda: print("ready", flush=True))
app.exec()
wakeup.uninstall()
print("handled" if budget.isActive() and handled else "budget ran out", flush=True)
"""


def _wait_until_asleep(pid: int, quiet_s: float = 0.3, timeout: float = 10.0) -> None:
    """Until the process has slept without waking for ``quiet_s``: a signal sent while it
    still runs Python (printing "ready") would be handled without any wakeup."""

    def sample() -> tuple[str, str]:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/status") as status:
            switches = next(line for line in status if line.startswith("voluntary_ctxt"))
        return state, switches

    deadline = time.monotonic() + timeout
    last, since = sample(), time.monotonic()
    while not (last[0] == "S" and time.monotonic() - since >= quiet_s):
        assert time.monotonic() < deadline, "the child never went to sleep"
        time.sleep(0.02)  # polling /proc from here never wakes the child
        now = sample()
        if now != last:
            last, since = now, time.monotonic()


def _signal_a_sleeping_loop(mode: str, budget_ms: int) -> str:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(budget_ms)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        _wait_until_asleep(child.pid)
        child.send_signal(signal.SIGTERM)
        outcome = child.stdout.readline().strip()
        assert child.wait(30) == 0
        return outcome
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


def test_a_signal_wakes_the_sleeping_qt_loop() -> None:
    assert _signal_a_sleeping_loop("wakeup", budget_ms=20_000) == "handled"


def test_without_the_wakeup_a_signal_waits_for_something_else() -> None:
    # The control: proves that the child really sleeps in C++, so that the test before
    # this one fails when SignalWakeup does nothing.
    assert _signal_a_sleeping_loop("none", budget_ms=1_500) == "budget ran out"


def _wakeup_fd() -> int:
    fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd)
    return fd


def test_uninstall_gives_back_the_previous_wakeup_fd(qapp: QApplication) -> None:
    before = _wakeup_fd()
    with SignalWakeup() as wakeup:
        assert wakeup.installed
        assert _wakeup_fd() not in (-1, before)
    assert not wakeup.installed
    assert _wakeup_fd() == before
