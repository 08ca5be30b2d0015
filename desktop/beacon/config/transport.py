"""When credentials would travel unencrypted, and whether the user has accepted that.

Credentials here are everything a channel or sign-in authorization puts on the socket:
the auth signature (``key:HMAC``), a presence channel's ``channel_data`` and sign-in
``user_data``, and whatever the app then sends and receives on private channels. Over
plain ``ws://`` all of it is readable, and replayable, by anyone on the path, so it is
sent only to this machine, unless the account says ``allow_insecure = true``.

"This machine" (loopback) is decided in two steps, because the config loader must never
touch the network (a fuzz test audits it for socket calls) while a name only means an
address once it is resolved:

- when the config loads (:func:`loopback_literal`): a loopback IP literal (127.0.0.0/8,
  ``::1``, ``::ffff:127.x.y.z``) or the name ``localhost`` (``localhost.`` is the same
  name, fully qualified). Any other name, ``localhost.evil.test`` included, is not
  loopback, whatever it resolves to today; the file is refused with a line and a fix.
- when the engine connects (:func:`all_loopback`): an account that passed only because
  its host is ``localhost`` (or that gained a private channel from ``listen --channel``)
  may still resolve elsewhere (a hosts file that maps localhost to a public address).
  Every address the name resolves to must be loopback, checked on the very addresses the
  socket then uses (a second lookup could answer differently), before a single byte is
  sent; otherwise the account fails with the reason and the fix. The auth endpoint and
  the catch-up url, when plain http carries the keyring secret, are held to the same
  rule (``connect.auth.loopback_url``): the request goes to the checked address.

Pure functions over the settings; no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from beacon.config.model import AccountSettings

__all__ = [
    "INSECURE_FIX",
    "all_loopback",
    "credential_uses",
    "credentials_in_clear",
    "loopback_address",
    "loopback_literal",
    "plain_ws_guarded",
]

#: What to write in the file, quoted by the loader, ``check`` and the engine.
INSECURE_FIX = (
    "set tls = true (wss://) and use the server's TLS port, or, if you accept that anyone on "
    "the network path can read and reuse them, add allow_insecure = true to the account"
)

_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_NEEDS_AUTH = ("private-", "presence-")  # private-encrypted- included


def loopback_address(address: str) -> bool:
    """Whether ``address``, an IP literal, is a loopback address; False for a name.

    IPv4-mapped IPv6 (``::ffff:127.0.0.1``) counts as its IPv4 address: Python 3.11's
    ``is_loopback`` says False for it, though the kernel delivers it to 127.0.0.1. A zone
    (``::1%lo``) and brackets (``[::1]``) are accepted.
    """
    text = address.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def loopback_literal(host: str) -> bool:
    """Whether the config's ``host`` is loopback without asking a resolver: a loopback IP
    literal or the name ``localhost`` (see the module's docstring for why nothing more)."""
    return host.strip().lower() in _LOOPBACK_NAMES or loopback_address(host)


def all_loopback(addresses: Iterable[str]) -> bool:
    """Whether every resolved address is loopback (and there is at least one)."""
    found = list(addresses)
    return bool(found) and all(loopback_address(a) for a in found)


def credential_uses(account: AccountSettings, channels: Sequence[str] | None = None) -> list[str]:
    """What of ``account`` puts credentials on its socket, in words, in config order.

    ``channels`` replaces the account's own (``beacon listen --channel``).
    """
    uses = [
        f'channel "{c}"'
        for c in (account.channels if channels is None else channels)
        if c.startswith(_NEEDS_AUTH)
    ]
    if account.signin:
        uses.append("signin = true")
    if account.item_presence is not None:
        uses.append("item_presence")
    return uses


def plain_ws_guarded(account: AccountSettings, channels: Sequence[str] | None = None) -> bool:
    """Whether the engine must check, after resolving the host, that it is loopback
    before it opens ``account``'s socket: plain ws://, credentials on it, not allowed."""
    return (
        account.host is not None
        and not account.tls
        and not account.allow_insecure
        and bool(credential_uses(account, channels))
    )


def credentials_in_clear(account: AccountSettings) -> list[str]:
    """What ``account`` sends unencrypted to another machine because it allows it
    (``allow_insecure = true``); empty when nothing is. The window, the tray and
    ``check`` warn about each one."""
    if not account.allow_insecure:
        return []
    found: list[str] = []
    host = account.host
    if host is not None and not account.tls and not loopback_literal(host):
        uses = credential_uses(account)
        if uses:
            found.append(f"over plain ws:// to {host}: {', '.join(uses)}")
    auth = account.auth
    if auth is not None and auth.endpoint is not None and auth.needs_secret:
        if _plain_http_elsewhere(auth.endpoint):
            found.append(f"the keyring secret over plain http:// to {auth.endpoint}")
    catchup = account.catchup
    if catchup is not None and catchup.needs_secret and _plain_http_elsewhere(catchup.url):
        found.append(f"the keyring secret over plain http:// to {catchup.url}")
    return found


def _plain_http_elsewhere(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and not loopback_literal(parts.hostname or "")
