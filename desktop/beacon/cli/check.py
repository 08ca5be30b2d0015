"""``beacon check``: validate the config, the keyring and each account's reachability.

A readable report on stdout, for example::

    Config:  OK (/home/ann/.config/beacon/config.toml: 1 account, 2 rules)
    Keyring: OK (Secret Service: GNOME Keyring or KWallet)
    Account "support" (wss://ws-eu.pusher.com/app/app-key)
      secret:  stored
      server:  connected in 41 ms
      channel: tickets subscribed
      channel: private-agent-7 authorized by https://helpdesk.example.com/pusher/auth and subscribed
    All good.

Every account is checked by the one protocol client, ``connect.Engine``, as ``listen`` and
the app use it: one engine per account, started, watched through its own events (its
states, and the protocol events: subscribed, refused, auth requested, signed in) until
every channel has an answer or ``TIMEOUT`` passes, then closed. A private or presence
channel is authorized (by the endpoint or a local signature) and subscribed, which proves
the secret too. Each problem is said in words, with a fix. Secrets are never printed.
Secrets come from where ``listen`` takes them: a systemd credential in
``$CREDENTIALS_DIRECTORY`` first, else the keyring, so that ``systemd-run`` with a unit's
credentials checks what the unit will use.

Exit status: 0 all good; 1 an account has a problem (or there is none); 2 config error;
3 no usable keyring (or an unusable credential) while an account needs a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from beacon import __version__
from beacon.cli.ca_files import ca_file_problems
from beacon.config import AccountSettings, Config, ConfigError, load_config
from beacon.config.transport import credentials_in_clear
from beacon.connect import AccountStatus, Engine, ReceivedEvent
from beacon.connect.secrets import RevealableSecret
from beacon.connect.tls import describe_error
from beacon.credentials import CredentialsError, Keyring, Secret
from beacon.credentials.systemd import (
    SystemdCredentials,
    encryption_key_credential_name,
    secret_credential_name,
)
from beacon.logs import setup_logging
from beacon.pusher import (
    AuthNeeded,
    ProtocolEvent,
    SignedIn,
    SigninFailed,
    StateChanged,
    Subscribed,
    SubscriptionFailed,
)
from beacon.pusher.channels import ChannelKind, channel_kind
from beacon.pusher.states import ConnectionState, down_detail

# How long one account may take, from starting its engine to the last channel's answer.
TIMEOUT = 10.0

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_CONFIG = 2
EXIT_KEYRING = 3


@dataclass
class Report:
    """The lines about one account, and whether any of them is a problem."""

    account: AccountSettings
    lines: list[tuple[str, str]] = field(default_factory=list)
    problems: int = 0
    warnings: int = 0
    keyring_problem: bool = False

    def ok(self, label: str, text: str) -> None:
        self.lines.append((label, text))

    def bad(self, label: str, text: str) -> None:
        self.lines.append((label, f"PROBLEM: {text}"))
        self.problems += 1

    def warn(self, label: str, text: str) -> None:
        """Not a problem (the exit status stays 0), but worth the user's attention."""
        self.lines.append((label, f"WARNING: {text}"))
        self.warnings += 1


class Out(Protocol):
    """Where the report goes: stdout, through :class:`_Output`."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


def run(args: argparse.Namespace) -> int:
    """Print the report; return the exit status."""
    verbose = getattr(args, "verbose", 0)
    setup_logging(verbose)
    if not verbose:
        # The report tells every problem the engine meets, with a fix; its own warnings
        # would only say the same things again, out of order, on stderr.
        for layer in ("beacon.pusher", "beacon.connect"):
            logging.getLogger(layer).setLevel(logging.ERROR)
    out = _Output(sys.stdout)
    status = check(args.config, out, timeout=TIMEOUT)
    if out.error is not None:
        print(f"beacon check: cannot write to standard output: {out.error}", file=sys.stderr)
        _silence_stdout()
        return 1
    if out.reader_gone:
        _silence_stdout()
    return status


class _Output:
    """stdout for the report, which a reader may stop reading (`beacon check | head`, or
    `| grep -q`), or which may not take more (a full disk). The check then runs to its
    end anyway, for its exit status, and what it writes is dropped."""

    def __init__(self, out: Out) -> None:
        self._out = out
        self.reader_gone = False
        #: Why stdout could not be written (not a reader who left): the report is lost.
        self.error: str | None = None

    def _guard(self, action: Callable[[], object]) -> None:
        if self.reader_gone or self.error is not None:
            return
        try:
            action()
        except BrokenPipeError:
            self.reader_gone = True
        except OSError as exc:
            self.error = exc.strerror or str(exc)

    def write(self, text: str) -> int:
        self._guard(lambda: self._out.write(text))
        return len(text)

    def flush(self) -> None:
        self._guard(self._out.flush)


def _silence_stdout() -> None:
    """Point stdout at /dev/null: the exit flushes it, and what waits there would fail
    again, as an "Exception ignored" message."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def check(config_path: Path | None, out: Out, *, timeout: float = TIMEOUT) -> int:
    """The whole check, writing the report to ``out``."""
    try:
        config = load_config(config_path, required=config_path is not None)
    except ConfigError as exc:
        return _config_problem(exc, out)
    bad_ca = ca_file_problems(config)
    if bad_ca is not None:
        return _config_problem(bad_ca, out)
    _write_config_line(config, out)

    keyring: Keyring | None = None
    try:
        keyring = Keyring()
        out.write(f"Keyring: OK ({keyring.description})\n")
    except CredentialsError as exc:
        # Only a problem for accounts that need a secret; those say so below.
        out.write(f"Keyring: unavailable: {exc}\n")
    out.flush()

    # A unit run by systemd may pass secrets as credentials; they win over the keyring,
    # as in `beacon listen` (credentials/systemd.py), so that `systemd-run` with the
    # unit's credentials checks what the unit will use.
    credentials = SystemdCredentials.from_environment()
    if credentials is not None:
        out.write(f"Credentials: {credentials.directory} (systemd; they win over the keyring)\n")
    probes = [_secrets(account, keyring, credentials) for account in config.accounts]
    asyncio.run(_probe_all(probes, timeout))
    reports = [probe.report for probe in probes]
    for report in reports:
        _write_report(report, out)

    problems = sum(r.problems for r in reports)
    if not config.accounts:
        out.write("Nothing to check: no [[account]] is configured, so nothing would connect.\n")
        return EXIT_PROBLEM
    if problems:
        names = ", ".join(f'"{r.account.name}"' for r in reports if r.problems)
        out.write(f"{problems} problem{'s' if problems > 1 else ''} (account {names}).\n")
        if any(r.keyring_problem for r in reports):
            return EXIT_KEYRING
        return EXIT_PROBLEM
    warned = [r for r in reports if r.warnings]
    if warned:
        count = sum(r.warnings for r in warned)
        names = ", ".join(f'"{r.account.name}"' for r in warned)
        out.write(f"All good, with {count} warning{'s' * (count > 1)} (account {names}).\n")
        return EXIT_OK
    out.write("All good.\n")
    return EXIT_OK


def _config_problem(exc: ConfigError, out: Out) -> int:
    out.write("Config:  PROBLEM\n")
    for problem in exc.problems:
        out.write(f"  {problem}\n")
    out.flush()
    return EXIT_CONFIG


def _write_config_line(config: Config, out: Out) -> None:
    if config.path is not None and not config.path.exists():
        out.write(f"Config:  none at {config.path} (Beacon starts with no accounts)\n")
        return
    accounts = len(config.accounts)
    rules = len(config.rules)
    out.write(
        f"Config:  OK ({config.path}: {accounts} account{'s' * (accounts != 1)}, "
        f"{rules} rule{'s' * (rules != 1)})\n"
    )


def _write_report(report: Report, out: Out) -> None:
    url = report.account.url(__version__).split("?", 1)[0]
    out.write(f'Account "{report.account.name}" ({url})\n')
    for label, text in report.lines:
        out.write(f"  {label + ':':<8} {text}\n")
    out.flush()


# --- secrets ------------------------------------------------------------------------------


class _ReadSecrets:
    """The engine's ``SecretSource``: the values this check already read and reported, so
    that the keyring is asked once and its problems are told once, up front."""

    def __init__(self, secret: Secret | None, key: Secret | None) -> None:
        self._secret = secret
        self._key = key

    def get_secret(self, account: str) -> RevealableSecret | None:
        return self._secret

    def get_encryption_key(self, account: str) -> RevealableSecret | None:
        return self._key

    def __repr__(self) -> str:
        return "_ReadSecrets(***)"


@dataclass
class _Probe:
    report: Report
    secret: Secret | None = None
    key: Secret | None = None
    # channel -> why it is not tried (it could only fail for a reason already reported)
    skipped: dict[str, str] = field(default_factory=dict)
    skip_signin: str | None = None
    # What signs in mode sign, for the report: the keyring, or a systemd credential.
    origin: str = "the keyring secret"


def _from_credential(
    report: Report, label: str, read: Callable[[], Secret | None], name: str
) -> tuple[bool, Secret | None]:
    """(handled, value) for one entry from a systemd credential: not handled when the
    unit passes no such credential, so that the keyring is asked instead."""
    try:
        value = read()
    except CredentialsError as exc:
        report.bad(label, f"cannot be read: {exc}")
        report.keyring_problem = True
        return True, None
    if value is None:
        return False, None
    report.ok(label, f"from the systemd credential {name}")
    return True, value


def _secrets(
    account: AccountSettings, keyring: Keyring | None, credentials: SystemdCredentials | None
) -> _Probe:
    report = Report(account)
    probe = _Probe(report)
    for what in credentials_in_clear(account):
        # Allowed by allow_insecure = true: told every time, never silently accepted.
        report.warn(
            "security",
            f"credentials sent without encryption: {what} (allow_insecure = true). "
            "Anyone on the network path can read and reuse them. Fix: use TLS (tls = true "
            "and the server's TLS port; https:// URLs), then remove allow_insecure",
        )
    auth = account.auth
    authorized = [c for c in account.channels if channel_kind(c).needs_auth]
    uses_auth = bool(authorized) or account.signin
    no_secret: str | None = None
    needed = auth is not None and auth.needs_secret and uses_auth
    from_credential = False
    if needed and credentials is not None:
        from_credential, probe.secret = _from_credential(
            report,
            "secret",
            lambda: credentials.get_secret(account.name),
            secret_credential_name(account.name),
        )
    if not needed:
        report.ok("secret", "not needed")
    elif from_credential:
        probe.origin = f"the systemd credential {secret_credential_name(account.name)}"
        if probe.secret is None:  # unusable: the report says why
            no_secret = "no secret"
    elif keyring is None:
        report.bad("secret", "cannot be read: there is no usable keyring (see Keyring above)")
        report.keyring_problem = True
        no_secret = "no secret"
    else:
        try:
            probe.secret = keyring.get_secret(account.name)
        except CredentialsError as exc:
            report.bad("secret", f"cannot be read: {exc}")
            report.keyring_problem = True
            no_secret = "no secret"
        else:
            if probe.secret is None:
                report.bad("secret", f"missing. Fix: beacon login {account.name}")
                no_secret = "no secret"
            else:
                report.ok("secret", "stored")
    if no_secret is not None:
        probe.skipped = dict.fromkeys(authorized, no_secret)
        probe.skip_signin = no_secret
    encrypted = [c for c in authorized if channel_kind(c) is ChannelKind.ENCRYPTED]
    key_from_credential = False
    if auth is not None and auth.mode == "sign" and encrypted and credentials is not None:
        key_from_credential, probe.key = _from_credential(
            report,
            "key",
            lambda: credentials.get_encryption_key(account.name),
            encryption_key_credential_name(account.name),
        )
        if key_from_credential and probe.key is None:
            for channel in encrypted:
                probe.skipped.setdefault(channel, "no encryption key")
    sign = auth is not None and auth.mode == "sign"
    if sign and keyring is not None and encrypted and not key_from_credential:
        no_key: str | None = None
        try:
            probe.key = keyring.get_encryption_key(account.name)
        except CredentialsError as exc:
            report.bad("key", f"cannot be read: {exc}")
            report.keyring_problem = True
            no_key = "no encryption key"
        else:
            if probe.key is None:
                report.bad(
                    "key",
                    "the encryption master key is missing (private-encrypted- channels). "
                    f"Fix: beacon login {account.name} --encryption-key",
                )
                no_key = "no encryption key"
            else:
                report.ok("key", "encryption master key stored")
        if no_key is not None:
            for channel in encrypted:
                probe.skipped.setdefault(channel, no_key)
    return probe


# --- the engine, watched ------------------------------------------------------------------


async def _probe_all(probes: list[_Probe], timeout: float) -> None:
    await asyncio.gather(*(_AccountCheck(probe).run(timeout) for probe in probes))


def _ignore_event(event: ReceivedEvent) -> None:
    pass  # check proves subscriptions, not traffic


def _ignore_status(status: AccountStatus) -> None:
    pass  # the same changes arrive, with their close code, as StateChanged


def _why(detail: str) -> str:
    """The engine's reason in a state detail, without its "retrying in 1.2 s after:" or
    "failed:" and its close code (said separately)."""
    down = down_detail(detail)
    why = down.why if down is not None else detail
    return why.rstrip(". ")  # a server's own sentence, followed here by its code


@dataclass
class _Channel:
    name: str
    result: str | None = None  # the line once final; None while waiting
    authorizing: bool = False


class _AccountCheck:
    """One account's engine, and what its events say about the server and each channel."""

    def __init__(self, probe: _Probe) -> None:
        self.probe = probe
        self.report = probe.report
        self.account = probe.report.account
        tried = tuple(c for c in self.account.channels if c not in probe.skipped)
        self.settings = dataclasses.replace(
            self.account,
            channels=tried,
            signin=self.account.signin and probe.skip_signin is None,
        )
        self.channels = {name: _Channel(name) for name in tried}
        self.signin: str | None = None  # the sign-in line once final
        self.server: tuple[str, bool] | None = None  # (text, is a problem)
        self.connected = False
        self.stopped = False  # no more answers will come from this engine
        self.started = 0.0
        self.done = asyncio.Event()

    async def run(self, timeout: float) -> None:
        engine = Engine(
            [self.settings],
            _ReadSecrets(self.probe.secret, self.probe.key),
            _ignore_event,
            _ignore_status,
            on_protocol=self.on_protocol,
        )
        self.started = time.perf_counter()
        try:
            await engine.start()
            async with asyncio.timeout(timeout):
                await self.done.wait()
        except TimeoutError:
            self._timed_out(timeout)
        except OSError as exc:  # ssl.SSLError included: the engine could not even start
            self.server = (f"the connection could not be set up: {describe_error(exc)}", True)
        finally:
            self.done.set()  # what closing the engine reports is not part of the check
            await engine.close()
        self._write()

    # -- the engine's events ---------------------------------------------------------

    def on_protocol(self, account: str, event: ProtocolEvent) -> None:
        if self.done.is_set():
            return  # the report is settled; later retries are not part of it
        if isinstance(event, StateChanged):
            self._state(event)
        elif isinstance(event, AuthNeeded):
            channel = self.channels.get(event.channel)
            if channel is not None:
                channel.authorizing = True
        elif isinstance(event, Subscribed):
            self._settle(event.channel, self._subscribed(event.channel))
        elif isinstance(event, SubscriptionFailed):
            self._settle(event.channel, f"PROBLEM: {event.channel}: {self._refused(event)}")
        elif isinstance(event, SignedIn):
            self.signin = f"signed in as {event.user_id}"
        elif isinstance(event, SigninFailed):
            self.signin = f"PROBLEM: {self._signin_failed(event)}"
        self._maybe_done()

    def _state(self, event: StateChanged) -> None:
        state = event.state
        if state is ConnectionState.CONNECTED:
            self.connected = True
            elapsed = (time.perf_counter() - self.started) * 1000
            self.server = (f"connected in {elapsed:.0f} ms", False)
        elif state is ConnectionState.UNAVAILABLE:
            self.stopped = True
            if self.connected:
                text = f"the connection dropped: {_why(event.detail)}"
                self.server = (f"connected, then {text}. Fix: {self._network_fix(text)}", True)
            else:
                self.server = (self._unreachable(event), True)
        elif state is ConnectionState.FAILED:
            self.stopped = True
            if not event.needs_login:  # a login failure is told on its channel's line
                self.server = (self._refused_connection(event), True)
        elif state is ConnectionState.DISCONNECTED:
            self.stopped = True

    def _settle(self, name: str, line: str) -> None:
        channel = self.channels.get(name)
        if channel is not None and channel.result is None:
            channel.result = line

    def _maybe_done(self) -> None:
        if self.stopped:
            self.done.set()
            return
        if not self.connected:
            return
        if any(c.result is None for c in self.channels.values()):
            return
        if self.settings.signin and self.signin is None:
            return
        self.done.set()

    def _timed_out(self, timeout: float) -> None:
        if not self.connected:
            # A TLS client that reaches a plain server often just waits: say so too.
            plain = (
                "; if the server speaks plain ws://, set tls = false"
                if self.account.tls and self.account.host is not None
                else ""
            )
            self.server = (
                f"no answer within {timeout:g} s. Fix: check the network, and any firewall "
                f"or proxy between this machine and {self._where()}{plain}",
                True,
            )
            return
        for channel in self.channels.values():
            if channel.result is not None:
                continue
            if channel.authorizing:
                channel.result = (
                    f"PROBLEM: {channel.name}: no authorization within {timeout:g} s. "
                    f"Fix: {self._auth_fix()}"
                )
            else:
                channel.result = (
                    f"PROBLEM: {channel.name}: the server did not confirm the subscription "
                    f"within {timeout:g} s"
                )
        if self.settings.signin and self.signin is None:
            self.signin = f"PROBLEM: no answer to the sign-in within {timeout:g} s"

    # -- the report ------------------------------------------------------------------

    def _write(self) -> None:
        report = self.report
        if self.server is not None:
            text, problem = self.server
            (report.bad if problem else report.ok)("server", text)
        for name in self.account.channels:
            if name in self.probe.skipped:
                report.ok("channel", f"{name} not tried ({self.probe.skipped[name]})")
                continue
            if not self.connected:
                continue  # the server line says why nothing was subscribed
            result = self.channels[name].result
            if result is None:
                report.ok("channel", f"{name} not tried (the connection stopped first)")
            elif result.startswith("PROBLEM: "):
                report.bad("channel", result.removeprefix("PROBLEM: "))
            else:
                report.ok("channel", result)
        if self.account.signin:
            if self.probe.skip_signin is not None:
                report.ok("sign-in", f"not tried ({self.probe.skip_signin})")
            elif self.signin is not None and self.signin.startswith("PROBLEM: "):
                report.bad("sign-in", self.signin.removeprefix("PROBLEM: "))
            elif self.signin is not None:
                report.ok("sign-in", self.signin)

    def _where(self) -> str:
        account = self.account
        if account.host is None:
            return f"ws-{account.cluster or 'mt1'}.pusher.com"
        port = account.port if account.port is not None else (443 if account.tls else 80)
        return f"{account.host}:{port}"

    def _subscribed(self, channel: str) -> str:
        auth = self.account.auth
        if not channel_kind(channel).needs_auth or auth is None:
            return f"{channel} subscribed"
        if auth.mode == "sign":
            return f"{channel} authorized by {self.probe.origin} (mode sign) and subscribed"
        return f"{channel} authorized by {auth.endpoint} and subscribed"

    def _auth_fix(self) -> str:
        auth = self.account.auth
        if auth is not None and auth.mode == "endpoint":
            return f"check that the app backend at {auth.endpoint} runs and answers"
        return "check the [account.auth] table"

    def _refused(self, event: SubscriptionFailed) -> str:
        """A channel that was not subscribed, and what to do about it."""
        name = self.account.name
        reason = _plain(event.reason)
        auth = self.account.auth
        endpoint = auth.endpoint if auth is not None else None
        if event.status in (401, 403) and event.needs_login:
            return (
                f"the {reason}: this account needs login. Fix: beacon login {name} "
                "(a fresh secret), or ask the app's admin for access to this channel"
            )
        if reason.startswith("refused to send the keyring secret"):
            return reason  # Beacon's own refusal (plain http), with its fix
        if event.needs_login:
            # The keyring or the account's secrets: the reason names its own fix.
            return reason if "beacon login" in reason else f"{reason}. Fix: beacon login {name}"
        if reason.startswith(("auth endpoint unreachable", "cannot reach the auth endpoint")):
            # "cannot reach the auth endpoint URL: why" (the URL has no ": " in it)
            detail = reason.partition(": ")[2]
            return (
                f"the auth endpoint {endpoint} is unreachable"
                + (f": {detail}" if detail else "")
                + f". Fix: {self._auth_fix()}, and that the URL in [account.auth] is right"
            )
        if "auth endpoint" in reason or "auth answer" in reason or "sign-in answer" in reason:
            return f"{reason}. Fix: {self._auth_fix()}"
        if "auth.user" in reason or "[account.auth]" in reason:
            return reason  # a config problem the engine names with its fix
        status = f" ({event.status})" if event.status is not None else ""
        if channel_kind(event.channel).needs_auth and auth is not None:
            if auth.mode == "sign":
                fix = (
                    f"the keyring secret may not be this app's secret: beacon login {name} "
                    "with the app secret from the server's settings"
                )
            else:
                fix = (
                    f"the auth endpoint {endpoint} signs for another app key or secret: "
                    "check the backend's Pusher settings against this account's key"
                )
        else:
            fix = "check the channel's name, and that the server's app allows it"
        return f"the server refused the subscription: {reason}{status}. Fix: {fix}"

    def _signin_failed(self, event: SigninFailed) -> str:
        reason = _plain(event.reason)
        if event.needs_login:
            return f"{reason}. Fix: beacon login {self.account.name}"
        return f"{reason}. Fix: {self._auth_fix()}"

    def _unreachable(self, event: StateChanged) -> str:
        why = _why(event.detail)
        if event.code is not None:
            return f"the server closed the connection: {why} ({event.code}). Fix: " + (
                "the server is over capacity or restarting; try again in a minute"
                if 4100 <= event.code <= 4299
                else "see the server's logs"
            )
        return f"unreachable: {why}. Fix: {self._network_fix(why)}"

    def _network_fix(self, why: str) -> str:
        where = self._where()
        text = why.lower()
        if "refused" in text:
            return (
                f"nothing listens at {where}: start the server, or correct host and port "
                "in the config"
            )
        if "certificate" in text:
            return (
                "the server's certificate is not signed by a CA this machine trusts, or is "
                "for another name: set ca_file to your CA's PEM file, or fix the server's "
                "certificate"
            )
        if "tls" in text or "ssl" in text:
            return (
                f"{where} does not speak TLS as expected: set tls = false for a plain ws:// "
                "server, or use the server's TLS port"
            )
        if "name" in text and ("known" in text or "resolution" in text or "service" in text):
            return "the host name does not resolve: correct host (or cluster) in the config"
        if "instead of a websocket" in text:
            return (
                f"{where} answers HTTP but is not a Pusher server there: check host, port and tls"
            )
        return (
            f"check host, port and tls in the config, that the server runs, and the network "
            f"between this machine and {where}"
        )

    def _refused_connection(self, event: StateChanged) -> str:
        why = _why(event.detail)
        code = event.code
        if code is None and "plain ws://" in why:
            return why  # the engine refused to send credentials; the reason has its fix
        fixes = {
            4000: "the server accepts only TLS: set tls = true (and its TLS port)",
            4001: "correct key in the config: it must be the app's key from the server's settings",
            4003: "the app is disabled on the server: enable it there",
            4004: "the app is over its connection quota: close other clients or raise the quota",
            4005: "the URL's path is not a Pusher app on this server: check host and port",
            4006: "the server does not accept this protocol version",
            4007: "the server does not support protocol 7: upgrade the server",
            4009: "the server refused this client: check the app's settings on the server",
        }
        fix = fixes.get(code or 0, "check the account's key, host and port against the server")
        shown = f"{why} ({code})" if code is not None else why
        return f"refused the connection: {shown}. Fix: {fix}"


_ERRNO = re.compile(r"\[Errno -?\d+\] ")


def _plain(reason: str) -> str:
    """An engine reason without Python's "[Errno 111]" noise."""
    return _ERRNO.sub("", reason)
