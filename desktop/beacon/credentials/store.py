"""``Keyring``: account secrets in the OS keyring, and nowhere else.

Secrets go to the platform's keyring (Secret Service on Linux, Keychain on macOS, the
Credential Manager on Windows) through the ``keyring`` library. Backends that would keep a
secret in a plain file, or silently drop it (``keyrings.alt``, ``null``, ``fail``), are
refused with a ``NoKeyringError`` that says what to install or unlock.

Every call blocks (D-Bus round trips of 5-20 ms, or an unlock prompt), so ``services/``
runs them in an executor. A locked keyring whose unlock prompt is on screen blocks a call
until the prompt is answered, so each call runs in a daemon thread and is given up after
``KEYRING_TIMEOUT`` seconds with ``KeyringTimeoutError``: no command or loop hangs on it, and
the process can still exit (a daemon thread is not joined at exit, unlike an executor's).
The app instead waits for the user as long as the prompt is open (``timeout=None``), with a
visible state and a Cancel: ``services.keyring_wait``.

A change of secrets (``set_*``, ``delete_*``) touches ``secrets_stamp_path()``: the running
app watches that file and retries the accounts that need a login (the keyring itself has
no change notification that works across backends).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.core
import keyring.errors
import platformdirs
from keyring.backend import KeyringBackend

from beacon.credentials.errors import (
    CredentialsError,
    KeyringLockedError,
    KeyringTimeoutError,
    NoKeyringError,
)
from beacon.credentials.secret import Secret

log = logging.getLogger("beacon.credentials")

if sys.platform != "darwin":
    # keyring's backend detection imports every backend it ships. Its macOS backend
    # imports ``keyring.backends.macOS.api`` inside a ``try``, and that module calls
    # ctypes.util.find_library for "Security", "CoreServices" and "Foundation": off
    # macOS each call runs ``ldconfig -p`` and then ``gcc`` (keyring 25.7), on every
    # process that opens the keyring. Off macOS that backend refuses to run before it
    # touches the module (its priority checks the platform first), so blocking the import
    # (None in sys.modules makes it raise ImportError, which the ``try`` takes like any
    # failure there) changes no backend choice, PYTHON_KEYRING_BACKEND's and
    # keyringrc.cfg's included.
    sys.modules.setdefault("keyring.backends.macOS.api", None)  # type: ignore[arg-type]

SERVICE = "beacon"
ENCRYPTION_SERVICE = "beacon-encryption-key"

#: Seconds a keyring call may take. Measured on the test desktop: a D-Bus round trip is
#: 5-20 ms and a locked keyring that cannot prompt fails within a second, so only a call
#: waiting on an unlock prompt gets near this.
KEYRING_TIMEOUT = 5.0
STAMP_NAME = "secrets-changed"

# Module prefixes of backends that cannot keep a secret safely.
_REFUSED = {
    "keyring.backends.fail": "it stores nothing and fails every call",
    "keyring.backends.null": "it silently drops every secret",
    "keyrings.alt": "it keeps secrets in a plain file on disk",
}

T = TypeVar("T")


def backend_name(backend: KeyringBackend) -> str:
    """The backend's dotted class name, e.g. ``keyring.backends.SecretService.Keyring``."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


# What people call the backends Beacon uses, by their dotted class names.
_DESCRIPTIONS = {
    "keyring.backends.SecretService.Keyring": "Secret Service: GNOME Keyring or KWallet",
    "keyring.backends.libsecret.Keyring": "Secret Service, through libsecret",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.macOS.Keyring": "the macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "the Windows Credential Manager",
}


def describe_backend(backend: KeyringBackend) -> str:
    """The backend in words for messages, e.g. "Secret Service: GNOME Keyring or KWallet"."""
    name = backend_name(backend)
    described = _DESCRIPTIONS.get(name)
    if described is not None:
        return described
    # keyring's own display name ("SecretService Keyring"), not Python's dotted path.
    display = getattr(type(backend), "name", None)
    return display if isinstance(display, str) and display else type(backend).__name__


def _refusal(backend: KeyringBackend) -> str | None:
    name = backend_name(backend)
    for prefix, why in _REFUSED.items():
        if name == prefix or name.startswith(prefix + "."):
            return f"{name} is not used because {why}"
    return None


def _why_no_secret_service() -> str:
    """Best guess at why the platform keyring is unavailable, for the message."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return ""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    try:
        from keyring.backends import SecretService

        SecretService.Keyring.priority  # noqa: B018 - raises with the reason
    except Exception as exc:  # any failure here is only a diagnosis
        return str(exc)
    return ""


def no_keyring_message(reason: str) -> str:
    """What is wrong and what to do, for the platform we run on."""
    forced = os.environ.get("PYTHON_KEYRING_BACKEND")
    if forced:
        reason += f" (PYTHON_KEYRING_BACKEND={forced} chooses it)"
    if sys.platform == "darwin":
        todo = "Run Beacon in a logged-in macOS session so that the login Keychain is open."
    elif sys.platform == "win32":
        todo = "Run Beacon as a logged-in Windows user so that the Credential Manager is open."
    else:
        todo = (
            "Install a Secret Service keyring, gnome-keyring (or KWallet), and unlock it: on "
            "Debian or Ubuntu `sudo apt install gnome-keyring`, then log in to the desktop "
            "again. On a headless session run: dbus-run-session -- sh -c 'printf %s "
            '"$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets; '
            "beacon ...'"
        )
    return (
        f"No usable OS keyring: {reason}. Beacon keeps secrets only in the OS keyring, "
        f"never in plain files. {todo}"
    )


_UNLOCK_HOW = (
    "open your keyring manager (Seahorse, KWalletManager) and unlock the default keyring, or "
    'on a headless session run: printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon '
    "--unlock --components=secrets"
)


def _locked_message(detail: str) -> str:
    return (
        f"The keyring is locked and was not unlocked ({detail}): its unlock prompt was "
        "dismissed, or none could be shown. Beacon reads account secrets only from the "
        f"keyring. Fix: try again and enter your keyring password at the prompt, or "
        f"{_UNLOCK_HOW}"
    )


def timeout_message(seconds: float) -> str:
    """Why a keyring call was given up, and what to do."""
    return (
        f"The keyring did not answer within {seconds:g} s; it is most likely locked and "
        "waiting for its unlock prompt to be answered. Fix: answer the unlock prompt (it may "
        f"be behind other windows), or {_UNLOCK_HOW}; then try again"
    )


def secrets_stamp_path() -> Path:
    """``$XDG_STATE_HOME/beacon/secrets-changed``: touched whenever a secret changes."""
    value = os.environ.get("XDG_STATE_HOME", "")
    base = (
        Path(value) / "beacon"
        if value and os.path.isabs(value)
        else platformdirs.user_state_path("beacon", appauthor=False)
    )
    return base / STAMP_NAME


class _Waiter:
    """At most one keyring call in flight that has outlived its timeout.

    While one is still stuck (an unlock prompt on screen), later calls fail at once with
    the same advice instead of stacking more threads, and more prompts, behind it.
    """

    lock = threading.Lock()
    stuck: threading.Thread | None = None


def bounded_call(
    function: Callable[..., T],
    *args: Any,
    timeout: float | None = KEYRING_TIMEOUT,
    on_late: Callable[[], None] | None = None,
) -> T:
    """``function(*args)`` in a daemon thread, given up after ``timeout`` seconds.

    Raises ``KeyringTimeoutError`` on timeout; re-raises what ``function`` raised. When a
    call that was given up finishes after all (the user answered the unlock prompt),
    ``on_late()`` runs in its thread: the caller can tell whoever waits to try again.

    ``timeout=None`` waits for as long as the call takes, in the calling thread: for the
    app, which waits for the user at an unlock prompt and already makes each read in a
    daemon thread of its own (``services.keyring_wait``), where nothing else waits on it.
    """
    if timeout is None:
        return function(*args)
    with _Waiter.lock:
        if _Waiter.stuck is not None and _Waiter.stuck.is_alive():
            raise KeyringTimeoutError(timeout_message(timeout))
    done = threading.Event()
    outcome: list[tuple[bool, Any]] = []

    given_up = threading.Event()

    def work() -> None:
        try:
            outcome.append((True, function(*args)))
        except BaseException as exc:  # handed to the caller's thread, which re-raises it
            outcome.append((False, exc))
        finally:
            done.set()
        if given_up.is_set() and outcome[0][0] and on_late is not None:
            log.info("the keyring answered after all")
            on_late()

    worker = threading.Thread(target=work, name="beacon-keyring", daemon=True)
    started = time.monotonic()
    worker.start()
    if not done.wait(timeout):
        given_up.set()
    if not done.is_set():  # still not finished once marked: it is late, if ever
        with _Waiter.lock:
            _Waiter.stuck = worker
        log.warning("the keyring did not answer within %.1f s", time.monotonic() - started)
        raise KeyringTimeoutError(timeout_message(timeout))
    ok, value = outcome[0]
    if not ok:
        raise value
    result: T = value
    return result


def _environment_errors() -> tuple[type[BaseException], ...]:
    # secretstorage and jeepney raise their own types for D-Bus trouble that keyring does
    # not always wrap; they are environment errors, not bugs.
    types: list[type[BaseException]] = [keyring.errors.KeyringError, OSError]
    try:
        import secretstorage.exceptions

        types.append(secretstorage.exceptions.SecretStorageException)
    except ImportError:
        pass
    try:
        from jeepney.wrappers import DBusErrorResponse

        types.append(DBusErrorResponse)
    except ImportError:
        pass
    return tuple(types)


def _translate(exc: BaseException) -> CredentialsError:
    name = type(exc).__name__
    text = str(exc) or name
    if isinstance(exc, keyring.errors.KeyringLocked) or name in (
        "LockedException",
        "PromptDismissedException",
    ):
        return KeyringLockedError(_locked_message(text))
    if isinstance(exc, keyring.errors.NoKeyringError | keyring.errors.InitError) or name in (
        "SecretServiceNotAvailableException",
    ):
        return NoKeyringError(no_keyring_message(_why_no_secret_service() or text))
    return CredentialsError(f"the keyring failed: {text}")


class Keyring:
    """Account secrets in the OS keyring: service ``beacon``, user = the account name.

    The encryption master key of an account is a second entry, under service
    ``beacon-encryption-key``. Construction checks the backend and raises
    ``NoKeyringError`` when it could not keep a secret safely.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        timeout: float | None = KEYRING_TIMEOUT,
        stamp: Path | None = None,
    ) -> None:
        # None: calls wait for the user as long as an unlock prompt is open, in the
        # calling thread (see ``bounded_call``); only the app's reads do, off its loop.
        self._timeout = timeout
        self._stamp = stamp if stamp is not None else secrets_stamp_path()
        # Choosing the backend never prompts, so it is always bounded: the constructor
        # runs on whatever thread builds the keyring, the app's own included.
        if backend is None:
            # Detect again rather than reuse keyring's process-wide choice, so that
            # PYTHON_KEYRING_BACKEND and keyringrc.cfg are honoured as they are now.
            self._call(keyring.core.init_backend, bounded=True)
        chosen = backend if backend is not None else self._call(keyring.get_keyring, bounded=True)
        self._backend = self._usable(chosen)
        log.debug("keyring backend: %s", self.backend_name)

    @staticmethod
    def _usable(backend: KeyringBackend) -> KeyringBackend:
        # A chainer tries every backend, so a plaintext one in the chain could receive a
        # secret: use the best acceptable backend of the chain directly instead.
        chained = getattr(backend, "backends", None)
        if chained is not None and backend_name(backend).startswith("keyring.backends.chainer"):
            usable: list[KeyringBackend] = [b for b in chained if _refusal(b) is None]
            if usable:
                return usable[0]
            refused = [_refusal(b) for b in chained]
            reason = "; ".join(r for r in refused if r) or "no keyring backend is available"
            raise NoKeyringError(no_keyring_message(_why_no_secret_service() or reason))
        refusal = _refusal(backend)
        if refusal is not None:
            raise NoKeyringError(no_keyring_message(_why_no_secret_service() or refusal))
        return backend

    @property
    def backend_name(self) -> str:
        """The dotted class name of the backend in use."""
        return backend_name(self._backend)

    @property
    def description(self) -> str:
        """The backend in words for people: see ``describe_backend``."""
        return describe_backend(self._backend)

    def _call(self, function: Callable[..., T], *args: Any, bounded: bool = False) -> T:
        timeout = self._timeout
        if timeout is None and bounded:
            timeout = KEYRING_TIMEOUT
        try:
            # A call that answers late (an unlock prompt answered after the timeout)
            # touches the stamp, so the running app retries what needed the keyring.
            return bounded_call(function, *args, timeout=timeout, on_late=self._changed)
        except _environment_errors() as exc:
            raise _translate(exc) from exc

    def _changed(self) -> None:
        # Tell a running app that secrets changed; the secret is stored either way.
        try:
            self._stamp.parent.mkdir(parents=True, exist_ok=True)
            self._stamp.write_text(f"{time.time_ns()}\n", encoding="utf-8")
        except OSError as exc:
            log.warning("could not touch %s: %s", self._stamp, exc.strerror or exc)

    def _get(self, service: str, account: str) -> Secret | None:
        value = self._call(self._backend.get_password, service, account)
        return Secret(value) if value is not None else None

    def _delete(self, service: str, account: str) -> bool:
        # Looking first tells "nothing stored" apart from a failed delete, which backends
        # report with the same PasswordDeleteError.
        if self._call(self._backend.get_password, service, account) is None:
            return False
        self._call(self._backend.delete_password, service, account)
        self._changed()
        return True

    def get_secret(self, account: str) -> Secret | None:
        """The account's secret, or None when none is stored."""
        return self._get(SERVICE, account)

    def set_secret(self, account: str, secret: Secret) -> None:
        """Store (or replace) the account's secret."""
        self._call(self._backend.set_password, SERVICE, account, secret.reveal())
        self._changed()
        log.info("stored the secret of account %s", account)

    def delete_secret(self, account: str) -> bool:
        """Remove the account's secret; False when there was none."""
        return self._delete(SERVICE, account)

    def get_encryption_key(self, account: str) -> Secret | None:
        """The account's encryption master key (base64), or None."""
        return self._get(ENCRYPTION_SERVICE, account)

    def set_encryption_key(self, account: str, key: Secret) -> None:
        """Store (or replace) the account's encryption master key."""
        self._call(self._backend.set_password, ENCRYPTION_SERVICE, account, key.reveal())
        self._changed()
        log.info("stored the encryption key of account %s", account)

    def delete_encryption_key(self, account: str) -> bool:
        """Remove the account's encryption master key; False when there was none."""
        return self._delete(ENCRYPTION_SERVICE, account)
