"""The demo app's own auth endpoints, so that the demo client needs no secret.

- ``POST /pusher/auth``: channel authorization (form ``socket_id`` and ``channel_name``),
  as pusher-js's channelAuthorization calls it. A presence user comes from the form field
  ``user_id`` or an ``Authorization: Bearer <user>`` header, else ``agent-7``. For
  ``private-encrypted-`` channels the answer carries the ``shared_secret``.
- ``POST /pusher/user-auth``: the same for ``pusher:signin``.

Signatures are :mod:`beacon.pusher.auth`'s, the functions the client signs with.
"""

from __future__ import annotations

import base64
import re
from http import HTTPStatus
from typing import Any

from beacon.demo.channels import is_presence, is_private
from beacon.demo.http import HttpError, HttpRequest
from beacon.demo.session import dumps
from beacon.pusher import auth

DEFAULT_USER = {"user_id": "agent-7", "user_info": {"name": "Priya Shah", "team": "Support"}}

_SOCKET_ID = re.compile(r"^\d+\.\d+$")


class AuthEndpoints:
    """Signs channel subscriptions and sign-ins for one app.

    Fault hook for tests: ``status``, when set, is the HTTP status every request gets.
    """

    def __init__(self, key: str, secret: str, encryption_master_key: bytes | None) -> None:
        self.key = key
        self.secret = secret
        self.encryption_master_key = encryption_master_key
        self.status: int | None = None
        self.requests = 0

    def channel_auth(self, request: HttpRequest) -> tuple[int, Any]:
        fields = self._fields(request, "socket_id", "channel_name")
        socket_id, channel = fields["socket_id"], fields["channel_name"]
        if not is_private(channel):
            raise HttpError(HTTPStatus.FORBIDDEN, f"{channel} is not a private channel")
        if channel.startswith("private-encrypted-"):
            if self.encryption_master_key is None:
                raise HttpError(HTTPStatus.FORBIDDEN, "this server has no encryption master key")
            signature = auth.channel_auth(self.key, self.secret, socket_id, channel)
            secret = auth.shared_secret(channel, self.encryption_master_key)
            return 200, {"auth": signature, "shared_secret": base64.b64encode(secret).decode()}
        if is_presence(channel):
            channel_data = dumps(self._demo_user(request, fields))
            signature = auth.channel_auth(self.key, self.secret, socket_id, channel, channel_data)
            return 200, {"auth": signature, "channel_data": channel_data}
        return 200, {"auth": auth.channel_auth(self.key, self.secret, socket_id, channel)}

    def user_auth(self, request: HttpRequest) -> tuple[int, Any]:
        fields = self._fields(request, "socket_id")
        user = self._demo_user(request, fields)
        user_data = dumps({"id": user["user_id"], "user_info": user["user_info"]})
        signature = auth.user_auth(self.key, self.secret, fields["socket_id"], user_data)
        return 200, {"auth": signature, "user_data": user_data}

    @staticmethod
    def _demo_user(request: HttpRequest, fields: dict[str, str]) -> dict[str, Any]:
        user_id = fields.get("user_id", "")
        bearer = request.headers.get("authorization", "")
        if not user_id and bearer.lower().startswith("bearer "):
            user_id = bearer[7:].strip()
        if not user_id or user_id == DEFAULT_USER["user_id"]:
            return dict(DEFAULT_USER)
        return {"user_id": user_id, "user_info": {"name": user_id.replace("-", " ").title()}}

    def _fields(self, request: HttpRequest, *names: str) -> dict[str, str]:
        self.requests += 1
        if self.status is not None:
            raise HttpError(self.status, "Forbidden by the test's auth_status hook")
        fields = request.form()
        for name in names:
            if not fields.get(name):
                raise HttpError(HTTPStatus.BAD_REQUEST, f"{name} is missing")
        if not _SOCKET_ID.match(fields["socket_id"]):
            raise HttpError(HTTPStatus.BAD_REQUEST, "socket_id is not like 123.456")
        return fields
