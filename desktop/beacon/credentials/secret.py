"""``Secret``: a string that never shows itself in logs, reprs, tracebacks or pickles."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any, NoReturn

from beacon.credentials.errors import CredentialsError

ENCRYPTION_KEY_BYTES = 32


class Secret:
    """A secret value: ``repr``, ``str`` and ``format`` are ``'***'``; ``reveal()`` is the value.

    Only code that must put the value on the wire (a header, an HMAC) calls ``reveal()``,
    at the last moment. Pickling is refused so a secret never lands in a file by accident.
    """

    __slots__ = ("_value",)

    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret wraps a str")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The secret itself; keep it out of logs and messages."""
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # Constant time, so comparing secrets leaks nothing through timing.
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("a Secret is immutable")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is never pickled: it would end up in a file or a pipe")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()


def parse_encryption_key(text: str) -> Secret:
    """Check an encryption master key (base64 of 32 bytes) and wrap it.

    The error message never includes the text, which may be the key with a typo.
    """
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise CredentialsError(
            "the encryption key is not valid base64; it is the app's encryption master key, "
            "32 bytes in base64 (44 characters ending in '='), as your server's settings show"
        ) from None
    if len(raw) != ENCRYPTION_KEY_BYTES:
        raise CredentialsError(
            f"the encryption key decodes to {len(raw)} bytes; it must be exactly "
            f"{ENCRYPTION_KEY_BYTES} (44 base64 characters)"
        )
    return Secret(cleaned)


def encryption_key_bytes(key: Secret) -> bytes:
    """The 32 raw bytes of a key that ``parse_encryption_key`` accepted."""
    return base64.b64decode(key.reveal(), validate=True)
