"""End-to-end encrypted channels: NaCl secretbox with the channel's shared secret.

The server never sees plaintext; it relays ``{"ciphertext": b64, "nonce": b64}``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import nacl.exceptions
import nacl.secret
import nacl.utils

from beacon.pusher.errors import PusherError

__all__ = ["DecryptError", "PayloadError", "decrypt", "encrypt"]


class PayloadError(PusherError):
    """The encrypted event is not ``{"ciphertext", "nonce"}`` in base64: drop it."""


class DecryptError(PusherError):
    """The payload is well formed but this key does not open it: maybe a newer key."""


def decrypt(shared_secret: bytes, payload: Any) -> str:
    """Open an encrypted event's data; returns the plaintext (usually JSON text)."""
    if type(payload) is not dict:
        raise PayloadError("encrypted event data is not an object")
    ciphertext = payload.get("ciphertext")
    nonce = payload.get("nonce")
    if type(ciphertext) is not str or type(nonce) is not str:
        raise PayloadError("encrypted event data lacks ciphertext or nonce")
    try:
        raw_cipher = base64.b64decode(ciphertext, validate=True)
        raw_nonce = base64.b64decode(nonce, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(f"encrypted event data is not base64: {exc}") from None
    if len(raw_nonce) != nacl.secret.SecretBox.NONCE_SIZE:
        raise PayloadError("encrypted event nonce has the wrong length")
    try:
        plain = nacl.secret.SecretBox(shared_secret).decrypt(raw_cipher, raw_nonce)
    except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError, TypeError) as exc:
        raise DecryptError(f"cannot decrypt: {exc}") from None
    try:
        return bytes(plain).decode()
    except UnicodeDecodeError:
        raise PayloadError("decrypted event data is not UTF-8 text") from None


def encrypt(shared_secret: bytes, plaintext: str, nonce: bytes | None = None) -> str:
    """The data text a server sends for ``plaintext`` (for servers and tests)."""
    if nonce is None:
        nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    box = nacl.secret.SecretBox(shared_secret)
    sealed = box.encrypt(plaintext.encode(), nonce)
    return json.dumps(
        {
            "ciphertext": base64.b64encode(sealed.ciphertext).decode(),
            "nonce": base64.b64encode(nonce).decode(),
        }
    )
