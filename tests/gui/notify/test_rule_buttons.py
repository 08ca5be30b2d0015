"""A rule's action buttons on popups: offered by a real dunst's context menu (after
Open and Mark read) and by the in-app banner; pressing one asks for that action."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from beacon.config.model import NotificationSettings
from beacon.feed.item import FeedItem
from beacon.services.notifications import NotificationService
from beacon.tray.notify import Banner, BannerPresenter, PresenterChain
from support.feedapp import wait_until
from support.feeditems import make_item


def committed(n: int, **kw: Any) -> FeedItem:
    return replace(make_item(n, **kw), id=n)


def _actions(offered: list[str]) -> list[tuple[str, str]]:
    """(label, key) in dunst's context menu ("#Claim (Ticket 12) [2,action:0]"), sorted."""
    found = [re.fullmatch(r"#(.+) \((.*)\) \[\d+,(.+)\]", line) for line in offered]
    return sorted((m.group(1), m.group(3)) for m in found if m is not None)


def _labels(item_id: int) -> tuple[str, ...]:
    return ("Claim", "Resolve") if item_id % 2 == 0 else ()


async def test_dunst_offers_the_rule_buttons_and_a_press_asks_for_the_action(
    private_dunst: Any, private_bus: str, app_name: str
) -> None:
    chain = PresenterChain(app_name=app_name, sound=False, bus=private_bus)
    await chain.start()
    try:
        service = NotificationService(NotificationSettings(), chain, action_labels=_labels)
        pressed: list[tuple[int, int]] = []
        service.actionRequested.connect(lambda item_id, index: pressed.append((item_id, index)))
        service.add_items([committed(12)])
        await wait_until(lambda: private_dunst.displayed() == 1)
        offered = await private_dunst.choose("Resolve")
        assert _actions(offered) == [
            ("Claim", "action:0"), ("Mark read", "mark-read"), ("Open", "default"),
            ("Resolve", "action:1"),
        ]  # fmt: skip
        await wait_until(lambda: pressed == [(12, 1)])
        private_dunst.close_all()

        service.add_items([committed(13)])  # its rule has no buttons
        await wait_until(lambda: private_dunst.displayed() == 1)
        offered = await private_dunst.choose("Mark read")
        assert _actions(offered) == [("Mark read", "mark-read"), ("Open", "default")]
    finally:
        await chain.aclose()


async def test_the_banner_shows_the_rule_buttons(qtbot: Any) -> None:
    banner = Banner()
    qtbot.addWidget(banner)
    presenter = BannerPresenter(sound=False, banner=banner)
    service = NotificationService(NotificationSettings(), presenter, action_labels=_labels)
    pressed: list[tuple[int, int]] = []
    service.actionRequested.connect(lambda item_id, index: pressed.append((item_id, index)))
    service.add_items([committed(4)])
    assert [b.text() for b in banner.buttons.values()][-2:] == ["Claim", "Resolve"]
    banner.buttons["action:0"].click()
    assert pressed == [(4, 0)]
    # A key the popup never offered is ignored.
    popup = presenter._current
    assert popup is not None
    service.handle_action(popup, "action:7")
    assert pressed == [(4, 0)]
