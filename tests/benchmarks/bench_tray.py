"""Tray benchmark: publish-to-popup latency, and a cold start to a tray icon, connected.

**Latency.** A child process runs the demo server and publishes ``--events`` events
(default 100) at ``--rate`` per second (default 10) on ``tickets``; each event's subject
carries the child's ``time.monotonic()`` just before it was published (the system-wide
monotonic clock, the same in both processes). This process runs the real app
(:class:`beacon.app.BeaconApp`: engine service, history, feed service, window, tray, the
notification service and its presenter chain, native notifications to the desktop's
dunst first) with its window hidden, and takes the time at ``NotificationService.popupShown``,
when the popup is handed to the presenter. Storm control is set out of the way
(``coalesce`` of 1,000,000 per second) so that every event is a popup of its own.
Target: p99 under 100 ms.

**Cold start.** ``python -m beacon -v --config FILE`` (what the ``beacon`` script runs) on
a throwaway profile, one account on ``beacon demo-server --rate 0``; a reader thread
takes the time of each line of its log as it arrives: "tray icon shown", and "-> connected"
for the account. ``--starts`` runs (default 5); the table gives the median and the worst.
Target: both under 1 s from the spawn.

Needs the headless desktop for a tray and dunst: ``tests/run --shell -c 'tests/benchmarks/run
tray'``. Without a tray the cold start reports only the connection, and says so.

Run: ``tests/benchmarks/run tray`` or ``.venv/bin/python tests/benchmarks/bench_tray.py
[--events N] [--rate R] [--starts N] [--json] [-v]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchapp import app_on, finish, start_publisher

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

LATENCY_TARGET_MS = 100.0  # p99, publish to popup
START_TARGET_S = 1.0  # spawn to tray icon shown and account connected
_READY = re.compile(r"listening on ws://([\d.]+):(\d+) \(app_id (\S+), key ([^)\s]+)\)")
_SENT = re.compile(r"@(\d+\.\d+)")
TRAY_LINE = "tray icon shown"
CONNECTED_LINE = "-> connected"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- latency: the publisher (child process) ------------------------------------------------


async def _publish(count: int, rate: float) -> None:
    from beacon.demo import DemoServer

    server = DemoServer(port=0)
    await server.start()
    print(server.port, flush=True)
    await server.wait_for_subscribers("tickets", timeout=60)
    print("subscribed", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # "go"
    start = time.monotonic()
    for n in range(count):
        # Paced against the start, not by sleeping a fixed step: no drift over the run.
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        server.publish(
            "tickets",
            "ticket.created",
            {"id": n, "subject": f"Ticket {n} @{time.monotonic():.6f}", "preview": "Latency"},
        )
    print("published", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)  # until the parent closes stdin
    await server.close()


# -- latency: the app (this process) -------------------------------------------------------


def _latency(events: int, rate: float) -> dict[str, Any]:

    from beacon.app import BeaconApp, NoSecrets
    from beacon.config.model import Config, NotificationSettings
    from beacon.feed.notify_policy import Popup

    child, port = start_publisher(__file__, str(events), "--rate", str(rate))
    _app, loop, tmp, history, account = app_on(port, "beacon-bench-tray-")
    config = Config(
        path=None,
        accounts=(account,),
        notifications=NotificationSettings(coalesce_count=1_000_000, coalesce_seconds=1.0),
    )
    beacon_app = BeaconApp(config, history, NoSecrets())
    latencies: list[float] = []
    summaries = [0]
    worst: list[tuple[float, str, float]] = []

    def shown(popup: Popup) -> None:
        now = time.monotonic()
        match = _SENT.search(popup.title)
        if popup.summary or match is None:
            summaries[0] += 1
            return
        latencies.append((now - float(match.group(1))) * 1000)
        worst.append((latencies[-1], popup.title, now))

    beacon_app.notifications.popupShown.connect(shown)

    # 100 popups on screen at once is no user's desktop (storm control is off here), and
    # dunst on the test desktop then stops answering Notify, which makes the app fall
    # back to other presenters mid-run: popups are dismissed as they come, as a user would.
    stop_closing = threading.Event()

    def close_popups() -> None:
        while not stop_closing.wait(0.5):
            subprocess.run(["dunstctl", "close-all"], check=False, capture_output=True)

    if shutil.which("dunstctl") and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        threading.Thread(target=close_popups, daemon=True).start()

    async def run() -> dict[str, Any]:
        await beacon_app.start()
        assert child.stdout is not None and child.stdin is not None
        # "subscribed", read by a plain thread: qasync's executor threads are QThreads
        # that would outlive the loop.
        subscribed = threading.Event()
        threading.Thread(
            target=lambda: (child.stdout.readline(), subscribed.set()),  # type: ignore[union-attr]
            daemon=True,
        ).start()
        deadline = time.monotonic() + 60
        while not subscribed.is_set():
            if time.monotonic() > deadline:
                raise RuntimeError("the app never subscribed")
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)  # the presenter is picked in the background meanwhile
        child.stdin.write("go\n")
        child.stdin.flush()
        deadline = time.monotonic() + events / rate + 30
        while len(latencies) + summaries[0] < events and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop_closing.set()
        presenter = beacon_app.notifier.presenter  # at the end: a fallback would show
        result = {
            "events": events,
            "rate": rate,
            "popups": len(latencies),
            "received": beacon_app.service.received,
            "committed": beacon_app.service.committed,
            "summaries": summaries[0],
            "presenter": getattr(presenter, "label", str(presenter)),
            "p50_ms": _percentile(latencies, 0.50),
            "p99_ms": _percentile(latencies, 0.99),
            "max_ms": max(latencies, default=float("nan")),
            "worst": sorted(worst, reverse=True)[:3],
        }
        await beacon_app.close()
        return result

    try:
        return loop.run_until_complete(run())
    finally:
        finish(child, beacon_app.window, history, tmp, loop)


# -- cold start ------------------------------------------------------------------------------


def _cold_start(host: str, port: str, key: str, verbose: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="beacon-bench-start-"))
    config = tmp / "config.toml"
    config.write_text(
        "[[account]]\n"
        'name = "start"\n'
        f'key = "{key}"\n'
        f'host = "{host}"\n'
        f"port = {port}\n"
        "tls = false\n"
        'channels = ["tickets"]\n'
    )
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp / name.lower())
    seen: dict[str, float] = {}
    lines: list[str] = []
    started = time.monotonic()
    app = subprocess.Popen(
        [sys.executable, "-m", "beacon", "-v", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    done = threading.Event()

    def read() -> None:
        assert app.stderr is not None
        for raw in app.stderr:
            now = time.monotonic()
            line = raw.decode(errors="replace")
            lines.append(line)
            if verbose:  # where the time goes, line by line
                print(f"bench_tray:   {now - started:6.3f} s  {line.rstrip()}", file=sys.stderr)
            for marker in (TRAY_LINE, CONNECTED_LINE):
                if marker in line and marker not in seen:
                    seen[marker] = now - started
            if CONNECTED_LINE in seen and (TRAY_LINE in seen or "no system tray" in "".join(lines)):
                done.set()
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not done.wait(30) or CONNECTED_LINE not in seen:
            sys.stderr.write("".join(lines))
            raise SystemExit("bench_tray: the app never connected")
        if verbose:
            print(f"bench_tray: start: {seen}", file=sys.stderr)
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        reader.join(5)
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "tray_s": seen.get(TRAY_LINE, float("nan")),
        "connected_s": seen[CONNECTED_LINE],
        "no_tray": TRAY_LINE not in seen,
    }


def _cold_starts(count: int, verbose: bool) -> dict[str, Any]:
    server = subprocess.Popen(
        [sys.executable, "-m", "beacon", "demo-server", "--port", "0", "--rate", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        match = _READY.search(server.stdout.readline())
        if match is None:
            raise SystemExit("bench_tray: the demo server did not start")
        host, port, _app_id, key = match.groups()
        runs = []
        for n in range(count):
            runs.append(_cold_start(host, port, key, verbose))
            print(f"bench_tray: cold start {n + 1}/{count}: {runs[-1]}", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(10)
        assert server.stdout is not None
        server.stdout.close()
    ready = [max(r["tray_s"], r["connected_s"]) for r in runs]
    return {
        "runs": runs,
        "no_tray": any(r["no_tray"] for r in runs),
        "tray_median_s": statistics.median(r["tray_s"] for r in runs),
        "connected_median_s": statistics.median(r["connected_s"] for r in runs),
        "ready_median_s": statistics.median(ready),
        "ready_max_s": max(ready),
    }


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench_tray {' '.join(args)} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--publisher", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scenario", choices=("latency",), help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    if args.publisher is not None:
        asyncio.run(_publish(args.publisher, args.rate))
        return 0
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        print("bench_tray: no display: no tray, and popups fall back", file=sys.stderr)
    if args.scenario == "latency":
        print(json.dumps(_latency(args.events, args.rate)))
        return 0

    print(f"bench_tray: {args.events} events at {args.rate:g}/s ...", file=sys.stderr)
    latency = _child(
        ["--scenario", "latency", "--events", str(args.events), "--rate", str(args.rate)]
    )
    print(f"bench_tray: {args.starts} cold starts ...", file=sys.stderr)
    start = _cold_starts(args.starts, args.verbose)
    if args.json:
        print(json.dumps({"latency": latency, "start": start}, indent=2))
        return 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Tray benchmark ({os.cpu_count()} CPUs, load average {load} when it ended)\n")
    print("| measurement | value | target |")
    print("|---|---|---|")
    print(
        f"| popups at {args.rate:g} events/s | {latency['popups']} of {latency['events']}"
        f" ({latency['summaries']} summaries), via {latency['presenter']} | all |"
    )
    print(f"| publish to popup, p50 | {latency['p50_ms']:.1f} ms | |")
    print(f"| publish to popup, p99 | {latency['p99_ms']:.1f} ms | < {LATENCY_TARGET_MS:.0f} ms |")
    print(f"| publish to popup, max | {latency['max_ms']:.1f} ms | |")
    tray = "no tray on this desktop" if start["no_tray"] else f"{start['tray_median_s']:.2f} s"
    print(f"| cold start to tray icon shown, median | {tray} | |")
    print(f"| cold start to account connected, median | {start['connected_median_s']:.2f} s | |")
    print(
        f"| cold start to both, median / worst of {args.starts} |"
        f" {start['ready_median_s']:.2f} s / {start['ready_max_s']:.2f} s"
        f" | < {START_TARGET_S:.0f} s |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
