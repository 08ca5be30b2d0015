"""Do-not-disturb as the popup policy sees it: on until a time, with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from beacon.services.dnd import DoNotDisturb, next_morning

TZ = timezone(timedelta(hours=-5))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_off_by_default() -> None:
    dnd = DoNotDisturb(Clock(at(30, 12)))
    assert not dnd.active()
    assert dnd.until is None


def test_for_an_hour_ends_by_itself() -> None:
    clock = Clock(at(30, 12))
    dnd = DoNotDisturb(clock)
    assert dnd.for_duration(timedelta(hours=1)) == at(30, 13)
    assert dnd.active()
    assert dnd.active(at(30, 12, 59))
    clock.now = at(30, 13)
    assert not dnd.active()
    assert dnd.until is None  # ended, so it reads as off


@pytest.mark.parametrize(
    ("now", "ends"),
    [
        (at(29, 18), at(30, 8)),  # an evening: the next morning
        (at(29, 23, 59), at(30, 8)),
        (at(30, 1), at(30, 8)),  # after midnight it is still "tonight"
        (at(30, 7, 30), at(1, 8).replace(month=12)),  # in the morning: tomorrow's
        (at(30, 12), at(1, 8).replace(month=12)),  # across a month's end
    ],
)
def test_until_tomorrow_means_the_next_morning(now: datetime, ends: datetime) -> None:
    assert next_morning(now) == ends
    dnd = DoNotDisturb(Clock(now))
    assert dnd.until_tomorrow() == ends
    assert dnd.active()
    assert not dnd.active(ends)


def test_off_and_set_until() -> None:
    dnd = DoNotDisturb(Clock(at(30, 12)))
    dnd.set_until(at(30, 15))
    assert dnd.active()
    dnd.off()
    assert not dnd.active()
    dnd.set_until(None)
    assert dnd.until is None


def test_the_real_clock_is_aware_local_time() -> None:
    dnd = DoNotDisturb()
    assert dnd.clock().tzinfo is not None
    assert dnd.for_duration(timedelta(minutes=5)) > dnd.clock()
    assert dnd.active()


def test_it_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "do-not-disturb.json"
    clock = Clock(at(29, 21))
    DoNotDisturb(clock, path).until_tomorrow()
    again = DoNotDisturb(clock, path)
    assert again.until == at(30, 8)
    assert again.active()
    clock.now = at(30, 8, 1)  # a restart after it ended: off
    assert not DoNotDisturb(clock, path).active()
    again.off()
    assert not path.exists()
    assert not DoNotDisturb(Clock(at(29, 21)), path).active()


@pytest.mark.expect_log_warnings(r"beacon\.services: ignoring .*do-not-disturb\.json")
@pytest.mark.parametrize("text", ["", "{", '{"until": 3}', '{"until": "2026-11-30T08:00"}', "[]"])
def test_a_damaged_file_means_off(tmp_path: Path, text: str) -> None:
    path = tmp_path / "do-not-disturb.json"
    path.write_text(text)
    assert not DoNotDisturb(Clock(at(29, 21)), path).active()
