"""Fixtures for the embedded demo server (``beacon.demo``).

- ``demo_server``: a started :class:`DemoServer` on a free port, in the test's event loop.
  It has the attributes of ``support.soketi.PusherServer`` (host, port, app_id, key,
  secret, ws_url()), so protocol tests can run against either server.
- ``demo_server_factory``: ``await demo_server_factory(activity_timeout=1, ...)`` starts
  more, with other settings; all are closed at teardown.
- ``demo_server_process``: ``beacon demo-server --port 0`` as a subprocess, for tests of
  commands that need a server outside the test's process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import pytest

from beacon.demo import DemoServer

_READY = re.compile(r"listening on ws://([\d.]+):(\d+) \(app_id (\S+), key (\S+)\)")
DEMO_SECRET = "demo-secret"


@pytest.fixture
async def demo_server() -> AsyncIterator[DemoServer]:
    """A running demo server with the default app (id 1, key demo-key, secret demo-secret)."""
    server = DemoServer(port=0, seed=0)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def demo_server_factory() -> AsyncIterator[Callable[..., Awaitable[DemoServer]]]:
    """Start demo servers with other settings: ``await demo_server_factory(**kwargs)``."""
    started: list[DemoServer] = []

    async def factory(**kwargs: Any) -> DemoServer:
        kwargs.setdefault("seed", 0)
        server = DemoServer(**kwargs)
        await server.start()
        started.append(server)
        return server

    try:
        yield factory
    finally:
        for server in started:
            await server.close()


@dataclass
class DemoServerProcess:
    """``beacon demo-server`` running as a child process."""

    process: subprocess.Popen[str]
    host: str
    port: int
    app_id: str
    key: str
    stderr: IO[str]  # a file, not a pipe: a chatty server must never block on a full pipe
    secret: str = DEMO_SECRET

    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait: the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def cleanup(self) -> None:
        """Kill the process and close its streams."""
        self.kill()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.stderr.close()


def start_demo_server_process(
    *extra_args: str, timeout: float = 20.0, env: dict[str, str] | None = None
) -> DemoServerProcess:
    """Run ``beacon demo-server --port 0 [extra_args]`` and wait for its ready line.

    The caller owns the result: call ``cleanup()`` when done.
    """
    stderr = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "beacon", "demo-server", "--port", "0", *extra_args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    lines: list[str] = []
    got_line = threading.Event()

    def read_first_line() -> None:
        assert process.stdout is not None
        lines.append(process.stdout.readline())
        got_line.set()

    # readline() has no timeout; a thread lets a server that hangs fail the test instead.
    threading.Thread(target=read_first_line, daemon=True).start()
    if not got_line.wait(timeout):
        lines.append("")
    match = _READY.search(lines[0])
    if match is None:
        failed = DemoServerProcess(process, "", 0, "", "", stderr)
        failed.cleanup()
        raise RuntimeError(f"beacon demo-server did not start within {timeout} s: {lines[0]!r}")
    host, port, app_id, key = match.groups()
    return DemoServerProcess(process, host, int(port), app_id, key, stderr)


@pytest.fixture
def demo_server_process() -> Iterator[DemoServerProcess]:
    """``beacon demo-server --port 0 --rate 0`` in a subprocess; killed at teardown."""
    server = start_demo_server_process("--rate", "0")
    try:
        yield server
    finally:
        server.cleanup()
