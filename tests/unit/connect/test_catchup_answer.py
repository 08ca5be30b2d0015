"""Reading a catch-up endpoint's answer: listen-shaped entries in, events out, and one
identity for an event whether it came live or from catch-up (DESIGN.md "Catch-up")."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from beacon.connect.catchup import CatchupError, iso_time, parse_missed
from beacon.feed.mapper import event_id

NOW = datetime(2026, 11, 27, 21, 4, 5, 123456, tzinfo=UTC)


def test_entries_become_events_in_order() -> None:
    body = json.dumps(
        [
            {
                "channel": "tickets",
                "event": "a",
                "data": {"id": 1, "s": "é"},
                "received_at": "2026-11-27T20:00:00.500Z",
            },
            {"channel": "tickets", "event": "b", "data": "plain text", "user_id": "u1"},
        ]
    ).encode()
    first, second = parse_missed("acct", body, ["tickets"], now=NOW)
    assert (first.account, first.channel, first.event) == ("acct", "tickets", "a")
    assert first.data == {"id": 1, "s": "é"}
    assert first.raw_data == '{"id":1,"s":"é"}'
    assert first.received_at == datetime(2026, 11, 27, 20, 0, 0, 500000, tzinfo=UTC)
    assert second.data == second.raw_data == "plain text"
    assert second.user_id == "u1"
    assert second.received_at == NOW  # no received_at: when it arrived


@pytest.mark.expect_log_warnings(r"beacon\.connect: catch-up of acct: entry \d+ skipped: ")
def test_malformed_entries_are_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    good = {"channel": "tickets", "event": "ok", "data": {"id": 9}}
    body = json.dumps(
        [
            "not an object",
            {"channel": "tickets", "data": {}},
            {"channel": "", "event": "x", "data": {}},
            {"channel": "tickets", "event": "x"},
            {"channel": "elsewhere", "event": "x", "data": {}},
            {"channel": "tickets", "event": "x", "data": {}, "user_id": 7},
            {"channel": "tickets", "event": "x", "data": {}, "received_at": "yesterday"},
            good,
        ]
    ).encode()
    with caplog.at_level(logging.WARNING, logger="beacon.connect"):
        events = parse_missed("acct", body, ["tickets"])
    assert [e.event for e in events] == ["ok"]
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 7


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[{", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"events": []}', "not a JSON array"),
    ],
)
def test_an_unusable_answer_is_an_error(body: bytes, reason: str) -> None:
    with pytest.raises(CatchupError) as info:
        parse_missed("acct", body, ["tickets"])
    assert reason in info.value.reason
    assert info.value.retry


def test_one_identity_live_and_caught_up() -> None:
    """A publisher's JSON (Python's spaced separators, its key order) and the endpoint's
    re-encoding of the same data are one event to the history."""
    data = {"subject": "Printer", "id": 42, "nested": {"b": 1, "a": [1, 2]}}
    live_text = json.dumps(data)  # as the official pusher library sends it
    (caught,) = parse_missed(
        "acct",
        json.dumps([{"channel": "c", "event": "e", "data": json.loads(live_text)}]).encode(),
        ["c"],
    )
    assert caught.raw_data != live_text
    assert event_id(caught.data) == event_id(json.loads(live_text))
    assert event_id({**data, "subject": "Other"}) != event_id(data)


def test_iso_time_is_listens_form() -> None:
    assert iso_time(NOW) == "2026-11-27T21:04:05.123Z"
