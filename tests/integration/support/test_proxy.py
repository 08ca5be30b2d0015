"""The fault-injection TCP proxy, tested against a real asyncio TCP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from support.proxy import TcpProxy

MakeProxy = Callable[[str, int], Awaitable[TcpProxy]]


class Upstream:
    """A TCP server whose connections the test can see and drive from the server side."""

    def __init__(self) -> None:
        self.connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.count = 0
        self.server: asyncio.Server | None = None
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._on_client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.count += 1
        self._writers.append(writer)
        await self.connections.put((reader, writer))

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self._writers:
            writer.close()
        await self.server.wait_closed()


@pytest_asyncio.fixture
async def upstream() -> AsyncIterator[Upstream]:
    server = Upstream()
    await server.start()
    yield server
    await server.close()


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


@pytest_asyncio.fixture
async def echo_port() -> AsyncIterator[int]:
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def connect(proxy: TcpProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(proxy.host, proxy.port)


async def close_writer(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass


async def test_forwards_both_ways_and_counts(tcp_proxy: MakeProxy, echo_port: int) -> None:
    proxy = await tcp_proxy("127.0.0.1", echo_port)
    assert proxy.port != 0
    reader, writer = await connect(proxy)
    writer.write(b"hello")
    assert await reader.readexactly(5) == b"hello"
    assert proxy.accepted == 1
    assert proxy.active == 1

    await close_writer(writer)
    await proxy.wait_active(0)
    assert proxy.accepted == 1


async def test_swallow_drops_both_directions_but_keeps_the_connection(
    tcp_proxy: MakeProxy, upstream: Upstream
) -> None:
    proxy = await tcp_proxy("127.0.0.1", upstream.port)
    client_reader, client_writer = await connect(proxy)
    server_reader, server_writer = await asyncio.wait_for(upstream.connections.get(), 5)

    proxy.swallow()
    assert proxy.swallowing
    client_writer.write(b"lost-up")
    server_writer.write(b"lost-down")
    await proxy.wait_dropped(len(b"lost-up") + len(b"lost-down"))

    proxy.resume()
    client_writer.write(b"up")
    assert await asyncio.wait_for(server_reader.readexactly(2), 5) == b"up"
    server_writer.write(b"down")
    assert await asyncio.wait_for(client_reader.readexactly(4), 5) == b"down"
    # The same connection carried traffic before and after: nothing was reconnected.
    assert proxy.accepted == 1
    assert upstream.count == 1
    await close_writer(client_writer)


async def test_cut_resets_current_connections_and_accepts_new_ones(
    tcp_proxy: MakeProxy, echo_port: int
) -> None:
    proxy = await tcp_proxy("127.0.0.1", echo_port)
    reader, writer = await connect(proxy)
    writer.write(b"x")
    await reader.readexactly(1)

    assert proxy.cut() == 1
    with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(reader.readexactly(1), 5)
    await proxy.wait_active(0)
    await close_writer(writer)

    reader2, writer2 = await connect(proxy)
    writer2.write(b"again")
    assert await reader2.readexactly(5) == b"again"
    assert proxy.accepted == 2
    await close_writer(writer2)


async def test_cut_without_reset_is_a_plain_eof(tcp_proxy: MakeProxy, echo_port: int) -> None:
    proxy = await tcp_proxy("127.0.0.1", echo_port)
    reader, writer = await connect(proxy)
    writer.write(b"x")
    await reader.readexactly(1)

    assert proxy.cut(reset=False) == 1
    assert await asyncio.wait_for(reader.read(), 5) == b""
    await close_writer(writer)


async def test_refuse_closes_new_connections_without_reaching_upstream(
    tcp_proxy: MakeProxy, upstream: Upstream
) -> None:
    proxy = await tcp_proxy("127.0.0.1", upstream.port)
    proxy.refuse = True
    reader, writer = await connect(proxy)
    assert await asyncio.wait_for(reader.read(), 5) == b""
    await close_writer(writer)
    assert (proxy.accepted, proxy.refused) == (1, 1)
    assert upstream.count == 0

    proxy.refuse = False
    reader, writer = await connect(proxy)
    await asyncio.wait_for(upstream.connections.get(), 5)
    assert (proxy.accepted, proxy.refused, upstream.count) == (2, 1, 1)
    await close_writer(writer)


async def test_client_close_closes_upstream(tcp_proxy: MakeProxy, upstream: Upstream) -> None:
    proxy = await tcp_proxy("127.0.0.1", upstream.port)
    _reader, writer = await connect(proxy)
    server_reader, _server_writer = await asyncio.wait_for(upstream.connections.get(), 5)
    await close_writer(writer)
    assert await asyncio.wait_for(server_reader.read(), 5) == b""
    await proxy.wait_active(0)


async def test_upstream_down_closes_the_client(tcp_proxy: MakeProxy) -> None:
    # Bind and release a port so nothing listens on it.
    probe = await asyncio.start_server(echo, "127.0.0.1", 0)
    dead_port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()

    proxy = await tcp_proxy("127.0.0.1", dead_port)
    reader, writer = await connect(proxy)
    with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(reader.readexactly(1), 5)
    await close_writer(writer)
    assert proxy.accepted == 1
    await proxy.wait_active(0)


async def test_close_drops_connections_and_stops_listening(echo_port: int) -> None:
    async with TcpProxy("127.0.0.1", echo_port) as proxy:
        reader, writer = await connect(proxy)
        writer.write(b"x")
        await reader.readexactly(1)
    assert await asyncio.wait_for(reader.read(), 5) == b""
    await close_writer(writer)
    with pytest.raises(OSError):
        await connect(proxy)
