"""The window without a server: palettes, relative times that move on, filters' widgets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from beacon.store.history import History
from beacon.ui.feed_model import FeedModel, FeedRole
from beacon.ui.window import EMPTY_FEED, EMPTY_FILTERED, FeedWindow
from support.feeditems import BASE_TIME, make_item

pytestmark = pytest.mark.gui


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History(tmp_path / "history.sqlite3", retention_days=None)
    yield h
    h.close()


def test_relative_times_move_on_with_one_refresh(history: History, qtbot: QtBot) -> None:
    history.add_batch([make_item(0)])
    now = [BASE_TIME + timedelta(seconds=5)]
    model = FeedModel(history, clock=lambda: now[0])
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
    history: History, qtbot: QtBot, base: QColor, text: QColor
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
    window = FeedWindow(history)
    qtbot.addWidget(window)
    window.setPalette(palette)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
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


def test_widgets_have_accessible_names(history: History, qtbot: QtBot) -> None:
    window = FeedWindow(history)
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


def test_an_empty_list_says_why(history: History, qtbot: QtBot) -> None:
    window = FeedWindow(history)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    qtbot.waitExposed(window)
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
