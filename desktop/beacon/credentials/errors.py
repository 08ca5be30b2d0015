"""The exception tree of ``credentials``: environment problems with a clear way out."""

from __future__ import annotations


class CredentialsError(Exception):
    """The keyring could not store, read or delete a secret."""


class NoKeyringError(CredentialsError):
    """No usable OS keyring; the message says what to install or unlock."""


class KeyringLockedError(NoKeyringError):
    """The keyring exists but stays locked (the unlock prompt was dismissed or failed)."""
