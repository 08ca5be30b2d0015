"""Beacon's engine alone (``beacon.connect.Engine``), without ``beacon listen``'s output.

Set beside ``beacon listen`` in the benchmark, it splits Beacon's cost into the engine's
share and the command line's (formatting and writing one JSON line per event).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _peer import Record, parse_args, run_until_terminated, say

from beacon.config.model import AccountSettings
from beacon.connect.engine import Engine
from beacon.connect.events import AccountStatus, ReceivedEvent
from beacon.connect.secrets import StaticSecrets


async def read(args: argparse.Namespace, record: Record) -> None:
    received, sent, seq = record.received, record.sent, record.seq
    now = time.time
    count = args.count

    def on_event(event: ReceivedEvent) -> None:
        data = event.data
        if data["i"] < 0:
            say("WARM")
            return
        received.append(now())
        sent.append(data["t"])
        seq.append(data["i"])
        if len(seq) == count:
            say("DONE")

    def on_status(status: AccountStatus) -> None:
        if status.state.value == "connected":
            say("READY")

    account = AccountSettings(
        name="bench",
        key=args.key,
        host=args.host,
        port=args.port,
        tls=False,
        channels=(args.channel,),
    )
    engine = Engine([account], StaticSecrets(), on_event, on_status)
    await engine.start()
    try:
        await asyncio.Event().wait()
    finally:
        await engine.close()


async def main() -> None:
    args = parse_args(__doc__ or "")
    record = Record()
    reader = asyncio.create_task(read(args, record))
    await run_until_terminated(reader, record, args.out)


if __name__ == "__main__":
    asyncio.run(main())
