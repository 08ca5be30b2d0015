"""Connection errors in words, and the TLS context."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest

from beacon.connect import CaFileError, ConnectError
from beacon.connect.tls import describe_error, ssl_context


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


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("nope.pem", None, "does not exist"),
        ("dir.pem", "dir", "is a directory, not a file"),
        ("key.der", b"\x30\x82\x01\x0a not PEM at all", "holds no PEM certificate"),
        ("empty.pem", b"", "holds no PEM certificate"),
    ],
)
def test_a_ca_file_that_cannot_be_used_is_a_clean_error(
    tmp_path: Path, name: str, content: bytes | str | None, words: str
) -> None:
    # Issue 8, defect 6: never a raw ssl.SSLError; connect's own error, in words, with a fix.
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(CaFileError) as caught:
        ssl_context(path)
    assert isinstance(caught.value, ConnectError)
    assert str(caught.value).startswith(f"ca_file {path} {words}")
    assert "point ca_file at the PEM file" in str(caught.value)
    assert caught.value.path == path
