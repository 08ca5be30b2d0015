"""What every benchmark peer shares: arguments, the stdout protocol, and the result dump.

A peer subscribes to one channel and speaks to the harness on stdout with single lines:
``READY`` once subscribed, ``WARM`` on the warm-up event (``i`` < 0), ``DONE`` once it
has ``--count`` burst events. On SIGTERM it writes what it recorded to ``--out`` and
exits. Recording is three list appends per event; nothing is parsed or printed per
event, so that the measurement costs the peer as little as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--channel", required=True)
    parser.add_argument("--event", required=True, help="the event name to bind")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args()


def say(word: str) -> None:
    sys.stdout.write(word + "\n")
    sys.stdout.flush()


class Record:
    """Per-event receive times, publisher times and sequence numbers, kept as plain lists."""

    def __init__(self) -> None:
        self.received: list[float] = []
        self.sent: list[float] = []
        self.seq: list[int] = []

    def dump(self, path: Path) -> None:
        path.write_text(
            json.dumps({"received": self.received, "sent": self.sent, "seq": self.seq})
        )


async def run_until_terminated(reader: asyncio.Task[None], record: Record, out: Path) -> None:
    """Wait for SIGTERM (or the reader ending), then dump the record."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (reader, stopper):
        task.cancel()
    await asyncio.gather(reader, stopper, return_exceptions=True)
    record.dump(out)
