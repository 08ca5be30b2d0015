"""Find and run the benchmark scripts (``bench_<name>.py``) for ``tests/benchmarks/run``.

They are scripts, not pytest tests: the suite never collects this directory. Each one
prints a markdown table on stdout that can be pasted into the README.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def available() -> dict[str, Path]:
    return {path.stem.removeprefix("bench_"): path for path in sorted(HERE.glob("bench_*.py"))}


def main(argv: list[str]) -> int:
    benches = available()
    names: list[str] = []
    while argv and not argv[0].startswith("-"):
        names.append(argv.pop(0))
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if any(a in ("-h", "--help") for a in argv) and not names:
        print(__doc__)
        print("usage: tests/benchmarks/run [NAME ...] [ARGS for each script]")
        print("benchmarks:", ", ".join(benches) or "none")
        return 0
    unknown = [n for n in names if n not in benches]
    if unknown:
        print(
            f"unknown benchmark {', '.join(unknown)}; there are: {', '.join(benches)}",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in names or list(benches):
        print(f"==> {name}", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, str(benches[name]), *argv], cwd=ROOT, check=False)
        if result.returncode != 0:
            print(f"==> {name} failed with status {result.returncode}", file=sys.stderr)
            status = 1
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
