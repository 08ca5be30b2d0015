"""Channels and presence of the demo server: who is subscribed where, who is a member,
who is signed in, and how a published event reaches them.

Everything here works on :class:`~beacon.demo.session.Session` objects and their sending
methods; nothing reads a socket. ``changed`` is called after every change of state, so
that the server's ``wait_for`` can re-check its predicates.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from beacon.demo.catchup import MissedLog
from beacon.demo.session import Session, dumps, frame_bytes
from beacon.pusher import auth
from beacon.pusher.channels import SERVER_TO_USER_PREFIX

# Pusher's channel naming rules; names starting with "#" are reserved for the server.
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9_\-=@,.;]{1,164}$")
VIRTUAL = "virtual"  # the "socket" of members added by add_member(); never a real socket id


def is_private(channel: str) -> bool:
    """Channels that need an auth signature to subscribe."""
    return channel.startswith(("private-", "presence-"))


def is_presence(channel: str) -> bool:
    return channel.startswith("presence-")


def is_cache(channel: str) -> bool:
    return channel.startswith(("cache-", "private-cache-", "presence-cache-")) or (
        channel.startswith("private-encrypted-cache-")
    )


@dataclass
class Member:
    info: Any
    sockets: set[str] = field(default_factory=set)


class Channels:
    """Subscriptions, presence members, signed-in users and cache channels of one app."""

    def __init__(self, key: str, secret: str, changed: Callable[[], None]) -> None:
        self.key = key
        self.secret = secret
        self.changed = changed
        self.published = 0
        # Recent published events, served at /pusher/missed (demo/catchup.py).
        self.missed = MissedLog()
        self.subscribers: dict[str, dict[str, Session]] = {}
        self.members: dict[str, dict[str, Member]] = {}
        self.users: dict[str, dict[str, Session]] = {}  # user id -> its signed-in sockets
        self.cache: dict[str, str] = {}  # cache channel -> last event frame

    # -- publishing ------------------------------------------------------------------------

    def publish_text(self, channel: str, event: str, text: str, exclude: str | None) -> int:
        """Send an event whose data is already a string; the number of sockets written to."""
        message = dumps({"event": event, "channel": channel, "data": text})
        self.published += 1
        self.missed.record(channel, event, text)
        if channel.startswith(SERVER_TO_USER_PREFIX):
            # Like Soketi, by sign-in rather than by subscription: a signed-in socket gets
            # its user's events whether or not it has subscribed to the user's channel.
            user_sockets = self.users.get(channel[len(SERVER_TO_USER_PREFIX) :])
            return self._write_all(user_sockets, message, exclude)
        if is_cache(channel):
            self.cache[channel] = message
        return self.broadcast(channel, message, exclude)

    def broadcast(self, channel: str, message: str, exclude: str | None = None) -> int:
        return self._write_all(self.subscribers.get(channel), message, exclude)

    @staticmethod
    def _write_all(
        subscribers: dict[str, Session] | None, message: str, exclude: str | None
    ) -> int:
        if not subscribers:
            return 0
        frame = frame_bytes(message)
        sent = 0
        for socket_id, session in subscribers.items():
            if socket_id != exclude and session.open:
                session.write_frame(frame)
                sent += 1
        return sent

    def _broadcast_internal(
        self, channel: str, event: str, data: Any, exclude: str | None = None
    ) -> None:
        message = dumps({"event": event, "channel": channel, "data": dumps(data)})
        self.broadcast(channel, message, exclude=exclude)

    # -- subscriptions ---------------------------------------------------------------------

    def _subscription_error(
        self, session: Session, channel: str, kind: str, error: str, status: int
    ) -> None:
        session.send(
            "pusher:subscription_error",
            {"type": kind, "error": error, "status": status},
            channel,
        )

    def subscribe(self, session: Session, data: dict[str, Any]) -> None:
        """``pusher:subscribe``: check the name and the auth signature, then join."""
        channel = data.get("channel")
        if isinstance(channel, str) and channel.startswith(SERVER_TO_USER_PREFIX):
            self._subscribe_user_channel(session, channel)
            return
        if not isinstance(channel, str) or not _CHANNEL_NAME.match(channel):
            self._subscription_error(
                session,
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
            expected = auth.channel_signature(self.secret, session.socket_id, channel, signed)
            if (
                not isinstance(given, str)
                or (is_presence(channel) and member is None)
                or not auth.verify_auth(self.key, self.secret, given, expected)
            ):
                self._subscription_error(
                    session, channel, "AuthError", "The connection is unauthorized.", 401
                )
                return
        if channel in session.channels and channel in session.presence:
            self.leave(session, channel)  # a re-subscribe may carry another member
        session.channels.add(channel)
        self.subscribers.setdefault(channel, {})[session.socket_id] = session
        if member is None:
            session.send("pusher_internal:subscription_succeeded", "{}", channel)
        else:
            self._join_presence(session, channel, *member)
        if is_cache(channel):
            cached = self.cache.get(channel)
            if cached is None:
                session.send("pusher:cache_miss", None, channel)
            else:
                session.send_text(cached)
        self.changed()

    def unsubscribe(self, session: Session, data: dict[str, Any]) -> None:
        channel = data.get("channel")
        if isinstance(channel, str) and channel in session.channels:
            self.leave(session, channel)
            self.changed()

    def _subscribe_user_channel(self, session: Session, channel: str) -> None:
        # pusher-js (and Beacon) subscribe to their user's channel after pusher:signin, with
        # an empty auth: the sign-in is the authorization. Soketi lets any socket subscribe
        # (and then sends it nothing); refusing a socket not signed in as that user says so.
        if session.user_id is None or channel != SERVER_TO_USER_PREFIX + session.user_id:
            self._subscription_error(
                session, channel, "AuthError", "The connection is not signed in as this user.", 401
            )
            return
        session.channels.add(channel)
        self.subscribers.setdefault(channel, {})[session.socket_id] = session
        session.send("pusher_internal:subscription_succeeded", "{}", channel)
        self.changed()

    def leave(self, session: Session, channel: str) -> None:
        session.channels.discard(channel)
        subscribers = self.subscribers.get(channel)
        if subscribers is not None:
            subscribers.pop(session.socket_id, None)
            if not subscribers:
                del self.subscribers[channel]
        user_id = session.presence.pop(channel, None)
        if user_id is None:
            return
        members = self.members.get(channel, {})
        member = members.get(user_id)
        if member is None:
            return
        member.sockets.discard(session.socket_id)
        if not member.sockets:
            del members[user_id]
            if not members:
                self.members.pop(channel, None)
            removed = {"user_id": user_id}
            self._broadcast_internal(
                channel, "pusher_internal:member_removed", removed, session.socket_id
            )

    def forget(self, session: Session) -> None:
        """A closed connection: out of every channel, signed out."""
        for channel in list(session.channels):
            self.leave(session, channel)
        self._sign_out(session)

    # -- presence --------------------------------------------------------------------------

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

    def _join_presence(self, session: Session, channel: str, user_id: str, info: Any) -> None:
        members = self.members.setdefault(channel, {})
        session.presence[channel] = user_id
        if user_id not in members:
            members[user_id] = Member(info)
            added = {"user_id": user_id, "user_info": info}
            self._broadcast_internal(
                channel, "pusher_internal:member_added", added, session.socket_id
            )
        members[user_id].sockets.add(session.socket_id)
        presence = {
            "ids": list(members),
            "hash": {uid: m.info for uid, m in members.items()},
            "count": len(members),
        }
        data = dumps({"presence": presence})
        session.send("pusher_internal:subscription_succeeded", data, channel)

    def add_member(self, channel: str, user_id: str, info: Any = None) -> None:
        members = self.members.setdefault(channel, {})
        if user_id in members:
            members[user_id].sockets.add(VIRTUAL)
            return
        members[user_id] = Member(info, {VIRTUAL})
        added = {"user_id": user_id, "user_info": info}
        self._broadcast_internal(channel, "pusher_internal:member_added", added)
        self.changed()

    def remove_member(self, channel: str, user_id: str) -> None:
        member = self.members.get(channel, {}).get(user_id)
        if member is None or VIRTUAL not in member.sockets:
            return
        member.sockets.discard(VIRTUAL)
        if not member.sockets:
            del self.members[channel][user_id]
            if not self.members[channel]:
                del self.members[channel]
            self._broadcast_internal(
                channel, "pusher_internal:member_removed", {"user_id": user_id}
            )
        self.changed()

    # -- client events ----------------------------------------------------------------------

    def client_event(self, session: Session, event: str, channel: Any, data: Any) -> None:
        if not isinstance(channel, str) or channel not in session.channels:
            return  # Pusher and Soketi drop events for channels the socket is not in
        if not is_private(channel) or channel.startswith("private-encrypted-"):
            message = "Client event rejected - only supported on private and presence channels"
            session.send("pusher:error", {"code": 4301, "message": message})
            return
        out: dict[str, Any] = {"event": event, "channel": channel, "data": data}
        user_id = session.presence.get(channel)
        if user_id is not None:
            out["user_id"] = user_id
        self.broadcast(channel, dumps(out), exclude=session.socket_id)

    # -- user sign-in -----------------------------------------------------------------------

    def signin(self, session: Session, data: dict[str, Any]) -> None:
        """``pusher:signin``: a valid signature makes the socket its user's; else 4009."""
        user_data, given = data.get("user_data"), data.get("auth")
        valid = isinstance(user_data, str) and isinstance(given, str)
        user: Any = None
        if valid:
            assert isinstance(user_data, str) and isinstance(given, str)
            expected = auth.user_auth(self.key, self.secret, session.socket_id, user_data)
            valid = hmac.compare_digest(given.encode(), expected.encode())
            with contextlib.suppress(ValueError):
                user = json.loads(user_data)
        if not valid or not isinstance(user, dict) or user.get("id") in (None, ""):
            session.close(4009, "Connection not authorized.")
            return
        self._sign_out(session)  # a second sign-in replaces the first
        session.user_id = str(user["id"])
        self.users.setdefault(session.user_id, {})[session.socket_id] = session
        session.send("pusher:signin_success", {"user_data": user_data})
        self.changed()

    def _sign_out(self, session: Session) -> None:
        if session.user_id is None:
            return
        channel = SERVER_TO_USER_PREFIX + session.user_id
        if channel in session.channels:
            self.leave(session, channel)
        sockets = self.users.get(session.user_id)
        if sockets is not None:
            sockets.pop(session.socket_id, None)
            if not sockets:
                del self.users[session.user_id]
        session.user_id = None
