"""Noticing that the machine slept, so that waiting connections retry at once on resume.

The event loop's clock (``time.monotonic``, CLOCK_MONOTONIC on Linux) stops while the
machine is suspended, so a retry planned for "in 30 s" before a suspend is still 30 s
away after it, and a dead socket is only noticed when its ping times out. CLOCK_BOOTTIME
keeps counting during a suspend; the gap between the two clocks therefore grows by
exactly the time spent asleep, and by nothing else (both are slewed alike by NTP). Where
CLOCK_BOOTTIME does not exist, the wall clock stands in for it: it also keeps counting
while asleep, but it can be stepped, so a big step looks like a sleep. That costs no more
than a spare reconnect attempt and a ping.

:class:`ResumeWatch` samples that gap every few seconds on the running loop and reports
a jump.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["RESUME_CHECK_EVERY", "RESUME_THRESHOLD", "ResumeWatch", "sleep_offset"]

#: How often the clocks are compared, in seconds (of the loop's clock).
RESUME_CHECK_EVERY = 5.0
#: A gap that grows by more than this between two checks was a suspend. The clocks do not
#: drift apart otherwise; the margin is for the wall-clock fallback's small corrections.
RESUME_THRESHOLD = 3.0

_BOOTTIME: int | None = getattr(time, "CLOCK_BOOTTIME", None)


def sleep_offset() -> float:
    """Seconds by which a clock that counts sleep is ahead of ``time.monotonic()``.

    Only its changes mean anything: it grows by the time the machine spends asleep.
    """
    if _BOOTTIME is not None:
        return time.clock_gettime(_BOOTTIME) - time.monotonic()
    return time.time() - time.monotonic()


class ResumeWatch:
    """Calls ``on_resume(seconds_asleep)`` when the machine has slept since the last check.

    ``clock`` is :func:`sleep_offset` unless a test injects its own; ``check()`` may also
    be called directly. ``start()`` needs a running event loop.
    """

    def __init__(
        self,
        on_resume: Callable[[float], None],
        *,
        clock: Callable[[], float] = sleep_offset,
        interval: float = RESUME_CHECK_EVERY,
        threshold: float = RESUME_THRESHOLD,
    ) -> None:
        self._on_resume = on_resume
        self._clock = clock
        self._interval = interval
        self._threshold = threshold
        self._last = clock()
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Check every ``interval`` seconds from now on, until :meth:`stop`."""
        self.stop()
        self._last = self._clock()
        self._timer = asyncio.get_running_loop().call_later(self._interval, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def running(self) -> bool:
        return self._timer is not None

    def check(self) -> float:
        """Compare the clocks now; the seconds slept since the last check (0.0 if none).

        ``on_resume`` is called when that is more than the threshold.
        """
        offset = self._clock()
        # Negative when the wall clock was stepped back: nothing slept.
        slept = offset - self._last
        self._last = offset
        if slept <= self._threshold:
            return 0.0
        self._on_resume(slept)
        return slept

    def _tick(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self._interval, self._tick)
        self.check()
