"""Beacon's engine alone (``beacon.connect.Engine``), without ``beacon listen``'s output.

Set beside ``beacon listen`` in the benchmark, it splits Beacon's cost into the engine's
share and the command line's (formatting and writing one JSON line per event).
"""

from __future__ import annotations

import argparse
import asyncio

from _peer import Take, main, say

from beacon.config.model import AccountSettings
from beacon.connect.engine import Engine
from beacon.connect.events import AccountStatus, ReceivedEvent
from beacon.connect.secrets import StaticSecrets


async def read(args: argparse.Namespace, take: Take) -> None:
    def on_event(event: ReceivedEvent) -> None:
        take(event.data)

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


if __name__ == "__main__":
    main(read, __doc__ or "")
