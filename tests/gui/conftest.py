"""GUI tests run their coroutines on a qasync loop, so that asyncio and Qt share one thread.

pytest-asyncio asks this hook (for tests under tests/gui only) which loop to build. Its
runner cancels and gathers leftover tasks when a test ends, before the loop closes, which
is what keeps qasync from warning about destroyed pending tasks (FACTS.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from beacon.services.loop import new_event_loop


def _qasync_loop() -> asyncio.AbstractEventLoop:
    return new_event_loop(QApplication.instance() or QApplication([]))


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
