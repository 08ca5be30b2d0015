"""A Linux network namespace joined to this one by a veth pair, for tests that need a
server on an address that is not loopback, and a resolver that answers what a test says.

The tests run as root (FACTS.md). ``network_namespace()`` makes:

- a namespace ``bcn<pid>x<n>`` with its loopback up;
- a veth pair on a /24 of 10.64.0.0/10 that no interface here uses: ``host_ip`` is the
  end in this (the test's) namespace, ``ns_ip`` the end inside;
- ``/etc/netns/<name>/``, which ``ip netns exec`` bind-mounts over ``/etc``'s files of
  the same name: ``set_hosts()`` writes the namespace's own ``/etc/hosts`` there, so a
  program started with ``run()``/``popen()`` resolves ``localhost`` (or any name) to
  whatever the test wants, while this process keeps the machine's hosts file.

Everything is removed at exit, the namespace (and so the veth pair) and its /etc dir.

``start_ns_demo_server()`` runs the embedded demo server inside the namespace, listening on
``ns_ip``; ``RecordingProxy`` is a TCP relay that keeps every byte a client sent, to show
what crossed the wire. ``ns_demo_server()`` and ``recording_relay()`` are the two as
context managers.

Loaded as a pytest plugin (tests/conftest.py), it gives tests the three together:
``netns``, ``netns_server`` (the demo server in it, also on its loopback) and
``netns_relay`` (a recording relay here, in front of that server).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

_counter = itertools.count()
_NETNS_ETC = Path("/etc/netns")


def _ip(*args: str, ns: str | None = None) -> None:
    prefix = ["ip", "netns", "exec", ns] if ns is not None else []
    subprocess.run([*prefix, "ip", *args], check=True, capture_output=True, text=True)


def _used_networks() -> list[ipaddress.IPv4Network]:
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show"], check=True, capture_output=True, text=True
    ).stdout
    return [ipaddress.IPv4Interface(m.group(1)).network for m in re.finditer(r"inet (\S+)", out)]


@dataclass
class Namespace:
    name: str
    host_ip: str  # this namespace's end of the veth pair
    ns_ip: str  # the end inside the namespace

    def command(self, *argv: str) -> list[str]:
        """``argv`` run inside the namespace (with its /etc/netns files)."""
        return ["ip", "netns", "exec", self.name, *argv]

    def set_hosts(self, text: str) -> None:
        """The namespace's /etc/hosts, for programs started from now on."""
        folder = _NETNS_ETC / self.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "hosts").write_text(text)

    def run(
        self, *argv: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*argv),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@contextlib.contextmanager
def network_namespace() -> Iterator[Namespace]:
    """A fresh namespace and veth pair (see the module's docstring); removed at exit."""
    n = next(_counter)
    name = f"bcn{os.getpid()}x{n}"
    outer = f"bco{os.getpid() % 100000}x{n}"[:15]
    inner = f"bci{os.getpid() % 100000}x{n}"[:15]
    used = _used_networks()
    rng = random.Random()
    while True:
        # Other test runs on this machine make namespaces too: a random /24, not in use.
        net = ipaddress.IPv4Network(f"10.{rng.randrange(64, 128)}.{rng.randrange(256)}.0/24")
        if not any(net.overlaps(u) for u in used):
            break
    host_ip, ns_ip = str(net[1]), str(net[2])
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        try:
            _ip("link", "set", inner, "netns", name)
            _ip("addr", "add", f"{host_ip}/24", "dev", outer)
            _ip("link", "set", outer, "up")
            _ip("addr", "add", f"{ns_ip}/24", "dev", inner, ns=name)
            _ip("link", "set", inner, "up", ns=name)
            _ip("link", "set", "lo", "up", ns=name)
            yield Namespace(name, host_ip, ns_ip)
        finally:
            # Deleting the namespace removes its end; the outer end goes with the pair.
            subprocess.run(["ip", "link", "del", outer], capture_output=True, check=False)
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        shutil.rmtree(_NETNS_ETC / name, ignore_errors=True)


# --- the demo server inside the namespace ---------------------------------------------

_SERVER_SCRIPT = """
import asyncio, signal, sys
from beacon.demo import DemoServer

async def main():
    server = DemoServer(host=sys.argv[1], port=0, seed=0)
    await server.start()
    print(f"ready {server.port} {server.key} {server.secret}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()

asyncio.run(main())
"""


@dataclass
class NsDemoServer:
    """The demo server, run inside a namespace on ``host`` (its veth address)."""

    process: subprocess.Popen[str]
    host: str
    port: int
    key: str
    secret: str
    stderr: IO[str]

    def auth_endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/pusher/auth"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.stderr.close()


def start_ns_demo_server(
    ns: Namespace, timeout: float = 30.0, *, bind: str | None = None
) -> NsDemoServer:
    """The demo server inside ``ns``, reached at ``ns.ns_ip``; the caller calls ``stop()``.

    ``bind="0.0.0.0"`` also makes it the namespace's own loopback server (127.0.0.1).
    """
    stderr = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        ns.command(sys.executable, "-c", _SERVER_SCRIPT, bind or ns.ns_ip),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    got = threading.Event()

    def read_line() -> None:
        assert process.stdout is not None
        lines.append(process.stdout.readline())
        got.set()

    # readline() has no timeout; a thread lets a server that hangs fail the test instead.
    threading.Thread(target=read_line, daemon=True).start()
    got.wait(timeout)
    words = lines[0].split() if lines else []
    server = NsDemoServer(process, ns.ns_ip, 0, "", "", stderr)
    if len(words) != 4 or words[0] != "ready":
        stderr.seek(0)
        why = stderr.read()[-2000:]
        server.stop()
        raise RuntimeError(f"the demo server did not start in {ns.name}: {lines!r} {why}")
    server.port, server.key, server.secret = int(words[1]), words[2], words[3]
    return server


@contextlib.contextmanager
def ns_demo_server(ns: Namespace, *, bind: str | None = None) -> Iterator[NsDemoServer]:
    """``start_ns_demo_server()``, stopped at exit."""
    running = start_ns_demo_server(ns, bind=bind)
    try:
        yield running
    finally:
        running.stop()


# --- what crossed the wire --------------------------------------------------------------


@dataclass
class RecordingProxy:
    """A TCP relay on ``host`` to ``target``: every byte each client sent is kept, in
    ``sent`` (one bytearray per connection, in order of arrival)."""

    host: str
    target_host: str
    target_port: int
    port: int = 0
    sent: list[bytearray] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    @property
    def all_sent(self) -> bytes:
        return b"".join(bytes(b) for b in self.sent)

    def messages(self) -> list[str]:
        """The WebSocket text messages clients sent, unmasked (a client masks every
        frame, so a credential never shows in ``sent`` as it is)."""
        return [text for record in self.sent for text in _client_messages(bytes(record))]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        record = bytearray()
        self.sent.append(record)
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.close()
            return

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, keep: bool) -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    if keep:
                        record.extend(data)
                    dst.write(data)
                    await dst.drain()
            dst.close()

        tasks = [
            asyncio.ensure_future(pump(reader, up_writer, True)),
            asyncio.ensure_future(pump(up_reader, writer, False)),
        ]
        self._tasks.update(tasks)
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._tasks.difference_update(tasks)


@contextlib.asynccontextmanager
async def recording_relay(ns: Namespace, server: NsDemoServer) -> AsyncIterator[RecordingProxy]:
    """A started ``RecordingProxy`` on this namespace's veth address (not loopback), to
    ``server`` in ``ns``; closed at exit."""
    proxy = RecordingProxy(ns.host_ip, server.host, server.port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


def _client_messages(data: bytes) -> list[str]:
    """The text frames after the HTTP upgrade request in ``data``, unmasked; a frame cut
    off at the end is left out. Enough of RFC 6455 for what Beacon sends."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return []
    at, texts = end + 4, []
    while len(data) - at >= 2:
        opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
        head = at + 2
        if length == 126:
            length, head = int.from_bytes(data[head : head + 2], "big"), head + 2
        elif length == 127:
            length, head = int.from_bytes(data[head : head + 8], "big"), head + 8
        mask, start = data[head : head + 4], head + 4
        if start + length > len(data):
            break
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data[start : start + length]))
        if opcode == 1:
            texts.append(payload.decode("utf-8", "replace"))
        at = start + length
    return texts


# --- the fixtures -------------------------------------------------------------------------


@pytest.fixture
def netns() -> Iterator[Namespace]:
    """A fresh namespace joined to this one by a veth pair."""
    with network_namespace() as space:
        yield space


@pytest.fixture
def netns_server(netns: Namespace) -> Iterator[NsDemoServer]:
    """The demo server in ``netns``: at ``host`` (the namespace's veth address) from here,
    and at 127.0.0.1 for a program run inside the namespace."""
    with ns_demo_server(netns, bind="0.0.0.0") as running:
        yield running


@pytest.fixture
async def netns_relay(
    netns: Namespace, netns_server: NsDemoServer
) -> AsyncIterator[RecordingProxy]:
    """A recording relay on this end of the veth pair (not loopback), to ``netns_server``."""
    async with recording_relay(netns, netns_server) as proxy:
        yield proxy
