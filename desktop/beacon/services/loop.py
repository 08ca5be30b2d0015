"""The one event loop that runs Qt and asyncio together on the main thread."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QCoreApplication


def new_event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """The qasync event loop over ``app``'s Qt event loop."""
    import qasync

    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app)
    return loop
