"""The popup policy, with the clock in the test's hands: rules, quiet hours, do-not-disturb,
storm control, and what the user already sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from beacon.feed.item import FeedItem, Priority
from beacon.feed.notify_policy import (
    Decision,
    NotifyPolicy,
    Popup,
    QuietHours,
)
from support.feeditems import make_item

# A local clock an hour east of UTC: quiet hours are wall-clock times on the user's clock.
LOCAL = timezone(timedelta(hours=1))
NOON = datetime(2026, 11, 27, 12, 0, tzinfo=LOCAL)


def item(n: int, *, notify: str = "popup", keyword: bool = False, **kw: object) -> FeedItem:
    return replace(make_item(n, **kw), notify=notify, keyword_hit=keyword, id=n)


def at(hhmm: str, day: int = 27) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 11, day, h, m, tzinfo=LOCAL)


class Dnd:
    """Do-not-disturb until a given time, as the tray's DND state would answer."""

    def __init__(self, until: datetime | None = None) -> None:
        self.until = until

    def active(self, now: datetime) -> bool:
        return self.until is not None and now < self.until


def ids(popups: list[Popup]) -> list[tuple[int, ...]]:
    return [p.item_ids for p in popups]


# -- rules and keywords -----------------------------------------------------------------------


def test_popup_rule_pops_up_with_the_items_text() -> None:
    policy = NotifyPolicy()
    [popup] = policy.offer([item(1, url="https://example.com/t/1", priority=Priority.HIGH)], NOON)
    assert popup == Popup(
        title="Ticket 1", body="Body of ticket 1", item_ids=(1,), priority=Priority.HIGH,
        url="https://example.com/t/1",
    )  # fmt: skip
    assert popup.item_id == 1 and not popup.summary
    assert policy.deadline(NOON) is None


def test_feed_and_mute_never_pop_up_and_are_never_counted() -> None:
    policy = NotifyPolicy(coalesce_count=1)
    quiet = [item(n, notify="feed") for n in range(10)] + [
        item(n, notify="mute") for n in range(10, 20)
    ]
    assert policy.offer(quiet, NOON) == []
    # Not counted for storm control: one popup is still allowed.
    assert ids(policy.offer([item(30)], NOON)) == [(30,)]
    assert policy.deadline(NOON) is None


@pytest.mark.parametrize("notify", ["feed", "mute", "popup"])
def test_keywords_always_notify(notify: str) -> None:
    policy = NotifyPolicy()
    [popup] = policy.offer([item(1, notify=notify, keyword=True)], NOON)
    assert popup.item_ids == (1,) and popup.keyword
    assert policy.decide(item(2, notify=notify, keyword=True), NOON) is Decision.POPUP


def test_uncommitted_items_are_ignored() -> None:
    policy = NotifyPolicy()
    assert policy.offer([make_item(1)], NOON) == []  # id None: not in the store yet


def test_no_popup_for_the_item_the_user_is_looking_at() -> None:
    visible = {2}
    policy = NotifyPolicy(coalesce_count=1, looking_at=lambda i: i in visible)
    assert ids(policy.offer([item(2), item(3)], NOON)) == [(3,)]
    # The seen item was not counted: the one popup allowed went to item 3.
    assert policy.decide(item(2, keyword=True), NOON) is Decision.NOTHING


def test_a_muted_channel_never_pops_up_not_even_a_keyword() -> None:
    muted = {("support", "tickets")}
    asked: list[datetime] = []

    def is_muted(it: FeedItem, now: datetime) -> bool:
        asked.append(now)
        return (it.account, it.channel) in muted

    policy = NotifyPolicy(coalesce_count=1, muted=is_muted, dnd=Dnd(NOON + timedelta(hours=1)))
    assert policy.decide(item(1, keyword=True), NOON) is Decision.NOTHING
    assert asked == [NOON]  # asked at the policy's own time: a mute can have ended
    # Not held for the "while away" summary either, and not counted for storm control.
    assert policy.offer([item(2), item(3, keyword=True)], NOON) == []
    assert policy.held == ()
    later = NOON + timedelta(hours=2)
    assert ids(policy.offer([item(4, channel="alerts")], later)) == [(4,)]
    muted.clear()  # the mute ended
    assert policy.decide(item(5), later) is Decision.POPUP


# -- quiet hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "inside"),
    [
        ("21:59", False), ("22:00", True), ("23:59", True), ("00:00", True), ("03:00", True),
        ("06:59", True), ("07:00", False), ("12:00", False),
    ],
)  # fmt: skip
def test_quiet_hours_cross_midnight(now: str, inside: bool) -> None:
    assert QuietHours.parse(("22:00", "07:00")).contains(at(now)) is inside


@pytest.mark.parametrize(
    ("now", "inside"), [("08:59", False), ("09:00", True), ("16:59", True), ("17:00", False)]
)
def test_quiet_hours_within_a_day(now: str, inside: bool) -> None:
    assert QuietHours.parse(("09:00", "17:00")).contains(at(now)) is inside


def test_quiet_hours_read_the_local_clock_not_utc() -> None:
    quiet = QuietHours.parse(("22:00", "07:00"))
    # 21:30 UTC is 22:30 on the user's clock (UTC+1).
    assert quiet.contains(datetime(2026, 11, 27, 21, 30, tzinfo=UTC).astimezone(LOCAL))
    assert not quiet.contains(datetime(2026, 11, 27, 21, 30, tzinfo=UTC))


def test_quiet_hours_hold_popups_then_one_summary_at_the_end() -> None:
    policy = NotifyPolicy(quiet_hours=QuietHours.parse(("22:00", "07:00")))
    night = at("23:30")
    assert policy.offer([item(n) for n in range(1, 8)], night) == []
    assert policy.offer([item(n) for n in range(8, 13)], at("03:00", day=28)) == []
    assert policy.offer([item(99, notify="feed")], at("04:00", day=28)) == []
    assert policy.held == tuple(range(1, 13))
    # The deadline is the end of quiet hours, on the next morning: no earlier wake-up.
    assert policy.deadline(night) == at("07:00", day=28)
    assert policy.tick(at("06:59", day=28)) == []
    [summary] = policy.tick(at("07:00", day=28))
    assert summary.title == "12 updates while you were away"
    assert summary.summary and summary.item_id is None
    assert summary.item_ids == tuple(range(1, 13))
    assert summary.body == "Ticket 1\nTicket 2\nTicket 3\nand 9 more"
    assert policy.held == () and policy.deadline(at("07:00", day=28)) is None


def test_keyword_hits_are_held_too_and_listed_first_in_the_summary() -> None:
    policy = NotifyPolicy(quiet_hours=QuietHours.parse(("22:00", "07:00")))
    policy.offer([item(1), item(2), item(3, notify="feed", keyword=True, title="Outage")],
                 at("23:00"))  # fmt: skip
    [summary] = policy.tick(at("07:01", day=28))
    assert summary.title == "3 updates while you were away"
    assert summary.body.splitlines()[0] == "Outage" and summary.keyword


def test_leaving_quiet_hours_is_noticed_by_the_next_offer_too() -> None:
    policy = NotifyPolicy(quiet_hours=QuietHours.parse(("22:00", "07:00")))
    policy.offer([item(1)], at("23:00"))
    popups = policy.offer([item(2)], at("08:00", day=28))
    assert [p.title for p in popups] == ["1 update while you were away", "Ticket 2"]
    assert ids(popups) == [(1,), (2,)]


# -- do-not-disturb ---------------------------------------------------------------------------


def test_do_not_disturb_holds_and_summarises_on_leaving() -> None:
    dnd = Dnd(until=NOON + timedelta(hours=1))
    policy = NotifyPolicy(dnd=dnd, dnd_recheck_seconds=60)
    assert policy.offer([item(1), item(2, keyword=True)], NOON) == []
    assert policy.decide(item(3), NOON) is Decision.HOLD
    # Nothing says when DND ends: look again in a minute, and only because items wait.
    assert policy.deadline(NOON) == NOON + timedelta(seconds=60)
    assert policy.tick(NOON + timedelta(minutes=59)) == []
    [summary] = policy.tick(NOON + timedelta(hours=1))
    assert summary.title == "2 updates while you were away"
    assert summary.item_ids == (1, 2)
    assert policy.deadline(NOON + timedelta(hours=1)) is None


def test_do_not_disturb_turned_off_by_hand_releases_at_the_next_tick() -> None:
    dnd = Dnd(until=NOON + timedelta(hours=8))
    policy = NotifyPolicy(dnd=dnd)
    policy.offer([item(1)], NOON)
    dnd.until = None  # "Do not disturb: off"
    assert policy.deadline(NOON) == NOON  # due at once
    assert ids(policy.tick(NOON)) == [(1,)]


def test_no_dnd_and_nothing_held_means_no_deadline() -> None:
    policy = NotifyPolicy(dnd=Dnd(until=NOON + timedelta(hours=1)))
    assert policy.deadline(NOON) is None  # DND on, but nothing held: no wake-ups


def test_quiet_hours_and_dnd_together_wait_for_both() -> None:
    dnd = Dnd(until=at("08:00", day=28))
    policy = NotifyPolicy(quiet_hours=QuietHours.parse(("22:00", "07:00")), dnd=dnd)
    policy.offer([item(1)], at("23:00"))
    assert policy.tick(at("07:30", day=28)) == []  # quiet hours over, DND still on
    assert ids(policy.tick(at("08:00", day=28))) == [(1,)]


# -- storm control ----------------------------------------------------------------------------


def test_exactly_count_popups_in_the_window_are_all_shown() -> None:
    policy = NotifyPolicy(coalesce_count=5, coalesce_seconds=10)
    shown = [p for n in range(5) for p in policy.offer([item(n)], NOON + timedelta(seconds=n))]
    assert ids(shown) == [(n,) for n in range(5)]
    assert policy.deadline(NOON + timedelta(seconds=5)) is None


def test_one_more_than_count_within_the_window_is_a_summary() -> None:
    policy = NotifyPolicy(coalesce_count=5, coalesce_seconds=10)
    for n in range(5):
        policy.offer([item(n)], NOON + timedelta(seconds=n))
    # 9.999 s after the first popup: still within the window.
    [summary] = policy.offer([item(5)], NOON + timedelta(seconds=9.999))
    assert summary.summary and summary.item_ids == (5,)
    assert summary.title == "1 new update"


def test_a_popup_exactly_window_old_no_longer_counts() -> None:
    policy = NotifyPolicy(coalesce_count=5, coalesce_seconds=10)
    for n in range(5):
        policy.offer([item(n)], NOON)
    [popup] = policy.offer([item(5)], NOON + timedelta(seconds=10))
    assert not popup.summary and popup.item_ids == (5,)


def test_a_burst_bigger_than_count_is_one_summary_at_once() -> None:
    policy = NotifyPolicy(coalesce_count=5, coalesce_seconds=10)
    [summary] = policy.offer([item(n) for n in range(6)], NOON)
    assert summary.summary and summary.item_ids == tuple(range(6))
    assert summary.title == "6 new updates"


def test_a_storm_costs_one_popup_per_window_and_then_ends() -> None:
    policy = NotifyPolicy(coalesce_count=5, coalesce_seconds=10)
    shown: list[Popup] = []
    # 1,000 items in one second, in frames of 16 as the engine service commits them.
    for frame in range(0, 1000, 16):
        batch = [item(n) for n in range(frame, min(frame + 16, 1000))]
        shown += policy.offer(batch, NOON + timedelta(milliseconds=frame))
    assert len(shown) == 1 and shown[0].item_ids == tuple(range(16))
    deadline = policy.deadline(NOON + timedelta(seconds=1))
    assert deadline == NOON + timedelta(seconds=10)
    [rest] = policy.tick(deadline)
    assert rest.title == "984 new updates" and rest.item_ids == tuple(range(16, 1000))
    # One more window to see whether the storm goes on; it does not, so it ends.
    second = policy.deadline(deadline)
    assert second == deadline + timedelta(seconds=10)
    assert policy.tick(second) == []
    assert policy.deadline(second) is None
    # Each id reached the user exactly once.
    all_ids = [i for p in [*shown, rest] for i in p.item_ids]
    assert sorted(all_ids) == list(range(1000))


def test_a_lone_straggler_after_a_storm_pops_up_as_itself() -> None:
    policy = NotifyPolicy(coalesce_count=1, coalesce_seconds=10)
    policy.offer([item(1), item(2)], NOON)
    assert policy.offer([item(3)], NOON + timedelta(seconds=5)) == []
    assert policy.gathering == (3,)
    [popup] = policy.tick(NOON + timedelta(seconds=10))
    assert not popup.summary and popup.item_ids == (3,)


def test_held_items_do_not_count_towards_a_storm() -> None:
    dnd = Dnd(until=NOON + timedelta(minutes=1))
    policy = NotifyPolicy(coalesce_count=2, coalesce_seconds=10, dnd=dnd)
    policy.offer([item(n) for n in range(50)], NOON)
    after = NOON + timedelta(minutes=1)
    [summary] = policy.tick(after)
    assert len(summary.item_ids) == 50
    # The away summary is one popup: one more single popup still fits in the window.
    assert ids(policy.offer([item(60)], after)) == [(60,)]
    [storm] = policy.offer([item(61)], after)
    assert storm.summary


def test_summary_takes_the_highest_priority() -> None:
    policy = NotifyPolicy(coalesce_count=1)
    [summary] = policy.offer([item(1), item(2, priority=Priority.URGENT)], NOON)
    assert summary.priority is Priority.URGENT
    assert summary.body.splitlines()[0] == "Ticket 2"


def test_bad_storm_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        NotifyPolicy(coalesce_count=0)
    with pytest.raises(ValueError):
        NotifyPolicy(coalesce_seconds=0)
