"""The settings of ``beacon demo``: one account on the demo server, and rules for tickets.

The rules are written for the data of :mod:`beacon.demo.tickets`, so they live next to it:
agent 7's own tickets (``private-agent-7``) pop up, the team's tickets (``tickets``) fill
the feed, and escalations always pop up. The account authorizes through the demo server's
own ``/pusher/auth``, so it needs no secret and no keyring.
"""

from __future__ import annotations

from pathlib import Path

from beacon.config.model import (
    AccountSettings,
    AuthSettings,
    Config,
    NotificationSettings,
    NotifyMode,
    PriorityName,
    Rule,
)
from beacon.demo.server import DemoServer
from beacon.demo.tickets import AGENT_CHANNEL, PRESENCE_CHANNEL, PUBLIC_CHANNEL

DEMO_ACCOUNT = "demo"
DEMO_CHANNELS = (PUBLIC_CHANNEL, AGENT_CHANNEL, PRESENCE_CHANNEL)

_TITLE = "{subject}"
_BODY = "{requester.name}: {preview}"
_URL = "{url}"


def demo_account(server: DemoServer, name: str = DEMO_ACCOUNT) -> AccountSettings:
    """The account that connects to ``server`` (which must be started: its port is used)."""
    return AccountSettings(
        name=name,
        key=server.key,
        channels=DEMO_CHANNELS,
        host=server.host,
        port=server.port,
        tls=False,
        auth=AuthSettings(mode="endpoint", endpoint=server.auth_endpoint()),
    )


def demo_rules(account: str = DEMO_ACCOUNT) -> tuple[Rule, ...]:
    """First match wins: escalations, then my tickets, then the team's."""

    def rule(
        channel: str, event: str, notify: NotifyMode, priority: PriorityName, title: str = _TITLE
    ) -> Rule:
        return Rule(
            account=account,
            channel=channel,
            event=event,
            notify=notify,
            title=title,
            body=_BODY,
            url=_URL,
            priority=priority,
        )

    return (
        rule(AGENT_CHANNEL, "ticket.escalated", "popup", "urgent", "Escalated: {subject}"),
        rule(AGENT_CHANNEL, "ticket.assigned", "popup", "high", "Assigned to you: {subject}"),
        rule(AGENT_CHANNEL, "ticket.*", "popup", "high"),
        rule(PUBLIC_CHANNEL, "ticket.escalated", "popup", "high", "Escalated: {subject}"),
        rule(PUBLIC_CHANNEL, "ticket.created", "feed", "normal", "New: {subject}"),
        rule(PUBLIC_CHANNEL, "ticket.*", "feed", "low"),
    )


def demo_config(server: DemoServer, path: Path | None = None) -> Config:
    """The whole config of ``beacon demo`` for a started ``server``."""
    return Config(
        path=path,
        accounts=(demo_account(server),),
        rules=demo_rules(),
        notifications=NotificationSettings(keywords=("outage", "urgent")),
    )
