"""A small TCP proxy that injects network faults between a client and a real server.

Tests put it between the code under test and Soketi (or the demo server) so that
faults happen on the wire instead of inside mocked code:

- ``swallow()`` keeps every TCP connection open but silently drops the bytes in both
  directions, the way a dead NAT entry or a sleeping laptop's Wi-Fi does. Pings get no
  pong, so the client's liveness timer is what has to notice.
- ``resume()`` lets traffic flow again.
- ``cut()`` closes every current connection abruptly (an RST by default), like a
  server crash or a dropped link.
- ``refuse = True`` accepts each new connection and closes it at once, like a server
  that is restarting behind a load balancer.

Counters (``accepted``, ``refused``, ``active``) and the ``wait_*`` helpers let tests
await conditions instead of sleeping.

``AuthEndpoint`` is a customer's auth endpoint with faults on cue: it signs channels as a
real one does (with the app secret), over HTTP or HTTPS, unless told to answer with an
error status, hang, send garbage, or send far too much.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import struct
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qs

import pytest_asyncio

from beacon.pusher import auth as signatures

__all__ = ["AuthEndpoint", "TcpProxy", "auth_endpoint", "tcp_proxy"]

_CHUNK = 65536


class _Link:
    """One proxied client connection and its upstream connection."""

    def __init__(
        self,
        proxy: TcpProxy,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
    ) -> None:
        self.proxy = proxy
        self.client_reader = client_reader
        self.client_writer = client_writer
        self.upstream_writer: asyncio.StreamWriter | None = None
        self.tasks: list[asyncio.Task[None]] = []

    async def run(self) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.proxy.target_host, self.proxy.target_port
            )
        except OSError:
            # Upstream is down: the client sees its connection close, as it would if
            # it had connected to the server directly and been dropped.
            _abort(self.client_writer, reset=True)
            return
        self.upstream_writer = up_writer
        self.tasks = [
            asyncio.create_task(self._pump(self.client_reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, self.client_writer)),
        ]
        # When one direction ends, end the other: a half-open proxy would hide the
        # close from the peer and turn a clean close into a silent stall.
        _done, pending = await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self.close(reset=False)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    return
                if self.proxy.swallowing:
                    self.proxy.dropped += len(data)
                    self.proxy._poke()
                    continue
                writer.write(data)
                await writer.drain()

    def close(self, *, reset: bool) -> None:
        _abort(self.client_writer, reset=reset)
        if self.upstream_writer is not None:
            _abort(self.upstream_writer, reset=reset)


def _abort(writer: asyncio.StreamWriter, *, reset: bool) -> None:
    transport = writer.transport
    if transport.is_closing():
        return
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0 makes close() send an RST instead of a FIN, which is what a
            # crashed peer or a dropped route looks like to the client.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()


class TcpProxy:
    """Forward TCP connections from ``127.0.0.1:<port>`` to a target, with fault controls.

    ``port`` is 0 by default (a free port is picked); read ``proxy.port`` after
    ``start()``.
    """

    def __init__(
        self, target_host: str, target_port: int, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = host
        self.port = port
        #: When true, each new connection is accepted and closed at once.
        self.refuse = False
        #: Connections accepted so far, including refused ones.
        self.accepted = 0
        #: Connections accepted and closed at once because ``refuse`` was set.
        self.refused = 0
        #: Bytes dropped by ``swallow()``, both directions together.
        self.dropped = 0
        self._swallowing = False
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._link_tasks: set[asyncio.Task[None]] = set()
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    # -- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Listen; the chosen port is in ``self.port`` on return."""
        self._server = await asyncio.start_server(self._on_client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        self.cut(reset=False)
        # Closed transports end the pumps, so each link task finishes by itself;
        # cancelling them would leave the stream server's callbacks to log errors.
        await asyncio.gather(*self._link_tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- faults -------------------------------------------------------------------

    @property
    def swallowing(self) -> bool:
        """Whether traffic is currently being dropped."""
        return self._swallowing

    def swallow(self) -> None:
        """Keep connections open but silently drop all bytes, both ways, until ``resume()``."""
        self._swallowing = True

    def resume(self) -> None:
        """Forward traffic again (bytes dropped meanwhile stay lost)."""
        self._swallowing = False

    def cut(self, *, reset: bool = True) -> int:
        """Close every current connection at once; return how many were cut.

        With ``reset`` (the default) both sides get an RST; otherwise a plain FIN
        without any WebSocket close frame. New connections are still accepted.
        """
        links = list(self._links)
        for link in links:
            link.close(reset=reset)
        return len(links)

    # -- observation --------------------------------------------------------------

    @property
    def active(self) -> int:
        """Connections currently open through the proxy."""
        return len(self._links)

    async def wait_accepted(self, count: int, timeout: float = 10.0) -> None:
        """Wait until at least ``count`` connections have been accepted in total."""
        await self._wait(lambda: self.accepted >= count, timeout)

    async def wait_active(self, count: int, timeout: float = 10.0) -> None:
        """Wait until exactly ``count`` connections are open."""
        await self._wait(lambda: self.active == count, timeout)

    async def wait_dropped(self, nbytes: int, timeout: float = 10.0) -> None:
        """Wait until at least ``nbytes`` have been swallowed in total."""
        await self._wait(lambda: self.dropped >= nbytes, timeout)

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> None:
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)

    def _poke(self) -> None:
        # Synchronous on purpose: it runs from finally blocks during cancellation,
        # where scheduling a task would leave it pending at loop close.
        for predicate, future in list(self._waiters):
            if not future.done() and predicate():
                future.set_result(None)

    # -- connection handling ------------------------------------------------------

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.refuse:
            self.refused += 1
            _abort(writer, reset=False)
            self._poke()
            return
        link = _Link(self, reader, writer)
        self._links.add(link)
        task = asyncio.current_task()
        assert task is not None
        self._link_tasks.add(task)
        self._poke()
        try:
            await link.run()
        finally:
            link.close(reset=False)
            self._links.discard(link)
            self._link_tasks.discard(task)
            self._poke()


@pytest_asyncio.fixture
async def tcp_proxy() -> AsyncIterator[Callable[[str, int], Awaitable[TcpProxy]]]:
    """Factory for started proxies: ``proxy = await tcp_proxy(host, port)``.

    Every proxy made is closed at teardown.
    """
    made: list[TcpProxy] = []

    async def make(target_host: str, target_port: int) -> TcpProxy:
        proxy = TcpProxy(target_host, target_port)
        await proxy.start()
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        await proxy.close()


class AuthEndpoint:
    """A channel auth endpoint on ``127.0.0.1``: signs with ``key``/``secret``.

    ``faults`` is a queue of answers for the next requests, each one of ``500`` (or any
    status), ``"hang"`` (never answer), ``"garbage"`` (200 with a body that is not JSON),
    ``"badsig"`` (200 with a signature the Pusher server refuses) or
    ``("huge", nbytes)`` (200 with that many bytes, sent as long as the client reads);
    once empty, requests are signed. ``requests`` counts requests; ``huge_sent`` counts
    the bytes of huge answers that went out.
    """

    def __init__(self, key: str, secret: str, *, ssl_context: ssl.SSLContext | None = None):
        self.key = key
        self.secret = secret
        self.ssl_context = ssl_context
        self.faults: deque[object] = deque()
        self.requests = 0
        self.huge_sent = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}/pusher/auth"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._answer(reader, writer)
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client gave up (as it should, for hangs and huge answers)
        except asyncio.CancelledError:
            # Closed while hanging on purpose. Ending normally matters: asyncio's stream
            # callback asks a finished handler for its exception, and a cancelled one
            # raises there, logged as an error after the test.
            pass
        finally:
            self._handlers.discard(task)
            writer.transport.abort()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        form = parse_qs((await reader.readexactly(length)).decode())
        self.requests += 1
        fault = self.faults.popleft() if self.faults else None
        if fault == "hang":
            await asyncio.Event().wait()
        if isinstance(fault, tuple) and fault[0] == "huge":
            size = int(fault[1])
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {size}\r\n\r\n".encode()
            )
            chunk = b" " * 65536
            while self.huge_sent < size:
                writer.write(chunk)
                self.huge_sent += len(chunk)
                await writer.drain()
            return
        status, body = 200, b""
        if isinstance(fault, int):
            status, body = fault, b'{"error": "fault"}'
        elif fault == "garbage":
            body = b"<html>this is not JSON"
        elif fault == "badsig":
            body = json.dumps({"auth": f"{self.key}:{'0' * 64}"}).encode()
        else:
            socket_id, channel = form["socket_id"][0], form["channel_name"][0]
            signature = signatures.channel_auth(self.key, self.secret, socket_id, channel)
            body = json.dumps({"auth": signature}).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()


@pytest_asyncio.fixture
async def auth_endpoint() -> AsyncIterator[Callable[..., Awaitable[AuthEndpoint]]]:
    """Factory for started auth endpoints: ``await auth_endpoint(key, secret, ssl_context=)``.

    Every endpoint made is closed at teardown.
    """
    made: list[AuthEndpoint] = []

    async def make(
        key: str, secret: str, *, ssl_context: ssl.SSLContext | None = None
    ) -> AuthEndpoint:
        endpoint = AuthEndpoint(key, secret, ssl_context=ssl_context)
        await endpoint.start()
        made.append(endpoint)
        return endpoint

    yield make
    for endpoint in made:
        await endpoint.close()
