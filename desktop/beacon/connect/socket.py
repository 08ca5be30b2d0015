"""A WebSocket client that hands each text message straight to a callback.

It is a plain ``asyncio.Protocol`` around ``websockets``' sans-I/O ``ClientProtocol``,
driven only through its documented API (``connect``/``send_request``,
``receive_data``/``receive_eof``, ``events_received``, ``data_to_send``, ``send_text``,
``send_close``, ``close_expected``, ``handshake_exc``, ``close_code``/``close_reason``),
the way ``beacon.demo`` drives ``ServerProtocol``. ``websockets``' own asyncio client
queues every message in an assembler and wakes a reader coroutine per message: futures,
task switches and a UTF-8 pass for each one. Pusher sends many small messages, so that
path cost more than the protocol itself (see ``tests/benchmarks``); here a burst is
handled in one pass.

Once the handshake is over, whole unfragmented text frames (FIN, no RSV bits, unmasked,
within the size limit) are cut from the byte stream here: ``websockets``' parser goes
through several nested generators per frame, about a third of the cost of an event.
Every other frame (control, binary, fragmented, oversized, malformed) is handed to
``ClientProtocol.receive_data`` whole, starting at a frame boundary, so its parser always
sees a well-formed stream; after the first fragment, close frame or error, everything
goes to it for good.

With ``slice_bytes`` set (the app sets it; ``beacon listen`` does not), a large read is
parsed a slice at a time, one slice per turn of the event loop, with reading paused until
the last slice is done: a burst can bring 256 KiB in one read (a TLS connection even
more), several hundred messages, and handling them in one go kept the loop (in the app,
the UI thread) busy for tens of milliseconds. Slicing costs a little CPU per event (the
loop turns more often), which a loop with no UI to keep responsive need not pay.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl as ssl_module
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from beacon.config.transport import all_loopback
from beacon.connect.errors import PlainTextRefused
from beacon.connect.threads import in_daemon_thread

__all__ = ["CLOSE_TIMEOUT", "PusherSocket", "open_socket"]

log = logging.getLogger("beacon.connect")

#: How long a closing socket waits for the server's side of the closing handshake.
CLOSE_TIMEOUT = 0.5

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CONT = Opcode.CONT


def _ignore(text: str) -> None:
    pass


async def open_socket(
    url: str,
    *,
    ssl: ssl_module.SSLContext | None = None,
    max_size: int | None = 2**20,
    user_agent: str | None = None,
    slice_bytes: int | None = None,
    loopback_only: bool = False,
) -> PusherSocket:
    """Open a TCP (or TLS) connection to ``url`` and complete the WebSocket handshake.

    With ``loopback_only``, every address the host resolves to must be loopback, or
    ``PlainTextRefused`` is raised before any connection is tried: the check is made on
    the addresses connected to, so a second lookup cannot answer otherwise.

    Raises ``OSError``/``ssl.SSLError`` for the network, ``websockets.exceptions``'
    ``InvalidURI``/``InvalidHandshake`` for the address and the handshake.
    """
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    context: ssl_module.SSLContext | bool | None = None
    if uri.secure:
        context = ssl if ssl is not None else True
    addresses = await _resolve(uri.host, uri.port)
    if loopback_only and not all_loopback(address for _, address in addresses):
        raise PlainTextRefused(uri.host, [address for _, address in addresses])
    error: OSError = OSError(f"no address for {uri.host}")
    for family, address in addresses:
        try:
            # A numeric address: asyncio connects without a resolver thread of its own.
            _, sock = await loop.create_connection(
                lambda: PusherSocket(ClientProtocol(uri, max_size=max_size), user_agent, max_size),
                address,
                uri.port,
                family=family,
                ssl=context,
                server_hostname=uri.host if context else None,
            )
            break
        except OSError as exc:  # this address does not answer: try the next one
            error = exc
    else:
        raise error
    sock.slice_bytes = slice_bytes
    try:
        await sock.handshake()
    except BaseException:
        sock.transport.abort()
        raise
    return sock


async def _resolve(host: str, port: int) -> list[tuple[int, str]]:
    """The addresses of ``host``, looked up in a daemon thread.

    A resolver that does not answer blocks ``getaddrinfo`` for many seconds. asyncio runs
    it in the loop's default executor, whose threads ``asyncio.run()`` joins on its way
    out, so a SIGTERM would wait for the resolver; a daemon thread is left behind.
    """

    def lookup() -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for family, _, _, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            if (family, str(address[0])) not in found:
                found.append((family, str(address[0])))
        return found

    return await in_daemon_thread(lookup, name="beacon-resolve")


class PusherSocket(asyncio.Protocol):
    """Text messages go to ``deliver_to``'s callback; binary ones are logged and skipped."""

    transport: asyncio.Transport

    def __init__(
        self, protocol: ClientProtocol, user_agent: str | None, max_size: int | None
    ) -> None:
        #: websockets' sans-I/O state machine for this connection.
        self.protocol = protocol
        self._user_agent = user_agent
        self._loop = asyncio.get_running_loop()
        self._opened: asyncio.Future[None] = self._loop.create_future()
        self._closed: asyncio.Future[None] = self._loop.create_future()
        self._close_timer: asyncio.TimerHandle | None = None
        self._write_ready: asyncio.Future[None] | None = None
        self._eof = False
        #: The server's close code, or None when the connection ended without one (or is
        #: still open).
        self.close_code: int | None = None
        self.close_reason = ""
        self._on_text: Callable[[str], None] | None = None
        # Messages that arrive with the handshake response, before the runtime is ready.
        self._early: list[str] = []
        self._fragments: list[bytes] | None = None
        self._fragment_opcode: Opcode | None = None
        #: How many reads from the network so far; changes whenever new bytes arrive.
        self.read_count = 0
        #: Bytes parsed per turn of the event loop, or None for a whole read at once (see
        #: the module's docstring).
        self.slice_bytes: int | None = None
        # What is left of a large read, from _backlog_at on, while reading is paused.
        self._backlog = b""
        self._backlog_at = 0
        self._lost = False
        # Our own frame parser (see _parse): on once the handshake is over.
        self._fast = False
        self._handshake_done = False
        self._carry = bytearray()
        self._handshake_seen = b""
        self._frame_limit = max_size

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        request = self.protocol.connect()
        if self._user_agent is not None:
            request.headers["User-Agent"] = self._user_agent
        self.protocol.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        # Every message in one read arrived at the same moment: the runtime stamps them
        # once per read instead of once per message (slices included).
        self.read_count += 1
        if self._backlog:
            # A TLS transport may deliver once more after pause_reading().
            self._backlog = self._backlog[self._backlog_at :] + data
            self._backlog_at = 0
            return
        limit = self.slice_bytes
        if limit is None or len(data) <= limit:
            self._parse(data)
            return
        self._backlog, self._backlog_at = data, 0
        self.transport.pause_reading()
        self._next_slice()

    def eof_received(self) -> bool | None:
        # A TLS transport reports the end of the stream right after the data before it.
        self._drain_backlog()
        self._receive_eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._drain_backlog()
        self._lost = True
        self._receive_eof()
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        code = self.protocol.close_code
        if code is not None and code != 1006:  # 1006: no close frame came
            self.close_code = code
            self.close_reason = self.protocol.close_reason or ""
        if not self._opened.done():
            self._opened.set_exception(
                exc or ConnectionResetError("the server closed the connection")
            )
            self._opened.exception()  # retrieved: nobody may be awaiting it any more
        if self._write_ready is not None and not self._write_ready.done():
            self._write_ready.set_result(None)
        if not self._closed.done():
            self._closed.set_result(None)

    def pause_writing(self) -> None:
        if self._write_ready is None or self._write_ready.done():
            self._write_ready = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._write_ready is not None and not self._write_ready.done():
            self._write_ready.set_result(None)

    # -- the runtime's side ------------------------------------------------------------

    async def handshake(self) -> None:
        """Wait for the server's handshake response; raises when it refused."""
        await self._opened

    def deliver_to(self, on_text: Callable[[str], None]) -> None:
        """Send every text message to ``on_text`` from now on (and those already here)."""
        self._on_text = on_text
        early, self._early = self._early, []
        for text in early:
            self._deliver(text)

    def detach(self) -> None:
        """Deliver nothing more: the runtime has given up on this socket."""
        self._on_text = _ignore
        self._early = []

    async def send(self, text: str) -> None:
        """Send one text message; waits while the transport's write buffer is full.

        A message for a socket that is closing is dropped: the runtime resends what it
        needs on the next connection.
        """
        if self._lost:
            return  # asyncio warns about writes to a connection that is gone
        try:
            self.protocol.send_text(text.encode())
        except InvalidState:
            return
        self._flush()
        ready = self._write_ready
        if ready is not None and not ready.done():
            await ready

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """The closing handshake, cut short after ``CLOSE_TIMEOUT``."""
        if not self._lost:
            try:
                self.protocol.send_close(code, reason)
            except InvalidState:
                pass  # closing already, or never opened
            self._flush()
            if self._close_timer is None:
                self._close_timer = self._loop.call_later(CLOSE_TIMEOUT, self.transport.abort)
        await asyncio.shield(self._closed)

    async def wait_closed(self) -> None:
        await asyncio.shield(self._closed)

    # -- internals ---------------------------------------------------------------------

    def _flush(self) -> None:
        transport = self.transport
        for data in self.protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()  # TLS cannot half-close
        if self._close_timer is None and not self._lost and self.protocol.close_expected():
            # The server should end the connection now; cut it off if it does not.
            self._close_timer = self._loop.call_later(CLOSE_TIMEOUT, transport.abort)

    def _receive_eof(self) -> None:
        if self._eof:
            return
        self._eof = True
        self.protocol.receive_eof()
        if not self._lost:
            self._flush()

    def _feed(self, data: bytes) -> None:
        """Bytes for websockets' parser, and what it makes of them."""
        if self._eof:
            return
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if type(event) is Frame:
                self._on_frame(event)
            elif isinstance(event, Response):
                self._on_response()
        self._flush()

    def _on_response(self) -> None:
        self._handshake_done = True
        if self._opened.done():
            return
        exc = self.protocol.handshake_exc
        if exc is not None:
            self._opened.set_exception(exc)
        else:
            self._opened.set_result(None)

    def _on_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is _TEXT and frame.fin:
            try:
                text = str(frame.data, "utf-8")
            except UnicodeDecodeError:
                log.warning("skipped a text frame that is not UTF-8")
                return
            self._deliver(text)
        elif opcode is _TEXT or opcode is _BINARY:
            if frame.fin:
                log.warning("skipped a binary frame of %d bytes", len(frame.data))
                return
            self._fragments = [bytes(frame.data)]
            self._fragment_opcode = opcode
        elif opcode is _CONT:
            if self._fragments is None:
                return
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                data = b"".join(self._fragments)
                kind, self._fragments, self._fragment_opcode = self._fragment_opcode, None, None
                if kind is not _TEXT:
                    log.warning("skipped a binary message of %d bytes", len(data))
                    return
                try:
                    self._deliver(data.decode())
                except UnicodeDecodeError:
                    log.warning("skipped a text message that is not UTF-8")
        # ping (websockets queues the pong), pong, close: websockets' business

    def _next_slice(self) -> None:
        if self._lost or not self._backlog:
            return
        start = self._backlog_at
        end = start + (self.slice_bytes or len(self._backlog))
        piece = self._backlog[start:end]
        if end >= len(self._backlog):
            self._backlog, self._backlog_at = b"", 0
        else:
            self._backlog_at = end
        self._parse(piece)
        if self._backlog:
            self._loop.call_soon(self._next_slice)
        elif not self._lost:
            self.transport.resume_reading()

    def _drain_backlog(self) -> None:
        """Parse what is left of a large read now: the stream is ending."""
        if self._backlog:
            rest = self._backlog[self._backlog_at :]
            self._backlog, self._backlog_at = b"", 0
            self._parse(rest)
        if self._carry:
            # An incomplete frame: websockets' parser is at a frame boundary, and sees
            # the stream end in the middle of it, as it would have without us.
            carry, self._carry = bytes(self._carry), bytearray()
            self._fast = False
            self._feed(carry)

    def _parse(self, data: bytes) -> None:
        """Hand ``data`` to the frame parser: ours for plain text frames, else websockets'.

        See the module's docstring. An incomplete frame waits in ``_carry``.
        """
        if not self._fast:
            if self._handshake_done:
                self._feed(data)
                return
            data = self._handshake(data)
            if not self._fast or not data:
                return
        if self._carry:
            self._carry += data
            buf: bytes | bytearray = self._carry
        else:
            buf = data
        size = len(buf)
        limit = self._frame_limit
        at = 0
        while size - at >= 2:
            b0 = buf[at]
            length = buf[at + 1]
            if length & 0x80:
                break  # masked: a server never masks; websockets fails the connection
            if length < 126:
                start = at + 2
            elif length == 126:
                if size - at < 4:
                    break
                length = (buf[at + 2] << 8) | buf[at + 3]
                start = at + 4
            else:
                if size - at < 10:
                    break
                length = int.from_bytes(buf[at + 2 : at + 10], "big")
                start = at + 10
            if limit is not None and length > limit:
                break  # too big: websockets closes with 1009
            end = start + length
            if end > size:
                self._keep(buf, at)
                return
            if b0 == 0x81:  # FIN, no RSV bits, text: the hot path
                try:
                    text = buf[start:end].decode()
                except UnicodeDecodeError:
                    log.warning("skipped a text frame that is not UTF-8")
                else:
                    # _deliver inlined (one Python call less per event); looked up for
                    # each message, since handling one may detach() the socket.
                    on_text = self._on_text
                    if on_text is None:
                        self._early.append(text)
                    else:
                        try:
                            on_text(text)
                        except Exception:
                            log.exception("handling a received message failed")
                at = end
                continue
            if b0 & 0x0F < 0x03 or b0 & 0x70:
                break  # a fragment, or RSV bits: websockets keeps the state from here on
            # A whole control or binary frame: websockets' business, from a boundary.
            self._feed(bytes(buf[at:end]))
            at = end
            if self.protocol.close_expected():
                break  # a close frame (or a failure): whatever follows is websockets' too
        else:
            self._keep(buf, at)
            return
        # From ``at`` on, everything goes to websockets, for good.
        self._fast = False
        rest = bytes(buf[at:])
        self._carry = bytearray()
        if rest:
            self._feed(rest)

    def _keep(self, buf: bytes | bytearray, at: int) -> None:
        """``buf[at:]`` is the start of a frame: wait for the rest of it."""
        if buf is self._carry:
            del self._carry[:at]
        elif at < len(buf):
            self._carry = bytearray(buf[at:])

    def _handshake(self, data: bytes) -> bytes:
        """During the handshake: give websockets the HTTP response and nothing after it.

        Returns what is left of ``data`` for the frame parser once the connection is open
        (``_fast`` set); otherwise everything went to websockets.
        """
        seen = self._handshake_seen + data
        end = seen.find(b"\r\n\r\n")
        if end < 0:
            self._handshake_seen = seen[-3:]
            self._feed(data)
            return b""
        cut = end + 4 - len(self._handshake_seen)  # the response's end, within data
        self._handshake_seen = b""
        self._feed(data[:cut])
        rest = data[cut:]
        if self._handshake_done and self.protocol.handshake_exc is None:
            self._fast = True
            return rest
        if rest:
            self._feed(rest)
        return b""

    def _deliver(self, text: str) -> None:
        on_text = self._on_text
        if on_text is None:
            self._early.append(text)
            return
        try:
            on_text(text)
        except Exception:
            # An exception here would escape into asyncio's data_received and kill the
            # connection; one bad message must not do that.
            log.exception("handling a received message failed")
