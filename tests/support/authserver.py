"""A local HTTP auth endpoint (auth mode "endpoint") whose answers a test scripts.

Good answers are signed with the official ``pusher`` library, so nothing of Beacon's own
signing is used to check Beacon. A test queues faulty answers (a status, a body, a delay)
that the next requests get, in order; once the queue is empty every request gets a good,
signed answer after ``delay`` seconds. It speaks just enough HTTP/1.1 for httpx: one
request per connection, ``Connection: close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pusher

from support.publish import official_client

__all__ = ["Answer", "AuthServer"]


@dataclass
class Answer:
    """One scripted answer: ``body`` None means the good, signed JSON."""

    status: int = 200
    body: bytes | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)  # e.g. a redirect's Location


@dataclass
class AuthServer:
    """``await AuthServer(server).start()``; ``endpoint`` is the URL to configure."""

    server: Any  # anything with host, port, app_id, key and secret (the Pusher server)
    delay: float = 0.0
    host: str = "127.0.0.1"
    port: int = 0
    #: Answers for the next requests, oldest first.
    script: deque[Answer] = field(default_factory=deque)
    #: (monotonic time, channel, status) of every request answered, in order.
    requests: list[tuple[float, str, int]] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _signer: pusher.Pusher | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/pusher/auth"

    async def start(self) -> AuthServer:
        self._signer = official_client(self.server)
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            # Connections still waiting out a delay are ended with the server.
            for writer in list(self._writers):
                writer.transport.abort()
            await self._server.wait_closed()
            self._server = None

    async def wait_requests(self, count: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.requests) < count:
                self._changed.clear()
                await self._changed.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._answer(reader, writer)
        except asyncio.CancelledError:
            # Closed mid-answer. Ending normally matters: asyncio's stream callback asks a
            # finished handler for its exception, and a cancelled one raises there.
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ValueError):
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode("latin-1").split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length)
            form = dict(urllib.parse.parse_qsl(body.decode()))
            channel = form.get("channel_name", "")
            answer = self.script.popleft() if self.script else Answer(delay=self.delay)
            if answer.delay:
                await asyncio.sleep(answer.delay)  # the fault itself: a slow endpoint
            payload = answer.body
            if payload is None:
                payload = self._sign(channel, form.get("socket_id", ""))
            self.requests.append((time.monotonic(), channel, answer.status))
            self._changed.set()
            extra = "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items())
            writer.write(
                f"HTTP/1.1 {answer.status} X\r\nContent-Type: application/json\r\n{extra}"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()

    def _sign(self, channel: str, socket_id: str) -> bytes:
        assert self._signer is not None
        return json.dumps(self._signer.authenticate(channel, socket_id)).encode()
