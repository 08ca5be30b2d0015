"""``beacon demo-server [--port P] [--rate R]``: only the embedded demo server.

When the server listens, one line goes to stdout (scripts and tests read the port from it):

    beacon demo server listening on ws://127.0.0.1:P (app_id 1, key demo-key)

SIGINT or SIGTERM stops it gracefully, as Soketi does: each client gets close code 4200
("reconnect shortly"), then the command exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from beacon.demo import DemoServer


def run(args: argparse.Namespace) -> int:
    # Logging (-v, -vv) is set up by beacon.__main__ for every command.
    return asyncio.run(serve(port=args.port, rate=args.rate))


async def serve(*, port: int, rate: float) -> int:
    """Run until SIGINT or SIGTERM; the exit status is 0, or 1 when the port is taken."""
    server = DemoServer(port=port, ticket_rate=max(rate, 0.0))
    try:
        await server.start()
    except OSError as exc:
        print(f"beacon demo-server: cannot listen on port {port}: {exc}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    print(
        f"beacon demo server listening on {server.ws_url()} "
        f"(app_id {server.app_id}, key {server.key})",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await server.close()
    return 0
