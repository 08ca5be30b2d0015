"""Keyring refuses backends that cannot keep a secret, and says what to install."""

from __future__ import annotations

import pytest
from keyring.backends import fail, null

from beacon.credentials import Keyring, NoKeyringError

pytestmark = pytest.mark.unit


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
