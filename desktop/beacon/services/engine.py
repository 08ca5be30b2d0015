"""The engine service: connections in, committed feed items and connection states out.

This QObject runs ``beacon.connect.Engine`` on the qasync loop. It coalesces received
events into batches: one per frame (about 16 ms) or every ``batch_max`` events, whichever
comes first. Each batch is mapped to feed items (``FeedMapper``) and committed with
``History.add_batch`` in one worker thread, so the UI thread neither maps nor waits on an
fsync under a burst; only then is ``itemsAdded`` emitted: whatever the window shows is
already on disk (DESIGN.md, "Data").

Batches are written by one drain task, in arrival order; a batch is never emitted before
an older one. A big batch is emitted in slices (``EMIT_MAX`` items, one per turn of the
event loop), so the UI thread's slots never take it all in one go.

Catch-up (DESIGN.md "Catch-up"): accounts with ``[account.catchup]`` ask their endpoint
what they missed, at start and after each reconnect (``connect.catchup.CatchUp``, fed the
engine's callbacks). What it answers goes through ``add_caught_up``: the same queue,
mapper and history as live events, so the history's identity dedupes the two, and each
item is flagged ``catchup``. Live events never wait for it.

Keyring reads (DESIGN.md "Keyring failure paths"): the engine reads secrets through
``KeyringWaits``, which waits for the user as long as an unlock prompt is open. A read
still waiting after ``KEYRING_GRACE`` shows the account as waiting for the keyring
(``ConnectionInfo.keyring``), with :meth:`EngineService.cancel_keyring_wait`; a cancelled
wait or a dismissed prompt shows it locked, with the fix, until the user reconnects or
the secrets change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

import beacon
from beacon.config.model import AccountSettings, Config
from beacon.config.transport import credentials_in_clear
from beacon.feed.item import FeedItem
from beacon.feed.mapper import FeedMapper
from beacon.services.keyring_wait import Hold, KeyringWaits
from beacon.services.status import ConnectionInfo, KeyringStatus, LinkState
from beacon.store.history import History

log = logging.getLogger("beacon.services")

#: Coalescing window: about one display frame.
FRAME_SECONDS = 0.016
#: The worker offers the GIL to the UI thread after mapping this many events.
YIELD_EVERY = 16
#: A batch is written at once when it reaches this size, frame or not.
BATCH_MAX = 500
#: A committed batch reaches the UI in slices of at most this many items, one per turn of
#: the event loop: the slots (model, notifications) cost about 10 us an item on the UI
#: thread, and 500 at once held it for up to 30 ms under a burst.
EMIT_MAX = 100
#: Bytes of a network read parsed per turn of the event loop: about 20 Pusher events,
#: 1 to 2 ms, so a 256 KiB burst read never holds up the UI in one go.
READ_SLICE = 16 * 1024
#: How much lower the history's worker runs than the UI thread (its nice, on Linux).
WORKER_NICE = 5
#: With nothing stored yet for an account, catch-up asks this far back.
FIRST_CATCHUP = timedelta(hours=1)
#: A keyring read shows as "waiting" only after this long: a normal read (5-20 ms, or a
#: locked keyring that cannot prompt, under a second) must not flicker the state.
KEYRING_GRACE = 0.5


#: A batch handed to the worker, and how many events it had.
_Stored = tuple["asyncio.Future[tuple[list[FeedItem], int]]", int]


def _lower_priority() -> None:
    """In the history's worker thread: let the UI thread have a CPU first.

    Under a burst both are busy, and on a loaded machine the kernel shared the CPUs
    evenly, so the heartbeat was late whenever the worker held one; at a lower priority
    the worker takes what the UI thread leaves. Measured with bench_ui at load 3 to 6
    (8 alternating pairs): heartbeat lateness max 83 -> 55 ms and p99 46 -> 35 ms
    (medians), events/s the same (5,838 and 5,661). On Linux a thread has its own nice.
    """
    if sys.platform == "linux":
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
        except OSError as exc:  # e.g. a sandbox without setpriority: run as before
            log.debug("could not lower the history worker's priority: %s", exc)


class _CaughtUp:
    """A queued event that came from the catch-up endpoint, not the socket."""

    __slots__ = ("event",)

    def __init__(self, event: Any) -> None:
        self.event = event


class CatchUpLike(Protocol):
    """What the service needs from ``beacon.connect.catchup.CatchUp``."""

    def on_status(self, status: Any) -> None: ...

    def on_protocol(self, account: str, event: Any) -> None: ...

    async def close(self) -> None: ...


CatchUpFactory = Callable[..., CatchUpLike | None]


def _default_catchup_factory(**kwargs: Any) -> CatchUpLike | None:
    if not any(a.catchup is not None for a in kwargs["accounts"]):
        return None
    from beacon.connect.catchup import CatchUp

    catchup: CatchUpLike = CatchUp(**kwargs)
    return catchup


class EngineLike(Protocol):
    """What the service needs from ``beacon.connect.Engine``."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def wake(self) -> None: ...

    def retry(self, account: str) -> None: ...

    def add_account(self, account: AccountSettings) -> None: ...

    async def remove_account(self, name: str) -> None: ...

    def subscribe(self, account: str, channel: str) -> None: ...

    def unsubscribe(self, account: str, channel: str) -> None: ...

    def send_client_event(self, account: str, channel: str, event: str, data: Any) -> None: ...


EngineFactory = Callable[..., EngineLike]


def _default_engine_factory(**kwargs: Any) -> EngineLike:
    from beacon.connect.engine import Engine

    engine: EngineLike = Engine(**kwargs)
    return engine


class EngineService(QObject):
    """Owns the engine and the write path from events to the history.

    Signals:
        itemsAdded(list[FeedItem]): committed items, oldest first, ids set.
        statusChanged(ConnectionInfo): one account's connection changed.
        configApplied(Config): ``apply_config`` finished; the config now running.
    """

    # object, not list: PySide copies a list argument element by element for every
    # connected slot (about 1.3 us an item each, measured); the slots only read it.
    itemsAdded = Signal(object)
    statusChanged = Signal(object)
    #: The config now running (after ``apply_config``).
    configApplied = Signal(object)

    def __init__(
        self,
        config: Config,
        history: History,
        secrets: Any,
        *,
        channel_overrides: Sequence[str] = (),
        engine_factory: EngineFactory = _default_engine_factory,
        catchup_factory: CatchUpFactory = _default_catchup_factory,
        frame_seconds: float = FRAME_SECONDS,
        batch_max: int = BATCH_MAX,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._closed = False
        self._config = config
        self._history = history
        self._loop: asyncio.AbstractEventLoop | None = None
        #: What the engine, catch-up and actions read secrets through (module docstring).
        self.secrets = KeyringWaits(secrets, self._keyring_notify)
        self._secrets = self.secrets
        # Per account: what the keyring overlay shows, and its pending grace timer.
        self._keyring: dict[str, KeyringStatus] = {}
        self._keyring_reasons: dict[str, str] = {}
        self._keyring_timers: dict[str, asyncio.TimerHandle] = {}
        self._channel_overrides = tuple(channel_overrides)
        self._engine_factory = engine_factory
        self._catchup_factory = catchup_factory
        self._catchup: CatchUpLike | None = None
        # Accounts whose catch-up is failing: the words added to their state's detail.
        self._catchup_problems: dict[str, str] = {}
        self._mapper = FeedMapper(config.rules, config.notifications.keywords)
        self._frame = frame_seconds
        self._batch_max = batch_max
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="beacon-history", initializer=_lower_priority
        )
        self._pending: list[Any] = []  # ReceivedEvents, not yet mapped
        self._full = asyncio.Event()
        self._emitting = asyncio.Lock()
        self._drain: asyncio.Task[None] | None = None
        self._engine: EngineLike | None = None
        self._states: dict[str, ConnectionInfo] = {
            a.name: ConnectionInfo(a.name, LinkState.INITIALIZED, "not connected yet")
            for a in config.accounts
        }
        # Who else wants the engine's protocol events (subscribed, members): presence.
        self._protocol_observers: list[Callable[[str, Any], None]] = []
        #: Counters for the benchmark and the status bar.
        self.received = 0
        self.committed = 0
        self.muted = 0

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every configured account; returns at once."""
        self._loop = asyncio.get_running_loop()
        if not self._config.accounts:
            log.info("no accounts configured; nothing to connect")
            return
        self._catchup = self._catchup_factory(
            accounts=self._config.accounts,
            secrets=self._secrets,
            deliver=self.add_caught_up,
            since=self._catchup_since,
            on_problem=self._on_catchup_problem,
            channel_overrides=self._channel_overrides,
        )
        extra: dict[str, Any] = {}
        if self._catchup is not None or self._protocol_observers:
            extra["on_protocol"] = self._on_protocol
        self._engine = self._engine_factory(
            accounts=self._config.accounts,
            secrets=self._secrets,
            on_event=self.on_event,
            on_status=self.on_status,
            channel_overrides=self._channel_overrides,
            version=beacon.__version__,
            read_slice=READ_SLICE,
            **extra,
        )
        await self._engine.start()

    async def close(self) -> None:
        """Close the connections, then commit and emit whatever is still pending."""
        self._closed = True
        # Readers waiting on an unlock prompt are let go; the prompt's own read stays
        # behind in its daemon thread, which does not hold up the exit.
        self.secrets.close()
        for timer in self._keyring_timers.values():
            timer.cancel()
        self._keyring_timers.clear()
        catchup, self._catchup = self._catchup, None
        if catchup is not None:
            await catchup.close()
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.close()
        await self.flush()
        self._executor.shutdown(wait=True)

    def wake(self) -> None:
        """Network change or resume: reconnect waiting accounts now."""
        if self._engine is not None:
            self._engine.wake()

    def reconnect(self, account: str) -> None:
        """The user asked to reconnect ``account`` now (the tray's Reconnect): this also
        reads the keyring again after a cancelled wait or a dismissed prompt."""
        if self._engine is not None and account in self._states:
            self.secrets.release(account)
            self._engine.retry(account)

    def cancel_keyring_wait(self, account: str) -> None:
        """The user stopped waiting for ``account``'s keyring unlock prompt: the account
        shows "keyring locked" and reads the keyring again only when asked to
        (:meth:`reconnect`) or when the secrets change (:meth:`retry_needs_login`)."""
        self.secrets.cancel(account)

    def send_client_event(self, account: str, channel: str, event: str, data: Any) -> None:
        """Send a ``client-*`` event on a subscribed private or presence channel (an
        action button); raises when it cannot be sent now."""
        if self._engine is None:
            raise RuntimeError("not connected")
        self._engine.send_client_event(account, channel, event, data)

    def states(self) -> list[ConnectionInfo]:
        """Every account's state, as ``statusChanged`` last said it."""
        return [self._shown(name) for name in self._states]

    def add_protocol_observer(self, observer: Callable[[str, Any], None]) -> None:
        """Also call ``observer(account, event)`` with the engine's protocol events
        (``beacon.pusher`` events: subscribed with members, member added, ...), on the
        loop's thread. Before :meth:`start`."""
        self._protocol_observers.append(observer)

    def _on_protocol(self, account: str, event: Any) -> None:
        if self._catchup is not None:
            self._catchup.on_protocol(account, event)
        for observer in self._protocol_observers:
            try:
                observer(account, event)
            except Exception:
                log.exception("a protocol observer failed")

    def subscribe(self, account: str, channel: str) -> bool:
        """Join ``channel`` on ``account`` at runtime; False when that account is not
        running (not started, or removed by a reload)."""
        if self._engine is None or account not in self._states:
            return False
        self._engine.subscribe(account, channel)
        return True

    def unsubscribe(self, account: str, channel: str) -> None:
        """Leave a channel joined with :meth:`subscribe`."""
        if self._engine is not None and account in self._states:
            self._engine.unsubscribe(account, channel)

    # -- live reload ------------------------------------------------------------------------

    async def apply_config(self, config: Config) -> None:
        """Run ``config`` from now on: only the accounts that changed reconnect.

        An account whose settings are equal (the dataclasses compare every field) keeps
        its connection; a changed one is closed and started again; a new one starts; a
        removed one closes. Rules and keywords apply to the next batch. Secrets are not
        part of the config: see ``retry_needs_login``.
        """
        if self._closed:
            return  # a reload that lands while the app quits starts nothing
        old = {a.name: a for a in self._config.accounts}
        new = {a.name: a for a in config.accounts}
        stop = [name for name, a in old.items() if new.get(name) != a]
        start = [a for name, a in new.items() if old.get(name) != a]
        self._config = config
        # Read by the writer thread with each batch; a reference swap is atomic.
        self._mapper = FeedMapper(config.rules, config.notifications.keywords)
        if stop or start:
            log.info(
                "config reloaded: stopping %s, starting %s",
                ", ".join(stop) or "none",
                ", ".join(a.name for a in start) or "none",
            )
        engine = self._engine
        if engine is None:
            await self.start()
            start = [] if self._engine is None else list(config.accounts)
        else:
            for name in stop:
                await engine.remove_account(name)
                self._states.pop(name, None)
                # A changed account starts afresh, its keyring read too.
                self._keyring.pop(name, None)
                self._keyring_reasons.pop(name, None)
                self.secrets.release(name)
            for account in start:
                engine.add_account(account)
        for account in start:
            if account.name not in self._states:
                self._states[account.name] = ConnectionInfo(
                    account.name, LinkState.INITIALIZED, "not connected yet"
                )
        for name in stop:
            if name not in new:
                self._states.pop(name, None)
        self.configApplied.emit(config)

    def retry_needs_login(self) -> list[str]:
        """Secrets changed (``beacon login``, the settings window): every account reads
        the keyring afresh, and those that need a login or are not connected try again
        at once. Their names."""
        engine = self._engine
        if engine is None:
            return []
        # New secrets, or a keyring unlocked elsewhere: held reads may go ahead again.
        self.secrets.release()
        # Not only "needs login": a wrong secret in mode sign gives no such state (the
        # server refuses the signature, and that is retried with backoff), yet with the
        # old secret cached it was refused for ever. Every account reads the keyring
        # afresh and asks again for what failed; a connected account with nothing
        # failed keeps its connection (Engine.retry).
        waiting = [i.account for i in self._states.values() if i.needs_login or not i.healthy]
        for name in self._states:
            log.info("secrets changed: account %s reads them again", name)
            engine.retry(name)
        return waiting

    # -- engine callbacks (on the loop's thread) -------------------------------------------

    def on_event(self, event: Any) -> None:
        """A ``ReceivedEvent`` from the engine: queue it for the next batch.

        Nothing else happens here: the engine calls this for every frame of a read, so the
        UI thread's cost per event must stay tiny. Mapping happens with the write, in the
        worker thread.
        """
        self.received += 1
        self._pending.append(event)
        if len(self._pending) >= self._batch_max:
            self._full.set()
        if self._drain is None or self._drain.done():
            self._drain = asyncio.get_running_loop().create_task(self._run_drain())

    def on_status(self, status: Any) -> None:
        """An ``AccountStatus`` from the engine, re-emitted as a plain value."""
        info = ConnectionInfo(
            account=status.account,
            state=status.state,
            detail=str(status.detail),
            needs_login=bool(getattr(status, "needs_login", False)),
        )
        self._states[info.account] = info
        if self._catchup is not None:
            self._catchup.on_status(status)
        self._emit_state(info.account)

    def _emit_state(self, account: str) -> None:
        self.statusChanged.emit(self._shown(account))

    def _shown(self, account: str) -> ConnectionInfo:
        """The engine's state of ``account``, with what catch-up and the keyring add."""
        info = self._states[account]
        settings = next((a for a in self._config.accounts if a.name == account), None)
        if settings is not None:
            # Said with every state, so the window and the tray keep warning about it.
            info = replace(info, insecure=tuple(credentials_in_clear(settings)))
        problem = self._catchup_problems.get(account)
        if problem is not None:
            # Like the engine's own problems: the state stays, the detail says more.
            info = replace(info, detail=f"{info.detail}; {problem}")
        if settings is not None:
            info = replace(info, fix=self._fix_words(info, settings))
        keyring = self._keyring.get(account, KeyringStatus.OK)
        if keyring is KeyringStatus.WAITING:
            info = replace(
                info,
                keyring=keyring,
                detail=self.tr("Waiting for the keyring — answer the unlock prompt"),
                fix="",
            )
        elif keyring is KeyringStatus.LOCKED:
            info = replace(
                info,
                keyring=keyring,
                needs_login=True,
                detail=self._keyring_reasons.get(account, ""),
                fix="",  # the reason says it, with the Try again of its own
            )
        return info

    def _fix_words(self, info: ConnectionInfo, settings: AccountSettings) -> str:
        """What to do about the problem in the engine's detail (its words are English
        diagnostics from ``beacon.connect``), for the window and the tray; "" if none."""
        detail = info.detail
        if "No usable OS keyring" in detail:
            return self.tr(
                "No usable keyring: Beacon keeps secrets only in the OS keyring, never in "
                "plain files. Fix: install and unlock a keyring (gnome-keyring or KWallet), "
                "then choose Reconnect"
            )
        if "certificate not trusted" in detail:
            if "mismatch" in detail:
                return self.tr(
                    "The server's certificate does not match the host name {host}. Fix: set "
                    "host to a name the certificate is for, or have the server's certificate "
                    "made for {host}"
                ).format(host=settings.host or f"ws-{settings.cluster or 'mt1'}.pusher.com")
            return self.tr(
                "The server's certificate is not trusted. Fix: set ca_file to the PEM file "
                "of the CA that signed it (for a self-signed certificate, the certificate "
                "itself)"
            )
        auth = settings.auth
        if info.needs_login:
            return self.tr("Fix: choose Sign in… and store this account's secret")
        if auth is not None and auth.mode == "endpoint" and "auth endpoint" in detail:
            return self.tr(
                "The auth endpoint fails; Beacon tries again by itself. Fix: check that the "
                "app backend at {endpoint} runs and answers"
            ).format(endpoint=auth.endpoint)
        return ""

    # -- keyring waits ----------------------------------------------------------------------

    def _keyring_notify(self, account: str) -> None:
        """From ``KeyringWaits``, in any thread: look again on the loop's thread."""
        loop = self._loop
        if loop is None or self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody looks
            loop.call_soon_threadsafe(self._keyring_changed, account)

    def _keyring_changed(self, account: str) -> None:
        timer = self._keyring_timers.pop(account, None)
        if timer is not None:
            timer.cancel()
        if self._closed or account not in self._states:
            return
        wait = self.secrets.state(account)
        if wait.answered and self._engine is not None:
            # The prompt the user had stopped waiting for was answered after all.
            log.info("account %s: the keyring was unlocked after all; trying again", account)
            self._engine.retry(account)
        status = KeyringStatus.OK
        reason = self._keyring_reasons.get(account, "")
        if wait.held is not None:
            status = KeyringStatus.LOCKED
            reason = self._locked_words(wait.held)
        elif wait.waiting_since is not None:
            left = KEYRING_GRACE - (time.monotonic() - wait.waiting_since)
            if left > 0:
                assert self._loop is not None
                self._keyring_timers[account] = self._loop.call_later(
                    left, self._keyring_changed, account
                )
                status = self._keyring.get(account, KeyringStatus.OK)
                if status is KeyringStatus.LOCKED:
                    status = KeyringStatus.OK  # a new read: no longer held
            else:
                status = KeyringStatus.WAITING
        if status is self._keyring.get(account, KeyringStatus.OK) and reason == (
            self._keyring_reasons.get(account, "")
        ):
            return
        if status is KeyringStatus.WAITING:
            log.info("account %s waits for the keyring: its unlock prompt is open", account)
        self._keyring[account] = status
        self._keyring_reasons[account] = reason
        self._emit_state(account)

    def _locked_words(self, hold: Hold) -> str:
        if hold is Hold.CANCELLED:
            return self.tr(
                "Keyring locked: you stopped waiting for its unlock prompt, so this "
                "account cannot read its secret. Fix: choose Try again (Reconnect in the "
                "tray menu) and enter your keyring password at the prompt, or unlock the "
                "keyring in your keyring manager (Seahorse, KWalletManager)."
            )
        return self.tr(
            "Keyring locked: its unlock prompt was dismissed, or none could be shown, so "
            "this account cannot read its secret. Fix: choose Try again (Reconnect in the "
            "tray menu) and enter your keyring password at the prompt, or unlock the "
            "keyring in your keyring manager (Seahorse, KWalletManager)."
        )

    # -- catch-up (DESIGN.md "Catch-up") -----------------------------------------------------

    def add_caught_up(self, account: str, events: Sequence[Any]) -> None:
        """Events from ``account``'s catch-up endpoint: stored and shown like live ones
        (same mapper, same history, so one already stored is not shown again), flagged
        as caught up."""
        for event in events:
            self.on_event(_CaughtUp(event))

    async def _catchup_since(self, account: str) -> datetime:
        from beacon.connect.catchup import MARGIN

        # In the history's worker: after every batch queued before it, and off this thread.
        loop = asyncio.get_running_loop()
        await self.flush()
        newest = await loop.run_in_executor(self._executor, self._history.newest, account)
        if newest is None:
            return datetime.now(UTC) - FIRST_CATCHUP
        return newest - MARGIN

    def _on_catchup_problem(self, account: str, problem: str | None) -> None:
        if problem is None:
            self._catchup_problems.pop(account, None)
        else:
            self._catchup_problems[account] = problem
        if account in self._states:
            self._emit_state(account)

    # -- the write path ---------------------------------------------------------------------

    async def flush(self) -> None:
        """Commit and emit everything queued so far."""
        if self._drain is not None and not self._drain.done():
            self._full.set()
            await self._drain
        if self._pending:
            await self._write(self._take())

    async def _run_drain(self) -> None:
        # Pipelined: the next batch is handed to the worker before the previous one is
        # emitted, so the worker maps and commits it while the UI thread takes the
        # previous one in slices (one after the other, each sat idle through the other's
        # part). The worker runs batches in order, and they are emitted in that order.
        previous: _Stored | None = None
        while self._pending or previous is not None:
            if not self._pending:
                # Nothing more to hand over: emit the last batch, then look again, since
                # events that arrive meanwhile have only this task to take them.
                assert previous is not None
                await self._emit(*previous)
                previous = None
                continue
            if len(self._pending) < self._batch_max:
                # Coalesce: wait out the frame unless the batch fills up first.
                try:
                    await asyncio.wait_for(self._full.wait(), self._frame)
                except TimeoutError:
                    pass
            batch = self._take()
            stored = self._store(batch), len(batch)
            if previous is not None:
                await self._emit(*previous)
            previous = stored

    def _take(self) -> list[Any]:
        batch = self._pending[: self._batch_max]
        del self._pending[: self._batch_max]
        if len(self._pending) < self._batch_max:
            self._full.clear()
        return batch

    def _map_and_store(self, events: list[Any]) -> tuple[list[FeedItem], int]:
        """In the worker thread: map ``events`` and commit the items; (stored, muted)."""
        items: list[FeedItem] = []
        muted = 0
        anonymous = False
        for n, event in enumerate(events):
            if n % YIELD_EVERY == YIELD_EVERY - 1:
                # Hand the GIL to the UI thread if it waits: Python would make it wait up
                # to the switch interval (5 ms) each time, and under a burst it asks often.
                time.sleep(0)
            caught_up = type(event) is _CaughtUp
            if caught_up:
                event = event.event
            try:
                item = self._mapper.map(event)
            except Exception:  # a bug in a rule must not stop the feed
                log.exception("could not map %s on %s", event.event, event.channel)
                continue
            if item is None:
                continue
            if item.notify == "mute":
                muted += 1  # stored all the same: not counted as unread, not shown unasked
            if caught_up:
                items.append(replace(item, catchup=True))
                anonymous = anonymous or item.event_id is None
            else:
                items.append(item)
        if anonymous:
            items = self._without_known_anonymous(items)
        return self._history.add_batch(items, adopt=True), muted

    def _without_known_anonymous(self, items: list[FeedItem]) -> list[FeedItem]:
        """Caught-up items whose data has no ``id`` have no identity for the history's
        unique index; drop those that equal (same channel, event and decoded data) an
        item already stored around their time: they were received live."""
        from beacon.connect.catchup import MARGIN
        from beacon.feed.mapper import canonical_data

        candidates = [i for i in items if i.catchup and i.event_id is None]
        known: dict[str, set[tuple[str, str, str]]] = {}
        for account in {i.account for i in candidates}:
            since = min(i.received_at for i in candidates if i.account == account) - MARGIN
            known[account] = {
                (channel, event, canonical_data(payload))
                for channel, event, payload in self._history.anonymous_since(account, since)
            }
        kept = []
        for item in items:
            if item.catchup and item.event_id is None:
                key = (item.channel, item.event, canonical_data(item.payload))
                if key in known[item.account]:
                    continue
            kept.append(item)
        return kept

    async def _write(self, batch: list[Any]) -> None:
        if batch:
            await self._emit(self._store(batch), len(batch))

    def _store(self, batch: list[Any]) -> asyncio.Future[tuple[list[FeedItem], int]]:
        # Always in the worker: a commit waits for an fsync, which can take long enough
        # on a slow disk to be seen as a stutter on the UI thread.
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, self._map_and_store, batch)

    async def _emit(self, storing: asyncio.Future[tuple[list[FeedItem], int]], count: int) -> None:
        """Wait for a batch handed to the worker (``_store``), then emit what it stored."""
        try:
            stored, muted = await storing
        except Exception:
            # Not shown, since not stored: showing it would break "shown means on disk".
            log.exception("could not store %d feed items; they are dropped", count)
            return
        self.muted += muted
        self.committed += len(stored)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("committed %d of %d items", len(stored), count)
        # Held across the slices: a batch committed later (a flush beside the drain task)
        # waits, so no batch is emitted before an older one. The worker's queue ran them
        # in order, and the lock wakes its waiters in order.
        async with self._emitting:
            for start in range(0, len(stored), EMIT_MAX):
                if start:
                    # Let the UI thread paint and handle input between the slices.
                    await asyncio.sleep(0)
                self.itemsAdded.emit(stored[start : start + EMIT_MAX])
