"""Whatever a real (local) auth endpoint answers, the Authorizer that the Engine uses, with
the Engine's own HTTP client, gives a channel authorization or an ``AuthError`` in words:
nothing else escapes, only 401 and 403 mean "needs login", an error status never counts as
a signature, a redirect is never followed (Beacon must not load anything else from the
network), and an oversized answer is refused (issue 8)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from beacon.config.model import AccountSettings, AuthSettings
from beacon.connect import Engine, StaticSecrets
from beacon.connect.auth import AuthError, Authorizer, ChannelAuth
from support.authserver import Answer, AuthServer
from support.strategies import json_values


@dataclass
class App:
    """Credentials for the official library's signer; no Pusher server is involved."""

    host: str = "127.0.0.1"
    port: int = 1
    app_id: str = "1"
    key: str = "k"
    secret: str = "s"


STATUSES = st.one_of(
    st.sampled_from([200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 429, 500, 503]),
    # No 1xx: an informational status is not an answer, and HTTP clients wait for the next.
    st.integers(200, 599),
)
BODIES = st.one_of(
    json_values(8).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "auth": st.one_of(st.text(max_size=30), json_values(3)),
            "channel_data": st.one_of(st.text(max_size=30), json_values(3)),
            "shared_secret": st.one_of(st.text(max_size=50), json_values(2)),
        },
    ).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


async def ask(answer: Answer) -> tuple[ChannelAuth | AuthError, int]:
    """One authorization against an endpoint that gives ``answer``; a redirect points at a
    second endpoint that would sign well. Returns the outcome and that trap's requests."""
    trap = await AuthServer(App()).start()
    endpoint = await AuthServer(App()).start()
    if 300 <= answer.status < 400:
        answer.headers["Location"] = trap.endpoint
    endpoint.script.append(answer)
    settings = AccountSettings(
        name="acct", key="k", host="127.0.0.1", port=1, tls=False,
        channels=("private-a",), auth=AuthSettings(mode="endpoint", endpoint=endpoint.endpoint),
    )  # fmt: skip
    secrets = StaticSecrets({}, {})
    engine = Engine([settings], secrets, lambda _e: None, lambda _s: None)
    client = engine.http_client()
    try:
        authorizer = Authorizer(settings, secrets, lambda: client)
        try:
            outcome: ChannelAuth | AuthError = await authorizer.channel("1.1", "private-a")
        except AuthError as exc:
            outcome = exc
    finally:
        await client.aclose()
        await endpoint.close()
        await trap.close()
    return outcome, len(trap.requests)


def check(status: int, outcome: ChannelAuth | AuthError, trapped: int) -> None:
    assert trapped == 0, "a redirect was followed"
    if status >= 300:
        assert isinstance(outcome, AuthError), outcome
    if isinstance(outcome, AuthError):
        assert outcome.reason.strip(), "an error without words"
        assert outcome.needs_login == (status in (401, 403)), (status, outcome.reason)
    else:
        assert isinstance(outcome.auth, str) and outcome.auth


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(STATUSES, BODIES)
@example(200, b"[" * 100_000)
@example(200, b'{"auth": "k:' + b"[" * 100_000 + b'"}')
@example(302, b'{"auth": "k:abc"}')
@example(200, b'{"auth": "k:abc", "shared_secret": "not base64!"}')
@example(200, b'{"auth": "k:abc", "channel_data": {"user_id": 1}}')
def test_any_auth_answer_gives_a_signature_or_an_error_in_words(status: int, body: Any) -> None:
    outcome, trapped = asyncio.run(ask(Answer(status=status, body=body)))
    check(status, outcome, trapped)


@pytest.mark.timeout(60)
def test_an_oversized_auth_answer_is_refused() -> None:
    """Issue 8: a 200 MB answer pushed RSS to 1.97 GB. 20 MB is beyond any sane answer."""
    body = b'{"auth": "k:' + b"a" * (20 << 20) + b'"}'
    outcome, _trapped = asyncio.run(ask(Answer(body=body)))
    assert isinstance(outcome, AuthError), "a 20 MB answer was read and used"
    assert not outcome.needs_login
