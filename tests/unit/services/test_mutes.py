"""Channel mutes: an hour, until tomorrow, always; ending by themselves; kept on disk."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from beacon.services.mutes import Mute, Mutes

TZ = timezone(timedelta(hours=1))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_nothing_muted_means_no_wake_up() -> None:
    mutes = Mutes(Clock(at(30, 12)))
    assert not mutes.muted("support", "tickets")
    assert mutes.next_expiry() is None
    assert mutes.channels() == frozenset()


def test_an_hour_ends_by_itself_and_only_for_that_channel() -> None:
    clock = Clock(at(30, 12))
    mutes = Mutes(clock)
    assert mutes.for_duration("support", "tickets", timedelta(hours=1)) == at(30, 13)
    assert mutes.muted("support", "tickets")
    assert not mutes.muted("support", "alerts")
    assert not mutes.muted("ops", "tickets")
    assert mutes.next_expiry() == at(30, 13)
    clock.now = at(30, 13)
    assert not mutes.muted("support", "tickets")
    assert mutes.channels() == frozenset()
    assert mutes.next_expiry() is None  # ended: nothing left to wait for
    assert mutes.expire() == [("support", "tickets")]
    assert mutes.expire() == []


def test_always_never_ends_and_asks_for_no_timer() -> None:
    clock = Clock(at(30, 12))
    mutes = Mutes(clock)
    mutes.mute("support", "tickets", None)
    clock.now = at(30, 12) + timedelta(days=400)
    assert mutes.muted("support", "tickets")
    assert mutes.next_expiry() is None
    assert mutes.active() == [Mute("support", "tickets", None)]
    assert mutes.unmute("support", "tickets")
    assert not mutes.unmute("support", "tickets")
    assert not mutes.muted("support", "tickets")


def test_next_expiry_is_the_soonest_of_several() -> None:
    mutes = Mutes(Clock(at(30, 22)))
    mutes.until_tomorrow("support", "a")  # tomorrow 08:00
    mutes.for_duration("support", "b", timedelta(hours=1))
    mutes.mute("support", "c", None)
    assert mutes.next_expiry() == at(30, 23)
    assert mutes.next_expiry(at(30, 23)) == datetime(2026, 12, 1, 8, 0, tzinfo=TZ)
    assert mutes.channels(at(30, 23)) == {("support", "a"), ("support", "c")}


def test_until_tomorrow_after_midnight_means_this_morning() -> None:
    mutes = Mutes(Clock(at(30, 1)))
    assert mutes.until_tomorrow("support", "tickets") == at(30, 8)


def test_a_naive_end_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Mutes(Clock(at(30, 12))).mute("support", "tickets", datetime(2026, 11, 30, 13))


def test_kept_across_a_restart_and_ended_ones_dropped(tmp_path: Path) -> None:
    path = tmp_path / "mutes.json"
    clock = Clock(at(30, 12))
    mutes = Mutes(clock, path)
    mutes.for_duration("support", "tickets", timedelta(hours=1))
    mutes.mute("ops", "alerts", None)
    again = Mutes(clock, path)
    assert again.muted("support", "tickets") and again.muted("ops", "alerts")
    assert again.next_expiry() == at(30, 13)
    later = Mutes(Clock(at(30, 14)), path)  # restarted after the hour
    assert later.active() == [Mute("ops", "alerts", None)]
    later.unmute("ops", "alerts")
    assert not path.exists()  # nothing muted: no file


@pytest.mark.expect_log_warnings(r"beacon\.services: ignoring .*mutes\.json")
@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"mutes": [{"account": "a", "channel": "b", "until": "soon"}]}),
        json.dumps({"mutes": [{"account": "a", "channel": "b", "until": "2026-11-30T13:00"}]}),
        json.dumps({"other": 1}),
    ],
    ids=["garbage", "bad-time", "naive-time", "no-key"],
)
def test_a_damaged_file_mutes_nothing(tmp_path: Path, text: str) -> None:
    path = tmp_path / "mutes.json"
    path.write_text(text, encoding="utf-8")
    mutes = Mutes(Clock(at(30, 12)), path)
    assert mutes.active() == []
    mutes.for_duration("a", "b", timedelta(hours=1))  # and it is written afresh
    assert Mutes(Clock(at(30, 12)), path).muted("a", "b")
