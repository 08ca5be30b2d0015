"""Building the running app (engine service + feed window) against a demo server, for the
gui tests and the UI benchmark (owned by the UI helper)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from beacon.app import BeaconApp, NoSecrets
from beacon.cli.app import demo_config
from beacon.config.model import FeedSettings
from beacon.demo import DemoServer
from beacon.store.history import History

_ids = itertools.count(50_000)


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the loop (and so Qt) run until ``predicate()`` holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)


def ticket(subject: str | None = None, **extra: Any) -> dict[str, Any]:
    """Event data for one ticket event, with an id never used before (no dedupe)."""
    n = next(_ids)
    data: dict[str, Any] = {
        "id": n,
        "subject": subject or f"Ticket {n}",
        "requester": {"name": "Dana Whitfield"},
        "priority": "normal",
        "preview": f"Message of ticket {n}",
        "url": f"https://helpdesk.example.invalid/tickets/{n}",
    }
    data.update(extra)
    return data


async def start_feed_app(
    server: DemoServer,
    data_dir: Path,
    *,
    feed: FeedSettings | None = None,
) -> BeaconApp:
    """The app on ``server`` with a fresh history in ``data_dir``, connected and subscribed."""
    config = demo_config(server)
    if feed is not None:
        config = replace(config, feed=feed)
    history = History(data_dir / "history.sqlite3")
    app = BeaconApp(config, history, NoSecrets())
    await app.start()
    for channel in ("tickets", "private-agent-7"):
        await server.wait_for_subscribers(channel, timeout=15)
    return app


async def stop_feed_app(app: BeaconApp) -> None:
    await app.close()
    app.window.close()
    app.window.deleteLater()
    app.history.close()
