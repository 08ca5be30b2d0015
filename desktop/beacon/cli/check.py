"""``beacon check``: validate the config, the keyring and each account's reachability.

A readable report on stdout, for example::

    Config:  OK (/home/ann/.config/beacon/config.toml: 1 account, 2 rules)
    Keyring: keyring.backends.SecretService.Keyring
    Account "support" (wss://ws-eu.pusher.com/app/app-key)
      secret:  stored
      server:  connected in 41 ms (socket id 1234.5678, activity timeout 120 s)
      auth:    private-agent-7 authorized by https://helpdesk.example.com/pusher/auth
    All good.

Each account's server is probed directly: open the WebSocket, wait for
``pusher:connection_established``, and where the account has a private or presence
channel, authorize it (endpoint or local signature) and subscribe, which proves the
secret as well. Every step has a 5 s timeout. Secrets are never printed.

Exit status: 0 all good; 1 an account has a problem (or there is none); 2 config error;
3 no usable keyring while an account needs a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from beacon import __version__
from beacon.config import AccountSettings, Config, ConfigError, load_config
from beacon.credentials import CredentialsError, Keyring, Secret
from beacon.logs import setup_logging
from beacon.pusher.auth import channel_auth, presence_channel_data

TIMEOUT = 5.0

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_CONFIG = 2
EXIT_KEYRING = 3

_AUTHORIZED = ("private-", "presence-")


@dataclass
class Report:
    """The lines about one account, and whether any of them is a problem."""

    account: AccountSettings
    lines: list[tuple[str, str]] = field(default_factory=list)
    problems: int = 0
    keyring_problem: bool = False

    def ok(self, label: str, text: str) -> None:
        self.lines.append((label, text))

    def bad(self, label: str, text: str) -> None:
        self.lines.append((label, f"PROBLEM: {text}"))
        self.problems += 1


class _Refused(Exception):
    """The server answered, but not with what the check needs."""


def run(args: argparse.Namespace) -> int:
    """Print the report; return the exit status."""
    setup_logging(getattr(args, "verbose", 0))
    return check(args.config, sys.stdout, timeout=TIMEOUT)


def check(config_path: Path | None, out: TextIO, *, timeout: float = TIMEOUT) -> int:
    """The whole check, writing the report to ``out``."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        out.write("Config:  PROBLEM\n")
        for problem in exc.problems:
            out.write(f"  {problem}\n")
        out.flush()
        return EXIT_CONFIG
    _write_config_line(config, out)

    keyring: Keyring | None = None
    try:
        keyring = Keyring()
        out.write(f"Keyring: {keyring.backend_name}\n")
    except CredentialsError as exc:
        # Only a problem for accounts that need a secret; those say so below.
        out.write(f"Keyring: unavailable: {exc}\n")
    out.flush()

    probes = [_secrets(account, keyring) for account in config.accounts]
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
    out.write("All good.\n")
    return EXIT_OK


def _write_config_line(config: Config, out: TextIO) -> None:
    if config.path is not None and not config.path.exists():
        out.write(f"Config:  none at {config.path} (Beacon starts with no accounts)\n")
        return
    accounts = len(config.accounts)
    rules = len(config.rules)
    out.write(
        f"Config:  OK ({config.path}: {accounts} account{'s' * (accounts != 1)}, "
        f"{rules} rule{'s' * (rules != 1)})\n"
    )


def _write_report(report: Report, out: TextIO) -> None:
    url = report.account.url(__version__).split("?", 1)[0]
    out.write(f'Account "{report.account.name}" ({url})\n')
    for label, text in report.lines:
        out.write(f"  {label + ':':<8} {text}\n")
    out.flush()


# --- secrets ------------------------------------------------------------------------------


def _auth_channel(account: AccountSettings) -> str | None:
    """The channel whose authorization the check tries: the first private or presence one."""
    return next((c for c in account.channels if c.startswith(_AUTHORIZED)), None)


@dataclass
class _Probe:
    report: Report
    secret: Secret | None = None
    skip_auth: str | None = None  # why the auth step is skipped, when it is


def _secrets(account: AccountSettings, keyring: Keyring | None) -> _Probe:
    report = Report(account)
    probe = _Probe(report)
    auth = account.auth
    channel = _auth_channel(account)
    uses_auth = channel is not None or account.signin
    if auth is None or not auth.needs_secret or not uses_auth:
        report.ok("secret", "not needed")
    elif keyring is None:
        report.bad("secret", "cannot be read: there is no usable keyring (see Keyring above)")
        report.keyring_problem = True
        probe.skip_auth = "no secret"
    else:
        try:
            probe.secret = keyring.get_secret(account.name)
        except CredentialsError as exc:
            report.bad("secret", f"cannot be read: {exc}")
            report.keyring_problem = True
            probe.skip_auth = "no secret"
        else:
            if probe.secret is None:
                report.bad("secret", f"missing. Fix: beacon login {account.name}")
                probe.skip_auth = "no secret"
            else:
                report.ok("secret", "stored")
    if auth is not None and auth.mode == "sign" and keyring is not None:
        if any(c.startswith("private-encrypted-") for c in account.channels):
            try:
                key = keyring.get_encryption_key(account.name)
            except CredentialsError as exc:
                report.bad("key", f"cannot be read: {exc}")
            else:
                if key is None:
                    report.bad(
                        "key",
                        "the encryption master key is missing (private-encrypted- channels). "
                        f"Fix: beacon login {account.name} --encryption-key",
                    )
                else:
                    report.ok("key", "encryption master key stored")
    return probe


# --- the network probe --------------------------------------------------------------------


async def _probe_all(probes: list[_Probe], timeout: float) -> None:
    await asyncio.gather(*(_probe_safely(probe, timeout) for probe in probes))


async def _probe_safely(probe: _Probe, timeout: float) -> None:
    # A diagnostic tool reports what it could not check instead of dying on one account.
    try:
        await _probe(probe, timeout)
    except Exception as exc:
        probe.report.bad("check", f"could not be completed: {_describe(exc)}")


def _ssl_context(account: AccountSettings) -> ssl.SSLContext | None:
    if account.ca_file is None:
        return None
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=str(account.ca_file))
    return context


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _probe(probe: _Probe, timeout: float) -> None:
    report = probe.report
    account = report.account
    url = account.url(__version__)
    context = _ssl_context(account)
    # websockets takes ssl= only for wss:// URLs; None there would mean "no TLS".
    options: dict[str, Any] = {"ssl": context} if context is not None else {}
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            websocket = await connect(
                url, open_timeout=None, ping_interval=None, close_timeout=1, **options
            )
    except TimeoutError:
        report.bad("server", f"no answer within {timeout:g} s")
        return
    except (OSError, InvalidHandshake, InvalidURI) as exc:
        report.bad("server", f"unreachable: {_describe(exc)}")
        return
    async with websocket:
        try:
            async with asyncio.timeout(timeout):
                established = await _established(websocket)
        except TimeoutError:
            report.bad(
                "server",
                f"opened the WebSocket but sent no pusher:connection_established "
                f"within {timeout:g} s",
            )
            return
        except _Refused as exc:
            report.bad("server", str(exc))
            return
        elapsed = (time.perf_counter() - started) * 1000
        socket_id = str(established.get("socket_id"))
        activity = established.get("activity_timeout")
        report.ok(
            "server",
            f"connected in {elapsed:.0f} ms (socket id {socket_id}, activity timeout "
            f"{activity} s)",
        )
        await _check_auth(probe, websocket, socket_id, context, timeout)


def _frame(text: str | bytes) -> tuple[str, Any, str | None]:
    """(event, data, channel) of one Pusher frame; ``data`` decoded from its JSON string."""
    try:
        frame = json.loads(text)
        data = frame.get("data")
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                pass
        return str(frame.get("event")), data, frame.get("channel")
    except (ValueError, AttributeError):
        return "", None, None


def _error_text(data: Any) -> str:
    if isinstance(data, dict):
        code = data.get("code") or data.get("status")
        message = data.get("message") or data.get("error") or json.dumps(data)
        return f"{message} ({code})" if code is not None else str(message)
    return str(data)


async def _next_frame(websocket: ClientConnection) -> tuple[str, Any, str | None]:
    """The next frame as ``_frame()`` decodes it; a close becomes ``_Refused``."""
    try:
        text = await websocket.recv()
    except ConnectionClosed as exc:
        received = exc.rcvd
        if received is None:
            raise _Refused("the server closed the connection without a reason") from None
        raise _Refused(
            f"the server closed the connection: {received.reason} ({received.code})"
        ) from None
    return _frame(text)


async def _established(websocket: ClientConnection) -> dict[str, Any]:
    while True:
        event, data, _ = await _next_frame(websocket)
        if event == "pusher:connection_established" and isinstance(data, dict):
            return data
        if event == "pusher:error":
            raise _Refused(f"refused the connection: {_error_text(data)}")


async def _check_auth(
    probe: _Probe,
    websocket: ClientConnection,
    socket_id: str,
    context: ssl.SSLContext | None,
    timeout: float,
) -> None:
    report = probe.report
    account = report.account
    auth = account.auth
    channel = _auth_channel(account)
    if auth is None or channel is None:
        return
    if probe.skip_auth is not None:
        report.ok("auth", f"not tried ({probe.skip_auth})")
        return
    secret = probe.secret.reveal() if probe.secret is not None else ""
    try:
        async with asyncio.timeout(timeout):
            if auth.mode == "sign":
                channel_data = None
                if channel.startswith("presence-") and auth.user is not None:
                    channel_data = presence_channel_data(auth.user)
                signature = channel_auth(account.key, secret, socket_id, channel, channel_data)
                source = "the keyring secret (mode sign)"
            else:
                signature, channel_data = await _ask_endpoint(
                    account, secret, socket_id, channel, context
                )
                source = str(auth.endpoint)
            await _subscribe(websocket, channel, signature, channel_data)
    except TimeoutError:
        report.bad("auth", f"{channel}: no answer within {timeout:g} s")
        return
    except _Refused as exc:
        report.bad("auth", f"{channel}: {exc}")
        return
    report.ok("auth", f"{channel} authorized by {source} and subscribed")


async def _ask_endpoint(
    account: AccountSettings,
    secret: str,
    socket_id: str,
    channel: str,
    context: ssl.SSLContext | None,
) -> tuple[str, str | None]:
    auth = account.auth
    assert auth is not None and auth.endpoint is not None
    headers = {name: value.replace("{secret}", secret) for name, value in auth.headers.items()}
    verify: ssl.SSLContext | bool = context if context is not None else True
    try:
        async with httpx.AsyncClient(verify=verify) as client:
            response = await client.post(
                auth.endpoint,
                data={"socket_id": socket_id, "channel_name": channel},
                headers=headers,
            )
    except httpx.HTTPError as exc:
        raise _Refused(
            f"the auth endpoint {auth.endpoint} is unreachable: {_describe(exc)}"
        ) from None
    if response.status_code in (401, 403):
        raise _Refused(
            f"the auth endpoint answered {response.status_code}: this account needs login. "
            f"Fix: beacon login {account.name} (a fresh secret)"
        )
    if response.status_code != 200:
        raise _Refused(f"the auth endpoint answered HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise _Refused("the auth endpoint did not answer with JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("auth"), str):
        raise _Refused('the auth endpoint answered without an "auth" field')
    channel_data = body.get("channel_data")
    return body["auth"], channel_data if isinstance(channel_data, str) else None


async def _subscribe(
    websocket: ClientConnection, channel: str, signature: str, channel_data: str | None
) -> None:
    data: dict[str, str] = {"channel": channel, "auth": signature}
    if channel_data is not None:
        data["channel_data"] = channel_data
    await websocket.send(json.dumps({"event": "pusher:subscribe", "data": data}))
    while True:
        event, payload, frame_channel = await _next_frame(websocket)
        if event == "pusher_internal:subscription_succeeded" and frame_channel == channel:
            return
        if event == "pusher:subscription_error" and frame_channel in (channel, None):
            raise _Refused(f"the server refused the subscription: {_error_text(payload)}")
        if event == "pusher:error":
            raise _Refused(f"the server refused the subscription: {_error_text(payload)}")
        if event == "pusher:ping":
            await websocket.send(json.dumps({"event": "pusher:pong", "data": {}}))
