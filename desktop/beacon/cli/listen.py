"""``beacon listen``: received events as JSON lines on stdout, for scripts.

stdout carries exactly one compact JSON object per event (DESIGN.md "Command line"); each
batch of events that arrives together is written and flushed at once, so a reader sees
every line promptly. Everything meant for a person (state changes, errors) goes to
stderr. Exit status: 0 after ``--count`` events or on SIGINT/SIGTERM; 2 for a config
error; 3 for an auth or login problem; 4 when nothing connected within ``--timeout`` or
every account was refused for good.

``--catch-up`` adds the events that accounts' ``[account.catchup]`` endpoints say were
missed, each line with ``"catchup": true`` (``cli/listen_catchup.py``).

An account's secret (and encryption master key) comes from the systemd credential
``beacon-<account>`` (``beacon-<account>.encryption-key``) when a unit passes one in
``$CREDENTIALS_DIRECTORY``, else from the OS keyring (``credentials/systemd.py``,
docs/headless.md). Listen says which, once per account, at start; never the value.

``--signals`` also runs the config's ``[[signal]]`` commands and webhooks for each received
event (``services/signals_runner.py``). The flag is the user's confirmation of the exact
commands, which the app asks for in its settings window instead; without it, none runs.
Before exiting, listen waits for the signals still running (each has its timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import json
import logging
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from beacon.cli.ca_files import ca_file_problems
from beacon.config import AccountSettings, Config, ConfigError, load_config
from beacon.connect import AccountStatus, Engine, ReceivedEvent
from beacon.connect.secrets import RevealableSecret
from beacon.connect.tls import describe_error
from beacon.logs import setup_logging
from beacon.pusher import ProtocolEvent, SignedIn, Subscribed
from beacon.pusher.channels import ChannelKind, channel_kind, channel_name_problem
from beacon.pusher.states import ConnectionState

if TYPE_CHECKING:
    from beacon.cli.listen_catchup import ListenCatchUp
    from beacon.credentials.systemd import CredentialsOrKeyring
    from beacon.services.signals_runner import SignalRunner

__all__ = ["run"]

EXIT_OK = 0
#: stdout cannot be written (a full disk, an I/O error): the events would be lost.
EXIT_OUTPUT = 1
EXIT_CONFIG = 2
EXIT_AUTH = 3
EXIT_CONNECT = 4

# Lines wait this long (seconds) to be written together: a reader sees them promptly,
# and a burst costs one write per few milliseconds instead of one per socket read.
FLUSH_DELAY = 0.002

_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _say(text: str) -> None:
    print(f"beacon: {text}", file=sys.stderr, flush=True)


_encode_string = json.encoder.encode_basestring


class _Stamps:
    """ISO-8601 UTC with milliseconds and "Z". Events in a burst share their second, so
    the date-and-time part is formatted once per second, not once per event; and the
    events of one network read share their ``received_at`` object, formatted once.

    ``tail`` gives the end of a line with no user id (most events), also once per read.
    """

    __slots__ = ("_key", "_prefix", "_tail", "_tail_when", "_text", "_when")

    def __init__(self) -> None:
        self._key: tuple[int, int, int, int, int, int] | None = None
        self._prefix = ""
        self._when: datetime | None = None
        self._text = ""
        self._tail_when: datetime | None = None
        self._tail = ""

    def __call__(self, when: datetime) -> str:
        if when is self._when:
            return self._text
        text = self._format(when)
        self._when, self._text = when, text
        return text

    def tail(self, when: datetime) -> str:
        """``,"user_id":null,"received_at":"..."}`` and the newline."""
        if when is self._tail_when:
            return self._tail
        tail = f',"user_id":null,"received_at":"{self(when)}"}}\n'
        self._tail_when, self._tail = when, tail
        return tail

    def _format(self, when: datetime) -> str:
        key = (when.second, when.minute, when.hour, when.day, when.month, when.year)
        if key != self._key:
            self._key = key
            utc = when.astimezone(UTC)
            self._prefix = utc.strftime("%Y-%m-%dT%H:%M:%S.")
        return f"{self._prefix}{when.microsecond // 1000:03d}Z"


_stamp = _Stamps()

# The start of a line, up to ``"data":``, per (account, channel, event): a few kinds of
# event make up a burst, so each is encoded once instead of once per event. Bounded, for
# a server that sends ever new event names.
_heads: dict[tuple[str, str, str], str] = {}
_HEADS_MAX = 512


def _head(key: tuple[str, str, str]) -> str:
    account, channel, event = key
    head = (
        f'{{"account":{_encode_string(account)},'
        f'"channel":{_encode_string(channel)},'
        f'"event":{_encode_string(event)},'
        '"data":'
    )
    if len(_heads) >= _HEADS_MAX:
        _heads.clear()
    _heads[key] = head
    return head


def json_line(event: ReceivedEvent) -> bytes:
    """The stdout line for one event: compact JSON, UTF-8, newline-terminated.

    Where the event's data arrived as JSON text, that text is the JSON of ``data``
    already, so it is copied instead of encoded again (the biggest cost of a line).
    """
    return fields_line(
        event.account,
        event.channel,
        event.event,
        event.data,
        event.user_id,
        event.received_at,
        event.raw_data,
    )


def fields_line(
    account: str,
    channel: str,
    name: str,
    data: Any,
    user_id: str | None,
    received_at: datetime,
    raw: str,
) -> bytes:
    """``json_line`` of a ``ReceivedEvent``'s fields (the engine's ``on_event_fields``)."""
    if raw and (type(data) is not str or data is not raw) and "\n" not in raw and "\r" not in raw:
        data_text = raw.strip(" \t")
    else:
        data_text = _encode_json(data)
    key = (account, channel, name)
    head = _heads.get(key)
    if head is None:
        head = _head(key)
    if user_id is None:
        tail = _stamp.tail(received_at)
    else:
        tail = f',"user_id":{_encode_string(user_id)},"received_at":"{_stamp(received_at)}"}}\n'
    # A lone surrogate (legal in JSON text, not in UTF-8) becomes its JSON escape.
    return f"{head}{data_text}{tail}".encode("utf-8", "backslashreplace")


class _LazySecrets:
    """The account secrets: a systemd credential where the unit passed one, else the OS
    keyring (``credentials.systemd``). Nothing is opened, or imported, until an account
    first needs a secret, so that public channels never touch the keyring. Errors reach
    the engine, which reports "needs login"."""

    def __init__(self) -> None:
        self._source: CredentialsOrKeyring | None = None
        # The engine reads secrets from worker threads, several accounts at once.
        self._lock = threading.Lock()

    def source(self) -> CredentialsOrKeyring:
        with self._lock:
            if self._source is None:
                from beacon.credentials import Keyring
                from beacon.credentials.systemd import CredentialsOrKeyring, SystemdCredentials

                self._source = CredentialsOrKeyring(SystemdCredentials.from_environment(), Keyring)
            return self._source

    def get_secret(self, account: str) -> RevealableSecret | None:
        return self.source().get_secret(account)

    def get_encryption_key(self, account: str) -> RevealableSecret | None:
        return self.source().get_encryption_key(account)


def _secret_needs(
    account: AccountSettings, channels: Sequence[str], catch_up: bool
) -> tuple[bool, bool]:
    """(uses a secret, uses an encryption master key): what the start line tells about."""
    names = channels or account.channels
    kinds = [channel_kind(name) for name in names]
    auth = account.auth
    via_auth = (
        auth is not None
        and auth.needs_secret
        and (any(kind.needs_auth for kind in kinds) or account.signin)
    )
    via_catchup = catch_up and account.catchup is not None and account.catchup.needs_secret
    key = (
        auth is not None
        and auth.mode == "sign"
        and any(kind is ChannelKind.ENCRYPTED for kind in kinds)
    )
    return via_auth or via_catchup, key


def _tell_secret_origins(
    secrets: _LazySecrets, accounts: Sequence[AccountSettings], args: argparse.Namespace
) -> bool:
    """Say once, per account that uses one, where its secret comes from (never the value).

    A systemd credential is read here already, so that an unusable one (empty, readable by
    others) stops listen at once with its fix, instead of as a "needs login" later. The
    keyring is not opened here: the engine opens it when it needs it, with its timeout.
    False when a credential is unusable.
    """
    needs = [(a, *_secret_needs(a, args.channel, args.catch_up)) for a in accounts]
    needs = [need for need in needs if need[1] or need[2]]
    if not needs:
        return True  # public channels only: the keyring is not even imported
    from beacon.credentials import CredentialsError

    source = secrets.source()
    for account, uses_secret, uses_key in needs:
        name = account.name
        told: list[str] = []
        try:
            # A credential that is there is read and checked now; None means there is none.
            if uses_secret:
                if source.credentials is not None:
                    source.credentials.get_secret(name)
                told.append(f"secret from {source.secret_origin(name)}")
            if uses_key:
                if source.credentials is not None:
                    source.credentials.get_encryption_key(name)
                told.append(f"encryption key from {source.encryption_key_origin(name)}")
        except CredentialsError as exc:
            _say(f"[{name}] {exc}")
            return False
        _say(f"[{name}] {'; '.join(told)}")
    return True


class _StateLogFilter(logging.Filter):
    """Drops the core's own "connecting -> connected: ..." records: listen prints every
    state change itself, with the account's name, so ``-v`` would show each one twice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "beacon.pusher" and record.msg == "%s -> %s: %s")


def _setup_logging(verbose: int) -> None:
    # The one stderr handler of every command (beacon.logs); it is safe to ask again.
    setup_logging(verbose)
    for handler in logging.getLogger("beacon").handlers:
        if not any(isinstance(f, _StateLogFilter) for f in handler.filters):
            handler.addFilter(_StateLogFilter())


def _pick_accounts(
    accounts: Sequence[AccountSettings], wanted: str | None, channels: Sequence[str], where: str
) -> list[AccountSettings] | str:
    """The accounts to listen on, or an error message (exit 2)."""
    if not accounts:
        return f"{where} has no [[account]]; add one (see `beacon check`)"
    chosen = list(accounts)
    if wanted is not None:
        chosen = [a for a in accounts if a.name == wanted]
        if not chosen:
            names = ", ".join(a.name for a in accounts)
            return f"no account named {wanted!r} in {where} (there are: {names})"
    for name in channels:
        problem = channel_name_problem(name)
        if problem is not None:
            return f"--channel {name}: {problem}"
        # The config refuses such a channel in the file; from here it would be refused by
        # the account for ever, retried with backoff, while the account looks connected.
        if channel_kind(name).needs_auth:
            for acc in chosen:
                if acc.auth is None:
                    return (
                        f'--channel {name}: account "{acc.name}" has no [account.auth] table '
                        "to authorize it with. Fix: add [account.auth] to the account in the "
                        "config, or pick another account with --account"
                    )
    if not channels and not any(a.channels for a in chosen):
        return "no channels to listen to: give --channel C or list channels in the config"
    return chosen


class _StdoutWriter:
    """Writes stdout from its own thread, so that a reader who is slow for a moment never
    stops the event loop from reading the socket (a server drops events for sockets that
    stop reading). Lines wait in memory meanwhile; ``close()`` writes every one of them."""

    def __init__(
        self,
        out: BinaryIO,
        on_broken_pipe: Callable[[], None],
        on_error: Callable[[OSError], None],
    ) -> None:
        self._out = out
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._on_broken_pipe = on_broken_pipe
        self._on_error = on_error
        #: Why stdout could not be written, once it could not; lines after it are dropped.
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="beacon-stdout", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        self._queue.put(data)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop. A reader that takes no more for ``timeout``
        seconds does not keep the process alive (the thread is a daemon)."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        get = self._queue.get
        while True:
            data = get()
            if data is None:
                return
            chunks = [data]
            # Whatever queued up meanwhile goes out in the same write.
            while not self._queue.empty():
                more = get()
                if more is None:
                    self._write(b"".join(chunks))
                    return
                chunks.append(more)
            if not self._write(b"".join(chunks)):
                return

    def _write(self, data: bytes) -> bool:
        try:
            self._out.write(data)
            self._out.flush()
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): nothing more to say to it.
            _silence_stdout()
            self._on_broken_pipe()
            return False
        except OSError as exc:
            # Unlike a reader who left, lines are being lost (ENOSPC, EIO): an error.
            self.error = exc
            _silence_stdout()
            self._on_error(exc)
            return False
        return True


def _silence_stdout() -> None:
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


class _Listener:
    def __init__(self, args: argparse.Namespace, out: BinaryIO) -> None:
        # Lines still to print before exit 0. Without --count it starts at 0 and, counting
        # down from there, never comes back to 0.
        self.left: int = args.count or 0
        self.timeout: float | None = args.timeout
        self.out = out
        self.pending: list[bytes] = []
        self.flush_scheduled = False
        self.exit_code: int | None = None
        self.connected_once = False
        self.statuses: dict[str, AccountStatus] = {}
        self.expected = 0  # how many accounts report status
        self.loop = asyncio.get_running_loop()
        self.done = asyncio.Event()
        self.writer = _StdoutWriter(out, self.broken_pipe, self.output_failed)
        self.output_error_told = False
        self.catchup: ListenCatchUp | None = None
        self.signals: SignalRunner | None = None

    def finish(self, code: int) -> None:
        if self.exit_code is None:
            self.exit_code = code
            self.done.set()

    def on_event(self, event: ReceivedEvent) -> None:
        if self.exit_code is not None:
            return
        if self.catchup is not None and not self.catchup.live(event):
            return  # printed already, from catch-up
        if self.signals is not None:
            self.signals.submit(event.account, event.channel, event.event, event.data)
        self._queue(json_line(event))

    def on_event_fields(
        self,
        account: str,
        channel: str,
        name: str,
        data: Any,
        user_id: str | None,
        received_at: datetime,
        raw: str,
    ) -> None:
        """``on_event`` without catch-up and signals, from the fields: no ``ReceivedEvent``
        is built for a line."""
        if self.exit_code is not None:
            return
        self._queue(fields_line(account, channel, name, data, user_id, received_at, raw))

    def print_line(self, line: bytes) -> bool:
        """Print ``line``; False once listen is done (after --count lines, a signal)."""
        if self.exit_code is not None:
            return False
        self._queue(line)
        return True

    def _queue(self, line: bytes) -> None:
        """Count ``line`` and hold it for the next write; the caller checked that listen
        is not finishing."""
        self.pending.append(line)
        self.left -= 1
        if self.left == 0:
            self.flush()
            self.finish(EXIT_OK)
        elif not self.flush_scheduled:
            # Events that arrive close together are written together: one write, one flush.
            self.flush_scheduled = True
            self.loop.call_later(FLUSH_DELAY, self.flush)

    def flush(self) -> None:
        self.flush_scheduled = False
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending.clear()
        self.writer.write(data)

    def broken_pipe(self) -> None:
        """From the writer thread."""
        self.loop.call_soon_threadsafe(self.finish, EXIT_OK)

    def output_failed(self, exc: OSError) -> None:
        """From the writer thread: stdout cannot be written."""
        self.loop.call_soon_threadsafe(self._output_failed, exc)

    def _output_failed(self, exc: OSError) -> None:
        if not self.output_error_told:
            self.output_error_told = True
            _say(f"cannot write to standard output: {exc.strerror or exc}")
        self.finish(EXIT_OUTPUT)

    def on_status(self, status: AccountStatus) -> None:
        if self.catchup is not None:
            self.catchup.on_status(status)
        self.statuses[status.account] = status
        _say(f"[{status.account}] {status.detail}")
        if status.needs_login:
            self.finish(EXIT_AUTH)
        elif status.state is ConnectionState.CONNECTED:
            self.connected_once = True
        elif self._all_failed():
            _say("every account was refused; giving up")
            self.finish(EXIT_CONNECT)

    def on_protocol(self, account: str, event: ProtocolEvent) -> None:
        if self.catchup is not None:
            self.catchup.on_protocol(account, event)
        # Scripts wait for this line before publishing; people like to see it too.
        if isinstance(event, Subscribed):
            _say(f"[{account}] subscribed to {event.channel}")
        elif isinstance(event, SignedIn):
            _say(f"[{account}] signed in as {event.user_id}")

    def _all_failed(self) -> bool:
        return len(self.statuses) == self.expected and all(
            s.state is ConnectionState.FAILED for s in self.statuses.values()
        )

    def on_timeout(self) -> None:
        if not self.connected_once:
            _say(f"could not connect within {self.timeout:g} s")
            self.finish(EXIT_CONNECT)


async def _listen(
    args: argparse.Namespace,
    config: Config,
    accounts: list[AccountSettings],
    secrets: _LazySecrets,
) -> int:
    listener = _Listener(args, sys.stdout.buffer)
    listener.expected = len(accounts)
    if args.catch_up:
        # Imported only here: without --catch-up, listen starts as fast as before.
        from beacon.cli.listen_catchup import STATE_FILE, ListenCatchUp
        from beacon.config.load import state_dir

        listener.catchup = ListenCatchUp(
            accounts,
            secrets,
            listener.print_line,
            json_line,
            _say,
            state_dir() / STATE_FILE,
            since=args.since,
            channel_overrides=args.channel,
        )
    if args.signals:
        from beacon.services.signals_runner import SignalRunner

        listener.signals = SignalRunner(config.signals, accounts)
    engine = Engine(
        accounts,
        secrets,
        listener.on_event,
        listener.on_status,
        channel_overrides=args.channel,
        on_protocol=listener.on_protocol,
    )
    if listener.catchup is None and listener.signals is None:
        # Each line straight from the event's fields (they need the whole event).
        engine.on_event_fields = listener.on_event_fields
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, listener.finish, EXIT_OK)
    if listener.timeout is not None:
        loop.call_later(listener.timeout, listener.on_timeout)
    try:
        try:
            await engine.start()
        except OSError as exc:
            # ssl.SSLError included: the engine could not set up an account's TLS (the CA
            # files were checked just before; one may have changed since). A setup
            # problem, told as one, not a crash.
            _say(
                f"cannot start: {describe_error(exc)}. "
                "Fix: check ca_file, host and tls in the config"
            )
            listener.finish(EXIT_CONFIG)
        else:
            # Everything alive now (modules, settings, the engine) lives as long as the
            # process; keeping it out of the collector's scans keeps a full collection
            # from stalling the socket in the middle of a burst.
            gc.freeze()
            await listener.done.wait()
    finally:
        if listener.catchup is not None:
            await listener.catchup.close()
        listener.flush()
        await engine.close()
        if listener.signals is not None:
            # Each has its timeout, so this ends; a signal cut short would act by half.
            await listener.signals.drain()
            await listener.signals.close()
        # Every line printed reaches stdout before the exit status says "done".
        await asyncio.to_thread(listener.writer.close)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    assert listener.exit_code is not None
    error = listener.writer.error
    if error is not None:
        # --count was reached, or a signal came, before the failed write was told: the
        # lines did not all reach stdout, which is not "done".
        listener._output_failed(error)
        return EXIT_OUTPUT
    return listener.exit_code


def run(args: argparse.Namespace) -> int:
    """``beacon listen``; returns the exit status."""
    _setup_logging(args.verbose)
    try:
        config = load_config(args.config, required=args.config is not None)
    except ConfigError as exc:
        _say(exc.report())
        return EXIT_CONFIG
    where = str(config.path) if config.path is not None else "the config file"
    chosen = _pick_accounts(config.accounts, args.account, args.channel, where)
    if isinstance(chosen, str):
        _say(chosen)
        return EXIT_CONFIG
    if args.since is not None and not args.catch_up:
        _say("--since goes with --catch-up; add --catch-up")
        return EXIT_CONFIG
    if args.catch_up and not any(a.catchup is not None for a in chosen):
        _say(
            "--catch-up needs an account with an [account.catchup] table; add one with "
            'url = "https://.../pusher/missed" (see docs/config.md)'
        )
        return EXIT_CONFIG
    if args.signals and not config.signals:
        _say("--signals needs a [[signal]] in the config; add one (see docs/config.md)")
        return EXIT_CONFIG
    bad_ca = ca_file_problems(dataclasses.replace(config, accounts=tuple(chosen)))
    if bad_ca is not None:
        _say(bad_ca.report())
        return EXIT_CONFIG
    secrets = _LazySecrets()
    if not _tell_secret_origins(secrets, chosen, args):
        return EXIT_AUTH
    return asyncio.run(_listen(args, config, chosen, secrets))
