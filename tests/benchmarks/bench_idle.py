"""Idle benchmark: how often the running app wakes up while nothing happens, and what it
costs to keep it running.

``beacon demo-server --rate 0`` runs in a child process (no generated activity), and
``beacon --config`` runs as the user starts it, with one account subscribed to one channel
of that server, on a throwaway XDG profile. Once the account is connected and a settling
time has passed (the text cursor stops blinking 10 s after the last input), the process
is watched for ``--seconds`` (default 60):

- **wakeups/s**: voluntary context switches summed over ``/proc/PID/task/*/status``, every
  thread, per second. Target: at most 1 (DESIGN.md: an idle app sleeps).
- **CPU**: user + system time of every thread (``/proc/PID/stat``), as a share of one core.
- **RSS**: ``VmRSS`` at the end.

Then SIGTERM, and the time until the app exits with status 0: signals must work without a
timer that keeps waking the app.

With a display (``tests/run --shell -c 'tests/benchmarks/run idle'``) the window is shown
on it; without one Qt's offscreen platform is used, and said so. Reading ``/proc`` from
here never wakes the app.

Run: ``tests/benchmarks/run idle`` or ``.venv/bin/python tests/benchmarks/bench_idle.py
[--seconds S] [--settle S] [--json] [-v]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

WAKEUPS_TARGET = 1.0  # per second, the whole process
CPU_TARGET = 0.1  # percent of one core
EXIT_TARGET_S = 1.0  # from SIGTERM to exit
_READY = re.compile(r"listening on ws://([\d.]+):(\d+) \(app_id (\S+), key ([^)\s]+)\)")


def _threads(pid: int) -> dict[str, int]:
    """Voluntary context switches per thread ("tid name")."""
    counts: dict[str, int] = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm") as comm:
                name = comm.read().strip()
            with open(f"/proc/{pid}/task/{task}/status") as status:
                for line in status:
                    if line.startswith("voluntary_ctxt_switches:"):
                        counts[f"{task} {name}"] = int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return counts


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may hold spaces; the fields after it are fixed.
        fields = stat.read().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _wait_for(text: str, log: Path, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            sys.stderr.write(log.read_text(errors="replace"))
            raise SystemExit(f"bench_idle: never saw {text!r} from the app")
        time.sleep(0.05)


def measure(seconds: float, settle: float, verbose: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="beacon-bench-idle-"))
    python = sys.executable
    server = subprocess.Popen(
        [python, "-m", "beacon", "demo-server", "--port", "0", "--rate", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    app: subprocess.Popen[bytes] | None = None
    try:
        assert server.stdout is not None
        match = _READY.search(server.stdout.readline())
        if match is None:
            raise SystemExit("bench_idle: the demo server did not start")
        host, port, _app_id, key = match.groups()
        config = tmp / "config.toml"
        config.write_text(
            "[[account]]\n"
            'name = "idle"\n'
            f'key = "{key}"\n'
            f'host = "{host}"\n'
            f"port = {port}\n"
            "tls = false\n"
            'channels = ["tickets"]\n'
        )
        env = dict(os.environ)
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            env[name] = str(tmp / name.lower())
        platform = env.get("QT_QPA_PLATFORM") or ("xcb" if env.get("DISPLAY") else "offscreen")
        if platform == "offscreen":
            print("bench_idle: no display; Qt's offscreen platform is used", file=sys.stderr)
        env["QT_QPA_PLATFORM"] = platform
        log = tmp / "app.log"
        with log.open("wb") as stderr:
            app = subprocess.Popen(
                [python, "-m", "beacon", "-v", "--config", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
                cwd=ROOT,
            )
        _wait_for("-> connected", log, app, timeout=60)
        print(f"bench_idle: connected; settling for {settle:.0f} s", file=sys.stderr)
        time.sleep(settle)
        print(f"bench_idle: measuring for {seconds:.0f} s", file=sys.stderr)
        before, cpu_before, start = _threads(app.pid), _cpu_seconds(app.pid), time.monotonic()
        time.sleep(seconds)
        after, cpu_after = _threads(app.pid), _cpu_seconds(app.pid)
        elapsed = time.monotonic() - start
        rss = _rss_mb(app.pid)
        per_thread = {
            name: (count - before.get(name, 0)) / elapsed
            for name, count in after.items()
            if count != before.get(name, 0)
        }
        if verbose:
            for name, rate in sorted(per_thread.items(), key=lambda kv: -kv[1]):
                print(f"bench_idle:   thread {name}: {rate:.2f} wakeups/s", file=sys.stderr)
        sent = time.monotonic()
        app.send_signal(signal.SIGTERM)
        status = app.wait(30)
        exit_s = time.monotonic() - sent
        return {
            "platform": platform,
            "seconds": elapsed,
            "threads": len(after),
            "wakeups": sum(after.values()) - sum(before.get(n, 0) for n in after),
            "wakeups_per_s": sum(per_thread.values()),
            "cpu_percent": 100 * (cpu_after - cpu_before) / elapsed,
            "rss_mb": rss,
            "exit_status": status,
            "exit_s": exit_s,
        }
    finally:
        for process in (app, server):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if server.stdout is not None:
            server.stdout.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    assert __doc__ is not None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured idle time")
    parser.add_argument(
        "--settle", type=float, default=12.0, help="idle time before measuring, after connect"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="wakeups per thread")
    args = parser.parse_args()
    result = measure(args.seconds, args.settle, args.verbose)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"Idle app, one connected account, {result['seconds']:.0f} s "
            f"({result['platform']}, {result['threads']} threads):"
        )
        print()
        print("| measurement | value | target |")
        print("|---|---|---|")
        print(
            f"| wakeups, whole process | {result['wakeups_per_s']:.2f}/s "
            f"({result['wakeups']} in {result['seconds']:.0f} s) | ≤ {WAKEUPS_TARGET:g}/s |"
        )
        # /proc counts CPU time in clock ticks (10 ms): below one, say so rather than 0.
        tick = 100 / os.sysconf("SC_CLK_TCK") / result["seconds"]
        cpu = (
            f"{result['cpu_percent']:.3f} %"
            if result["cpu_percent"] > 0
            else f"< {tick:.3f} % (under one clock tick)"
        )
        print(f"| CPU | {cpu} of a core | < {CPU_TARGET:g} % |")
        print(f"| RSS | {result['rss_mb']:.0f} MB | |")
        print(
            f"| SIGTERM to exit | {result['exit_s'] * 1000:.0f} ms, status "
            f"{result['exit_status']} | < {EXIT_TARGET_S * 1000:.0f} ms, status 0 |"
        )
    ok = (
        result["wakeups_per_s"] <= WAKEUPS_TARGET
        and result["cpu_percent"] < CPU_TARGET
        and result["exit_status"] == 0
        and result["exit_s"] < EXIT_TARGET_S
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
