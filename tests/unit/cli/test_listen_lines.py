"""The JSON line ``beacon listen`` prints for each event (DESIGN.md "Command line")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from beacon.cli.listen import json_line
from beacon.connect import ReceivedEvent
from beacon.pusher.frames import decode_data
from support import strategies

WHEN = datetime(2026, 11, 27, 21, 4, 5, 123456, tzinfo=UTC)


def event(raw: Any, when: datetime = WHEN, user_id: str | None = None) -> ReceivedEvent:
    data, text = decode_data(raw)
    return ReceivedEvent("support", "tickets", "ticket.created", data, user_id, when, text or "")


def test_the_documented_shape() -> None:
    line = json_line(event('{"id": 42, "subject": "Printer on fire"}'))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == {
        "account": "support",
        "channel": "tickets",
        "event": "ticket.created",
        "data": {"id": 42, "subject": "Printer on fire"},
        "user_id": None,
        "received_at": "2026-11-27T21:04:05.123Z",
    }


def test_non_json_data_is_a_string() -> None:
    assert json.loads(json_line(event("printer on fire")))["data"] == "printer on fire"
    assert json.loads(json_line(event("{broken")))["data"] == "{broken"


def test_data_sent_as_an_object() -> None:
    assert json.loads(json_line(event({"a": [1, 2]})))["data"] == {"a": [1, 2]}


def test_multi_line_json_data_stays_on_one_line() -> None:
    line = json_line(event('{\n  "a": 1\n}'))
    assert line.count(b"\n") == 1
    assert json.loads(line)["data"] == {"a": 1}


def test_user_id_and_unicode() -> None:
    item = json.loads(json_line(event('"Zoë 🚀"', user_id="agent-7")))
    assert item["data"] == "Zoë 🚀" and item["user_id"] == "agent-7"


def test_timestamps_across_seconds_and_days() -> None:
    for delta in (timedelta(0), timedelta(seconds=1), timedelta(days=31), timedelta(days=-1)):
        when = WHEN + delta
        stamp = json.loads(json_line(event("1", when)))["received_at"]
        assert stamp == when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def test_events_of_one_read_share_a_stamp_and_the_next_read_gets_its_own() -> None:
    later = WHEN + timedelta(milliseconds=1)  # same second, another read
    stamps = [
        json.loads(json_line(event("1", when)))["received_at"]
        for when in (WHEN, WHEN, later, later, WHEN)
    ]
    assert stamps == ["2026-11-27T21:04:05.123Z"] * 2 + ["2026-11-27T21:04:05.124Z"] * 2 + [
        "2026-11-27T21:04:05.123Z"
    ]


json_values = strategies.json_values(max_leaves=10)


@given(json_values, st.sampled_from([None, {"indent": 2}, {"separators": (", ", ": ")}]))
def test_any_json_data_round_trips(value: Any, style: dict[str, Any] | None) -> None:
    raw = json.dumps(value, **(style or {}))
    line = json_line(event(raw))
    assert line.count(b"\n") == 1
    assert json.loads(line)["data"] == value


@given(st.text())
def test_any_text_data_gives_one_valid_line(text: str) -> None:
    line = json_line(event(text))
    assert line.count(b"\n") == 1
    item = json.loads(line)
    expected, _ = decode_data(text)
    assert item["data"] == expected
