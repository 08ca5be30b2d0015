"""Short relative times for the feed rows ("now", "42 s", "5 min", "3 h", "Tue 14:05")."""

from __future__ import annotations

from datetime import datetime, timedelta


def relative_time(then: datetime, now: datetime) -> str:
    """Say how long ago ``then`` was, briefly enough for the corner of a row.

    Both values are timezone-aware. Anything in the future (clock skew between the
    server and this machine) reads as "now" rather than as a negative age.
    """
    seconds = (now - then).total_seconds()
    if seconds < 10:
        return "now"
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    local = then.astimezone()
    if now - then < timedelta(days=7):
        return local.strftime("%a %H:%M")
    return local.strftime("%Y-%m-%d")


def absolute_time(then: datetime) -> str:
    """The full local time, for tooltips and the details pane."""
    return then.astimezone().strftime("%Y-%m-%d %H:%M:%S")
