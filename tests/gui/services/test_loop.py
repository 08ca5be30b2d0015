"""The qasync loop runs its callbacks as the running loop, whoever dispatches them.

Qt dispatches the loop's timers from any ``processEvents``: qasync's own
``run_until_complete`` does one after the loop has stopped, and pytest-qt does one
between a test's phases. A task stepped there with no running loop crashed on its next
``Event.wait()`` ("bound to a different event loop"), seen as a flaky teardown error of
the feed app's engine.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QApplication

from beacon.services.loop import new_event_loop


def test_a_callback_dispatched_by_qt_sees_its_loop_running(qapp: QApplication) -> None:
    loop = new_event_loop(qapp)
    try:
        seen: list[object] = []
        loop.call_soon(lambda: seen.append(asyncio.get_running_loop()))
        # The loop is not running: Qt alone dispatches the callback's timer.
        while not seen:
            qapp.processEvents()
        assert seen == [loop]
        assert asyncio._get_running_loop() is None  # put back as it was
    finally:
        loop.close()


def test_a_task_woken_between_runs_waits_again_on_its_event(qapp: QApplication) -> None:
    loop = new_event_loop(qapp)
    try:
        event = asyncio.Event()
        rounds: list[int] = []

        async def waiter() -> None:
            while True:
                await event.wait()  # binds the event to this loop on the first wait
                event.clear()
                rounds.append(len(rounds))

        async def start() -> asyncio.Task[None]:
            task = asyncio.ensure_future(waiter())
            await asyncio.sleep(0)  # the task waits on the event
            return task

        task = loop.run_until_complete(start())
        # Woken while the loop is stopped (a socket read dispatched by Qt, say).
        event.set()
        while not rounds:
            qapp.processEvents()
        qapp.processEvents()  # the task's next wait() ran here
        assert not task.done(), task.exception()
        task.cancel()
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
    finally:
        loop.close()
