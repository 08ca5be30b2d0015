"""The exception tree of ``credentials``: environment problems with a clear way out."""

from __future__ import annotations


class CredentialsError(Exception):
    """The keyring could not store, read or delete a secret."""


class NoKeyringError(CredentialsError):
    """No usable OS keyring; the message says what to install or unlock."""


class KeyringLockedError(NoKeyringError):
    """The keyring exists but stays locked (the unlock prompt was dismissed or failed)."""


class KeyringTimeoutError(KeyringLockedError):
    """The keyring did not answer in time: most often a locked keyring whose unlock prompt
    is waiting for the user. The call keeps waiting in its own thread; nothing else does."""
