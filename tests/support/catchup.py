"""A small catch-up endpoint for tests: it keeps what the test publishes and serves it.

It plays the helpdesk backend of DESIGN.md "Catch-up": ``record()`` is called for every
event the test publishes (as a backend would store what it triggers), and
``GET /missed?since=T&channel=C...`` answers the recorded events since ``T`` on those
channels, oldest first, shaped like ``beacon listen``'s lines.

Faults are modes, set by the test: ``"500"`` answers 500, ``"hang"`` sends headers and
then nothing, ``"malformed"`` sends JSON that is cut off, ``"huge"`` streams more than any
client should read. ``hold()`` keeps answers back until ``release()``, so that a test can
publish live events while a catch-up request is in flight. Every request is kept
(``requests``: its target and headers), and ``wait_requests(n)`` awaits the n-th.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest_asyncio

__all__ = ["CatchupServer", "Request", "catchup_server"]


@dataclass(frozen=True)
class Request:
    target: str
    headers: dict[str, str]  # lower-cased names

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.target).query, keep_blank_values=True)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class CatchupServer:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.mode = "ok"
        self._open = asyncio.Event()
        self._open.set()
        self._changed = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._stop = asyncio.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/missed"

    def record(self, channel: str, event: str, data: Any) -> None:
        self.events.append(
            {"channel": channel, "event": event, "data": data,
             "received_at": _iso(datetime.now(UTC))}
        )  # fmt: skip

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def wait_requests(self, count: int, timeout: float = 20.0) -> Request:
        async with asyncio.timeout(timeout):
            while len(self.requests) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.requests[count - 1]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        self._stop.set()
        self._open.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _method, target, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                self.requests.append(Request(target, headers))
                self._changed.set()
                await self._open.wait()
                if self._stop.is_set() or not await self._answer(Request(target, headers), writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self._writers.discard(writer)
            self._handlers.discard(task)
            writer.close()

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        mode = self.mode
        if mode == "500":
            _write(writer, 500, b'{"error": "boom"}')
        elif mode == "malformed":
            _write(writer, 200, b'[{"channel": "tickets", "event": "x", "data": {"id": 1}')
        elif mode == "hang":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n[")  # fmt: skip
            await writer.drain()
            await self._stop.wait()  # never answers; the client must give up by itself
            return False
        elif mode == "huge":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
            chunk = b"[" + b" " * 65536
            while not self._stop.is_set():  # endless: the client must stop reading
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            return False
        else:
            pairs = request.query
            since = datetime.fromisoformat(next(v for k, v in pairs if k == "since"))
            channels = {v for k, v in pairs if k == "channel"}
            answer = [
                e for e in self.events
                if datetime.fromisoformat(e["received_at"]) >= since and e["channel"] in channels
            ]  # fmt: skip
            _write(writer, 200, json.dumps(answer).encode())
        await writer.drain()
        return True


def _write(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
    writer.write(
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


@pytest_asyncio.fixture
async def catchup_server() -> AsyncIterator[CatchupServer]:
    server = CatchupServer()
    await server.start()
    try:
        yield server
    finally:
        await server.close()
