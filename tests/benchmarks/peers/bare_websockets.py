"""The floor for a Python client: a bare ``websockets`` reader, two ``json.loads`` per frame.

It speaks just enough Pusher protocol to subscribe and answer pings, and does nothing
with an event but record it.
"""

from __future__ import annotations

import argparse
import json

from _peer import Take, main, say
from websockets.asyncio.client import connect


async def read(args: argparse.Namespace, take: Take) -> None:
    channel = args.channel
    url = f"ws://{args.host}:{args.port}/app/{args.key}?protocol=7&client=bench-bare&version=1"
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
            take(loads(frame["data"]))


if __name__ == "__main__":
    main(read, __doc__ or "")
