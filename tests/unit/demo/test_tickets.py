"""The ticket generator keeps a consistent helpdesk lifecycle, and is repeatable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import islice

import pytest

from beacon.demo.tickets import (
    AGENT_CHANNEL,
    EVENTS,
    MY_AGENT_ID,
    PRIORITIES,
    PUBLIC_CHANNEL,
    TicketEvent,
    TicketGenerator,
)

FIXED = datetime(2026, 11, 27, 21, 4, 5, tzinfo=UTC)


def _steps(seed: int, count: int) -> list[TicketEvent]:
    generator = TicketGenerator(seed, clock=lambda: FIXED)
    return [generator.next_event() for _ in range(count)]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lifecycle_is_consistent(seed: int) -> None:
    open_tickets: dict[int, dict[str, object]] = {}
    resolved: set[int] = set()
    last_id = 0
    for public in _steps(seed, 2000):
        assert public.channel in (PUBLIC_CHANNEL, AGENT_CHANNEL)
        data = public.data
        ticket_id = data["id"]
        assert isinstance(ticket_id, int)
        assert ticket_id not in resolved, "an event about a resolved ticket"
        if public.event == "ticket.created":
            assert ticket_id == last_id + 1 or last_id == 0, "ids grow one by one"
            assert data["agent"] is None
            last_id = ticket_id
            open_tickets[ticket_id] = data
            continue
        assert ticket_id in open_tickets, f"{public.event} about a ticket never created"
        before = open_tickets[ticket_id]
        assert data["subject"] == before["subject"]
        assert data["requester"] == before["requester"]
        if public.event == "ticket.assigned":
            assert before["agent"] is None and data["agent"] is not None
        elif public.event in ("ticket.commented", "ticket.resolved"):
            assert before["agent"] is not None and data["agent"] == before["agent"]
        elif public.event == "ticket.escalated":
            old, new = (
                PRIORITIES.index(str(before["priority"])),
                PRIORITIES.index(str(data["priority"])),
            )
            assert new == old + 1
            assert data["previous_priority"] == before["priority"]
        if public.event == "ticket.resolved":
            assert data["status"] == "resolved"
            resolved.add(ticket_id)
            del open_tickets[ticket_id]
        else:
            open_tickets[ticket_id] = data


def test_every_kind_of_event_and_priority_occurs() -> None:
    events = _steps(0, 500)
    assert {e.event for e in events} == set(EVENTS)
    assert {e.data["priority"] for e in events} == set(PRIORITIES)


def test_agent_7_tickets_go_to_the_private_channel_only() -> None:
    events = _steps(1, 1000)
    channels = {e.channel for e in events}
    assert channels == {PUBLIC_CHANNEL, AGENT_CHANNEL}
    for event in events:
        agent = event.data["agent"]
        mine = agent is not None and agent["id"] == MY_AGENT_ID
        assert event.channel == (AGENT_CHANNEL if mine else PUBLIC_CHANNEL)


def test_data_is_small_and_shaped_for_rule_templates() -> None:
    for event in _steps(2, 300):
        data = event.data
        assert len(json.dumps(data)) < 700
        assert data["url"] == f"https://helpdesk.example.invalid/tickets/{data['id']}"
        assert set(data["requester"]) == {"name", "email"}
        assert "@" in data["requester"]["email"]
        assert isinstance(data["preview"], str) and data["preview"]
        assert data["updated_at"] == "2026-11-27T21:04:05Z"


def test_same_seed_same_activity_and_other_seed_other_activity() -> None:
    assert _steps(7, 200) == _steps(7, 200)
    assert _steps(7, 200) != _steps(8, 200)


def test_open_tickets_stay_bounded() -> None:
    generator = TicketGenerator(3, max_open=10)
    for _ in islice(generator, 5000):
        assert len(generator.open) <= 10
