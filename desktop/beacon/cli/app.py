"""``beacon`` (the app with the user's config) and ``beacon demo`` (a throwaway profile
connected to the embedded demo server)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from beacon.app import KeyringWhenUsable, NoSecrets, Profile, run_app
from beacon.config.model import (
    AccountSettings,
    Action,
    AuthSettings,
    Config,
    FeedSettings,
    NotificationSettings,
    Rule,
)

if TYPE_CHECKING:
    # Only `beacon demo` runs the server: imported there, the plain app starts without
    # it (measured: about a quarter of the startup path's import time).
    from beacon.demo import DemoServer

log = logging.getLogger("beacon.cli")

#: Generated ticket events per second in the demo: lively, but readable.
DEMO_RATE = 1.5
#: Events published at once when the demo connects, so the feed is never empty.
DEMO_BURST = 24
DEMO_CHANNELS = ("tickets", "private-agent-7", "presence-support")
DEMO_ITEM_PRESENCE = "presence-ticket-{id}"

Teardown = Callable[[], Awaitable[None]]


def run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return run_demo()
    if args.command == "settings":
        return run_user(args.config, command="settings")
    return run_user(args.config)


# -- beacon -----------------------------------------------------------------------------------


def _secret_source() -> Any:
    """The OS keyring, or an empty source when there is none (accounts that need a
    secret then show "needs login"; the window still starts)."""
    # Only the keyring, never $CREDENTIALS_DIRECTORY as `beacon listen` and `check` read
    # it (credentials/systemd.py): the tray app runs in a desktop session, where the
    # keyring is open, and its settings window and `beacon login` change secrets only
    # there; a credential would silently win over what the user just saved, with no way
    # to change it from the app. Credentials are for a headless unit, which has no window.
    try:
        credentials = importlib.import_module("beacon.credentials")
        # No timeout: the app waits for the user at an unlock prompt, visibly and with a
        # Cancel, each read in a daemon thread (services.keyring_wait); commands keep theirs.
        return credentials.Keyring(timeout=None)
    except Exception as exc:  # no keyring backend, locked keyring, not built yet
        log.warning("no keyring available: %s", exc)
        # Not an empty source: each read says why there is no secret (and tries again),
        # so the window and the tray tell the user what to do rather than "needs login".
        return KeyringWhenUsable(
            lambda: importlib.import_module("beacon.credentials").Keyring(timeout=None)
        )


def run_user(config_path: Path | None, command: str = "show") -> int:
    """The app on the user's profile. When it already runs there, ``command`` ("show",
    or "settings" for ``beacon settings``) goes to the running one and this exits 0."""
    from beacon.config import ConfigError, data_dir, default_config_path, load_config

    async def setup() -> tuple[Config, str | None, Any, Teardown]:
        try:
            config = load_config(config_path)
            error = None
        except ConfigError as exc:
            # DESIGN.md: a bad config is shown in the window, and the app still starts.
            # The path is kept so that the fixed file is picked up without a restart.
            config = Config(path=config_path or default_config_path())
            error = str(exc)
            log.error("%s", error)
        return config, error, _secret_source(), _nothing

    return run_app(Profile(data_dir()), setup, command=command)


async def _nothing() -> None:
    return None


# -- beacon demo ------------------------------------------------------------------------------


def demo_actions(server: DemoServer | None) -> tuple[tuple[Action, ...], tuple[Action, ...]]:
    """(Claim and Resolve, Resolve only): buttons that post to the demo server's ticket
    API, which publishes the ``ticket.assigned`` or ``ticket.resolved`` that follows."""
    if server is None:
        return (), ()
    base = f"{server.http_url()}/api/tickets/{{id}}"
    claim = Action(label="Claim", post=f"{base}/claim")
    resolve = Action(label="Resolve", post=f"{base}/resolve")
    return (claim, resolve), (resolve,)


def demo_rules(server: DemoServer | None = None) -> tuple[Rule, ...]:
    """Rules that turn the generated ticket events into readable feed rows; with
    ``server``, new and escalated tickets get Claim and Resolve buttons, and the demo
    user's own tickets a Resolve button."""
    common: dict[str, Any] = {"url": "{url}", "priority": "{priority}"}
    claim_resolve, resolve_only = demo_actions(server)
    return (
        Rule(
            channel="private-agent-7",
            event="ticket.*",
            title="For you: {subject}",
            body="{preview}",
            actions=resolve_only,
            **common,
        ),
        Rule(
            channel="tickets",
            event="ticket.created",
            title="New ticket: {subject}",
            body="{requester.name}: {preview}",
            actions=claim_resolve,
            **common,
        ),
        Rule(
            channel="tickets",
            event="ticket.assigned",
            title="{subject}",
            body="{preview}",
            notify="feed",
            **common,
        ),
        Rule(
            channel="tickets",
            event="ticket.commented",
            title="{author} on “{subject}”",
            body="{preview}",
            notify="feed",
            **common,
        ),
        Rule(
            channel="tickets",
            event="ticket.escalated",
            title="Escalated to {priority}: {subject}",
            body="{preview}",
            actions=claim_resolve,
            **common,
        ),
        Rule(
            channel="tickets",
            event="ticket.resolved",
            title="Resolved: {subject}",
            body="{preview}",
            notify="feed",
            url="{url}",
            priority="low",
        ),
    )


def demo_config(server: DemoServer, *, account: str = "demo") -> Config:
    """An in-memory config with one account on ``server`` (auth by its own endpoint)."""
    return Config(
        path=None,
        accounts=(
            AccountSettings(
                name=account,
                key=server.key,
                channels=DEMO_CHANNELS,
                host=server.host,
                port=server.port,
                tls=False,
                auth=AuthSettings(mode="endpoint", endpoint=server.auth_endpoint()),
                # The demo's agents have the tickets they work on open: "Also viewing".
                item_presence=DEMO_ITEM_PRESENCE,
            ),
        ),
        rules=demo_rules(server),
        notifications=NotificationSettings(keywords=("outage", "fire")),
        feed=FeedSettings(),
    )


async def publish_burst(server: DemoServer, count: int = DEMO_BURST, seed: int = 7) -> None:
    """Once someone listens, publish ``count`` generated events at once."""
    from beacon.demo.tickets import TicketGenerator

    # Both channels: an event published before its channel's subscription is lost.
    for channel in ("tickets", "private-agent-7"):
        await server.wait_for_subscribers(channel, timeout=30)
    # Ticket ids far from the live generator's, so the two never look like duplicates.
    generator = TicketGenerator(seed=seed, first_id=7001)
    for _ in range(count):
        event = generator.next_event()
        server.publish(event.channel, event.event, event.data)
        server.agent_views(event.data, resolved=event.event == "ticket.resolved")


def run_demo() -> int:
    with tempfile.TemporaryDirectory(prefix="beacon-demo-") as tmp:
        root = Path(tmp)
        # A throwaway profile: everything that follows XDG lands in the temp dir.
        for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            path = root / variable.lower()
            path.mkdir()
            os.environ[variable] = str(path)
        from beacon.demo import DemoServer

        server = DemoServer(port=0, ticket_rate=DEMO_RATE)
        tasks: list[asyncio.Task[None]] = []

        async def teardown() -> None:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.gather(*tasks)
            await server.close()

        async def setup() -> tuple[Config, str | None, Any, Teardown]:
            await server.start()
            tasks.append(asyncio.get_running_loop().create_task(publish_burst(server)))
            return demo_config(server), None, NoSecrets(), teardown

        return run_app(Profile(root / "xdg_data_home" / "beacon"), setup)
