"""The fault suite's bookkeeping: sequenced events, the clients that receive them, and
what a recovery took.

Every event published carries ``{"seq": n}``. Each client (the Engine in the test's
process, or ``beacon listen`` as a subprocess) records which sequence numbers it received
and when Beacon received them (``received_at``), and when it was seen subscribing. From
those the suite computes:

- the recovery time: from the moment the server was ready (or the fault was lifted) to the
  first event Beacon received after it;
- what was lost: every event whose publishing started after the client was seen
  subscribed (and ended before the next fault) must have arrived;
- duplicates: no sequence number may arrive twice (a second subscription, or a second
  socket, would deliver it twice).

Times are wall-clock seconds (``time.time()``) because ``received_at`` is wall-clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from beacon.pusher import ProtocolEvent, Subscribed
from support.engine import Recorder

SEQ_EVENT = "seq"


@dataclass
class Published:
    seq: int
    started: float
    ended: float


class SeqLog:
    """Sequenced events published on one channel through ``publish(seq)``."""

    def __init__(self, channel: str, publish: Callable[[int], Awaitable[None]]) -> None:
        self.channel = channel
        self._publish = publish
        self.published: list[Published] = []
        self._next = 0

    async def publish_next(self) -> int:
        # Numbered before publishing: a publish cancelled mid-way (the pump stopping) may
        # still reach the server, so its number is never handed out again.
        seq = self._next
        self._next += 1
        started = time.time()
        await self._publish(seq)
        self.published.append(Published(seq, started, time.time()))
        return seq

    def published_between(self, start: float, end: float) -> set[int]:
        """Sequence numbers whose publishing started at ``start`` or later and ended by ``end``."""
        return {p.seq for p in self.published if p.started >= start and p.ended <= end}


class Client(Protocol):
    name: str

    def seqs(self, channel: str) -> list[tuple[int, float]]:
        """(seq, wall-clock time Beacon received it), in arrival order."""
        ...

    def subscribed_at(self, channel: str) -> list[float]:
        """When the test saw each "subscribed" of ``channel``, oldest first."""
        ...

    async def until(self, predicate: Callable[[], bool], timeout: float) -> None: ...


class _Changes:
    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def poke(self) -> None:
        self._changed.set()

    async def until(self, predicate: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


@dataclass
class EngineClient(Recorder):
    """The Engine under test, with arrival and subscription times."""

    name: str = field(default="engine", kw_only=True)
    subscriptions: list[tuple[float, str, str]] = field(default_factory=list, kw_only=True)

    def _on_protocol(self, account: str, event: ProtocolEvent) -> None:
        if isinstance(event, Subscribed):
            self.subscriptions.append((time.time(), account, event.channel))
        super()._on_protocol(account, event)

    def seqs(self, channel: str) -> list[tuple[int, float]]:
        return [
            (e.data["seq"], e.received_at.timestamp())
            for e in self.events
            if e.event == SEQ_EVENT and e.channel == channel and isinstance(e.data, dict)
        ]

    def subscribed_at(self, channel: str) -> list[float]:
        return [t for t, _account, ch in self.subscriptions if ch == channel]

    async def until(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        await super().until(predicate, timeout)


class ListenClient:
    """``python -m beacon listen`` with a profile's environment; stdout and stderr are read
    line by line as they come."""

    def __init__(self, env: dict[str, str], *args: str, name: str = "listen") -> None:
        self.name = name
        self.env = env
        self.args = args
        self.lines: list[dict[str, Any]] = []
        self.stderr: list[tuple[float, str]] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._changes = _Changes()
        self._readers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> ListenClient:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "beacon", "listen", *self.args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
        )  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(self.proc.stdout, self._on_stdout)),
            asyncio.create_task(self._read(self.proc.stderr, self._on_stderr)),
        ]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(10):
                code = await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            code = await self.proc.wait()
        await asyncio.gather(*self._readers)
        return code

    @property
    def exited(self) -> bool:
        return self.proc is not None and self.proc.returncode is not None

    async def _read(self, stream: asyncio.StreamReader, sink: Callable[[str], None]) -> None:
        async for raw in stream:
            sink(raw.decode(errors="replace").rstrip("\n"))
            self._changes.poke()
        self._changes.poke()

    def _on_stdout(self, line: str) -> None:
        self.lines.append(json.loads(line))

    def _on_stderr(self, line: str) -> None:
        self.stderr.append((time.time(), line))

    def seqs(self, channel: str) -> list[tuple[int, float]]:
        return [
            (item["data"]["seq"], _stamp(item["received_at"]))
            for item in self.lines
            if item["event"] == SEQ_EVENT
            and item["channel"] == channel
            and isinstance(item["data"], dict)
        ]

    def subscribed_at(self, channel: str) -> list[float]:
        return [t for t, line in self.stderr if line.endswith(f"] subscribed to {channel}")]

    def stderr_since(self, start: float) -> list[str]:
        return [line for t, line in self.stderr if t >= start]

    async def until(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        def done() -> bool:
            if predicate():
                return True
            if self._readers and all(r.done() for r in self._readers):
                raise AssertionError(f"beacon listen ended: {[s for _t, s in self.stderr]}")
            return False

        await self._changes.until(done, timeout)


def _has_all(client: Client, channel: str, expected: set[int]) -> Callable[[], bool]:
    return lambda: expected <= {s for s, _t in client.seqs(channel)}


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Figures:
    """What one kind of fault did to one client, over all its repetitions."""

    fault: str
    server: str
    client: str
    injected: int = 0
    recovery: list[float | None] = field(default_factory=list)  # None: did not recover
    lost: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    extra_subscriptions: int = 0
    notes: list[str] = field(default_factory=list)  # problems found along the way
    remark: str = ""  # for the table: what the figures mean when they need words

    def problems(self) -> list[str]:
        """What breaks the suite's promises: recovery every time, nothing lost, no
        duplicate subscription."""
        out = []
        missed = sum(1 for r in self.recovery if r is None)
        if missed:
            out.append(f"{self.client}: did not recover {missed} of {len(self.recovery)} times")
        if self.lost:
            out.append(f"{self.client}: lost {sorted(set(self.lost))[:20]}")
        if self.duplicates:
            out.append(f"{self.client}: duplicates {self.duplicates[:20]}")
        if self.extra_subscriptions:
            out.append(f"{self.client}: {self.extra_subscriptions} extra subscriptions")
        return out + [f"{self.client}: {n}" for n in self.notes]

    def slower_than(self, limit: float) -> list[str]:
        """Recoveries (1-based) that took longer than ``limit`` seconds."""
        return [
            f"{self.client} #{i}: {r:.2f} s"
            for i, r in enumerate(self.recovery, 1)
            if r is not None and r > limit
        ]

    def as_dict(self) -> dict[str, Any]:
        done = [r for r in self.recovery if r is not None]
        return {
            "fault": self.fault,
            "server": self.server,
            "client": self.client,
            "injected": self.injected,
            "recovered": len(done),
            "recovery_s": self.recovery,
            "recovery_median_s": statistics.median(done) if done else None,
            "recovery_max_s": max(done) if done else None,
            "lost": sorted(set(self.lost)),
            "duplicates": sorted(set(self.duplicates)),
            "extra_subscriptions": self.extra_subscriptions,
            "notes": self.notes,
            "remark": self.remark,
        }


class Cycles:
    """Repeat a fault against some clients and keep the figures, checked at the end."""

    def __init__(
        self,
        fault: str,
        server: str,
        clients: Sequence[Client],
        log: SeqLog,
        report: list[Figures],
        *,
        interval: float = 0.02,
        subscribers: Callable[[], Awaitable[int]] | None = None,
        remark: str = "",
    ) -> None:
        self.log = log
        # The server's own count of subscriptions to the channel: one per client.
        self.subscribers = subscribers
        self.clients = clients
        self.interval = interval
        self.figures = {c.name: Figures(fault, server, c.name, remark=remark) for c in clients}
        self.fault = fault
        for figures in self.figures.values():
            report.append(figures)
        self._fault_at = 0.0

    def problems(self) -> list[str]:
        return [p for f in self.figures.values() for p in f.problems()]

    def slower_than(self, limit: float) -> list[str]:
        return [p for f in self.figures.values() for p in f.slower_than(limit)]

    def injected(self) -> None:
        """Call right before a fault is injected: it ends the lossless window."""
        self._fault_at = time.time()
        for figures in self.figures.values():
            figures.injected += 1

    async def steady(self, timeout: float = 15.0) -> None:
        """Before the first fault: every client subscribed and receiving."""
        first = await self.recovered(time.time(), timeout, record=False)
        if None in first.values():
            raise AssertionError(f"not receiving before any fault: {first}")

    async def recovered(
        self, ready_at: float, timeout: float = 30.0, *, record: bool = True
    ) -> dict[str, float | None]:
        """Publish sequenced events until every client received one; record the time each
        took from ``ready_at``, then check that nothing was lost since it subscribed.

        A client that does not recover within ``timeout`` gets None; the caller fails."""
        channel = self.log.channel
        first: dict[str, float | None] = {}

        def first_after(client: Client) -> float | None:
            times = [t for _s, t in client.seqs(channel) if t >= ready_at]
            return min(times) if times else None

        async def pump() -> None:
            while True:
                await self.log.publish_next()
                await asyncio.sleep(self.interval)  # the publishing rate, not a wait

        pumping = asyncio.create_task(pump())
        try:
            for client in self.clients:
                try:
                    await client.until(lambda c=client: first_after(c) is not None, timeout)  # type: ignore[misc]
                    at = first_after(client)
                    assert at is not None
                    first[client.name] = max(0.0, at - ready_at)
                except TimeoutError:
                    first[client.name] = None
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping
        for client in self.clients:
            if record:
                self.figures[client.name].recovery.append(first[client.name])
        if all(v is not None for v in first.values()):
            await self._check_lossless(ready_at)
        return first

    async def _check_lossless(self, since: float) -> None:
        """Every event published after each client was seen subscribed (since ``since``)
        arrives, and none twice. Three more events make the tail arrive."""
        channel = self.log.channel
        for _ in range(3):
            await self.log.publish_next()
        end = time.time()
        for client in self.clients:
            subs = [t for t in client.subscribed_at(channel) if t >= min(since, self._fault_at)]
            figures = self.figures[client.name]
            if not subs:
                figures.notes.append("events arrived with no subscription seen")
                continue
            expected = self.log.published_between(subs[-1], end)
            with contextlib.suppress(TimeoutError):
                await client.until(_has_all(client, channel, expected), 5.0)
            got = {s for s, _t in client.seqs(channel)}
            figures.lost.extend(sorted(expected - got))
            counts = Counter(s for s, _t in client.seqs(channel))
            figures.duplicates = sorted(s for s, n in counts.items() if n > 1)
            figures.extra_subscriptions += max(0, len(subs) - 1)
        if self.subscribers is not None:
            count = await self.subscribers()
            if count != len(self.clients):
                for figures in self.figures.values():
                    figures.notes.append(f"server counted {count} subscriptions")
                    figures.extra_subscriptions += max(0, count - len(self.clients))


def summary_rows(report: Sequence[Figures]) -> list[str]:
    """The reliability table, markdown, for the README."""
    rows = [
        "| fault | server | client | injected | recovered | recovery median (s) "
        "| recovery max (s) | lost | duplicates | remark |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in report:
        d = f.as_dict()
        med = "-" if d["recovery_median_s"] is None else f"{d['recovery_median_s']:.2f}"
        top = "-" if d["recovery_max_s"] is None else f"{d['recovery_max_s']:.2f}"
        rows.append(
            f"| {d['fault']} | {d['server']} | {d['client']} | {d['injected']} "
            f"| {d['recovered']}/{len(d['recovery_s'])} | {med} | {top} "
            f"| {len(d['lost'])} | {len(d['duplicates'])} | {d['remark']} |"
        )
    return rows
