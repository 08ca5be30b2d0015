"""The demo server's catch-up endpoint: what it published lately, for clients that were away.

DESIGN.md "Catch-up": ``GET /pusher/missed?since=T&channel=C...`` answers a JSON array of
objects shaped like ``beacon listen``'s lines (``channel``, ``event``, ``data``,
``received_at``), oldest first. The demo keeps the last ``capacity`` published events in a
ring buffer; older ones are simply gone, as they would be from any real backend's window.

Encrypted channels are left out (the demo would serve their plaintext to anyone), and
so are ``#server-to-user-`` channels (they belong to one signed-in user).
"""

from __future__ import annotations

import json
from collections import deque
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from beacon.demo.http import HttpError

__all__ = ["CATCHUP_PATH", "MissedLog"]

CATCHUP_PATH = "/pusher/missed"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class MissedLog:
    """A ring buffer of recently published events, and the endpoint that serves them."""

    def __init__(self, capacity: int = 5000) -> None:
        self._events: deque[tuple[datetime, str, str, str]] = deque(maxlen=capacity)
        self.requests = 0  # answered requests, for tests

    def record(self, channel: str, event: str, text: str) -> None:
        """One published event; ``text`` is its data as sent on the wire."""
        if channel.startswith(("private-encrypted-", "#")):
            return
        self._events.append((datetime.now(UTC), channel, event, text))

    def answer(self, target: str) -> list[dict[str, Any]]:
        """The endpoint's answer to a request for ``target`` (path and query)."""
        pairs = parse_qsl(urlsplit(target).query, keep_blank_values=True)
        since_text = next((v for k, v in pairs if k == "since"), None)
        channels = {v for k, v in pairs if k == "channel"}
        if since_text is None:
            raise HttpError(HTTPStatus.BAD_REQUEST, "since is required")
        try:
            since = datetime.fromisoformat(since_text)
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "since is not an ISO time") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        self.requests += 1
        return [
            {"channel": channel, "event": event, "data": _decoded(text), "received_at": _iso(at)}
            for at, channel, event, text in self._events
            if at >= since and (not channels or channel in channels)
        ]


def _decoded(text: str) -> Any:
    # As listen prints it: the JSON value where the data is JSON, else the string itself.
    try:
        return json.loads(text)
    except ValueError:
        return text
