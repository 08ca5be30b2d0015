"""The settings window's model: drafts in, the config file and the keyring out.

``SettingsService`` is the non-widget half of the settings window (qutebrowser keeps such
logic out of widgets). It reads ``config.toml`` into editable drafts, and writes drafts back:

- with tomlkit, editing the user's document in place, so comments, blank lines and the
  order of tables and keys survive; only what changed is touched;
- validated by the loader itself (``config.parse_config``), so the window shows exactly
  the messages ``beacon check`` and the app show, before anything is written;
- atomically: a temporary file in the same directory, flushed to disk, then renamed over
  the old file, so a crash never leaves half a config (and the live reload sees one
  change).

Secrets go only to the keyring, and the window only learns whether one is stored. File
and keyring work runs in a worker thread; the GUI thread never waits for either. Results
come back as signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import tomlkit
from PySide6.QtCore import QLocale, QObject, Signal
from tomlkit.container import Container
from tomlkit.items import AoT, Comment, Item, Null, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from beacon.config import options as opt
from beacon.config.errors import ConfigError
from beacon.config.load import parse_config
from beacon.config.model import AccountSettings, Config
from beacon.credentials import CredentialsError, Keyring, Secret
from beacon.services.loop import qt_loop
from beacon.services.rule_drafts import RuleDraft, RulesChangedError, rules_in, write_rules

log = logging.getLogger("beacon.services")

T = TypeVar("T")

#: Seconds a "Test connection" may take in all (check's own per-account limit is less).
TEST_TIMEOUT = 60.0

#: Whether this build's config knows ``[notifications] sound`` (the notifications work
#: declares it); the window offers the option only then, so a save never writes a key
#: the loader would refuse.
SOUND_SUPPORTED = "sound" in opt.NOTIFICATIONS

AUTH_MODES = ("none", "endpoint", "sign")


@dataclass
class AccountDraft:
    """One ``[[account]]`` as the window edits it; ``original`` is its name on disk."""

    name: str = ""
    key: str = ""
    cluster: str = ""
    host: str = ""
    port: int | None = None
    tls: bool = True
    ca_file: str = ""
    channels: list[str] = field(default_factory=list)
    auth_mode: str = "none"  # one of AUTH_MODES
    endpoint: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # Mode "sign": who the account joins presence channels as. The window does not edit
    # it, but carries it, so a "Test connection" (which writes the account afresh) and a
    # save keep it.
    user: dict[str, Any] | None = None
    original: str | None = None

    @classmethod
    def of(cls, account: AccountSettings) -> AccountDraft:
        auth = account.auth
        return cls(
            name=account.name,
            key=account.key,
            cluster=account.cluster or "",
            host=account.host or "",
            port=account.port,
            tls=account.tls,
            ca_file=str(account.ca_file) if account.ca_file is not None else "",
            channels=list(account.channels),
            auth_mode=auth.mode if auth is not None else "none",
            endpoint=(auth.endpoint or "") if auth is not None else "",
            headers=dict(auth.headers) if auth is not None else {},
            user=auth.user if auth is not None else None,
            original=account.name,
        )


@dataclass
class NotificationsDraft:
    """``[notifications]`` as the window edits it."""

    quiet_hours: str = ""  # "22:00-07:00", or "" for none
    keywords: list[str] = field(default_factory=list)
    coalesce_count: int = opt.COALESCE["count"].default
    coalesce_seconds: float = opt.COALESCE["seconds"].default
    sound: bool = True


@dataclass
class Drafts:
    """Everything the window edits, read from one version of the file."""

    accounts: list[AccountDraft]
    notifications: NotificationsDraft
    #: The loader's message when the file on disk does not load (the window opens anyway).
    error: str | None = None
    rules: list[RuleDraft] = field(default_factory=list)


class SecretStore(Protocol):
    """What the service needs from ``credentials.Keyring``."""

    def get_secret(self, account: str) -> Any: ...

    def set_secret(self, account: str, secret: Secret) -> None: ...

    def delete_secret(self, account: str) -> bool: ...


# -- the document: drafts applied to the user's TOML -------------------------------------


def _set(table: Table, key: str, value: Any, default: Any = None) -> None:
    """Set ``key`` if it differs, drop it when it is the default: untouched keys keep
    their place, spelling and trailing comment."""
    if value == default or value is None:
        if key in table:
            del table[key]
        return
    if key in table and table[key] == value:
        return
    table[key] = value


def _inline(mapping: dict[str, Any]) -> Any:
    inline = tomlkit.inline_table()
    inline.update(mapping)
    return inline


def _write_account(table: Table, draft: AccountDraft) -> None:
    _set(table, "name", draft.name)
    _set(table, "key", draft.key)
    _set(table, "cluster", draft.cluster or None)
    _set(table, "host", draft.host or None)
    _set(table, "port", draft.port)
    _set(table, "tls", draft.tls, default=True)
    _set(table, "ca_file", draft.ca_file or None)
    _set(table, "channels", list(draft.channels), default=[])
    if draft.auth_mode == "none":
        if "auth" in table:
            del table["auth"]
        return
    auth = table.get("auth")
    if not isinstance(auth, Table):
        auth = tomlkit.table()
        table["auth"] = auth
    _set(auth, "mode", draft.auth_mode)
    # Endpoint and headers mean nothing in mode "sign": they are not kept for it.
    endpoint_mode = draft.auth_mode == "endpoint"
    _set(auth, "endpoint", (draft.endpoint or None) if endpoint_mode else None)
    if draft.headers and endpoint_mode:
        current = auth.get("headers")
        if current is None or dict(current) != draft.headers:
            auth["headers"] = _inline(draft.headers)
    elif "headers" in auth:
        del auth["headers"]
    if draft.auth_mode == "sign" and draft.user is not None and auth.get("user") != draft.user:
        auth["user"] = _inline(draft.user)


def _write_notifications(doc: TOMLDocument, draft: NotificationsDraft) -> None:
    table = doc.get("notifications")
    created = not isinstance(table, Table)
    if created:
        table = tomlkit.table()
    assert isinstance(table, Table)
    _set(table, "quiet_hours", draft.quiet_hours or None)
    _set(table, "keywords", list(draft.keywords), default=[])
    coalesce = {"count": draft.coalesce_count, "seconds": draft.coalesce_seconds}
    defaults = {"count": opt.COALESCE["count"].default, "seconds": opt.COALESCE["seconds"].default}
    current = table.get("coalesce")
    if coalesce == defaults and current is None:
        pass
    elif current is None or dict(current) != coalesce:
        table["coalesce"] = _inline(coalesce)
    if SOUND_SUPPORTED:
        _set(table, "sound", draft.sound, default=opt.NOTIFICATIONS["sound"].default)
    if created and len(table) > 0:
        doc["notifications"] = table


def _trailing(table: Table) -> tuple[Container, int]:
    """Where the comments and blank lines after ``table``'s last value are: the container
    and the index they start at. tomlkit keeps the comments written above the next
    ``[[account]]`` there, at the end of this one (or of its last sub-table)."""
    container = table.value
    body = container.body
    start = len(body)
    while start and body[start - 1][0] is None:
        start -= 1
    last = body[start - 1][1] if start else None
    only_trivia_after = all(isinstance(item, Null) for _, item in body[start:])
    if isinstance(last, Table) and not last.is_super_table() and only_trivia_after:
        return _trailing(last)
    return container, start


def _detach(container: Container, start: int) -> list[Item]:
    """Take the items from ``start`` on out of ``container``; tomlkit itself leaves a
    ``Null`` where it removes an item, so the key indices stay valid."""
    body = container.body
    taken = [item for _, item in body[start:] if not isinstance(item, Null)]
    for index in range(start, len(body)):
        body[index] = (None, Null())
    return taken


def _remove_account(aot: AoT, index: int) -> None:
    """Remove ``aot[index]`` and the comments written above it; keep the comments written
    above the account after it (tomlkit stores those at the end of the removed one)."""
    moved = _detach(*_trailing(aot[index]))
    if index > 0:
        container, start = _trailing(aot[index - 1])
        body = container.body
        heading = len(body)  # the comment block right above the removed table is its own
        while heading > start and isinstance(body[heading - 1][1], Comment | Null):
            heading -= 1
        _detach(container, heading)
        kept_ends_blank = heading > start and isinstance(body[heading - 1][1], Whitespace)
        if kept_ends_blank and moved and isinstance(moved[0], Whitespace):
            moved = moved[1:]
        for item in moved:
            container.add(item)
    del aot[index]


def render(
    text: str,
    accounts: list[AccountDraft],
    notifications: NotificationsDraft,
    rules: list[RuleDraft] | None = None,
) -> str:
    """``text`` (the file as it is) with the drafts applied; comments and order kept.
    ``rules`` ``None`` leaves the ``[[rule]]`` tables as they are."""
    doc = tomlkit.parse(text)
    aot = doc.get("account")
    if aot is not None and not isinstance(aot, AoT):
        # `account = ...` that is not [[account]] tables: the loader reports it; replace it.
        del doc["account"]
        aot = None
    by_name: dict[str, Table] = {}
    if aot is not None:
        for table in aot:
            name = table.get("name")
            if isinstance(name, str):
                by_name[name] = table
    kept = {d.original for d in accounts if d.original is not None}
    if aot is not None:
        # Removed accounts go, with the comments inside their tables.
        for index in reversed(range(len(aot))):
            name = aot[index].get("name")
            if isinstance(name, str) and name not in kept:
                _remove_account(aot, index)
    for draft in accounts:
        existing = by_name.get(draft.original) if draft.original is not None else None
        if existing is not None:
            _write_account(existing, draft)
            continue
        table = tomlkit.table()
        _write_account(table, draft)
        table.add(tomlkit.nl())
        if aot is None:
            aot = tomlkit.aot()
            doc["account"] = aot
        aot.append(table)
    _write_notifications(doc, notifications)
    if rules is not None:
        write_rules(doc, rules)
    return tomlkit.dumps(doc)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a temporary file beside it, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600  # the config names servers and accounts: the user's eyes only
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # The rename itself is durable only once the directory is flushed.
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_drafts(path: Path) -> tuple[str, Drafts]:
    """The file's text and its drafts (blocking; run it off the GUI thread)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        config = parse_config(text, path)
    except ConfigError as exc:
        # The window still opens on a broken file: the drafts are empty, the error shows.
        return text, Drafts([], NotificationsDraft(), error=str(exc))
    return text, drafts_of(config)


def drafts_of(config: Config) -> Drafts:
    n = config.notifications
    quiet = f"{n.quiet_hours[0]}-{n.quiet_hours[1]}" if n.quiet_hours else ""
    sound = bool(getattr(n, "sound", True))  # declared by the notifications work
    return Drafts(
        [AccountDraft.of(a) for a in config.accounts],
        NotificationsDraft(quiet, list(n.keywords), n.coalesce_count, n.coalesce_seconds, sound),
        rules=[RuleDraft.of(rule, index) for index, rule in enumerate(config.rules)],
    )


# -- autostart (XDG) ----------------------------------------------------------------------

AUTOSTART_NAME = "beacon.desktop"


def autostart_supported() -> bool:
    """Autostart entries are the freedesktop.org kind: Linux and the BSDs."""
    return sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def autostart_path() -> Path:
    """``$XDG_CONFIG_HOME/autostart/beacon.desktop`` (the XDG Autostart spec)."""
    value = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(value) if value and os.path.isabs(value) else Path.home() / ".config"
    return base / "autostart" / AUTOSTART_NAME


def _launch_command() -> str:
    """How this Beacon is started, as a desktop entry's Exec line."""
    if getattr(sys, "frozen", False):
        argv = [sys.executable]
    else:
        installed = shutil.which("beacon")
        argv = [installed] if installed else [sys.executable, "-m", "beacon"]

    # Desktop Entry spec: arguments with spaces or specials are double-quoted, and \, ",
    # ` and $ escaped inside.
    def quote(arg: str) -> str:
        if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            return arg
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        return f'"{escaped}"'

    return " ".join(quote(arg) for arg in argv)


def autostart_enabled() -> bool:
    return autostart_path().is_file()


def set_autostart(enabled: bool) -> None:
    """Start Beacon at login, or not: writes or removes the autostart entry."""
    path = autostart_path()
    if not enabled:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    write_atomically(
        path,
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Beacon\n"
        "Comment=Activity from your Pusher channels, in the tray\n"
        f"Exec={_launch_command()}\n"
        "Icon=beacon\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n",
    )


# -- the service ------------------------------------------------------------------------


class SettingsService(QObject):
    """Loads and saves the settings off the GUI thread.

    Signals:
        loaded(Drafts): ``load()`` finished.
        saved(Config): the file was validated and replaced; the config it holds now.
        saveFailed(str): nothing was written; the loader's message (file, line, fix).
        secretState(str, object): account, and True/False for "a secret is stored", or
            the keyring's message (str) when it could not tell.
        secretStored(str): a secret was stored for the account.
        secretFailed(str, str): account and the keyring's message; nothing stored.
        tested(str, int, str): account, ``beacon check``'s exit status and its report.
        autostartChanged(bool, str): whether Beacon starts at login now, and why not
            when a change failed ("" when it worked).
    """

    loaded = Signal(object)
    saved = Signal(object)
    saveFailed = Signal(str)
    secretState = Signal(str, object)
    secretStored = Signal(str)
    secretFailed = Signal(str, str)
    tested = Signal(str, int, str)
    autostartChanged = Signal(bool, str)

    def __init__(
        self,
        path: Path,
        *,
        keyring: Callable[[], SecretStore] = Keyring,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self._make_keyring = keyring
        self._keyring: SecretStore | None = None
        self._text = ""
        # The text the window's rule drafts were read from: they name rules by their
        # place in it (a save without rules leaves them pointing there).
        self._rules_text = ""
        # One worker: reads, saves and keyring calls happen in the order they were asked.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beacon-settings")
        self._tasks: set[asyncio.Task[Any]] = set()

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = qt_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _off_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _store(self) -> SecretStore:
        # Made on first use, in the worker: finding the backend is a D-Bus call.
        if self._keyring is None:
            self._keyring = self._make_keyring()
        return self._keyring

    # -- reading ----------------------------------------------------------------------

    def load(self) -> asyncio.Task[Any]:
        return self._spawn(self._load())

    async def _load(self) -> Drafts:
        self._text, drafts = await self._off_thread(read_drafts, self.path)
        self._rules_text = self._text
        self.loaded.emit(drafts)
        return drafts

    def check_secret(self, account: str) -> asyncio.Task[Any]:
        """Find out whether ``account`` has a secret stored: ``secretState``."""
        return self._spawn(self._check_secret(account))

    async def _check_secret(self, account: str) -> None:
        def stored() -> bool:
            return self._store().get_secret(account) is not None

        try:
            state: bool | str = await self._off_thread(stored)
        except CredentialsError as exc:
            state = str(exc)
        self.secretState.emit(account, state)

    # -- writing ----------------------------------------------------------------------

    def save(
        self,
        accounts: list[AccountDraft],
        notifications: NotificationsDraft,
        rules: list[RuleDraft] | None = None,
    ) -> asyncio.Task[Any]:
        """Validate and write: ``saved`` or ``saveFailed``."""
        return self._spawn(self._save(accounts, notifications, rules))

    async def _save(
        self,
        accounts: list[AccountDraft],
        notifications: NotificationsDraft,
        rules: list[RuleDraft] | None = None,
    ) -> None:
        def work() -> tuple[str, Config]:
            # Re-read: the file may have been edited since the window opened; the drafts
            # are applied to what is there now, so its other edits are kept.
            try:
                current = self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                current = ""
            if rules is not None and rules_in(current) != rules_in(self._rules_text):
                raise RulesChangedError(self.path)
            text = render(current, accounts, notifications, rules)
            config = parse_config(text, self.path)  # raises before anything is written
            write_atomically(self.path, text)
            return text, config

        try:
            self._text, config = await self._off_thread(work)
        except ConfigError as exc:
            self.saveFailed.emit(exc.report())
            return
        except RulesChangedError as exc:
            self.saveFailed.emit(str(exc))
            return
        except OSError as exc:
            self.saveFailed.emit(
                self.tr("{path}: could not be written: {reason}").format(
                    path=self.path, reason=exc.strerror or exc
                )
            )
            return
        log.info("settings saved to %s", self.path)
        for draft in accounts:
            draft.original = draft.name
        if rules is not None:
            self._rules_text = self._text
            for index, rule in enumerate(rules):
                rule.original = index  # where the file has it now
        self.saved.emit(config)

    def store_secret(self, account: str, value: str) -> asyncio.Task[Any]:
        """Store ``value`` as ``account``'s secret in the keyring, and nowhere else."""
        secret = Secret(value)  # from here on it prints as ***
        return self._spawn(self._store_secret(account, secret))

    async def _store_secret(self, account: str, secret: Secret) -> None:
        try:
            await self._off_thread(lambda: self._store().set_secret(account, secret))
        except CredentialsError as exc:
            self.secretFailed.emit(account, str(exc))
            return
        self.secretStored.emit(account)
        self.secretState.emit(account, True)

    # -- test connection ------------------------------------------------------------------

    def test_connection(self, draft: AccountDraft) -> asyncio.Task[Any]:
        """Connect and subscribe to each channel of ``draft`` as it is in the window,
        saved or not: ``tested`` with ``beacon check``'s report in words."""
        return self._spawn(self._test_connection(draft))

    async def _test_connection(self, draft: AccountDraft) -> None:
        # `beacon check` is the one place that turns the engine's events into a report
        # per channel, with a fix for each problem; it runs the engine with asyncio.run,
        # so it runs in its own process here, on a config holding only this account.
        # Its secret is read from the keyring under the account's name, as the app would.
        tmp = Path(await self._off_thread(tempfile.mkdtemp, "", "beacon-test-"))
        try:
            path = tmp / "config.toml"
            text = render("", [dataclasses.replace(draft, original=None)], NotificationsDraft())
            try:
                parse_config(text, path)
            except ConfigError as exc:
                self.tested.emit(draft.name, 2, exc.report().replace(str(path), "this account"))
                return
            await self._off_thread(write_atomically, path, text)
            command = (
                [sys.executable]
                if getattr(sys, "frozen", False)
                else [sys.executable, "-m", "beacon"]
            )
            process = await asyncio.create_subprocess_exec(
                *command,
                "check",
                "--config",
                str(path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            try:
                output, _ = await asyncio.wait_for(process.communicate(), TEST_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
                self.tested.emit(
                    draft.name,
                    1,
                    self.tr("No answer within {seconds} s.").format(
                        seconds=QLocale().toString(float(TEST_TIMEOUT), "g", 6)
                    ),
                )
                return
            except asyncio.CancelledError:
                # The window or the app closed: the check is of no use to anyone now.
                process.kill()
                await process.wait()  # reaped, not left a zombie
                raise
            report = output.decode("utf-8", "replace").replace(str(path), "this account")
            self.tested.emit(draft.name, process.returncode or 0, report)
        finally:
            await self._off_thread(shutil.rmtree, tmp, True)

    # -- autostart --------------------------------------------------------------------

    def check_autostart(self) -> asyncio.Task[Any]:
        return self._spawn(self._autostart(None))

    def set_autostart(self, enabled: bool) -> asyncio.Task[Any]:
        return self._spawn(self._autostart(enabled))

    async def _autostart(self, enabled: bool | None) -> None:
        error = ""
        if enabled is not None:
            try:
                await self._off_thread(set_autostart, enabled)
            except OSError as exc:
                error = f"{autostart_path()}: {exc.strerror or exc}"
        self.autostartChanged.emit(await self._off_thread(autostart_enabled), error)
