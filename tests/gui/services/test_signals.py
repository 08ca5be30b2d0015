"""SignalWakeup: a signal wakes Qt's sleeping event loop through a socket, so that its
Python handler runs at once without a timer that keeps the idle app awake.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from beacon.services.signals import SignalWakeup

pytestmark = pytest.mark.gui

#: How long a signal may wait: far above a wakeup through the socket, far below "never".
SIGNAL_BUDGET_MS = 5_000


@pytest.fixture
def usr1() -> Iterator[list[int]]:
    """A SIGUSR1 handler that records the signals it sees; the old one comes back after."""
    seen: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, _frame: seen.append(signum))
    try:
        yield seen
    finally:
        signal.signal(signal.SIGUSR1, previous)


def _run_until_handled(seen: list[int]) -> bool:
    """Sleep in Qt's C++ event loop, with no timer that calls into Python, while another
    thread sends SIGUSR1; True when the handler ran before the budget ran out.

    The budget timer is the only way back for a handler that never runs: it quits the
    loop from C++ (a Python slot would run the handler itself).
    """
    loop = QEventLoop()
    budget = QTimer()
    budget.setSingleShot(True)
    budget.timeout.connect(loop.quit)  # a C++ slot: no Python runs when it fires
    budget.start(SIGNAL_BUDGET_MS)

    def send() -> None:
        os.kill(os.getpid(), signal.SIGUSR1)

    # The handler quits the loop itself once it has run.
    original = signal.getsignal(signal.SIGUSR1)
    assert callable(original)

    def handler(signum: int, frame: Any) -> None:
        original(signum, frame)
        loop.quit()

    signal.signal(signal.SIGUSR1, handler)
    sender = threading.Timer(0.2, send)
    sender.start()
    loop.exec()
    sender.join()
    signal.signal(signal.SIGUSR1, original)
    return budget.isActive() and seen == [signal.SIGUSR1]


def test_a_signal_wakes_the_sleeping_qt_loop(qapp: QApplication, usr1: list[int]) -> None:
    with SignalWakeup() as wakeup:
        assert wakeup.installed
        assert _run_until_handled(usr1)
    assert not wakeup.installed


def test_without_the_wakeup_a_signal_waits_for_something_else(
    qapp: QApplication, usr1: list[int]
) -> None:
    # The control: proves the loop above really sleeps in C++, so that the test before
    # this one fails when SignalWakeup does nothing.
    assert not _run_until_handled(usr1)
    assert usr1 == [signal.SIGUSR1]  # it ran on the way out, once Python ran again


def _wakeup_fd() -> int:
    fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd)
    return fd


def test_uninstall_gives_back_the_previous_wakeup_fd(qapp: QApplication) -> None:
    before = _wakeup_fd()
    with SignalWakeup():
        assert _wakeup_fd() not in (-1, before)
    assert _wakeup_fd() == before
