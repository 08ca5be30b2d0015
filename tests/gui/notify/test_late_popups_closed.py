"""A stopped notification server that runs again shows nothing twice.

The desktop's dunst is stopped (SIGSTOP) while events come in: their ``Notify`` calls time
out and the popups go to the in-app banner. dunst still holds those calls, and once it
runs again (SIGCONT) it shows them: late on the desktop, and already in the banner. Beacon
closes each of them as its late answer comes. The whole path as the app runs it: the demo
server publishes, the engine commits the items to the history (the feed), the
notification service decides, the presenter chain shows.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from beacon.app import NoSecrets
from beacon.cli.app import demo_config
from beacon.config.model import NotificationSettings, Rule
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem
from beacon.services.engine import EngineService
from beacon.services.notifications import NotificationService
from beacon.store.history import History
from beacon.tray.notify import BannerPresenter, JeepneyPresenter, PresenterChain
from support.feedapp import ticket, wait_until
from support.stalls import Heartbeat, RecordingBanner

#: Short, so that a popup's Notify counts as unanswered quickly.
CALL_TIMEOUT = 0.5
#: How late the GUI thread's heartbeat may be; the margin over ~0.1 s is for a loaded
#: test machine.
MAX_LATE = 0.25
RULES = (Rule(channel="tickets", event="ticket.*", notify="popup", title="{subject}"),)


class Live:
    """Engine service with its history, the chain on the desktop's dunst, the service."""

    def __init__(
        self,
        engine: EngineService,
        history: History,
        chain: PresenterChain,
        banner: RecordingBanner,
    ) -> None:
        self.engine = engine
        self.history = history
        self.chain = chain
        self.banner = banner
        self.items: list[FeedItem] = []
        engine.itemsAdded.connect(self.items.extend)


@pytest.fixture
async def live(
    demo_server: DemoServer, tmp_path: Path, app_name: str, qtbot: Any
) -> AsyncIterator[Live]:
    banner = RecordingBanner()
    qtbot.addWidget(banner)
    config = replace(demo_config(demo_server), rules=RULES)
    history = History(tmp_path / "history.sqlite3")
    engine = EngineService(config, history, NoSecrets())
    chain = PresenterChain(
        sound=False,
        banner=banner,
        native=lambda: JeepneyPresenter.open(
            app_name=app_name, sound=False, call_timeout=CALL_TIMEOUT
        ),
    )
    await chain.start()
    assert isinstance(chain.presenter, JeepneyPresenter)
    notifications = NotificationService(NotificationSettings(sound=False), chain)
    engine.itemsAdded.connect(notifications.add_items)
    made = Live(engine, history, chain, banner)
    await engine.start()
    try:
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        yield made
    finally:
        await engine.close()
        await chain.aclose()
        history.close()


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(stopped working|skipped)")
async def test_popups_shown_late_by_a_resumed_server_are_closed(
    live: Live,
    demo_server: DemoServer,
    frozen_dunst: Any,
    dunst: Any,
    app_name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="beacon.tray")
    native = live.chain.presenter
    assert isinstance(native, JeepneyPresenter)
    given_up: list[str] = []  # popups whose Notify dunst held without answering
    native.failed.connect(
        lambda popup, reason: given_up.append(popup.title) if "TimeoutError" in reason else None
    )
    banner = live.banner
    titles = [unique(name) for name in ("Printer on fire", "VPN down", "Refund")]

    frozen_dunst.freeze()
    heartbeat = Heartbeat()
    for title in titles:
        demo_server.publish("tickets", "ticket.created", ticket(subject=title))
    # Every popup reaches the user in the banner, whether its Notify was in flight when
    # the first one timed out or it came after.
    await wait_until(lambda: sorted(banner.shown) == sorted(titles), timeout=15)
    assert isinstance(live.chain.presenter, BannerPresenter)
    assert given_up, "no Notify call was left with the stopped dunst"
    assert set(given_up) <= set(titles)

    frozen_dunst.thaw()
    # dunst works through the calls it held and shows those popups; Beacon closes each
    # once its late answer comes. dunst's history lists exactly the closed ones, and
    # nothing is closed here: without Beacon's close they would stay on screen for good
    # (the rig's dunst has no timeout).
    await wait_until(
        lambda: sorted(e["summary"] for e in dunst.history(app_name)) == sorted(given_up),
        timeout=15,
    )
    assert dunst.displayed() == 0, "a popup also in the banner is still on the desktop"

    def said_closed() -> int:
        return sum("answered late; closed its popup" in r.getMessage() for r in caplog.records)

    # dunst answers CloseNotification after it closed the popup: the log line comes last.
    await wait_until(lambda: said_closed() == len(given_up))
    heartbeat.stop()
    assert heartbeat.worst < MAX_LATE, f"the GUI thread stalled {heartbeat.worst:.3f} s"

    # Nothing the user was shown is lost: each event is in the feed as well.
    await wait_until(lambda: len(live.items) == len(titles))
    stored = {item.title for item in live.history.page()}
    assert set(titles) <= stored


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(stopped working|skipped)")
async def test_quitting_while_the_server_is_still_stopped_does_not_wait_for_it(
    live: Live, demo_server: DemoServer, frozen_dunst: Any, dunst: Any
) -> None:
    banner = live.banner
    title = unique("Before quitting")
    frozen_dunst.freeze()
    demo_server.publish("tickets", "ticket.created", ticket(subject=title))
    await wait_until(lambda: banner.shown == [title], timeout=15)
    # The given-up presenter still waits for dunst's answer; quitting lets it go.
    await asyncio.wait_for(live.chain.aclose(), 5)
