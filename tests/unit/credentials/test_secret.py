"""Secret never shows its value: repr, str, format, logging, containers, pickling."""

from __future__ import annotations

import base64
import copy
import logging
import pickle
from dataclasses import dataclass

import pytest

from beacon.credentials import CredentialsError, Secret, encryption_key_bytes, parse_encryption_key

VALUE = "hunter2-very-secret"


def test_repr_str_and_format_hide_the_value() -> None:
    secret = Secret(VALUE)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret!s}",
        f"{secret:>30}",
        "%s %r" % (secret, secret),  # noqa: UP031 - the old style is what logging uses
        "{}".format(secret),  # noqa: UP032
        repr([secret, {"k": secret}]),
    ]
    for text in shown:
        assert VALUE not in text
        assert "***" in text


def test_reveal_gives_the_value() -> None:
    assert Secret(VALUE).reveal() == VALUE


def test_logging_never_shows_it(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(VALUE)
    with caplog.at_level(logging.DEBUG, logger="beacon.test"):
        logging.getLogger("beacon.test").info("secret %s and %r", secret, secret)
    assert caplog.records
    assert VALUE not in caplog.text
    assert "secret *** and ***" in caplog.text


def test_dataclass_repr_and_exceptions_hide_it() -> None:
    @dataclass
    class Holder:
        secret: Secret

    assert VALUE not in repr(Holder(Secret(VALUE)))
    assert VALUE not in str(ValueError(Secret(VALUE)))


def test_pickling_is_refused() -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="never pickled"):
            pickle.dumps(Secret(VALUE), protocol=protocol)


def test_copies_are_the_same_immutable_value() -> None:
    secret = Secret(VALUE)
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"s": secret})["s"] is secret
    with pytest.raises(AttributeError):
        secret._value = "other"  # type: ignore[misc]
    assert not hasattr(secret, "__dict__")


def test_equality_by_value() -> None:
    assert Secret(VALUE) == Secret(VALUE)
    assert Secret(VALUE) != Secret("other")
    assert Secret(VALUE) != VALUE
    assert len({Secret(VALUE), Secret(VALUE)}) == 1
    assert not Secret("")


def test_encryption_key_must_be_base64_of_32_bytes() -> None:
    raw = bytes(range(32))
    text = base64.b64encode(raw).decode()
    key = parse_encryption_key(text + "\n")
    assert key.reveal() == text
    assert encryption_key_bytes(key) == raw
    for bad, reason in [
        (base64.b64encode(bytes(31)).decode(), "31 bytes"),
        ("not base64 at all!", "not valid base64"),
    ]:
        with pytest.raises(CredentialsError, match=reason) as info:
            parse_encryption_key(bad)
        assert bad not in str(info.value)
