""" "While you were away": after a gap in which Beacon did not run (a stale last-seen
stamp) or the machine slept (a jump of the sleep clock), one summary popup and a digest at
the top of the feed, grouped by channel and event, each group opening the feed filtered
to its items. The missed items come from the demo server's real catch-up endpoint."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from beacon.app import BeaconApp, NoSecrets
from beacon.cli.app import demo_config
from beacon.config.model import CatchupSettings, Config, NotificationSettings
from beacon.demo import DemoServer
from beacon.demo.catchup import CATCHUP_PATH
from beacon.feed.away import AwayDigest
from beacon.feed.item import FeedItem
from beacon.feed.notify_policy import Popup
from beacon.services.away import STAMP_NAME
from beacon.store.history import History
from support.feedapp import stop_feed_app, ticket, wait_until


def _config(server: DemoServer) -> Config:
    base = demo_config(server)
    account = replace(
        base.accounts[0], catchup=CatchupSettings(url=server.http_url() + CATCHUP_PATH)
    )
    # "fire" is a demo keyword: one keyword hit among the missed items.
    return replace(
        base, accounts=(account,), notifications=NotificationSettings(keywords=("fire",))
    )


async def _start(
    server: DemoServer, data_dir: Path
) -> tuple[BeaconApp, list[Popup], list[AwayDigest]]:
    app = BeaconApp(_config(server), History(data_dir / "history.sqlite3"), NoSecrets())
    app.away.set_gather_seconds(1.0)
    popups: list[Popup] = []
    digests: list[AwayDigest] = []
    app.notifications.popupShown.connect(popups.append)
    app.away.digestReady.connect(digests.append)
    app.window.show()
    await app.start()
    return app, popups, digests


async def test_digest_after_beacon_did_not_run(demo_server: DemoServer, tmp_path: Path) -> None:
    # Beacon was last seen an hour ago; meanwhile the helpdesk published these.
    (tmp_path / STAMP_NAME).write_text((datetime.now(UTC) - timedelta(hours=1)).isoformat())
    missed = [("tickets", "ticket.created", ticket()) for _ in range(4)]
    missed += [("tickets", "ticket.escalated", ticket(priority="urgent")) for _ in range(2)]
    missed += [("private-agent-7", "ticket.commented", ticket(subject="Printer on fire"))]
    for channel, event, data in missed:
        demo_server.publish(channel, event, data)

    app, popups, digests = await _start(demo_server, tmp_path)
    try:
        await wait_until(lambda: bool(digests), timeout=20)
        (digest,) = digests
        assert digest.total == 7
        groups = {(g.channel, g.event): len(g.item_ids) for g in digest.groups}
        assert groups == {
            ("tickets", "ticket.created"): 4,
            ("tickets", "ticket.escalated"): 2,
            ("private-agent-7", "ticket.commented"): 1,
        }
        summary = [p for p in popups if p.title == "While you were away"]
        assert len(summary) == 1 and summary[0].summary
        assert summary[0].body == (
            "While you were away: 7 new items, 2 high priority, 1 mention of your keywords"
        )
        assert set(summary[0].item_ids) == set(digest.item_ids)

        # The digest at the top of the feed: one button per group, largest first.
        bar = app.away_bar
        assert bar.isVisible()
        labels = [b.text() for b in bar.group_buttons]
        assert labels[0] == "tickets · ticket.created (4)"
        bar.group_buttons[0].click()
        assert app.window.ids_row.isVisible()
        wanted = set(digest.groups[0].item_ids)
        await wait_until(lambda: app.window.model.rowCount() == 4)
        shown = {app.window.model.item(r).id for r in range(4)}  # type: ignore[union-attr]
        assert shown == wanted
    finally:
        await stop_feed_app(app)


async def test_no_digest_after_a_short_gap(demo_server: DemoServer, tmp_path: Path) -> None:
    (tmp_path / STAMP_NAME).write_text((datetime.now(UTC) - timedelta(minutes=2)).isoformat())
    demo_server.publish("tickets", "ticket.created", ticket())
    app, _popups, digests = await _start(demo_server, tmp_path)
    try:
        await wait_until(lambda: app.window.model.rowCount() == 1)
        assert not app.away.gathering
        assert not digests and not app.away_bar.isVisible()
    finally:
        await stop_feed_app(app)


async def test_digest_after_the_machine_slept(demo_server: DemoServer, tmp_path: Path) -> None:
    app, popups, digests = await _start(demo_server, tmp_path)
    try:
        # Connected and current: then the sleep clock jumps by 20 minutes, and what was
        # published meanwhile comes from catch-up after the reconnect.
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        added: list[FeedItem] = []
        app.feed.itemsAdded.connect(added.extend)
        offset = [0.0]
        app.away.sleep_clock = lambda: offset[0]  # the one clock a test cannot move
        watch = app.away.resume_watch
        watch.check()
        await demo_server.drop_all()
        for _ in range(3):
            demo_server.publish("tickets", "ticket.created", ticket())
        # The engine notices the sleep first, reconnects, and catch-up brings the three
        # before the away watch checks its clocks.
        app.service.wake()
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        await wait_until(lambda: len(added) >= 3)
        offset[0] += 20 * 60
        watch.check()
        await wait_until(lambda: bool(digests), timeout=20)
        assert digests[0].total == 3
        assert any(p.body.startswith("While you were away: 3 new items") for p in popups)
    finally:
        await stop_feed_app(app)
