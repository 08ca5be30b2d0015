"""Retry policy: what a close code means, and how long to wait before the next attempt.

Both are pure: the close-code table is a function, and the backoff is a generator whose
randomness is injected, so tests can pin the delays.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

__all__ = ["CloseAction", "CloseDecision", "backoff", "close_decision"]

# Codes the protocol documents for 4100-4199 ask for a pause before retrying.
MIN_BACKOFF_4100 = 1.0


class CloseAction(Enum):
    FAIL = "fail"  # do not retry unchanged
    BACKOFF = "backoff"  # retry after a (jittered, growing) delay
    RECONNECT = "reconnect"  # retry at once


@dataclass(frozen=True, slots=True)
class CloseDecision:
    action: CloseAction
    min_delay: float = 0.0


def close_decision(code: int | None) -> CloseDecision:
    """The protocol's close-code table (DESIGN.md "Close codes").

    ``None`` stands for a network error or a socket that closed without a code; like any
    code outside 4000-4299 it is retried with backoff, forever.
    """
    if code is not None:
        if 4000 <= code <= 4099:
            return CloseDecision(CloseAction.FAIL)
        if 4100 <= code <= 4199:
            return CloseDecision(CloseAction.BACKOFF, MIN_BACKOFF_4100)
        if 4200 <= code <= 4299:
            return CloseDecision(CloseAction.RECONNECT)
    return CloseDecision(CloseAction.BACKOFF)


def backoff(
    initial: float = 1.0,
    factor: float = 2.0,
    maximum: float = 60.0,
    rng: Callable[[], float] = random.random,
) -> Iterator[float]:
    """Delays for successive retries: exponential, capped, with jitter; never ends.

    Each delay is drawn from the upper half of its step (``step/2 .. step``) so that
    many clients restarted together spread out, yet none retries much sooner than its
    step. ``rng`` returns floats in [0, 1).
    """
    step = initial
    while True:
        yield step * (0.5 + rng() / 2)
        step = min(step * factor, maximum)
