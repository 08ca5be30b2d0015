"""The one event loop that runs Qt and asyncio together on the main thread."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

#: The open qasync loops over the Qt application, newest last: the one Qt dispatches for.
_open: list[asyncio.AbstractEventLoop] = []


def new_event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """The qasync event loop over ``app``'s Qt event loop."""
    loop: asyncio.AbstractEventLoop = _loop_class()(app)
    _open.append(loop)
    return loop


def qt_loop() -> asyncio.AbstractEventLoop:
    """The loop for work that a Qt signal starts: ``qt_loop().create_task(...)``.

    A slot fired by a QTimer, a QFileSystemWatcher or a socket notifier is Qt's call, not
    the loop's: Qt makes it from any ``processEvents``, also while the qasync loop is not
    running (qasync's last ``processEvents`` after the loop stopped, pytest-qt's between a
    test's phases, a nested Qt loop). There ``asyncio.get_running_loop()`` raises "no
    running event loop" (seen: the config watcher's settle timer at a test's teardown).
    The loop over Qt is still the one to run the work on, and its callbacks run with it
    as the running loop (``_as_running``), so a task made here steps as usual.
    """
    running = asyncio._get_running_loop()
    if running is not None:
        return running
    if _open:
        return _open[-1]
    # Only after every loop over Qt is closed: a watcher or timer its owner never stopped.
    raise RuntimeError("no running event loop")


@functools.cache
def _loop_class() -> type:
    import qasync

    class QtAsyncioLoop(qasync.QEventLoop):  # type: ignore[misc]
        """qasync's loop, whose callbacks always run with it as the running loop.

        qasync schedules every callback (``call_soon``, timers, socket readiness) as a
        Qt timer, and Qt fires those from any ``processEvents``, including the one
        qasync's ``run_until_complete`` does after the loop has stopped and any a
        nested Qt loop does. A task stepped there found no running loop, and its next
        ``Event.wait()`` raised "bound to a different event loop" (seen in the engine's
        writer at shutdown). asyncio runs a loop's callbacks only inside that loop;
        here the loop is made the running one for each callback instead.
        """

        def call_later(
            self, delay: float, callback: Callable[..., Any], *args: Any, context: Any = None
        ) -> asyncio.TimerHandle:
            handle: asyncio.TimerHandle = super().call_later(
                delay, self._as_running, callback, *args, context=context
            )
            return handle

        def close(self) -> None:
            super().close()
            if self in _open:
                _open.remove(self)

        def _as_running(self, callback: Callable[..., Any], *args: Any) -> None:
            running = asyncio._get_running_loop()
            if running is self:
                callback(*args)
                return
            asyncio._set_running_loop(self)
            try:
                callback(*args)
            finally:
                asyncio._set_running_loop(running)

    return QtAsyncioLoop
