"""A soak: ``beacon listen`` (a subprocess, as users run it) receives a steady stream of
events from the demo server while its RSS, open file descriptors and threads are sampled
from ``/proc``. Used by ``tests/benchmarks/bench_soak.py`` (30 minutes) and by the fault
suite's 2-minute version.

Every event carries a sequence number, so the soak also says what was lost or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from beacon.demo import DemoServer
from support.cli import account_toml, profile_env

CHANNEL = "soak"


@dataclass
class Sample:
    at: float  # seconds since the stream started
    rss_kb: int
    fds: int
    threads: int
    received: int


@dataclass
class SoakResult:
    seconds: float
    rate: float
    warmup: float
    published: int = 0
    received: int = 0
    lost: int = 0
    duplicates: int = 0
    exit_code: int | None = None
    samples: list[Sample] = field(default_factory=list)

    @property
    def steady(self) -> list[Sample]:
        """The samples after the warm-up."""
        return [s for s in self.samples if s.at >= self.warmup]

    def rss_growth_mb(self) -> float:
        steady = self.steady
        return (steady[-1].rss_kb - steady[0].rss_kb) / 1024 if len(steady) > 1 else 0.0

    def spread(self, name: str) -> tuple[int, int]:
        values = [getattr(s, name) for s in self.steady]
        return (min(values), max(values)) if values else (0, 0)

    def problems(self, rss_limit_mb: float) -> list[str]:
        out = []
        if len(self.steady) < 2:
            out.append("fewer than two samples after the warm-up")
        if self.rss_growth_mb() >= rss_limit_mb:
            out.append(f"RSS grew {self.rss_growth_mb():.1f} MB after the warm-up")
        for name in ("fds", "threads"):
            low, high = self.spread(name)
            if low != high:
                out.append(f"{name} not flat after the warm-up: {low}..{high}")
        if self.lost or self.duplicates:
            out.append(f"{self.lost} events lost, {self.duplicates} doubled")
        if self.exit_code != 0:
            out.append(f"beacon listen exited with {self.exit_code}")
        return out

    def table(self) -> str:
        first, last = (self.steady[0], self.steady[-1]) if self.steady else (None, None)
        fds, threads = self.spread("fds"), self.spread("threads")
        rows = [
            "| measure | value |",
            "|---|---|",
            f"| duration | {self.seconds / 60:.1f} min at {self.rate:g} events/s |",
            f"| events published / received | {self.published} / {self.received} |",
            f"| lost / doubled | {self.lost} / {self.duplicates} |",
            f"| RSS at start | {self.samples[0].rss_kb / 1024:.1f} MB |" if self.samples else "",
            f"| RSS after {self.warmup:g} s warm-up | {first.rss_kb / 1024:.1f} MB |"
            if first
            else "",
            f"| RSS at end | {last.rss_kb / 1024:.1f} MB |" if last else "",
            f"| RSS growth after warm-up | {self.rss_growth_mb():+.2f} MB |",
            f"| open fds (min..max after warm-up) | {fds[0]}..{fds[1]} |",
            f"| threads (min..max after warm-up) | {threads[0]}..{threads[1]} |",
        ]
        return "\n".join(r for r in rows if r)


def read_proc(pid: int) -> tuple[int, int, int]:
    """(VmRSS in kB, open file descriptors, threads) of a live process."""
    rss = threads = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("Threads:"):
            threads = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), threads


async def soak(
    seconds: float,
    profile: Path,
    *,
    rate: float = 50.0,
    warmup: float = 30.0,
    every: float = 5.0,
    progress: Callable[[Sample], None] | None = None,
) -> SoakResult:
    """Stream ``rate`` events/s for ``seconds`` into ``beacon listen``; sample every
    ``every`` s. ``profile`` is a directory for the throwaway config and data."""
    result = SoakResult(seconds, rate, warmup)
    server = DemoServer(port=0, seed=0)
    await server.start()
    config = account_toml(
        name="soak", key=server.key, host=server.host, port=server.port, tls=False,
        channels=[CHANNEL],
    )  # fmt: skip
    env = profile_env(profile, config, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "beacon", "listen",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    seen: set[int] = set()
    subscribed = asyncio.Event()
    arrived = asyncio.Event()
    stderr: list[str] = []

    async def read_stdout() -> None:
        assert proc.stdout is not None
        async for line in proc.stdout:
            seq = json.loads(line)["data"]["seq"]
            if seq in seen:
                result.duplicates += 1
            seen.add(seq)
            result.received += 1
            arrived.set()
        arrived.set()

    async def read_stderr() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            stderr.append(line)
            if line.endswith(f"subscribed to {CHANNEL}"):
                subscribed.set()

    readers = [asyncio.create_task(read_stdout()), asyncio.create_task(read_stderr())]
    try:
        async with asyncio.timeout(20):
            await subscribed.wait()
        start = time.monotonic()
        next_sample = 0.0
        while (elapsed := time.monotonic() - start) < seconds:
            if elapsed >= next_sample:
                rss, fds, threads = read_proc(proc.pid)
                sample = Sample(elapsed, rss, fds, threads, result.received)
                result.samples.append(sample)
                if progress is not None:
                    progress(sample)
                next_sample += every
            server.publish(CHANNEL, "seq", {"seq": result.published, "pad": "x" * 200})
            result.published += 1
            # An absolute schedule: the rate holds whatever each publish costs.
            await asyncio.sleep(max(0.0, start + result.published / rate - time.monotonic()))
        rss, fds, threads = read_proc(proc.pid)
        result.samples.append(Sample(time.monotonic() - start, rss, fds, threads, result.received))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                while len(seen) < result.published and not readers[0].done():
                    arrived.clear()
                    await arrived.wait()
        result.lost = result.published - len(seen & set(range(result.published)))
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(10):
                result.exit_code = await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
        await asyncio.gather(*readers, return_exceptions=True)
        await server.close()
    return result
