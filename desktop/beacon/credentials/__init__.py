"""Secrets: the ``Secret`` type and the OS keyring that holds account secrets.

Secrets live only in the OS keyring (never in the config file, logs or argv). This package
imports no Qt; its keyring calls block, so ``services/`` runs them in an executor.
``Keyring`` satisfies ``beacon.connect.SecretSource``, which is how the engine reads it.
"""

from beacon.credentials.errors import (
    CredentialsError,
    KeyringLockedError,
    KeyringTimeoutError,
    NoKeyringError,
)
from beacon.credentials.secret import Secret, encryption_key_bytes, parse_encryption_key
from beacon.credentials.store import (
    ENCRYPTION_SERVICE,
    KEYRING_TIMEOUT,
    SERVICE,
    Keyring,
    secrets_stamp_path,
)

__all__ = [
    "ENCRYPTION_SERVICE",
    "KEYRING_TIMEOUT",
    "SERVICE",
    "CredentialsError",
    "Keyring",
    "KeyringLockedError",
    "KeyringTimeoutError",
    "NoKeyringError",
    "Secret",
    "encryption_key_bytes",
    "parse_encryption_key",
    "secrets_stamp_path",
]
