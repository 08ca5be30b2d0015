"""Where the engine gets account secrets: the keyring, or anything shaped like it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["RevealableSecret", "SecretSource", "StaticSecrets"]


class RevealableSecret(Protocol):
    """``credentials.Secret``: prints as ``***``; ``reveal()`` is the only way in."""

    def reveal(self) -> str: ...


class SecretSource(Protocol):
    """``credentials.Keyring`` satisfies this. Calls may block (D-Bus): the engine makes
    them in an executor. They may raise ``credentials.CredentialsError``."""

    def get_secret(self, account: str) -> RevealableSecret | None: ...

    def get_encryption_key(self, account: str) -> RevealableSecret | None: ...


class _Plain:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"


class StaticSecrets:
    """A ``SecretSource`` over fixed values: for tests and for secrets read up front."""

    def __init__(
        self,
        secrets: Mapping[str, str] | None = None,
        encryption_keys: Mapping[str, str] | None = None,
    ) -> None:
        self._secrets = {k: _Plain(v) for k, v in (secrets or {}).items()}
        self._keys = {k: _Plain(v) for k, v in (encryption_keys or {}).items()}

    def get_secret(self, account: str) -> RevealableSecret | None:
        return self._secrets.get(account)

    def get_encryption_key(self, account: str) -> RevealableSecret | None:
        return self._keys.get(account)

    def __repr__(self) -> str:
        return f"StaticSecrets({sorted(self._secrets)!r})"
