"""Pusher signatures: channel auth, user sign-in, encrypted-channel keys, HTTP API signing.

All of these are HMAC-SHA256 or SHA-256 over strings that the protocol defines. They are
pure functions, shared by the client (auth mode ``sign``) and the embedded demo server
(which checks what clients send and what the ``pusher`` library posts).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any


def _hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def channel_signature(
    secret: str, socket_id: str, channel: str, channel_data: str | None = None
) -> str:
    """The hex HMAC over ``socket_id:channel`` or ``socket_id:channel:channel_data``."""
    message = f"{socket_id}:{channel}"
    if channel_data is not None:
        message += f":{channel_data}"
    return _hmac_hex(secret, message)


def channel_auth(
    key: str, secret: str, socket_id: str, channel: str, channel_data: str | None = None
) -> str:
    """The ``auth`` field of a ``pusher:subscribe``: ``key:signature``."""
    return f"{key}:{channel_signature(secret, socket_id, channel, channel_data)}"


def presence_channel_data(user: Mapping[str, Any]) -> str:
    """The ``channel_data`` a presence member signs and subscribes with, as compact JSON.

    ``user`` is the config's ``auth.user``: ``{"id": ..., "info": {...}}`` (info optional).
    The protocol wants ``user_id`` as a string.
    """
    return json.dumps(
        {"user_id": str(user["id"]), "user_info": user.get("info", {})}, separators=(",", ":")
    )


def user_auth(key: str, secret: str, socket_id: str, user_data: str) -> str:
    """The ``auth`` field of a ``pusher:signin``, signed over ``socket_id::user::user_data``."""
    return f"{key}:{_hmac_hex(secret, f'{socket_id}::user::{user_data}')}"


def verify_auth(key: str, secret: str, auth: str, message_signature: str) -> bool:
    """Check an ``auth`` field against the signature the server computed, in constant time."""
    expected = f"{key}:{message_signature}"
    return hmac.compare_digest(expected.encode(), auth.encode())


def shared_secret(channel: str, master_key: bytes) -> bytes:
    """The secretbox key of a ``private-encrypted-`` channel, derived as Pusher's servers do."""
    return hashlib.sha256(channel.encode() + master_key).digest()


def body_md5(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def request_signature(secret: str, method: str, path: str, params: Mapping[str, str]) -> str:
    """Pusher's HTTP API signature: HMAC over method, path and the sorted query string.

    ``params`` are the query parameters without ``auth_signature``; keys are lower-cased
    and sorted, values are joined unescaped, as the published protocol specifies.
    """
    query = "&".join(
        f"{k.lower()}={v}" for k, v in sorted(params.items()) if k.lower() != "auth_signature"
    )
    return _hmac_hex(secret, f"{method.upper()}\n{path}\n{query}")
