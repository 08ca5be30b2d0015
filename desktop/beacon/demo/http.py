"""The little HTTP/1.1 that the demo server needs: a request head, a body, a response.

The demo server answers WebSocket upgrades and a handful of JSON endpoints on one port.
websockets' own servers refuse anything but GET, and the Pusher HTTP API is POST, so the
server reads requests itself with these helpers and hands upgrades to websockets' sans-I/O
protocol. Only what the ``pusher`` library, httpx, urllib and browsers send is supported:
``Content-Length`` bodies and keep-alive; no chunked uploads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_BODY = 1024 * 1024  # far above Pusher's own limits; a guard, not a policy


class HttpError(Exception):
    """A request that gets an error response: ``status`` and a message for the JSON body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class HttpRequest:
    """One parsed request head (and, once read, its body)."""

    method: str
    target: str  # path plus query, as sent
    version: str
    headers: dict[str, str]  # lower-cased names; a repeated header keeps its last value
    head: bytes  # the raw head, for websockets' sans-I/O handshake parser
    body: bytes = b""
    path: str = field(init=False)
    query: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.path = parts.path
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    @property
    def is_upgrade(self) -> bool:
        return "websocket" in self.headers.get("upgrade", "").lower()

    @property
    def content_length(self) -> int:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "chunked request bodies are not supported")
        text = self.headers.get("content-length", "0").strip() or "0"
        try:
            length = int(text)
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length") from None
        if length < 0:
            raise HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length")
        if length > MAX_BODY:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
        return length

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise HttpError(HTTPStatus.BAD_REQUEST, "the body is not JSON") from None

    def form(self) -> dict[str, str]:
        """Form fields (``application/x-www-form-urlencoded`` or JSON), query as fallback."""
        fields = dict(self.query)
        if "json" in self.headers.get("content-type", ""):
            value = self.json()
            if isinstance(value, dict):
                fields.update({str(k): str(v) for k, v in value.items()})
        else:
            try:
                text = self.body.decode()
            except UnicodeDecodeError:
                raise HttpError(HTTPStatus.BAD_REQUEST, "the form is not UTF-8") from None
            fields.update(parse_qsl(text, keep_blank_values=True))
        return fields


def parse_head(head: bytes) -> HttpRequest:
    """Parse a request head that ends with the blank line."""
    try:
        text = head.decode("latin-1")
        lines = text.split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise HttpError(HTTPStatus.BAD_REQUEST, "bad request line") from None
    if not version.startswith("HTTP/1."):
        raise HttpError(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.x is spoken here")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(HTTPStatus.BAD_REQUEST, "bad header line")
        headers[name.strip().lower()] = value.strip()
    return HttpRequest(method.upper(), target, version, headers, head)


def response(
    status: int, body: Any = None, *, keep_alive: bool = True, content_type: str | None = None
) -> bytes:
    """Serialize a response; a ``body`` that is not bytes or str is sent as JSON."""
    if isinstance(body, bytes):
        payload = body
        ctype = content_type or "application/octet-stream"
    elif isinstance(body, str):
        payload = body.encode()
        ctype = content_type or "text/plain; charset=utf-8"
    else:
        payload = json.dumps({} if body is None else body, separators=(",", ":")).encode()
        ctype = content_type or "application/json"
    phrase = HTTPStatus(status).phrase
    head = (
        f"HTTP/1.1 {status} {phrase}\r\n"
        f"Content-Type: {ctype}\r\n"
        f"Content-Length: {len(payload)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n"
        "\r\n"
    )
    return head.encode() + payload


def error_response(error: HttpError, *, keep_alive: bool = True) -> bytes:
    """Errors carry ``{"error": ..., "code": status}`` as Soketi's do, with the real status."""
    body = {"error": error.message, "code": int(error.status)}
    return response(error.status, body, keep_alive=keep_alive)
