"""Words for a failed HTTP request that never quote what the request carried.

httpx raises ``LocalProtocolError`` when a request cannot even be written, and its message
(h11's) quotes the offending header value: ``Illegal header value b'Bearer <secret> '``.
Header values are where the keyring secret goes (``{secret}``), and a secret stored with a
space or a tab at either end (pasted, or piped in by ``echo "$TOKEN "``) is not a valid
header value; quoted, it would reach the log, the tray, the window, ``beacon check``'s
report and an action's result in the history.
"""

from __future__ import annotations

import httpx

NOT_SENDABLE = (
    "a header value of the request is not valid in HTTP (a header that holds the keyring "
    "secret: does the secret start or end with a space, or hold a line break? Store it "
    "again with beacon login)"
)


def http_error_words(exc: httpx.HTTPError) -> str:
    """What went wrong with a request, in words that hold no header value."""
    if isinstance(exc, httpx.LocalProtocolError):
        return NOT_SENDABLE
    return str(exc) or type(exc).__name__
