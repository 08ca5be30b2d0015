"""GUI tests run their coroutines on a qasync loop, so that asyncio and Qt share one thread.

pytest-asyncio asks this hook (for tests under tests/gui only) which loop to build. Its
runner cancels and gathers leftover tasks when a test ends, before the loop closes, which
is what keeps qasync from warning about destroyed pending tasks (FACTS.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app)
    return loop


@pytest.hookimpl(optionalhook=True)
def pytest_asyncio_loop_factories(config: Any, item: Any) -> Mapping[str, Any]:
    return {"qasync": _qasync_loop}
