"""Decoding and encoding Pusher protocol 7 text frames.

A frame is a JSON object ``{"event": ..., "channel": ..., "data": ..., "user_id": ...}``.
``data`` is usually a JSON *string* holding more JSON, so it is decoded twice; servers
also send it as an object, and some events carry plain text. The decoder keeps the data
exactly as received in ``raw_data`` so that nothing is lost when the text is not JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from beacon.pusher.errors import ProtocolError

__all__ = ["Frame", "decode", "decode_data", "encode", "loads", "parse"]


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are Python's extension, not JSON: passed on, they would make the
    # JSON lines of `beacon listen` unreadable to strict parsers. Such data stays text.
    raise ValueError(f"{name} is not JSON")


_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_decoder = json.JSONDecoder(parse_constant=_reject_constant)
_scan_once = _decoder.scan_once  # type: ignore[attr-defined]


def _json_loads(text: str | bytes) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


_JSON_SPACE = " \t\n\r"
# How a text that may be JSON starts: only those are parsed, a cheap test that saves an
# exception for the common "plain message" case.
_JSON_START = '{["-0123456789tfnNI'


def loads(text: str | bytes) -> Any:
    """``json.loads`` for one frame, minus its Python-level wrapper.

    ``json.loads`` spends about as long in its Python wrapper (two regex matches for
    whitespace, the decoder object's ``decode``) as the C scanner spends parsing a
    ticket-sized payload; this calls the scanner directly and falls back to ``json.loads``
    for every unusual case (bytes, leading whitespace, errors), so the results and the
    exceptions are exactly those of ``json.loads`` (which here refuses NaN and Infinity).
    """
    if type(text) is not str:
        return _json_loads(text)
    try:
        value, end = _scan_once(text, 0)
    except StopIteration:
        return _json_loads(text)  # leading whitespace or not JSON: let json say which
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        return _json_loads(text)  # extra data: raises the usual error
    return value


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded protocol message."""

    event: str
    channel: str | None
    data: Any  # decoded JSON value, the raw string when it is not JSON, or None
    raw_data: str | None  # the data as text, exactly as received (None: no data field)
    user_id: str | None = None


def decode_data(value: Any) -> tuple[Any, str | None]:
    """Decode a frame's ``data`` field: returns ``(value, raw text)``.

    A string is parsed as JSON when it is JSON and kept as the string when it is not.
    Anything else is already decoded; its raw text is its compact JSON form.
    """
    if type(value) is str:
        if value and value[0] in _JSON_START:
            try:
                return loads(value), value
            except (ValueError, RecursionError):  # JSONDecodeError, or an over-long integer
                pass
        return value, value
    if value is None:
        return None, None
    return value, _compact(value)


def parse(text: str | bytes) -> tuple[str, str | None, Any, str | None, str | None]:
    """``decode`` without the ``Frame``: ``(event, channel, data, raw_data, user_id)``.

    The connection calls this once per frame, so it builds no object it does not need.
    Raises ``ProtocolError`` and nothing else on bad input.
    """
    # loads() and decode_data() are inlined here (two Python calls less per frame); the
    # results and exceptions are theirs.
    try:
        if type(text) is str:
            try:
                message, end = _scan_once(text, 0)
            except StopIteration:
                message = _json_loads(text)
            else:
                if end != len(text) and text[end:].strip(_JSON_SPACE):
                    message = _json_loads(text)
        else:
            message = _json_loads(text)
    except (ValueError, RecursionError, TypeError) as exc:
        raise ProtocolError(f"frame is not JSON: {exc}") from None
    if type(message) is not dict:
        raise ProtocolError(f"frame is a JSON {type(message).__name__}, not an object")
    event = message.get("event")
    if type(event) is not str or not event:
        raise ProtocolError("frame has no event name")
    channel = message.get("channel")
    if channel is not None and type(channel) is not str:
        raise ProtocolError("frame's channel is not a string")
    user_id = message.get("user_id")
    if user_id is not None and type(user_id) is not str:
        # Some servers send numeric user ids; the protocol's ids are strings.
        user_id = str(user_id) if type(user_id) is int else None
    value = message.get("data")
    if type(value) is str:
        data: Any = value
        if value and value[0] in _JSON_START:
            try:
                try:
                    data, end = _scan_once(value, 0)
                except StopIteration:
                    data = _json_loads(value)
                else:
                    if end != len(value) and value[end:].strip(_JSON_SPACE):
                        data = _json_loads(value)
            except (ValueError, RecursionError):  # JSONDecodeError, or an over-long integer
                data = value
        return event, channel, data, value, user_id
    try:
        data, raw = decode_data(value)
    except (ValueError, TypeError, RecursionError) as exc:  # only from re-encoding odd values
        raise ProtocolError(f"frame data cannot be represented: {exc}") from None
    return event, channel, data, raw, user_id


def decode(text: str | bytes) -> Frame:
    """Parse one text frame. Raises ``ProtocolError`` and nothing else on bad input."""
    return Frame(*parse(text))


def encode(event: str, data: Any = None, channel: str | None = None) -> str:
    """Serialize an outgoing frame. ``data`` is sent as a JSON value, as pusher-js does."""
    message: dict[str, Any] = {"event": event}
    if data is not None:
        message["data"] = data
    if channel is not None:
        message["channel"] = channel
    return _compact(message)
