"""The row painter's marks: keywords as whole words, search matches, and neither by colour
alone; payload text stays text and nothing is fetched.

Rows are painted into an image by the real delegate and compared pixel by pixel, so the
tests hold whatever the exact colours become.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QListView, QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem
from beacon.ui.feed_delegate import KEYWORD, SEARCH, FeedDelegate
from beacon.ui.feed_model import FeedRole
from support.feedapp import ticket, wait_until
from support.feeditems import make_item

WIDTH, HEIGHT = 640, 64


@pytest.fixture
def view(qtbot: QtBot) -> QListView:
    widget = QListView()
    qtbot.addWidget(widget)
    return widget


def paint(
    view: QListView,
    item: FeedItem,
    *,
    keywords: tuple[str, ...] = (),
    search: str = "",
    selected: bool = False,
) -> QImage:
    """One row, as the view would paint it, into a fresh image."""
    delegate = FeedDelegate(keywords, view)
    delegate.set_search(search)
    model = QStandardItemModel()
    row = QStandardItem()
    row.setData(item, FeedRole.ITEM)
    row.setData("now", FeedRole.RELATIVE_TIME)
    model.appendRow(row)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, WIDTH, HEIGHT)
    option.palette = view.palette()
    option.font = view.font()
    option.widget = view
    option.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Active
    if selected:
        option.state |= QStyle.StateFlag.State_Selected
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(view.palette().color(view.palette().ColorRole.Base))
    painter = QPainter(image)
    delegate.paint(painter, option, model.index(0, 0))
    painter.end()
    return image


def changed(a: QImage, b: QImage) -> list[tuple[int, int]]:
    """The pixels where two paintings differ."""
    return [(x, y) for y in range(HEIGHT) for x in range(WIDTH) if a.pixel(x, y) != b.pixel(x, y)]


def colours(image: QImage, pixels: list[tuple[int, int]]) -> set[int]:
    return {image.pixel(x, y) for x, y in pixels}


def _close(found: set[int], wanted: int) -> bool:
    """Whether a colour near ``wanted`` (anti-aliasing aside) is among ``found``."""
    w = QColor(wanted)
    return any(
        abs(c.red() - w.red()) + abs(c.green() - w.green()) + abs(c.blue() - w.blue()) < 90
        for c in map(QColor, found)
    )


def grey(image: QImage) -> QImage:
    return image.convertToFormat(QImage.Format.Format_Grayscale8)


def test_keywords_are_marked_as_whole_words_only(view: QListView) -> None:
    """Defect 7: "fire" must not be marked inside "firewall", as the mapper does not count it."""
    plain = make_item(1, title="Firewall rules changed", body="The firewall was updated.")
    assert paint(view, plain, keywords=("fire",)) == paint(view, plain)

    burning = make_item(2, title="Printer on fire", body="Fire in room 4")
    assert changed(paint(view, burning, keywords=("fire",)), paint(view, burning))


def test_only_the_title_and_preview_are_marked(view: QListView) -> None:
    """The search and the keywords look at titles and messages, not at channel names."""
    item = make_item(1, channel="fire-alerts", title="Drill at ten", body="All calm")
    assert paint(view, item, keywords=("fire",), search="fire") == paint(view, item)


def test_search_matches_are_marked(view: QListView) -> None:
    item = make_item(1, title="Printer on fire", body="Paper jam first")
    bare = paint(view, item)
    marked = paint(view, item, search="printer")
    assert changed(marked, bare)
    # The row shows what the history's search would find: "print" is being typed, and
    # its letters are marked.
    typing = paint(view, item, search="print")
    assert 0 < len(changed(typing, bare)) < len(changed(marked, bare))
    assert paint(view, item, search="print ") == bare  # a finished word, not in the text
    assert paint(view, item, search="") == bare


def test_search_and_keyword_marks_differ_in_shape_and_not_only_in_colour(
    view: QListView,
) -> None:
    item = make_item(1, title="Printer on fire", body="")
    bare = paint(view, item)
    by_search = paint(view, item, search="fire")
    by_keyword = paint(view, item, keywords=("fire",))
    search_pixels = changed(by_search, bare)
    keyword_pixels = changed(by_keyword, bare)
    assert search_pixels and keyword_pixels
    # Not the same yellow: no colour of the search mark is in the keyword mark.
    assert not colours(by_search, search_pixels) & colours(by_keyword, keyword_pixels)
    # Without colour (greyscale), each mark still shows, and the two look different:
    # the keyword's frame is drawn in the text's own colour.
    assert grey(by_search) != grey(bare)
    assert grey(by_keyword) != grey(bare)
    assert grey(by_search) != grey(by_keyword)
    text = view.palette().color(view.palette().ColorRole.Text).rgb()
    left = min(x for x, _ in keyword_pixels)
    frame = {by_keyword.pixel(left + 1, y) for _, y in keyword_pixels}
    assert _close(frame, text), "the keyword's frame is not in the text colour"


@pytest.mark.parametrize("selected", [False, True])
def test_marks_show_on_selected_rows_too(view: QListView, selected: bool) -> None:
    item = make_item(1, title="Printer on fire", body="")
    bare = paint(view, item, selected=selected)
    assert changed(paint(view, item, search="fire", selected=selected), bare)
    assert changed(paint(view, item, keywords=("fire",), selected=selected), bare)


class _Counter(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def http_counter() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Counter,), {"hits": hits}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_marked_payload_text_stays_text_and_fetches_nothing(
    view: QListView, http_counter: tuple[int, list[str]]
) -> None:
    port, hits = http_counter
    base = f"http://127.0.0.1:{port}"
    hostile = make_item(
        1,
        title=f'<img src="{base}/t.png"> fire <b>x</b>',
        body=f"<style>p {{ background: url('{base}/s.png') }}</style> fire",
    )
    image = paint(view, hostile, keywords=("fire",), search="img style")
    assert changed(image, paint(view, hostile))

    # Markup is drawn as the characters it is: "<b>x</b>" takes the room of 8 characters,
    # not of one bold "x".
    as_text = paint(view, make_item(2, title="<b>x</b>", body=""))
    one_x = paint(view, make_item(3, title="x", body=""))
    base_colour = view.palette().color(view.palette().ColorRole.Base).rgb()
    assert _ink_width(as_text, base_colour) > 4 * _ink_width(one_x, base_colour)

    import urllib.request

    with urllib.request.urlopen(f"{base}/probe", timeout=5):
        pass
    assert hits == ["/probe"]


def _ink_width(image: QImage, background: int) -> int:
    """How wide the title's ink is (the title's line, left of the time)."""
    top, bottom, right = 8, 26, WIDTH - 80
    xs = [
        x for x in range(24, right) for y in range(top, bottom) if image.pixel(x, y) != background
    ]
    return (max(xs) - min(xs)) if xs else 0


def test_marks_follow_the_shared_matchers(view: QListView) -> None:
    delegate = FeedDelegate(("fire",), view)
    delegate.set_search("fire")
    assert delegate.marks("Printer on fire") == [(SEARCH, 11, 15), (KEYWORD, 11, 15)]
    assert delegate.marks("firewall") == [(SEARCH, 0, 4)]  # typing "fire": a prefix
    delegate.set_search(None)
    assert delegate.marks("firewall") == []


async def test_the_window_marks_what_its_search_found(
    feed_app: BeaconApp, demo_server: DemoServer
) -> None:
    """The window hands its search to the painter: rows it found show the words marked."""
    window = feed_app.window
    for _ in range(3):
        demo_server.publish("tickets", "ticket.created", ticket(subject="Printer jammed"))
    await wait_until(lambda: window.model.rowCount() == 3)
    viewport = window.view.viewport()

    def rows() -> QImage:
        # The rows' left part: the filter bar may change the list's width meanwhile (the
        # channel box grows when the activity chart marks a burst).
        return viewport.grab().toImage().copy(0, 0, 400, viewport.height())

    before = rows()
    window.search.setText("printer")
    window.apply_filter()
    await wait_until(lambda: window.model.filter.search == "printer")
    await wait_until(lambda: window.model.rowCount() == 3)
    window.view.doItemsLayout()
    assert rows() != before

    window.search.clear()
    window.apply_filter()
    await wait_until(lambda: window.model.rowCount() == 3)
    window.view.doItemsLayout()
    assert rows() == before
