"""The close-code table and the backoff generator: pure functions."""

from __future__ import annotations

import itertools

import pytest

from beacon.pusher import CloseAction, backoff, close_decision


@pytest.mark.parametrize("code", [4000, 4001, 4009, 4099])
def test_4000_range_is_fatal(code: int) -> None:
    assert close_decision(code).action is CloseAction.FAIL


@pytest.mark.parametrize("code", [4100, 4150, 4199])
def test_4100_range_backs_off_at_least_a_second(code: int) -> None:
    decision = close_decision(code)
    assert decision.action is CloseAction.BACKOFF
    assert decision.min_delay >= 1.0


@pytest.mark.parametrize("code", [4200, 4201, 4299])
def test_4200_range_reconnects_at_once(code: int) -> None:
    assert close_decision(code).action is CloseAction.RECONNECT


@pytest.mark.parametrize("code", [None, 1000, 1001, 1006, 1011, 3999, 4300, 4999])
def test_everything_else_backs_off(code: int | None) -> None:
    decision = close_decision(code)
    assert decision.action is CloseAction.BACKOFF
    assert decision.min_delay == 0.0


def test_backoff_grows_and_is_capped() -> None:
    delays = list(itertools.islice(backoff(1.0, 2.0, 30.0, rng=lambda: 0.999999), 10))
    assert delays[:5] == pytest.approx([1.0, 2.0, 4.0, 8.0, 16.0], rel=1e-5)
    assert max(delays) <= 30.0
    assert delays[-1] == pytest.approx(30.0, rel=1e-5)


def test_backoff_jitter_stays_in_the_upper_half() -> None:
    low = list(itertools.islice(backoff(1.0, 2.0, 60.0, rng=lambda: 0.0), 4))
    assert low == [0.5, 1.0, 2.0, 4.0]


def test_backoff_never_ends() -> None:
    gen = backoff(0.1, 2.0, 1.0, rng=lambda: 0.5)
    for _ in range(10_000):
        assert 0.0 < next(gen) <= 1.0
