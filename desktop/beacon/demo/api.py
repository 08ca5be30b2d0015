"""The demo server's HTTP endpoints: Pusher's REST API, the auth endpoints and ``/ready``.

- ``POST /apps/{app_id}/events`` and ``POST /apps/{app_id}/batch_events``: the trigger API,
  with Pusher's request signing checked, so the official ``pusher`` library can publish;
- ``GET /apps/{app_id}/channels[/{name}[/users]]``: channel and presence information;
- ``POST /pusher/auth`` and ``POST /pusher/user-auth``: :mod:`beacon.demo.auth`;
- ``GET /pusher/missed``: the catch-up endpoint (:mod:`beacon.demo.catchup`);
- ``POST /api/tickets/{id}/claim`` and ``.../resolve``: what the demo's action buttons
  post (the event, as JSON); they publish the ``ticket.assigned`` or ``ticket.resolved``
  that follows (:class:`beacon.demo.tickets.TicketDesk`), or answer 409 with the reason;
- ``GET /ready``.

Limits and error messages are Soketi's, because the integration tests run the same
publishing tests against both servers.
"""

from __future__ import annotations

import hmac
import re
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from beacon.demo.auth import AuthEndpoints
from beacon.demo.catchup import CATCHUP_PATH
from beacon.demo.channels import Channels, is_presence
from beacon.demo.http import HttpError, HttpRequest
from beacon.demo.session import dumps
from beacon.demo.tickets import ActionRefused, TicketDesk
from beacon.pusher import auth

_API_PATH = re.compile(r"^/apps/([^/]+)/(events|batch_events|channels)(?:/([^/]+))?(/users)?$")
_TICKET_ACTION = re.compile(r"^/api/tickets/(\d+)/(claim|resolve)$")
_TIMESTAMP_WINDOW = 600  # seconds, as Pusher's API allows
_MAX_BATCH = 100
_MAX_CHANNELS = 100
_MAX_EVENT_BYTES = 100 * 1024  # Soketi's default limit


class HttpApi:
    """Routes one parsed request to its endpoint: ``route(request) -> (status, body)``."""

    def __init__(
        self,
        app_id: str,
        key: str,
        secret: str,
        channels: Channels,
        auth_endpoints: AuthEndpoints,
    ) -> None:
        self.app_id = app_id
        self.key = key
        self.secret = secret
        self.channels = channels
        self.auth = auth_endpoints
        self.desk = TicketDesk()

    def route(self, request: HttpRequest) -> tuple[int, Any]:
        path, method = request.path, request.method
        if path == "/ready" and method == "GET":
            return 200, "OK"
        if path == "/pusher/auth":
            _require(method, "POST")
            return self.auth.channel_auth(request)
        if path == "/pusher/user-auth":
            _require(method, "POST")
            return self.auth.user_auth(request)
        if path == CATCHUP_PATH:
            _require(method, "GET")
            return 200, self.channels.missed.answer(request.target)
        ticket_action = _TICKET_ACTION.match(path)
        if ticket_action:
            _require(method, "POST")
            return self._ticket_action(int(ticket_action[1]), ticket_action[2], request)
        match = _API_PATH.match(path)
        if match:
            app_id, kind, channel, users = match.groups()
            if app_id != self.app_id:
                raise HttpError(HTTPStatus.NOT_FOUND, f"App {app_id} does not exist.")
            if kind == "channels":
                _require(method, "GET")
                self._check_request_signature(request)
                return 200, self._channels_info(request, unquote(channel or ""), bool(users))
            if channel is None and users is None:
                _require(method, "POST")
                self._check_request_signature(request)
                if kind == "events":
                    return 200, self._trigger(request.json())
                return 200, self._trigger_batch(request.json())
        raise HttpError(HTTPStatus.NOT_FOUND, f"{method} {path} is not an endpoint here")

    def _ticket_action(self, ticket_id: int, verb: str, request: HttpRequest) -> tuple[int, Any]:
        body = request.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("id") != ticket_id:
            raise HttpError(HTTPStatus.BAD_REQUEST, "expected the ticket's event, as JSON")
        try:
            event = self.desk.claim(data) if verb == "claim" else self.desk.resolve(data)
        except ActionRefused as exc:
            # Plain text, so that the button's result reads "Claim failed: 409 already
            # claimed by Marcus Lee" rather than quoting JSON.
            return HTTPStatus.CONFLICT, str(exc)
        except ValueError as exc:
            raise HttpError(HTTPStatus.BAD_REQUEST, str(exc)) from None
        self.channels.publish_text(event.channel, event.event, dumps(event.data), None)
        return 200, {"event": event.event, "channel": event.channel}

    def _check_request_signature(self, request: HttpRequest) -> None:
        """Pusher's API signing: key, timestamp, version, body MD5, and the HMAC over them."""
        params = request.query
        if params.get("auth_key") != self.key:
            raise HttpError(HTTPStatus.UNAUTHORIZED, "Unknown auth_key")
        if params.get("auth_version") != "1.0":
            raise HttpError(HTTPStatus.UNAUTHORIZED, "auth_version must be 1.0")
        try:
            timestamp = int(params.get("auth_timestamp", ""))
        except ValueError:
            raise HttpError(HTTPStatus.UNAUTHORIZED, "auth_timestamp is missing") from None
        if abs(time.time() - timestamp) > _TIMESTAMP_WINDOW:
            raise HttpError(HTTPStatus.UNAUTHORIZED, "auth_timestamp expired: check the clock")
        if (request.body or "body_md5" in params) and params.get("body_md5") != auth.body_md5(
            request.body
        ):
            raise HttpError(HTTPStatus.UNAUTHORIZED, "body_md5 does not match the body")
        expected = auth.request_signature(self.secret, request.method, request.path, params)
        given = params.get("auth_signature", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HttpError(HTTPStatus.UNAUTHORIZED, "Invalid signature: auth_signature")

    def _channels_info(self, request: HttpRequest, channel: str, users: bool) -> dict[str, Any]:
        """``GET /apps/{id}/channels[/{name}[/users]]``: what the pusher library's
        ``channels_info``, ``channel_info`` and ``users_info`` read."""
        subscribers, members = self.channels.subscribers, self.channels.members
        info = set(filter(None, request.query.get("info", "").split(",")))
        if users:
            if not is_presence(channel):
                raise HttpError(HTTPStatus.BAD_REQUEST, "users are only for presence channels")
            return {"users": [{"id": uid} for uid in members.get(channel, {})]}
        if channel:
            if "user_count" in info and not is_presence(channel):
                raise HttpError(HTTPStatus.BAD_REQUEST, "user_count is only for presence channels")
            result: dict[str, Any] = {"occupied": bool(subscribers.get(channel))}
            if "user_count" in info:
                result["user_count"] = len(members.get(channel, {}))
            if "subscription_count" in info:
                result["subscription_count"] = len(subscribers.get(channel, {}))
            return result
        prefix = request.query.get("filter_by_prefix", "")
        if "user_count" in info and not prefix.startswith("presence-"):
            raise HttpError(HTTPStatus.BAD_REQUEST, "user_count needs filter_by_prefix=presence-")
        channels: dict[str, Any] = {}
        for name in subscribers:
            if name.startswith(prefix) and not name.startswith("#"):
                entry: dict[str, Any] = {}
                if "user_count" in info:
                    entry["user_count"] = len(members.get(name, {}))
                channels[name] = entry
        return {"channels": channels}

    def _trigger(self, body: Any) -> dict[str, Any]:
        channels, name, data, socket_id = _event_fields(body)
        for channel in channels:
            # Publishers encrypt for private-encrypted- channels themselves: relay as is.
            self.channels.publish_text(channel, name, data, socket_id)
        return {}

    def _trigger_batch(self, body: Any) -> dict[str, Any]:
        batch = body.get("batch") if isinstance(body, dict) else None
        if not isinstance(batch, list):
            raise HttpError(HTTPStatus.BAD_REQUEST, 'expected {"batch": [...]}')
        if len(batch) > _MAX_BATCH:
            raise HttpError(
                HTTPStatus.BAD_REQUEST, f"Cannot batch-send more than {_MAX_BATCH} messages"
            )
        events = [_event_fields(item) for item in batch]  # all valid, or none sent
        for channels, name, data, socket_id in events:
            for channel in channels:
                self.channels.publish_text(channel, name, data, socket_id)
        return {"batch": [{} for _ in events]}


def _require(method: str, wanted: str) -> None:
    if method != wanted:
        raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"use {wanted}")


def _event_fields(body: Any) -> tuple[list[str], str, str, str | None]:
    if not isinstance(body, dict):
        raise HttpError(HTTPStatus.BAD_REQUEST, "an event is a JSON object")
    channels = body.get("channels")
    if channels is None and "channel" in body:
        channels = [body["channel"]]
    name, data = body.get("name"), body.get("data")
    if (
        not isinstance(channels, list)
        or not channels
        or not all(isinstance(c, str) and c for c in channels)
        or not isinstance(name, str)
        or not name
        or data is None
    ):
        raise HttpError(HTTPStatus.BAD_REQUEST, "The received data is incorrect")
    if len(channels) > _MAX_CHANNELS:
        raise HttpError(
            HTTPStatus.BAD_REQUEST, f"Cannot broadcast to more than {_MAX_CHANNELS} channels"
        )
    if len(name) > 200:
        raise HttpError(HTTPStatus.BAD_REQUEST, "Event name is too long")
    text = data if isinstance(data, str) else dumps(data)
    if len(text.encode()) > _MAX_EVENT_BYTES:
        raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "The event data is too large")
    socket_id = body.get("socket_id")
    return channels, name, text, socket_id if isinstance(socket_id, str) else None
