"""Python signal handlers that run while Qt sleeps, without a polling timer.

CPython's C-level handler only sets a flag; the Python handler runs at the next bytecode
the main thread executes. While Qt waits in C++ for its next event, no bytecode runs, so
a SIGTERM would wait for the next timer or socket event. The usual workaround, a periodic
``QTimer`` that calls into Python, wakes the process several times a second forever: an
idle app must sleep (DESIGN.md, "Architecture").

Instead, :func:`signal.set_wakeup_fd` makes the C handler also write a byte to one end of
a socket pair, and a ``QSocketNotifier`` on the other end wakes Qt's event loop only when a
signal has actually arrived. Its slot drains the bytes; entering Python is what runs the
pending handler (FACTS.md, "Measuring an idle app").
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from types import TracebackType

from PySide6.QtCore import QObject, QSocketNotifier

__all__ = ["SignalWakeup"]

log = logging.getLogger("beacon.services")


class SignalWakeup(QObject):
    """While installed, a signal wakes Qt's event loop so that its Python handler runs.

    Use it as a context manager on the main thread (``set_wakeup_fd`` works only there),
    around the code that runs the event loop. The handlers themselves are installed with
    :func:`signal.signal` as usual. Leaving restores the previous wakeup fd.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pair: tuple[socket.socket, socket.socket] | None = None
        self._notifier: QSocketNotifier | None = None
        self._previous_fd = -1

    @property
    def installed(self) -> bool:
        return self._pair is not None

    def install(self) -> None:
        """Route signal wakeups through a socket pair that Qt watches."""
        if self._pair is not None:
            return
        reader, writer = socket.socketpair()
        # The C handler must never block on a full buffer, and a burst of signals that
        # fills it loses nothing that matters: the handlers still run once each.
        reader.setblocking(False)
        writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        self._pair = (reader, writer)
        self._notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        log.debug("signals wake the event loop through fd %d", reader.fileno())

    def uninstall(self) -> None:
        """Give the wakeup fd back to whoever had it, and close the pair."""
        if self._pair is None:
            return
        signal.set_wakeup_fd(self._previous_fd)
        self._previous_fd = -1
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        for sock in self._pair:
            sock.close()
        self._pair = None

    def _drain(self) -> None:
        # Running this slot is what lets CPython call the pending Python handlers; the
        # bytes (signal numbers) only need to go, so the notifier does not fire again.
        if self._pair is None:
            return
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while self._pair[0].recv(512):
                pass

    def __enter__(self) -> SignalWakeup:
        self.install()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.uninstall()
