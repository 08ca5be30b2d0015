"""Words for a failed HTTP request that never quote what the request carried, and a
check that a header value can be sent at all.

httpx raises ``LocalProtocolError`` when a request cannot even be written, and its message
(h11's) quotes the offending header value: ``Illegal header value b'Bearer <secret> '``.
Header values are where the keyring secret goes (``{secret}``), and a secret stored with a
space or a tab at either end (pasted, or piped in by ``echo "$TOKEN "``) is not a valid
header value; quoted, it would reach the log, the tray, the window, ``beacon check``'s
report and an action's result in the history.
"""

from __future__ import annotations

import re

import httpx

NOT_SENDABLE = (
    "a header value of the request is not valid in HTTP (a header that holds the keyring "
    "secret: does the secret start or end with a space, or hold a line break or a letter "
    "that is not ASCII? Store it again with beacon login)"
)


# RFC 9110 field-value as h11 checks it, in the ASCII that httpx encodes headers in: no
# space or tab at either end, no control character.
_SENDABLE = re.compile(r"(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?")


def sendable(value: str) -> bool:
    """Whether ``value`` can be sent as a header value at all."""
    return _SENDABLE.fullmatch(value) is not None


def http_error_words(exc: httpx.HTTPError) -> str:
    """What went wrong with a request, in words that hold no header value."""
    if isinstance(exc, httpx.LocalProtocolError):
        return NOT_SENDABLE
    return str(exc) or type(exc).__name__
