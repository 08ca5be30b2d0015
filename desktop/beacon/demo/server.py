"""The embedded demo server: a small Pusher Channels (protocol 7) server on 127.0.0.1.

One port serves the WebSocket endpoint ``/app/{key}`` and the HTTP endpoints of
:mod:`beacon.demo.api` (the trigger and channel APIs, the app's auth endpoints, ``/ready``).

After ``pusher:signin``, an event triggered on ``#server-to-user-{id}`` (which is all the
``pusher`` library's ``send_to_user`` does) reaches every socket signed in as that user, and
such a socket may subscribe to its own user's channel, as pusher-js does.

It speaks what Soketi speaks, frame for frame where it matters (error codes, the shape of
``pusher:subscription_error``), because the integration tests run the same protocol tests
against both. It is a test and demo server, not a production one: one process, no limits
beyond sanity checks, and everything in memory.

The parts, by concern, as websockets splits its server:

- this module: listening, reading each request head, and the public face (lifecycle,
  publishing, state and fault hooks for tests, generated activity);
- :mod:`beacon.demo.session`: one WebSocket connection (handshake, frames, liveness);
- :mod:`beacon.demo.channels`: subscriptions, presence, sign-in, client events and the
  broadcast path, which encodes the JSON and the WebSocket frame once per channel and
  writes the same bytes to every subscriber, so that publishing stays cheap at benchmark
  rates;
- :mod:`beacon.demo.api` and :mod:`beacon.demo.auth`: the HTTP endpoints;
- :mod:`beacon.demo.http`: the little HTTP/1.1 they need.

Fault hooks for tests: :meth:`DemoServer.disconnect_all`, :meth:`DemoServer.drop_all`,
:meth:`DemoServer.inject_raw`, and the attributes ``answer_pings``, ``auth_status`` and
``reject_connections``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
import re
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from beacon.demo import http
from beacon.demo.api import HttpApi
from beacon.demo.auth import DEFAULT_USER, AuthEndpoints
from beacon.demo.channels import Channels, is_cache, is_presence, is_private
from beacon.demo.http import HttpError, HttpRequest
from beacon.demo.session import CLOSE_WAIT, Session, dumps, handshake
from beacon.demo.tickets import AGENTS, MY_AGENT_ID, PRESENCE_CHANNEL, TicketGenerator
from beacon.pusher import auth

__all__ = ["DEFAULT_USER", "DemoServer", "is_cache", "is_presence", "is_private"]

log = logging.getLogger("beacon.demo")

_APP_PATH = re.compile(r"^/app/([^/]+)/?$")
_SERVER_CLOSED = "Server closed. Please reconnect shortly."


class DemoServer:
    """A Pusher-protocol server for the demo and the tests. Start it with :meth:`start`.

    ``ticket_rate`` > 0 publishes generated support-ticket activity at that many events per
    second (see :mod:`beacon.demo.tickets`); ``seed`` makes that activity repeatable.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = "1",
        key: str = "demo-key",
        secret: str = "demo-secret",
        activity_timeout: float = 120,
        ticket_rate: float = 0.0,
        pong_timeout: float = 30.0,
        seed: int | None = None,
        encryption_master_key: bytes | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.app_id = app_id
        self.key = key
        self.secret = secret
        self.activity_timeout = activity_timeout
        self.pong_timeout = pong_timeout
        self.ticket_rate = ticket_rate
        self.seed = seed
        # With a 32-byte master key, private-encrypted- channels work end to end: the auth
        # endpoint hands out their shared_secret and publish() encrypts for them.
        if encryption_master_key is not None and len(encryption_master_key) != 32:
            raise ValueError("the encryption master key is 32 bytes")
        # Fault hooks, for tests: stop answering pusher:ping; turn every new socket away
        # with (close code, message), as Soketi does with 4100 when the app is over its
        # connection quota. ``auth_status`` (below) makes /pusher/auth fail.
        self.answer_pings = True
        self.reject_connections: tuple[int, str] | None = None
        self.connection_attempts = 0  # WebSocket handshakes completed, turned away or not
        # What clients sent (socket_id, decoded message), newest last, for assertions.
        self.received: deque[tuple[str, Any]] = deque(maxlen=10_000)

        self.channels = Channels(key, secret, self._notify)
        self.auth = AuthEndpoints(key, secret, encryption_master_key)
        self.api = HttpApi(app_id, key, secret, self.channels, self.auth)
        #: What was published lately, for the catch-up endpoint.
        self.missed = self.channels.missed
        self._server: asyncio.Server | None = None
        self._sessions: dict[str, Session] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._closing = False
        self._random = random.Random()
        self._viewing: dict[str, str] = {}  # simulated agent -> the ticket channel they view

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Listen; when this returns, ``port`` is the real port and clients may connect.

        After :meth:`close`, ``start()`` listens again on the same port: a server restart.
        """
        self._closing = False
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        if self.ticket_rate > 0:
            self._spawn(self._publish_tickets(self._add_colleagues()))
        log.info("demo server listening on %s", self.ws_url())

    async def close(self) -> None:
        """Stop: every client gets ``pusher:error`` 4200 and close code 4200, as Soketi does."""
        if self._server is None:
            return
        self._closing = True
        server, self._server = self._server, None
        server.close()
        await self._close_sessions(4200, _SERVER_CLOSED)
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
        log.info("demo server closed")

    async def __aenter__(self) -> DemoServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def ws_url(self) -> str:
        """``ws://host:port``: append ``/app/{key}`` to connect."""
        return f"ws://{self.host}:{self.port}"

    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def auth_endpoint(self) -> str:
        return f"{self.http_url()}/pusher/auth"

    # -- state for tests -----------------------------------------------------------------

    @property
    def encryption_master_key(self) -> bytes | None:
        return self.auth.encryption_master_key

    @property
    def auth_status(self) -> int | None:
        """Fault hook: when set, /pusher/auth and /pusher/user-auth fail with this status."""
        return self.auth.status

    @auth_status.setter
    def auth_status(self, status: int | None) -> None:
        self.auth.status = status

    @property
    def auth_requests(self) -> int:
        return self.auth.requests

    @property
    def published(self) -> int:
        return self.channels.published

    @property
    def client_count(self) -> int:
        return len(self._sessions)

    def socket_ids(self) -> list[str]:
        return list(self._sessions)

    def subscribers(self, channel: str) -> list[str]:
        """Socket ids subscribed to ``channel``."""
        return list(self.channels.subscribers.get(channel, ()))

    def members(self, channel: str) -> dict[str, Any]:
        """A presence channel's members: user_id -> user_info."""
        return {uid: m.info for uid, m in self.channels.members.get(channel, {}).items()}

    def signed_in(self, user_id: str) -> list[str]:
        """Socket ids signed in as ``user_id``."""
        return list(self.channels.users.get(user_id, ()))

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds; it is checked after every change of state."""
        async with asyncio.timeout(timeout):
            while not predicate():
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                await waiter

    async def wait_for_subscribers(
        self, channel: str, count: int = 1, timeout: float = 10.0
    ) -> None:
        await self.wait_for(
            lambda: len(self.channels.subscribers.get(channel, ())) >= count, timeout
        )

    async def wait_for_clients(self, count: int = 1, timeout: float = 10.0) -> None:
        await self.wait_for(lambda: len(self._sessions) >= count, timeout)

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- publishing ------------------------------------------------------------------------

    def publish(self, channel: str, event: str, data: Any, *, exclude: str | None = None) -> int:
        """Send ``event`` to every subscriber of ``channel`` (but ``exclude``, a socket id).

        ``data`` that is not a string is JSON-encoded, as the Pusher HTTP API expects; on a
        ``private-encrypted-`` channel it is encrypted as Pusher's server libraries do (this
        needs ``encryption_master_key``). ``#server-to-user-{id}`` reaches every socket
        signed in as that user. Returns the number of sockets written to.
        """
        text = data if isinstance(data, str) else dumps(data)
        if channel.startswith("private-encrypted-"):
            text = self.encrypt(channel, text)
        return self.channels.publish_text(channel, event, text, exclude)

    def encrypt(self, channel: str, text: str) -> str:
        """The data of an encrypted event: ``{"nonce": ..., "ciphertext": ...}`` as JSON."""
        if self.encryption_master_key is None:
            raise ValueError("encrypted channels need the server's encryption_master_key")
        import nacl.secret  # imported when used: only encrypted channels need PyNaCl
        import nacl.utils

        box = nacl.secret.SecretBox(auth.shared_secret(channel, self.encryption_master_key))
        nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
        sealed = box.encrypt(text.encode(), nonce)
        return dumps(
            {
                "nonce": base64.b64encode(nonce).decode(),
                "ciphertext": base64.b64encode(sealed.ciphertext).decode(),
            }
        )

    def add_member(self, channel: str, user_id: str, info: Any = None) -> None:
        """Put a member with no socket into a presence channel (a simulated colleague, or a
        test's way to cause ``member_added``). Subscribers see ``member_added``."""
        self.channels.add_member(channel, user_id, info)

    def remove_member(self, channel: str, user_id: str) -> None:
        """Take out a member added with :meth:`add_member` (``member_removed`` follows once
        no socket of that user remains)."""
        self.channels.remove_member(channel, user_id)

    def agent_views(self, data: Any, *, resolved: bool = False) -> None:
        """A colleague who acts on a ticket has it open (``presence-ticket-{id}``, for
        Beacon's "Also viewing"), until they act on another or resolve it."""
        agent = data.get("agent") if isinstance(data, dict) else None
        if not isinstance(agent, dict) or agent.get("id") == MY_AGENT_ID:
            return
        agent_id, channel = str(agent["id"]), f"presence-ticket-{data['id']}"
        previous = self._viewing.pop(agent_id, None)
        if previous is not None and previous != channel:
            self.remove_member(previous, agent_id)
        if resolved:
            if previous == channel:
                self.remove_member(channel, agent_id)
            return
        self._viewing[agent_id] = channel
        if previous != channel:
            self.add_member(channel, agent_id, {"name": agent.get("name"), "team": "Support"})

    # -- fault hooks -----------------------------------------------------------------------

    def inject_raw(self, payload: str | bytes) -> None:
        """Fault hook: send ``payload`` as one text (str) or binary (bytes) frame to all."""
        for session in list(self._sessions.values()):
            if not session.open:
                continue
            if isinstance(payload, str):
                session.send_text(payload)
            else:
                session.send_binary(payload)

    async def disconnect_all(self, code: int, reason: str) -> None:
        """Fault hook: close every client with ``code`` and ``reason``, and wait until gone.

        For 4000-4999, a ``pusher:error`` with that code comes first, as Pusher and Soketi
        send one before closing. The server keeps running, so clients may reconnect.
        """
        await self._close_sessions(code, reason)

    async def drop_all(self) -> None:
        """Fault hook: cut every connection without a close frame, like a network failure."""
        sessions = list(self._sessions.values())
        for session in sessions:
            session.abort()
        await asyncio.gather(*(s.closed.wait() for s in sessions))

    async def _close_sessions(self, code: int, reason: str) -> None:
        sessions = list(self._sessions.values())
        for session in sessions:
            session.close(code, reason)
        if sessions:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_WAIT + 1):
                    await asyncio.gather(*(s.closed.wait() for s in sessions))

    # -- connections -----------------------------------------------------------------------

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("demo server: connection failed")
        finally:
            self._tasks.discard(task)
            if self._closing:
                writer.transport.abort()
            else:
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return  # the client closed an idle keep-alive connection
            except asyncio.LimitOverrunError:
                error = HttpError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "head too large")
                writer.write(http.error_response(error, keep_alive=False))
                return
            try:
                request = http.parse_head(head)
                if request.method == "GET" and request.is_upgrade:
                    await self._serve_websocket(request, reader, writer)
                    return
                length = request.content_length
                if length:
                    request.body = await reader.readexactly(length)
                status, body = self.api.route(request)
                writer.write(http.response(status, body, keep_alive=request.keep_alive))
            except HttpError as error:
                writer.write(http.error_response(error, keep_alive=False))
                await writer.drain()
                return
            await writer.drain()
            if not request.keep_alive:
                return

    async def _serve_websocket(
        self, request: HttpRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        protocol = handshake(request, writer, lambda path: _APP_PATH.match(path) is not None)
        if protocol is None:
            return
        match = _APP_PATH.match(request.path)
        assert match is not None

        socket_id = self._new_socket_id()
        loop = asyncio.get_running_loop()
        session = Session(socket_id, protocol, writer, last_seen=loop.time())
        self.connection_attempts += 1
        self._notify()
        if self._closing:
            session.close(4200, _SERVER_CLOSED)
        elif match.group(1) != self.key:
            session.close(4001, f"App key {match.group(1)} does not exist.")
        elif self.reject_connections is not None:
            session.close(*self.reject_connections)
        else:
            self._sessions[socket_id] = session
            established = {"socket_id": socket_id, "activity_timeout": self.activity_timeout}
            session.send("pusher:connection_established", dumps(established))
            self._notify()
        liveness = self._spawn(session.watch_liveness(self.activity_timeout, self.pong_timeout))
        try:
            await session.read_frames(reader, self._on_message)
        finally:
            liveness.cancel()
            self._forget(session)
            session.closed.set()

    def _new_socket_id(self) -> str:
        while True:
            socket_id = f"{self._random.randrange(10**9)}.{self._random.randrange(10**9)}"
            if socket_id not in self._sessions:
                return socket_id

    def _forget(self, session: Session) -> None:
        if self._sessions.pop(session.socket_id, None) is None:
            return
        self.channels.forget(session)
        self._notify()

    def _on_message(self, session: Session, payload: bytes) -> None:
        if session.socket_id not in self._sessions:
            return  # being turned away (unknown key, closing): ignore what it says
        try:
            message = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            log.debug("demo server: %s sent a frame that is not JSON", session.socket_id)
            return
        if not isinstance(message, dict) or not isinstance(message.get("event"), str):
            log.debug("demo server: %s sent a frame without an event", session.socket_id)
            return
        self.received.append((session.socket_id, message))
        event: str = message["event"]
        # Some clients send the data of pusher:* events as a JSON string: accept both.
        raw = message.get("data")
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                raw = json.loads(raw)
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if event == "pusher:ping":
            if self.answer_pings:
                session.send("pusher:pong", {})
        elif event == "pusher:pong":
            pass  # any frame counts as activity; last_seen is already updated
        elif event == "pusher:subscribe":
            self.channels.subscribe(session, data)
        elif event == "pusher:unsubscribe":
            self.channels.unsubscribe(session, data)
        elif event == "pusher:signin":
            self.channels.signin(session, data)
        elif event.startswith("client-"):
            self.channels.client_event(session, event, message.get("channel"), message.get("data"))
        else:
            log.debug("demo server: %s sent unhandled event %s", session.socket_id, event)

    # -- generated activity -------------------------------------------------------------------

    def _add_colleagues(self) -> list[tuple[str, str]]:
        # Colleagues on the support presence channel, who now and then come and go.
        colleagues = [(agent_id, name) for agent_id, name in AGENTS if agent_id != MY_AGENT_ID]
        for agent_id, name in colleagues[:2]:
            self.add_member(PRESENCE_CHANNEL, agent_id, {"name": name, "team": "Support"})
        return colleagues

    async def _publish_tickets(self, colleagues: list[tuple[str, str]]) -> None:
        generator = TicketGenerator(seed=self.seed)
        # The action buttons' Claim and Resolve keep this generator in step.
        self.api.desk.generator = generator
        rng = random.Random(self.seed)
        while True:
            # Jittered around the mean rate, so that the demo does not tick like a clock.
            await asyncio.sleep(rng.uniform(0.5, 1.5) / self.ticket_rate)
            item = generator.next_event()
            self.publish(item.channel, item.event, item.data)
            self.agent_views(item.data, resolved=item.event == "ticket.resolved")
            if rng.random() < 0.05:
                agent_id, name = rng.choice(colleagues)
                if agent_id in self.channels.members.get(PRESENCE_CHANNEL, {}):
                    self.remove_member(PRESENCE_CHANNEL, agent_id)
                else:
                    self.add_member(PRESENCE_CHANNEL, agent_id, {"name": name, "team": "Support"})
