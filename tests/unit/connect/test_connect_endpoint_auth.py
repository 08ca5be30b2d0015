"""Auth mode "endpoint" against an HTTP peer made with ``httpx.MockTransport``.

The transport stands in for the customer's auth server (not for code under test): it
records what Beacon sent and answers as such a server would.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from beacon.config.model import AccountSettings, AuthSettings
from beacon.connect import StaticSecrets
from beacon.connect.auth import AUTH_TIMEOUT, AuthError, Authorizer

ENDPOINT = "https://helpdesk.example.com/pusher/auth"


def authorizer(
    answer: Callable[[httpx.Request], httpx.Response],
    seen: list[httpx.Request],
    headers: dict[str, str] | None = None,
    secrets: StaticSecrets | None = None,
    timeout: float = AUTH_TIMEOUT,
) -> Authorizer:
    settings = AccountSettings(
        name="acct",
        key="app-key",
        host="h",
        auth=AuthSettings(
            mode="endpoint",
            endpoint=ENDPOINT,
            headers={"Authorization": "Bearer {secret}"} if headers is None else headers,
        ),
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    if secrets is None:
        secrets = StaticSecrets({"acct": "tok-1"})
    return Authorizer(settings, secrets, lambda: client, timeout=timeout)


async def test_posts_the_form_with_templated_headers() -> None:
    seen: list[httpx.Request] = []
    auth = authorizer(lambda r: httpx.Response(200, json={"auth": "app-key:sig"}), seen)
    answer = await auth.channel("1.2", "private-a")
    assert answer.auth == "app-key:sig"
    (request,) = seen
    assert str(request.url) == ENDPOINT and request.method == "POST"
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert parse_qs(request.content.decode()) == {
        "socket_id": ["1.2"],
        "channel_name": ["private-a"],
    }


async def test_no_secret_is_read_when_no_header_needs_it() -> None:
    seen: list[httpx.Request] = []
    answer = lambda r: httpx.Response(200, json={"auth": "k:s"})  # noqa: E731
    auth = authorizer(answer, seen, headers={}, secrets=StaticSecrets())  # nothing stored
    assert (await auth.channel("1.2", "private-a")).auth == "k:s"
    assert "Authorization" not in seen[0].headers


async def test_presence_and_encrypted_answers() -> None:
    key = bytes(range(32))
    body = {
        "auth": "k:s",
        "channel_data": json.dumps({"user_id": "ann"}),
        "shared_secret": base64.b64encode(key).decode(),
    }
    auth = authorizer(lambda r: httpx.Response(200, json=body), [])
    answer = await auth.channel("1.2", "private-encrypted-a")
    assert answer.shared_secret == key
    assert answer.channel_data == body["channel_data"]


@pytest.mark.parametrize("status", [401, 403])
async def test_refusal_means_needs_login(status: int) -> None:
    auth = authorizer(lambda r: httpx.Response(status), [])
    with pytest.raises(AuthError, match=f"auth endpoint answered {status}") as info:
        await auth.channel("1.2", "private-a")
    assert info.value.needs_login and info.value.status == status


async def test_server_error_is_not_a_login_problem() -> None:
    auth = authorizer(lambda r: httpx.Response(502), [])
    with pytest.raises(AuthError) as info:
        await auth.channel("1.2", "private-a")
    assert not info.value.needs_login and info.value.status == 502


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (httpx.Response(200, text="<html>"), "not JSON"),
        (httpx.Response(200, json=["auth"]), "not a JSON object"),
        (httpx.Response(200, json={"nope": 1}), "no auth signature"),
        (httpx.Response(200, json={"auth": "k:s", "shared_secret": "!!"}), "not base64"),
    ],
)
async def test_odd_answers_are_explained(response: httpx.Response, words: str) -> None:
    auth = authorizer(lambda r: response, [])
    with pytest.raises(AuthError, match=words):
        await auth.channel("1.2", "private-a")


async def test_unreachable_endpoint() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    auth = authorizer(refuse, [])
    words = f"cannot reach the auth endpoint {ENDPOINT}: connection refused"
    with pytest.raises(AuthError, match=words):
        await auth.channel("1.2", "private-a")


async def test_a_timeout_says_what_happened() -> None:
    # Issue 8, defect 7: it said "auth endpoint unreachable:" and nothing after it.
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    auth = authorizer(hang, [], timeout=0.2)
    with pytest.raises(AuthError) as caught:
        await auth.channel("1.2", "private-a")
    assert str(caught.value) == f"the auth endpoint {ENDPOINT} did not answer within 0.2 s"
    assert not caught.value.needs_login


async def test_signin_posts_to_the_user_auth_endpoint() -> None:
    seen: list[httpx.Request] = []
    body = {"auth": "k:s", "user_data": '{"id":"ann"}'}
    auth = authorizer(lambda r: httpx.Response(200, json=body), seen)
    answer = await auth.signin("1.2")
    assert answer.user_data == '{"id":"ann"}'
    assert str(seen[0].url) == "https://helpdesk.example.com/pusher/user-auth"
    assert parse_qs(seen[0].content.decode()) == {"socket_id": ["1.2"]}
