"""Soketi, a real third-party Pusher-protocol server, run as a test server.

Soketi is AGPL: it is installed by ``tests/run`` into ``tests/soketi/node_modules`` and run
as a separate process. Nothing of it is shipped or imported.

The session fixture ``soketi`` uses the instance that ``tests/run`` started (it exports
``BEACON_TEST_SOKETI_*``), or starts one itself when pytest runs on its own.
``soketi_factory`` starts private instances that a test may stop, kill and restart.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

SOKETI_DIR = Path(__file__).resolve().parent.parent / "soketi"
SERVER_JS = SOKETI_DIR / "node_modules" / "@soketi" / "soketi" / "bin" / "server.js"

APP_ID = "4242"  # numeric: the Python pusher library rejects other ids
APP_KEY = "beacon-test-key"
APP_SECRET = "beacon-test-secret"


def free_port() -> int:
    """A port that nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port``.

    SO_REUSEADDR lets the bind ignore the TIME_WAIT sockets that a server with clients
    leaves behind when it stops, so a restart on the same port is possible; it still fails
    while anything listens there.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
        return True


class PusherServer(Protocol):
    """What protocol tests need from a server: where it is and the app credentials."""

    host: str
    port: int
    app_id: str
    key: str
    secret: str

    def ws_url(self) -> str: ...


@dataclass
class ExternalSoketi:
    """A Soketi started outside pytest (by ``tests/run``); tests must not stop it."""

    host: str
    port: int
    app_id: str
    key: str
    secret: str

    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @classmethod
    def from_env(cls) -> ExternalSoketi | None:
        port = os.environ.get("BEACON_TEST_SOKETI_PORT")
        if not port:
            return None
        return cls(
            host=os.environ.get("BEACON_TEST_SOKETI_HOST", "127.0.0.1"),
            port=int(port),
            app_id=os.environ["BEACON_TEST_SOKETI_APP_ID"],
            key=os.environ["BEACON_TEST_SOKETI_KEY"],
            secret=os.environ["BEACON_TEST_SOKETI_SECRET"],
        )

    def export_env(self) -> dict[str, str]:
        return {
            "BEACON_TEST_SOKETI_HOST": self.host,
            "BEACON_TEST_SOKETI_PORT": str(self.port),
            "BEACON_TEST_SOKETI_APP_ID": self.app_id,
            "BEACON_TEST_SOKETI_KEY": self.key,
            "BEACON_TEST_SOKETI_SECRET": self.secret,
        }


class Soketi:
    """One Soketi process on a free port; ``start()`` again reuses the same port."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        app_id: str = APP_ID,
        key: str = APP_KEY,
        secret: str = APP_SECRET,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.app_id = app_id
        self.key = key
        self.secret = secret
        self.port = free_port()
        self.metrics_port = free_port()
        self.extra_env = env or {}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "SOKETI_HOST": self.host,
                "SOKETI_PORT": str(self.port),
                "SOKETI_METRICS_HOST": self.host,
                "SOKETI_METRICS_SERVER_PORT": str(self.metrics_port),
                "SOKETI_DEFAULT_APP_ID": self.app_id,
                "SOKETI_DEFAULT_APP_KEY": self.key,
                "SOKETI_DEFAULT_APP_SECRET": self.secret,
                "SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES": "true",
                "SOKETI_DEFAULT_APP_USER_AUTHENTICATION": "true",
                # Sockets that never sign in are closed with 4009 after this long.
                "SOKETI_USER_AUTHENTICATION_TIMEOUT": str(24 * 3600 * 1000),
                "SOKETI_EVENT_MAX_BATCH_SIZE": "100",
                "SOKETI_DEBUG": "0",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 20.0) -> None:
        if not SERVER_JS.exists():
            raise RuntimeError(f"Soketi is not installed at {SERVER_JS}: run tests/run once")
        # Two Soketi processes bind one port without complaint (FACTS.md), so make sure.
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is already taken; Soketi would share it")
        with contextlib.ExitStack() as stack:
            log: Any = subprocess.DEVNULL
            if self.log_path is not None:
                log = stack.enter_context(open(self.log_path, "ab"))
            self.process = subprocess.Popen(
                ["node", str(SERVER_JS), "start"],
                cwd=SOKETI_DIR,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{self.host}:{self.port}/ready"
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"Soketi exited with status {self.process.returncode}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Soketi did not answer {url} within {timeout} s")
            time.sleep(0.05)  # polling a readiness endpoint: no signal exists to await

    def terminate(self, timeout: float = 15.0) -> None:
        """Graceful stop: Soketi sends close code 4200 to every client, then exits."""
        self._stop(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Abrupt stop: no close frame reaches the clients."""
        self._stop(signal.SIGKILL, 10.0)

    def restart(self) -> None:
        self.terminate()
        self.start()

    def _stop(self, sig: signal.Signals, timeout: float) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> Soketi:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


@pytest.fixture(scope="session")
def soketi() -> Iterator[PusherServer]:
    """Soketi's URL, app id, key and secret, shared by the whole session."""
    external = ExternalSoketi.from_env()
    if external is not None:
        yield external
        return
    with Soketi() as server:
        yield server


@pytest.fixture
def soketi_factory() -> Iterator[Callable[..., Soketi]]:
    """Start a private, running Soketi (``soketi_factory(env={...})``) that a test may
    terminate, kill and start again on the same port; all are killed at teardown."""
    started: list[Soketi] = []

    def factory(**kwargs: Any) -> Soketi:
        server = Soketi(**kwargs)
        started.append(server)
        server.start()
        return server

    yield factory
    for server in started:
        server.kill()
