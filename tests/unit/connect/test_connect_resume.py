"""Resume detection: a jump between a clock that counts sleep and one that does not."""

from __future__ import annotations

import asyncio

from beacon.connect.resume import ResumeWatch, sleep_offset


class SleepClock:
    """An injected ``sleep_offset``: the test decides how long the machine slept."""

    def __init__(self) -> None:
        self.offset = 1000.0  # any start: only changes count
        self.read = asyncio.Event()  # set on every reading: a check has run

    def __call__(self) -> float:
        self.read.set()
        return self.offset

    def suspend(self, seconds: float) -> None:
        self.offset += seconds


def watch_with(clock: SleepClock) -> tuple[ResumeWatch, list[float]]:
    resumed: list[float] = []
    return ResumeWatch(resumed.append, clock=clock, threshold=3.0), resumed


def test_a_ten_minute_suspend_is_reported_once() -> None:
    clock = SleepClock()
    watch, resumed = watch_with(clock)
    assert watch.check() == 0.0
    clock.suspend(600.0)
    assert watch.check() == 600.0
    assert resumed == [600.0]
    # The next check measures from the resume, not from before the suspend.
    assert watch.check() == 0.0
    assert resumed == [600.0]


def test_small_drift_and_a_clock_stepped_back_are_not_sleep() -> None:
    clock = SleepClock()
    watch, resumed = watch_with(clock)
    clock.suspend(2.5)  # under the threshold: e.g. a wall clock corrected by NTP
    watch.check()
    clock.suspend(-3600.0)  # the wall-clock fallback stepped back an hour
    watch.check()
    assert resumed == []
    # Measured from the stepped-back value: a real sleep afterwards still counts.
    clock.suspend(10.0)
    watch.check()
    assert resumed == [10.0]


async def test_started_watch_checks_periodically_on_the_loop() -> None:
    clock = SleepClock()
    woke = asyncio.Event()
    slept: list[float] = []

    def on_resume(seconds: float) -> None:
        slept.append(seconds)
        woke.set()

    watch = ResumeWatch(on_resume, clock=clock, interval=0.01)
    watch.start()
    try:
        clock.suspend(600.0)
        await asyncio.wait_for(woke.wait(), 5.0)
        assert slept == [600.0]
        # It keeps checking after a resume.
        woke.clear()
        clock.suspend(42.0)
        await asyncio.wait_for(woke.wait(), 5.0)
        assert slept == [600.0, 42.0]
    finally:
        watch.stop()


async def test_a_suspend_before_start_is_not_reported() -> None:
    clock = SleepClock()
    resumed: list[float] = []
    watch = ResumeWatch(resumed.append, clock=clock, interval=0.01)
    clock.suspend(600.0)  # between construction and start: start() takes a fresh sample
    watch.start()
    try:
        clock.read.clear()
        await asyncio.wait_for(clock.read.wait(), 5.0)  # a periodic check has run
        assert resumed == []
    finally:
        watch.stop()


def test_the_real_offset_does_not_move_while_awake() -> None:
    # Both clocks run at the same rate while the machine is awake.
    before = sleep_offset()
    assert abs(sleep_offset() - before) < 0.5
