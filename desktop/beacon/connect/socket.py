"""A ``websockets`` client connection that hands each text message straight to a callback.

``websockets``' ``recv()`` path queues every message in an assembler and wakes a reader
coroutine per message: futures, task switches and a UTF-8 pass for each one. Pusher sends
many small messages, so that path cost more than the protocol itself (see
``tests/benchmarks``). This subclass, plugged in with ``connect(create_connection=...)``,
receives frames where ``websockets`` parses them (``process_event``, called for every
frame of a read) and calls the runtime at once, so a burst is handled in one pass.

With ``slice_bytes`` set (the app sets it; ``beacon listen`` does not), a large read is
parsed a slice at a time, one slice per turn of the event loop, with reading paused until
the last slice is done: a burst can bring 256 KiB in one read (a TLS connection even
more), several hundred messages, and handling them in one go kept the loop (in the app,
the UI thread) busy for tens of milliseconds. Slicing costs a little CPU per event (the
loop turns more often), which a loop with no UI to keep responsive need not pay.

Everything else (handshake, close handshake, control frames, writes, flow control of
sends) stays ``websockets``' own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from websockets.asyncio.client import ClientConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import CONNECTING, OPEN, Event

__all__ = ["PusherSocket"]

log = logging.getLogger("beacon.connect")

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CONT = Opcode.CONT
_OPEN = OPEN
_CONNECTING = CONNECTING


def _ignore(text: str) -> None:
    pass


class PusherSocket(ClientConnection):
    """Text messages go to ``deliver_to``'s callback; binary ones are logged and skipped."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._on_text: Callable[[str], None] | None = None
        # Messages that arrive with the handshake response, before the runtime is ready.
        self._early: list[str] = []
        self._fragments: list[bytes] | None = None
        #: How many reads from the network so far; changes whenever new bytes arrive.
        self.read_count = 0
        self._fragment_opcode: Opcode | None = None
        #: Bytes parsed per turn of the event loop, or None for a whole read at once (see
        #: the module's docstring).
        self.slice_bytes: int | None = None
        # What is left of a large read, from _backlog_at on, while reading is paused.
        self._backlog = b""
        self._backlog_at = 0
        self._lost = False
        # Our own frame parser (see _parse): on once the handshake is over.
        self._fast = False
        self._carry = bytearray()
        self._handshake_seen = b""
        self._pending_after_handshake = b""
        max_size = self.protocol.max_message_size
        fragment = self.protocol.max_fragment_size
        if max_size is None or (fragment is not None and fragment < max_size):
            max_size = fragment
        self._frame_limit = max_size

    def deliver_to(self, on_text: Callable[[str], None]) -> None:
        """Send every text message to ``on_text`` from now on (and those already here)."""
        self._on_text = on_text
        early, self._early = self._early, []
        for text in early:
            self._deliver(text)

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
            self.loop.call_soon(self._next_slice)
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
            super().data_received(carry)

    def _parse(self, data: bytes) -> None:
        """Hand ``data`` to the frame parser: ours for plain text frames, else websockets'.

        websockets parses a frame through several nested generators, about a third of
        the cost of an event. Once the handshake is over, whole unfragmented text frames
        (FIN, no RSV bits, unmasked, within the size limit) are cut here; every other
        frame is handed to websockets whole, one at a time, so that its parser always
        starts at a frame boundary. An incomplete frame waits in ``_carry``.
        """
        if not self._fast:
            if self.protocol.state is _CONNECTING and self._handshake(data):
                return
            if not self._fast:
                super().data_received(data)
                return
            data, self._pending_after_handshake = self._pending_after_handshake, b""
        if self._carry:
            self._carry += data
            buf: bytes | bytearray = self._carry
        else:
            buf = data
        size = len(buf)
        limit = self._frame_limit
        deliver = self._deliver
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
                    text = str(buf[start:end], "utf-8")
                except UnicodeDecodeError:
                    log.warning("skipped a text frame that is not UTF-8")
                else:
                    deliver(text)
                at = end
                continue
            if b0 & 0x0F < 0x03 or b0 & 0x70:
                break  # a fragment, or RSV bits: websockets keeps the state from here on
            # A whole control or binary frame: websockets' business, from a boundary.
            super().data_received(bytes(buf[at:end]))
            at = end
            if self.protocol.state is not _OPEN:
                break  # a close frame: whatever follows is websockets' too
        else:
            self._keep(buf, at)
            return
        # From ``at`` on, everything goes to websockets, for good.
        self._fast = False
        rest = bytes(buf[at:])
        self._carry = bytearray()
        if rest:
            super().data_received(rest)

    def _keep(self, buf: bytes | bytearray, at: int) -> None:
        """``buf[at:]`` is the start of a frame: wait for the rest of it."""
        if buf is self._carry:
            del self._carry[:at]
        elif at < len(buf):
            self._carry = bytearray(buf[at:])

    def _handshake(self, data: bytes) -> bool:
        """During the handshake: give websockets the HTTP response and nothing after it.

        Returns True when ``data`` was handled here. Frames after the response wait in
        ``_pending_after_handshake`` and ``_fast`` is set once the connection is open.
        """
        seen = self._handshake_seen + data
        end = seen.find(b"\r\n\r\n")
        if end < 0:
            self._handshake_seen = seen[-3:]
            return False
        cut = end + 4 - len(self._handshake_seen)  # the response's end, within data
        self._handshake_seen = b""
        super().data_received(data[:cut])
        if self.protocol.state is _OPEN:
            self._fast = True
            self._pending_after_handshake = data[cut:]
            return False
        if cut < len(data):
            super().data_received(data[cut:])
        return True

    def eof_received(self) -> None:
        # A TLS transport reports the end of the stream right after the data before it.
        self._drain_backlog()
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._drain_backlog()
        self._lost = True
        super().connection_lost(exc)

    def detach(self) -> None:
        """Deliver nothing more: the runtime has given up on this socket."""
        self._on_text = _ignore
        self._early = []

    def process_event(self, event: Event) -> None:
        if self.response is None or type(event) is not Frame:
            super().process_event(event)  # the handshake response
            return
        opcode = event.opcode
        if opcode is _TEXT and event.fin:
            try:
                text = str(event.data, "utf-8")
            except UnicodeDecodeError:
                log.warning("skipped a text frame that is not UTF-8")
                return
            self._deliver(text)
        elif opcode is _TEXT or opcode is _BINARY:
            if event.fin:
                log.warning("skipped a binary frame of %d bytes", len(event.data))
                return
            self._fragments = [bytes(event.data)]
            self._fragment_opcode = opcode
        elif opcode is _CONT:
            if self._fragments is None:
                return
            self._fragments.append(bytes(event.data))
            if event.fin:
                data = b"".join(self._fragments)
                kind, self._fragments, self._fragment_opcode = self._fragment_opcode, None, None
                if kind is not _TEXT:
                    log.warning("skipped a binary message of %d bytes", len(data))
                    return
                try:
                    self._deliver(data.decode())
                except UnicodeDecodeError:
                    log.warning("skipped a text message that is not UTF-8")
        else:
            super().process_event(event)  # ping, pong, close: websockets' business

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
