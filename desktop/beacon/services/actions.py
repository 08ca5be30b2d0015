"""Action buttons: what a ``[[rule]]``'s ``actions`` do when the user presses one.

DESIGN.md "Actions and signals":

- ``post``: an HTTP POST of the event as JSON (``account``, ``channel``, ``event``,
  ``data``) to the action's URL template, with its header templates, in which
  ``{secret}`` is the account's keyring secret (rendered by the account's ``Authorizer``,
  exactly as auth headers are).
- ``client_event``: the event (``channel``, ``event``, ``data``) sent as a ``client-*``
  event on a private or presence channel the account is subscribed to.

Every press is rate-limited (per account and button), times out, is logged, and is tried
once: a failed action is reported, never retried by itself, since a retried "Claim" may
act twice. The result is words for the item ("Claim done 14:02", "Claim failed: 409
already claimed"); the caller keeps it in the history.

Here, in services/, because it joins the feed's templates with connect/'s keyring-backed
headers and the engine's client events; it holds no Qt, so a Qt service (or a test) can
drive it from the event loop.

Templates. Only the URL's path and query take event data, each value percent-encoded; the
scheme and host are the config's own, checked again after rendering, so no data can send
the secret headers elsewhere. Header values are never rendered over event data at all.
Over plain http:// the secret goes only to this machine: every address the host resolves
to must be loopback, checked as the auth endpoint's is (``connect.auth.loopback_url``),
unless the account says ``allow_insecure = true``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from beacon.config.model import AccountSettings, Action
from beacon.connect.auth import AuthError, Authorizer, loopback_url
from beacon.connect.httperror import http_error_words
from beacon.connect.secrets import SecretSource
from beacon.connect.tls import ssl_context
from beacon.feed.template import render

__all__ = ["ActionResult", "Actions", "post_url"]

log = logging.getLogger("beacon.services")

#: A press that gets no complete answer within this fails.
TIMEOUT = 10.0
#: Presses of one button of one account allowed per minute.
MAX_PER_MINUTE = 10
# Longest server message kept in a result.
_MAX_REASON = 80


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool
    text: str  # for the item: "Claim done 14:02", "Claim failed: 409 already claimed"


def post_url(template: str, data: Any) -> str | None:
    """The URL to post to, or ``None`` when the rendered URL's scheme or host is not the
    template's own (the config checks the template; this checks the result)."""
    url = render(template, data, escape=lambda value: quote(value, safe=""))
    wanted, got = urlsplit(template), urlsplit(url)
    if (got.scheme, got.netloc) != (wanted.scheme, wanted.netloc) or any(
        c in url for c in "\r\n\t "
    ):
        return None
    return url


class Actions:
    """Runs action presses for the configured accounts.

    ``send_client_event(account, channel, event, data)`` is the engine's
    (``Engine.send_client_event``); it raises when the event cannot be sent.
    """

    def __init__(
        self,
        accounts: Sequence[AccountSettings],
        secrets: SecretSource,
        send_client_event: Callable[[str, str, str, Any], None],
        *,
        timeout: float = TIMEOUT,
        max_per_minute: int = MAX_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self._accounts = {a.name: a for a in accounts}
        self._send = send_client_event
        self._timeout = timeout
        self._max = max_per_minute
        self._clock = clock
        self._now = now
        self._client: httpx.AsyncClient | None = None
        self._authorizers = {a.name: Authorizer(a, secrets, self._http) for a in accounts}
        self._presses: dict[tuple[str, str], deque[float]] = {}

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Every account's CA file, as the engine's auth client trusts them.
            context = ssl_context()
            for account in self._accounts.values():
                if account.ca_file is not None:
                    context.load_verify_locations(cafile=str(account.ca_file))
            self._client = httpx.AsyncClient(verify=context)
        return self._client

    async def run(
        self, account: str, action: Action, channel: str, event: str, data: Any
    ) -> ActionResult:
        """Press ``action`` for the event (``channel``, ``event``, ``data``) of ``account``."""
        if not self._allowed(account, action):
            return self._result(action, False, "too many presses; wait a minute")
        if action.post is not None:
            return await self._post(account, action, channel, event, data)
        assert action.client_event is not None and action.channel is not None
        try:
            self._send(
                account,
                action.channel,
                action.client_event,
                {"channel": channel, "event": event, "data": data},
            )
        except Exception as exc:  # pusher.ClientEventError, or an account not running
            return self._result(action, False, str(exc) or type(exc).__name__)
        return self._result(action, True)

    def _allowed(self, account: str, action: Action) -> bool:
        now = self._clock()
        presses = self._presses.setdefault((account, action.label), deque())
        while presses and presses[0] <= now - 60.0:
            presses.popleft()
        if len(presses) >= self._max:
            return False
        presses.append(now)
        return True

    async def _post(
        self, account: str, action: Action, channel: str, event: str, data: Any
    ) -> ActionResult:
        assert action.post is not None
        url = post_url(action.post, data)
        if url is None:
            return self._result(action, False, "the event's data would change the URL's host")
        try:
            headers = await self._authorizers[account].render_headers(action.headers)
            if (
                any("{secret}" in value for value in action.headers.values())
                and not self._accounts[account].allow_insecure
                and urlsplit(url).scheme.lower() == "http"
            ):
                # As for the auth endpoint and catch-up: the loader let plain http carry
                # the secret only to localhost or a loopback literal; what the name
                # resolves to is known only now (config/transport.py). The request goes
                # to the very address checked, before a byte is sent.
                url, headers["Host"] = await loopback_url(url, what="post URL")
        except AuthError as exc:
            return self._result(action, False, exc.reason)
        body = {"account": account, "channel": channel, "event": event, "data": data}
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http().post(url, json=body, headers=headers)
        except TimeoutError:
            return self._result(action, False, f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as exc:
            # Never a header's value in the words: it may hold the secret.
            return self._result(action, False, f"unreachable: {http_error_words(exc)}")
        status = response.status_code
        if 200 <= status < 300:
            return self._result(action, True)
        reason = " ".join(response.text.split())[:_MAX_REASON]
        return self._result(action, False, f"{status} {reason}".strip())

    def _result(self, action: Action, ok: bool, reason: str = "") -> ActionResult:
        if ok:
            text = f"{action.label} done {self._now().strftime('%H:%M')}"
            log.info("action %r done", action.label)
        else:
            text = f"{action.label} failed: {reason}"
            log.warning("action %r failed: %s", action.label, reason)
        return ActionResult(ok, text)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
