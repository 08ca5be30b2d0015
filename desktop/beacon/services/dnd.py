"""Do-not-disturb: popups held back until a given time; the feed still fills.

A plain object with an injectable clock, so that the tray (which sets it) and the popup
policy (which asks :meth:`DoNotDisturb.active`) share one state, and tests can move time.
No Qt here: whoever needs a wake-up at the end (the tray's icon) arms its own timer from
:attr:`DoNotDisturb.until`.

Times are aware datetimes in local time: "until tomorrow" is a wall-clock idea, and a
monotonic clock would not notice a night spent asleep.

Given a ``path``, the end time is kept there (one small JSON file in the profile), so
"until tomorrow" survives a restart the evening before.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path

__all__ = ["MORNING", "DoNotDisturb", "local_now", "next_morning"]

#: "Until tomorrow" ends at this local time of the next morning.
MORNING = time(8, 0)
#: Before this hour it is still "tonight": "until tomorrow" set at 01:00 means this
#: morning at 08:00, not the morning after.
_NIGHT_ENDS = time(4, 0)

Clock = Callable[[], datetime]

log = logging.getLogger("beacon.services")


def local_now() -> datetime:
    """Now, aware, in the local time zone."""
    return datetime.now().astimezone()


def next_morning(now: datetime) -> datetime:
    """When "until tomorrow" ends for someone who asks at ``now``."""
    day = (
        now.date()
        if now.timetz().replace(tzinfo=None) < _NIGHT_ENDS
        else (now.date() + timedelta(days=1))
    )
    return datetime.combine(day, MORNING, tzinfo=now.tzinfo)


class DoNotDisturb:
    """Whether popups are held back now; off, or on until a time.

    ``clock`` gives the current time (aware); every method that takes ``now`` uses the
    clock when it is omitted. ``path``: where the end time is kept between runs.
    """

    def __init__(self, clock: Clock = local_now, path: Path | None = None) -> None:
        self.clock = clock
        self.path = path
        self._until: datetime | None = self._load()

    @property
    def until(self) -> datetime | None:
        """When do-not-disturb ends, or None when it is off (or has ended)."""
        if self._until is not None and not self.active():
            self._until = None
        return self._until

    def active(self, now: datetime | None = None) -> bool:
        """True while popups must be held back."""
        if self._until is None:
            return False
        return (now or self.clock()) < self._until

    def set_until(self, until: datetime | None) -> None:
        """On until ``until``; None turns it off."""
        self._until = until
        self._save()

    def for_duration(self, duration: timedelta, now: datetime | None = None) -> datetime:
        """On for ``duration`` from now; returns the end."""
        until = (now or self.clock()) + duration
        self.set_until(until)
        return until

    def until_tomorrow(self, now: datetime | None = None) -> datetime:
        """On until tomorrow morning (:data:`MORNING`); returns the end."""
        until = next_morning(now or self.clock())
        self.set_until(until)
        return until

    def off(self) -> None:
        self.set_until(None)

    # -- kept between runs: a few bytes, written only when the user changes it -----------

    def _load(self) -> datetime | None:
        if self.path is None:
            return None
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("could not read %s: %s; do not disturb is off", self.path, exc)
            return None
        try:
            until = datetime.fromisoformat(json.loads(text)["until"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring %s (%s); do not disturb is off", self.path, exc)
            return None
        if until.tzinfo is None:
            log.warning("ignoring %s (no time zone); do not disturb is off", self.path)
            return None
        return until

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            if self._until is None:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return
            # Written aside and renamed: a crash mid-write never leaves half a file.
            partial = self.path.with_suffix(".partial")
            partial.write_text(json.dumps({"until": self._until.isoformat()}), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as exc:
            log.warning("could not keep do not disturb in %s: %s", self.path, exc)
