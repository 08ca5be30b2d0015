"""Each account's ``ca_file`` loaded before any command connects, so a bad one is a config
error (exit 2, a message with the fix) rather than a traceback from deep in ``connect/``.

The file is loaded by the very function the engine uses (``connect.tls.ssl_context``), so
what passes here is what the engine will accept.
"""

from __future__ import annotations

import ssl

from beacon.config import Config, ConfigError
from beacon.connect.tls import ssl_context

__all__ = ["ca_file_problems"]

_FIX = (
    "point ca_file at a PEM file of CA certificates (text with -----BEGIN CERTIFICATE----- "
    "blocks), or remove it to trust only the system's CAs"
)


def _why(exc: OSError) -> str:
    # ssl.SSLError is an OSError too; test it first, its errno means nothing to a person.
    if isinstance(exc, ssl.SSLError):
        if exc.reason == "NO_CERTIFICATE_OR_CRL_FOUND":
            return "is not a PEM file of certificates: it holds no certificate"
        return f"is not a valid PEM file of certificates ({exc.reason or exc})"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(exc, FileNotFoundError):
        return "does not exist"
    if isinstance(exc, PermissionError):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"


def ca_file_problems(config: Config) -> ConfigError | None:
    """A ``ConfigError`` listing every account whose ``ca_file`` cannot be loaded, or None."""
    problems: list[ConfigError] = []
    for account in config.accounts:
        if account.ca_file is None:
            continue
        try:
            ssl_context(account.ca_file)
        except OSError as exc:
            message = f'account "{account.name}": ca_file {account.ca_file} {_why(exc)}'
            problems.append(ConfigError(config.path, None, message, _FIX))
    if not problems:
        return None
    first = problems[0]
    return ConfigError(first.path, first.line, first.message, first.fix, problems)
