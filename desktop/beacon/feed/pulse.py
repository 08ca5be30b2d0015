"""The pulse: events per minute over the last hour, per channel and in total, and bursts.

A value type and pure functions, no Qt and no SQL: the history counts, the feed service
builds a :class:`Pulse` in its worker thread, and the window only draws it.

Bursts. A channel's usual rate is the median of its per-minute counts over the hour: a
median, not a mean, so that the burst itself barely moves the baseline it is compared
with. A minute is a burst when it holds at least :data:`BURST_MIN_EVENTS` events and more
than :data:`BURST_FACTOR` times that median. The floor keeps a quiet channel (median 0 or
1) from "bursting" on three events. A channel is bursting *now* when the current minute or
the one before is a burst: the current minute is only partly over, and right after a
minute boundary it holds almost nothing, which must not hide a burst still under way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median

#: One minute in microseconds: the width of a bucket.
MINUTE_US = 60_000_000
#: The hour the pulse covers, in minutes (buckets).
MINUTES = 60
#: A burst minute holds more than this many times the channel's median per-minute rate...
BURST_FACTOR = 4.0
#: ...and at least this many events.
BURST_MIN_EVENTS = 10

Source = tuple[str, str]  # (account, channel)


def burst_minutes(
    counts: Sequence[int], *, factor: float = BURST_FACTOR, min_events: int = BURST_MIN_EVENTS
) -> list[bool]:
    """For each minute of ``counts``, whether it is a burst (see the module docstring)."""
    if not counts:
        return []
    usual = median(counts)
    return [c >= min_events and c > factor * usual for c in counts]


def bursting(
    counts: Sequence[int], *, factor: float = BURST_FACTOR, min_events: int = BURST_MIN_EVENTS
) -> bool:
    """Whether the last or the last but one minute of ``counts`` is a burst."""
    return any(burst_minutes(counts, factor=factor, min_events=min_events)[-2:])


def usual_rate(counts: Sequence[int]) -> float:
    """The median per-minute count: the rate a burst is compared with."""
    return float(median(counts)) if counts else 0.0


@dataclass(frozen=True, slots=True)
class Pulse:
    """Per-minute counts of one hour. ``counts[source][i]`` is minute ``i``: the events
    received in ``[start_us + i * MINUTE_US, start_us + (i + 1) * MINUTE_US)``. The last
    minute is the current one, still filling. Sources without events in the hour are
    absent; :meth:`channel` gives them zeros."""

    start_us: int
    minutes: int = MINUTES
    counts: Mapping[Source, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def from_counts(
        cls, start_us: int, minutes: int, counts: Mapping[Source, Sequence[int]]
    ) -> Pulse:
        return cls(start_us, minutes, {s: tuple(c) for s, c in counts.items()})

    @property
    def end_us(self) -> int:
        return self.start_us + self.minutes * MINUTE_US

    def total(self) -> tuple[int, ...]:
        """Every source added up, minute by minute."""
        return self.summed(lambda _source: True)

    def channel(self, channel: str, account: str | None = None) -> tuple[int, ...]:
        """The counts of ``channel`` (of every account unless ``account`` is given): the
        channel filter names channels without their account."""
        return self.summed(lambda s: s[1] == channel and (account is None or s[0] == account))

    def account(self, account: str | None) -> tuple[int, ...]:
        """The counts of ``account``, or of everything for ``None``."""
        return self.summed(lambda s: account is None or s[0] == account)

    def summed(self, wanted: Callable[[Source], bool]) -> tuple[int, ...]:
        """The counts of the sources ``wanted`` accepts, added up minute by minute."""
        sums = [0] * self.minutes
        for source, counts in self.counts.items():
            if wanted(source):
                for i, c in enumerate(counts):
                    sums[i] += c
        return tuple(sums)

    def bursting_sources(self) -> list[Source]:
        """The sources bursting now, sorted."""
        return sorted(s for s, c in self.counts.items() if bursting(c))
