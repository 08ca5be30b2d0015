"""The activity chart and sparklines: painted from the pulse, bursts marked by a shape and
a word, the channel filter's icons, and the dashboard opened from the feed window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem
from beacon.feed.pulse import MINUTES, Pulse
from beacon.services.feed import FeedService
from beacon.store.history import History
from beacon.ui.pulse import PulseChart, PulseWindow
from beacon.ui.sparkline import BURST_COLOR, BURST_SUFFIX, ICON_SIZE, sparkline_pixmap
from beacon.ui.window import FeedWindow
from support.feedapp import ticket, wait_until
from support.feeditems import BASE_TIME, make_item

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
NOW = BASE_TIME + timedelta(minutes=59, seconds=30)
LINE = QColor(40, 110, 220)
STEADY = [3] * MINUTES
BURST = [3] * (MINUTES - 1) + [40]


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History(tmp_path / "history.sqlite3", retention_days=None)
    yield h
    h.close()


@pytest.fixture
def service(history: History) -> Iterator[FeedService]:
    s = FeedService(history, clock=lambda: NOW.timestamp())
    yield s
    s.close()


def _burst_colored(image: QImage, rows: range | None = None) -> int:
    """How many pixels are (nearly) the burst colour."""
    found = 0
    for y in rows if rows is not None else range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if c.alpha() > 200 and abs(c.red() - BURST_COLOR.red()) < 8:
                if abs(c.green() - BURST_COLOR.green()) < 8:
                    found += abs(c.blue() - BURST_COLOR.blue()) < 8
    return found


def _spark(counts: list[int]) -> QImage:
    return sparkline_pixmap(counts, ICON_SIZE, color=LINE).toImage()


def test_sparklines_differ_with_the_data_and_only_with_it(qtbot: QtBot) -> None:
    rising = _spark(list(range(MINUTES)))
    assert _spark(list(range(MINUTES))) == rising
    assert _spark(list(range(MINUTES, 0, -1))) != rising
    assert _spark(STEADY) != rising
    # A flat hour is a baseline, not nothing; an empty series draws nothing.
    assert _spark(STEADY) != _spark([])
    assert _spark([0] * MINUTES) != _spark([])


def test_a_burst_gets_a_marker_above_the_line(qtbot: QtBot) -> None:
    steady, burst = _spark(STEADY), _spark(BURST)
    assert _burst_colored(steady) == 0
    # The triangle sits in the upper half, above the line, at the right end (the last
    # minute) and nowhere else.
    w, h = burst.width(), burst.height()
    assert _burst_colored(burst.copy(w * 3 // 4, 0, w - w * 3 // 4, h // 2)) > 3
    assert _burst_colored(burst) == _burst_colored(burst.copy(w * 3 // 4, 0, w, h // 2))


def test_the_chart_draws_bars_and_marks_bursts_in_words(qtbot: QtBot) -> None:
    chart = PulseChart()
    qtbot.addWidget(chart)
    chart.resize(480, 170)
    chart.set_series(tuple(STEADY), 0)
    steady = chart.grab().toImage()
    assert chart.bursts == [False] * MINUTES
    assert "Burst" not in chart.accessibleDescription()
    assert _burst_colored(steady) == 0

    chart.set_series(tuple(BURST), 0)
    burst = chart.grab().toImage()
    assert burst != steady
    assert chart.bursts == [False] * (MINUTES - 1) + [True]
    assert "Bursts at" in chart.accessibleDescription()
    assert _burst_colored(burst) > 20

    chart.set_series((0,) * MINUTES, 0)
    assert chart.accessibleDescription() == "No events in the last hour"


def _store_burst(history: History) -> list[FeedItem]:
    """tickets: 3 a minute over the hour, 40 in the current minute; deploys: steady."""
    items = []
    n = 0
    for minute in range(MINUTES):
        for k in range(40 if minute == MINUTES - 1 else 3):
            at = BASE_TIME + timedelta(minutes=minute, seconds=k % 30, microseconds=k)
            items.append(make_item(n, received_at=at))
            n += 1
        items.append(
            make_item(n, channel="deploys", received_at=BASE_TIME + timedelta(minutes=minute))
        )
        n += 1
    return history.add_batch(items)


def _window(service: FeedService, qtbot: QtBot) -> FeedWindow:
    window = FeedWindow(service, accounts=["support"])
    qtbot.addWidget(window)
    window.resize(1100, 600)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_channel_filter_shows_sparklines_and_names_the_burst(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    window = _window(service, qtbot)
    service.add_committed(_store_burst(history))
    box = window.channel_box
    qtbot.waitUntil(lambda: service.pulse is not None and box.count() == 3)
    qtbot.waitUntil(lambda: box.itemText(2).endswith(BURST_SUFFIX))
    assert box.values() == [None, "deploys", "tickets"]
    assert box.itemText(1) == "deploys"  # steady: no mark
    assert box.itemText(0) == "All channels" + BURST_SUFFIX  # the total bursts with it
    assert "Burst now" in box.itemData(2, Qt.ItemDataRole.ToolTipRole)
    icons = [box.itemIcon(row).pixmap(ICON_SIZE).toImage() for row in range(3)]
    assert all(not image.isNull() for image in icons)
    assert icons[1] != icons[2]
    assert _burst_colored(icons[2]) > 0 and _burst_colored(icons[1]) == 0

    # Another account selected: its channels have no events, and lose the mark.
    window.account_box.set_choices([("All", None), ("ops", "ops")], keep="ops")
    window.account_box.currentIndexChanged.emit(1)
    qtbot.waitUntil(lambda: not any(BURST_SUFFIX in box.itemText(r) for r in range(box.count())))
    # The selected channel is still a value, whatever its label says.
    window.account_box.set_choices([("All", None)], keep=None)
    window.account_box.currentIndexChanged.emit(0)
    box.select_value("tickets")
    assert box.value() == "tickets"
    assert window.current_filter().channel == "tickets"


def test_the_window_watches_the_pulse_only_while_shown(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    window = _window(service, qtbot)
    qtbot.waitUntil(lambda: service.pulse is not None)

    def armed() -> bool:
        return any(t.isActive() for t in service.findChildren(QTimer))

    assert armed()  # the minute boundary
    window.showMinimized()
    qtbot.waitUntil(lambda: not armed() and not service.busy)
    window.showNormal()
    qtbot.waitUntil(armed)
    window.hide()
    qtbot.waitUntil(lambda: not armed() and not service.busy)

    # The dashboard watches on its own while shown, with the feed window hidden.
    window.show_activity()
    dashboard = window.pulse_window
    assert dashboard is not None
    qtbot.waitUntil(armed)
    dashboard.showMinimized()
    qtbot.waitUntil(lambda: not armed() and not service.busy)
    dashboard.showNormal()
    qtbot.waitUntil(armed)
    dashboard.close()
    qtbot.waitUntil(lambda: not armed() and not service.busy)


def test_the_dashboard_chart_matches_the_history(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    window = _window(service, qtbot)
    service.add_committed(_store_burst(history))
    window.activity_button.click()
    dashboard = window.pulse_window
    assert isinstance(dashboard, PulseWindow)
    qtbot.waitExposed(dashboard)
    qtbot.waitUntil(lambda: sum(dashboard.chart.counts) > 0)
    pulse = service.pulse
    assert isinstance(pulse, Pulse)
    counts = history.per_minute(pulse.start_us, pulse.end_us)
    per_minute_total = [sum(c[m] for c in counts.values()) for m in range(MINUTES)]
    assert list(dashboard.chart.counts) == per_minute_total
    assert per_minute_total == [4] * (MINUTES - 1) + [41]
    assert dashboard.chart.bursts[-1] and not any(dashboard.chart.bursts[:-1])
    assert dashboard.now_label.text() == "▲ Burst now: tickets (support)"
    assert [source for source, _ in dashboard.channels.rows] == [
        ("support", "tickets"),
        ("support", "deploys"),
    ]
    assert "tickets (support): 217 events, burst now" in dashboard.channels.accessibleDescription()

    # New items reach the open dashboard.
    more = [make_item(10_000 + k, channel="alerts", received_at=NOW) for k in range(12)]
    service.add_committed(history.add_batch(more))
    qtbot.waitUntil(lambda: dashboard.chart.counts[-1] == 41 + 12, timeout=10_000)
    assert ("support", "alerts") in [source for source, _ in dashboard.channels.rows]

    dashboard.resize(560, 440)
    ARTIFACTS.mkdir(exist_ok=True)
    assert dashboard.grab().toImage().save(str(ARTIFACTS / "activity-chart.png"))
    combo_shot = window.grab().toImage().copy(0, 0, window.width(), 60)
    assert combo_shot.save(str(ARTIFACTS / "activity-channel-filter.png"))
    window.channel_box.showPopup()
    popup = window.channel_box.view()
    qtbot.waitExposed(popup)
    assert popup.grab().toImage().save(str(ARTIFACTS / "activity-channel-popup.png"))
    window.channel_box.hidePopup()

    # The shortcut brings the same dashboard back after it was closed.
    dashboard.close()
    qtbot.waitUntil(lambda: not dashboard.isVisible())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        window,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(dashboard.isVisible)
    assert window.pulse_window is dashboard
    assert dashboard.sizeHint().isValid() and QSize(1, 1).isValid()


async def test_the_running_app_charts_what_the_demo_server_sent(
    feed_app: BeaconApp, demo_server: DemoServer
) -> None:
    """End to end: events from the demo server, committed by the engine, counted by the
    feed service from the history, drawn by the dashboard and the channel filter."""
    window = feed_app.window
    window.show_activity()
    dashboard = window.pulse_window
    assert dashboard is not None
    burst = 25
    for _ in range(burst):
        demo_server.publish("tickets", "ticket.created", ticket())
    await wait_until(lambda: feed_app.history.count() >= burst, timeout=15)
    # Live: the open dashboard follows within the coalescing interval.
    await wait_until(lambda: sum(dashboard.chart.counts) == feed_app.history.count(), timeout=15)
    pulse = window.service.pulse
    assert pulse is not None
    counted = feed_app.history.per_minute(pulse.start_us, pulse.end_us)
    assert list(dashboard.chart.counts) == [
        sum(c[m] for c in counted.values()) for m in range(MINUTES)
    ]
    # From a quiet hour, 25 in a minute or two is a burst (at least 10 in one minute).
    assert "tickets" in dashboard.now_label.text()
    box = window.channel_box
    await wait_until(lambda: box.itemText(box.values().index("tickets")).endswith(BURST_SUFFIX))
    dashboard.close()
