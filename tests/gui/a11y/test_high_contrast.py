"""The feed under a high-contrast palette: the window follows it, priority still shows in
grey levels alone, and a screenshot is written to artifacts/ to be looked at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from beacon.feed.item import Priority
from beacon.services.feed import FeedService
from beacon.store.history import History
from beacon.ui.window import FeedWindow
from support.feeditems import BASE_TIME, make_item
from support.palettes import high_contrast

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
#: Where a row's priority stripe is painted (ui/feed_delegate.py): left out of the
#: comparison, since it is the colour-only part.
STRIPE = 6


@pytest.fixture
def service(tmp_path: Path) -> Iterator[FeedService]:
    history = History(tmp_path / "history.sqlite3", retention_days=None)
    at = BASE_TIME + timedelta(seconds=1)
    history.add_batch(
        [
            make_item(1, title="Disk full", body="Same words", received_at=at),
            make_item(
                2, title="Disk full", body="Same words", received_at=at, priority=Priority.URGENT
            ),
            make_item(3, title="Backup late", priority=Priority.HIGH),
        ]
    )
    s = FeedService(history)
    yield s
    s.close()
    history.close()


def _row(shot: QImage, rect: QRect) -> QImage:
    return shot.copy(rect.adjusted(STRIPE, 0, 0, 0)).convertToFormat(
        QImage.Format.Format_Grayscale8
    )


def test_high_contrast_window_and_priority_without_colour(
    service: FeedService, qtbot: QtBot
) -> None:
    window = FeedWindow(service)
    qtbot.addWidget(window)
    window.setPalette(high_contrast())
    window.resize(1000, 560)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3 and not service.busy)
    by_priority = {}
    for r in range(3):
        item = window.model.item(r)
        assert item is not None
        by_priority[item.priority] = r
    # The high one selected, in the theme's highlight (the two compared below are not).
    window.open_row(by_priority[Priority.HIGH])

    shot = window.grab().toImage()
    ARTIFACTS.mkdir(exist_ok=True)
    assert shot.save(str(ARTIFACTS / "feed-high-contrast.png"))

    # The list and its text follow the palette: a black base, white text somewhere.
    viewport = window.view.viewport()
    origin = viewport.mapTo(window, viewport.rect().topLeft())
    normal = window.view.visualRect(window.model.index(by_priority[Priority.NORMAL]))
    urgent = window.view.visualRect(window.model.index(by_priority[Priority.URGENT]))
    normal.translate(origin)
    urgent.translate(origin)
    assert shot.pixelColor(normal.right() - 2, normal.bottom() - 1).lightness() < 30
    lightness = {
        shot.pixelColor(x, y).lightness()
        for x in range(normal.left() + 20, normal.left() + 120)
        for y in range(normal.top() + 4, normal.bottom() - 4)
    }
    assert max(lightness) > 200

    # Same title, time and message: in grey levels, and without the stripe, the urgent
    # row must still look different from the normal one.
    assert _row(shot, normal) != _row(shot, urgent)
