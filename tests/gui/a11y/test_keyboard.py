"""The feed from the keyboard alone: every key goes to whichever widget has the focus, as a
keyboard's would, and no mouse event is sent. The app is the real one on the demo server;
the link opens through xdg-open, with a stand-in browser."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp
from beacon.demo import DemoServer
from beacon.ui.feed_model import FeedRole
from support.feedapp import ticket, wait_until

NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot: QtBot, key: Qt.Key | str, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    qtbot.keyClick(focused(), key, modifier)


def title(app: BeaconApp, row: int) -> str:
    return str(app.window.model.index(row).data(FeedRole.TITLE))


def unread(app: BeaconApp, row: int) -> bool:
    return bool(app.window.model.index(row).data(FeedRole.UNREAD))


async def test_search_open_mark_reveal_and_open_the_link_by_keyboard(
    feed_app: BeaconApp,
    demo_server: DemoServer,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # xdg-open without a desktop environment opens links with $BROWSER: here `true`.
    for name in ("XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GNOME_DESKTOP_SESSION_ID", raising=False)
    monkeypatch.setenv("BROWSER", "true")
    window = feed_app.window
    history = feed_app.history
    url = "https://helpdesk.example.invalid/tickets/fire"
    for subject in ("Printer on fire", "Alpha", "Beta"):
        extra = {"url": url} if subject == "Printer on fire" else {}
        demo_server.publish("tickets", "ticket.created", ticket(subject, **extra))
    await wait_until(lambda: window.model.rowCount() == 3)
    window.activateWindow()
    await wait_until(window.isActiveWindow)

    # Search: Ctrl+F, type, and the list narrows as you type.
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert focused() is window.search
    qtbot.keyClicks(focused(), "fire")
    await wait_until(lambda: window.model.filter.search == "fire" and not window.model.loading)
    await wait_until(lambda: window.model.rowCount() == 1)
    assert "Printer on fire" in title(feed_app, 0)

    # Tab through the filters into the list; "/" goes back to the search, Tab again.
    tab_order = []
    for _ in range(8):
        press(qtbot, Qt.Key.Key_Tab)
        tab_order.append(focused())
    assert tab_order == [
        window.account_box,
        window.channel_box,
        window.priority_box,
        window.unread_box,
        window.muted_box,
        window.activity_button,
        window.mark_all_button,
        window.view,
    ]
    press(qtbot, "/")
    assert focused() is window.search
    for _ in range(8):
        press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.view
    assert window.view.currentIndex().row() == 0  # current, but not opened
    assert window.details.item is None

    # Space marks the current item read, and unread again, without opening it.
    assert unread(feed_app, 0)
    press(qtbot, Qt.Key.Key_Space)
    assert not unread(feed_app, 0)
    await wait_until(lambda: history.unread_count() == 2)
    press(qtbot, Qt.Key.Key_Space)
    assert unread(feed_app, 0)
    await wait_until(lambda: history.unread_count() == 3)
    assert window.details.item is None

    # Enter opens it (and so reads it), and takes the focus to the message.
    press(qtbot, Qt.Key.Key_Return)
    assert window.details.item is not None and "Printer on fire" in window.details.item.title
    assert focused() is window.details.body
    assert not unread(feed_app, 0)

    # While an item is open, new ones wait behind the bar; Alt+U shows them, on the newest.
    for subject in ("Server on fire", "Kitchen on fire"):
        demo_server.publish("tickets", "ticket.created", ticket(subject))
    await wait_until(lambda: window.update_bar.count == 2 and window.update_bar.isVisible())
    assert window.model.rowCount() == 1
    press(qtbot, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    await wait_until(lambda: window.model.rowCount() == 3)
    assert not window.update_bar.isVisible()
    assert focused() is window.view
    assert window.view.currentIndex().row() == 0
    assert window.details.item is not None
    assert "Kitchen on fire" in window.details.item.title

    # The menu key: the row's actions, by the row; "u" marks it unread.
    press(qtbot, Qt.Key.Key_Menu)
    await wait_until(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert menu is not None
    row_rect = window.view.visualRect(window.view.currentIndex())
    assert menu.geometry().top() >= window.view.viewport().mapToGlobal(row_rect.topLeft()).y()
    qtbot.keyClick(menu, Qt.Key.Key_U)
    await wait_until(lambda: QApplication.activePopupWidget() is None)
    assert unread(feed_app, 0)

    # Open the Printer item again and its link: Down to it, Enter, Tab to the button.
    press(qtbot, Qt.Key.Key_End)
    assert "Printer on fire" in title(feed_app, window.view.currentIndex().row())
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is window.details.body
    for _ in range(5):
        if focused() is window.details.open_button:
            break
        press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.details.open_button
    # Awaited on the loop: qtbot.waitSignal's nested event loop would stall qasync's.
    opened: list[str] = []
    window.details.opener.opened.connect(opened.append)
    window.details.opener.failed.connect(lambda *args: opened.append(f"failed {args}"))
    press(qtbot, Qt.Key.Key_Space)
    await wait_until(lambda: bool(opened), timeout=15)
    assert opened == [url]

    # Escape clears the search (from anywhere in the window): the whole feed again.
    press(qtbot, Qt.Key.Key_Escape)
    await wait_until(lambda: window.model.filter.search is None)
    await wait_until(lambda: window.model.rowCount() == 5)
