"""The pulse's arithmetic: burst minutes against the channel's median rate, and sums."""

from __future__ import annotations

from beacon.feed.pulse import (
    BURST_FACTOR,
    BURST_MIN_EVENTS,
    MINUTE_US,
    Pulse,
    burst_minutes,
    bursting,
    usual_rate,
)


def test_a_steady_channel_never_bursts() -> None:
    counts = [5] * 60
    assert burst_minutes(counts) == [False] * 60
    assert not bursting(counts)


def test_a_minute_far_above_the_median_is_a_burst() -> None:
    counts = [3] * 59 + [40]
    assert usual_rate(counts) == 3
    assert burst_minutes(counts) == [False] * 59 + [True]
    assert bursting(counts)


def test_the_burst_must_exceed_the_factor_not_reach_it() -> None:
    at_factor = [5] * 59 + [int(5 * BURST_FACTOR)]
    assert not bursting(at_factor)
    above = [5] * 59 + [int(5 * BURST_FACTOR) + 1]
    assert bursting(above)


def test_a_quiet_channel_needs_the_minimum_number_of_events() -> None:
    # Median 0: any count is "infinitely" above it, so the floor decides.
    below = [0] * 59 + [BURST_MIN_EVENTS - 1]
    assert not bursting(below)
    at = [0] * 59 + [BURST_MIN_EVENTS]
    assert bursting(at)


def test_a_burst_in_the_previous_minute_is_still_a_burst_now() -> None:
    # Just after a minute boundary the current minute is almost empty.
    counts = [2] * 58 + [50, 1]
    assert bursting(counts)
    older = [2] * 57 + [50, 1, 1]
    assert burst_minutes(older)[57]
    assert not bursting(older)


def test_the_median_is_not_moved_by_the_burst_itself() -> None:
    # A mean would be pulled up to ~11 by ten busy minutes; the median stays 2.
    counts = [2] * 50 + [60] * 10
    assert usual_rate(counts) == 2
    assert burst_minutes(counts) == [False] * 50 + [True] * 10


def test_a_long_busy_spell_becomes_the_usual_rate() -> None:
    # More than half the hour busy: that is the channel's rate now, not a burst.
    counts = [1] * 20 + [30] * 40
    assert not bursting(counts)


def test_no_counts() -> None:
    assert burst_minutes([]) == []
    assert not bursting([])
    assert usual_rate([]) == 0.0


def test_pulse_sums_by_channel_account_and_total() -> None:
    pulse = Pulse.from_counts(
        7 * MINUTE_US,
        3,
        {
            ("a", "tickets"): [1, 2, 3],
            ("b", "tickets"): [10, 0, 0],
            ("a", "deploys"): [0, 0, 5],
        },
    )
    assert pulse.end_us == 10 * MINUTE_US
    assert pulse.total() == (11, 2, 8)
    assert pulse.channel("tickets") == (11, 2, 3)
    assert pulse.channel("tickets", "a") == (1, 2, 3)
    assert pulse.channel("nothing") == (0, 0, 0)
    assert pulse.account("a") == (1, 2, 8)
    assert pulse.account(None) == pulse.total()


def test_bursting_sources() -> None:
    quiet = [1] * 60
    loud = [1] * 59 + [30]
    pulse = Pulse.from_counts(0, 60, {("a", "x"): quiet, ("b", "y"): loud, ("a", "z"): loud})
    assert pulse.bursting_sources() == [("a", "z"), ("b", "y")]
