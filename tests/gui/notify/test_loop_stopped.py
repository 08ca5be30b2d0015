"""A popup that Qt starts while the qasync loop is stopped still reaches dunst.

The notification service presents popups from its recheck timer too, and Qt fires timers
from any ``processEvents``, also while no asyncio loop is running (see
tests/gui/services/test_qt_fired.py): the presenter's D-Bus call then runs on the loop over
Qt, stepped by Qt, instead of failing with "no running event loop".
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from beacon.feed.notify_policy import Popup
from beacon.tray.notify import JeepneyPresenter, PresenterChain


def test_a_popup_a_timer_presents_with_the_loop_stopped_reaches_dunst(
    stopped_loop: asyncio.AbstractEventLoop, qtbot: QtBot, dunst: Any, app_name: str
) -> None:
    chain = PresenterChain(app_name=app_name, sound=False)
    stopped_loop.run_until_complete(chain.start())
    try:
        assert isinstance(chain.presenter, JeepneyPresenter)
        popup = Popup("Printer on fire", "Dana: help", (41,))
        QTimer.singleShot(0, lambda: chain.present(popup))
        # Only Qt runs here: the timer, the presenter's task and its D-Bus exchange.
        qtbot.waitUntil(lambda: dunst.displayed() == 1, timeout=10_000)
        assert not stopped_loop.is_running()
        dunst.close_all()
        [shown] = dunst.history(app_name)
        assert (shown["summary"], shown["body"]) == ("Printer on fire", "Dana: help")
    finally:
        stopped_loop.run_until_complete(chain.aclose())
