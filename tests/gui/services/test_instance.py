"""Second launches reach the running instance over its local socket: commands, refusals,
a leftover socket from a crash, and a server that starts listening late."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.services.instance import InstanceServer, InstanceUnreachable, forward, socket_path


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "beacon.sock"


@pytest.fixture
def server(path: Path) -> Iterator[InstanceServer]:
    instance = InstanceServer(path)
    yield instance
    instance.close()


async def _forward(path: Path, command: str, timeout: float = 5.0) -> None:
    """``forward`` blocks (a second launch has no event loop); the server needs ours."""
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: forward(path, command, timeout=timeout)
    )


def test_the_socket_path_is_per_profile_and_short(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 150) / "beacon"
    assert socket_path(deep) != socket_path(tmp_path / "other")
    assert socket_path(deep) == socket_path(deep)
    assert len(str(socket_path(deep))) < 100  # a UNIX socket path's limit is about 107


async def test_commands_reach_the_handler(server: InstanceServer, path: Path) -> None:
    received: list[str] = []
    assert server.listen()
    server.set_handler(received.append)
    await _forward(path, "show")
    await _forward(path, "settings")
    assert received == ["show", "settings"]


async def test_commands_before_the_app_is_built_are_kept(
    server: InstanceServer, path: Path
) -> None:
    assert server.listen()
    await _forward(path, "settings")  # answered at once: the app will carry it out
    received: list[str] = []
    server.set_handler(received.append)
    assert received == ["settings"]


async def test_an_unknown_command_is_refused_by_name(server: InstanceServer, path: Path) -> None:
    received: list[str] = []
    assert server.listen()
    server.set_handler(received.append)
    with pytest.raises(InstanceUnreachable, match="unknown command 'explode'"):
        await _forward(path, "explode")
    assert received == []


async def test_garbage_is_refused(server: InstanceServer, path: Path) -> None:
    assert server.listen()
    server.set_handler(lambda _: None)

    def send_garbage() -> bytes:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(path))
            sock.sendall(b"hello\n")
            return sock.recv(4096)

    answer = await asyncio.get_running_loop().run_in_executor(None, send_garbage)
    assert b"not a Beacon request" in answer


async def test_a_crashed_instances_socket_is_replaced(path: Path) -> None:
    leftover = socket.socket(socket.AF_UNIX)
    leftover.bind(str(path))  # bound, never listening: what a killed process leaves
    leftover.close()
    assert path.exists()
    server = InstanceServer(path)
    try:
        assert server.listen()
        received: list[str] = []
        server.set_handler(received.append)
        await _forward(path, "show")
        assert received == ["show"]
    finally:
        server.close()
    assert not path.exists()


async def test_a_second_launch_waits_for_a_server_still_starting(
    server: InstanceServer, path: Path
) -> None:
    received: list[str] = []
    server.set_handler(received.append)
    waiting = asyncio.ensure_future(_forward(path, "show"))
    await asyncio.sleep(0.3)  # the first instance is still building its QApplication
    assert not waiting.done()
    assert server.listen()
    await waiting
    assert received == ["show"]


async def test_nobody_listening_is_reported(path: Path) -> None:
    with pytest.raises(InstanceUnreachable, match="not listening"):
        await _forward(path, "show", timeout=0.5)
