"""GUI tests run their coroutines on a qasync loop, so that asyncio and Qt share one thread.

pytest-asyncio asks this hook (for tests under tests/gui only) which loop to build. Its
runner cancels and gathers leftover tasks when a test ends, before the loop closes, which
is what keeps qasync from warning about destroyed pending tasks (FACTS.md).
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from beacon.services.loop import new_event_loop

# The suite's assertions are in English, whatever the machine's language: LANGUAGE comes
# first in Qt's choice of translations (QLocale.system().uiLanguages()).
os.environ["LANGUAGE"] = "en"


@pytest.fixture(autouse=True, scope="session")
def _translations() -> None:
    """The English catalogue (its plural forms: "1 new update", "3 new updates"), as the
    app installs it at start: widgets that tests build without the app need it too."""
    from beacon.ui import i18n

    QApplication.instance() or QApplication([])
    i18n.install("")


def _qasync_loop() -> asyncio.AbstractEventLoop:
    return new_event_loop(QApplication.instance() or QApplication([]))


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """No automatic garbage collection while a GUI test runs; one on this thread after it.

    The cyclic collector runs in whichever thread happens to allocate: a worker thread
    (qasync's executor, the services' writers) could free a test's unreachable QObjects
    there while their timers are still registered with the GUI thread, which then fires
    a timer at freed memory (seen: a segfault in QApplicationPrivate::notify_helper, in a
    later test). Garbage is collected here instead, on the GUI thread, after the test's
    own fixtures are torn down.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


@pytest.fixture
def stopped_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop for a synchronous test that runs it only now and then
    (``run_until_complete``): in between only Qt runs, as between pytest-qt's phases."""
    loop = new_event_loop(qapp)
    try:
        yield loop
        # What the test's objects left (a cancelled read, say) ends before the loop closes.
        left = asyncio.all_tasks(loop)
        if left:
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
    finally:
        loop.close()


@pytest.hookimpl(optionalhook=True)
def pytest_asyncio_loop_factories(config: Any, item: Any) -> Mapping[str, Any]:
    return {"qasync": _qasync_loop}


@pytest.fixture
async def feed_app(demo_server: Any, tmp_path: Any, qtbot: Any) -> AsyncIterator[Any]:
    """The running app (engine service + window) on the demo server, window shown."""
    from support.feedapp import start_feed_app, stop_feed_app

    app = await start_feed_app(demo_server, tmp_path)
    # Not qtbot.addWidget: pytest-qt would delete the window before this teardown runs.
    app.window.show()
    try:
        yield app
    finally:
        await stop_feed_app(app)
