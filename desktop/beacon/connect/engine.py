"""The asyncio runtime: one WebSocket per account, driven by the sans-I/O core.

``Engine`` owns one ``_AccountRunner`` per account. A runner moves bytes between a
``PusherSocket`` (``websockets``' sans-I/O client on a plain asyncio protocol) and its
``PusherConnection``, runs the core's timers with ``loop.call_at``, answers its auth
requests over HTTP (or by signing locally), and turns its events into ``ReceivedEvent``
and ``AccountStatus`` callbacks. A channel that cannot be authorized or is refused is the
core's to retry; the account's status lists such channels after its own state, and
``channel_info()`` tells their reason and next try.

Each account trusts the system store plus its own ``ca_file`` for its socket and its
auth endpoint, and no other account's.

The hot path (a frame arrives, an event goes out) does one ``receive()`` and one callback;
timers are re-armed only when the core's deadline can have moved earlier.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

import beacon
from beacon.config.model import AccountSettings
from beacon.config.transport import plain_ws_guarded
from beacon.connect import logs
from beacon.connect.auth import AUTH_TIMEOUT, AuthError, Authorizer
from beacon.connect.errors import CaFileError, PlainTextRefused
from beacon.connect.events import AccountStatus, ReceivedEvent, received_event
from beacon.connect.resume import RESUME_CHECK_EVERY, ResumeWatch, sleep_offset
from beacon.connect.secrets import SecretSource
from beacon.connect.socket import CLOSE_TIMEOUT, PusherSocket, open_socket
from beacon.connect.tls import describe_error, ssl_context
from beacon.pusher import (
    AuthNeeded,
    ChannelInfo,
    DropTransport,
    EventReceived,
    OpenTransport,
    ProtocolEvent,
    PusherConnection,
    SignedIn,
    SigninFailed,
    SigninNeeded,
    StateChanged,
    Subscribed,
    SubscriptionFailed,
)
from beacon.pusher.policy import backoff as default_backoff
from beacon.pusher.states import ConnectionState

__all__ = ["Engine"]

# States in which a resume from sleep calls for action (a retry or a ping).
_RESUME_MATTERS = frozenset(
    {ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.UNAVAILABLE}
)

log = logging.getLogger("beacon.connect")

# Opening the socket and the server's handshake together must finish within this.
CONNECT_TIMEOUT = 15.0
# Pusher limits messages to about 10 KB; a generous cap still bounds memory.
MAX_MESSAGE = 1 << 20


#: (account, channel, event, data, user_id, received_at, raw_data): a ``ReceivedEvent``'s
#: fields, for a consumer that needs no object (``Engine.on_event_fields``).
EventFieldsSink = Callable[[str, str, str, Any, str | None, datetime, str], None]


class _Attempt:
    """One socket's life; ``abandoned`` once the core has dropped it."""

    __slots__ = ("abandoned",)

    def __init__(self) -> None:
        self.abandoned = False


class _AccountRunner:
    """One account: its core, its socket, its timer and its auth requests."""

    def __init__(self, engine: Engine, account: AccountSettings, channels: Sequence[str]):
        self.engine = engine
        self.account = account
        self.name = account.name
        self.core = PusherConnection(
            channels,
            activity_timeout=account.activity_timeout,
            pong_timeout=account.pong_timeout,
            connect_timeout=CONNECT_TIMEOUT,
            signin=account.signin,
            backoff_factory=engine.backoff,
        )
        ca_file = account.ca_file
        # Each account trusts the system store and its own CA file, nothing else: the
        # same for its socket and its auth endpoint.
        self.authorizer = Authorizer(account, engine.secrets, lambda: engine.http_client(ca_file))
        self.status = AccountStatus(self.name, ConnectionState.INITIALIZED, "not started")
        self._url = account.url(engine.version)
        self._ssl: ssl.SSLContext | None = None
        #: Why this account cannot even try (a CA file that cannot be used), or None.
        self.setup_error: str | None = None
        if self._url.startswith("wss:"):
            try:
                self._ssl = ssl_context(ca_file)
            except CaFileError as exc:
                self.setup_error = str(exc)
        self._loop = asyncio.get_running_loop()
        # The loop's clock, for each received message: asyncio's own loops read
        # time.monotonic, called here without their Python-level method in between.
        self._time: Callable[[], float] = (
            time.monotonic
            if getattr(self._loop.time, "__func__", None) is asyncio.BaseEventLoop.time
            else self._loop.time
        )
        self._open_wanted = asyncio.Event()
        self._out_ready = asyncio.Event()
        self._ws: PusherSocket | None = None
        self._connecting: asyncio.Task[PusherSocket] | None = None
        self._attempt: _Attempt | None = None
        self._stamp_read = -1
        self._stamp = datetime.now(UTC)
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._tasks: set[asyncio.Future[Any]] = set()
        self._closing: set[asyncio.Future[Any]] = set()  # closing handshakes, of _tasks
        # What is wrong with channels (and sign-in) of the current connection, by channel.
        self._problems: dict[str, str] = {}
        self.attempts = 0  # sockets opened or tried; tests count reconnect loops with it

    # -- the main loop ---------------------------------------------------------------

    async def run(self) -> None:
        if self.setup_error is not None:
            # Nothing to retry until the configuration changes: say so and stay put.
            self._report(
                AccountStatus(self.name, ConnectionState.FAILED, f"failed: {self.setup_error}")
            )
            return
        self.handle(self.core.connect(self._loop.time()))
        while True:
            await self._open_wanted.wait()
            self._open_wanted.clear()
            await self._session()

    async def _session(self) -> None:
        core = self.core
        loop = self._loop
        if not core.transport_wanted:
            return  # asked for, then dropped before this loop came round
        self.attempts += 1
        # The core may give up on this socket at any point (DropTransport); from then on
        # nothing this session sees may reach the core, which has moved on.
        attempt = self._attempt = _Attempt()
        self._connecting = asyncio.ensure_future(self._open())
        try:
            ws = await self._connecting
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            return  # abandoned by the core (handshake timeout); it has moved on
        except PlainTextRefused as exc:
            # Not the network's fault: retrying unchanged would only refuse again.
            if not attempt.abandoned:
                self.handle(core.refused(str(exc)))
            return
        except Exception as exc:
            if not attempt.abandoned:
                self.handle(core.closed(None, describe_error(exc), loop.time()))
            return
        finally:
            self._connecting = None
        if attempt.abandoned:  # given up on while the handshake completed
            ws.transport.abort()
            return
        self._ws = ws
        self._stamp_read = -1  # read counts start again with each socket
        core.opened(loop.time())
        writer = asyncio.ensure_future(self._writer(ws))
        try:
            ws.deliver_to(self._on_text)
            await ws.wait_closed()
        finally:
            self._ws = None
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        if attempt.abandoned:
            return
        code = ws.close_code
        # No close frame: the network, not the server.
        reason = ws.close_reason if code is not None else "connection lost"
        self.handle(core.closed(code, reason, loop.time()))

    async def _open(self) -> PusherSocket:
        # No compression (Pusher frames are small; inflating costs more than it saves), no
        # WebSocket pings (the protocol has its own) and no open timeout (the core's
        # handshake deadline covers opening).
        return await open_socket(
            self._url,
            ssl=self._ssl,
            max_size=MAX_MESSAGE,
            user_agent=f"beacon/{self.engine.version}",
            slice_bytes=self.engine.read_slice,
            # The config passed the load check with a literal loopback host (or has its
            # channels from the command line): whether the name really means this
            # machine is known only now (config/transport.py).
            loopback_only=plain_ws_guarded(self.account, self.core.channels),
        )

    def _on_text(self, text: str) -> None:
        """One text message, straight from the socket: the hot path."""
        core = self.core
        events = core.receive_into(text, self._time(), self._deliver)
        if events is None:
            # An application event, delivered already: the core queued nothing to send
            # for it, so the writer need not be asked (a property call less per event).
            return
        if events:
            self.handle(events)  # wakes the writer itself
        elif core.has_data_to_send:
            self._out_ready.set()  # a pong, say

    async def _writer(self, ws: PusherSocket) -> None:
        while True:
            await self._out_ready.wait()
            self._out_ready.clear()
            for text in self.core.data_to_send():
                await ws.send(text)

    # -- core events -----------------------------------------------------------------

    def _emit(self, ev: EventReceived) -> None:
        self._deliver(ev.channel, ev.event, ev.data, ev.raw_data, ev.user_id)

    def _deliver(
        self, channel: str, name: str, data: Any, raw: str | None, user_id: str | None
    ) -> None:
        """One application event to the engine's callback (the core's event sink)."""
        # One stamp per network read: the events of a read arrived at the same moment.
        ws = self._ws
        if ws is None:
            when = datetime.now(UTC)
        elif ws.read_count == self._stamp_read:
            when = self._stamp
        else:
            self._stamp_read = ws.read_count
            when = self._stamp = datetime.now(UTC)
        engine = self.engine
        try:
            if engine.on_event_fields is not None:
                engine.on_event_fields(
                    self.name, channel, name, data, user_id, when, raw if raw is not None else ""
                )
            else:
                engine.on_event(
                    received_event(
                        self.name,
                        channel,
                        name,
                        data,
                        user_id,
                        when,
                        raw if raw is not None else "",
                    )
                )
        except Exception:
            log.exception("the event callback failed for %s on %s", name, channel)

    def handle(self, events: list[ProtocolEvent]) -> None:
        """Carry out what the core asked for, then re-arm its timer and wake the writer."""
        observer = self.engine.on_protocol
        for ev in events:
            kind = type(ev)
            if kind is EventReceived:
                assert isinstance(ev, EventReceived)
                self._emit(ev)
                continue
            if observer is not None:
                try:
                    observer(self.name, ev)
                except Exception:
                    log.exception("the protocol observer failed")
            if kind is StateChanged:
                assert isinstance(ev, StateChanged)
                if ev.state is not ConnectionState.CONNECTED:
                    self._problems.clear()  # the channels start over on the next socket
                self._report_problems(ev.state, ev.detail, ev.needs_login)
            elif kind is Subscribed:
                assert isinstance(ev, Subscribed)
                if self._problems.pop(ev.channel, None) is not None:
                    self._report_problems()
            elif kind is SignedIn:
                if self._problems.pop("#signin", None) is not None:
                    self._report_problems()
            elif kind is OpenTransport:
                self._open_wanted.set()
            elif kind is DropTransport:
                assert isinstance(ev, DropTransport)
                self._drop(ev)
            elif kind is AuthNeeded:
                assert isinstance(ev, AuthNeeded)
                self._spawn(self._authorize(ev.channel, ev.socket_id))
            elif kind is SigninNeeded:
                assert isinstance(ev, SigninNeeded)
                self._spawn(self._signin(ev.socket_id))
            elif kind is SubscriptionFailed:
                assert isinstance(ev, SubscriptionFailed)
                # The user's own #server-to-user channel is the server's business (some
                # servers deliver on sign-in alone and refuse the subscription pusher-js
                # sends). Other channels carry on either way.
                if ev.needs_login:
                    self._problems[ev.channel] = f"{ev.channel} needs login: {ev.reason}"
                    self._report_problems()
                elif not ev.channel.startswith("#"):
                    retry = "" if ev.retry_in is None else f"; retrying in {ev.retry_in:.1f} s"
                    self._problems[ev.channel] = f"{ev.channel} refused: {ev.reason}{retry}"
                    self._report_problems()
            elif kind is SigninFailed:
                assert isinstance(ev, SigninFailed)
                words = "needs login" if ev.needs_login else "failed"
                retry = "" if ev.retry_in is None else f"; retrying in {ev.retry_in:.1f} s"
                self._problems["#signin"] = f"sign-in {words}: {ev.reason}{retry}"
                self._report_problems()
        self.arm_timer()
        if self.core.has_data_to_send:
            self._out_ready.set()

    def _report_problems(
        self,
        state: ConnectionState | None = None,
        detail: str | None = None,
        needs_login: bool | None = None,
    ) -> None:
        """The connection's state and detail (the core's unless given), followed by the
        problems of channels that are not subscribed, one per channel."""
        core = self.core
        words = core.detail if detail is None else detail
        if self._problems:
            words = "; ".join([words, *self._problems.values()])
        self._report(
            AccountStatus(
                self.name,
                core.state if state is None else state,
                words,
                core.needs_login if needs_login is None else needs_login,
            )
        )

    def _report(self, status: AccountStatus) -> None:
        self.status = status
        self.engine._watch_resume()
        try:
            self.engine.on_status(status)
        except Exception:
            log.exception("the status callback failed")

    def _drop(self, ev: DropTransport) -> None:
        self._open_wanted.clear()
        if self._attempt is not None:
            self._attempt.abandoned = True
        if self._connecting is not None:
            self._connecting.cancel()
        ws = self._ws
        if ws is None:
            return
        ws.detach()
        if ev.graceful:
            self._closing.add(self._spawn(ws.close(ev.code, ev.reason[:120])))
        else:
            # The peer is unreachable: a closing handshake would only wait for nothing.
            ws.transport.abort()

    def _spawn(self, coro: Any) -> asyncio.Future[Any]:
        task: asyncio.Future[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._closing.discard)
        return task

    def retry(self) -> None:
        """Connect again, or (when connected) ask again for the channels that failed."""
        if self.setup_error is not None:
            # The configuration is as wrong as it was; a new engine reads a new one.
            self._report(self.status)
            return
        self._problems = {k: v for k, v in self._problems.items() if "needs login" not in v}
        self.handle(self.core.connect(self._loop.time()))
        if self.core.state is ConnectionState.CONNECTED:
            self._report_problems()  # the same state, without the login problems

    # -- timers ----------------------------------------------------------------------

    def arm_timer(self) -> None:
        deadline = self.core.next_deadline()
        if deadline is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return
        if self._timer is not None:
            if self._timer_at <= deadline:
                return  # it fires first and re-arms for the real deadline
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        # call_at may fire a clock tick early; never tell the core it is earlier than it is.
        now = max(self._loop.time(), self._timer_at)
        self.handle(self.core.tick(now))

    # -- auth ------------------------------------------------------------------------

    async def _authorize(self, channel: str, socket_id: str) -> None:
        try:
            answer = await self.authorizer.channel(socket_id, channel)
        except AuthError as exc:
            if exc.needs_login:
                self.authorizer.forget()
            events = self.core.auth_failed(
                channel,
                exc.reason,
                exc.needs_login,
                status=exc.status,
                socket_id=socket_id,
                now=self._loop.time(),
            )
        else:
            events = self.core.authorized(
                channel,
                answer.auth,
                answer.channel_data,
                answer.shared_secret,
                socket_id=socket_id,
            )
        self.handle(events)

    async def _signin(self, socket_id: str) -> None:
        try:
            answer = await self.authorizer.signin(socket_id)
        except AuthError as exc:
            if exc.needs_login:
                self.authorizer.forget()
            events = self.core.signin_failed(
                exc.reason, exc.needs_login, socket_id=socket_id, now=self._loop.time()
            )
        else:
            events = self.core.signin_authorized(answer.auth, answer.user_data, socket_id=socket_id)
        self.handle(events)

    # -- shutdown --------------------------------------------------------------------

    async def close(self) -> None:
        self.handle(self.core.disconnect(self._loop.time()))
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        # Auth requests and the like are of no use any more: cancel them at once, so
        # that a slow auth endpoint cannot hold up an exit. Only the closing handshakes
        # get a moment (CLOSE_TIMEOUT) to go out.
        for task in list(self._tasks):
            if task not in self._closing:
                task.cancel()
        tasks = list(self._tasks)
        closing = [t for t in self._closing if not t.done()]
        if closing:
            await asyncio.wait(closing, timeout=CLOSE_TIMEOUT + 0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Engine:
    """Connections for many accounts, each with many channels.

    ``on_event`` and ``on_status`` are called on the event loop's thread, in order.
    """

    def __init__(
        self,
        accounts: Sequence[AccountSettings],
        secrets: SecretSource,
        on_event: Callable[[ReceivedEvent], None],
        on_status: Callable[[AccountStatus], None],
        channel_overrides: Sequence[str] = (),
        version: str = beacon.__version__,
        *,
        on_protocol: Callable[[str, ProtocolEvent], None] | None = None,
        backoff: Callable[[], Iterator[float]] = default_backoff,
        sleep_clock: Callable[[], float] = sleep_offset,
        resume_check_every: float = RESUME_CHECK_EVERY,
        read_slice: int | None = None,
    ) -> None:
        names = [a.name for a in accounts]
        if len(set(names)) != len(names):
            raise ValueError("account names must be unique")
        self.accounts = tuple(accounts)
        self.secrets = secrets
        self.on_event = on_event
        #: Instead of ``on_event``, when set: each event's fields, in ``ReceivedEvent``'s
        #: order, without building the object (``beacon listen`` prints them straight).
        self.on_event_fields: EventFieldsSink | None = None
        self.on_status = on_status
        self.channel_overrides = tuple(channel_overrides)
        self.version = version
        # Every other core event (subscribed, refused, members, cache misses, sign-in),
        # with the account name: for presence views, diagnostics and tests.
        self.on_protocol = on_protocol
        # Bytes of a network read handled per turn of the loop (PusherSocket.slice_bytes):
        # a UI on this loop stays responsive under a burst; None handles a read at once.
        self.read_slice = read_slice
        # Retry delays, per account; tests pin them to tell "at once" from "after backoff".
        self.backoff = backoff
        # Resume from sleep retries at once (DESIGN.md "Protocol"); the clock is
        # injectable so that tests can simulate a suspend.
        self._resume = ResumeWatch(self._resumed, clock=sleep_clock, interval=resume_check_every)
        self._runners: dict[str, _AccountRunner] = {}
        self._log_limits: list[tuple[logging.Logger, logs.RateLimitFilter]] = []
        self._closed = False
        self._tasks: list[asyncio.Task[None]] = []
        # HTTP clients for auth endpoints, one per CA file (None: the system store alone).
        self._http: dict[Path | None, httpx.AsyncClient] = {}

    def http_client(self, ca_file: Path | None = None) -> httpx.AsyncClient:
        """The HTTP client for auth endpoints that trusts the system store plus
        ``ca_file`` (and no other account's), made on first use.

        Raises ``CaFileError`` when ``ca_file`` cannot be used.
        """
        client = self._http.get(ca_file)
        if client is None:
            client = httpx.AsyncClient(verify=ssl_context(ca_file), timeout=AUTH_TIMEOUT)
            self._http[ca_file] = client
        return client

    async def start(self) -> None:
        """Start one task per account; returns at once."""
        for account in self.accounts:
            self._start_runner(account)
        self._watch_resume()
        # A misbehaving server must not flood the terminal or the log file.
        self._log_limits = logs.install("beacon.connect", "beacon.pusher")

    def _watch_resume(self) -> None:
        """Sample the clocks only while an account is connected or means to be: with
        every account failed or disconnected, a sleep changes nothing, and an idle app
        must not wake up for it."""
        if self._closed:
            return
        wanted = any(r.core.state in _RESUME_MATTERS for r in self._runners.values())
        if wanted and not self._resume.running:
            self._resume.start()
        elif not wanted and self._resume.running:
            self._resume.stop()

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("account task %s crashed", task.get_name(), exc_info=task.exception())

    async def close(self) -> None:
        """Close every connection gracefully (code 1000) and stop."""
        self._closed = True
        self._resume.stop()
        logs.uninstall(self._log_limits)
        self._log_limits = []
        await asyncio.gather(*(r.close() for r in self._runners.values()))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        clients = list(self._http.values())
        self._http.clear()
        for client in clients:
            await client.aclose()

    def wake(self) -> None:
        """Network change or resume from sleep: retry every waiting account at once, its
        backoff started over, and ping every connected one (its socket may be dead)."""
        for runner in self._runners.values():
            runner.handle(runner.core.wake(runner._loop.time()))

    def _resumed(self, slept: float) -> None:
        log.info("woke from sleep after %.0f s; reconnecting", slept)
        self.wake()

    def retry(self, account: str) -> None:
        """Try a failed or disconnected account again (e.g. after ``beacon login``)."""
        runner = self._runners[account]
        runner.authorizer.forget()
        runner.retry()

    def send_client_event(self, account: str, channel: str, event: str, data: Any) -> None:
        """Send a ``client-*`` event. Raises ``pusher.ClientEventError`` when not allowed."""
        runner = self._runners[account]
        runner.core.send_event(channel, event, data)
        runner.handle([])

    def subscribe(self, account: str, channel: str) -> None:
        """Add ``channel`` to ``account`` while it runs: subscribed now when connected,
        else on connecting, and again after every reconnect, like a configured one.

        For channels the user's config does not list (an open item's presence channel).
        Raises ``KeyError`` for an unknown account, ``ValueError`` for a bad name.
        """
        runner = self._runners[account]
        runner.handle(runner.core.subscribe(channel))

    def unsubscribe(self, account: str, channel: str) -> None:
        """Leave ``channel`` (``pusher:unsubscribe`` when subscribed) and forget it."""
        runner = self._runners.get(account)
        if runner is None:
            return  # removed meanwhile: its channels went with it
        runner.core.unsubscribe(channel)
        runner._problems.pop(channel, None)
        runner.handle([])  # wakes the writer for the unsubscribe frame

    def status(self, account: str) -> AccountStatus:
        return self._runners[account].status

    def channel_info(self, account: str, channel: str) -> ChannelInfo | None:
        """Where one channel of ``account`` is: its status, why it last failed, and when
        it is tried again (``retry_at`` on the event loop's clock, ``loop.time()``)."""
        return self._runners[account].core.channel_info(channel)

    def members(self, account: str, channel: str) -> dict[str, Any]:
        """A presence channel's members (user id -> info)."""
        return self._runners[account].core.members(channel)

    def attempts(self, account: str) -> int:
        """How many sockets this account has opened or tried."""
        return self._runners[account].attempts

    # -- live reload (services.EngineService.apply_config) ---------------------------

    def add_account(self, account: AccountSettings) -> None:
        """Start one more account while the others run; its name must be new."""
        if account.name in self._runners:
            raise ValueError(f"account {account.name!r} is already running")
        self.accounts = (*self.accounts, account)
        self._start_runner(account)

    def _start_runner(self, account: AccountSettings) -> None:
        channels = self.channel_overrides or account.channels
        runner = _AccountRunner(self, account, channels)
        self._runners[account.name] = runner
        task = asyncio.create_task(runner.run(), name=f"beacon-account-{account.name}")
        task.add_done_callback(self._task_done)
        self._tasks.append(task)

    async def remove_account(self, name: str) -> None:
        """Close one account gracefully (code 1000) and forget it; the others go on."""
        runner = self._runners.pop(name)
        self.accounts = tuple(a for a in self.accounts if a.name != name)
        await runner.close()
        task_name = f"beacon-account-{name}"
        mine = [t for t in self._tasks if t.get_name() == task_name]
        for task in mine:
            task.cancel()
            self._tasks.remove(task)
        await asyncio.gather(*mine, return_exceptions=True)
