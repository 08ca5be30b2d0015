"""The fallback chain: native, then Qt's tray message, then the in-app banner.

"Dunst absent" is a session bus of the test's own with no notification server on it (and
no service files, so nothing is activated). Qt's tray message still goes to the desktop's
own dunst, through the tray icon on the desktop's panel.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon

from beacon.config.model import NotificationSettings
from beacon.feed.item import FeedItem, Priority
from beacon.services.notifications import NotificationService
from beacon.tray.notify import (
    BannerPresenter,
    JeepneyPresenter,
    PresenterChain,
    TrayMessagePresenter,
)
from support.feedapp import wait_until
from support.feeditems import make_item


def committed(n: int, **kw: Any) -> FeedItem:
    return replace(make_item(n, **kw), id=n)


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "beacon.tray" and r.levelno == logging.WARNING
    ]


async def started(chains: list[PresenterChain], **kwargs: Any) -> PresenterChain:
    chain = PresenterChain(sound=False, **kwargs)
    chains.append(chain)
    await chain.start()
    return chain


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(unavailable|stopped working)")
async def test_no_notification_server_falls_back_to_the_tray_message(
    private_bus: str,
    tray: QSystemTrayIcon,
    dunst: Any,
    caplog: pytest.LogCaptureFixture,
    chains: list[PresenterChain],
) -> None:
    caplog.set_level(logging.INFO, logger="beacon.tray")
    chain = await started(chains, bus=private_bus, tray=tray)
    assert isinstance(chain.presenter, TrayMessagePresenter)
    [warning] = warnings(caplog)
    assert "native notifications unavailable" in warning and "ServiceUnknown" in warning
    assert any("using Qt's tray message" in r.getMessage() for r in caplog.records)

    service = NotificationService(NotificationSettings(), chain)
    opened: list[int] = []
    service.openItemRequested.connect(opened.append)
    title = unique("Escalated")
    # Urgent: a Critical tray message, the only kind a server lets the user click.
    service.add_items([committed(5, title=title, body="a <b>bold</b> claim",
                                priority=Priority.URGENT)])  # fmt: skip
    await wait_until(lambda: dunst.displayed() == 1)
    dunst.run("action", "0")
    await wait_until(lambda: opened == [5])
    dunst.close_all()
    entries = [e for e in dunst.history(tray_app_name()) if e["summary"] == title]
    assert [e["body"] for e in entries] == ["a &lt;b&gt;bold&lt;/b&gt; claim"]
    assert len(warnings(caplog)) == 1  # said once, not per popup


def tray_app_name() -> str:
    from PySide6.QtWidgets import QApplication

    return QApplication.applicationName()


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(unavailable|stopped working)")
async def test_no_tray_either_falls_back_to_the_banner(
    private_bus: str, caplog: pytest.LogCaptureFixture, chains: list[PresenterChain], qtbot: Any
) -> None:
    chain = await started(chains, bus=private_bus, tray=None)
    presenter = chain.presenter
    assert isinstance(presenter, BannerPresenter)
    assert [w.split(":")[0] for w in warnings(caplog)] == [
        "native notifications unavailable",
        "Qt's tray message unavailable",
    ]
    banner = presenter.banner
    qtbot.addWidget(banner)
    service = NotificationService(NotificationSettings(), chain)
    calls: list[tuple[str, Any]] = []
    service.openItemRequested.connect(lambda i: calls.append(("open", i)))
    service.openLinkRequested.connect(lambda u: calls.append(("link", u)))
    service.markReadRequested.connect(lambda ids: calls.append(("read", ids)))

    url = "https://helpdesk.example.invalid/tickets/6"
    service.add_items([committed(6, title="<b>Not bold</b> & fine", url=url)])
    assert banner.isVisible()
    assert banner.title.text() == "<b>Not bold</b> & fine"
    assert banner.title.textFormat() == Qt.TextFormat.PlainText
    assert banner.body.textFormat() == Qt.TextFormat.PlainText
    assert [b.text() for b in banner.buttons.values()] == ["Open", "Open link", "Mark read"]
    banner.buttons["open-link"].click()
    assert not banner.isVisible()

    service.add_items([committed(7)])
    assert list(banner.buttons) == ["default", "mark-read"]
    banner.buttons["mark-read"].click()
    service.add_items([committed(8)])
    banner.buttons["default"].click()
    assert calls == [("link", url), ("read", [7]), ("open", 8)]
    assert len(warnings(caplog)) == 2


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(unavailable|stopped working)")
async def test_a_server_that_goes_away_hands_over_to_the_next_presenter_once(
    private_dunst: Any,
    private_bus: str,
    tray: QSystemTrayIcon,
    dunst: Any,
    caplog: pytest.LogCaptureFixture,
    chains: list[PresenterChain],
) -> None:
    chain = await started(chains, bus=private_bus, tray=tray)
    assert isinstance(chain.presenter, JeepneyPresenter)
    service = NotificationService(NotificationSettings(), chain)
    first, second, third = unique("First"), unique("Second"), unique("Third")
    service.add_items([committed(1, title=first)])
    await wait_until(lambda: private_dunst.displayed() == 1)
    assert warnings(caplog) == []

    private_dunst.stop()
    service.add_items([committed(2, title=second)])
    service.add_items([committed(3, title=third)])
    await wait_until(lambda: isinstance(chain.presenter, TrayMessagePresenter))
    # Both popups still reach the user, through the tray icon and the desktop's dunst.
    await wait_until(lambda: dunst.displayed() == 2)
    dunst.close_all()
    titles = {e["summary"] for e in dunst.history(tray_app_name())}
    assert {second, third} <= titles
    [warning] = warnings(caplog)
    assert warning.startswith("native notifications (jeepney) stopped working")


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(unavailable|stopped working)")
async def test_popups_presented_before_the_chain_is_ready_wait_for_it(
    private_bus: str, chains: list[PresenterChain], qtbot: Any
) -> None:
    chain = PresenterChain(sound=False, bus=private_bus, tray=None)
    chains.append(chain)
    service = NotificationService(NotificationSettings(), chain)
    service.add_items([committed(11, title="Early bird")])
    assert chain.presenter is None
    await chain.start()
    presenter = chain.presenter
    assert isinstance(presenter, BannerPresenter)
    qtbot.addWidget(presenter.banner)
    assert presenter.banner.isVisible() and presenter.banner.title.text() == "Early bird"
