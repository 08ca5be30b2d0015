"""A reference Python client: asyncpusher 0.2.5 (aiohttp), one bound event handler."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from _peer import Record, parse_args, run_until_terminated, say
from asyncpusher.pusher import Pusher


async def read(args: Any, record: Record) -> None:
    received, sent, seq = record.received, record.sent, record.seq
    now = time.time
    count = args.count

    async def on_event(data: Any) -> None:
        if data["i"] < 0:
            say("WARM")
            return
        received.append(now())
        sent.append(data["t"])
        seq.append(data["i"])
        if len(seq) == count:
            say("DONE")

    async def on_subscribed(_data: Any) -> None:
        say("READY")

    pusher = Pusher(args.key, custom_host=args.host, custom_port=args.port, secure=False)
    await pusher.connect()
    channel = await pusher.subscribe(args.channel)
    channel.bind(args.event, on_event)
    channel.bind("pusher_internal:subscription_succeeded", on_subscribed)
    try:
        await asyncio.Event().wait()
    finally:
        await pusher.disconnect()


async def main() -> None:
    args = parse_args(__doc__ or "")
    record = Record()
    reader = asyncio.create_task(read(args, record))
    await run_until_terminated(reader, record, args.out)


if __name__ == "__main__":
    asyncio.run(main())
