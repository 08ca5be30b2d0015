"""A reference Python client: asyncpusher 0.2.5 (aiohttp), one bound event handler."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from _peer import Take, main, say
from asyncpusher.pusher import Pusher


async def read(args: argparse.Namespace, take: Take) -> None:
    async def on_event(data: Any) -> None:
        take(data)

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


if __name__ == "__main__":
    main(read, __doc__ or "")
