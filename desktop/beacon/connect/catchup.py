"""Catch-up: asking an account's ``[account.catchup]`` endpoint what was missed offline.

The Pusher protocol keeps no history, so an event published while the socket was down
is gone. A backend that keeps recent events can serve them (DESIGN.md "Catch-up"):
``GET {url}?since=T&channel=C...`` answers a JSON array of objects shaped like
``beacon listen``'s lines. ``fetch_missed`` makes that request; ``CatchUp`` decides when
to make it.

When. At start and after every reconnect, once the account's channels are subscribed
again (or refused, or ``subscribe_wait`` has passed): from then on live events flow, so
asking only now leaves no hole between what the endpoint answers and what arrives live.
``CatchUp`` watches the engine's callbacks, which its owner forwards (``on_status`` and
``on_protocol``); it never holds up the connection, and live events never wait for it.

Failures. A refused, slow, oversized or malformed answer is reported through
``on_problem`` and retried with the connection's backoff (``pusher.policy.backoff``);
401, 403 and 404 say that only a config or login change can help, and are not retried
until the next reconnect. Malformed entries in a good answer are logged and skipped.

Secrets. Header templates come only from the config and are rendered by the account's
``Authorizer``, as auth headers are; nothing received is ever a template.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from beacon.config.model import AccountSettings, CatchupSettings
from beacon.connect.auth import AuthError, Authorizer, loopback_url
from beacon.connect.events import AccountStatus, ReceivedEvent
from beacon.connect.httperror import http_error_words
from beacon.connect.secrets import SecretSource
from beacon.connect.tls import ssl_context
from beacon.pusher import ProtocolEvent, Subscribed, SubscriptionFailed
from beacon.pusher.policy import backoff as default_backoff
from beacon.pusher.states import ConnectionState

__all__ = [
    "MARGIN",
    "CatchUp",
    "CatchupError",
    "fetch_missed",
    "iso_time",
    "parse_missed",
]

log = logging.getLogger("beacon.connect")

#: ``since`` is this much earlier than the newest known event: clocks differ.
MARGIN = timedelta(seconds=60)
#: The whole request, headers to last byte, must finish within this.
TIMEOUT = 15.0
#: A larger answer is refused: it is reported as an endpoint error, not read on.
MAX_BYTES = 4 * 2**20
#: After a (re)connect, catch up at the latest this long after, subscribed or not.
SUBSCRIBE_WAIT = 10.0
# Answers that only a config change or a new login can fix: not retried in a loop.
_FINAL_STATUSES = frozenset({401, 403, 404})

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class CatchupError(Exception):
    """The endpoint could not be used this time; ``retry`` when trying later may help."""

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def iso_time(moment: datetime) -> str:
    """``2026-11-27T21:04:05.123Z``: the form of ``beacon listen``'s ``received_at``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_missed(
    account: str, body: bytes, channels: Sequence[str], now: datetime | None = None
) -> list[ReceivedEvent]:
    """The events in an endpoint's answer, in its order; raises ``CatchupError`` when the
    answer as a whole is unusable. Entries that are not listen-shaped objects, or that
    name a channel that was not asked for, are logged and skipped."""
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CatchupError(f"the answer is not JSON ({exc})") from None
    if type(answer) is not list:
        raise CatchupError("the answer is not a JSON array")
    wanted = set(channels)
    arrived = now or datetime.now(UTC)
    events: list[ReceivedEvent] = []
    for n, entry in enumerate(answer):
        problem = _entry_problem(entry, wanted)
        if problem is None:
            try:
                received = entry.get("received_at")
                when = _parse_time(received) if received is not None else arrived
            except (TypeError, ValueError):
                problem = "received_at is not an ISO time"
        if problem is not None:
            log.warning("catch-up of %s: entry %d skipped: %s", account, n + 1, problem)
            continue
        data = entry["data"]
        events.append(
            ReceivedEvent(
                account=account,
                channel=entry["channel"],
                event=entry["event"],
                data=data,
                user_id=entry.get("user_id"),
                received_at=when,
                # Listen lines hold the decoded value; its compact JSON stands for the text
                # as received (identity is over the decoded data: feed.mapper.event_id).
                raw_data=data if type(data) is str else _compact(data),
            )
        )
    return events


def _entry_problem(entry: Any, wanted: set[str]) -> str | None:
    if type(entry) is not dict:
        return "not a JSON object"
    channel, event = entry.get("channel"), entry.get("event")
    if type(channel) is not str or type(event) is not str or not channel or not event:
        return "channel and event must be non-empty strings"
    if "data" not in entry:
        return "no data"
    if channel not in wanted:
        return f"channel {channel!r} was not asked for"
    user_id = entry.get("user_id")
    if user_id is not None and type(user_id) is not str:
        return "user_id is not a string"
    return None


async def fetch_missed(
    client: httpx.AsyncClient,
    settings: CatchupSettings,
    headers: dict[str, str],
    account: str,
    since: datetime,
    channels: Sequence[str],
    *,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    url: str | None = None,
) -> list[ReceivedEvent]:
    """One request: what ``account`` missed on ``channels`` since ``since``; to ``url``
    instead of the settings' when given (the address a name was checked on)."""
    # httpx encodes these; "channel" is repeated, once per channel.
    # httpx encodes these; "channel" is repeated, once per channel.
    params = {"since": iso_time(since), "channel": list(channels)}
    chunks: list[bytes] = []
    too_large = False
    try:
        async with asyncio.timeout(timeout) as deadline:
            async with client.stream(
                "GET", url or settings.url, params=params, headers=headers
            ) as response:
                status = response.status_code
                if status != 200:
                    raise CatchupError(
                        f"the endpoint answered {status}", retry=status not in _FINAL_STATUSES
                    )
                # Streamed, so that an endless or huge answer costs at most max_bytes.
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        # Not a break or raise here: that would leave httpx's nested stream
                        # generators to the garbage collector, which cannot close them
                        # cleanly. Ending the deadline now cancels the next read instead,
                        # and that unwinds every layer in this task.
                        too_large = True
                        chunks.clear()
                        deadline.reschedule(asyncio.get_running_loop().time())
                        continue
                    chunks.append(chunk)
    except TimeoutError:
        if not too_large:
            raise CatchupError(f"no complete answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        # Never a header's value in the words: it may hold the secret.
        raise CatchupError(f"endpoint unreachable: {http_error_words(exc)}") from None
    if too_large:
        raise CatchupError(f"the answer is larger than {max_bytes // 1024} KiB")
    return parse_missed(account, b"".join(chunks), channels)


@dataclass(eq=False)
class _Account:
    settings: AccountSettings
    catchup: CatchupSettings
    channels: tuple[str, ...]
    authorizer: Authorizer
    connected: bool = False
    waiting: set[str] = field(default_factory=set)
    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task[None] | None = None
    client: httpx.AsyncClient | None = None
    failing: bool = False


class CatchUp:
    """Catches up every account that has ``[account.catchup]``, at start and after each
    reconnect. Forward the engine's ``on_status`` and ``on_protocol`` calls to it.

    ``deliver(account, events)`` gets each successful answer (possibly empty), oldest
    first as the endpoint sent them; ``since(account)`` is awaited for the time to ask
    from (the caller applies ``MARGIN``); ``on_problem(account, text)`` reports a failure,
    and ``on_problem(account, None)`` that an earlier one is over.
    """

    def __init__(
        self,
        accounts: Sequence[AccountSettings],
        secrets: SecretSource,
        deliver: Callable[[str, list[ReceivedEvent]], None],
        since: Callable[[str], Awaitable[datetime]],
        *,
        on_problem: Callable[[str, str | None], None] | None = None,
        channel_overrides: Sequence[str] = (),
        backoff: Callable[[], Iterator[float]] = default_backoff,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        subscribe_wait: float = SUBSCRIBE_WAIT,
    ) -> None:
        self._deliver = deliver
        self._since = since
        self._on_problem = on_problem
        self._backoff = backoff
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._subscribe_wait = subscribe_wait
        self._accounts: dict[str, _Account] = {}
        self._closed = False
        for account in accounts:
            if account.catchup is None:
                continue
            channels = tuple(channel_overrides) or account.channels
            self._accounts[account.name] = _Account(
                account,
                account.catchup,
                channels,
                # Its own Authorizer: the secret is read the same way, from the same
                # keyring entry, and forgotten independently of the socket's.
                Authorizer(account, secrets, self._client_for(account.name)),
            )
        #: Requests made (answered or not), per account; tests and diagnostics read it.
        self.requests: dict[str, int] = dict.fromkeys(self._accounts, 0)

    @property
    def accounts(self) -> list[str]:
        """The accounts that have a catch-up endpoint."""
        return list(self._accounts)

    # -- what the engine says ----------------------------------------------------------

    def on_status(self, status: AccountStatus) -> None:
        acc = self._accounts.get(status.account)
        if acc is None or self._closed:
            return
        connected = status.state is ConnectionState.CONNECTED
        if connected and not acc.connected:
            # A new socket: wait for its channels, then ask what the gap held.
            acc.waiting = set(acc.channels)
            self._cancel_timer(acc)
            loop = asyncio.get_running_loop()
            acc.timer = loop.call_later(self._subscribe_wait, self.start, status.account)
        elif not connected and acc.connected:
            acc.waiting.clear()
            self._cancel_timer(acc)
        acc.connected = connected

    def on_protocol(self, account: str, event: ProtocolEvent) -> None:
        acc = self._accounts.get(account)
        if acc is None or not acc.waiting:
            return
        if isinstance(event, Subscribed | SubscriptionFailed):
            acc.waiting.discard(event.channel)
            if not acc.waiting:
                self.start(account)

    # -- asking ----------------------------------------------------------------------

    def start(self, account: str) -> None:
        """Catch ``account`` up now; a catch-up already under way starts over."""
        acc = self._accounts.get(account)
        if acc is None or self._closed:
            return
        self._cancel_timer(acc)
        acc.waiting.clear()
        if acc.task is not None:
            acc.task.cancel()
        acc.task = asyncio.get_running_loop().create_task(
            self._run(acc), name=f"beacon-catchup-{account}"
        )

    async def _run(self, acc: _Account) -> None:
        name = acc.settings.name
        delays = self._backoff()
        while True:
            try:
                since = await self._since(name)
            except Exception:  # the history is unusable: nothing to ask from
                log.exception("catch-up of %s: no time to ask from", name)
                return
            try:
                events = await self._fetch(acc, since)
            except CatchupError as exc:
                if not exc.retry:
                    self._problem(acc, f"catch-up failed: {exc.reason}")
                    return
                delay = next(delays)
                self._problem(acc, f"catch-up failed: {exc.reason}; retrying in {delay:.0f} s")
                await asyncio.sleep(delay)
                continue
            except AuthError as exc:
                acc.authorizer.forget()
                self._problem(acc, f"catch-up failed: {exc.reason}")
                return
            log.info("catch-up of %s: %d events since %s", name, len(events), iso_time(since))
            if acc.failing:
                acc.failing = False
                self._report(name, None)
            self._deliver(name, events)
            return

    async def _fetch(self, acc: _Account, since: datetime) -> list[ReceivedEvent]:
        headers = await acc.authorizer.render_headers(acc.catchup.headers)
        url = acc.catchup.url
        if (
            acc.catchup.needs_secret
            and not acc.settings.allow_insecure
            and urlsplit(url).scheme.lower() == "http"
        ):
            # As for the auth endpoint: plain http carries the secret only to loopback,
            # known once the name is resolved (config/transport.py). AuthError: no retry.
            url, headers["Host"] = await loopback_url(url, what="url")
        self.requests[acc.settings.name] += 1
        return await fetch_missed(
            self._client(acc),
            acc.catchup,
            headers,
            acc.settings.name,
            since,
            acc.channels,
            timeout=self._timeout,
            max_bytes=self._max_bytes,
            url=url,
        )

    def _problem(self, acc: _Account, text: str) -> None:
        acc.failing = True
        log.warning("%s: %s", acc.settings.name, text)
        self._report(acc.settings.name, text)

    def _report(self, account: str, text: str | None) -> None:
        if self._on_problem is None:
            return
        try:
            self._on_problem(account, text)
        except Exception:
            log.exception("the catch-up problem callback failed")

    def _client_for(self, account: str) -> Callable[[], httpx.AsyncClient]:
        return lambda: self._client(self._accounts[account])

    def _client(self, acc: _Account) -> httpx.AsyncClient:
        if acc.client is None:
            # This account's trust only: the system store plus its own CA file.
            acc.client = httpx.AsyncClient(verify=ssl_context(acc.settings.ca_file))
        return acc.client

    @staticmethod
    def _cancel_timer(acc: _Account) -> None:
        if acc.timer is not None:
            acc.timer.cancel()
            acc.timer = None

    async def close(self) -> None:
        """Stop every catch-up under way; nothing is delivered after this."""
        self._closed = True
        tasks = []
        for acc in self._accounts.values():
            self._cancel_timer(acc)
            if acc.task is not None:
                acc.task.cancel()
                tasks.append(acc.task)
        await asyncio.gather(*tasks, return_exceptions=True)
        for acc in self._accounts.values():
            if acc.client is not None:
                await acc.client.aclose()
                acc.client = None
