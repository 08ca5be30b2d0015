"""Soak: ``beacon listen`` under a steady stream for a long time (issue 8).

The embedded demo server publishes ``--rate`` events per second (default 50) for
``--minutes`` (default 30) into ``beacon listen``, a subprocess run as users run it.
Every ``--every`` seconds the listener's RSS, open file descriptors and threads are read
from ``/proc``. After ``--warmup`` seconds the targets are: RSS grows by less than
``--rss-limit`` MB (default 10), file descriptors and threads stay flat, and nothing is
lost or doubled. Prints a markdown table; exits 1 when a target is missed.

    tests/benchmarks/run soak                 30 minutes
    tests/benchmarks/run soak --minutes 5     a shorter run

A run of every benchmark (``tests/benchmarks/run`` without names) leaves the soak out:
it has to be named.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.soak import Sample, soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="tests/benchmarks/run soak", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds before measuring")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--rss-limit", type=float, default=10.0, help="MB of growth allowed")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every sample")
    args, _unknown = parser.parse_known_args()
    if os.environ.get("BEACON_BENCH_ALL") == "1":
        print("soak: left out of a run of every benchmark; run: tests/benchmarks/run soak",
              file=sys.stderr)  # fmt: skip
        return 0

    def progress(sample: Sample) -> None:
        if args.verbose:
            print(
                f"{sample.at:7.0f} s  RSS {sample.rss_kb / 1024:6.1f} MB  fds {sample.fds}  "
                f"threads {sample.threads}  received {sample.received}",
                file=sys.stderr, flush=True,
            )  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="beacon-soak-") as profile:
        result = asyncio.run(
            soak(args.minutes * 60, Path(profile), rate=args.rate, warmup=args.warmup,
                 every=args.every, progress=progress)
        )  # fmt: skip
    problems = result.problems(rss_limit_mb=args.rss_limit)
    print(f"Soak, {datetime.now(UTC):%Y-%m-%d}, {platform.node()} "
          f"(`tests/benchmarks/run soak --minutes {args.minutes:g}`):\n")  # fmt: skip
    print(result.table())
    print()
    print("targets met" if not problems else "targets missed: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
