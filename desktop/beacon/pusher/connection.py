"""The Pusher Channels protocol 7 client as a sans-I/O state machine.

One ``PusherConnection`` lives as long as an account: it spans every socket the runtime
opens for that account, so it owns the retry schedule and the channel list, and it
re-subscribes every channel after each reconnect.

The runtime drives it with what happened and when (``now`` is a monotonic clock in
seconds):

- ``connect(now)``, ``opened(now)``, ``receive(text, now)``, ``closed(code, reason, now)``,
  ``tick(now)`` at ``next_deadline()``, ``wake(now)``, ``disconnect(now)``;
- answers to its requests: ``authorized()`` / ``auth_failed()``,
  ``signin_authorized()`` / ``signin_failed()``;
- user actions: ``subscribe()``, ``unsubscribe()``, ``send_event()``.

Each returns the resulting ``ProtocolEvent`` list; frames to send accumulate and are
collected with ``data_to_send()``. Nothing here blocks, sleeps or reads a clock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from beacon.pusher.channels import (
    SERVER_TO_USER_PREFIX,
    ChannelKind,
    channel_kind,
    channel_name_problem,
)
from beacon.pusher.crypto import DecryptError, PayloadError, decrypt
from beacon.pusher.errors import ClientEventError, ProtocolError
from beacon.pusher.events import (
    AuthNeeded,
    CacheMiss,
    DropTransport,
    EventDropped,
    EventReceived,
    FrameSkipped,
    MemberAdded,
    MemberRemoved,
    OpenTransport,
    ProtocolEvent,
    ServerError,
    SignedIn,
    SigninFailed,
    SigninNeeded,
    StateChanged,
    Subscribed,
    SubscriptionFailed,
)
from beacon.pusher.frames import decode_data, encode, parse
from beacon.pusher.policy import RESTART_WINDOW as _RESTART_WINDOW
from beacon.pusher.policy import (
    CloseAction,
    activity_timeout,
    backoff,
    close_decision,
    restart_delay,
    was_useful,
)
from beacon.pusher.states import ConnectionState

__all__ = ["ChannelInfo", "ChannelStatus", "PusherConnection"]

log = logging.getLogger("beacon.pusher")
#: The close code websockets reports for a connection lost without a close frame.
ABNORMAL_CLOSURE = 1006

DEFAULT_ACTIVITY_TIMEOUT = 120.0
# Two immediate (4200-range) reconnects closer together than this fall back to backoff,
# so a server that keeps asking for an immediate reconnect cannot make us spin.
IMMEDIATE_RETRY_GUARD = 1.0
# Encrypted events held while a fresh key is fetched; beyond this the oldest are dropped.
MAX_HELD_EVENTS = 1000
_PROTOCOL_PREFIXES = ("pusher:", "pusher_internal:")


class ChannelStatus(Enum):
    PENDING = "pending"  # waiting for a connection
    AUTHORIZING = "authorizing"  # waiting for the runtime's auth answer
    SUBSCRIBING = "subscribing"  # pusher:subscribe sent
    SUBSCRIBED = "subscribed"
    RETRYING = "retrying"  # refused or not authorized for now; tried again at retry_at
    FAILED = "failed"  # needs a new login; stays so until connect() or the next connection


@dataclass(slots=True, eq=False)
class _Channel:
    name: str
    kind: ChannelKind
    status: ChannelStatus = ChannelStatus.PENDING
    shared_secret: bytes | None = None
    me: str | None = None
    members: dict[str, Any] = field(default_factory=dict)
    # Encrypted channels: a fresh key is being fetched after a decrypt failure; events
    # wait here so that they stay in order.
    reauthorizing: bool = False
    held: list[tuple[str, Any, str | None]] = field(default_factory=list)
    # Why the last attempt failed, and when the next one is due (RETRYING only).
    reason: str | None = None
    retry_at: float | None = None
    # Delays between retries of this channel; started over once it is subscribed.
    backoff: Iterator[float] | None = None

    def reset(self) -> None:
        self.status = ChannelStatus.PENDING
        self.me = None
        self.members = {}
        self.reauthorizing = False
        self.retry_at = None


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """Where one channel is: its status, why it last failed, and when it is tried again
    (monotonic seconds, as given to the connection)."""

    name: str
    status: ChannelStatus
    reason: str | None = None
    retry_at: float | None = None


#: Where ``receive_into`` hands an application event: (channel, event, data, raw_data,
#: user_id), as in ``EventReceived``.
EventSink = Callable[[str, str, Any, str | None, str | None], None]

_Handler = Callable[["PusherConnection", str | None, Any], list[ProtocolEvent]]


def _words(exc_text: str, code: int | None) -> str:
    return f"{exc_text} ({code})" if code is not None else exc_text


class PusherConnection:
    """One account's protocol state across reconnects. See the module docstring."""

    def __init__(
        self,
        channels: Iterable[str] = (),
        *,
        activity_timeout: float | None = None,
        pong_timeout: float = 30.0,
        connect_timeout: float = 15.0,
        signin: bool = False,
        backoff_factory: Callable[[], Iterator[float]] = backoff,
    ) -> None:
        self.state = ConnectionState.INITIALIZED
        self.detail = "not started"
        self.needs_login = False
        self.socket_id: str | None = None
        self.user_id: str | None = None
        self._activity_override = activity_timeout
        self._activity_timeout = activity_timeout or DEFAULT_ACTIVITY_TIMEOUT
        self._pong_timeout = pong_timeout
        self._connect_timeout = connect_timeout
        self._signin = signin
        self._backoff_factory = backoff_factory
        self._backoff = backoff_factory()
        self._channels: dict[str, _Channel] = {}
        self._out: list[str] = []
        # True while the runtime owns a socket (or an attempt) that this object awaits.
        self._transport = False
        self._attempt_started = 0.0
        self._last_received = 0.0
        self._ping_sent_at: float | None = None
        self._retry_at: float | None = None
        self._last_immediate: float | None = None
        self._last_error: str | None = None
        # When the current socket's connection was established (None: not yet).
        self._connected_at: float | None = None
        self._subscribed_since_connect = False  # a subscription confirmed on this socket
        # Until when a server that closed with 4200-4299 is treated as restarting.
        self._restart_until: float | None = None
        # The earliest retry_at of any channel, so next_deadline() need not look at all.
        self._channel_retry_at: float | None = None
        # The time of the frame being handled, for handlers that schedule a retry.
        self._now = 0.0
        # Sign-in after a failure that may pass: when to try again, and the delays.
        self._signin_retry_at: float | None = None
        self._signin_backoff: Iterator[float] | None = None
        # The sign-in of this socket failed with no retry of its own (it needs a login):
        # connect() asks for it again, as for its channels.
        self._signin_failed = False
        for name in channels:
            self._add_channel(name)

    # -- queries ---------------------------------------------------------------------

    @property
    def channels(self) -> list[str]:
        """The channels asked for, in the order they were added."""
        return [name for name in self._channels if not name.startswith(SERVER_TO_USER_PREFIX)]

    def channel_status(self, channel: str) -> ChannelStatus | None:
        ch = self._channels.get(channel)
        return ch.status if ch is not None else None

    def channel_info(self, channel: str) -> ChannelInfo | None:
        """The channel's status, with the reason of its last failure and its next try."""
        ch = self._channels.get(channel)
        if ch is None:
            return None
        return ChannelInfo(ch.name, ch.status, ch.reason, ch.retry_at)

    def members(self, channel: str) -> dict[str, Any]:
        """A presence channel's members: user id -> user info (a copy)."""
        ch = self._channels.get(channel)
        return dict(ch.members) if ch is not None else {}

    def data_to_send(self) -> list[str]:
        """Frames to send, oldest first; each call hands them over once."""
        out = self._out
        if out:
            self._out = []
        return out

    @property
    def has_data_to_send(self) -> bool:
        return bool(self._out)

    @property
    def transport_wanted(self) -> bool:
        """Whether a socket is wanted now (asked for with ``OpenTransport``, not dropped)."""
        return self._transport

    def next_deadline(self) -> float | None:
        """When ``tick()`` next has work to do (monotonic seconds), or ``None``."""
        state = self.state
        if state is ConnectionState.CONNECTED:
            if self._ping_sent_at is not None:
                deadline = self._ping_sent_at + self._pong_timeout
            else:
                deadline = self._last_received + self._activity_timeout
            retry = self._channel_retry_at
            return deadline if retry is None or deadline <= retry else retry
        if state is ConnectionState.CONNECTING and self._transport:
            return self._attempt_started + self._connect_timeout
        if state is ConnectionState.UNAVAILABLE:
            return self._retry_at
        return None

    # -- lifecycle -------------------------------------------------------------------

    def connect(self, now: float) -> list[ProtocolEvent]:
        """Start (or restart, after ``failed``/``disconnected``) connecting now.

        While connected, channels and a sign-in that failed (a new login, say) are tried
        again at once instead.
        """
        if self.state is ConnectionState.CONNECTED:
            self.needs_login = False
            events: list[ProtocolEvent] = []
            if self._signin_failed or self._signin_retry_at is not None:
                assert self.socket_id is not None
                self._signin_failed = False
                self._signin_retry_at = None
                self._signin_backoff = None
                events.append(SigninNeeded(self.socket_id))
            for ch in list(self._channels.values()):
                if ch.status in (ChannelStatus.FAILED, ChannelStatus.RETRYING):
                    ch.backoff = None
                    ch.retry_at = None
                    events += self._begin_subscription(ch)
            self._update_channel_retry()
            return events
        if self.state is ConnectionState.CONNECTING:
            return []
        self._backoff = self._backoff_factory()
        self.needs_login = False
        return self._start_attempt(now, "connecting")

    def opened(self, now: float) -> None:
        """The socket is open; the server's ``pusher:connection_established`` is awaited."""
        self._last_received = now

    def closed(self, code: int | None, reason: str, now: float) -> list[ProtocolEvent]:
        """The socket closed (``code`` from the close frame) or could not be opened
        (``code=None``, ``reason`` says what went wrong)."""
        if not self._transport:
            return []  # a socket this object already gave up on
        events = self._lose_transport()
        events += self._after_close(code, reason, now)
        return events

    def refused(self, reason: str) -> list[ProtocolEvent]:
        """The runtime will not open the socket asked for (it would send credentials
        unencrypted): ``failed`` with ``reason``, no retry until ``connect()``."""
        if not self._transport:
            return []
        events = self._lose_transport()
        self._retry_at = None
        self._set_state(events, ConnectionState.FAILED, f"failed: {reason}")
        return events

    def disconnect(self, now: float) -> list[ProtocolEvent]:
        """Close on purpose: no retry until ``connect()``."""
        return self._stop(ConnectionState.DISCONNECTED, "disconnected", "closed by the user")

    def wake(self, now: float) -> list[ProtocolEvent]:
        """The network changed or the machine woke up: retry a waiting connection at once,
        and check a connected one with a ping (its socket may be dead)."""
        if self.state is ConnectionState.UNAVAILABLE:
            self._backoff = self._backoff_factory()
            return self._start_attempt(now, "connecting (woken up)")
        if self.state is ConnectionState.CONNECTED and self._ping_sent_at is None:
            self._send_ping(now)
        return []

    def tick(self, now: float) -> list[ProtocolEvent]:
        """Run timers that are due: retry, handshake timeout, ping, pong timeout."""
        state = self.state
        if state is ConnectionState.CONNECTED:
            if self._ping_sent_at is not None:
                if now >= self._ping_sent_at + self._pong_timeout:
                    return self._drop(now, f"no answer to ping within {self._pong_timeout:g} s")
            elif now >= self._last_received + self._activity_timeout:
                self._send_ping(now)
            retry = self._channel_retry_at
            if retry is not None and now >= retry:
                return self._retry_channels(now)
        elif state is ConnectionState.CONNECTING:
            if self._transport and now >= self._attempt_started + self._connect_timeout:
                return self._drop(
                    now, f"no handshake from the server within {self._connect_timeout:g} s"
                )
        elif state is ConnectionState.UNAVAILABLE:
            if self._retry_at is not None and now >= self._retry_at:
                return self._start_attempt(now, "connecting")
        return []

    # -- receiving -------------------------------------------------------------------

    def receive(self, text: str | bytes, now: float) -> list[ProtocolEvent]:
        """Handle one text frame. Malformed frames are logged and skipped, never fatal."""
        events = self.receive_into(text, now, None)
        assert events is not None
        return events

    def receive_into(
        self, text: str | bytes, now: float, sink: EventSink | None
    ) -> list[ProtocolEvent] | None:
        """``receive``, for a runtime's hot path: an application event on a channel goes
        straight to ``sink(channel, event, data, raw_data, user_id)`` (the fields of
        ``EventReceived``, without building it or a list), and then the answer is None:
        nothing else happened, nothing was queued to send. Otherwise (no sink, encrypted
        channels, protocol events) the answer is what ``receive`` returns.
        """
        if not self._transport:
            return []
        self._last_received = now
        self._ping_sent_at = None  # any frame proves the connection alive
        try:
            event, channel, data, raw, user_id = parse(text)
        except ProtocolError as exc:
            log.warning("skipped a malformed frame: %s", exc)
            return [FrameSkipped(str(exc))]
        # (Both protocol prefixes start with "p": a first-letter test spares most events
        # the method call.)
        if channel is not None and (event[0] != "p" or not event.startswith(_PROTOCOL_PREFIXES)):
            # The hot path: an application event on a channel.
            ch = self._channels.get(channel)
            if ch is None:
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("event %s on unknown channel %s ignored", event, channel)
                return []
            if ch.kind is ChannelKind.ENCRYPTED:
                return self._encrypted_event(ch, event, data, user_id)
            if sink is not None:
                sink(channel, event, data, raw, user_id)
                return None
            return [EventReceived(channel, event, data, raw, user_id)]
        handler = self._handlers.get(event)
        if handler is None:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("unhandled protocol event %s ignored", event)
            return []
        self._now = now  # for handlers that plan a retry (kept off the hot path above)
        try:
            return handler(self, channel, data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # A protocol event whose data has the wrong shape: skip it like a bad frame.
            log.warning("skipped a malformed %s frame: %s", event, exc)
            return [FrameSkipped(f"malformed {event}: {exc}")]

    def _on_established(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        socket_id = data["socket_id"]
        if type(socket_id) is not str or not socket_id:
            raise ValueError("no socket_id")
        if self.state is not ConnectionState.CONNECTING:
            raise ValueError("connection_established while already connected")
        self._activity_timeout = activity_timeout(
            data.get("activity_timeout"), self._activity_override, self._activity_timeout
        )
        self.socket_id = socket_id
        # The backoff starts over only once this connection proves useful (see
        # _after_close): a server that accepts and closes at once must not reset it.
        self._connected_at = self._now
        self._subscribed_since_connect = False
        self._last_error = None
        events: list[ProtocolEvent] = []
        self._set_state(events, ConnectionState.CONNECTED, "connected")
        for ch in list(self._channels.values()):
            if ch.kind is ChannelKind.SERVER_TO_USER:
                del self._channels[ch.name]  # sign-in makes a fresh one
            else:
                events += self._begin_subscription(ch)
        if self._signin:
            events.append(SigninNeeded(socket_id))
        return events

    def _on_error(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        code = data.get("code") if type(data) is dict else None
        message = data.get("message") if type(data) is dict else data
        message = str(message) if message is not None else "unknown error"
        code = code if type(code) is int else None
        self._last_error = message
        log.warning("server error %s: %s", code, message)
        return [ServerError(code, message)]

    def _on_ping(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        self._out.append(encode("pusher:pong", {}))
        return []

    def _on_pong(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        return []

    def _on_subscription_succeeded(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        ch = self._channels.get(channel) if channel is not None else None
        if ch is None:
            return []
        ch.status = ChannelStatus.SUBSCRIBED
        ch.reason = None
        ch.backoff = None
        self._subscribed_since_connect = True
        if ch.kind is ChannelKind.PRESENCE:
            # Some servers leave the member list out; an empty one is the honest reading.
            presence = (data.get("presence") if type(data) is dict else None) or {}
            members = presence.get("hash") or {}
            ids = presence.get("ids") or list(members)
            ch.members = {str(uid): members.get(uid) for uid in ids}
            return [Subscribed(ch.name, dict(ch.members), ch.me)]
        return [Subscribed(ch.name)]

    def _on_subscription_error(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        ch = self._channels.get(channel) if channel is not None else None
        if ch is None or channel is None:
            return []
        status = data.get("status") if type(data) is dict else None
        error = data.get("error") if type(data) is dict else data
        reason = str(error) if error else "the server refused the subscription"
        log.info("subscription to %s refused: %s", channel, reason)
        if ch.kind is ChannelKind.SERVER_TO_USER:
            # The user's own channel is the server's business (some deliver on sign-in
            # alone and refuse it): retrying would only ask again for the same answer.
            ch.status = ChannelStatus.FAILED
            ch.reason = reason
            return [SubscriptionFailed(channel, reason, status if type(status) is int else None)]
        # A refusal may be passing (a restarting backend, a stale signature): try again,
        # later and later, as for a failed auth request.
        retry_in = self._schedule_retry(ch, reason, self._now)
        return [
            SubscriptionFailed(
                channel, reason, status if type(status) is int else None, retry_in=retry_in
            )
        ]

    def _on_member_added(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        ch = self._channels.get(channel) if channel is not None else None
        if ch is None or ch.kind is not ChannelKind.PRESENCE:
            return []
        user_id = str(data["user_id"])
        info = data.get("user_info")
        ch.members[user_id] = info
        return [MemberAdded(ch.name, user_id, info)]

    def _on_member_removed(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        ch = self._channels.get(channel) if channel is not None else None
        if ch is None or ch.kind is not ChannelKind.PRESENCE:
            return []
        user_id = str(data["user_id"])
        if user_id not in ch.members:
            return []
        info = ch.members.pop(user_id)
        return [MemberRemoved(ch.name, user_id, info)]

    def _on_cache_miss(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        if channel is None or channel not in self._channels:
            return []
        return [CacheMiss(channel)]

    def _on_signin_success(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        user_data = data["user_data"]
        if type(user_data) is str:
            user_data = json.loads(user_data)
        user_id = user_data["id"]
        if type(user_id) is not str or not user_id:
            raise ValueError("user data has no id")
        self.user_id = user_id
        self._signin_backoff = None
        self._signin_failed = False
        name = SERVER_TO_USER_PREFIX + user_id
        ch = _Channel(name, ChannelKind.SERVER_TO_USER, ChannelStatus.SUBSCRIBING)
        self._channels[name] = ch
        # pusher-js subscribes to the user's channel with an empty auth; the server
        # already knows who this socket is.
        self._out.append(encode("pusher:subscribe", {"channel": name, "auth": ""}))
        return [SignedIn(user_id, user_data)]

    def _on_subscription_count(self, channel: str | None, data: Any) -> list[ProtocolEvent]:
        return []

    _handlers: ClassVar[dict[str, _Handler]] = {
        "pusher:connection_established": _on_established,
        "pusher:error": _on_error,
        "pusher:ping": _on_ping,
        "pusher:pong": _on_pong,
        "pusher_internal:subscription_succeeded": _on_subscription_succeeded,
        "pusher:subscription_succeeded": _on_subscription_succeeded,
        "pusher:subscription_error": _on_subscription_error,
        "pusher_internal:member_added": _on_member_added,
        "pusher_internal:member_removed": _on_member_removed,
        "pusher:cache_miss": _on_cache_miss,
        "pusher:signin_success": _on_signin_success,
        "pusher:subscription_count": _on_subscription_count,
    }

    def _encrypted_event(
        self, ch: _Channel, event: str, data: Any, user_id: str | None
    ) -> list[ProtocolEvent]:
        if ch.reauthorizing:
            return self._hold(ch, event, data, user_id)
        key = ch.shared_secret
        if key is None:
            return [EventDropped(ch.name, event, "no key for this channel yet")]
        try:
            plain = decrypt(key, data)
        except PayloadError as exc:
            log.warning("dropped %s on %s: %s", event, ch.name, exc)
            return [EventDropped(ch.name, event, str(exc))]
        except DecryptError:
            # The key may have been rotated: fetch a fresh one once, then retry.
            log.info("cannot decrypt %s on %s; fetching a fresh key", event, ch.name)
            ch.reauthorizing = True
            events = self._hold(ch, event, data, user_id)
            assert self.socket_id is not None
            events.append(AuthNeeded(ch.name, self.socket_id))
            return events
        value, raw = decode_data(plain)
        return [EventReceived(ch.name, event, value, raw, user_id)]

    def _hold(
        self, ch: _Channel, event: str, data: Any, user_id: str | None
    ) -> list[ProtocolEvent]:
        events: list[ProtocolEvent] = []
        if len(ch.held) >= MAX_HELD_EVENTS:
            old_event = ch.held.pop(0)[0]
            reason = "too many events waiting for a fresh key"
            log.warning("dropped %s on %s: %s", old_event, ch.name, reason)
            events.append(EventDropped(ch.name, old_event, reason))
        ch.held.append((event, data, user_id))
        return events

    def _release_held(self, ch: _Channel) -> list[ProtocolEvent]:
        held, ch.held = ch.held, []
        ch.reauthorizing = False
        events: list[ProtocolEvent] = []
        for event, data, user_id in held:
            try:
                assert ch.shared_secret is not None
                plain = decrypt(ch.shared_secret, data)
            except (PayloadError, DecryptError) as exc:
                reason = f"cannot decrypt even with a fresh key: {exc}"
                log.warning("dropped %s on %s: %s", event, ch.name, reason)
                events.append(EventDropped(ch.name, event, reason))
                continue
            value, raw = decode_data(plain)
            events.append(EventReceived(ch.name, event, value, raw, user_id))
        return events

    def _drop_held(self, ch: _Channel, reason: str) -> list[ProtocolEvent]:
        held, ch.held = ch.held, []
        ch.reauthorizing = False
        for event, _, _ in held:
            log.warning("dropped %s on %s: %s", event, ch.name, reason)
        return [EventDropped(ch.name, event, reason) for event, _, _ in held]

    # -- channels --------------------------------------------------------------------

    def subscribe(self, channel: str) -> list[ProtocolEvent]:
        """Add a channel; it is subscribed now if connected, else on connecting.

        Raises ``ValueError`` for a name the protocol does not allow.
        """
        if channel in self._channels:
            return []
        ch = self._add_channel(channel)
        if self.state is ConnectionState.CONNECTED:
            return self._begin_subscription(ch)
        return []

    def unsubscribe(self, channel: str) -> None:
        ch = self._channels.pop(channel, None)
        if ch is None:
            return
        if self.state is ConnectionState.CONNECTED and ch.status in (
            ChannelStatus.SUBSCRIBING,
            ChannelStatus.SUBSCRIBED,
        ):
            self._out.append(encode("pusher:unsubscribe", {"channel": channel}))

    def _add_channel(self, name: str) -> _Channel:
        problem = channel_name_problem(name)
        if problem is not None:
            raise ValueError(problem)
        ch = _Channel(name, channel_kind(name))
        self._channels[name] = ch
        return ch

    def _begin_subscription(self, ch: _Channel) -> list[ProtocolEvent]:
        assert self.socket_id is not None
        if ch.kind.needs_auth:
            ch.status = ChannelStatus.AUTHORIZING
            return [AuthNeeded(ch.name, self.socket_id)]
        ch.status = ChannelStatus.SUBSCRIBING
        self._out.append(encode("pusher:subscribe", {"channel": ch.name}))
        return []

    def authorized(
        self,
        channel: str,
        auth: str,
        channel_data: str | None = None,
        shared_secret: bytes | None = None,
        *,
        socket_id: str | None = None,
    ) -> list[ProtocolEvent]:
        """The runtime's answer to ``AuthNeeded``. Pass the ``socket_id`` the request
        named, so that an answer that outlived its connection is ignored."""
        ch = self._channels.get(channel)
        if ch is None or not self._current(socket_id):
            return []
        if ch.kind is ChannelKind.ENCRYPTED:
            if shared_secret is None or len(shared_secret) != 32:
                return self.auth_failed(
                    channel, "the auth answer has no valid shared_secret", socket_id=socket_id
                )
            ch.shared_secret = shared_secret
            if ch.reauthorizing:
                return self._release_held(ch)
        if ch.status is not ChannelStatus.AUTHORIZING:
            return []
        message: dict[str, Any] = {"channel": channel, "auth": auth}
        if channel_data is not None:
            message["channel_data"] = channel_data
            if ch.kind is ChannelKind.PRESENCE:
                try:
                    ch.me = str(json.loads(channel_data)["user_id"])
                except (ValueError, KeyError, TypeError):
                    return self.auth_failed(
                        channel,
                        "the auth answer's channel_data has no user_id",
                        socket_id=socket_id,
                    )
        elif ch.kind is ChannelKind.PRESENCE:
            return self.auth_failed(
                channel,
                "the auth answer has no channel_data for a presence channel",
                socket_id=socket_id,
            )
        ch.status = ChannelStatus.SUBSCRIBING
        self._out.append(encode("pusher:subscribe", message))
        return []

    def auth_failed(
        self,
        channel: str,
        reason: str,
        needs_login: bool = False,
        *,
        status: int | None = None,
        socket_id: str | None = None,
        now: float | None = None,
    ) -> list[ProtocolEvent]:
        """The runtime could not authorize ``channel``; the other channels carry on.

        With ``needs_login`` the account's credentials are refused: the channel stays
        failed, without a retry loop, until ``connect()`` (after a new login) or the next
        connection. Otherwise the failure may pass (a 500, a timeout, garbage): with
        ``now`` given, the channel is tried again after a growing delay.
        """
        ch = self._channels.get(channel)
        if ch is None or not self._current(socket_id):
            return []
        if ch.reauthorizing:
            return self._drop_held(ch, f"no fresh key: {reason}")
        log.info("cannot authorize %s: %s", channel, reason)
        if needs_login or now is None:
            ch.status = ChannelStatus.FAILED
            ch.reason = reason
            if needs_login:
                self.needs_login = True
            return [SubscriptionFailed(channel, reason, status, needs_login)]
        retry_in = self._schedule_retry(ch, reason, now)
        return [SubscriptionFailed(channel, reason, status, False, retry_in)]

    def signin_authorized(
        self, auth: str, user_data: str, *, socket_id: str | None = None
    ) -> list[ProtocolEvent]:
        """The runtime's answer to ``SigninNeeded``."""
        if not self._current(socket_id):
            return []
        self._out.append(encode("pusher:signin", {"auth": auth, "user_data": user_data}))
        return []

    def signin_failed(
        self,
        reason: str,
        needs_login: bool = False,
        *,
        socket_id: str | None = None,
        now: float | None = None,
    ) -> list[ProtocolEvent]:
        """The runtime could not sign in. The channels carry on either way; with ``now``
        and without ``needs_login`` sign-in is tried again after a growing delay."""
        if not self._current(socket_id):
            return []
        log.warning("cannot sign in: %s", reason)
        if needs_login or now is None:
            self._signin_failed = True
            if needs_login:
                self.needs_login = True
                self._signin_retry_at = None
                self._update_channel_retry()
            return [SigninFailed(reason, needs_login)]
        if self._signin_backoff is None:
            self._signin_backoff = self._backoff_factory()
        delay = next(self._signin_backoff)
        self._signin_retry_at = now + delay
        self._update_channel_retry()
        return [SigninFailed(reason, False, delay)]

    def send_event(self, channel: str, event: str, data: Any) -> None:
        """Queue a client event. Raises ``ClientEventError`` when the protocol forbids it."""
        if not event.startswith("client-"):
            raise ClientEventError(f"client event names start with 'client-', not {event!r}")
        kind = channel_kind(channel)
        if not kind.allows_client_events:
            raise ClientEventError(
                f"client events are only allowed on private- and presence- channels, "
                f"and {channel!r} is a {kind.value} channel"
            )
        ch = self._channels.get(channel)
        if (
            ch is None
            or ch.status is not ChannelStatus.SUBSCRIBED
            or self.state is not ConnectionState.CONNECTED
        ):
            raise ClientEventError(f"not subscribed to {channel!r} yet")
        self._out.append(encode(event, data, channel))

    # -- internals -------------------------------------------------------------------

    def _schedule_retry(self, ch: _Channel, reason: str, now: float) -> float:
        if ch.backoff is None:
            ch.backoff = self._backoff_factory()
        delay = next(ch.backoff)
        ch.status = ChannelStatus.RETRYING
        ch.reason = reason
        ch.retry_at = now + delay
        self._update_channel_retry()
        return delay

    def _update_channel_retry(self) -> None:
        due = [ch.retry_at for ch in self._channels.values() if ch.retry_at is not None]
        if self._signin_retry_at is not None:
            due.append(self._signin_retry_at)
        self._channel_retry_at = min(due) if due else None

    def _retry_channels(self, now: float) -> list[ProtocolEvent]:
        events: list[ProtocolEvent] = []
        if self._signin_retry_at is not None and now >= self._signin_retry_at:
            self._signin_retry_at = None
            assert self.socket_id is not None
            events.append(SigninNeeded(self.socket_id))
        for ch in list(self._channels.values()):
            if ch.retry_at is not None and now >= ch.retry_at:
                ch.retry_at = None
                events += self._begin_subscription(ch)
        self._update_channel_retry()
        return events

    def _current(self, socket_id: str | None) -> bool:
        if self.state is not ConnectionState.CONNECTED:
            return False
        return socket_id is None or socket_id == self.socket_id

    def _set_state(
        self,
        events: list[ProtocolEvent],
        state: ConnectionState,
        detail: str,
        *,
        retry_in: float | None = None,
        code: int | None = None,
    ) -> None:
        previous = self.state
        if previous is state and detail == self.detail:
            return
        self.state = state
        self.detail = detail
        log.info("%s -> %s: %s", previous.value, state.value, detail)
        events.append(StateChanged(previous, state, detail, self.needs_login, retry_in, code))

    def _start_attempt(self, now: float, detail: str) -> list[ProtocolEvent]:
        events: list[ProtocolEvent] = []
        self._transport = True
        self._attempt_started = now
        self._retry_at = None
        self._ping_sent_at = None
        self._set_state(events, ConnectionState.CONNECTING, detail)
        events.append(OpenTransport())
        return events

    def _send_ping(self, now: float) -> None:
        self._ping_sent_at = now
        self._out.append(encode("pusher:ping", {}))

    def _lose_transport(self) -> list[ProtocolEvent]:
        """Forget everything that belonged to the socket that just went away."""
        self._transport = False
        self.socket_id = None
        self.user_id = None
        self._ping_sent_at = None
        self._out = []  # frames for a dead socket mean nothing on the next one
        events: list[ProtocolEvent] = []
        for ch in self._channels.values():
            if ch.held:
                events += self._drop_held(ch, "the connection closed before a fresh key came")
            ch.reset()
        self._channel_retry_at = None
        self._signin_retry_at = None
        self._signin_failed = False  # the next socket signs in afresh
        return events

    def _drop(self, now: float, reason: str) -> list[ProtocolEvent]:
        log.info("dropping the connection: %s", reason)
        events = self._lose_transport()
        events.append(DropTransport(reason, 1000, graceful=False))
        events += self._after_close(None, reason, now)
        return events

    def _stop(self, state: ConnectionState, detail: str, reason: str) -> list[ProtocolEvent]:
        """No retry from here: the socket, if any, closes with 1000 (``reason``), then
        ``state``."""
        events: list[ProtocolEvent] = []
        if self._transport:
            events += self._lose_transport()
            events.append(DropTransport(reason, 1000))
        self._retry_at = None
        self._set_state(events, state, detail)
        return events

    def _after_close(self, code: int | None, reason: str, now: float) -> list[ProtocolEvent]:
        events: list[ProtocolEvent] = []
        why = (
            reason
            or self._last_error
            or ("the server closed the connection" if code is not None else "connection lost")
        )
        decision = close_decision(code)
        connected_at, self._connected_at = self._connected_at, None
        subscribed, self._subscribed_since_connect = self._subscribed_since_connect, False
        # Lost without a close frame (killed, crashed) after serving: likely back soon.
        # A close code (4100, 4301, 1011...) is the server's own "not now": keep growing.
        abrupt = code is None or code == ABNORMAL_CLOSURE
        connected_for = None if connected_at is None else now - connected_at
        if was_useful(connected_for, subscribed=subscribed and abrupt):
            self._backoff = self._backoff_factory()
        if decision.action is CloseAction.FAIL:
            self._retry_at = None
            self._set_state(
                events, ConnectionState.FAILED, f"failed: {_words(why, code)}", code=code
            )
            return events
        if decision.action is CloseAction.RECONNECT:
            # The server is restarting: no fault of ours or of the network, so the
            # backoff starts over, and failures for a while are retried quickly.
            self._backoff = self._backoff_factory()
            self._restart_until = now + _RESTART_WINDOW
            if self._last_immediate is None or now - self._last_immediate >= IMMEDIATE_RETRY_GUARD:
                self._last_immediate = now
                events += self._start_attempt(now, f"reconnecting after: {_words(why, code)}")
                return events
        quick = restart_delay(code, now, self._restart_until)
        if quick is not None:
            delay = quick
        else:
            self._restart_until = None
            delay = max(next(self._backoff), decision.min_delay)
        self._retry_at = now + delay
        self._set_state(
            events,
            ConnectionState.UNAVAILABLE,
            f"retrying in {delay:.1f} s after: {_words(why, code)}",
            retry_in=delay,
            code=code,
        )
        return events
