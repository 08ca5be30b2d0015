"""The feed service's pulse counts: building on the last pulse (the last minutes counted
again, the rest shifted along) gives exactly what counting the whole hour gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beacon.feed.pulse import MINUTE_US, MINUTES
from beacon.services.feed import _base_for, _pulse_at, _pulse_hour
from beacon.store.history import History, to_us
from support.feeditems import BASE_TIME, make_item

T0 = to_us(BASE_TIME) + 59 * MINUTE_US + 30_000_000  # half a minute into the last minute


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with History(tmp_path / "h.sqlite3", retention_count=None, retention_days=None) as h:
        yield h


_counter = iter(range(10**9))


def _add(history: History, at_us: int, channel: str) -> None:
    n = next(_counter)
    at = BASE_TIME + timedelta(microseconds=at_us - to_us(BASE_TIME))
    history.add_batch([make_item(n, channel=channel, received_at=at)])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(st.tuples(st.integers(0, 62 * 60), st.sampled_from("ab")), max_size=30),
    later_s=st.integers(0, 150),
    after=st.lists(st.tuples(st.integers(0, 150), st.sampled_from("abc")), max_size=15),
)
def test_building_on_the_last_pulse_equals_counting_the_hour(
    history: History,
    before: list[tuple[int, str]],
    later_s: int,
    after: list[tuple[int, str]],
) -> None:
    with history._lock:  # a fresh start for each example
        history._db.execute("DELETE FROM items")
    for seconds, channel in before:
        _add(history, T0 - seconds * 1_000_000, channel)
    base = _pulse_at(history, T0, None)
    t1 = T0 + later_s * 1_000_000
    # Items received between the two pulses, at most ... their receive times up to t1.
    oldest = None
    for seconds, channel in after:
        at = T0 + min(seconds, later_s) * 1_000_000
        _add(history, at, channel)
        oldest = at if oldest is None else min(oldest, at)
    chosen = _base_for(base, t1, oldest, _pulse_hour(T0)[0])
    assert _pulse_at(history, t1, chosen) == _pulse_at(history, t1, None)


def test_an_old_item_or_an_old_base_means_the_whole_hour(history: History) -> None:
    base = _pulse_at(history, T0, None)
    start, end = _pulse_hour(T0)
    assert _base_for(base, T0, None, start) is base
    assert _base_for(base, T0, end - 2 * MINUTE_US, start) is base
    assert _base_for(base, T0, end - 2 * MINUTE_US - 1, start) is None  # catch-up
    assert _base_for(base, T0 + 2 * MINUTE_US, None, start) is base
    assert _base_for(base, T0 + 3 * MINUTE_US, None, start) is None  # too old to shift
    assert _base_for(base, T0 - MINUTE_US, None, start) is None  # the clock went back
    assert _base_for(None, T0, None, start) is None
    assert _base_for(base, T0, None, None) is None
    assert _base_for(base, T0, None, start - 10 * MINUTE_US) is None  # due for a full count
    assert base.minutes == MINUTES
