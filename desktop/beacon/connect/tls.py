"""TLS settings and human words for connection errors."""

from __future__ import annotations

import ssl
from pathlib import Path

import websockets.exceptions as wse

from beacon.connect.errors import CaFileError

__all__ = ["CaFileError", "describe_error", "ssl_context"]


def ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The system trust store, plus the account's own CA file when it has one.

    Raises ``CaFileError``, with words and a fix, when the CA file cannot be used.
    """
    context = ssl.create_default_context()
    if ca_file is None:
        return context
    fix = "point ca_file at the PEM file of the CA that signed the server's certificate"
    if ca_file.is_dir():
        raise CaFileError(f"ca_file {ca_file} is a directory, not a file; {fix}", ca_file)
    try:
        context.load_verify_locations(cafile=str(ca_file))
    except FileNotFoundError:
        raise CaFileError(f"ca_file {ca_file} does not exist; {fix}", ca_file) from None
    except ssl.SSLError:
        raise CaFileError(
            f"ca_file {ca_file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); {fix}",
            ca_file,
        ) from None
    except OSError as exc:
        words = exc.strerror or str(exc)
        raise CaFileError(f"cannot read ca_file {ca_file}: {words}; {fix}", ca_file) from None
    return context


def describe_error(exc: BaseException) -> str:
    """What went wrong with a connection attempt, in words for the status line."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        # socket.gaierror and friends: "Name or service not known", "Network is unreachable"
        return exc.strerror[0].lower() + exc.strerror[1:]
    if isinstance(exc, wse.InvalidStatus):
        return f"server answered HTTP {exc.response.status_code} instead of a WebSocket"
    if isinstance(exc, wse.InvalidURI):
        return f"bad server address: {exc}"
    if isinstance(exc, wse.InvalidHandshake):
        return f"WebSocket handshake failed: {exc}"
    if isinstance(exc, wse.ConnectionClosed):
        return "connection lost"
    return str(exc) or type(exc).__name__
