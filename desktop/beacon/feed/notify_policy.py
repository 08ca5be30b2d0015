"""Which committed items pop up, which wait, and which stay quiet: the popup policy.

Pure Python, like ``pusher/policy.py``: the time goes in (``now``, a timezone-aware
datetime), popups and a deadline come out. The caller shows the popups and calls
:meth:`NotifyPolicy.tick` at the deadline; with nothing pending there is no deadline, so
an idle app never has to wake for notifications.

The rules, in the order they apply to one item (DESIGN.md ``[[rule]]`` and
``[notifications]``):

1. ``mute`` and ``feed`` items never pop up, unless a keyword hit them: keywords always
   notify. An item without a store id is not committed yet and is ignored.
   An item of a channel the user muted (a row's "Mute this channel"; the ``muted``
   predicate) never pops up, keyword or not: that mute is the user's own explicit "not
   this", newer than the config's keywords, and it is neither held nor summarised later.
2. An item the user is already looking at (the window is active and the item visible;
   the window supplies that predicate) does not pop up.
3. During quiet hours or do-not-disturb the popup is *held*: the feed still fills, and on
   leaving, one summary says "12 updates while you were away". This applies to keyword
   hits too: quiet hours and do-not-disturb are the user's own explicit "not now".
4. Storm control: when the popups shown in the last ``coalesce_seconds`` plus the new
   ones would be more than ``coalesce_count``, the new ones become one summary popup,
   shown at once, and everything else that arrives in the next ``coalesce_seconds`` is
   gathered into one more summary at the end of that window. A storm therefore costs at
   most one popup per window however long it lasts, and ends with the first window in
   which nothing arrived.

Held and coalesced items are never counted twice, and ``mute``/``feed`` items are never
counted at all.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Protocol

from beacon.feed.item import FeedItem, Priority

log = logging.getLogger("beacon.feed")

#: What the user can do with a popup: click it, or press one of its buttons. Presenters
#: report these keys; the notification service turns them into requests.
ACTION_DEFAULT = "default"
ACTION_OPEN_LINK = "open-link"
#: Followed by the index of one of the rule's action buttons: "action:0", "action:1", ...
ACTION_BUTTON_PREFIX = "action:"
ACTION_MARK_READ = "mark-read"

#: How long a summary's body lists titles before "and N more".
SUMMARY_TITLES = 3
#: While do-not-disturb holds popups, how often to look whether it ended, for a
#: do-not-disturb that cannot tell when it ends. Only while something is held.
DND_RECHECK_SECONDS = 60.0


class Decision(Enum):
    """What to do with one item, before storm control."""

    POPUP = "popup"
    HOLD = "hold"  # quiet hours or do-not-disturb: count it for the "while away" summary
    NOTHING = "nothing"


class DoNotDisturb(Protocol):
    """The one thing the policy needs from the do-not-disturb state."""

    def active(self, now: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class Popup:
    """One notification to show: a single item, or a summary of several.

    ``item_ids`` are store row ids. A click on a single item's popup opens that item; on a
    summary it opens the feed filtered to ``item_ids``. The text is plain text, never
    markup: the presenters escape it for servers that read markup.
    """

    title: str
    body: str
    item_ids: tuple[int, ...]
    priority: Priority = Priority.NORMAL
    url: str | None = None
    summary: bool = False
    keyword: bool = False
    # Labels of the item's action buttons (its rule's ``actions``); keys "action:<n>".
    actions: tuple[str, ...] = ()

    @property
    def item_id(self) -> int | None:
        """The item a single popup is about; ``None`` for a summary."""
        return None if self.summary else self.item_ids[0]

    @classmethod
    def of(cls, item: FeedItem) -> Popup:
        if item.id is None:
            raise ValueError("only committed items (with a store id) can pop up")
        return cls(
            title=item.title,
            body=item.body,
            item_ids=(item.id,),
            priority=item.priority,
            url=item.url,
            keyword=item.keyword_hit,
        )


def summary_popup(title: str, popups: Sequence[Popup]) -> Popup:
    """One popup standing for ``popups``: keyword hits and the most urgent listed first."""
    ids = tuple(i for p in popups for i in p.item_ids)
    # Stable sort: within the same rank, the order of arrival.
    ranked = sorted(popups, key=lambda p: (not p.keyword, -p.priority))
    lines = [p.title for p in ranked[:SUMMARY_TITLES]]
    rest = len(ids) - len(lines)
    if rest > 0:
        lines.append(WORDING.and_more(rest))
    return Popup(
        title=title,
        body="\n".join(lines),
        item_ids=ids,
        priority=max((p.priority for p in popups), default=Priority.NORMAL),
        summary=True,
        keyword=any(p.keyword for p in popups),
    )


def _updates_while_away(n: int) -> str:
    return f"{n} update while you were away" if n == 1 else f"{n} updates while you were away"


def _summary_of(title: str, items: Sequence[FeedItem]) -> Popup:
    """``summary_popup(title, [Popup.of(i) for i in items])``, without a popup per item:
    a storm gathers thousands of items, and the summary is made on the GUI thread."""
    ids = tuple([i.id for i in items if i.id is not None])
    # nsmallest is stable like sorted (within the same rank, the order of arrival), and
    # looks at each item once instead of sorting them all.
    ranked = heapq.nsmallest(SUMMARY_TITLES, items, key=lambda i: (not i.keyword_hit, -i.priority))
    lines = [i.title for i in ranked]
    rest = len(ids) - len(lines)
    if rest > 0:
        lines.append(WORDING.and_more(rest))
    return Popup(
        title=title,
        body="\n".join(lines),
        item_ids=ids,
        priority=max([i.priority for i in items], default=Priority.NORMAL),
        summary=True,
        keyword=any([i.keyword_hit for i in items]),
    )


def _new_updates(n: int) -> str:
    return f"{n} new update" if n == 1 else f"{n} new updates"


@dataclass
class Wording:
    """The words of the summary popups. English here, where there is no Qt; the app
    replaces them with its translated ones (``WORDING``, set by ``beacon.app``)."""

    new_updates: Callable[[int], str] = _new_updates
    updates_while_away: Callable[[int], str] = _updates_while_away
    and_more: Callable[[int], str] = lambda n: f"and {n} more"


#: The wording in use (the app installs the user's language's).
WORDING = Wording()


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily time range in local wall-clock time; it may cross midnight (22:00-07:00)."""

    start: time
    end: time

    @classmethod
    def parse(cls, span: tuple[str, str]) -> QuietHours:
        """From the config's ``("22:00", "07:00")`` (already validated by ``config/``)."""
        return cls(time.fromisoformat(span[0]), time.fromisoformat(span[1]))

    def contains(self, now: datetime) -> bool:
        """Whether ``now``, read on its own clock (its tzinfo), is inside the range."""
        t = now.timetz().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # crosses midnight

    def end_after(self, now: datetime) -> datetime:
        """The next moment after ``now`` at which the range ends.

        Computed in ``now``'s timezone; across a daylight-saving change this can be an
        hour off, which only means one more :meth:`NotifyPolicy.tick` that finds the range
        still on and asks again.
        """
        end = now.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > now else end + timedelta(days=1)


@dataclass(slots=True)
class _Storm:
    until: datetime
    # Items, not popups: one Popup each would be thousands of objects under a storm.
    gathered: list[FeedItem] = field(default_factory=list)


class NotifyPolicy:
    """Decides popups for committed items; see the module docstring for the rules.

    Args:
        coalesce_count: popups allowed within ``coalesce_seconds`` before a summary.
        coalesce_seconds: the storm-control window.
        quiet_hours: popups are held inside this daily range.
        dnd: do-not-disturb; popups are held while ``dnd.active(now)``.
        looking_at: ``looking_at(item_id)`` is true when the user already sees that item.
        muted: ``muted(item, now)`` is true when the user muted the item's channel.
    """

    def __init__(
        self,
        *,
        coalesce_count: int = 5,
        coalesce_seconds: float = 10.0,
        quiet_hours: QuietHours | None = None,
        dnd: DoNotDisturb | None = None,
        looking_at: Callable[[int], bool] | None = None,
        muted: Callable[[FeedItem, datetime], bool] | None = None,
        dnd_recheck_seconds: float = DND_RECHECK_SECONDS,
    ) -> None:
        if coalesce_count < 1 or coalesce_seconds <= 0:
            raise ValueError("coalesce_count must be >= 1 and coalesce_seconds > 0")
        self.coalesce_count = coalesce_count
        self.window = timedelta(seconds=coalesce_seconds)
        self.quiet_hours = quiet_hours
        self.dnd = dnd
        self.looking_at = looking_at
        self.muted = muted
        self._dnd_recheck = timedelta(seconds=dnd_recheck_seconds)
        self._shown: deque[datetime] = deque()  # when each recent popup was shown
        self._held: list[FeedItem] = []  # quiet hours or do-not-disturb
        self._storm: _Storm | None = None

    # -- state, for the service and tests ---------------------------------------------------

    @property
    def held(self) -> tuple[int, ...]:
        """Ids of the items held back by quiet hours or do-not-disturb."""
        return tuple(i.id for i in self._held if i.id is not None)

    @property
    def gathering(self) -> tuple[int, ...]:
        """Ids of the items gathered for the current storm's next summary."""
        if self._storm is None:
            return ()
        return tuple(i.id for i in self._storm.gathered if i.id is not None)

    def away(self, now: datetime) -> bool:
        """Whether popups are held right now (quiet hours or do-not-disturb)."""
        if self.quiet_hours is not None and self.quiet_hours.contains(now):
            return True
        return self.dnd is not None and self.dnd.active(now)

    # -- decisions --------------------------------------------------------------------------

    def wants_popup(self, item: FeedItem) -> bool:
        """Whether the rules (and keywords) ask for a popup, whatever the time."""
        if item.id is None:
            return False
        if item.keyword_hit:
            return True
        return item.notify == "popup"

    def decide(self, item: FeedItem, now: datetime) -> Decision:
        """Popup, hold or nothing for one item, before storm control."""
        if not self.wants_popup(item):
            return Decision.NOTHING
        assert item.id is not None  # wants_popup checked it
        if self.muted is not None and self.muted(item, now):
            return Decision.NOTHING
        if self.looking_at is not None and self.looking_at(item.id):
            return Decision.NOTHING
        if self.away(now):
            return Decision.HOLD
        return Decision.POPUP

    def offer(self, items: Iterable[FeedItem], now: datetime) -> list[Popup]:
        """Newly committed items, oldest first: the popups to show now.

        The same decisions as :meth:`decide` item by item, made for the whole batch: under
        a burst this runs on the GUI thread for every committed slice. What cannot change
        within one call (``now`` is the same for all) is asked once: whether popups are
        held, and whether each (account, channel) is muted (``muted`` is a channel's mute,
        so an item's other fields never change its answer). Only the items that still want
        a popup after that are put to ``looking_at``.
        """
        shown = self.tick(now)
        muted = self.muted
        looking_at = self.looking_at
        mutes: dict[tuple[str, str], bool] = {}
        wanted: list[FeedItem] = []
        for item in items:
            if item.id is None or not (item.keyword_hit or item.notify == "popup"):
                continue  # wants_popup, inlined: most items of a burst stop here
            if muted is not None:
                key = (item.account, item.channel)
                hit = mutes.get(key)
                if hit is None:
                    hit = mutes[key] = muted(item, now)
                if hit:
                    continue
            if looking_at is not None and looking_at(item.id):
                continue
            wanted.append(item)
        if not wanted:
            return shown
        if self.away(now):
            self._held.extend(wanted)
            return shown
        if self._storm is not None:
            self._storm.gathered.extend(wanted)
            return shown
        self._forget_before(now)
        if len(self._shown) + len(wanted) <= self.coalesce_count:
            shown.extend(self._show([Popup.of(item) for item in wanted], now))
            return shown
        log.debug("storm: %d popups within %s become one summary", len(wanted), self.window)
        self._storm = _Storm(until=now + self.window)
        shown.extend(self._show([_summary_of(WORDING.new_updates(len(wanted)), wanted)], now))
        return shown

    def tick(self, now: datetime) -> list[Popup]:
        """Time passed: the summaries that are due now (at or after :meth:`deadline`)."""
        shown: list[Popup] = []
        storm = self._storm
        if storm is not None and now >= storm.until:
            if storm.gathered:
                # The storm went on: one summary for this window, and watch one more.
                gathered, storm.gathered = storm.gathered, []
                storm.until = now + self.window
                if len(gathered) == 1:
                    shown.extend(self._show([Popup.of(gathered[0])], now))
                else:
                    summary = _summary_of(WORDING.new_updates(len(gathered)), gathered)
                    shown.extend(self._show([summary], now))
            else:
                self._storm = None
        if self._held and not self.away(now):
            held, self._held = self._held, []
            title = WORDING.updates_while_away(len(held))
            shown.extend(self._show([_summary_of(title, held)], now))
        return shown

    def deadline(self, now: datetime) -> datetime | None:
        """When :meth:`tick` must run next; ``None`` when nothing is pending."""
        times: list[datetime] = []
        if self._storm is not None:
            times.append(self._storm.until)
        if self._held:
            if self.quiet_hours is not None and self.quiet_hours.contains(now):
                times.append(self.quiet_hours.end_after(now))
            if self.dnd is not None and self.dnd.active(now):
                times.append(now + self._dnd_recheck)
            if not times:
                times.append(now)  # nothing holds them any more: due at once
        return min(times, default=None)

    # -- helpers ----------------------------------------------------------------------------

    def _show(self, popups: list[Popup], now: datetime) -> list[Popup]:
        self._shown.extend(now for _ in popups)
        return popups

    def _forget_before(self, now: datetime) -> None:
        # "Within the window" is strictly less than the window ago: a popup exactly
        # coalesce_seconds old no longer counts.
        while self._shown and now - self._shown[0] >= self.window:
            self._shown.popleft()
