"""Engine benchmark: one burst through one Soketi to several receivers, each its own process.

The publisher sends ``--events`` events (default 20,000) through Pusher's
``batch_events`` HTTP API in batches of 100, with several requests in flight. Every
receiver is subscribed and has seen one warm-up event before the burst starts:

- ``beacon``: ``beacon listen --count N`` with a throwaway XDG config pointing at Soketi.
  The harness reads its stdout in large chunks and parses the JSON lines only after the
  run, so the measurement costs the receiver nothing beyond its own printing.
- ``bare``: a bare ``websockets`` reader with two ``json.loads`` per frame (the floor).
- ``asyncpusher``: asyncpusher 0.2.5.
- ``pusher-js``: pusher-js 8.6.0 in Node, when ``tests/benchmarks/node_modules`` exists.

Per receiver it reports CPU per event (user + system time of the whole process, read from
``/proc/<pid>/stat`` just before the burst and when the receiver has all events or has
gone idle), events per second (received events over the time from the first publish to
the last receipt), p50 and p99 latency (receipt time minus the publisher's timestamp
``t`` in each event), and events missing. The run is repeated (``--repeat``, default 3)
against a fresh Soketi each time, and the medians are printed as a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.soketi import Soketi  # noqa: E402

PEERS = HERE / "peers"
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
CHANNEL = "bench"
EVENT = "ticket.updated"
CLK_TCK = os.sysconf("SC_CLK_TCK")
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
BEACON = ROOT / ".venv" / "bin" / "beacon"
# The three; more receivers on a 2-CPU machine mostly measure the contention.
DEFAULT_RECEIVERS = ("beacon", "asyncpusher", "bare")
ALL_RECEIVERS = (*DEFAULT_RECEIVERS, "pusher-js", "beacon-engine")
PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
LABELS = {
    "beacon": "beacon listen",
    "beacon-engine": "Beacon's engine alone (no output)",
    "asyncpusher": "asyncpusher 0.2.5",
    "bare": "bare websockets + two json.loads",
    "pusher-js": "pusher-js 8.6.0 (Node)",
}


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), or None once reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces; the fields after it are fixed.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


T_MARK = "999.25"  # stands for the send time in pre-built bodies; replaced per request


def payload(i: int, t: str = T_MARK) -> str:
    """A support-ticket-sized event, the kind Beacon exists for."""
    return (
        f'{{"i":{i},"t":{t},"id":{100000 + i},'
        f'"subject":"Printer on floor {i % 9} is on fire again","status":"open",'
        f'"priority":"{"high" if i % 10 == 0 else "normal"}",'
        '"requester":{"name":"Ann Example","email":"ann@example.com"},'
        '"preview":"It started smoking right after the firmware update. Please send help.",'
        f'"url":"https://helpdesk.example.com/tickets/{100000 + i}"}}'
    )


def batch_body(first: int, size: int) -> bytes:
    batch = [
        {"channel": CHANNEL, "name": EVENT, "data": payload(i)} for i in range(first, first + size)
    ]
    return json.dumps({"batch": batch}, separators=(",", ":")).encode()


class HttpConnection:
    """A minimal keep-alive HTTP/1.1 client.

    The publisher shares the CPUs with Soketi and the receivers, so it must be cheap:
    httpx spends several milliseconds of CPU per request here, this about a tenth.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status = int((await self.reader.readline()).split()[1])
        length = None
        keep_alive = True
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep_alive = False
        if length is None:
            raise RuntimeError("the server sent no Content-Length")
        answer = await self.reader.readexactly(length)
        if not keep_alive:
            await self.close()
        return status, answer

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class Publisher:
    """Signs and sends ``batch_events`` requests to Soketi's HTTP API."""

    def __init__(self, soketi: Soketi) -> None:
        self.soketi = soketi
        self.connections: list[HttpConnection] = []

    def _target(self, method: str, path: str, body: bytes | None) -> str:
        params = {
            "auth_key": self.soketi.key,
            "auth_timestamp": str(int(time.time())),
            "auth_version": "1.0",
        }
        if body is not None:
            params["body_md5"] = hashlib.md5(body).hexdigest()
        query = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        message = f"{method}\n{path}\n{query}".encode()
        signature = hmac.new(self.soketi.secret.encode(), message, hashlib.sha256).hexdigest()
        return f"{path}?{query}&auth_signature={signature}"

    def _connection(self) -> HttpConnection:
        if self.connections:
            return self.connections.pop()
        return HttpConnection(self.soketi.host, self.soketi.port)

    async def _request(self, method: str, path: str, body: bytes | None) -> bytes:
        conn = self._connection()
        status, answer = await conn.request(method, self._target(method, path, body), body or b"")
        self.connections.append(conn)
        # Soketi answers errors with status 200 and an "error" member (FACTS.md).
        if status != 200 or b'"error"' in answer:
            raise RuntimeError(f"{method} {path} failed: {status} {answer[:300]!r}")
        return answer

    async def subscription_count(self) -> int:
        path = f"/apps/{self.soketi.app_id}/channels/{CHANNEL}"
        answer = await self._request("GET", path, None)
        return int(json.loads(answer).get("subscription_count", 0))

    async def send(self, template: bytes) -> None:
        """Send a pre-built batch, stamping every event with the time of sending."""
        body = template.replace(T_MARK.encode(), repr(time.time()).encode())
        await self._request("POST", f"/apps/{self.soketi.app_id}/batch_events", body)

    async def burst(self, templates: list[bytes], in_flight: int) -> None:
        queue = iter(templates)

        async def worker() -> None:
            for template in queue:
                await self.send(template)

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    async def close(self) -> None:
        for conn in self.connections:
            await conn.close()


@dataclass
class Result:
    receiver: str
    received: int
    missing: int
    duplicates: int
    cpu_us: float
    rate: float
    p50_ms: float
    p99_ms: float
    done: bool


@dataclass
class Receiver:
    """One receiver process and what the harness learned about it."""

    name: str
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    proc: asyncio.subprocess.Process | None = None
    warm: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    cpu_start: float = 0.0
    cpu_end: float | None = None
    stdout_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        with (self.workdir / f"{self.name}.stderr").open("wb") as stderr:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                env=self.env,
                cwd=self.workdir,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                limit=1 << 20,
            )
        self.stdout_task = asyncio.create_task(self.watch())

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def mark_done(self) -> None:
        if not self.done.is_set():
            self.cpu_end = proc_cpu(self.pid)
            self.done.set()

    async def watch(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        if self.stdout_task is not None:
            await self.stdout_task

    def samples(self) -> tuple[list[float], list[float], list[int]]:
        """Receipt times, publisher times and sequence numbers of the burst events."""
        raise NotImplementedError

    def stderr_tail(self) -> str:
        text = (self.workdir / f"{self.name}.stderr").read_text(errors="replace")
        return "\n".join(text.splitlines()[-15:])


class PeerReceiver(Receiver):
    """A reference client from ``peers/``, speaking the READY/WARM/DONE line protocol."""

    async def watch(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for line in self.proc.stdout:
            word = line.strip()
            if word == b"WARM":
                self.warm.set()
            elif word == b"DONE":
                self.mark_done()

    def samples(self) -> tuple[list[float], list[float], list[int]]:
        out = self.workdir / f"{self.name}.json"
        if not out.exists():
            return [], [], []
        data = json.loads(out.read_text())
        return data["received"], data["sent"], data["seq"]


class BeaconReceiver(Receiver):
    """``beacon listen``: every stdout line is one event; counted now, parsed later."""

    expected_lines: int = 0
    chunks: list[bytes]

    async def start(self) -> None:
        await super().start()
        assert self.proc is not None
        transport: Any = self.proc._transport  # type: ignore[attr-defined]
        pipe = transport.get_pipe_transport(1).get_extra_info("pipe")
        # A 64 KiB pipe would make beacon block on writes whenever the harness is a
        # moment late; a full pipe is the harness's fault, not beacon's.
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), F_SETPIPE_SZ, 1 << 20)

    async def watch(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        self.chunks = []
        lines = 0
        while chunk := await self.proc.stdout.read(1 << 20):
            self.chunks.append(chunk)
            lines += chunk.count(b"\n")
            if lines >= 1:
                self.warm.set()
            if lines >= self.expected_lines:
                self.mark_done()

    def samples(self) -> tuple[list[float], list[float], list[int]]:
        received: list[float] = []
        sent: list[float] = []
        seq: list[int] = []
        for line in b"".join(self.chunks).splitlines():
            item = json.loads(line)
            data = item["data"]
            if data["i"] < 0:
                continue
            at = item["received_at"]
            received.append(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp())
            sent.append(data["t"])
            seq.append(data["i"])
        return received, sent, seq


def beacon_available() -> bool:
    return (ROOT / "desktop" / "beacon" / "cli" / "listen.py").exists()


def pusher_js_available() -> bool:
    return (HERE / "node_modules" / "pusher-js").is_dir() and shutil.which("node") is not None


def make_receivers(
    names: list[str], soketi: Soketi, events: int, tmp: Path, beacon_command: list[str]
) -> list[Receiver]:
    receivers: list[Receiver] = []
    base_env = dict(os.environ)
    peer_args = [
        "--host", soketi.host, "--port", str(soketi.port), "--key", soketi.key,
        "--channel", CHANNEL, "--event", EVENT, "--count", str(events),
    ]  # fmt: skip
    for name in names:
        workdir = tmp / name
        workdir.mkdir()
        out = ["--out", str(workdir / f"{name}.json")]
        if name == "beacon":
            config_home = workdir / "config"
            (config_home / "beacon").mkdir(parents=True)
            (config_home / "beacon" / "config.toml").write_text(
                "[[account]]\n"
                'name = "bench"\n'
                f'key = "{soketi.key}"\n'
                f'host = "{soketi.host}"\n'
                f"port = {soketi.port}\n"
                "tls = false\n"
                f'channels = ["{CHANNEL}"]\n'
            )
            env = base_env | {
                "XDG_CONFIG_HOME": str(config_home),
                "XDG_DATA_HOME": str(workdir / "data"),
            }
            argv = [*beacon_command, "listen", "--count", str(events + 1)]
            beacon = BeaconReceiver(name, argv, env, workdir)
            beacon.expected_lines = events + 1  # the warm-up event counts too
            receivers.append(beacon)
        elif name == "pusher-js":
            argv = ["node", str(PEERS / "pusher_js_reader.js"), *peer_args, *out]
            receivers.append(PeerReceiver(name, argv, base_env, workdir))
        else:
            script = {
                "bare": "bare_websockets.py",
                "asyncpusher": "asyncpusher_reader.py",
                "beacon-engine": "beacon_engine.py",
            }[name]
            argv = [str(VENV_PYTHON), str(PEERS / script), *peer_args, *out]
            receivers.append(PeerReceiver(name, argv, base_env, workdir))
    return receivers


async def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)


async def wait_idle(receivers: list[Receiver], quiet: float) -> None:
    """Wait until each receiver is done, or has used no CPU for ``quiet`` seconds.

    A receiver that lost events never reaches its count; it is idle once its CPU time
    stops moving, and that is when its CPU is sampled.
    """
    last: dict[str, tuple[float | None, float]] = {}
    while True:
        pending = [r for r in receivers if not r.done.is_set()]
        if not pending:
            return
        now = time.monotonic()
        for r in pending:
            cpu = proc_cpu(r.pid)
            previous = last.get(r.name)
            if previous is None or previous[0] != cpu:
                last[r.name] = (cpu, now)
            elif now - previous[1] >= quiet:
                r.mark_done()
        await asyncio.sleep(0.1)


async def start_profiler(r: Receiver) -> tuple[str, asyncio.subprocess.Process, Path]:
    """Attach py-spy to a receiver; it samples from outside, so the receiver's CPU is its own."""
    if not PY_SPY.exists():
        raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
    path = r.workdir / f"{r.name}.collapsed"
    profiler = await asyncio.create_subprocess_exec(
        str(PY_SPY), "record", "--pid", str(r.pid), "--rate", "1000", "--nonblocking",
        "--format", "raw", "--output", str(path),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(0.5)  # py-spy needs a moment to attach; nothing signals it
    return r.name, profiler, path


def frame_package(frames: list[str]) -> str:
    """Who a sample's own time belongs to: its innermost frame, except that generated
    dataclass ``__init__``s (``<string>``) and helpers such as ``json`` count for the code
    that called them, so that the split reads as "whose choice costs this"."""
    for frame in reversed(frames):
        where = frame.rpartition("(")[2]
        top = where.split("/")[0].split(".")[0].split(":")[0]
        if top in ("<string>", "json", "enum", "dataclasses", "re", ""):
            continue
        if top == "beacon":
            parts = where.split("/")
            return "beacon." + parts[1].split(".")[0].split(":")[0] if len(parts) > 2 else "beacon"
        return top
    return "other"


def profile_summary(name: str, path: Path, top: int = 30) -> str:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    by_package: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        package = frame_package(frames)
        by_package[package] = by_package.get(package, 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
    out = [f"== py-spy profile of {name}: {total} samples ({path})", "-- self, by package"]
    for package, count in sorted(by_package.items(), key=lambda kv: -kv[1]):
        out.append(f"{100 * count / total:5.1f}%  {package}")
    out.append("-- self")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"{100 * count / total:5.1f}%  {frame}")
    out.append("-- inclusive")
    for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"{100 * count / total:5.1f}%  {frame}")
    return "\n".join(out)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarize(r: Receiver, events: int, burst_start: float) -> Result:
    received, sent, seq = r.samples()
    unique = len(set(seq) & set(range(events)))
    latencies = sorted((a - b) * 1000 for a, b in zip(received, sent, strict=True))
    elapsed = (max(received) - burst_start) if received else float("nan")
    cpu = (r.cpu_end - r.cpu_start) if r.cpu_end is not None else float("nan")
    return Result(
        receiver=r.name,
        received=unique,
        missing=events - unique,
        duplicates=len(seq) - unique,
        cpu_us=cpu / unique * 1e6 if unique else float("nan"),
        rate=unique / elapsed if unique else 0.0,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        done=len(seq) >= events,
    )


async def one_run(args: argparse.Namespace, names: list[str], run: int) -> list[Result]:
    soketi = Soketi(env={"SOKETI_EVENT_MAX_BATCH_SIZE": str(args.batch)})
    soketi.start()
    tmp = Path(tempfile.mkdtemp(prefix=f"beacon-bench-{run}-"))
    receivers = make_receivers(names, soketi, args.events, tmp, shlex.split(args.beacon))
    try:
        publisher = Publisher(soketi)
        try:
            for r in receivers:
                await r.start()

            async def all_subscribed() -> bool:
                for r in receivers:
                    if r.proc is not None and r.proc.returncode is not None:
                        raise RuntimeError(
                            f"{r.name} exited with {r.proc.returncode}:\n{r.stderr_tail()}"
                        )
                return await publisher.subscription_count() >= len(receivers)

            await wait_until(all_subscribed, 60, "every receiver to subscribe")
            # One warm-up event proves the whole path for each receiver before timing.
            await publisher.send(batch_body(-1, 1))
            warm = asyncio.gather(*(r.warm.wait() for r in receivers))
            try:
                await asyncio.wait_for(warm, 30)
            except TimeoutError:
                cold = [r.name for r in receivers if not r.warm.is_set()]
                raise RuntimeError(f"no warm-up event reached {cold}") from None

            profilers = [await start_profiler(r) for r in receivers if r.name in args.profile]
            for r in receivers:
                r.cpu_start = proc_cpu(r.pid) or 0.0
            templates = [
                batch_body(first, min(args.batch, args.events - first))
                for first in range(0, args.events, args.batch)
            ]
            assert soketi.process is not None
            soketi_cpu = proc_cpu(soketi.process.pid) or 0.0
            own_cpu = time.process_time()
            burst_start = time.time()
            await publisher.burst(templates, args.in_flight)
            published = time.time() - burst_start
            soketi_cpu = (proc_cpu(soketi.process.pid) or 0.0) - soketi_cpu
            own_cpu = time.process_time() - own_cpu
            await wait_idle(receivers, quiet=args.quiet)
            for name, profiler, path in profilers:
                # py-spy may have finished by itself already (its target stopped).
                with contextlib.suppress(ProcessLookupError):
                    profiler.send_signal(signal.SIGINT)
                await profiler.wait()
                print(profile_summary(name, path), file=sys.stderr)
            for r in receivers:
                await r.stop()
        finally:
            await publisher.close()
        results = [summarize(r, args.events, burst_start) for r in receivers]
        if args.verbose:
            print(
                f"run {run + 1}: published {args.events} events in {published:.2f} s "
                f"({args.events / published:,.0f}/s); CPU during it: Soketi {soketi_cpu:.2f} s, "
                f"publisher {own_cpu:.2f} s",
                file=sys.stderr,
            )
            for res in results:
                print(f"  {res}", file=sys.stderr)
        return results
    finally:
        for r in receivers:
            if r.proc is not None and r.proc.returncode is None:
                r.proc.kill()
                await r.proc.wait()
        soketi.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def fmt(value: float, digits: int = 1) -> str:
    return "—" if value != value else f"{value:,.{digits}f}"


# What `beacon listen` runs: changes elsewhere (the UI, the store) do not touch the numbers.
LISTEN_SOURCES = (
    "desktop/beacon/__init__.py",
    "desktop/beacon/__main__.py",
    "desktop/beacon/cli/listen.py",
    "desktop/beacon/config",
    "desktop/beacon/connect",
    "desktop/beacon/pusher",
)


def source_version() -> str:
    """The commit measured, and whether Beacon's sources differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *LISTEN_SOURCES],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    return f"commit {commit}" + (" plus uncommitted changes to it" if dirty else "")


def report(args: argparse.Namespace, names: list[str], runs: list[list[Result]]) -> str:
    def median(name: str, attr: str) -> float:
        values = [getattr(res, attr) for run in runs for res in run if res.receiver == name]
        values = [v for v in values if v == v]
        return statistics.median(values) if values else float("nan")

    lines = [
        f"Engine benchmark: {args.events:,} events in batches of {args.batch} "
        f"({args.in_flight} requests in flight) through one Soketi 1.6.1 to "
        f"{len(names)} receivers at once; median of {len(runs)} runs. "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {args.load:.1f} before the "
        f"first run; Beacon at {source_version()}.",
        "",
        "| receiver | CPU µs/event | events/s | p50 latency ms | p99 latency ms | missing |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        missing = [res.missing for run in runs for res in run if res.receiver == name]
        lines.append(
            f"| {LABELS[name]} | {fmt(median(name, 'cpu_us'))} | {fmt(median(name, 'rate'), 0)} "
            f"| {fmt(median(name, 'p50_ms'), 0)} | {fmt(median(name, 'p99_ms'), 0)} "
            f"| {' / '.join(str(m) for m in missing)} |"
        )
    if "beacon" in names:
        lines.append("")
        for other in ("beacon-engine", "asyncpusher", "bare", "pusher-js"):
            if other not in names:
                continue
            cpu = median("beacon", "cpu_us") / median(other, "cpu_us")
            rate = median("beacon", "rate") / median(other, "rate")
            lines.append(
                f"- Beacon / {LABELS[other]}: CPU per event {cpu:.2f}x, events/s {rate:.2f}x"
            )
    lines += [
        "",
        "CPU is the receiver process's user + system time from the start of the burst to "
        "its last event, divided by events received. Latency is receipt time minus the "
        "publisher's send time (beacon's `received_at` has millisecond resolution). "
        '"missing" lists each run.',
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="tests/benchmarks/run engine",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100, help="events per HTTP request")
    parser.add_argument("--in-flight", type=int, default=6, help="concurrent HTTP requests")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--receivers",
        default=",".join(DEFAULT_RECEIVERS),
        help="comma-separated subset of: " + ", ".join(ALL_RECEIVERS),
    )
    parser.add_argument(
        "--quiet", type=float, default=3.0,
        help="seconds without CPU use after which a receiver that lost events is done",
    )  # fmt: skip
    parser.add_argument(
        "--profile",
        default="",
        metavar="NAMES",
        help="comma-separated Python receivers to sample with py-spy during the burst "
        "(pip install py-spy into .venv); top functions go to stderr",
    )
    parser.add_argument(
        "--beacon",
        default=str(BEACON),
        metavar="COMMAND",
        help="the beacon command to run as `COMMAND listen ...` (to compare a variant)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("-v", "--verbose", action="store_true", help="per-run detail on stderr")
    args = parser.parse_args()

    names = [n.strip() for n in args.receivers.split(",") if n.strip()]
    args.profile = {n.strip() for n in args.profile.split(",") if n.strip()}
    unknown = set(names) - set(ALL_RECEIVERS)
    if unknown:
        parser.error(f"unknown receivers: {', '.join(sorted(unknown))}")
    if args.profile:
        args.keep = True  # the collapsed stacks stay for flame graphs
    if "beacon" in names and not beacon_available():
        print("note: beacon listen is not available yet; leaving it out", file=sys.stderr)
        names.remove("beacon")
    if "pusher-js" in names and not pusher_js_available():
        print(
            "note: pusher-js is not installed (cd tests/benchmarks && npm ci); leaving it out",
            file=sys.stderr,
        )
        names.remove("pusher-js")

    args.load = os.getloadavg()[0]
    runs = [asyncio.run(one_run(args, names, run)) for run in range(args.repeat)]
    print(report(args, names, runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
