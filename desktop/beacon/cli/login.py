"""``beacon login A [--stdin] [--encryption-key]`` and ``beacon logout A``.

``login`` stores account A's secret (or, with ``--encryption-key``, its encryption master
key) in the OS keyring; ``logout`` removes both. The secret is read without echo from the
terminal, or as exactly one line from standard input with ``--stdin``, so it never appears
on a command line, in the config file or in any output.

Exit status: 0 done; 1 bad input (empty secret, a space or tab at either end of the secret,
malformed encryption key); 2 config error (including an unknown account); 3 no usable
keyring, or the keyring failed.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import warnings

from beacon.config import AuthSettings, Config, ConfigError, load_config
from beacon.credentials import (
    CredentialsError,
    Keyring,
    NoKeyringError,
    Secret,
    parse_encryption_key,
)
from beacon.logs import setup_logging

log = logging.getLogger("beacon.cli")

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_CONFIG = 2
EXIT_KEYRING = 3


def _say(text: str) -> None:
    print(f"beacon {text}", file=sys.stderr)


def _unknown_account(config: Config, name: str) -> ConfigError:
    known = ", ".join(f'"{a.name}"' for a in config.accounts)
    fix = f"use one of {known}" if known else f'add an [[account]] with name = "{name}" first'
    if config.path is not None and not config.path.exists():
        fix = f'create the config file with an [[account]] named "{name}"'
    return ConfigError(config.path, None, f'no [[account]] is named "{name}"', fix)


class _NoTerminal(Exception):
    """There is no terminal to read the secret from without echoing it."""


def _read_secret(args: argparse.Namespace) -> str:
    what = "encryption master key (base64)" if args.encryption_key else "secret"
    if args.stdin:
        # Exactly one line: a script may pipe more after it, and that is not ours.
        return sys.stdin.readline().rstrip("\r\n")
    with warnings.catch_warnings():
        # Without a terminal, getpass warns and then reads with echo; a secret must not
        # be echoed, so its warning stops the read before anything is shown.
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return getpass.getpass(f"{what} for account {args.account}: ")
        except getpass.GetPassWarning:
            raise _NoTerminal from None


def run(args: argparse.Namespace) -> int:
    """Store (``login``) or remove (``logout``) account ``args.account``'s secrets."""
    setup_logging(getattr(args, "verbose", 0))
    command = args.command
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        _say(f"{command}: {exc.report()}")
        return EXIT_CONFIG
    account = config.account(args.account)
    if account is None and command == "login":
        _say(f"{command}: {_unknown_account(config, args.account)}")
        return EXIT_CONFIG
    try:
        keyring = Keyring()
    except NoKeyringError as exc:
        _say(f"{command}: {exc}")
        return EXIT_KEYRING
    try:
        if command == "logout":
            return _logout(keyring, config, args.account, known=account is not None)
        assert account is not None
        return _login(keyring, args, needs=_what_it_needs(account.auth))
    except CredentialsError as exc:
        _say(f"{command}: {exc}")
        return EXIT_KEYRING


def _what_it_needs(auth: AuthSettings | None) -> tuple[bool, bool]:
    """(uses a secret, uses an encryption key), for a note when login stores an unused one."""
    if auth is None:
        return False, False
    return auth.needs_secret, auth.mode == "sign"


def _login(keyring: Keyring, args: argparse.Namespace, *, needs: tuple[bool, bool]) -> int:
    name = args.account
    try:
        text = _read_secret(args)
    except (EOFError, KeyboardInterrupt):
        _say("login: cancelled; nothing stored")
        return EXIT_INPUT
    except _NoTerminal:
        option = " --encryption-key" if args.encryption_key else ""
        _say(
            "login: there is no terminal to type the secret in without it showing; nothing "
            f"stored. Fix: run this in a terminal, or pipe the secret in: "
            f"printf '%s\\n' \"$SECRET\" | beacon login {name}{option} --stdin"
        )
        return EXIT_INPUT
    if not text.strip():
        # Only spaces is no secret either: "Bearer    " would fail at the server, later.
        _say("login: the input was empty; nothing stored")
        return EXIT_INPUT
    if not args.encryption_key and text != text.strip(" \t"):
        # Almost surely a paste error, and no header can carry it (connect/httperror.py):
        # refused now, not at the first request. The words never quote the secret.
        _say(
            "login: the secret begins or ends with a space or tab: paste it again without "
            "it; nothing stored"
        )
        return EXIT_INPUT
    if args.encryption_key:
        try:
            key = parse_encryption_key(text)
        except CredentialsError as exc:
            _say(f"login: {exc}; nothing stored")
            return EXIT_INPUT
        keyring.set_encryption_key(name, key)
        if not needs[1]:
            _say(
                f'login: note: account "{name}" does not use auth mode "sign", so it does not '
                "use this key yet"
            )
        print(
            f'Stored the encryption key of account "{name}" in the OS keyring '
            f"({keyring.description})."
        )
        return EXIT_OK
    keyring.set_secret(name, Secret(text))
    if not needs[0]:
        _say(
            f'login: note: account "{name}" does not use its secret yet (auth mode "sign", '
            'or an endpoint header with "{secret}", does)'
        )
    print(f'Stored the secret of account "{name}" in the OS keyring ({keyring.description}).')
    return EXIT_OK


def _logout(keyring: Keyring, config: Config, name: str, *, known: bool) -> int:
    removed = [
        what
        for what, done in (
            ("secret", keyring.delete_secret(name)),
            ("encryption key", keyring.delete_encryption_key(name)),
        )
        if done
    ]
    if removed:
        print(f'Removed the {" and ".join(removed)} of account "{name}".')
        return EXIT_OK
    if not known:
        # Nothing stored and no such account: most likely a typo in the name.
        _say(f"logout: {_unknown_account(config, name)}")
        return EXIT_CONFIG
    print(f'Nothing was stored for account "{name}".')
    return EXIT_OK
