"""Account secrets from systemd credentials, for ``beacon listen`` on a server.

A server has no desktop session, so no unlocked Secret Service. A systemd unit can instead
hand the service its secrets as *credentials* (systemd.exec: ``LoadCredential=``,
``LoadCredentialEncrypted=``, ``SetCredentialEncrypted=``): systemd decrypts them at start
and puts each in a file of its own under ``$CREDENTIALS_DIRECTORY``, readable only by the
service's user. This is the one source of secrets besides the OS keyring; nothing else,
and never a plain file that Beacon finds by itself: the variable is set only by systemd
(or by an admin on purpose), and only the file names below are read.

- ``beacon-<account>``: the account's secret (what ``beacon login A`` stores);
- ``beacon-<account>.encryption-key``: its encryption master key (``beacon login A
  --encryption-key``), for ``private-encrypted-`` channels in auth mode ``sign``.

Precedence: a credential that is present wins over the keyring, because the unit passes it
on purpose; a missing one falls back to the keyring, entry by entry. A credential that is
present but unusable (empty, readable by others, not a file) is an error with a fix, not a
reason to fall back: the admin meant it to be used.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from beacon.credentials.errors import CredentialsError
from beacon.credentials.secret import Secret, parse_encryption_key

__all__ = [
    "CREDENTIALS_DIRECTORY",
    "CredentialFileError",
    "CredentialsOrKeyring",
    "SecretStore",
    "SystemdCredentials",
    "encryption_key_credential_name",
    "read_credential",
    "secret_credential_name",
]

#: The variable systemd sets for a service that has credentials.
CREDENTIALS_DIRECTORY = "CREDENTIALS_DIRECTORY"
PREFIX = "beacon-"
ENCRYPTION_SUFFIX = ".encryption-key"

# A secret is a line of text; systemd itself caps a credential at 1 MiB. Anything near
# that is not a secret but the wrong file, and is refused before it is read whole.
MAX_BYTES = 64 * 1024


class CredentialFileError(CredentialsError):
    """A systemd credential that is present but cannot be used; the message has the fix."""


def secret_credential_name(account: str) -> str:
    """``beacon-<account>``: the credential that holds the account's secret."""
    return PREFIX + account


def encryption_key_credential_name(account: str) -> str:
    """``beacon-<account>.encryption-key``: the account's encryption master key."""
    return PREFIX + account + ENCRYPTION_SUFFIX


def _fix(name: str) -> str:
    return (
        f"Fix: give the unit the credential with LoadCredentialEncrypted={name}:PATH or "
        f"SetCredentialEncrypted={name}: (see docs/headless.md), or remove it to use the "
        "OS keyring"
    )


def read_credential(path: Path, what: str = "the account's secret") -> Secret:
    """The secret in the credential file ``path``, without one trailing newline.

    ``what`` names the secret in messages ("the account's secret").

    Refused, with a ``CredentialFileError`` that says why and never shows the content:
    anything but a regular file (a FIFO would block, a symlink could point anywhere); a
    file owned by someone other than this user or root (systemd makes credentials for a
    user unit owned by the user, and for a system unit with ``User=`` owned by root with an
    ACL for the user); a file other users may read or anyone but its owner may write; an
    empty file; more than one line; text that is not UTF-8.
    """
    name = path.name
    try:
        # O_NOFOLLOW and O_NONBLOCK: a symlink or a FIFO is refused here, never followed
        # or waited on; the checks below then look at what was actually opened.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        if os.path.islink(path):
            why = "it is a symbolic link"
        raise CredentialFileError(
            f"the systemd credential {path} cannot be read: {why}. {_fix(name)}"
        ) from None
    try:
        problem = _problem(os.fstat(fd))
        if problem is not None:
            raise CredentialFileError(f"the systemd credential {path} {problem}. {_fix(name)}")
        data = _read_at_most(fd, MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise CredentialFileError(
            f"the systemd credential {path} is larger than {MAX_BYTES // 1024} KiB, so it is "
            f"not a secret (the wrong file?). {_fix(name)}"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CredentialFileError(
            f"the systemd credential {path} is not UTF-8 text. {_fix(name)}"
        ) from None
    # One line ending, as `echo` or an editor leaves it; the secret itself is kept as is.
    if text.endswith("\n"):
        text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
    if not text:
        raise CredentialFileError(
            f"the systemd credential {path} is empty; it must hold {what}. {_fix(name)}"
        )
    if any(c in text for c in "\r\n\0"):
        raise CredentialFileError(
            f"the systemd credential {path} holds more than one line; it must hold {what} "
            f"alone, on one line. {_fix(name)}"
        )
    return Secret(text)


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _problem(info: os.stat_result) -> str | None:
    mode = info.st_mode
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    me = os.geteuid()
    if info.st_uid not in (me, 0):
        return (
            f"is owned by user id {info.st_uid}, not by you ({me}) or root, so someone else "
            "may have written it"
        )
    # Group read is allowed: for a system unit with User=, systemd grants the user read
    # access by an ACL, and an ACL's mask shows in the group bits.
    if mode & (stat.S_IRWXO | stat.S_IWGRP):
        return (
            f"may be read or written by other users (mode {stat.S_IMODE(mode):04o}); systemd "
            "makes credentials 0400"
        )
    return None


class SystemdCredentials:
    """The ``beacon-*`` credentials in one directory (``$CREDENTIALS_DIRECTORY``).

    ``get_secret`` and ``get_encryption_key`` return None where there is no such file,
    so that a caller can fall back to the keyring; a file that is there is read on each
    call (systemd's credentials do not change while the service runs; the engine keeps
    what it read).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None
    ) -> SystemdCredentials | None:
        """The credentials systemd passed this process, or None when it passed none."""
        value = (os.environ if environ is None else environ).get(CREDENTIALS_DIRECTORY, "")
        return cls(Path(value)) if value else None

    def path(self, name: str) -> Path | None:
        """The file of credential ``name``, or None when there is none.

        An account name that cannot be a file name (a ``/``) has no credential: systemd's
        credential names are file names too.
        """
        if "/" in name or name in (".", "..") or "\0" in name:
            return None
        if not self.directory.is_absolute() or not self.directory.is_dir():
            raise CredentialFileError(
                f"{CREDENTIALS_DIRECTORY}={self.directory} is not a directory; systemd sets "
                "it to the directory of the unit's credentials. Fix: unset it, or point it at "
                "that directory"
            )
        path = self.directory / name
        # lexists: a dangling symlink is there too, and read_credential says why not.
        return path if os.path.lexists(path) else None

    def secret_path(self, account: str) -> Path | None:
        """The file of the account's secret, or None."""
        return self.path(secret_credential_name(account))

    def encryption_key_path(self, account: str) -> Path | None:
        """The file of the account's encryption master key, or None."""
        return self.path(encryption_key_credential_name(account))

    def get_secret(self, account: str) -> Secret | None:
        """The account's secret from its credential, or None when there is none."""
        path = self.secret_path(account)
        return read_credential(path) if path is not None else None

    def get_encryption_key(self, account: str) -> Secret | None:
        """The account's encryption master key from its credential, or None."""
        path = self.encryption_key_path(account)
        if path is None:
            return None
        try:
            text = read_credential(path, "the app's encryption master key").reveal()
            return parse_encryption_key(text)
        except CredentialFileError:
            raise
        except CredentialsError as exc:  # not base64 of 32 bytes; says so without the text
            raise CredentialFileError(f"the systemd credential {path}: {exc}") from None

    def __repr__(self) -> str:
        return f"SystemdCredentials({str(self.directory)!r})"


class SecretStore(Protocol):
    """What ``CredentialsOrKeyring`` falls back to: ``Keyring`` and the like."""

    def get_secret(self, account: str) -> Secret | None: ...

    def get_encryption_key(self, account: str) -> Secret | None: ...


KEYRING = "the OS keyring"


class CredentialsOrKeyring:
    """A ``connect.SecretSource``: a systemd credential where there is one, else the keyring.

    ``keyring`` is a function that opens the keyring, called only when an entry has no
    credential: a unit that passes every secret works with no keyring at all (a server
    has none). Errors of either source are ``CredentialsError``s; the engine reports them
    as "needs login".
    """

    def __init__(
        self, credentials: SystemdCredentials | None, keyring: Callable[[], SecretStore]
    ) -> None:
        self.credentials = credentials
        self._open_keyring = keyring
        self._keyring: SecretStore | None = None
        # The engine reads from worker threads, several accounts at once: one keyring.
        self._lock = threading.Lock()

    def _store(self) -> SecretStore:
        with self._lock:
            if self._keyring is None:
                self._keyring = self._open_keyring()
            return self._keyring

    def get_secret(self, account: str) -> Secret | None:
        if self.credentials is not None:
            secret = self.credentials.get_secret(account)
            if secret is not None:
                return secret
        return self._ask_keyring(
            secret_credential_name(account), lambda store: store.get_secret(account)
        )

    def get_encryption_key(self, account: str) -> Secret | None:
        if self.credentials is not None:
            key = self.credentials.get_encryption_key(account)
            if key is not None:
                return key
        return self._ask_keyring(
            encryption_key_credential_name(account),
            lambda store: store.get_encryption_key(account),
        )

    def _ask_keyring(
        self, credential: str, read: Callable[[SecretStore], Secret | None]
    ) -> Secret | None:
        try:
            return read(self._store())
        except CredentialsError as exc:
            # Where this runs (listen, often on a server), a keyring that cannot work has
            # one more way out than the keyring's own advice: the credential.
            raise type(exc)(
                f"{exc}. Or run beacon listen as a systemd unit that passes the credential "
                f"{credential} (see docs/headless.md)"
            ) from None

    def secret_origin(self, account: str) -> str:
        """Where the account's secret comes from, in words (never the value)."""
        return self._origin(secret_credential_name(account))

    def encryption_key_origin(self, account: str) -> str:
        """Where the account's encryption master key comes from, in words."""
        return self._origin(encryption_key_credential_name(account))

    def _origin(self, name: str) -> str:
        if self.credentials is None:
            return KEYRING
        if self.credentials.path(name) is not None:
            return f"the systemd credential {name}"
        # Said, because a credential named wrongly in the unit is easy to miss.
        return f"{KEYRING} (the unit passes no credential {name})"

    def __repr__(self) -> str:
        return f"CredentialsOrKeyring({self.credentials!r})"
