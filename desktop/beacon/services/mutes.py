"""Channel mutes chosen by the user ("Mute this channel" in a row's context menu).

A muted channel still fills the history, but it stops asking for attention: no popups,
its items do not count as unread, and the feed hides them unless "Show muted" is on
(then they are shown dimmed). A mute lasts an hour, until tomorrow morning, or always.

A plain object with an injectable clock, like :mod:`beacon.services.dnd`: the window
(which sets mutes and arms one single-shot timer to :meth:`Mutes.next_expiry`) and the
popup policy (which asks :meth:`Mutes.muted`) share one state, and tests can move time.
No Qt here.

Given a ``path``, the mutes are kept there (one small JSON file in the profile), so they
survive a restart; expired ones are dropped when read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from beacon.services.dnd import local_now, next_morning

__all__ = ["Mute", "Mutes"]

Clock = Callable[[], datetime]
Channel = tuple[str, str]  # (account, channel)

log = logging.getLogger("beacon.services")


@dataclass(frozen=True, slots=True)
class Mute:
    """One muted channel; ``until`` is ``None`` for a mute that never ends by itself."""

    account: str
    channel: str
    until: datetime | None


class Mutes:
    """The muted channels; a mute with an end time ends by itself at that time.

    ``clock`` gives the current time (aware); ``path``: where mutes are kept between runs.
    """

    def __init__(self, clock: Clock = local_now, path: Path | None = None) -> None:
        self.clock = clock
        self.path = path
        self._mutes: dict[Channel, datetime | None] = self._load()

    # -- questions --------------------------------------------------------------------------

    def muted(self, account: str, channel: str, now: datetime | None = None) -> bool:
        """Whether this channel is muted at ``now`` (the clock's now when omitted)."""
        key = (account, channel)
        if key not in self._mutes:
            return False
        until = self._mutes[key]
        return until is None or (now or self.clock()) < until

    def active(self, now: datetime | None = None) -> list[Mute]:
        """The mutes still on at ``now``, sorted by account and channel."""
        now = now or self.clock()
        return [
            Mute(a, c, until)
            for (a, c), until in sorted(self._mutes.items())
            if until is None or now < until
        ]

    def channels(self, now: datetime | None = None) -> frozenset[Channel]:
        """The (account, channel) pairs muted at ``now``: what the feed's filter hides."""
        return frozenset((m.account, m.channel) for m in self.active(now))

    def next_expiry(self, now: datetime | None = None) -> datetime | None:
        """When the soonest mute with an end time ends; ``None`` when none will.

        The one wake-up an app needs for mutes: nothing at all while nothing is muted
        or every mute is "always".
        """
        now = now or self.clock()
        ends = [until for until in self._mutes.values() if until is not None and until > now]
        return min(ends, default=None)

    # -- changes ----------------------------------------------------------------------------

    def mute(self, account: str, channel: str, until: datetime | None) -> None:
        """Mute until ``until`` (aware), or always with ``None``."""
        if until is not None and until.tzinfo is None:
            raise ValueError("a mute's end must be an aware datetime")
        self._mutes[(account, channel)] = until
        self._save()

    def for_duration(
        self, account: str, channel: str, duration: timedelta, now: datetime | None = None
    ) -> datetime:
        """Mute for ``duration`` from now; returns the end."""
        until = (now or self.clock()) + duration
        self.mute(account, channel, until)
        return until

    def until_tomorrow(self, account: str, channel: str, now: datetime | None = None) -> datetime:
        """Mute until tomorrow morning (the same morning as do-not-disturb's)."""
        until = next_morning(now or self.clock())
        self.mute(account, channel, until)
        return until

    def unmute(self, account: str, channel: str) -> bool:
        """End this channel's mute; whether there was one."""
        if self._mutes.pop((account, channel), False) is False:
            return False
        self._save()
        return True

    def expire(self, now: datetime | None = None) -> list[Channel]:
        """Forget the mutes that ended by ``now``; returns their channels (to refresh)."""
        now = now or self.clock()
        ended = [k for k, until in self._mutes.items() if until is not None and until <= now]
        for key in ended:
            del self._mutes[key]
        if ended:
            self._save()
        return ended

    # -- kept between runs: a few bytes, written only when a mute changes ------------------

    def _load(self) -> dict[Channel, datetime | None]:
        if self.path is None:
            return {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("could not read %s: %s; no channel is muted", self.path, exc)
            return {}
        mutes: dict[Channel, datetime | None] = {}
        now = self.clock()
        try:
            for entry in json.loads(text)["mutes"]:
                raw = entry["until"]
                until = None if raw is None else datetime.fromisoformat(raw)
                if until is not None and until.tzinfo is None:
                    raise ValueError("an end time without a time zone")
                if until is None or until > now:
                    mutes[(str(entry["account"]), str(entry["channel"]))] = until
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring %s (%s); no channel is muted", self.path, exc)
            return {}
        return mutes

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            if not self._mutes:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return
            entries = [
                {"account": a, "channel": c, "until": u.isoformat() if u else None}
                for (a, c), u in sorted(self._mutes.items())
            ]
            # Written aside and renamed: a crash mid-write never leaves half a file.
            partial = self.path.with_suffix(".partial")
            partial.write_text(json.dumps({"mutes": entries}), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as exc:
            log.warning("could not keep the muted channels in %s: %s", self.path, exc)
