"""A row's context menu: mark read or unread, open link, copy, mute this channel.

Driven through the menu's QActions, as a click on them would; the mutes end by their own
single-shot timer, and muted rows are hidden, or shown dimmed with "Show muted" on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, QUrl
from PySide6.QtGui import QAction, QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QMenu, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from beacon.services.dnd import local_now
from beacon.services.feed import FeedService
from beacon.services.mutes import Mutes
from beacon.store.history import History
from beacon.ui.feed_model import FeedRole
from beacon.ui.window import FeedWindow
from support.feeditems import make_item


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History(tmp_path / "history.sqlite3", retention_days=None)
    h.add_batch(
        [
            make_item(0, channel="alerts", url="https://example.com/a/0"),
            make_item(1, url="https://example.com/t/1"),
            make_item(2),
        ]
    )
    yield h
    h.close()


@pytest.fixture
def service(history: History) -> Iterator[FeedService]:
    s = FeedService(history)
    yield s
    s.close()


def _window(service: FeedService, qtbot: QtBot, **kw: Any) -> FeedWindow:
    window = FeedWindow(service, **kw)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.model.loading and not service.busy)
    return window


def _titles(window: FeedWindow) -> list[str]:
    return [window.model.index(r).data(FeedRole.TITLE) for r in range(window.model.rowCount())]


def _menu(window: FeedWindow, title: str) -> QMenu:
    row = _titles(window).index(title)
    menu = window.view.context_menu(window.model.index(row))
    assert menu is not None
    return menu


def _action(menu: QMenu, text: str) -> QAction:
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            try:
                return _action(sub, text)
            except LookupError:
                pass
        if action.text().replace("&", "") == text:
            return action
    raise LookupError(f"no {text!r} in {[a.text() for a in menu.actions()]}")


def test_mark_read_then_unread_from_the_menu(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    window = _window(service, qtbot)
    qtbot.waitUntil(lambda: service.unread == 3)
    _action(_menu(window, "Ticket 1"), "Mark read").trigger()
    qtbot.waitUntil(lambda: history.unread_count() == 2 and service.unread == 2)
    row = _titles(window).index("Ticket 1")
    assert not window.model.index(row).data(FeedRole.UNREAD)
    assert window.details.item is None  # marked, not opened
    menu = _menu(window, "Ticket 1")
    with pytest.raises(LookupError):
        _action(menu, "Mark read")
    _action(menu, "Mark unread").trigger()
    qtbot.waitUntil(lambda: history.unread_count() == 3 and service.unread == 3)
    assert window.model.index(row).data(FeedRole.UNREAD)


def test_copy_and_open_link(service: FeedService, qtbot: QtBot) -> None:
    opened: list[QUrl] = []
    window = _window(service, qtbot, open_url=lambda url: opened.append(url) or True)
    menu = _menu(window, "Ticket 1")
    _action(menu, "Copy").trigger()
    assert QApplication.clipboard().text() == (
        "Ticket 1\nBody of ticket 1\nhttps://example.com/t/1"
    )
    _action(menu, "Open link").trigger()
    assert [u.toString() for u in opened] == ["https://example.com/t/1"]
    assert not _action(_menu(window, "Ticket 2"), "Open link").isEnabled()  # no link


def test_mute_for_an_hour_hides_the_channel_and_leaves_the_count(
    history: History, service: FeedService, qtbot: QtBot, tmp_path: Path
) -> None:
    clock = Clock(local_now())
    mutes = Mutes(clock, tmp_path / "mutes.json")
    window = _window(service, qtbot, mutes=mutes)
    assert not window.mute_timer_active  # nothing muted: no timer at all
    qtbot.waitUntil(lambda: service.unread == 3)
    _action(_menu(window, "Ticket 1"), "For 1 hour").trigger()
    assert mutes.muted("support", "tickets")
    assert window.mute_timer_active
    qtbot.waitUntil(lambda: _titles(window) == ["Ticket 0"])  # the alerts row stays
    qtbot.waitUntil(lambda: service.unread == 1)  # the badge leaves them out too
    assert history.unread_count() == 3  # nothing was marked: the items are all kept
    # Kept in the profile: a restart still has it.
    assert Mutes(clock, tmp_path / "mutes.json").muted("support", "tickets")

    window.muted_box.setChecked(True)  # "Show muted": back, dimmed
    qtbot.waitUntil(lambda: _titles(window) == ["Ticket 2", "Ticket 1", "Ticket 0"])
    muted_look = _paint_row(window, 1)
    _action(_menu(window, "Ticket 1"), "Unmute tickets").trigger()
    assert not window.mute_timer_active
    qtbot.waitUntil(lambda: service.unread == 3)
    assert _paint_row(window, 1) != muted_look  # no longer dimmed


def test_always_sets_no_timer(service: FeedService, qtbot: QtBot) -> None:
    window = _window(service, qtbot, mutes=Mutes(Clock(local_now())))
    _action(_menu(window, "Ticket 0"), "Always").trigger()
    assert window.mutes.muted("support", "alerts")
    assert not window.mute_timer_active  # a mute that never ends needs no wake-up
    qtbot.waitUntil(lambda: _titles(window) == ["Ticket 2", "Ticket 1"])


def test_a_mute_ends_on_its_own(service: FeedService, qtbot: QtBot) -> None:
    # Set before the window starts (as after a restart), ending shortly on the real clock.
    mutes = Mutes()
    mutes.mute("support", "tickets", local_now() + timedelta(milliseconds=400))
    window = _window(service, qtbot, mutes=mutes)
    assert window.mute_timer_active
    assert _titles(window) == ["Ticket 0"]
    qtbot.waitUntil(lambda: _titles(window) == ["Ticket 2", "Ticket 1", "Ticket 0"], timeout=3000)
    assert not window.mute_timer_active  # and nothing left to wake for
    qtbot.waitUntil(lambda: service.unread == 3)


def test_a_mute_rules_items_show_only_when_asked_for(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([replace(make_item(3, title="Chatter"), notify="mute")])
    window = _window(service, qtbot)
    assert "Chatter" not in _titles(window)
    qtbot.waitUntil(lambda: service.unread == 3)
    window.muted_box.setChecked(True)
    qtbot.waitUntil(lambda: _titles(window)[:1] == ["Chatter"])
    assert service.unread == 3  # shown, still not counted
    dimmed = _paint_row(window, 0)
    window.delegate.dimmed = None  # the same row as the plain delegate paints it
    assert _paint_row(window, 0) != dimmed


def _paint_row(window: FeedWindow, row: int) -> QImage:
    """The row as the delegate paints it, off screen."""
    option = QStyleOptionViewItem()
    window.view.initViewItemOption(option)
    option.rect = QRect(0, 0, 400, 60)
    image = QImage(400, 60, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    window.delegate.paint(painter, option, window.model.index(row))
    painter.end()
    return image


def test_a_notification_click_reveals_an_item_of_a_channel_muted_since(
    service: FeedService, qtbot: QtBot
) -> None:
    window = _window(service, qtbot, mutes=Mutes(Clock(local_now())))
    item = window.model.item(_titles(window).index("Ticket 1"))
    assert item is not None and item.id is not None
    _action(_menu(window, "Ticket 1"), "Always").trigger()
    qtbot.waitUntil(lambda: "Ticket 1" not in _titles(window))
    with qtbot.waitSignal(window.itemRevealed) as revealed:
        window.reveal_item(item.id)
    assert revealed.args is not None and revealed.args[0] >= 0
    assert window.muted_box.isChecked()  # shown among the muted ones, dimmed
    assert window.details.item is not None and window.details.item.id == item.id
