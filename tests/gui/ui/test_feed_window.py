"""The window without a server: palettes, relative times that move on, filters' widgets,
opening and selecting rows, Escape, the title, reveal_item and show_filtered."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from beacon.services.feed import FeedService
from beacon.store.history import History
from beacon.ui.feed_model import FeedModel, FeedRole
from beacon.ui.window import EMPTY_FEED, EMPTY_FILTERED, FeedWindow
from support.feeditems import BASE_TIME, make_item


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History(tmp_path / "history.sqlite3", retention_days=None)
    yield h
    h.close()


@pytest.fixture
def service(history: History) -> Iterator[FeedService]:
    s = FeedService(history)
    yield s
    s.close()


def _window(service: FeedService, qtbot: QtBot, **kw: Any) -> FeedWindow:
    """A shown window whose first page is in."""
    window = FeedWindow(service, **kw)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.model.loading and not service.busy)
    return window


def _focus_list(window: FeedWindow, qtbot: QtBot) -> None:
    window.view.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)


def _second_opened_with_enter(service: FeedService, qtbot: QtBot, rows: int) -> FeedWindow:
    """A shown, active window of ``rows`` items where, from the list, Down and Enter opened
    the second: the focus is in its message."""
    window = _window(service, qtbot)
    qtbot.waitUntil(lambda: window.model.rowCount() == rows)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    _focus_list(window, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_Down)
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.details.body)
    return window


def test_relative_times_move_on_with_one_refresh(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(0)])
    now = [BASE_TIME + timedelta(seconds=5)]
    model = FeedModel(service, clock=lambda: now[0])
    with qtbot.waitSignal(model.pageLoaded):
        model.fetchMore(QModelIndex())
    index = model.index(0)
    assert index.data(FeedRole.RELATIVE_TIME) == "now"
    now[0] = BASE_TIME + timedelta(minutes=7)
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.refresh_times(0, 0)
    assert changed.args is not None and int(FeedRole.RELATIVE_TIME) in changed.args[2]
    assert index.data(FeedRole.RELATIVE_TIME) == "7 min"


@pytest.mark.parametrize(
    ("base", "text"),
    [(QColor("#1e1e1e"), QColor("#eeeeee")), (QColor("#ffffff"), QColor("#111111"))],
    ids=["dark", "light"],
)
def test_the_list_follows_the_palette(
    history: History, service: FeedService, qtbot: QtBot, base: QColor, text: QColor
) -> None:
    history.add_batch([make_item(n) for n in range(3)])
    palette = QPalette(QApplication.palette())
    for role, colour in (
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.Window, base),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.WindowText, text),
    ):
        palette.setColor(role, colour)
    window = _window(service, qtbot)
    window.setPalette(palette)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    image = window.view.viewport().grab().toImage()
    # Below the last row: nothing but the list's own background.
    empty = image.pixelColor(QPoint(image.width() // 2, image.height() - 5))
    assert abs(empty.lightness() - base.lightness()) < 12
    # The title text is drawn in the palette's text colour (somewhere in the first row).
    row = window.view.visualRect(window.model.index(0))
    lightness = {
        image.pixelColor(QPoint(x, y)).lightness()
        for x in range(row.left() + 20, row.left() + 200)
        for y in range(row.top() + 6, row.top() + 24)
    }
    assert any(abs(level - text.lightness()) < 60 for level in lightness)


def test_widgets_have_accessible_names(service: FeedService, qtbot: QtBot) -> None:
    window = FeedWindow(service)
    qtbot.addWidget(window)
    for widget in (
        window.search,
        window.account_box,
        window.channel_box,
        window.priority_box,
        window.unread_box,
        window.mark_all_button,
        window.view,
        window.details,
        window.details.open_button,
        window.details.copy_button,
    ):
        assert widget.accessibleName(), widget
    assert window.update_bar.accessibleDescription()


def test_rows_shape_payload_text_as_plain_text(history: History, qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont, QFontMetrics

    from beacon.ui.feed_delegate import FeedDelegate

    delegate = FeedDelegate(["fire"])
    font = QFont()
    text = '<img src="http://127.0.0.1:9/x.png"> on fire'
    shaped = delegate._text(text, font, QFontMetrics(font))
    # Qt's default (AutoText) would take this for HTML and fetch the image.
    assert shaped.static.textFormat() == Qt.TextFormat.PlainText
    assert shaped.static.text().startswith("<img")
    assert len(shaped.marks) == 1  # "fire" is marked


def test_an_empty_list_says_why(service: FeedService, qtbot: QtBot) -> None:
    window = _window(service, qtbot)
    assert window.view.empty_text() == EMPTY_FEED
    with_text = window.view.viewport().grab().toImage()
    window.view.set_empty_text("")
    blank = window.view.viewport().grab().toImage()
    assert with_text != blank  # the text is painted, not only stored

    window.search.setText("nothing-like-this")
    window.apply_filter()
    assert window.view.empty_text() == EMPTY_FILTERED
    window.search.clear()
    window.apply_filter()
    assert window.view.empty_text() == EMPTY_FEED


# -- opening and selecting rows (issue 7, defects 1 and 2) ------------------------------------


def _click_row(window: FeedWindow, qtbot: QtBot, row: int) -> None:
    rect = window.view.visualRect(window.model.index(row))
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _row_id(window: FeedWindow, row: int) -> int:
    item_id: int = window.model.index(row).data(FeedRole.ITEM_ID)
    return item_id


def _painted_selected(window: FeedWindow, row: int) -> bool:
    """Whether the row is drawn in the selection colour (its top right corner, no text)."""
    rect = window.view.visualRect(window.model.index(row))
    image = window.view.viewport().grab().toImage()
    palette = window.view.palette()
    highlight = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    pixel = image.pixelColor(rect.right() - 3, rect.top() + 2)
    return (
        abs(pixel.hue() - highlight.hue()) < 20
        and abs(pixel.lightness() - highlight.lightness()) < 40
    )


def test_a_clicked_or_arrowed_row_is_selected_and_opened(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """More rows than one layout batch: marking the row read used to relayout the list
    between the click making it current and selecting it, and the selection was lost."""
    history.add_batch([make_item(n) for n in range(120)])
    window = _window(service, qtbot)
    qtbot.waitUntil(lambda: window.model.rowCount() == 120)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    selection = window.view.selectionModel()

    _click_row(window, qtbot, 1)
    assert selection.isSelected(window.model.index(1))
    assert window.details.item is not None and window.details.item.id == _row_id(window, 1)
    assert not window.model.index(1).data(FeedRole.UNREAD)
    qtbot.waitUntil(lambda: _painted_selected(window, 1))

    qtbot.keyClick(window.view, Qt.Key.Key_Down)
    assert selection.selectedRows() == [window.model.index(2)]
    assert window.details.item is not None and window.details.item.id == _row_id(window, 2)
    qtbot.waitUntil(lambda: _painted_selected(window, 2))
    qtbot.waitUntil(lambda: history.unread_count() == 118)


def test_focus_alone_opens_nothing(history: History, service: FeedService, qtbot: QtBot) -> None:
    history.add_batch([make_item(n) for n in range(4)])
    window = _window(service, qtbot)
    qtbot.waitUntil(lambda: window.model.rowCount() == 4)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.mark_all_button.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.keyClick(window.mark_all_button, Qt.Key.Key_Tab)  # Tab into the list
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)
    assert window.details.item is None
    assert window.model.index(0).data(FeedRole.UNREAD)

    qtbot.keyClick(window.view, Qt.Key.Key_Return)  # the user's act opens it
    assert window.details.item is not None
    assert window.details.item.id == window.view.currentIndex().data(FeedRole.ITEM_ID)
    qtbot.waitUntil(lambda: history.unread_count() == 3)


# -- Escape (defect 9), the title (defect 10), a broken config (defect 14) ------------------


def test_escape_clears_the_search_then_the_selection(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(1, title="Printer on fire"), make_item(2), make_item(3)])
    window = _window(service, qtbot)
    window.search.setText("printer")
    window.apply_filter()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and not window.model.loading)

    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == ""
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)

    _click_row(window, qtbot, 0)
    assert window.details.item is not None
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert not window.view.selectionModel().hasSelection()
    assert not window.view.currentIndex().isValid()
    assert window.details.item is None


def test_the_title_names_beacon_once(history: History, service: FeedService, qtbot: QtBot) -> None:
    """What the window manager shows: Qt adds the display name unless the title ends with
    it, so the title is read back from the X server."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.applicationDisplayName()
    app.setApplicationDisplayName("Beacon")
    try:
        stored = history.add_batch([make_item(n) for n in range(3)])
        window = _window(service, qtbot)
        service.add_committed(stored)
        qtbot.waitUntil(lambda: service.unread == 3)

        def shown_title() -> str:
            out = subprocess.run(
                ["xdotool", "getwindowname", str(int(window.winId()))],
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            )
            return out.stdout.strip()

        qtbot.waitUntil(lambda: "3 unread" in shown_title())
        assert shown_title().count("Beacon") == 1, shown_title()
    finally:
        app.setApplicationDisplayName(before)


def test_a_broken_config_does_not_promise_events(service: FeedService, qtbot: QtBot) -> None:
    window = _window(service, qtbot)
    window.show_config_error("config.toml:3: account: key must be a string. Fix: ...")
    assert window.view.empty_text() != EMPTY_FEED
    assert "configuration" in window.view.empty_text()
    window.search.setText("x")
    window.apply_filter()
    assert "configuration" in window.view.empty_text()


# -- at the top and idle, items flow in (defect 3) ---------------------------------------------


def _commit(history: History, service: FeedService, items: list[Any]) -> None:
    service.add_committed(history.add_batch(items))


def test_at_the_top_and_idle_held_items_flow_in_with_the_next(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(n) for n in range(5)])
    window = _window(service, qtbot, idle_seconds=0.0)
    qtbot.waitUntil(lambda: window.model.rowCount() == 5)
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(5, 400))  # below rows
    _commit(history, service, [make_item(n) for n in range(5, 8)])
    qtbot.waitUntil(lambda: window.update_bar.count == 3)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(5, 400))
    assert window.details.item is None and window.view.at_top()

    # Nothing pressed, nothing open, at the top: the next item brings the waiting ones.
    _commit(history, service, [make_item(8)])
    qtbot.waitUntil(lambda: window.model.rowCount() == 9)
    assert window.update_bar.count == 0 and not window.update_bar.isVisible()
    assert [window.model.index(r).data(FeedRole.TITLE) for r in range(4)] == [
        "Ticket 8",
        "Ticket 7",
        "Ticket 6",
        "Ticket 5",
    ]


def test_an_open_item_is_not_pushed_away(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(n) for n in range(5)])
    window = _window(service, qtbot, idle_seconds=0.0)
    qtbot.waitUntil(lambda: window.model.rowCount() == 5)
    _click_row(window, qtbot, 0)
    _commit(history, service, [make_item(5), make_item(6)])
    qtbot.waitUntil(lambda: window.update_bar.count == 2)
    assert window.model.index(0).data(FeedRole.TITLE) == "Ticket 4"
    assert "reading" in window.update_bar.toolTip()


# -- reveal_item and show_filtered (for the tray) ------------------------------------------------


def test_reveal_item_finds_an_item_far_down_behind_a_search(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    stored = history.add_batch([make_item(n) for n in range(1200)])
    target = stored[30]
    assert target.id is not None
    window = _window(service, qtbot)
    window.search.setText("Ticket 1199")
    window.apply_filter()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and not window.model.loading)
    window.hide()

    with qtbot.waitSignal(window.itemRevealed, timeout=10_000) as revealed:
        window.reveal_item(target.id)
    assert window.isVisible()
    assert window.search.text() == ""
    row = revealed.args[0] if revealed.args else -1
    assert row > 1000 and _row_id(window, row) == target.id
    assert window.view.selectionModel().selectedRows() == [window.model.index(row)]
    assert window.details.item is not None and window.details.item.id == target.id
    qtbot.waitUntil(
        lambda: (
            window.view.viewport()
            .rect()
            .contains(window.view.visualRect(window.model.index(row)).center())
        )
    )


def test_reveal_item_of_a_pruned_item_says_so(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(n) for n in range(3)])
    window = _window(service, qtbot)
    with qtbot.waitSignal(window.itemRevealed) as revealed:
        window.reveal_item(987_654)
    assert revealed.args == [-1]
    assert "no longer" in window.statusBar().currentMessage()


def test_show_filtered_narrows_to_given_items_until_escape(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    stored = history.add_batch([make_item(n) for n in range(40)])
    wanted = {item.id for item in stored[5:8] if item.id is not None}
    window = _window(service, qtbot)
    window.unread_box.setChecked(True)
    window.show_filtered(wanted)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3 and not window.model.loading)
    assert {_row_id(window, r) for r in range(3)} == wanted
    assert not window.unread_box.isChecked()
    assert window.ids_row.isVisible() and "3 updates" in window.ids_label.text()

    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert not window.ids_row.isVisible()
    qtbot.waitUntil(lambda: window.model.rowCount() == 40)


def test_mark_unread_keeps_an_item_for_later(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    history.add_batch([make_item(n) for n in range(3)])
    window = _window(service, qtbot)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    window.open_row(1)
    qtbot.waitUntil(lambda: history.unread_count() == 2)
    assert window.mark_unread_action in window.view.actions()  # the row's context menu
    window.mark_unread_action.trigger()
    assert window.model.index(1).data(FeedRole.UNREAD)
    qtbot.waitUntil(lambda: history.unread_count() == 3 and service.unread == 3)


def _frame_ring(widget: QWidget) -> QImage:
    """The widget's outer 3 pixels, top edge: where a frame shows the focus (no text)."""
    image = widget.grab().toImage()
    return image.copy(0, 0, image.width(), 3)


def test_the_focus_is_visible_after_enter_opens_a_row(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """Enter sends the keyboard focus to the message; it used to be drawn exactly as when
    it had none (no frame, no caret), so a keyboard user lost it after the first Enter."""
    history.add_batch([make_item(n, body=f"line {n}") for n in range(4)])
    window = _window(service, qtbot)
    qtbot.waitUntil(lambda: window.model.rowCount() == 4)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    _click_row(window, qtbot, 0)
    _focus_list(window, qtbot)
    unfocused = {w: _frame_ring(w) for w in (window.details.body, window.details.payload)}

    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.details.body)
    assert _frame_ring(window.details.body) != unfocused[window.details.body]

    qtbot.keyClick(window.details.body, Qt.Key.Key_Tab)  # on to the payload
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.details.payload)
    assert _frame_ring(window.details.payload) != unfocused[window.details.payload]
    assert _frame_ring(window.details.body) == unfocused[window.details.body]


def test_escape_in_the_details_closes_the_item_and_returns_to_the_list(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """Down, Enter (read it), Escape (done): the focus used to land in the search box, as
    the closed item's pane hid it, and the next Down or Space went to the search."""
    history.add_batch([make_item(n) for n in range(4)])
    window = _second_opened_with_enter(service, qtbot, 4)

    qtbot.keyClick(window.details.body, Qt.Key.Key_Escape)
    assert window.details.item is None
    assert QApplication.focusWidget() is window.view
    qtbot.keyClick(window.view, Qt.Key.Key_Down)  # the list goes on where the reader was
    assert window.details.item is not None
    assert window.search.text() == ""


def test_the_lists_keys_work_in_the_message_enter_opened(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """Enter sends the focus to the message; Space, "/" and the arrows did nothing there
    until Shift+Tab. The arrows read a message of several lines first, as its caret."""
    history.add_batch(
        [make_item(n, body="one line" if n != 1 else "first\n\nsecond\n\nthird") for n in range(3)]
    )
    window = _second_opened_with_enter(service, qtbot, 3)
    body = window.details.body
    row = window.view.currentIndex().row()
    assert window.details.item is not None and window.details.item.title == "Ticket 1"
    qtbot.waitUntil(lambda: history.unread_count() == 2)

    # Space: unread again, and read again; the item stays open, the focus in its message.
    qtbot.keyClick(body, Qt.Key.Key_Space)
    assert window.model.index(row).data(FeedRole.UNREAD)
    qtbot.waitUntil(lambda: history.unread_count() == 3)
    qtbot.keyClick(body, Qt.Key.Key_Space)
    assert not window.model.index(row).data(FeedRole.UNREAD)
    qtbot.waitUntil(lambda: history.unread_count() == 2)
    assert QApplication.focusWidget() is body
    assert window.details.item.title == "Ticket 1"

    # Down reads the message's lines, then goes on to the next item, in the list.
    start = body.textCursor().position()
    qtbot.keyClick(body, Qt.Key.Key_Down)
    assert body.textCursor().position() > start
    assert QApplication.focusWidget() is body
    for _ in range(4):
        if QApplication.focusWidget() is not body:
            break
        qtbot.keyClick(body, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.view
    assert window.view.currentIndex().row() == row + 1
    assert window.details.item.title == "Ticket 0"

    # Up from a one-line message: the previous item at once.
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is body)
    qtbot.keyClick(body, Qt.Key.Key_Up)
    assert QApplication.focusWidget() is window.view
    assert window.view.currentIndex().row() == row
    assert window.details.item.title == "Ticket 1"

    # "/" goes to the search box, from the message too.
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is body)
    qtbot.keyClicks(body, "/")
    assert QApplication.focusWidget() is window.search
    assert window.search.text() == ""


def test_mark_unread_key_works_on_the_item_enter_opened(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    """Enter opens the row and sends the focus to its message; Ctrl+Shift+U was a shortcut
    of the list alone, so it did nothing on the item just opened."""
    history.add_batch([make_item(n) for n in range(3)])
    window = _second_opened_with_enter(service, qtbot, 3)
    row = window.view.currentIndex().row()
    qtbot.waitUntil(lambda: history.unread_count() == 2)

    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.details.body, Qt.Key.Key_U, modifiers)
    assert window.model.index(row).data(FeedRole.UNREAD)
    qtbot.waitUntil(lambda: history.unread_count() == 3 and service.unread == 3)
    # Still a shortcut of the list too, as the row's menu shows it.
    _focus_list(window, qtbot)
    qtbot.keyClick(window.view, Qt.Key.Key_Space)  # read again
    qtbot.waitUntil(lambda: history.unread_count() == 2)
    qtbot.keyClick(window.view, Qt.Key.Key_U, modifiers)
    qtbot.waitUntil(lambda: history.unread_count() == 3)
