"""Keyring reads the app waits on: one at a time per secret, visible, and abandonable.

A locked keyring whose unlock prompt is on screen holds a read until the user answers the
prompt, which may take minutes. Commands give up after ``credentials.KEYRING_TIMEOUT``;
the app waits as long as the prompt is open, and the engine service shows it waiting
(after a grace, so a normal 10 ms read never flickers) with a Cancel.

:class:`KeyringWaits` is a ``connect.SecretSource`` over the real one. The engine's
authorizers call it from daemon threads of their own (``connect.threads``); each call
waits here on a condition while the real read runs in a daemon thread of its own, so
that:

- reads of the same secret share one real read: several channels, catch-up and actions
  of an account raise one unlock prompt, not a queue of them;
- ``cancel(account)`` holds the account: it shows as locked, and later reads fail at
  once with ``KeyringLockedError``, without touching the keyring (no new prompt when the
  connection comes back), until ``release(account)`` (the user's Reconnect, or changed
  secrets). The callers already waiting stay parked on the read: its prompt is still on
  screen (nothing can take it down from here), so a late answer still connects, and a
  Reconnect simply shows the wait again. Failing them instead would race the Reconnect:
  their failure could reach the engine after it, and undo it;
- a prompt the user dismissed holds the account the same way: asking again at once would
  only bring the prompt back;
- a read that the user answers after a cancel releases the account and reports it
  answered: the keyring is open now, so the account tries again.

Every change is reported through ``notify(account)``, from whichever thread it happens
in; the service moves it to the loop and asks :meth:`KeyringWaits.state`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from beacon.connect.secrets import RevealableSecret, SecretSource
from beacon.credentials import KeyringLockedError, KeyringTimeoutError

__all__ = ["Hold", "KeyringWaits", "WaitState"]

log = logging.getLogger("beacon.services")

Getter = Callable[[str], RevealableSecret | None]


class Hold(Enum):
    """Why an account's reads are held."""

    CANCELLED = "cancelled"
    DISMISSED = "dismissed"


#: The text of the error that callers of a held account get (logs, the engine's detail);
#: what the user reads is the service's own, translated wording.
_HELD_WORDS = {
    Hold.CANCELLED: "the keyring is locked and the wait for its unlock prompt was cancelled",
    Hold.DISMISSED: "the keyring is locked: its unlock prompt was dismissed",
}


@dataclass(frozen=True, slots=True)
class WaitState:
    """One account as :meth:`KeyringWaits.state` sees it."""

    #: ``time.monotonic()`` when the oldest read still waited on began, or None.
    waiting_since: float | None = None
    #: Why reads are held, or None.
    held: Hold | None = None
    #: The keyring's own words when a prompt was dismissed (the fix is in them).
    reason: str = ""
    #: A read that had been cancelled was answered after all (taken once).
    answered: bool = False


@dataclass(eq=False)
class _Read:
    started: float
    done: bool = False
    value: RevealableSecret | None = None
    error: Exception | None = None
    waiters: int = 0


@dataclass
class _Account:
    reads: dict[str, _Read] = field(default_factory=dict)  # by kind: secret, key
    # Bumped by ``close``: the callers that waited are let go.
    generation: int = 0
    held: Hold | None = None
    reason: str = ""
    answered: bool = False


class KeyringWaits:
    """A ``SecretSource`` over ``source`` whose reads can be seen waiting and cancelled."""

    def __init__(self, source: SecretSource, notify: Callable[[str], None]) -> None:
        self._source = source
        self._notify = notify
        self._lock = threading.Condition()
        self._accounts: dict[str, _Account] = {}
        self._closed = False

    # -- SecretSource ---------------------------------------------------------------------

    def get_secret(self, account: str) -> RevealableSecret | None:
        return self._get("secret", self._source.get_secret, account)

    def get_encryption_key(self, account: str) -> RevealableSecret | None:
        return self._get("key", self._source.get_encryption_key, account)

    # -- the user's side ------------------------------------------------------------------

    def state(self, account: str) -> WaitState:
        """Where ``account``'s reads stand; takes the "answered after all" flag."""
        with self._lock:
            entry = self._accounts.get(account)
            if entry is None:
                return WaitState()
            answered, entry.answered = entry.answered, False
            waited = [r.started for r in entry.reads.values() if r.waiters]
            return WaitState(
                min(waited) if waited and entry.held is None else None,
                entry.held,
                entry.reason,
                answered,
            )

    def cancel(self, account: str) -> bool:
        """Stop waiting for ``account``'s reads: hold it; False when none waited."""
        with self._lock:
            entry = self._accounts.get(account)
            if entry is None or not any(r.waiters for r in entry.reads.values()):
                return False
            entry.held = Hold.CANCELLED
            entry.reason = ""
        log.info("account %s: stopped waiting for the keyring", account)
        self._notify(account)
        return True

    def release(self, account: str | None = None) -> None:
        """Let ``account`` (every account with None) read the keyring again."""
        with self._lock:
            entries = (
                list(self._accounts.items())
                if account is None
                else [(account, self._accounts.get(account))]
            )
            released = [name for name, e in entries if e is not None and e.held is not None]
            for name in released:
                entry = self._accounts[name]
                entry.held = None
                entry.reason = ""
        for name in released:
            self._notify(name)

    def close(self) -> None:
        """Let every waiting caller go (the app quits); real reads are left behind."""
        with self._lock:
            self._closed = True
            for entry in self._accounts.values():
                entry.generation += 1
            self._lock.notify_all()

    # -- internals ------------------------------------------------------------------------

    def _get(self, kind: str, getter: Getter, account: str) -> RevealableSecret | None:
        with self._lock:
            if self._closed:
                raise KeyringLockedError("Beacon is quitting")
            entry = self._accounts.setdefault(account, _Account())
            if entry.held is not None:
                raise KeyringLockedError(_HELD_WORDS[entry.held])
            read = entry.reads.get(kind)
            if read is None:
                read = entry.reads[kind] = _Read(time.monotonic())
                threading.Thread(
                    target=self._run,
                    args=(kind, getter, account, read),
                    name="beacon-keyring",
                    daemon=True,
                ).start()
            generation = entry.generation
            read.waiters += 1
        self._notify(account)
        try:
            with self._lock:
                while not read.done and entry.generation == generation:
                    self._lock.wait()
                if not read.done:  # let go by the app's close
                    raise KeyringLockedError("Beacon is quitting")
        finally:
            with self._lock:
                read.waiters -= 1
            self._notify(account)
        if read.error is not None:
            raise read.error
        return read.value

    def _run(self, kind: str, getter: Getter, account: str, read: _Read) -> None:
        """The real read, in its own daemon thread: it may wait on a prompt for ever."""
        value: RevealableSecret | None = None
        error: Exception | None = None
        try:
            value = getter(account)
        except Exception as exc:  # handed to the waiting callers, who raise it
            error = exc
        with self._lock:
            entry = self._accounts[account]
            read.value, read.error, read.done = value, error, True
            entry.reads.pop(kind, None)
            # A timeout (a bounded keyring) is not the user's answer: nothing is held.
            if isinstance(error, KeyringLockedError) and not isinstance(error, KeyringTimeoutError):
                if entry.held is None or entry.held is Hold.CANCELLED:
                    entry.held = Hold.DISMISSED
                    entry.reason = str(error)
            elif error is None and entry.held is Hold.CANCELLED:
                # Answered after the user stopped waiting: the keyring is open now. The
                # parked callers have their secret; the account's others try again.
                entry.held = None
                entry.answered = True
            self._lock.notify_all()
            # Waiting callers report it as they leave, each just before its answer heads
            # for the engine: the state shown never runs ahead of what the engine knows
            # (a Reconnect clicked on "locked" must find the failure already landed).
            waited = read.waiters > 0
        if error is None:
            log.debug("account %s: the keyring answered", account)
        else:
            log.info("account %s: the keyring read failed: %s", account, error)
        if not waited:
            self._notify(account)
