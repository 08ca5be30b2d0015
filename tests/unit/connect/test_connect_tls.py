"""Connection errors in words, and the TLS context."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest

from beacon.connect.tls import describe_error, ssl_context

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (TimeoutError(), "timed out"),
        (socket.gaierror(-2, "Name or service not known"), "name or service not known"),
        (OSError(101, "Network is unreachable"), "network is unreachable"),
    ],
)
def test_errors_in_words(exc: BaseException, words: str) -> None:
    assert describe_error(exc) == words


def test_default_context_verifies_against_the_system_store() -> None:
    context = ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


def test_missing_ca_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        ssl_context(tmp_path / "nope.pem")
