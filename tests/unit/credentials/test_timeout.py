"""A keyring that does not answer (an unlock prompt on screen) never hangs a caller."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from beacon.credentials import Keyring, KeyringTimeoutError, NoKeyringError, Secret
from beacon.credentials.store import _Waiter


class _Blocking(KeyringBackend):
    """A stand-in for a locked keyring whose unlock prompt waits for the user."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, answer: threading.Event) -> None:
        # A required argument keeps keyring's own backend detection, which instantiates
        # every KeyringBackend subclass it knows with no arguments, from choosing this one.
        super().__init__()
        self.answer = answer  # set: the user answers the prompt
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        self.answer.wait()
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.answer.wait()
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.answer.wait()
        del self.stored[(service, username)]


@pytest.fixture
def blocking() -> Iterator[_Blocking]:
    backend = _Blocking(threading.Event())
    yield backend
    backend.answer.set()
    stuck = _Waiter.stuck
    if stuck is not None:
        stuck.join(5)
    _Waiter.stuck = None


@pytest.mark.expect_log_warnings(r"beacon\.credentials: the keyring did not answer within ")
def test_a_call_that_hangs_is_given_up_with_advice(blocking: _Blocking, tmp_path: Path) -> None:
    keyring = Keyring(blocking, timeout=0.3, stamp=tmp_path / "stamp")
    started = time.monotonic()
    with pytest.raises(KeyringTimeoutError) as info:
        keyring.get_secret("a")
    took = time.monotonic() - started
    assert 0.3 <= took < 1.5
    message = str(info.value)
    assert "did not answer within 0.3 s" in message
    assert "unlock prompt" in message
    assert "gnome-keyring-daemon --unlock" in message
    assert isinstance(info.value, NoKeyringError)  # commands exit 3 for it


@pytest.mark.expect_log_warnings(r"beacon\.credentials: the keyring did not answer within ")
def test_while_one_call_is_stuck_the_next_fails_at_once(
    blocking: _Blocking, tmp_path: Path
) -> None:
    keyring = Keyring(blocking, timeout=0.3, stamp=tmp_path / "stamp")
    with pytest.raises(KeyringTimeoutError):
        keyring.get_secret("a")
    started = time.monotonic()
    with pytest.raises(KeyringTimeoutError):
        keyring.get_secret("a")
    assert time.monotonic() - started < 0.1  # no second thread, no second prompt
    assert not (tmp_path / "stamp").exists()
    # The user answers the prompt: the stuck call ends and the keyring works again, and
    # the stamp tells a running app to retry what needed the keyring.
    blocking.answer.set()
    assert _Waiter.stuck is not None
    _Waiter.stuck.join(5)
    assert (tmp_path / "stamp").exists()
    keyring.set_secret("a", Secret("s3cret"))
    stored = keyring.get_secret("a")
    assert stored is not None and stored.reveal() == "s3cret"


def test_a_stored_secret_touches_the_stamp(blocking: _Blocking, tmp_path: Path) -> None:
    blocking.answer.set()
    stamp = tmp_path / "state" / "beacon" / "secrets-changed"
    keyring = Keyring(blocking, stamp=stamp)
    assert not stamp.exists()
    keyring.set_secret("a", Secret("one"))
    first = stamp.read_text(encoding="utf-8")
    assert "one" not in first
    keyring.delete_secret("a")
    assert stamp.read_text(encoding="utf-8") != first
    assert not keyring.delete_secret("a")  # nothing changed: nothing to tell


def test_a_process_with_a_stuck_call_still_exits(tmp_path: Path) -> None:
    """The old failure: after SIGTERM the process stayed, joined to the blocked thread."""
    script = textwrap.dedent(
        f"""
        import sys
        import threading
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_timeout import _Blocking
        from beacon.credentials import Keyring, KeyringTimeoutError
        stamp = Path({str(tmp_path / "s")!r})
        keyring = Keyring(_Blocking(threading.Event()), timeout=0.2, stamp=stamp)
        try:
            keyring.get_secret("a")
        except KeyringTimeoutError:
            print("gave up")
        """
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.stdout.strip() == "gave up", result.stderr
    assert result.returncode == 0
    assert time.monotonic() - started < 10
