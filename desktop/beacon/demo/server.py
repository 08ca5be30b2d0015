"""The embedded demo server: a small Pusher Channels (protocol 7) server on 127.0.0.1.

One port serves the WebSocket endpoint ``/app/{key}`` and the HTTP endpoints:

- ``POST /apps/{app_id}/events`` and ``POST /apps/{app_id}/batch_events``: the trigger API,
  with Pusher's request signing checked, so the official ``pusher`` library can publish;
- ``POST /pusher/auth``: the app's channel authorization endpoint (form ``socket_id`` and
  ``channel_name``), so the demo client needs no secret. A presence user comes from the
  form field ``user_id`` or an ``Authorization: Bearer <user>`` header, else ``agent-7``;
- ``POST /pusher/user-auth``: the same for ``pusher:signin``;
- ``GET /apps/{app_id}/channels[/{name}[/users]]``: channel and presence information;
- ``GET /ready``.

After ``pusher:signin``, an event triggered on ``#server-to-user-{id}`` (which is all the
``pusher`` library's ``send_to_user`` does) reaches every socket signed in as that user, and
such a socket may subscribe to its own user's channel, as pusher-js does.

It speaks what Soketi speaks, frame for frame where it matters (error codes, the shape of
``pusher:subscription_error``), because the integration tests run the same protocol tests
against both. It is a test and demo server, not a production one: one process, no limits
beyond sanity checks, and everything in memory.

WebSocket framing is websockets' sans-I/O ``ServerProtocol``; the request head is read here
first, because websockets' own servers reject the POSTs of the HTTP API. Broadcasts encode
the JSON and the WebSocket frame once per channel and write the same bytes to every
subscriber, so that publishing stays cheap at benchmark rates.

Fault hooks for tests: :meth:`DemoServer.disconnect_all`, :meth:`DemoServer.drop_all`,
:meth:`DemoServer.inject_raw`, and the attributes ``answer_pings``, ``auth_status`` and
``reject_connections``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import json
import logging
import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from beacon.demo import http
from beacon.demo.catchup import CATCHUP_PATH, MissedLog
from beacon.demo.http import HttpError, HttpRequest
from beacon.demo.tickets import AGENTS, MY_AGENT_ID, PRESENCE_CHANNEL, TicketGenerator
from beacon.pusher import auth
from beacon.pusher.channels import SERVER_TO_USER_PREFIX

log = logging.getLogger("beacon.demo")
_ws_log = logging.getLogger("beacon.demo.websocket")

DEFAULT_USER = {"user_id": "agent-7", "user_info": {"name": "Priya Shah", "team": "Support"}}

# Pusher's channel naming rules; names starting with "#" are reserved for the server.
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_\-=@,.;]{1,164}$")
_SOCKET_ID = re.compile(r"^\d+\.\d+$")
_APP_PATH = re.compile(r"^/app/([^/]+)/?$")
_API_PATH = re.compile(r"^/apps/([^/]+)/(events|batch_events|channels)(?:/([^/]+))?(/users)?$")
_TIMESTAMP_WINDOW = 600  # seconds, as Pusher's API allows
_MAX_BATCH = 100
_MAX_CHANNELS = 100
_MAX_EVENT_BYTES = 100 * 1024  # Soketi's default limit
_CLOSE_WAIT = 5.0  # how long a closing handshake may take before the socket is cut
_SERVER_CLOSED = "Server closed. Please reconnect shortly."
_VIRTUAL = "virtual"  # the "socket" of members added by add_member(); never a real socket id


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _frame_bytes(text: str) -> bytes:
    # Server frames are unmasked and no extension is negotiated, so one serialized frame
    # is valid on every connection: the broadcast path encodes it once.
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def is_private(channel: str) -> bool:
    """Channels that need an auth signature to subscribe."""
    return channel.startswith(("private-", "presence-"))


def is_presence(channel: str) -> bool:
    return channel.startswith("presence-")


def is_cache(channel: str) -> bool:
    return channel.startswith(("cache-", "private-cache-", "presence-cache-")) or (
        channel.startswith("private-encrypted-cache-")
    )


@dataclass(eq=False)
class _Client:
    """One WebSocket connection after the handshake."""

    socket_id: str
    protocol: ServerProtocol
    writer: asyncio.StreamWriter
    last_seen: float
    channels: set[str] = field(default_factory=set)
    presence: dict[str, str] = field(default_factory=dict)  # channel -> user_id
    user_id: str | None = None  # after pusher:signin
    ping_sent_at: float | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def open(self) -> bool:
        return self.protocol.state is State.OPEN and not self.writer.is_closing()


@dataclass
class _Member:
    info: Any
    sockets: set[str] = field(default_factory=set)


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
        self.encryption_master_key = encryption_master_key
        # Fault hooks, for tests: stop answering pusher:ping; make /pusher/auth fail with
        # this HTTP status; turn every new socket away with (close code, message), as
        # Soketi does with 4100 when the app is over its connection quota.
        self.answer_pings = True
        self.auth_status: int | None = None
        self.reject_connections: tuple[int, str] | None = None
        self.connection_attempts = 0  # WebSocket handshakes completed, turned away or not
        # What clients sent (socket_id, decoded message), newest last, for assertions.
        self.received: deque[tuple[str, Any]] = deque(maxlen=10_000)
        self.auth_requests = 0
        self.published = 0
        # Recent published events, served at /pusher/missed (demo/catchup.py).
        self.missed = MissedLog()

        self._server: asyncio.Server | None = None
        self._clients: dict[str, _Client] = {}
        self._channels: dict[str, dict[str, _Client]] = {}
        self._members: dict[str, dict[str, _Member]] = {}
        self._users: dict[str, dict[str, _Client]] = {}  # user id -> its signed-in sockets
        self._cache: dict[str, str] = {}  # cache channel -> last event frame
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._closing = False
        self._random = random.Random()

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
        await self._close_clients(4200, _SERVER_CLOSED)
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
    def client_count(self) -> int:
        return len(self._clients)

    def socket_ids(self) -> list[str]:
        return list(self._clients)

    def subscribers(self, channel: str) -> list[str]:
        """Socket ids subscribed to ``channel``."""
        return list(self._channels.get(channel, ()))

    def members(self, channel: str) -> dict[str, Any]:
        """A presence channel's members: user_id -> user_info."""
        return {uid: m.info for uid, m in self._members.get(channel, {}).items()}

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
        await self.wait_for(lambda: len(self._channels.get(channel, ())) >= count, timeout)

    async def wait_for_clients(self, count: int = 1, timeout: float = 10.0) -> None:
        await self.wait_for(lambda: len(self._clients) >= count, timeout)

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
        text = data if isinstance(data, str) else _dumps(data)
        if channel.startswith("private-encrypted-"):
            text = self.encrypt(channel, text)
        return self._publish_text(channel, event, text, exclude)

    def signed_in(self, user_id: str) -> list[str]:
        """Socket ids signed in as ``user_id``."""
        return list(self._users.get(user_id, ()))

    def encrypt(self, channel: str, text: str) -> str:
        """The data of an encrypted event: ``{"nonce": ..., "ciphertext": ...}`` as JSON."""
        if self.encryption_master_key is None:
            raise ValueError("encrypted channels need the server's encryption_master_key")
        import nacl.secret  # imported when used: only encrypted channels need PyNaCl
        import nacl.utils

        box = nacl.secret.SecretBox(auth.shared_secret(channel, self.encryption_master_key))
        nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
        sealed = box.encrypt(text.encode(), nonce)
        return _dumps(
            {
                "nonce": base64.b64encode(nonce).decode(),
                "ciphertext": base64.b64encode(sealed.ciphertext).decode(),
            }
        )

    def _publish_text(self, channel: str, event: str, text: str, exclude: str | None) -> int:
        message = _dumps({"event": event, "channel": channel, "data": text})
        self.published += 1
        self.missed.record(channel, event, text)
        if channel.startswith(SERVER_TO_USER_PREFIX):
            # Like Soketi, by sign-in rather than by subscription: a signed-in socket gets
            # its user's events whether or not it has subscribed to the user's channel.
            user_sockets = self._users.get(channel[len(SERVER_TO_USER_PREFIX) :])
            return self._write_all(user_sockets, message, exclude)
        if is_cache(channel):
            self._cache[channel] = message
        return self._broadcast(channel, message, exclude)

    def _broadcast(self, channel: str, message: str, exclude: str | None = None) -> int:
        return self._write_all(self._channels.get(channel), message, exclude)

    @staticmethod
    def _write_all(
        subscribers: dict[str, _Client] | None, message: str, exclude: str | None
    ) -> int:
        if not subscribers:
            return 0
        frame = _frame_bytes(message)
        sent = 0
        for socket_id, client in subscribers.items():
            if socket_id != exclude and client.open:
                client.writer.write(frame)
                sent += 1
        return sent

    def inject_raw(self, payload: str | bytes) -> None:
        """Fault hook: send ``payload`` as one text (str) or binary (bytes) frame to all."""
        for client in list(self._clients.values()):
            if not client.open:
                continue
            if isinstance(payload, str):
                client.protocol.send_text(payload.encode())
            else:
                client.protocol.send_binary(payload)
            self._flush(client.protocol, client.writer)

    async def disconnect_all(self, code: int, reason: str) -> None:
        """Fault hook: close every client with ``code`` and ``reason``, and wait until gone.

        For 4000-4999, a ``pusher:error`` with that code comes first, as Pusher and Soketi
        send one before closing. The server keeps running, so clients may reconnect.
        """
        await self._close_clients(code, reason)

    async def drop_all(self) -> None:
        """Fault hook: cut every connection without a close frame, like a network failure."""
        clients = list(self._clients.values())
        for client in clients:
            client.writer.transport.abort()
        await asyncio.gather(*(c.closed.wait() for c in clients))

    async def _close_clients(self, code: int, reason: str) -> None:
        clients = list(self._clients.values())
        for client in clients:
            self._close_client(client, code, reason)
        if clients:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_CLOSE_WAIT + 1):
                    await asyncio.gather(*(c.closed.wait() for c in clients))

    def _close_client(self, client: _Client, code: int, reason: str) -> None:
        if not client.open:
            return
        if 4000 <= code <= 4999:
            self._send(client, "pusher:error", {"code": code, "message": reason})
        client.protocol.send_close(code, reason)
        self._flush(client.protocol, client.writer)

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
                status, body = self._route(request)
                writer.write(http.response(status, body, keep_alive=request.keep_alive))
            except HttpError as error:
                writer.write(http.error_response(error, keep_alive=False))
                await writer.drain()
                return
            await writer.drain()
            if not request.keep_alive:
                return

    def _route(self, request: HttpRequest) -> tuple[int, Any]:
        path, method = request.path, request.method
        if path == "/ready" and method == "GET":
            return 200, "OK"
        if path == "/pusher/auth":
            self._require(method, "POST")
            return self._channel_auth(request)
        if path == "/pusher/user-auth":
            self._require(method, "POST")
            return self._user_auth(request)
        if path == CATCHUP_PATH:
            self._require(method, "GET")
            return 200, self.missed.answer(request.target)
        match = _API_PATH.match(path)
        if match:
            app_id, kind, channel, users = match.groups()
            if app_id != self.app_id:
                raise HttpError(HTTPStatus.NOT_FOUND, f"App {app_id} does not exist.")
            if kind == "channels":
                self._require(method, "GET")
                self._check_request_signature(request)
                return 200, self._channels_info(request, unquote(channel or ""), bool(users))
            if channel is None and users is None:
                self._require(method, "POST")
                self._check_request_signature(request)
                if kind == "events":
                    return 200, self._trigger(request.json())
                return 200, self._trigger_batch(request.json())
        raise HttpError(HTTPStatus.NOT_FOUND, f"{method} {path} is not an endpoint here")

    @staticmethod
    def _require(method: str, wanted: str) -> None:
        if method != wanted:
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"use {wanted}")

    # -- HTTP API ----------------------------------------------------------------------------

    def _check_request_signature(self, request: HttpRequest) -> None:
        """Pusher's API signing: key, timestamp, version, body MD5, and the HMAC over them."""
        params = request.query
        if params.get("auth_key") != self.key:
            raise HttpError(HTTPStatus.UNAUTHORIZED, "Unknown auth_key")
        if params.get("auth_version") != "1.0":
            raise HttpError(HTTPStatus.UNAUTHORIZED, "auth_version must be 1.0")
        try:
            timestamp = int(params.get("auth_timestamp", ""))
        except ValueError:
            raise HttpError(HTTPStatus.UNAUTHORIZED, "auth_timestamp is missing") from None
        if abs(time.time() - timestamp) > _TIMESTAMP_WINDOW:
            raise HttpError(HTTPStatus.UNAUTHORIZED, "auth_timestamp expired: check the clock")
        if (request.body or "body_md5" in params) and params.get("body_md5") != auth.body_md5(
            request.body
        ):
            raise HttpError(HTTPStatus.UNAUTHORIZED, "body_md5 does not match the body")
        expected = auth.request_signature(self.secret, request.method, request.path, params)
        given = params.get("auth_signature", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HttpError(HTTPStatus.UNAUTHORIZED, "Invalid signature: auth_signature")

    def _channels_info(self, request: HttpRequest, channel: str, users: bool) -> dict[str, Any]:
        """``GET /apps/{id}/channels[/{name}[/users]]``: what the pusher library's
        ``channels_info``, ``channel_info`` and ``users_info`` read."""
        info = set(filter(None, request.query.get("info", "").split(",")))
        if users:
            if not is_presence(channel):
                raise HttpError(HTTPStatus.BAD_REQUEST, "users are only for presence channels")
            return {"users": [{"id": uid} for uid in self._members.get(channel, {})]}
        if channel:
            if "user_count" in info and not is_presence(channel):
                raise HttpError(HTTPStatus.BAD_REQUEST, "user_count is only for presence channels")
            result: dict[str, Any] = {"occupied": bool(self._channels.get(channel))}
            if "user_count" in info:
                result["user_count"] = len(self._members.get(channel, {}))
            if "subscription_count" in info:
                result["subscription_count"] = len(self._channels.get(channel, {}))
            return result
        prefix = request.query.get("filter_by_prefix", "")
        if "user_count" in info and not prefix.startswith("presence-"):
            raise HttpError(HTTPStatus.BAD_REQUEST, "user_count needs filter_by_prefix=presence-")
        channels: dict[str, Any] = {}
        for name in self._channels:
            if name.startswith(prefix) and not name.startswith("#"):
                entry: dict[str, Any] = {}
                if "user_count" in info:
                    entry["user_count"] = len(self._members.get(name, {}))
                channels[name] = entry
        return {"channels": channels}

    def _trigger(self, body: Any) -> dict[str, Any]:
        channels, name, data, socket_id = self._event_fields(body)
        for channel in channels:
            # Publishers encrypt for private-encrypted- channels themselves: relay as is.
            self._publish_text(channel, name, data, socket_id)
        return {}

    def _trigger_batch(self, body: Any) -> dict[str, Any]:
        batch = body.get("batch") if isinstance(body, dict) else None
        if not isinstance(batch, list):
            raise HttpError(HTTPStatus.BAD_REQUEST, 'expected {"batch": [...]}')
        if len(batch) > _MAX_BATCH:
            raise HttpError(
                HTTPStatus.BAD_REQUEST, f"Cannot batch-send more than {_MAX_BATCH} messages"
            )
        events = [self._event_fields(item) for item in batch]  # all valid, or none sent
        for channels, name, data, socket_id in events:
            for channel in channels:
                self._publish_text(channel, name, data, socket_id)
        return {"batch": [{} for _ in events]}

    @staticmethod
    def _event_fields(body: Any) -> tuple[list[str], str, str, str | None]:
        if not isinstance(body, dict):
            raise HttpError(HTTPStatus.BAD_REQUEST, "an event is a JSON object")
        channels = body.get("channels")
        if channels is None and "channel" in body:
            channels = [body["channel"]]
        name, data = body.get("name"), body.get("data")
        if (
            not isinstance(channels, list)
            or not channels
            or not all(isinstance(c, str) and c for c in channels)
            or not isinstance(name, str)
            or not name
            or data is None
        ):
            raise HttpError(HTTPStatus.BAD_REQUEST, "The received data is incorrect")
        if len(channels) > _MAX_CHANNELS:
            raise HttpError(
                HTTPStatus.BAD_REQUEST, f"Cannot broadcast to more than {_MAX_CHANNELS} channels"
            )
        if len(name) > 200:
            raise HttpError(HTTPStatus.BAD_REQUEST, "Event name is too long")
        text = data if isinstance(data, str) else _dumps(data)
        if len(text.encode()) > _MAX_EVENT_BYTES:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "The event data is too large")
        socket_id = body.get("socket_id")
        return channels, name, text, socket_id if isinstance(socket_id, str) else None

    # -- auth endpoints ---------------------------------------------------------------------

    def _demo_user(self, request: HttpRequest, fields: dict[str, str]) -> dict[str, Any]:
        user_id = fields.get("user_id", "")
        bearer = request.headers.get("authorization", "")
        if not user_id and bearer.lower().startswith("bearer "):
            user_id = bearer[7:].strip()
        if not user_id or user_id == DEFAULT_USER["user_id"]:
            return dict(DEFAULT_USER)
        return {"user_id": user_id, "user_info": {"name": user_id.replace("-", " ").title()}}

    def _auth_fields(self, request: HttpRequest, *names: str) -> dict[str, str]:
        self.auth_requests += 1
        if self.auth_status is not None:
            raise HttpError(self.auth_status, "Forbidden by the test's auth_status hook")
        fields = request.form()
        for name in names:
            if not fields.get(name):
                raise HttpError(HTTPStatus.BAD_REQUEST, f"{name} is missing")
        if not _SOCKET_ID.match(fields["socket_id"]):
            raise HttpError(HTTPStatus.BAD_REQUEST, "socket_id is not like 123.456")
        return fields

    def _channel_auth(self, request: HttpRequest) -> tuple[int, Any]:
        fields = self._auth_fields(request, "socket_id", "channel_name")
        socket_id, channel = fields["socket_id"], fields["channel_name"]
        if not is_private(channel):
            raise HttpError(HTTPStatus.FORBIDDEN, f"{channel} is not a private channel")
        if channel.startswith("private-encrypted-"):
            if self.encryption_master_key is None:
                raise HttpError(HTTPStatus.FORBIDDEN, "this server has no encryption master key")
            signature = auth.channel_auth(self.key, self.secret, socket_id, channel)
            secret = auth.shared_secret(channel, self.encryption_master_key)
            return 200, {"auth": signature, "shared_secret": base64.b64encode(secret).decode()}
        if is_presence(channel):
            channel_data = _dumps(self._demo_user(request, fields))
            signature = auth.channel_auth(self.key, self.secret, socket_id, channel, channel_data)
            return 200, {"auth": signature, "channel_data": channel_data}
        return 200, {"auth": auth.channel_auth(self.key, self.secret, socket_id, channel)}

    def _user_auth(self, request: HttpRequest) -> tuple[int, Any]:
        fields = self._auth_fields(request, "socket_id")
        user = self._demo_user(request, fields)
        user_data = _dumps({"id": user["user_id"], "user_info": user["user_info"]})
        signature = auth.user_auth(self.key, self.secret, fields["socket_id"], user_data)
        return 200, {"auth": signature, "user_data": user_data}

    # -- WebSocket -------------------------------------------------------------------------------

    @staticmethod
    def _flush(protocol: ServerProtocol, writer: asyncio.StreamWriter) -> None:
        for data in protocol.data_to_send():
            if data:
                writer.write(data)
            elif writer.can_write_eof():
                writer.write_eof()

    async def _serve_websocket(
        self, request: HttpRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        protocol = ServerProtocol(max_size=2**20, logger=_ws_log)
        protocol.receive_data(request.head)
        events = protocol.events_received()
        if not events or not isinstance(events[0], Request):
            self._flush(protocol, writer)
            return
        match = _APP_PATH.match(request.path)
        if match is None:
            response = protocol.reject(HTTPStatus.NOT_FOUND, "Connect to /app/{key}.\n")
        else:
            response = protocol.accept(events[0])
        protocol.send_response(response)
        self._flush(protocol, writer)
        if response.status_code != 101:
            return
        assert match is not None

        socket_id = self._new_socket_id()
        loop = asyncio.get_running_loop()
        client = _Client(socket_id, protocol, writer, last_seen=loop.time())
        self.connection_attempts += 1
        self._notify()
        if self._closing:
            self._close_client(client, 4200, _SERVER_CLOSED)
        elif match.group(1) != self.key:
            self._close_client(client, 4001, f"App key {match.group(1)} does not exist.")
        elif self.reject_connections is not None:
            self._close_client(client, *self.reject_connections)
        else:
            self._clients[socket_id] = client
            established = {"socket_id": socket_id, "activity_timeout": self.activity_timeout}
            self._send(client, "pusher:connection_established", _dumps(established))
            self._notify()
        liveness = self._spawn(self._watch_liveness(client))
        try:
            await self._read_frames(client, reader)
        finally:
            liveness.cancel()
            self._forget(client)
            client.closed.set()

    def _new_socket_id(self) -> str:
        while True:
            socket_id = f"{self._random.randrange(10**9)}.{self._random.randrange(10**9)}"
            if socket_id not in self._clients:
                return socket_id

    async def _read_frames(self, client: _Client, reader: asyncio.StreamReader) -> None:
        protocol = client.protocol
        loop = asyncio.get_running_loop()
        close_deadline: asyncio.TimerHandle | None = None
        try:
            while protocol.state is not State.CLOSED:
                data = await reader.read(65536)
                if data:
                    protocol.receive_data(data)
                else:
                    protocol.receive_eof()
                for event in protocol.events_received():
                    if not isinstance(event, Frame):
                        continue
                    # Any frame is activity, WebSocket pings too (aiohttp's heartbeat).
                    client.last_seen = loop.time()
                    client.ping_sent_at = None
                    if event.opcode in (Opcode.TEXT, Opcode.BINARY):
                        self._on_message(client, bytes(event.data))
                self._flush(protocol, client.writer)
                if protocol.close_expected() and close_deadline is None:
                    # The client should answer our close frame; cut it off if it does not.
                    close_deadline = loop.call_later(_CLOSE_WAIT, client.writer.transport.abort)
                if not data:
                    break
        finally:
            if close_deadline is not None:
                close_deadline.cancel()

    async def _watch_liveness(self, client: _Client) -> None:
        """After ``activity_timeout`` of silence send ``pusher:ping``; no answer: close 4201."""
        loop = asyncio.get_running_loop()
        while client.open:
            idle = loop.time() - client.last_seen
            if client.ping_sent_at is None:
                if idle < self.activity_timeout:
                    await asyncio.sleep(self.activity_timeout - idle)
                    continue
                client.ping_sent_at = loop.time()
                self._send(client, "pusher:ping", "{}")
                continue
            waited = loop.time() - client.ping_sent_at
            if waited < self.pong_timeout:
                await asyncio.sleep(self.pong_timeout - waited)
                continue
            log.info("demo server: %s did not answer pusher:ping", client.socket_id)
            self._close_client(client, 4201, "Pong reply not received")
            return

    def _forget(self, client: _Client) -> None:
        if self._clients.pop(client.socket_id, None) is None:
            return
        for channel in list(client.channels):
            self._leave(client, channel)
        self._sign_out(client)
        self._notify()

    def _send(self, client: _Client, event: str, data: Any, channel: str | None = None) -> None:
        if not client.open:
            return
        message: dict[str, Any] = {"event": event}
        if channel is not None:
            message["channel"] = channel
        message["data"] = data
        client.protocol.send_text(_dumps(message).encode())
        self._flush(client.protocol, client.writer)

    def _on_message(self, client: _Client, payload: bytes) -> None:
        if client.socket_id not in self._clients:
            return  # being turned away (unknown key, closing): ignore what it says
        try:
            message = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            log.debug("demo server: %s sent a frame that is not JSON", client.socket_id)
            return
        if not isinstance(message, dict) or not isinstance(message.get("event"), str):
            log.debug("demo server: %s sent a frame without an event", client.socket_id)
            return
        self.received.append((client.socket_id, message))
        event: str = message["event"]
        # Some clients send the data of pusher:* events as a JSON string: accept both.
        raw = message.get("data")
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                raw = json.loads(raw)
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if event == "pusher:ping":
            if self.answer_pings:
                self._send(client, "pusher:pong", {})
        elif event == "pusher:pong":
            pass  # any frame counts as activity; last_seen is already updated
        elif event == "pusher:subscribe":
            self._subscribe(client, data)
        elif event == "pusher:unsubscribe":
            channel = data.get("channel")
            if isinstance(channel, str) and channel in client.channels:
                self._leave(client, channel)
                self._notify()
        elif event == "pusher:signin":
            self._signin(client, data)
        elif event.startswith("client-"):
            self._client_event(client, event, message.get("channel"), message.get("data"))
        else:
            log.debug("demo server: %s sent unhandled event %s", client.socket_id, event)

    def _subscription_error(
        self, client: _Client, channel: str, kind: str, error: str, status: int
    ) -> None:
        self._send(
            client,
            "pusher:subscription_error",
            {"type": kind, "error": error, "status": status},
            channel,
        )

    def _subscribe(self, client: _Client, data: dict[str, Any]) -> None:
        channel = data.get("channel")
        if isinstance(channel, str) and channel.startswith(SERVER_TO_USER_PREFIX):
            self._subscribe_user_channel(client, channel)
            return
        if not isinstance(channel, str) or not _CHANNEL_NAME.match(channel):
            self._subscription_error(
                client,
                channel if isinstance(channel, str) else "",
                "InvalidChannel",
                "The channel name is not allowed.",
                4009,
            )
            return
        channel_data = data.get("channel_data")
        member: tuple[str, Any] | None = None
        if is_private(channel):
            given = data.get("auth")
            if is_presence(channel):
                member = self._parse_member(channel_data)
                signed = channel_data if isinstance(channel_data, str) else None
            else:
                signed = None
            expected = auth.channel_signature(self.secret, client.socket_id, channel, signed)
            if (
                not isinstance(given, str)
                or (is_presence(channel) and member is None)
                or not auth.verify_auth(self.key, self.secret, given, expected)
            ):
                self._subscription_error(
                    client, channel, "AuthError", "The connection is unauthorized.", 401
                )
                return
        if channel in client.channels and channel in client.presence:
            self._leave(client, channel)  # a re-subscribe may carry another member
        client.channels.add(channel)
        self._channels.setdefault(channel, {})[client.socket_id] = client
        if member is None:
            self._send(client, "pusher_internal:subscription_succeeded", "{}", channel)
        else:
            self._join_presence(client, channel, *member)
        if is_cache(channel):
            cached = self._cache.get(channel)
            if cached is None:
                self._send(client, "pusher:cache_miss", None, channel)
            else:
                client.protocol.send_text(cached.encode())
                self._flush(client.protocol, client.writer)
        self._notify()

    def _subscribe_user_channel(self, client: _Client, channel: str) -> None:
        # pusher-js (and Beacon) subscribe to their user's channel after pusher:signin, with
        # an empty auth: the sign-in is the authorization. Soketi lets any socket subscribe
        # (and then sends it nothing); refusing a socket not signed in as that user says so.
        if client.user_id is None or channel != SERVER_TO_USER_PREFIX + client.user_id:
            self._subscription_error(
                client, channel, "AuthError", "The connection is not signed in as this user.", 401
            )
            return
        client.channels.add(channel)
        self._channels.setdefault(channel, {})[client.socket_id] = client
        self._send(client, "pusher_internal:subscription_succeeded", "{}", channel)
        self._notify()

    @staticmethod
    def _parse_member(channel_data: Any) -> tuple[str, Any] | None:
        if not isinstance(channel_data, str):
            return None
        try:
            value = json.loads(channel_data)
        except ValueError:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("user_id"), (str, int)):
            return None
        return str(value["user_id"]), value.get("user_info")

    def _join_presence(self, client: _Client, channel: str, user_id: str, info: Any) -> None:
        members = self._members.setdefault(channel, {})
        client.presence[channel] = user_id
        if user_id not in members:
            members[user_id] = _Member(info)
            added = {"user_id": user_id, "user_info": info}
            self._broadcast_internal(
                channel, "pusher_internal:member_added", added, client.socket_id
            )
        members[user_id].sockets.add(client.socket_id)
        presence = {
            "ids": list(members),
            "hash": {uid: m.info for uid, m in members.items()},
            "count": len(members),
        }
        data = _dumps({"presence": presence})
        self._send(client, "pusher_internal:subscription_succeeded", data, channel)

    def _broadcast_internal(
        self, channel: str, event: str, data: Any, exclude: str | None = None
    ) -> None:
        message = _dumps({"event": event, "channel": channel, "data": _dumps(data)})
        self._broadcast(channel, message, exclude=exclude)

    def add_member(self, channel: str, user_id: str, info: Any = None) -> None:
        """Put a member with no socket into a presence channel (a simulated colleague, or a
        test's way to cause ``member_added``). Subscribers see ``member_added``."""
        members = self._members.setdefault(channel, {})
        if user_id in members:
            members[user_id].sockets.add(_VIRTUAL)
            return
        members[user_id] = _Member(info, {_VIRTUAL})
        added = {"user_id": user_id, "user_info": info}
        self._broadcast_internal(channel, "pusher_internal:member_added", added)
        self._notify()

    def remove_member(self, channel: str, user_id: str) -> None:
        """Take out a member added with :meth:`add_member` (``member_removed`` follows once
        no socket of that user remains)."""
        member = self._members.get(channel, {}).get(user_id)
        if member is None or _VIRTUAL not in member.sockets:
            return
        member.sockets.discard(_VIRTUAL)
        if not member.sockets:
            del self._members[channel][user_id]
            if not self._members[channel]:
                del self._members[channel]
            self._broadcast_internal(
                channel, "pusher_internal:member_removed", {"user_id": user_id}
            )
        self._notify()

    def _leave(self, client: _Client, channel: str) -> None:
        client.channels.discard(channel)
        subscribers = self._channels.get(channel)
        if subscribers is not None:
            subscribers.pop(client.socket_id, None)
            if not subscribers:
                del self._channels[channel]
        user_id = client.presence.pop(channel, None)
        if user_id is None:
            return
        members = self._members.get(channel, {})
        member = members.get(user_id)
        if member is None:
            return
        member.sockets.discard(client.socket_id)
        if not member.sockets:
            del members[user_id]
            if not members:
                self._members.pop(channel, None)
            removed = {"user_id": user_id}
            self._broadcast_internal(
                channel, "pusher_internal:member_removed", removed, client.socket_id
            )

    def _client_event(self, client: _Client, event: str, channel: Any, data: Any) -> None:
        if not isinstance(channel, str) or channel not in client.channels:
            return  # Pusher and Soketi drop events for channels the socket is not in
        if not is_private(channel) or channel.startswith("private-encrypted-"):
            message = "Client event rejected - only supported on private and presence channels"
            self._send(client, "pusher:error", {"code": 4301, "message": message})
            return
        out: dict[str, Any] = {"event": event, "channel": channel, "data": data}
        user_id = client.presence.get(channel)
        if user_id is not None:
            out["user_id"] = user_id
        self._broadcast(channel, _dumps(out), exclude=client.socket_id)

    def _signin(self, client: _Client, data: dict[str, Any]) -> None:
        user_data, given = data.get("user_data"), data.get("auth")
        valid = isinstance(user_data, str) and isinstance(given, str)
        user: Any = None
        if valid:
            assert isinstance(user_data, str) and isinstance(given, str)
            expected = auth.user_auth(self.key, self.secret, client.socket_id, user_data)
            valid = hmac.compare_digest(given.encode(), expected.encode())
            with contextlib.suppress(ValueError):
                user = json.loads(user_data)
        if not valid or not isinstance(user, dict) or user.get("id") in (None, ""):
            self._close_client(client, 4009, "Connection not authorized.")
            return
        self._sign_out(client)  # a second sign-in replaces the first
        client.user_id = str(user["id"])
        self._users.setdefault(client.user_id, {})[client.socket_id] = client
        self._send(client, "pusher:signin_success", {"user_data": user_data})
        self._notify()

    def _sign_out(self, client: _Client) -> None:
        if client.user_id is None:
            return
        channel = SERVER_TO_USER_PREFIX + client.user_id
        if channel in client.channels:
            self._leave(client, channel)
        sockets = self._users.get(client.user_id)
        if sockets is not None:
            sockets.pop(client.socket_id, None)
            if not sockets:
                del self._users[client.user_id]
        client.user_id = None

    # -- generated activity -------------------------------------------------------------------

    def _add_colleagues(self) -> list[tuple[str, str]]:
        # Colleagues on the support presence channel, who now and then come and go.
        colleagues = [(agent_id, name) for agent_id, name in AGENTS if agent_id != MY_AGENT_ID]
        for agent_id, name in colleagues[:2]:
            self.add_member(PRESENCE_CHANNEL, agent_id, {"name": name, "team": "Support"})
        return colleagues

    async def _publish_tickets(self, colleagues: list[tuple[str, str]]) -> None:
        generator = TicketGenerator(seed=self.seed)
        rng = random.Random(self.seed)
        while True:
            # Jittered around the mean rate, so that the demo does not tick like a clock.
            await asyncio.sleep(rng.uniform(0.5, 1.5) / self.ticket_rate)
            item = generator.next_event()
            self.publish(item.channel, item.event, item.data)
            if rng.random() < 0.05:
                agent_id, name = rng.choice(colleagues)
                if agent_id in self._members.get(PRESENCE_CHANNEL, {}):
                    self.remove_member(PRESENCE_CHANNEL, agent_id)
                else:
                    self.add_member(PRESENCE_CHANNEL, agent_id, {"name": name, "team": "Support"})
