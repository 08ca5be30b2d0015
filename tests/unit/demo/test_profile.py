"""The demo profile's rules turn generated ticket events into sensible feed items."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from beacon.demo import DemoServer
from beacon.demo.profile import DEMO_CHANNELS, demo_config
from beacon.demo.tickets import AGENT_CHANNEL, TicketGenerator
from beacon.feed.item import Priority
from beacon.feed.mapper import FeedMapper

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 27, 21, 4, 5, tzinfo=UTC)


def test_account_points_at_the_server_and_needs_no_secret() -> None:
    config = demo_config(DemoServer(port=6123))
    (account,) = config.accounts
    assert account.url("1.0").startswith("ws://127.0.0.1:6123/app/demo-key?protocol=7")
    assert account.channels == DEMO_CHANNELS
    assert account.auth is not None
    assert account.auth.endpoint == "http://127.0.0.1:6123/pusher/auth"
    assert not account.auth.needs_secret


def test_rules_shape_every_generated_event() -> None:
    config = demo_config(DemoServer(port=6123))
    mapper = FeedMapper(config.rules, config.notifications.keywords)
    generator = TicketGenerator(5, clock=lambda: NOW)
    for _ in range(500):
        event = generator.next_event()
        raw = json.dumps(event.data)
        item = mapper.map("demo", event.channel, event.event, event.data, raw, None, NOW)
        assert item is not None, "no demo event is muted"
        data = event.data
        assert data["subject"] in item.title
        assert item.body == f"{data['requester']['name']}: {data['preview']}"
        assert item.url == data["url"]
        if event.channel == AGENT_CHANNEL or event.event == "ticket.escalated":
            assert item.notify == "popup"
            assert item.priority >= Priority.HIGH
        elif not item.keyword_hit:
            assert item.notify == "feed"
