"""Rate limiting for the engine's log lines.

A misbehaving server can make the same line repeat thousands of times a second (5,000
``pusher:error`` frames printed 10,010 lines). ``RateLimitFilter`` lets the first
``burst`` records of one kind (logger, level and message template) through per
``window`` seconds and drops the rest; the next record of that kind that passes says how
many were dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["RateLimitFilter", "install", "uninstall"]

#: Records of one kind let through per window.
BURST = 5
#: Seconds of a window.
WINDOW = 10.0

_Key = tuple[str, int, object]


class RateLimitFilter(logging.Filter):
    """See the module docstring. ``clock`` is injectable for tests."""

    def __init__(
        self,
        burst: int = BURST,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self._clock = clock
        # kind -> [window start, records passed in it, records dropped since the last pass]
        self._seen: dict[_Key, list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key: _Key = (record.name, record.levelno, record.msg)
        now = self._clock()
        seen = self._seen.get(key)
        if seen is None:
            if len(self._seen) > 1000:
                self._seen.clear()  # bounded: kinds are templates, but be safe
            self._seen[key] = [now, 1, 0]
            return True
        if now - seen[0] >= self.window:
            seen[0], seen[1] = now, 0
        if seen[1] >= self.burst:
            seen[2] += 1
            return False
        seen[1] += 1
        dropped = int(seen[2])
        if dropped:
            seen[2] = 0
            record.msg = f"{record.getMessage()} ({dropped} similar lines dropped)"
            record.args = None
        return True


def install(*names: str) -> list[tuple[logging.Logger, RateLimitFilter]]:
    """Rate-limit the loggers ``names`` that are not yet; returns what was added, for
    :func:`uninstall`."""
    added = []
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RateLimitFilter) for f in logger.filters):
            limiter = RateLimitFilter()
            logger.addFilter(limiter)
            added.append((logger, limiter))
    return added


def uninstall(added: list[tuple[logging.Logger, RateLimitFilter]]) -> None:
    for logger, limiter in added:
        logger.removeFilter(limiter)
