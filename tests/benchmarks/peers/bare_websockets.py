"""The floor for a Python client: a bare ``websockets`` reader, two ``json.loads`` per frame.

It speaks just enough Pusher protocol to subscribe and answer pings, and does nothing
with an event but record it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from _peer import Record, parse_args, run_until_terminated, say
from websockets.asyncio.client import connect


async def read(args: argparse.Namespace, record: Record) -> None:
    channel, count = args.channel, args.count
    url = f"ws://{args.host}:{args.port}/app/{args.key}?protocol=7&client=bench-bare&version=1"
    received, sent, seq = record.received, record.sent, record.seq
    now = time.time
    loads = json.loads
    async with connect(url, max_size=None, compression=None) as ws:
        async for message in ws:
            frame = loads(message)
            event = frame["event"]
            if event.startswith("pusher"):
                if event == "pusher:connection_established":
                    sub = {"event": "pusher:subscribe", "data": {"channel": channel}}
                    await ws.send(json.dumps(sub))
                elif event == "pusher_internal:subscription_succeeded":
                    say("READY")
                elif event == "pusher:ping":
                    await ws.send('{"event":"pusher:pong","data":{}}')
                continue
            data = loads(frame["data"])
            if data["i"] < 0:
                say("WARM")
                continue
            received.append(now())
            sent.append(data["t"])
            seq.append(data["i"])
            if len(seq) == count:
                say("DONE")


async def main() -> None:
    args = parse_args(__doc__ or "")
    record = Record()
    reader = asyncio.create_task(read(args, record))
    await run_until_terminated(reader, record, args.out)


if __name__ == "__main__":
    asyncio.run(main())
