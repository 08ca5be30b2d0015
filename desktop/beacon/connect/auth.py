"""Authorizing private, presence and encrypted channels, and user sign-in.

Two modes, per account (DESIGN.md "Auth"):

- ``endpoint``: POST ``socket_id`` and ``channel_name`` (form-encoded) to the account's
  auth endpoint, as pusher-js's channelAuthorization does, with header templates in which
  ``{secret}`` becomes the keyring secret. 401 and 403 mean the credentials are refused:
  the account needs a new login, and nothing retries in a loop. Sign-in posts only
  ``socket_id`` to the matching user endpoint (``.../auth`` -> ``.../user-auth``, the pair
  pusher-js and Laravel use; any other endpoint is used as it is) and expects
  ``{"auth", "user_data"}``.
- ``sign``: sign locally with the app secret from the keyring. Encrypted channels derive
  their key from the encryption master key (also in the keyring), as Pusher's servers do.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from beacon.config.model import AccountSettings
from beacon.config.transport import all_loopback
from beacon.connect import threads
from beacon.connect.errors import ConnectError
from beacon.connect.httperror import NOT_SENDABLE, http_error_words, sendable
from beacon.connect.secrets import RevealableSecret, SecretSource
from beacon.pusher import auth as signatures
from beacon.pusher.channels import ChannelKind, channel_kind
from beacon.pusher.policy import auth_needs_login

__all__ = [
    "AUTH_TIMEOUT",
    "MAX_AUTH_ANSWER",
    "AuthError",
    "Authorizer",
    "ChannelAuth",
    "SigninAuth",
    "loopback_url",
    "user_auth_endpoint",
]

log = logging.getLogger("beacon.connect")

#: An auth request (connecting, sending, and reading the whole answer) must end within
#: this, however slowly the endpoint drips its bytes.
AUTH_TIMEOUT = 10.0
#: The most Beacon reads of an auth answer. A real one is a few hundred bytes; anything
#: this large is an error of the endpoint, never held in memory whole.
MAX_AUTH_ANSWER = 64 * 1024


@dataclass(frozen=True, slots=True)
class ChannelAuth:
    auth: str
    channel_data: str | None = None
    shared_secret: bytes | None = None


@dataclass(frozen=True, slots=True)
class SigninAuth:
    auth: str
    user_data: str


def user_auth_endpoint(endpoint: str) -> str:
    """The sign-in endpoint that goes with a channel auth endpoint."""
    base, _, last = endpoint.rpartition("/")
    return f"{base}/user-auth" if last == "auth" else endpoint


class AuthError(ConnectError):
    """Authorization did not work; ``needs_login`` when only new credentials can fix it."""

    def __init__(self, reason: str, *, needs_login: bool = False, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.needs_login = needs_login
        self.status = status


async def in_daemon_thread(
    getter: Callable[[str], RevealableSecret | None], name: str
) -> RevealableSecret | None:
    """``getter(name)`` (a keyring read) where it cannot hold up the exit (``threads``)."""
    return await threads.in_daemon_thread(lambda: getter(name), name="beacon-keyring")


async def loopback_url(url: str, *, what: str = "endpoint") -> tuple[str, str]:
    """``url`` with its host replaced by the loopback address it resolves to, and the
    ``Host`` header that keeps the request as it was; ``AuthError`` when any address it
    resolves to is not loopback. The request then goes to the address that was checked:
    a second lookup by the HTTP client could answer otherwise."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or 80

    def lookup() -> list[str]:
        found: list[str] = []
        for *_, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            if str(address[0]) not in found:
                found.append(str(address[0]))
        return found

    try:
        addresses = await threads.in_daemon_thread(lookup, name="beacon-resolve")
    except OSError as exc:
        raise AuthError(f"cannot reach the auth endpoint {url}: {exc}") from None
    if not all_loopback(addresses):
        raise AuthError(
            f"refused to send the keyring secret over plain http:// to {host}: it resolves "
            f"to {', '.join(addresses)}, not only to this machine (loopback). Fix: use an "
            f"https:// {what}, or, if you accept that anyone on the network path can read "
            "it, add allow_insecure = true to the account"
        )
    address = addresses[0]
    shown = f"[{address}]" if ":" in address else address
    netloc = f"{shown}:{port}"
    return urlunsplit(parts._replace(netloc=netloc)), parts.netloc.rpartition("@")[2]


class Authorizer:
    """Authorizes one account's channels. Secrets are read once, off the event loop."""

    def __init__(
        self,
        account: AccountSettings,
        secrets: SecretSource,
        http: Callable[[], httpx.AsyncClient],
        *,
        timeout: float = AUTH_TIMEOUT,
    ) -> None:
        self._account = account
        self._timeout = timeout
        self._secrets = secrets
        self._http = http
        self._secret: RevealableSecret | None = None
        self._master_key: bytes | None = None

    def forget(self) -> None:
        """Drop cached secrets, so that the next attempt reads the keyring again."""
        self._secret = None
        self._master_key = None

    async def channel(self, socket_id: str, channel: str) -> ChannelAuth:
        settings = self._account.auth
        if settings is None:
            raise AuthError(
                f"{channel} needs authorization, but the account has no [account.auth] table"
            )
        if settings.mode == "sign":
            return await self._sign_channel(socket_id, channel)
        answer = await self._post({"socket_id": socket_id, "channel_name": channel})
        auth = answer.get("auth")
        if type(auth) is not str or not auth:
            raise AuthError("the auth endpoint's answer has no auth signature")
        channel_data = answer.get("channel_data")
        if channel_data is not None and type(channel_data) is not str:
            channel_data = json.dumps(channel_data)
        shared: bytes | None = None
        raw_secret = answer.get("shared_secret")
        if raw_secret is not None:
            try:
                shared = base64.b64decode(str(raw_secret), validate=True)
            except (binascii.Error, ValueError):
                raise AuthError("the auth endpoint's shared_secret is not base64") from None
        return ChannelAuth(auth, channel_data, shared)

    async def signin(self, socket_id: str) -> SigninAuth:
        settings = self._account.auth
        if settings is None:
            raise AuthError("sign-in needs an [account.auth] table")
        if settings.mode == "sign":
            user = self._user()
            user_data = json.dumps(
                {"id": str(user["id"]), **({"user_info": user["info"]} if "info" in user else {})},
                separators=(",", ":"),
            )
            secret = await self._get_secret()
            auth = signatures.user_auth(self._account.key, secret, socket_id, user_data)
            return SigninAuth(auth, user_data)
        answer = await self._post({"socket_id": socket_id}, user=True)
        signed = answer.get("auth")
        data = answer.get("user_data")
        if type(signed) is not str or type(data) is not str:
            raise AuthError("the sign-in answer lacks auth or user_data")
        return SigninAuth(signed, data)

    async def render_headers(self, templates: Mapping[str, str]) -> dict[str, str]:
        """Header templates from the config with ``{secret}`` filled in from the keyring.

        Only the config's own templates are rendered: nothing received (event data, an
        endpoint's answer) ever becomes a template, so it cannot ask for the secret.
        """
        headers = dict(templates)
        if any("{secret}" in value for value in headers.values()):
            secret = await self._get_secret()
            # str.replace, not format(): other braces in header values stay as they are.
            rendered = {k: v.replace("{secret}", secret) for k, v in headers.items()}
            # A secret with a space at an end or a non-ASCII letter cannot be sent; httpx
            # would say so quoting the value (or fail outside its own errors).
            if any(not sendable(rendered[k]) for k, v in headers.items() if "{secret}" in v):
                raise AuthError(NOT_SENDABLE, needs_login=True)
            headers = rendered
        return headers

    # -- mode "sign" -----------------------------------------------------------------

    async def _sign_channel(self, socket_id: str, channel: str) -> ChannelAuth:
        secret = await self._get_secret()
        key = self._account.key
        kind = channel_kind(channel)
        if kind is ChannelKind.PRESENCE:
            channel_data = signatures.presence_channel_data(self._user())
            return ChannelAuth(
                signatures.channel_auth(key, secret, socket_id, channel, channel_data),
                channel_data,
            )
        auth = signatures.channel_auth(key, secret, socket_id, channel)
        if kind is ChannelKind.ENCRYPTED:
            master = await self._get_master_key()
            return ChannelAuth(auth, None, signatures.shared_secret(channel, master))
        return ChannelAuth(auth)

    def _user(self) -> dict[str, Any]:
        settings = self._account.auth
        user = settings.user if settings is not None else None
        if not user or "id" not in user:
            raise AuthError(
                "presence channels and sign-in need auth.user = { id = ... } in mode sign"
            )
        return user

    async def _get_secret(self) -> str:
        if self._secret is None:
            self._secret = await self._read(self._secrets.get_secret)
            if self._secret is None:
                name = self._account.name
                raise AuthError(
                    f"no secret for account {name!r} in the keyring; run: beacon login {name}",
                    needs_login=True,
                )
        return self._secret.reveal()

    async def _get_master_key(self) -> bytes:
        if self._master_key is None:
            stored = await self._read(self._secrets.get_encryption_key)
            name = self._account.name
            if stored is None:
                raise AuthError(
                    f"no encryption master key for account {name!r} in the keyring; "
                    f"run: beacon login {name} --encryption-key",
                    needs_login=True,
                )
            try:
                master = base64.b64decode(stored.reveal(), validate=True)
            except (binascii.Error, ValueError):
                master = b""
            if len(master) != 32:
                raise AuthError(
                    f"the encryption master key of {name!r} is not 32 bytes of base64",
                    needs_login=True,
                )
            self._master_key = master
        return self._master_key

    async def _read(
        self, getter: Callable[[str], RevealableSecret | None]
    ) -> RevealableSecret | None:
        try:
            return await in_daemon_thread(getter, self._account.name)
        except Exception as exc:  # credentials.CredentialsError and keyring's own errors
            raise AuthError(f"cannot read the keyring: {exc}", needs_login=True) from None

    # -- mode "endpoint" -------------------------------------------------------------

    async def _post(self, form: dict[str, str], *, user: bool = False) -> dict[str, Any]:
        settings = self._account.auth
        assert settings is not None
        if not settings.endpoint:
            raise AuthError("auth mode endpoint needs an endpoint URL")
        endpoint = user_auth_endpoint(settings.endpoint) if user else settings.endpoint
        headers = await self.render_headers(settings.headers)
        target = endpoint
        if (
            settings.needs_secret
            and not self._account.allow_insecure
            and urlsplit(endpoint).scheme.lower() == "http"
        ):
            # The loader let plain http carry the secret only to localhost or a loopback
            # literal; what the name resolves to is known only now (config/transport.py).
            target, host = await loopback_url(endpoint)
            headers["Host"] = host
        try:
            client = self._http()
        except ConnectError as exc:  # a CA file that cannot be used
            raise AuthError(str(exc)) from None
        try:
            async with asyncio.timeout(self._timeout):
                status, body = await self._request(client, target, form, headers)
        except TimeoutError:
            raise AuthError(
                f"the auth endpoint {endpoint} did not answer within {self._timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            words = http_error_words(exc)  # never a header: it may hold the secret
            raise AuthError(f"cannot reach the auth endpoint {endpoint}: {words}") from None
        if auth_needs_login(status):
            raise AuthError(f"auth endpoint answered {status}", needs_login=True, status=status)
        if status >= 300:
            raise AuthError(f"auth endpoint answered {status}", status=status)
        if body is None:
            raise AuthError(
                f"the auth endpoint's answer is larger than {MAX_AUTH_ANSWER // 1024} KiB",
                status=status,
            )
        try:
            answer = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested past any sane depth
            raise AuthError("the auth endpoint's answer is not JSON", status=status) from None
        if type(answer) is not dict:
            raise AuthError("the auth endpoint's answer is not a JSON object", status=status)
        return answer

    @staticmethod
    async def _request(
        client: httpx.AsyncClient, endpoint: str, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, bytes | None]:
        """POST, then read at most ``MAX_AUTH_ANSWER`` bytes of the answer as they come
        (``None`` when there is more)."""
        async with client.stream("POST", endpoint, data=form, headers=headers) as response:
            if auth_needs_login(response.status_code) or response.status_code >= 300:
                return response.status_code, b""
            size = 0
            chunks: list[bytes] = []
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_AUTH_ANSWER:
                    return response.status_code, None
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)
