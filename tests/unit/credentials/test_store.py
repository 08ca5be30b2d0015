"""Keyring refuses backends that cannot keep a secret, and says what to install."""

from __future__ import annotations

import keyring.errors as keyring_errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from beacon.credentials import (
    CredentialsError,
    Keyring,
    KeyringLockedError,
    NoKeyringError,
    Secret,
)


@pytest.mark.parametrize(
    ("backend", "why"),
    [(fail.Keyring(), "fails every call"), (null.Keyring(), "silently drops")],
)
def test_refused_backends_say_what_to_install(backend: object, why: str) -> None:
    with pytest.raises(NoKeyringError) as info:
        Keyring(backend)  # type: ignore[arg-type]
    message = str(info.value)
    assert "gnome-keyring" in message
    assert "never in plain files" in message
    assert "keyrings.alt" not in message  # the one thing we must not recommend


def test_forced_fail_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(NoKeyringError) as info:
        Keyring()
    message = str(info.value)
    assert "PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring" in message
    assert "no D-Bus session bus" in message


class _Raising(KeyringBackend):
    """A stand-in for the OS keyring that fails the way a real backend does."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


def test_a_locked_keyring_says_how_to_unlock() -> None:
    keyring = Keyring(_Raising(keyring_errors.KeyringLocked("Failed to unlock the collection!")))
    with pytest.raises(KeyringLockedError) as info:
        keyring.get_secret("a")
    message = str(info.value)
    assert "locked and was not unlocked (Failed to unlock the collection!)" in message
    assert "prompt was dismissed" in message
    assert "gnome-keyring-daemon --unlock" in message
    assert isinstance(info.value, NoKeyringError)  # callers exit 3 for both


def test_a_failed_write_is_a_credentials_error_without_the_secret() -> None:
    keyring = Keyring(_Raising(keyring_errors.PasswordSetError("write refused")))
    with pytest.raises(CredentialsError, match="the keyring failed: write refused") as info:
        keyring.set_secret("a", Secret("value-that-must-not-show"))
    assert not isinstance(info.value, NoKeyringError)
    assert "value-that-must-not-show" not in str(info.value)


def test_no_keyring_raised_late_is_translated() -> None:
    keyring = Keyring(_Raising(keyring_errors.NoKeyringError("no backend")))
    with pytest.raises(NoKeyringError, match="No usable OS keyring"):
        keyring.delete_secret("a")
