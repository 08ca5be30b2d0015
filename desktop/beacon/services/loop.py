"""The one event loop that runs Qt and asyncio together on the main thread."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication


def new_event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """The qasync event loop over ``app``'s Qt event loop."""
    loop: asyncio.AbstractEventLoop = _loop_class()(app)
    return loop


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
