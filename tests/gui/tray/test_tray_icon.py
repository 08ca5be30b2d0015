"""The tray icon on its own, in the real panel: its pictures, its tooltip, its menu.

Pictures are compared as images: the badge must change the picture with the count, and
the states must differ in *shape* (their alpha masks), not only in colour.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from beacon.services.dnd import DoNotDisturb
from beacon.services.status import ConnectionInfo, LinkState
from beacon.tray.glyphs import TrayState, make_icon, render
from beacon.tray.icon import TrayIcon
from support import sni

START = datetime(2026, 11, 30, 14, 20, tzinfo=timezone(timedelta(hours=1)))


class Clock:
    """An injectable wall clock that tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def tray(qtbot: QtBot) -> Iterator[TrayIcon]:
    icon = TrayIcon(DoNotDisturb(Clock()), ["support", "billing"])
    icon.show()
    yield icon
    icon.hide()
    icon.menu.deleteLater()
    icon.deleteLater()


def _alpha_mask(image: QImage) -> list[int]:
    """Each pixel's alpha, thresholded: the shape, with colour thrown away."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return [
        1 if (image.pixel(x, y) >> 24) > 127 else 0
        for y in range(image.height())
        for x in range(image.width())
    ]


def _gray(image: QImage) -> QImage:
    return image.convertToFormat(QImage.Format.Format_Grayscale8)


def _differing(a: list[int], b: list[int]) -> int:
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


async def test_the_tray_is_available_and_the_icon_is_registered_with_the_panel(
    tray: TrayIcon,
) -> None:
    assert QSystemTrayIcon.isSystemTrayAvailable()
    assert tray.isVisible()

    def registered() -> bool:
        with sni.session() as connection:
            return sni.item_of_pid(connection, os.getpid()) is not None

    await until_true(registered)


async def until_true(blocking: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a blocking D-Bus query in a thread while Qt answers on this one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await loop.run_in_executor(None, blocking):
        assert loop.time() < deadline, "condition not met"


def test_each_state_has_its_own_shape_not_only_its_colour() -> None:
    masks = {state: _alpha_mask(render(state, 0, 32)) for state in TrayState}
    grays = {state: _gray(render(state, 0, 32)) for state in TrayState}
    states = list(TrayState)
    for n, a in enumerate(states):
        for b in states[n + 1 :]:
            # At least 8 % of the 32x32 pixels differ in coverage alone.
            assert _differing(masks[a], masks[b]) > 80, (a, b)
            assert grays[a] != grays[b]
    # Still told apart with a badge on top, at the panel's size.
    badged = {state: _alpha_mask(render(state, 7, 22)) for state in TrayState}
    for n, a in enumerate(states):
        for b in states[n + 1 :]:
            assert _differing(badged[a], badged[b]) > 20, (a, b)


def test_the_badge_changes_the_picture_with_the_count() -> None:
    pictures = [render(TrayState.CONNECTED, n, 22) for n in (0, 1, 2, 42, 99, 100, 5000)]
    none, one, two, many, ninety_nine, hundred, lots = pictures
    assert len({p.constBits().tobytes() for p in (none, one, two, many, ninety_nine)}) == 5
    # Past 99 the badge says "99+", one picture for all.
    assert hundred == lots
    assert hundred != ninety_nine


def test_pictures_are_drawn_for_each_device_pixel_size_never_scaled() -> None:
    icon = make_icon(TrayState.CONNECTED, 42)
    assert {QSize(s, s) for s in (16, 22, 24, 32, 44, 48, 64)} <= set(icon.availableSizes())
    # On a 2x screen, a 22 px tray slot gets the 44 px drawing itself...
    hidpi = icon.pixmap(QSize(22, 22), 2.0)
    assert hidpi.deviceIndependentSize().toSize() == QSize(22, 22)
    image = hidpi.toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    assert image.size() == QSize(44, 44)
    direct = render(TrayState.CONNECTED, 42, 22, dpr=2.0)
    assert image.constBits().tobytes() == direct.constBits().tobytes()
    # ... which is not the 22 px one blown up: it has detail the small one lacks.
    blown_up = render(TrayState.CONNECTED, 42, 22).scaled(44, 44)
    assert _differing(_alpha_mask(direct), _alpha_mask(blown_up)) > 20


def test_the_icon_follows_the_accounts_and_the_tooltip_names_each(tray: TrayIcon) -> None:
    assert tray.state is TrayState.CONNECTING  # nothing connected yet
    tray.set_connection(ConnectionInfo("support", LinkState.CONNECTED))
    assert tray.state is TrayState.CONNECTING  # billing is not
    tray.set_connection(ConnectionInfo("billing", LinkState.CONNECTED))
    assert tray.state is TrayState.CONNECTED
    connected = tray.icon().pixmap(32).toImage()
    tray.set_connection(ConnectionInfo("billing", LinkState.UNAVAILABLE, "retry in 4 s"))
    assert tray.state is TrayState.CONNECTING
    tray.set_connection(
        ConnectionInfo("billing", LinkState.FAILED, "refused: 403", needs_login=True)
    )
    assert tray.state is TrayState.FAILED
    assert tray.icon().pixmap(32).toImage() != connected
    tip = tray.tray.toolTip()
    assert "support: connected" in tip
    assert "billing: needs login" in tip
    assert tray.accounts["billing"].menu.title() == "billing: needs login"
    assert tray.accounts["billing"].detail.text() == "refused: 403"


def test_the_tooltip_line_of_an_account_that_is_down_says_why_and_when(tray: TrayIcon) -> None:
    """One line an account: the reason, capped, and the next try as a time of day, made
    when the state came (it stays right however late the tooltip is read)."""
    clock = tray.dnd.clock
    assert isinstance(clock, Clock)
    tray.set_connection(ConnectionInfo("support", LinkState.CONNECTED))
    long_reason = "no route to host " + "x" * 200
    tray.set_connection(
        ConnectionInfo("billing", LinkState.UNAVAILABLE, f"retrying in 4.2 s after: {long_reason}")
    )
    clock.now = START + timedelta(minutes=5)
    tray.set_unread(3)  # the tooltip is made again later: the time is the retry's own
    lines = tray.tray.toolTip().splitlines()
    assert "support: connected" in lines
    billing = next(line for line in lines if line.startswith("billing: "))
    assert billing.startswith("billing: unavailable — no route to host xxx")
    assert billing.endswith("…; next try at 14:20:04")
    assert len(billing) < 120
    # Refused for good: the reason, and no next try.
    tray.set_connection(
        ConnectionInfo("billing", LinkState.FAILED, "failed: Application does not exist (4001)")
    )
    assert "billing: failed — Application does not exist (4001)" in tray.tray.toolTip()
    # Back up: the plain state again.
    tray.set_connection(ConnectionInfo("billing", LinkState.CONNECTED))
    assert "billing: connected" in tray.tray.toolTip().splitlines()


def test_set_unread_redraws_the_icon_and_the_tooltip(tray: TrayIcon) -> None:
    before = tray.icon().pixmap(22).toImage()
    tray.set_unread(12)
    after = tray.icon().pixmap(22).toImage()
    assert before != after
    assert tray.tray.toolTip().startswith("Beacon: 12 unread")
    tray.set_unread(0)
    assert tray.icon().pixmap(22).toImage() == before


def test_menu_actions_emit_their_requests(tray: TrayIcon, qtbot: QtBot) -> None:
    with qtbot.waitSignal(tray.openFeedRequested, timeout=1000):
        tray.open_action.trigger()
    with qtbot.waitSignal(tray.quitRequested, timeout=1000):
        tray.quit_action.trigger()
    tray.set_connection(ConnectionInfo("billing", LinkState.FAILED, "refused"))
    with qtbot.waitSignal(tray.reconnectRequested, timeout=1000) as caught:
        tray.accounts["billing"].reconnect.trigger()
    assert caught.args == ["billing"]
    with qtbot.waitSignal(tray.settingsRequested, timeout=1000):
        tray.settings_action.trigger()
    labels = [a.text() for a in tray.menu.actions() if a.text()]
    assert labels[0] == "Open feed"
    assert labels[-1] == "Quit Beacon"
    assert "support: connecting" not in labels  # submenus carry the accounts
    assert [m.title() for m in (tray.accounts["support"].menu, tray.accounts["billing"].menu)] == [
        "support: starting",
        "billing: failed",
    ]
    # Sign in… only while the account needs login.
    assert not tray.accounts["billing"].sign_in.isVisible()
    tray.set_connection(ConnectionInfo("billing", LinkState.CONNECTED, "", needs_login=True))
    assert tray.accounts["billing"].sign_in.isVisible()
    with qtbot.waitSignal(tray.signInRequested, timeout=1000) as caught:
        tray.accounts["billing"].sign_in.trigger()
    assert caught.args == ["billing"]


def test_reconnect_is_offered_only_where_it_does_something(tray: TrayIcon) -> None:
    entry = tray.accounts["support"]
    tray.set_connection(ConnectionInfo("support", LinkState.CONNECTED))
    assert not entry.reconnect.isEnabled()
    tray.set_connection(ConnectionInfo("support", LinkState.CONNECTING))
    assert not entry.reconnect.isEnabled()
    for state in (LinkState.UNAVAILABLE, LinkState.FAILED, LinkState.DISCONNECTED):
        tray.set_connection(ConnectionInfo("support", state))
        assert entry.reconnect.isEnabled(), state


def test_left_click_asks_to_toggle_the_feed(tray: TrayIcon, qtbot: QtBot) -> None:
    with qtbot.waitSignal(tray.toggleFeedRequested, timeout=1000):
        tray.tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    # A double click arrives after a Trigger; it must not toggle a second time.
    with qtbot.assertNotEmitted(tray.toggleFeedRequested):
        tray.tray.activated.emit(QSystemTrayIcon.ActivationReason.DoubleClick)


def test_do_not_disturb_from_the_menu_with_an_injected_clock(tray: TrayIcon, qtbot: QtBot) -> None:
    clock = tray.dnd.clock
    assert isinstance(clock, Clock)
    tray.set_connection(ConnectionInfo("support", LinkState.CONNECTED))
    tray.set_connection(ConnectionInfo("billing", LinkState.CONNECTED))
    assert tray.dnd_off_action.isChecked()

    with qtbot.waitSignal(tray.dndChanged, timeout=1000) as caught:
        tray.dnd_hour_action.trigger()
    assert caught.args == [START + timedelta(hours=1)]
    assert tray.dnd.active(START + timedelta(minutes=59))
    assert not tray.dnd.active(START + timedelta(minutes=61))
    assert tray.state is TrayState.DND
    assert "until 15:20" in tray.dnd_menu.title()
    assert "Do not disturb until 15:20" in tray.tray.toolTip()

    # A failure still shows through do-not-disturb: it needs the user.
    tray.set_connection(ConnectionInfo("billing", LinkState.FAILED, "refused"))
    assert tray.state is TrayState.FAILED
    tray.set_connection(ConnectionInfo("billing", LinkState.CONNECTED))

    tray.dnd_menu.aboutToShow.emit()
    assert tray.dnd_tomorrow_action.text() == "Until tomorrow, 08:00"
    with qtbot.waitSignal(tray.dndChanged, timeout=1000) as caught:
        tray.dnd_tomorrow_action.trigger()
    assert caught.args == [datetime(2026, 12, 1, 8, 0, tzinfo=START.tzinfo)]

    with qtbot.waitSignal(tray.dndChanged, timeout=1000) as caught:
        tray.dnd_off_action.trigger()
    assert caught.args == [None]
    assert not tray.dnd.active()
    assert tray.state is TrayState.CONNECTED


def test_do_not_disturb_ends_by_itself_and_says_so(tray: TrayIcon, qtbot: QtBot) -> None:
    clock = tray.dnd.clock
    assert isinstance(clock, Clock)
    tray.set_dnd(START + timedelta(milliseconds=300))
    assert tray.state is TrayState.DND
    clock.now = START + timedelta(seconds=1)  # the wall clock moves on
    # The expiry timer fires, finds the time passed, and tells whoever listens.
    with qtbot.waitSignal(tray.dndChanged, timeout=3000) as caught:
        pass
    assert caught.args == [None]
    assert tray.dnd_off_action.isChecked()
    assert tray.state is TrayState.CONNECTING


async def test_the_panel_gets_the_badge(tray: TrayIcon) -> None:
    """What the panel reads over D-Bus changes with the count."""
    loop = asyncio.get_running_loop()

    def exported() -> bytes:
        with sni.session() as connection:
            item = sni.item_of_pid(connection, os.getpid())
            assert item is not None
            return b"".join(data for _w, _h, data in item.icon_pixmaps(connection))

    before = await loop.run_in_executor(None, exported)
    tray.set_unread(3)
    deadline = loop.time() + 10
    while (after := await loop.run_in_executor(None, exported)) == before:
        assert loop.time() < deadline, "the exported icon never changed"
    tray.set_unread(4)
    while (again := await loop.run_in_executor(None, exported)) == after:
        assert loop.time() < deadline, "the exported icon never changed"
    assert again != before
