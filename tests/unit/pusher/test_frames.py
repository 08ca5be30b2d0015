"""Frames: text in, frames out; the one documented error for anything malformed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beacon.pusher import Frame, ProtocolError, decode, encode
from beacon.pusher.frames import decode_data, loads
from support import strategies


def test_data_as_json_string_is_decoded_twice() -> None:
    frame = decode('{"event":"ticket.created","channel":"tickets","data":"{\\"id\\":42}"}')
    assert frame == Frame("ticket.created", "tickets", {"id": 42}, '{"id":42}', None)


def test_data_as_object_is_accepted_and_raw_text_kept() -> None:
    frame = decode('{"event":"e","channel":"c","data":{"id": 42, "s": "\u00e9"}}')
    assert frame.data == {"id": 42, "s": "é"}
    assert json.loads(frame.raw_data or "") == {"id": 42, "s": "é"}


def test_plain_text_data_stays_a_string() -> None:
    frame = decode('{"event":"e","channel":"c","data":"printer on fire"}')
    assert frame.data == "printer on fire"
    assert frame.raw_data == "printer on fire"


def test_text_that_looks_like_json_but_is_not_stays_a_string() -> None:
    frame = decode('{"event":"e","channel":"c","data":"{not json"}')
    assert frame.data == "{not json"


def test_json_scalars_in_data_are_decoded() -> None:
    assert decode('{"event":"e","data":"42"}').data == 42
    assert decode('{"event":"e","data":"null"}').data is None
    assert decode('{"event":"e","data":"\\"quoted\\""}').data == "quoted"


def test_missing_data_and_channel() -> None:
    assert decode('{"event":"pusher:pong"}') == Frame("pusher:pong", None, None, None, None)


def test_user_id_kept_and_numbers_become_strings() -> None:
    assert decode('{"event":"client-x","channel":"presence-a","user_id":"u1"}').user_id == "u1"
    assert decode('{"event":"client-x","channel":"presence-a","user_id":7}').user_id == "7"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[1, 2]",
        '"a string"',
        "{}",
        '{"event": 5}',
        '{"event": ""}',
        '{"event": "e", "channel": 5}',
        '{"event": "e", "channel": ["c"]}',
        "[" * 100_000,
    ],
)
def test_malformed_frames_raise_protocol_error(text: str) -> None:
    with pytest.raises(ProtocolError):
        decode(text)


def test_encode_is_compact_json() -> None:
    text = encode("pusher:subscribe", {"channel": "tickets"})
    assert text == '{"event":"pusher:subscribe","data":{"channel":"tickets"}}'
    assert json.loads(encode("client-x", {"a": 1}, "private-a")) == {
        "event": "client-x",
        "data": {"a": 1},
        "channel": "private-a",
    }


def test_encode_then_decode_round_trips() -> None:
    frame = decode(encode("e", {"k": [1, "two", None]}, "c"))
    assert (frame.event, frame.channel, frame.data) == ("e", "c", {"k": [1, "two", None]})


json_values = strategies.json_values(max_leaves=12)


def _decode_or_error(text: str) -> Frame | None:
    try:
        frame = decode(text)
    except ProtocolError:
        return None
    assert isinstance(frame, Frame)
    return frame


@given(st.text())
def test_any_text_gives_a_frame_or_protocol_error(text: str) -> None:
    _decode_or_error(text)


@given(
    st.dictionaries(st.sampled_from(["event", "channel", "data", "user_id", "other"]), json_values)
)
def test_any_json_object_gives_a_frame_or_protocol_error(message: dict[str, object]) -> None:
    frame = _decode_or_error(json.dumps(message))
    if frame is not None:
        assert frame.event == message["event"]


@given(st.text(), json_values)
def test_any_string_data_is_kept_as_raw_text(event: str, data: object) -> None:
    text = json.dumps({"event": event or "e", "channel": "c", "data": json.dumps(data)})
    frame = decode(text)
    assert frame.raw_data == json.dumps(data)
    assert frame.data == data


def _loads_outcome(fn: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", fn(text)
    except ValueError as exc:
        return "error", type(exc)
    except RecursionError:
        return "error", RecursionError


@given(
    st.one_of(
        st.text(),
        json_values.map(json.dumps),
        json_values.map(lambda v: f" {json.dumps(v)}\n"),
        json_values.map(lambda v: f"{json.dumps(v)} x"),
    )
)
def test_fast_loads_agrees_with_json_loads(text: str) -> None:
    assert _loads_outcome(loads, text) == _loads_outcome(_strict_json_loads, text)


def _strict_json_loads(text: str) -> Any:
    """``json.loads`` held to JSON itself: no NaN or Infinity."""

    def reject(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text, parse_constant=reject)


@pytest.mark.parametrize("text", ["NaN", "-Infinity", "Infinity", '{"a": NaN}', "[1, Infinity]"])
def test_non_json_constants_stay_text(text: str) -> None:
    """Python's json reads NaN and Infinity; JSON has neither, so the data stays a string."""
    assert decode_data(text) == (text, text)
