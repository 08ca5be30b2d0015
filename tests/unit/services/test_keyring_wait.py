"""``KeyringWaits``: the app's keyring reads, shared, seen waiting, cancelled and held.

The reads go through the real ``credentials.Keyring`` (no timeout, as the app builds it)
over a backend that stands in for a locked keyring: it blocks until "the user answers the
prompt", or raises keyring's own ``KeyringLocked`` as a dismissed prompt does. The real
prompt is in tests/gui/credentials/test_app_waits_for_keyring.py.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from beacon.credentials import Keyring, KeyringLockedError, KeyringTimeoutError
from beacon.credentials.store import _Waiter
from beacon.services.keyring_wait import Hold, KeyringWaits

ACCOUNT = "support"


class _Prompting(KeyringBackend):
    """A locked keyring: each read waits for ``answer``; with ``dismiss`` it then fails."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, answer: threading.Event) -> None:
        # A required argument keeps keyring's own detection from instantiating this one.
        super().__init__()
        self.answer = answer
        self.dismiss = False
        self.reads = 0
        self.threads: list[threading.Thread] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        self.threads.append(threading.current_thread())
        self.answer.wait()
        if self.dismiss:
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")
        return f"secret-of-{username}"

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


@pytest.fixture
def backend() -> Iterator[_Prompting]:
    prompting = _Prompting(threading.Event())
    yield prompting
    prompting.answer.set()  # no read thread is left waiting after the test


class Rig:
    def __init__(self, backend: _Prompting, tmp_path: Path) -> None:
        self.backend = backend
        self.notified: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.waits = KeyringWaits(
            Keyring(backend, timeout=None, stamp=tmp_path / "stamp"), self.notified.put
        )

    def read(self) -> queue.SimpleQueue[tuple[str, Any]]:
        """One reader in a daemon thread of its own, as the engine's authorizer reads."""
        out: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

        def run() -> None:
            try:
                secret = self.waits.get_secret(ACCOUNT)
                out.put(("ok", secret.reveal() if secret is not None else None))
            except Exception as exc:
                out.put(("error", exc))

        threading.Thread(target=run, daemon=True).start()
        return out

    def wait_for(self, condition: Any, timeout: float = 5) -> None:
        """Until ``condition()``, woken by each notification rather than polling."""
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            assert left > 0, "condition not met"
            try:
                self.notified.get(timeout=left)
            except queue.Empty:
                pass


def _waiters(rig: Rig) -> int:
    entry = rig.waits._accounts.get(ACCOUNT)
    read = entry.reads.get("secret") if entry is not None else None
    return read.waiters if read is not None else 0


@pytest.fixture
def rig(backend: _Prompting, tmp_path: Path) -> Rig:
    return Rig(backend, tmp_path)


def test_readers_of_one_secret_share_one_read_that_waits_for_the_answer(rig: Rig) -> None:
    first, second = rig.read(), rig.read()
    # Both readers joined the one read before it is answered (each notifies on joining):
    # a reader thread that starts after the answer rightly reads afresh.
    rig.wait_for(lambda: _waiters(rig) == 2)
    assert rig.waits.state(ACCOUNT).waiting_since is not None
    assert rig.backend.reads == 1  # one prompt, not one per channel
    assert rig.backend.threads[0].daemon  # it cannot hold up the exit
    assert rig.waits.state(ACCOUNT).held is None
    rig.backend.answer.set()
    assert first.get(timeout=5) == ("ok", f"secret-of-{ACCOUNT}")
    assert second.get(timeout=5) == ("ok", f"secret-of-{ACCOUNT}")
    rig.wait_for(lambda: rig.waits.state(ACCOUNT).waiting_since is None)
    assert rig.backend.reads == 1


def test_cancel_holds_the_account_until_released(rig: Rig) -> None:
    parked = rig.read()
    rig.wait_for(lambda: rig.waits.state(ACCOUNT).waiting_since is not None)
    assert rig.waits.cancel(ACCOUNT)
    state = rig.waits.state(ACCOUNT)
    assert state.held is Hold.CANCELLED and state.waiting_since is None

    # Held: a read fails at once, and never reaches the keyring (no second prompt).
    kind, error = rig.read().get(timeout=5)
    assert kind == "error" and isinstance(error, KeyringLockedError)
    assert "cancelled" in str(error)
    assert rig.backend.reads == 1
    assert parked.empty()  # still parked on the prompt, which is still on screen

    # Released (the user's Reconnect): the wait shows again; a new read joins it.
    rig.waits.release(ACCOUNT)
    assert rig.waits.state(ACCOUNT).waiting_since is not None
    again = rig.read()
    rig.backend.answer.set()
    assert again.get(timeout=5) == ("ok", f"secret-of-{ACCOUNT}")
    assert parked.get(timeout=5) == ("ok", f"secret-of-{ACCOUNT}")
    assert rig.backend.reads == 1
    assert not rig.waits.state(ACCOUNT).answered  # not held any more: nothing to redo


def test_a_prompt_answered_after_the_cancel_releases_the_account_once(rig: Rig) -> None:
    parked = rig.read()
    rig.wait_for(lambda: rig.waits.state(ACCOUNT).waiting_since is not None)
    rig.waits.cancel(ACCOUNT)
    rig.backend.answer.set()
    assert parked.get(timeout=5) == ("ok", f"secret-of-{ACCOUNT}")
    answered: list[bool] = []

    def seen() -> bool:
        state = rig.waits.state(ACCOUNT)  # takes the flag
        answered.append(state.answered)
        return state.held is None

    rig.wait_for(seen)
    assert answered.count(True) == 1
    assert not rig.waits.state(ACCOUNT).answered


def test_a_dismissed_prompt_holds_the_account_with_the_fix(rig: Rig) -> None:
    rig.backend.dismiss = True
    reader = rig.read()
    rig.backend.answer.set()
    kind, error = reader.get(timeout=5)
    assert kind == "error" and isinstance(error, KeyringLockedError)
    state = rig.waits.state(ACCOUNT)
    assert state.held is Hold.DISMISSED
    assert "Fix:" in state.reason
    kind, _ = rig.read().get(timeout=5)
    assert kind == "error"
    assert rig.backend.reads == 1  # held: not asked again
    rig.waits.release()
    rig.backend.dismiss = False
    assert rig.read().get(timeout=5) == ("ok", f"secret-of-{ACCOUNT}")
    assert rig.backend.reads == 2


@pytest.mark.expect_log_warnings(r"beacon\.credentials: the keyring did not answer within ")
def test_a_bounded_keyrings_timeout_is_not_held(backend: _Prompting, tmp_path: Path) -> None:
    """Commands' keyrings give up by themselves; that is not the user's answer."""
    waits = KeyringWaits(Keyring(backend, timeout=0.2, stamp=tmp_path / "stamp"), lambda _: None)
    try:
        with pytest.raises(KeyringTimeoutError):
            waits.get_secret(ACCOUNT)
        assert waits.state(ACCOUNT).held is None
    finally:
        backend.answer.set()
        stuck = _Waiter.stuck
        if stuck is not None:
            stuck.join(5)
        _Waiter.stuck = None


def test_close_lets_every_reader_go(rig: Rig) -> None:
    reader = rig.read()
    rig.wait_for(lambda: rig.waits.state(ACCOUNT).waiting_since is not None)
    rig.waits.close()
    kind, error = reader.get(timeout=5)
    assert kind == "error" and isinstance(error, KeyringLockedError)


def test_an_unbounded_keyring_reads_in_the_callers_thread(
    backend: _Prompting, tmp_path: Path
) -> None:
    """No thread of its own: the app's reader is already a daemon thread."""
    backend.answer.set()
    Keyring(backend, timeout=None, stamp=tmp_path / "stamp").get_secret(ACCOUNT)
    assert backend.threads == [threading.current_thread()]
