"""One WebSocket connection of the demo server: its handshake, frames and liveness.

WebSocket framing is websockets' sans-I/O ``ServerProtocol``, driven here from asyncio
streams: bytes read go in, frames come out, and what the protocol wants sent is written
after each step. The request head has already been read by the server (websockets' own
servers reject the POSTs of the HTTP API on the same port), so the handshake starts from
it. What the frames mean (subscriptions, sign-in, client events) is not decided here: each
text or binary message goes to the ``on_message`` callback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from beacon.demo.http import HttpRequest

log = logging.getLogger("beacon.demo")
_ws_log = logging.getLogger("beacon.demo.websocket")

CLOSE_WAIT = 5.0  # how long a closing handshake may take before the socket is cut
MAX_MESSAGE = 2**20


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def frame_bytes(text: str) -> bytes:
    """One text frame, serialized for every connection at once.

    Server frames are unmasked and no extension is negotiated, so one serialized frame is
    valid on every connection: the broadcast path encodes it once.
    """
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def flush(protocol: ServerProtocol, writer: asyncio.StreamWriter) -> None:
    """Write what the protocol has to send; an empty chunk means half-close."""
    for data in protocol.data_to_send():
        if data:
            writer.write(data)
        elif writer.can_write_eof():
            writer.write_eof()


def handshake(
    request: HttpRequest, writer: asyncio.StreamWriter, accept: Callable[[str], bool]
) -> ServerProtocol | None:
    """Answer the upgrade request; the protocol when the socket is open, else None.

    ``accept(path)`` says whether the path is a WebSocket endpoint (else 404).
    """
    protocol = ServerProtocol(max_size=MAX_MESSAGE, logger=_ws_log)
    protocol.receive_data(request.head)
    events = protocol.events_received()
    if not events or not isinstance(events[0], Request):
        flush(protocol, writer)
        return None
    if accept(request.path):
        response = protocol.accept(events[0])
    else:
        response = protocol.reject(HTTPStatus.NOT_FOUND, "Connect to /app/{key}.\n")
    protocol.send_response(response)
    flush(protocol, writer)
    return protocol if response.status_code == 101 else None


@dataclass(eq=False)
class Session:
    """One WebSocket connection after the handshake, and what Pusher knows about it."""

    socket_id: str
    protocol: ServerProtocol
    writer: asyncio.StreamWriter
    last_seen: float
    channels: set[str] = field(default_factory=set)
    presence: dict[str, str] = field(default_factory=dict)  # channel -> user_id
    user_id: str | None = None  # after pusher:signin
    ping_sent_at: float | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def open(self) -> bool:
        return self.protocol.state is State.OPEN and not self.writer.is_closing()

    def flush(self) -> None:
        flush(self.protocol, self.writer)

    def send(self, event: str, data: Any, channel: str | None = None) -> None:
        """One Pusher message: ``{"event", "channel"?, "data"}``."""
        if not self.open:
            return
        message: dict[str, Any] = {"event": event}
        if channel is not None:
            message["channel"] = channel
        message["data"] = data
        self.send_text(dumps(message))

    def send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self.flush()

    def send_binary(self, payload: bytes) -> None:
        self.protocol.send_binary(payload)
        self.flush()

    def write_frame(self, frame: bytes) -> None:
        """A frame made by :func:`frame_bytes`, shared by every subscriber."""
        self.writer.write(frame)

    def close(self, code: int, reason: str) -> None:
        """Close with ``code``; for 4000-4999, a ``pusher:error`` comes first, as Pusher
        and Soketi send one before closing."""
        if not self.open:
            return
        if 4000 <= code <= 4999:
            self.send("pusher:error", {"code": code, "message": reason})
        self.protocol.send_close(code, reason)
        self.flush()

    def abort(self) -> None:
        self.writer.transport.abort()

    async def read_frames(
        self, reader: asyncio.StreamReader, on_message: Callable[[Session, bytes], None]
    ) -> None:
        """Until the connection closes: every text or binary message to ``on_message``."""
        protocol = self.protocol
        loop = asyncio.get_running_loop()
        close_deadline: asyncio.TimerHandle | None = None
        try:
            while protocol.state is not State.CLOSED:
                data = await reader.read(65536)
                if data:
                    protocol.receive_data(data)
                else:
                    protocol.receive_eof()
                for event in protocol.events_received():
                    if not isinstance(event, Frame):
                        continue
                    # Any frame is activity, WebSocket pings too (aiohttp's heartbeat).
                    self.last_seen = loop.time()
                    self.ping_sent_at = None
                    if event.opcode in (Opcode.TEXT, Opcode.BINARY):
                        on_message(self, bytes(event.data))
                self.flush()
                if protocol.close_expected() and close_deadline is None:
                    # The client should answer our close frame; cut it off if it does not.
                    close_deadline = loop.call_later(CLOSE_WAIT, self.abort)
                if not data:
                    break
        finally:
            if close_deadline is not None:
                close_deadline.cancel()

    async def watch_liveness(self, activity_timeout: float, pong_timeout: float) -> None:
        """After ``activity_timeout`` of silence send ``pusher:ping``; no answer: close 4201."""
        loop = asyncio.get_running_loop()
        while self.open:
            idle = loop.time() - self.last_seen
            if self.ping_sent_at is None:
                if idle < activity_timeout:
                    await asyncio.sleep(activity_timeout - idle)
                    continue
                self.ping_sent_at = loop.time()
                self.send("pusher:ping", "{}")
                continue
            waited = loop.time() - self.ping_sent_at
            if waited < pong_timeout:
                await asyncio.sleep(pong_timeout - waited)
                continue
            log.info("demo server: %s did not answer pusher:ping", self.socket_id)
            self.close(4201, "Pong reply not received")
            return
