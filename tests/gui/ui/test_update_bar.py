"""The update bar, driven by real events from the demo server through the whole app:
demo server -> engine -> EngineService (commit) -> FeedWindow.

New items must never move what the user is reading: while the list is scrolled away (or
the user is busy with it, or always_hold is set) they wait behind "N new updates".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp
from beacon.config.model import FeedSettings
from beacon.demo import DemoServer
from beacon.ui.feed_model import FeedRole
from beacon.ui.window import FeedWindow
from support.feedapp import start_feed_app, stop_feed_app, ticket, wait_until


def _publish(server: DemoServer, count: int, channel: str = "tickets") -> None:
    for _ in range(count):
        server.publish(channel, "ticket.created", ticket())


async def _first_visible_id(window: FeedWindow) -> int:
    """The id of the row at the top of the viewport, once the view has laid it out.

    The list lays out in batches, between turns of the event loop, so right after a
    scroll the row under a point may not be placed yet.
    """
    point = QPoint(4, 4)
    await wait_until(lambda: window.view.indexAt(point).isValid())
    item_id: int = window.view.indexAt(point).data(FeedRole.ITEM_ID)
    return item_id


async def _scroll_away(window: FeedWindow) -> None:
    """Scroll the list to its bottom, once it has rows enough to scroll."""
    scroll = window.view.verticalScrollBar()
    await wait_until(lambda: scroll.maximum() > 0)
    scroll.setValue(scroll.maximum())


async def _fill(app: BeaconApp, server: DemoServer, count: int, channel: str = "tickets") -> None:
    """``count`` events shown directly (the window is at the top and idle)."""
    before = app.window.model.rowCount()
    _publish(server, count, channel)
    await wait_until(lambda: app.window.model.rowCount() == before + count)


async def test_scrolled_away_new_items_are_held_behind_the_bar(
    feed_app: BeaconApp, demo_server: DemoServer, qtbot: QtBot
) -> None:
    window = feed_app.window
    await _fill(feed_app, demo_server, 60)
    assert not window.update_bar.isVisible()

    scroll = window.view.verticalScrollBar()
    await wait_until(lambda: scroll.maximum() > 0)
    scroll.setValue(scroll.maximum() // 2)
    position = scroll.value()
    first_visible = await _first_visible_id(window)
    rows = window.model.rowCount()

    _publish(demo_server, 3)
    await wait_until(lambda: window.update_bar.count == 3)

    assert window.update_bar.isVisible()
    assert window.update_bar.text() == "3 new updates"
    assert window.update_bar.last_announcement == "3 new updates"
    assert window.model.rowCount() == rows  # nothing inserted under the reader
    assert scroll.value() == position
    assert await _first_visible_id(window) == first_visible
    assert feed_app.history.count() == 63  # held items are already stored

    qtbot.mouseClick(window.update_bar, Qt.MouseButton.LeftButton)

    assert not window.update_bar.isVisible()
    assert window.model.rowCount() == 63
    assert scroll.value() == scroll.minimum()
    assert [window.model.index(r).data(FeedRole.HIGHLIGHTED) for r in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    # The tint goes away by itself.
    await wait_until(lambda: not window.model.index(0).data(FeedRole.HIGHLIGHTED), 5)


async def test_clicking_the_bar_opens_nothing(
    feed_app: BeaconApp, demo_server: DemoServer, qtbot: QtBot
) -> None:
    """A click reveals; it does not open (and mark read) the item that lands under it.

    A pressed button takes the focus, and when the bar hides, the focus falls to the list,
    which would make its first row current: that is the case checked here.
    """
    window = feed_app.window
    await _fill(feed_app, demo_server, 40)
    await _scroll_away(window)
    _publish(demo_server, 2)
    await wait_until(lambda: window.update_bar.count == 2)
    unread = feed_app.history.unread_count()

    top = window.window()
    top.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is top)
    window.update_bar.setFocus(Qt.FocusReason.MouseFocusReason)
    assert window.update_bar.hasFocus()
    qtbot.mouseClick(window.update_bar, Qt.MouseButton.LeftButton)

    assert not window.update_bar.isVisible()
    assert window.model.index(0).data(FeedRole.UNREAD)
    assert not window.view.currentIndex().isValid()
    assert window.details.placeholder.isVisible()
    assert feed_app.history.unread_count() == unread


async def test_at_the_top_and_idle_new_items_appear_directly(
    feed_app: BeaconApp, demo_server: DemoServer
) -> None:
    window = feed_app.window
    await _fill(feed_app, demo_server, 5)
    newest = demo_server_ticket = ticket(subject="Fresh off the wire")
    demo_server.publish("tickets", "ticket.created", demo_server_ticket)
    await wait_until(lambda: window.model.rowCount() == 6)
    assert window.model.index(0).data(FeedRole.TITLE) == f"New ticket: {newest['subject']}"
    assert not window.update_bar.isVisible()
    assert window.update_bar.count == 0


async def test_while_the_user_holds_the_mouse_down_items_wait(
    feed_app: BeaconApp, demo_server: DemoServer, qtbot: QtBot
) -> None:
    window = feed_app.window
    await _fill(feed_app, demo_server, 3)
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    _publish(demo_server, 2)
    await wait_until(lambda: window.update_bar.count == 2)
    assert window.model.rowCount() == 3
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))


async def test_always_hold_holds_even_at_the_top(
    demo_server: DemoServer, tmp_path: object, qtbot: QtBot
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    app = await start_feed_app(demo_server, tmp_path, feed=FeedSettings(always_hold=True))
    app.window.show()
    try:
        _publish(demo_server, 4)
        await wait_until(lambda: app.window.update_bar.count == 4)
        assert app.window.model.rowCount() == 0
        assert app.window.view.at_top()
        app.window.reveal_updates()
        assert app.window.model.rowCount() == 4
    finally:
        await stop_feed_app(app)


async def test_held_items_hidden_by_the_filter_are_not_counted(
    feed_app: BeaconApp, demo_server: DemoServer, qtbot: QtBot
) -> None:
    window = feed_app.window
    await _fill(feed_app, demo_server, 40, channel="private-agent-7")
    await _fill(feed_app, demo_server, 5, channel="tickets")

    window.channel_box.select_value("private-agent-7")
    assert window.model.filter.channel == "private-agent-7"
    await wait_until(lambda: window.model.rowCount() == 40)  # read off the GUI thread
    window.view.doItemsLayout()  # the fresh query's rows, laid out now rather than later
    await _scroll_away(window)
    first_visible = await _first_visible_id(window)

    _publish(demo_server, 3, channel="tickets")  # hidden by the filter
    _publish(demo_server, 2, channel="private-agent-7")
    await wait_until(lambda: feed_app.service.committed == 50)
    await wait_until(lambda: window.update_bar.count == 2)
    assert window.update_bar.text() == "2 new updates"
    assert await _first_visible_id(window) == first_visible

    # A wider filter counts them all, and its fresh query leaves the held ones out.
    window.channel_box.select_value(None)
    assert window.model.filter.channel is None
    assert window.update_bar.text() == "5 new updates"
    await wait_until(lambda: window.model.rowCount() == 45)

    # A search counts only what it finds (the store decides, off the GUI thread).
    window.search.setText("Message")
    window.apply_filter()
    await wait_until(lambda: not window.controller.busy)
    assert window.update_bar.count == 5
    window.search.setText("nothing-matches-this")
    window.apply_filter()
    await wait_until(lambda: window.update_bar.count == 0)
    assert not window.update_bar.isVisible()
    window.search.clear()
    window.apply_filter()
    assert window.update_bar.count == 5
    await wait_until(lambda: not window.model.loading)

    window.reveal_updates()
    assert window.model.rowCount() == 50
    assert {window.model.index(r).data(FeedRole.HIGHLIGHTED) for r in range(5)} == {True}


async def test_keyboard_only_reveal_with_the_shortcut(
    feed_app: BeaconApp, demo_server: DemoServer, qtbot: QtBot
) -> None:
    window = feed_app.window
    await _fill(feed_app, demo_server, 60)
    window.activateWindow()
    window.view.setFocus()
    await wait_until(lambda: window.isActiveWindow())
    await wait_until(lambda: QApplication.focusWidget() is window.view)

    qtbot.keyClick(window.view, Qt.Key.Key_End)  # scroll away by keyboard
    assert not window.view.at_top()
    _publish(demo_server, 4)
    await wait_until(lambda: window.update_bar.count == 4)
    assert "Alt+U" in window.update_bar.toolTip()
    assert window.update_bar.focusPolicy() & Qt.FocusPolicy.TabFocus

    # Keys go where the keyboard focus is, as a real key press would.
    qtbot.keyClick(window.view, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)

    assert window.update_bar.count == 0
    assert not window.update_bar.isVisible()
    assert window.model.rowCount() == 64
    assert window.view.at_top()
    assert QApplication.focusWidget() is window.view
    assert window.view.currentIndex().row() == 0
    assert window.details.item is not None
    assert window.details.item.id == window.model.index(0).data(FeedRole.ITEM_ID)


async def test_the_bar_is_a_focusable_button(
    feed_app: BeaconApp, demo_server: DemoServer, qtbot: QtBot
) -> None:
    window = feed_app.window
    await _fill(feed_app, demo_server, 60)
    await _scroll_away(window)
    _publish(demo_server, 1)
    await wait_until(lambda: window.update_bar.count == 1)
    assert window.update_bar.text() == "1 new update"
    window.activateWindow()
    window.update_bar.setFocus(Qt.FocusReason.TabFocusReason)
    await wait_until(lambda: QApplication.focusWidget() is window.update_bar)
    qtbot.keyClick(window.update_bar, Qt.Key.Key_Space)
    assert window.model.rowCount() == 61
    assert window.view.at_top()


def _global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


async def test_the_bar_never_covers_a_row(feed_app: BeaconApp, demo_server: DemoServer) -> None:
    """Defect 4: the bar sat over the top row's title, and vanished on a selected row."""
    window = feed_app.window
    await _fill(feed_app, demo_server, 60)
    scroll = window.view.verticalScrollBar()
    await wait_until(lambda: scroll.maximum() > 0)
    scroll.setValue(scroll.maximum() // 2)
    viewport = window.view.viewport()
    # A selected row at the top, where the bar appears: it used to be the same blue.
    index = window.model.index(window.model.row_of(await _first_visible_id(window)) + 1)
    window.view.setCurrentIndex(index)
    window.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
    top = index.data(FeedRole.ITEM_ID)
    await wait_until(lambda: window.view.indexAt(QPoint(4, 4)).data(FeedRole.ITEM_ID) == top)
    position = scroll.value()

    _publish(demo_server, 3)
    await wait_until(lambda: window.update_bar.count == 3)

    bar = window.update_bar
    assert bar.isVisible()
    # The bar is outside the list's viewport: in a strip of its own, above the rows.
    assert not _global_rect(bar).intersects(_global_rect(viewport))
    assert bar.strip_height() >= bar.height()
    assert window.view.viewportMargins().top() == bar.strip_height()
    # The list was pushed down, not scrolled: the selected row is still the top one, whole.
    assert scroll.value() == position
    assert await _first_visible_id(window) == top
    selected = window.view.visualRect(window.view.currentIndex())
    assert selected.top() >= 0

    # The strip goes with the bar.
    window.search.setText("nothing-matches-this")
    window.apply_filter()  # the store decides which held items match, off the GUI thread
    await wait_until(lambda: not bar.isVisible())
    assert bar.strip_height() == 0
    assert window.view.viewportMargins().top() == 0


async def test_at_the_top_the_bar_pushes_the_list_down(
    demo_server: DemoServer, tmp_path: Path, qtbot: QtBot
) -> None:
    app = await start_feed_app(demo_server, tmp_path, feed=FeedSettings(always_hold=True))
    app.window.show()
    try:
        window = app.window
        _publish(demo_server, 2)
        await wait_until(lambda: window.update_bar.count == 2)
        window.reveal_updates()
        window.view.setCurrentIndex(window.model.index(0))  # selected: the bar's colour
        _publish(demo_server, 1)
        await wait_until(lambda: window.update_bar.count == 1)

        viewport = window.view.viewport()
        assert window.view.at_top()
        assert not _global_rect(window.update_bar).intersects(_global_rect(viewport))
        first = window.view.visualRect(window.model.index(0))
        assert first.top() >= 0  # the newest row is whole, under the strip
        assert window.view.indexAt(QPoint(4, 4)).row() == 0
    finally:
        await stop_feed_app(app)
