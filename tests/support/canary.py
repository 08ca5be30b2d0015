"""Tools for the canary-secret test: look for one secret everywhere a run of the app
could have left it.

- ``forms(secret)``: the secret as bytes in the encodings a leak is likely to take (UTF-8,
  UTF-16, upper case, hex, base64 at each of the three alignments, URL-safe base64), so a
  secret written by Qt's UTF-16 strings, a base64 blob or a hex dump is found too;
- ``scan_tree(root)``: every file under a directory (SQLite files and their WAL included),
  read as raw bytes, and the file names themselves;
- ``ProcessWatch``: a thread that samples ``/proc/PID/cmdline`` and ``/proc/PID/environ``
  of a process and of every process under it while the test runs (a child such as the
  settings window's ``beacon check`` lives a second or two);
- ``ThreadedDemoServer``: the embedded demo server on its own asyncio loop in a thread,
  so a test that drives the app as a separate process can own a server whose app secret
  is the canary (the server then checks every signature made with it);
- ``AppProcess``: ``python -m beacon ARGS`` with stdout and stderr collected as they come.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

from beacon.demo import DemoServer

T = TypeVar("T")


def forms(secret: str | bytes) -> dict[str, bytes]:
    """``secret`` as it could appear in a file, a pipe or an argv: name -> bytes.

    A text secret is looked for as text (UTF-8, upper case, UTF-16) and as its UTF-8
    bytes in hex and base64; a binary one (a key) as its bytes, as Python prints them,
    in hex and in base64."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    found = {"raw" if isinstance(secret, bytes) else "utf-8": raw}
    if isinstance(secret, bytes):
        found["bytes repr"] = repr(secret)[2:-1].encode("ascii")  # as %r logs it
    if isinstance(secret, str):
        found["upper case"] = secret.upper().encode("utf-8")
        found["utf-16-le"] = secret.encode("utf-16-le")
        found["utf-16-be"] = secret.encode("utf-16-be")
    found["hex"] = raw.hex().encode("ascii")
    found["HEX"] = raw.hex().upper().encode("ascii")
    for shift in range(3):
        # Inside a longer base64 text the secret starts at any of three byte alignments;
        # the characters that also depend on the neighbouring bytes are left out.
        encoded = base64.b64encode(b"\0" * shift + raw)
        core = encoded[(4 * shift + 2) // 3 : len(encoded) - 4]
        found[f"base64 (shift {shift})"] = core
        found[f"urlsafe base64 (shift {shift})"] = core.translate(bytes.maketrans(b"+/", b"-_"))
    return found


def find(data: bytes, needles: Mapping[str, bytes]) -> list[str]:
    """The names of the forms present in ``data``."""
    return [name for name, needle in needles.items() if needle in data]


def scan_tree(root: Path, needles: Mapping[str, bytes]) -> list[str]:
    """``"path: form"`` for each file under ``root`` (or its name) holding a form."""
    leaks: list[str] = []
    for path in sorted(root.rglob("*")):
        for form in find(os.fsencode(path.name), needles):
            leaks.append(f"{path} (its name): {form}")
        if path.is_symlink() or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # a temporary file that went away meanwhile
            continue
        leaks.extend(f"{path}: {form}" for form in find(data, needles))
    return leaks


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# -- processes ------------------------------------------------------------------------------


def _parents() -> dict[int, int]:
    """pid -> parent pid, for every process (this kernel has no /proc/PID/task/*/children)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces or ')': fields after it.
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def family(root: int) -> list[int]:
    """``root`` and every process under it."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


class ProcessWatch(threading.Thread):
    """Samples the argv and environment of ``root`` and its descendants until ``stop()``.

    ``argvs`` holds every distinct argv seen (by pid), so a test can prove that the
    process it cared about (a ``beacon check``) was sampled at all; ``leaks`` holds each
    form of the secret found, with where.
    """

    def __init__(self, root: int, needles: Mapping[str, bytes], interval: float = 0.02) -> None:
        super().__init__(daemon=True, name="canary-process-watch")
        self.root = root
        self.needles = needles
        self.interval = interval
        self.argvs: dict[int, list[str]] = {}
        self.leaks: set[str] = set()
        self.samples = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        # The pace of a sampler: a child that lives a second is seen dozens of times.
        while not self._stopped.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        for pid in family(self.root):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    cmdline = handle.read()
                with open(f"/proc/{pid}/environ", "rb") as handle:
                    environ = handle.read()
            except OSError:  # it ended between the listing and the read
                continue
            if not cmdline:  # a zombie, or a process still being set up
                continue
            argv = [part.decode("utf-8", "replace") for part in cmdline.split(b"\0") if part]
            self.argvs.setdefault(pid, argv)
            for form in find(cmdline, self.needles):
                self.leaks.add(f"argv of pid {pid} {argv}: {form}")
            for form in find(environ, self.needles):
                self.leaks.add(f"environment of pid {pid} {argv}: {form}")
        self.samples += 1

    def stop(self) -> None:
        self._stopped.set()
        self.join(10)


class ThreadedDemoServer:
    """A ``DemoServer`` on an asyncio loop of its own, in a daemon thread."""

    def __init__(self, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="canary-demo-server"
        )
        self._kwargs = kwargs
        self._server: DemoServer | None = None

    @property
    def server(self) -> DemoServer:
        assert self._server is not None, "start() first"
        return self._server

    def start(self) -> DemoServer:
        self._thread.start()

        async def started() -> DemoServer:
            server = DemoServer(**self._kwargs)
            await server.start()
            return server

        self._server = self.run(started())
        return self._server

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run ``coro`` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def call(self, function: Callable[[], T]) -> T:
        """Call ``function`` on the server's loop (the server is not thread-safe)."""

        async def call() -> T:
            return function()

        return self.run(call())

    def close(self) -> None:
        if self._server is not None:
            self.run(self._server.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


class AppProcess:
    """``python -m beacon ARGS`` with ``env``; stdout and stderr are kept as they come."""

    def __init__(self, args: Iterable[str], env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "beacon", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
        )
        self.stdout = bytearray()
        self.stderr = bytearray()
        self._readers = [
            threading.Thread(target=self._read, args=(stream, into), daemon=True)
            for stream, into in (
                (self.process.stdout, self.stdout),
                (self.process.stderr, self.stderr),
            )
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @staticmethod
    def _read(stream: IO[bytes] | None, into: bytearray) -> None:
        assert stream is not None
        with stream:
            for line in stream:
                into.extend(line)

    def text(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 60) -> int:
        """Wait until ``text`` is in stderr past byte ``after``: the end of that line."""
        deadline = time.monotonic() + timeout
        needle = text.encode()
        while True:
            at = self.stderr.find(needle, after)
            if at >= 0:
                end = self.stderr.find(b"\n", at)
                return len(self.stderr) if end < 0 else end + 1
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never saw {text!r} in stderr:\n{self.text()}")
            # Another process's output: a poll is all there is to wait on.
            time.sleep(0.05)

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 30) -> int:
        status = self.process.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.wait()
