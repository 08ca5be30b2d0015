"""What every benchmark peer shares: arguments, the stdout protocol, the recording and the
result dump.

A peer subscribes to one channel and speaks to the harness on stdout with single lines:
``READY`` once subscribed, ``WARM`` on the warm-up event (``i`` < 0), ``DONE`` once it
has ``--count`` burst events. On SIGTERM it writes what it recorded to ``--out`` and
exits. Recording is three list appends per event; nothing is parsed or printed per
event, so that the measurement costs the peer as little as possible.

A peer is one ``read(args, take)`` coroutine: it connects with its client library, says
``READY`` when subscribed, and hands each event's decoded data to ``take``. ``main(read)``
does the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Take = Callable[[Any], None]
Reader = Callable[[argparse.Namespace, Take], Awaitable[None]]


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

    def __init__(self, count: int) -> None:
        self.count = count
        self.received: list[float] = []
        self.sent: list[float] = []
        self.seq: list[int] = []

    def taker(self) -> Take:
        """The per-event callback: ``data`` is the publisher's ``{"i": seq, "t": time}``.

        A closure over local names rather than a method, so that every peer pays the same
        few instructions per event and no attribute look-ups.
        """
        received, sent, seq = self.received, self.sent, self.seq
        now = time.time
        count = self.count

        def take(data: Any) -> None:
            if data["i"] < 0:
                say("WARM")
                return
            received.append(now())
            sent.append(data["t"])
            seq.append(data["i"])
            if len(seq) == count:
                say("DONE")

        return take

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps({"received": self.received, "sent": self.sent, "seq": self.seq}))


async def run_until_terminated(read: Reader, args: argparse.Namespace) -> None:
    """Run the reader until SIGTERM (or until it ends), then dump the record."""
    record = Record(args.count)
    reader = asyncio.create_task(read(args, record.taker()))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (reader, stopper):
        task.cancel()
    await asyncio.gather(reader, stopper, return_exceptions=True)
    record.dump(args.out)


def main(read: Reader, description: str) -> None:
    """A peer's entry point: parse the arguments, read until SIGTERM, dump the record."""
    asyncio.run(run_until_terminated(read, parse_args(description)))
