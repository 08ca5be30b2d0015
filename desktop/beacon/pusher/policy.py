"""Retry policy: what a close code means, and how long to wait before the next attempt.

Both are pure: the close-code table is a function, and the backoff is a generator whose
randomness is injected, so tests can pin the delays.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "MAX_ACTIVITY_TIMEOUT",
    "RESTART_RETRY",
    "RESTART_WINDOW",
    "USEFUL_AFTER",
    "CloseAction",
    "CloseDecision",
    "activity_timeout",
    "auth_needs_login",
    "backoff",
    "close_decision",
    "restart_delay",
    "was_useful",
]

# Codes the protocol documents for 4100-4199 ask for a pause before retrying.
MIN_BACKOFF_4100 = 1.0
#: A server's ``activity_timeout`` above this is capped: a huge value would switch off
#: pings, and a half-open connection would never be noticed.
MAX_ACTIVITY_TIMEOUT = 120.0
#: A connection that stayed up this long was useful: the next failure starts the backoff
#: over. One that closes sooner (a server that accepts, then closes with 4100, 4301 or
#: 1011 at once) keeps growing the delay instead of hammering the server every second.
USEFUL_AFTER = 10.0
#: After a 4200-4299 ("reconnect now") the server is restarting and expected back within
#: seconds: until ``RESTART_WINDOW`` has passed, a failed attempt is retried after this
#: short, fixed delay instead of a growing one, so events flow again within a second of
#: the server being ready.
RESTART_RETRY = 0.5
RESTART_WINDOW = 30.0


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


def restart_delay(code: int | None, now: float, restart_until: float | None) -> float | None:
    """The short delay of a server restart, or ``None`` when the normal backoff applies.

    ``restart_until`` is when the window opened by the last 4200-4299 close ends. A
    repeated 4200 (the server still shutting down) and a network error within the window
    (the server not listening yet) both wait ``RESTART_RETRY``; other codes do not.
    """
    if code is not None and 4200 <= code <= 4299:
        return RESTART_RETRY
    if code is None and restart_until is not None and now < restart_until:
        return RESTART_RETRY
    return None


def was_useful(connected_for: float | None, *, subscribed: bool = False) -> bool:
    """Whether a connection that was established ``connected_for`` seconds ago (``None``:
    never) did enough that its loss starts the backoff over: it stayed up long enough, or
    it was lost without a close frame after the server confirmed a subscription on it
    (``subscribed``: a server killed while serving did its job, and is likely back soon;
    one that closes with a code keeps the backoff growing)."""
    return connected_for is not None and (subscribed or connected_for >= USEFUL_AFTER)


def activity_timeout(server_value: object, override: float | None, default: float) -> float:
    """Seconds of silence before a ping: the account's own setting, else the server's
    (capped at ``MAX_ACTIVITY_TIMEOUT``), else ``default``."""
    if override is not None:
        return override
    if isinstance(server_value, int | float) and not isinstance(server_value, bool):
        if server_value > 0:
            return min(float(server_value), MAX_ACTIVITY_TIMEOUT)
    return default


def auth_needs_login(status: int | None) -> bool:
    """Only 401 and 403 from an auth endpoint mean the credentials are refused; anything
    else (5xx, a timeout, an answer that makes no sense) is worth retrying."""
    return status in (401, 403)
