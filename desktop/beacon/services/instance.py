"""One running app per profile, and a way for a second launch to talk to it.

The profile's ``QLockFile`` says who runs; this module lets a second ``beacon`` ask the
running one to do something instead of failing. The running app listens on a local
socket (:class:`InstanceServer`, a ``QLocalServer``, so it needs no thread and no
polling); a second launch connects with a plain socket (:func:`forward`, so it exits
without building a QApplication) and sends one JSON line::

    {"command": "show"}          bring the window forward
    {"command": "settings"}      open the settings window (``beacon settings``)

and reads one JSON line back: ``{"ok": true}`` or ``{"ok": false, "error": "..."}``.
Unknown commands are refused by name, so that an older running Beacon answers a newer
launch with a clear error rather than silence.

The socket's path comes from the profile's path, so two profiles never meet, and lives
in ``$XDG_RUNTIME_DIR`` (private to the user) where there is one. POSIX only for now.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

__all__ = [
    "COMMANDS",
    "InstanceServer",
    "InstanceUnreachable",
    "forward",
    "socket_path",
]

log = logging.getLogger("beacon.services")

COMMANDS = frozenset({"show", "settings"})
#: A request is one short line; anything longer is not from Beacon.
MAX_LINE = 4096

Handler = Callable[[str], None]


class InstanceUnreachable(Exception):
    """The running instance did not answer (still starting, hung, or too old)."""


def socket_path(data_dir: Path) -> Path:
    """Where the instance for the profile in ``data_dir`` listens."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    # A hash, not the profile path itself: a socket path is limited to about 100 bytes.
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    return base / f"beacon-{digest}.sock"


def forward(path: Path, command: str, *, timeout: float = 10.0) -> None:
    """Send ``command`` to the instance listening at ``path``; raises
    :class:`InstanceUnreachable` when it does not take it within ``timeout`` seconds.

    The lock's holder may still be starting (its socket not yet listening), so a missing
    or refusing socket is tried again until the deadline.
    """
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while True:
        try:
            answer = _ask(path, command, max(0.1, deadline - time.monotonic()))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            last_error = f"not listening yet ({exc.strerror})"
        except (OSError, ValueError) as exc:
            raise InstanceUnreachable(f"the running Beacon did not answer: {exc}") from exc
        else:
            if answer.get("ok") is True:
                return
            raise InstanceUnreachable(str(answer.get("error") or "refused"))
        if time.monotonic() >= deadline:
            raise InstanceUnreachable(last_error)
        time.sleep(0.1)  # waiting for another process to start listening: nothing to await


def _ask(path: Path, command: str, timeout: float) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps({"command": command}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(MAX_LINE)
            if not chunk:
                break
            data += chunk
    answer = json.loads(data.decode() or "null")
    if not isinstance(answer, dict):
        raise ValueError(f"unexpected answer {data[:80]!r}")
    return answer


class InstanceServer(QObject):
    """Listens for second launches and hands their commands to a handler.

    Commands that arrive before :meth:`set_handler` (while the app is still starting) are
    kept and handed over then.
    """

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._handler: Handler | None = None
        self._pending: list[str] = []
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; False (logged) when the socket cannot be made.

        Only the holder of the profile's lock calls this, so a socket file already there
        is a crashed instance's leftover and is removed.
        """
        QLocalServer.removeServer(str(self.path))
        if not self._server.listen(str(self.path)):
            log.warning(
                "a second launch cannot reach this instance: %s (%s)",
                self._server.errorString(),
                self.path,
            )
            return False
        log.debug("listening for second launches on %s", self.path)
        return True

    def close(self) -> None:
        self._server.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def set_handler(self, handler: Handler) -> None:
        self._handler = handler
        pending, self._pending = self._pending, []
        for command in pending:
            handler(command)

    def _accept(self) -> None:
        while (connection := self._server.nextPendingConnection()) is not None:
            self._buffers[connection] = b""
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(lambda c=connection: self._forget(c))
            self._read(connection)  # what arrived with the connection

    def _forget(self, connection: QLocalSocket) -> None:
        self._buffers.pop(connection, None)
        connection.deleteLater()

    def _read(self, connection: QLocalSocket) -> None:
        if connection not in self._buffers:
            return
        data = self._buffers[connection] + bytes(connection.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_LINE:
                self._reply(connection, {"ok": False, "error": "request too long"})
            else:
                self._buffers[connection] = data
            return
        line = data.split(b"\n", 1)[0]
        try:
            request = json.loads(line.decode())
            command = request["command"]
        except (ValueError, KeyError, TypeError):
            self._reply(connection, {"ok": False, "error": "not a Beacon request"})
            return
        if command not in COMMANDS:
            self._reply(connection, {"ok": False, "error": f"unknown command {command!r}"})
            return
        log.info("another launch asked for %r", command)
        if self._handler is None:
            self._pending.append(command)
        else:
            try:
                self._handler(command)
            except Exception:  # a bug here must not leave the other launch waiting
                log.exception("could not carry out %r", command)
                self._reply(connection, {"ok": False, "error": "failed; see the log"})
                return
        self._reply(connection, {"ok": True})

    def _reply(self, connection: QLocalSocket, answer: dict[str, object]) -> None:
        self._buffers.pop(connection, None)
        connection.write(json.dumps(answer).encode() + b"\n")
        connection.disconnectFromServer()
