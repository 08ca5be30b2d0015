"""PusherSocket parses a large read a slice per turn of the event loop, when asked to.

The socket is connected to a real ``websockets`` server; the large read is handed to it
the way a transport does (``data_received``), so its size does not depend on how the
kernel happens to split a burst.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.frames import Frame, Opcode

from beacon.connect.socket import PusherSocket, open_socket

SLICE = 4096


async def _silent(ws: ServerConnection) -> None:
    await ws.wait_closed()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    async with serve(_silent, "127.0.0.1", 0) as srv:
        yield srv


@pytest.fixture
async def socket(server: Server) -> AsyncIterator[PusherSocket]:
    port = next(iter(server.sockets)).getsockname()[1]
    ws = await open_socket(f"ws://127.0.0.1:{port}", slice_bytes=SLICE)
    try:
        yield ws
    finally:
        ws.transport.abort()
        await ws.wait_closed()


def burst(count: int) -> tuple[list[str], bytes]:
    """``count`` Pusher-sized text messages and the unmasked frames that carry them."""
    texts = [
        json.dumps({"event": "e", "channel": "c", "data": json.dumps({"n": n, "pad": "x" * 150})})
        for n in range(count)
    ]
    wire = b"".join(
        Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[]) for text in texts
    )
    return texts, wire


async def test_a_large_read_is_handled_a_slice_per_loop_turn(socket: PusherSocket) -> None:
    got: list[str] = []
    socket.deliver_to(got.append)
    texts, wire = burst(600)
    assert len(wire) > 20 * SLICE
    seen_by_the_loop: list[int] = []
    loop = asyncio.get_running_loop()

    def tick() -> None:
        seen_by_the_loop.append(len(got))
        if len(got) < len(texts):
            loop.call_soon(tick)

    socket.data_received(wire)
    loop.call_soon(tick)
    # One slice now, the rest later; no more bytes are read meanwhile.
    assert 0 < len(got) <= SLICE // 150
    assert not socket.transport.is_reading()
    async with asyncio.timeout(10):
        while len(got) < len(texts):
            await asyncio.sleep(0)
    assert got == texts  # complete, in order, messages cut by slices put back together
    # Other callbacks ran between the slices: the loop saw the burst part-way many times.
    assert len([n for n in seen_by_the_loop if 0 < n < len(texts)]) >= 10
    await asyncio.sleep(0)
    assert socket.transport.is_reading()
    assert socket.read_count >= 1


async def test_a_small_read_is_handled_at_once(socket: PusherSocket) -> None:
    got: list[str] = []
    socket.deliver_to(got.append)
    texts, wire = burst(10)
    assert len(wire) < SLICE
    socket.data_received(wire)
    assert got == texts
    assert socket.transport.is_reading()


async def test_what_is_left_of_a_read_is_delivered_when_the_connection_ends(
    socket: PusherSocket,
) -> None:
    got: list[str] = []
    socket.deliver_to(got.append)
    texts, wire = burst(600)
    socket.data_received(wire)
    assert len(got) < len(texts)
    socket.transport.abort()
    await socket.wait_closed()
    assert got == texts


async def test_without_slice_bytes_a_large_read_is_handled_at_once(
    socket: PusherSocket,
) -> None:
    socket.slice_bytes = None  # as beacon listen runs it: no UI to keep responsive
    got: list[str] = []
    socket.deliver_to(got.append)
    texts, wire = burst(600)
    socket.data_received(wire)
    assert got == texts
    assert socket.transport.is_reading()


def frame(opcode: Opcode, payload: bytes, *, fin: bool = True) -> bytes:
    return Frame(opcode, payload, fin=fin).serialize(mask=False, extensions=[])


@pytest.mark.expect_log_warnings(
    r"^beacon\.connect: skipped a text frame that is not UTF-8$",
    r"^beacon\.connect: skipped a binary frame ",
)
@pytest.mark.parametrize("step", [1, 3, 7, 4096])
async def test_frames_cut_anywhere_arrive_whole_and_in_order(
    socket: PusherSocket, step: int
) -> None:
    """Text frames of every length encoding, cut at any byte, between control, binary and
    fragmented frames (which websockets parses), reach the callback whole and in order."""
    socket.slice_bytes = None
    got: list[str] = []
    socket.deliver_to(got.append)
    short, medium, long = "s" * 100, "m" * 300, "é" * 40_000  # 7-, 16- and 64-bit lengths
    wire = b"".join([
        frame(Opcode.TEXT, short.encode()),
        frame(Opcode.TEXT, medium.encode()),
        frame(Opcode.PING, b"hi"),
        frame(Opcode.TEXT, long.encode()),
        frame(Opcode.TEXT, b"\xff\xfe"),  # not UTF-8: skipped
        frame(Opcode.BINARY, b"\x00\x01"),  # skipped
        frame(Opcode.TEXT, short.encode()),
        frame(Opcode.TEXT, b"frag", fin=False),
        frame(Opcode.CONT, b"mented"),
        frame(Opcode.TEXT, medium.encode()),
    ])  # fmt: skip
    for at in range(0, len(wire), step):
        socket.data_received(wire[at : at + step])
    assert got == [short, medium, long, short, "fragmented", medium]
    assert socket.transport.is_reading()
    assert socket.close_code is None


async def test_a_text_frame_over_the_size_limit_closes_with_1009(server: Server) -> None:
    port = next(iter(server.sockets)).getsockname()[1]
    ws = await open_socket(f"ws://127.0.0.1:{port}", max_size=1000)
    got: list[str] = []
    ws.deliver_to(got.append)
    ws.data_received(frame(Opcode.TEXT, b"ok") + frame(Opcode.TEXT, b"x" * 1001))
    await ws.wait_closed()
    assert got == ["ok"]
    assert ws.protocol.close_sent is not None and ws.protocol.close_sent.code == 1009
