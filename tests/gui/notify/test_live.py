"""Events from a real server, through the engine service and the rules, to dunst.

The whole path as the app runs it: the demo server publishes, EngineService commits
items, NotificationService decides, the native presenter shows them in the desktop's dunst.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from beacon.app import NoSecrets
from beacon.cli.app import demo_config
from beacon.config.load import load_config
from beacon.config.model import NotificationSettings, Rule
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem
from beacon.feed.notify_policy import Popup
from beacon.services.engine import EngineService
from beacon.services.mutes import Mutes
from beacon.services.notifications import NotificationService
from beacon.store.history import FeedFilter, History
from beacon.tray.notify import JeepneyPresenter, PresenterChain
from support.feedapp import ticket, wait_until

POPUP_RULES = (
    Rule(channel="tickets", event="ticket.noise", notify="mute", title="{subject}"),
    Rule(channel="tickets", event="ticket.update", notify="feed", title="{subject}"),
    Rule(channel="tickets", event="ticket.*", notify="popup", title="{subject}",
         body="{preview}", url="{url}"),
)  # fmt: skip


class Clock:
    """The wall clock of the notification service, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Dnd:
    def __init__(self) -> None:
        self.until: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.until is not None and now < self.until


class Live:
    """Engine service, history, presenter chain and notification service, started."""

    def __init__(
        self,
        engine: EngineService,
        history: History,
        chain: PresenterChain,
        notifications: NotificationService,
    ) -> None:
        self.engine = engine
        self.history = history
        self.chain = chain
        self.notifications = notifications
        self.items: list[FeedItem] = []
        self.popups: list[Popup] = []
        engine.itemsAdded.connect(self.items.extend)
        engine.itemsAdded.connect(notifications.add_items)
        notifications.popupShown.connect(self.popups.append)


@pytest.fixture
async def live_factory(
    demo_server: DemoServer, tmp_path: Path, app_name: str
) -> AsyncIterator[Callable[..., Any]]:
    started: list[Live] = []

    async def make(
        settings: NotificationSettings,
        *,
        clock: Clock | None = None,
        dnd: Dnd | None = None,
        muted: Callable[[FeedItem, datetime], bool] | None = None,
    ) -> Live:
        config = replace(demo_config(demo_server), rules=POPUP_RULES, notifications=settings)
        history = History(tmp_path / f"history-{len(started)}.sqlite3")
        engine = EngineService(config, history, NoSecrets())
        chain = PresenterChain(app_name=app_name, sound=settings.sound)
        await chain.start()
        assert isinstance(chain.presenter, JeepneyPresenter)
        extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
        notifications = NotificationService(
            config.notifications, chain, dnd=dnd, muted=muted, **extra
        )
        live = Live(engine, history, chain, notifications)
        started.append(live)
        await engine.start()
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        return live

    yield make
    for live in started:
        await live.engine.close()
        await live.chain.aclose()
        live.history.close()


async def test_storm_of_1000_events_in_one_second_gives_at_most_3_popups(
    demo_server: DemoServer, dunst: Any, app_name: str, live_factory: Callable[..., Any]
) -> None:
    # The default count; a short window keeps the test short (the storm ends one quiet
    # window after the last event).
    live = await live_factory(NotificationSettings(coalesce_count=5, coalesce_seconds=2.0))
    for _ in range(10):
        for _ in range(100):
            demo_server.publish("tickets", "ticket.created", ticket())
        await asyncio.sleep(0.1)  # pacing the publisher: 1,000 events over one second
    await wait_until(lambda: len(live.items) == 1000, timeout=30)
    assert live.history.count() == 1000  # all of them are in the feed
    await wait_until(lambda: not live.notifications.waiting, timeout=30)
    assert 1 <= len(live.popups) <= 3, [p.title for p in live.popups]
    # Every item reached the user exactly once, in one popup or a summary.
    shown_ids = sorted(i for p in live.popups for i in p.item_ids)
    assert shown_ids == sorted(item.id for item in live.items if item.id is not None)
    await wait_until(lambda: dunst.displayed() == len(live.popups))
    dunst.close_all()
    assert len(dunst.history(app_name)) == len(live.popups)


async def test_mute_and_feed_rules_and_a_keyword_against_a_popup_rule(
    demo_server: DemoServer, dunst: Any, app_name: str, live_factory: Callable[..., Any]
) -> None:
    live = await live_factory(NotificationSettings(keywords=("outage",)))
    demo_server.publish("tickets", "ticket.noise", ticket(subject="Muted chatter"))
    demo_server.publish("tickets", "ticket.update", ticket(subject="Feed only"))
    demo_server.publish("tickets", "ticket.noise", ticket(subject="Muted but an outage"))
    demo_server.publish("tickets", "ticket.update", ticket(subject="Feed but an outage"))
    demo_server.publish("tickets", "ticket.created", ticket(subject="Popup rule"))
    # All five are stored; the muted one without a keyword neither pops up nor counts.
    await wait_until(lambda: len(live.items) == 5)
    assert live.history.unread_count() == 4
    assert live.history.count() == 4  # not shown until the user asks for them:
    assert live.history.count(FeedFilter(show_muted=True)) == 5
    await wait_until(lambda: dunst.displayed() == 3)
    dunst.close_all()
    titles = sorted(entry["summary"] for entry in dunst.history(app_name))
    assert titles == ["Feed but an outage", "Muted but an outage", "Popup rule"]
    assert sorted(p.title for p in live.popups) == titles


async def test_a_channel_muted_from_the_menu_gives_no_popup_until_the_mute_ends(
    demo_server: DemoServer, dunst: Any, app_name: str, live_factory: Callable[..., Any]
) -> None:
    clock = Clock(datetime(2026, 11, 27, 14, 0).astimezone())
    mutes = Mutes(clock)
    mutes.for_duration("demo", "tickets", timedelta(hours=1))
    live = await live_factory(
        NotificationSettings(keywords=("outage",)),
        clock=clock,
        muted=lambda item, now: mutes.muted(item.account, item.channel, now),
    )
    demo_server.publish("tickets", "ticket.created", ticket(subject="Quiet one"))
    demo_server.publish("tickets", "ticket.created", ticket(subject="Even an outage"))
    await wait_until(lambda: len(live.items) == 2)
    assert live.popups == [] and not live.notifications.waiting  # nothing held for later
    clock.now += timedelta(hours=1)  # the mute ended by itself
    demo_server.publish("tickets", "ticket.created", ticket(subject="Loud again"))
    await wait_until(lambda: dunst.displayed() == 1)
    dunst.close_all()
    assert [p.title for p in live.popups] == ["Loud again"]
    assert [e["summary"] for e in dunst.history(app_name)] == ["Loud again"]


async def test_do_not_disturb_holds_popups_then_one_summary_that_opens_them(
    demo_server: DemoServer, dunst: Any, app_name: str, live_factory: Callable[..., Any]
) -> None:
    clock = Clock(datetime(2026, 11, 27, 14, 0).astimezone())
    dnd = Dnd()
    dnd.until = clock.now + timedelta(hours=1)
    live = await live_factory(NotificationSettings(), clock=clock, dnd=dnd)
    for n in range(12):
        demo_server.publish("tickets", "ticket.created", ticket(subject=f"While away {n}"))
    await wait_until(lambda: len(live.items) == 12)
    assert live.popups == [] and dunst.displayed() == 0
    assert live.notifications.policy.held == tuple(i.id for i in live.items)
    assert live.notifications.waiting  # a timer, for as long as something is held

    opened: list[list[int]] = []
    live.notifications.openFilteredRequested.connect(opened.append)
    clock.now += timedelta(hours=1)  # do-not-disturb ran out
    live.notifications.recheck()
    await wait_until(lambda: dunst.displayed() == 1)
    dunst.run("action", "0")
    await wait_until(lambda: len(opened) == 1)
    assert opened == [[item.id for item in live.items]]
    dunst.close_all()
    [summary] = dunst.history(app_name)
    assert summary["summary"] == "12 updates while you were away"
    assert summary["body"].startswith("While away 0\nWhile away 1\nWhile away 2\nand 9 more")
    assert not live.notifications.waiting  # nothing pending: the app sleeps again


async def test_quiet_hours_across_midnight_from_the_config_file(
    demo_server: DemoServer,
    dunst: Any,
    app_name: str,
    live_factory: Callable[..., Any],
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[notifications]\nquiet_hours = "22:00-07:00"\nsound = false\n'
        "coalesce = { count = 3, seconds = 5 }\n"
    )
    settings = load_config(path).notifications
    assert (settings.sound, settings.coalesce_count, settings.coalesce_seconds) == (False, 3, 5)
    clock = Clock(datetime(2026, 11, 27, 23, 30).astimezone())
    live = await live_factory(settings, clock=clock)
    demo_server.publish("tickets", "ticket.created", ticket(subject="Night one"))
    demo_server.publish("tickets", "ticket.created", ticket(subject="Night two"))
    await wait_until(lambda: len(live.items) == 2)
    assert live.popups == [] and live.notifications.waiting
    clock.now = datetime(2026, 11, 28, 6, 59).astimezone()  # after midnight: still quiet
    live.notifications.recheck()
    assert live.popups == []
    clock.now = datetime(2026, 11, 28, 7, 0).astimezone()
    live.notifications.recheck()
    await wait_until(lambda: dunst.displayed() == 1)
    assert [p.title for p in live.popups] == ["2 updates while you were away"]
    assert not live.notifications.waiting
