"""The engine's fast ``ReceivedEvent`` constructor makes exactly the documented object."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from beacon.connect.events import ReceivedEvent, received_event


def test_fast_constructor_equals_the_dataclass() -> None:
    when = datetime(2026, 11, 27, tzinfo=UTC)
    args = ("acct", "tickets", "ticket.created", {"id": 1}, "u1", when, '{"id":1}')
    fast = received_event(*args)
    slow = ReceivedEvent(*args)
    assert fast == slow
    assert dataclasses.astuple(fast) == args
    assert type(fast) is ReceivedEvent
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.channel = "other"  # type: ignore[misc]
