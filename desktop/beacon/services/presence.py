"""Who is here: presence channels' members, and "Also viewing" for the open item.

:class:`PresenceService` watches the engine's protocol events (``Subscribed`` carries a
presence channel's full member list, then ``MemberAdded`` and ``MemberRemoved`` change
it) and keeps one member list per channel. It emits ``membersChanged`` for the panel and
``countsChanged`` for the tray.

When the connection drops, a list is no longer known: it is emptied rather than left
showing people who may have gone. The engine re-subscribes every channel after a
reconnect, and the fresh ``Subscribed`` fills the list again from the server's own
count, so no member_added/removed missed while offline can leave it wrong.

"Also viewing": an account with ``item_presence`` (a template such as
``"presence-ticket-{id}"``) joins that channel, filled from the open item's data, while
the item is open in the details pane, and leaves it when the item is closed or another is
opened. It never holds more than ``item_presence_max`` such channels. ``alsoViewingChanged``
gives the names of the others there (the account's own user, ``me``, left out).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from beacon.config.model import Config
from beacon.config.options import channel_problem
from beacon.feed.item import FeedItem
from beacon.feed.template import render
from beacon.pusher import (
    MemberAdded,
    MemberRemoved,
    StateChanged,
    Subscribed,
    SubscriptionFailed,
)
from beacon.pusher.states import ConnectionState
from beacon.services.engine import EngineService

log = logging.getLogger("beacon.services")

__all__ = ["Member", "PresenceService", "initials", "member_name"]


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a presence channel, as the panel shows it."""

    user_id: str
    name: str
    initials: str


def member_name(user_id: str, info: Any) -> str:
    """The member's name from their user info (``name``, else ``display_name``), or
    their id. Only text: no avatar is ever fetched."""
    if isinstance(info, Mapping):
        for key in ("name", "display_name", "username"):
            value = info.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return user_id


def initials(name: str) -> str:
    """Up to two letters: "Priya Shah" -> "PS", "ann" -> "A"."""
    words = [w for w in name.replace("-", " ").replace("_", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def _member(user_id: str, info: Any) -> Member:
    name = member_name(user_id, info)
    return Member(user_id, name, initials(name))


class PresenceService(QObject):
    """Per-channel member lists, fed by the engine service's protocol events.

    Signals:
        membersChanged(str, str, list[Member]): account, channel and who is there now,
            sorted by name; an empty list when it is not known (offline). For item
            channels too: the panel shows only those of :meth:`watched`.
        countsChanged(dict[tuple[str, str], int]): members per watched channel.
        alsoViewingChanged(list[str]): names of the others on the open item's channel.
    """

    membersChanged = Signal(str, str, list)
    countsChanged = Signal(object)
    alsoViewingChanged = Signal(list)

    def __init__(
        self, config: Config, engine: EngineService, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._config = config
        # (account, channel) -> user id -> info; only channels somebody shows.
        self._members: dict[tuple[str, str], dict[str, Any]] = {}
        self._me: dict[tuple[str, str], str | None] = {}
        # Item channels held, oldest first: (account, channel).
        self._held: list[tuple[str, str]] = []
        self._open: tuple[str, str] | None = None
        self._also: list[str] = []
        engine.add_protocol_observer(self.on_protocol)
        engine.configApplied.connect(self.apply_config)

    # -- what is watched ------------------------------------------------------------------

    def watched(self) -> list[tuple[str, str]]:
        """The configured presence channels, per account, in config order."""
        return [
            (a.name, c)
            for a in self._config.accounts
            for c in a.channels
            if c.startswith("presence-")
        ]

    def members(self, account: str, channel: str) -> list[Member]:
        """Who is on ``channel`` now, sorted by name."""
        known = self._members.get((account, channel), {})
        return sorted(
            (_member(uid, info) for uid, info in known.items()),
            key=lambda m: (m.name.casefold(), m.user_id),
        )

    def counts(self) -> dict[tuple[str, str], int]:
        return {key: len(self._members.get(key, {})) for key in self.watched()}

    @property
    def held(self) -> list[tuple[str, str]]:
        """Item presence channels joined now, oldest first."""
        return list(self._held)

    @property
    def also_viewing(self) -> list[str]:
        return list(self._also)

    def apply_config(self, config: Config) -> None:
        """A reloaded config: forget channels no longer watched, and let go of item
        channels of accounts that no longer ask for them."""
        self._config = config
        accounts = {a.name: a for a in config.accounts}
        for account, channel in list(self._held):
            settings = accounts.get(account)
            if settings is None or settings.item_presence is None:
                self._leave(account, channel)
            else:
                # An account whose settings changed was started afresh, with only its
                # configured channels: join again (a no-op for one that kept running).
                self._engine.subscribe(account, channel)
        if self._open is not None:
            settings = accounts.get(self._open[0])
            if settings is None or settings.item_presence is None:
                self._open = None
                self._set_also([])
        keep = {*self.watched(), *self._held, self._open}
        for key in list(self._members):
            if key not in keep:
                del self._members[key]
        self.countsChanged.emit(self.counts())

    # -- protocol events (on the loop's thread) -------------------------------------------

    def on_protocol(self, account: str, event: Any) -> None:
        kind = type(event)
        if kind is Subscribed:
            if event.members is None:
                return  # not a presence channel
            key = (account, event.channel)
            self._members[key] = dict(event.members)
            self._me[key] = event.me
            self._changed(key)
        elif kind is MemberAdded:
            key = (account, event.channel)
            self._members.setdefault(key, {})[event.user_id] = event.info
            self._changed(key)
        elif kind is MemberRemoved:
            key = (account, event.channel)
            self._members.get(key, {}).pop(event.user_id, None)
            self._changed(key)
        elif kind is SubscriptionFailed:
            key = (account, event.channel)
            if self._members.pop(key, None):
                self._changed(key)
        elif kind is StateChanged and event.state is not ConnectionState.CONNECTED:
            # Offline: nobody is known to be anywhere until the server says again.
            for key in [k for k in self._members if k[0] == account]:
                if self._members.pop(key):
                    self._changed(key)

    def _changed(self, key: tuple[str, str]) -> None:
        account, channel = key
        self.membersChanged.emit(account, channel, self.members(account, channel))
        if key in self.watched():
            self.countsChanged.emit(self.counts())
        if key == self._open:
            self._update_also()

    # -- "Also viewing" -------------------------------------------------------------------

    def item_channel(self, item: FeedItem) -> str | None:
        """The presence channel for ``item``, from its account's ``item_presence``, or None
        (no template, a value missing from the data, or a name that is not allowed)."""
        settings = next((a for a in self._config.accounts if a.name == item.account), None)
        if settings is None or settings.item_presence is None or settings.item_presence_max < 1:
            return None
        try:
            data = json.loads(item.payload)
        except ValueError:
            return None
        channel = render(settings.item_presence, data)
        # A placeholder the data lacks renders empty: "presence-ticket-" is nobody's ticket.
        if channel.endswith("-") or channel_problem(channel) is not None:
            return None
        return channel

    def open_item(self, item: FeedItem | None) -> None:
        """The details pane shows ``item`` now (None: nothing): join its channel, and leave
        the previous item's."""
        channel = self.item_channel(item) if item is not None else None
        key = (item.account, channel) if item is not None and channel is not None else None
        if key == self._open:
            return
        previous, self._open = self._open, key
        if previous is not None:
            self._leave(*previous)
        if key is None:
            self._set_also([])
            return
        account, name = key
        settings = next(a for a in self._config.accounts if a.name == account)
        if name in settings.channels:
            self._update_also()  # configured anyway: nothing to join or leave
            return
        if key not in self._held:
            try:
                joined = self._engine.subscribe(account, name)
            except ValueError as exc:
                log.warning("cannot join %s: %s", name, exc)
                joined = False
            if not joined:
                self._open = None
                self._set_also([])
                return
            self._held.append(key)
            log.info("joined %s while its item is open", name)
        # The cap: the oldest held channels go first, never the open one.
        while len(self._held) > settings.item_presence_max:
            self._leave(*self._held[0])
        self._update_also()

    def _leave(self, account: str, channel: str) -> None:
        key = (account, channel)
        if key not in self._held:
            return
        self._held.remove(key)
        self._members.pop(key, None)
        self._me.pop(key, None)
        self._engine.unsubscribe(account, channel)
        log.info("left %s", channel)

    def _update_also(self) -> None:
        key = self._open
        if key is None:
            self._set_also([])
            return
        me = self._me.get(key)
        others = [m.name for m in self.members(*key) if m.user_id != me]
        self._set_also(others)

    def _set_also(self, names: Sequence[str]) -> None:
        names = list(names)
        if names != self._also:
            self._also = names
            self.alsoViewingChanged.emit(names)
