"""Auth endpoint faults: a slow endpoint, and one that fails (500, garbage, a timeout)
and then recovers. After each demo server restart the private channel needs a new
signature, so the endpoint's fault lands on every resubscription."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from beacon.config.model import AuthSettings
from beacon.demo import DemoServer
from support.authserver import Answer, AuthServer
from support.cli import account_toml, profile_env
from support.engine import Target, account
from support.faults import Cycles, EngineClient, Figures, ListenClient, SeqLog

pytestmark = [
    pytest.mark.integration,
    pytest.mark.expect_log_warnings(
        r"beacon\.pusher: server error 4200", r"beacon\.connect: .*(auth|refused)"
    ),
]

CHANNEL = "private-tickets"


@pytest.fixture
async def server(
    demo_server_factory: Callable[..., Awaitable[DemoServer]],
) -> DemoServer:
    return await demo_server_factory()


@pytest.fixture
async def auth(server: DemoServer) -> AsyncIterator[AuthServer]:
    endpoint = await AuthServer(Target.of("demo", server)).start()
    try:
        yield endpoint
    finally:
        await endpoint.close()


def clients(
    server: DemoServer, auth: AuthServer, tmp_path: Path
) -> tuple[EngineClient, ListenClient]:
    target = Target.of("demo", server)
    settings = account(target, CHANNEL, auth=AuthSettings(mode="endpoint", endpoint=auth.endpoint))
    config = account_toml(
        name="acct", key=target.key, host=target.host, port=target.port, tls=False,
        channels=[CHANNEL], auth={"mode": "endpoint", "endpoint": auth.endpoint},
    )  # fmt: skip
    # No keyring: an endpoint without "{secret}" in its headers needs none.
    env = profile_env(tmp_path, config, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return EngineClient([settings], "unused"), ListenClient(env)


def demo_log(server: DemoServer) -> SeqLog:
    async def publish(seq: int) -> None:
        server.publish(CHANNEL, "seq", {"seq": seq})

    return SeqLog(CHANNEL, publish)


def counter(server: DemoServer, clients: int) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        try:
            await server.wait_for(lambda: len(server.subscribers(CHANNEL)) == clients, 5.0)
        except TimeoutError:
            pass
        return len(server.subscribers(CHANNEL))

    return count


@pytest.mark.timeout(120)
async def test_slow_auth_endpoint_x3(
    server: DemoServer, auth: AuthServer, tmp_path: Path, reliability: list[Figures]
) -> None:
    """Every answer takes 2 s (the engine waits up to 10 s): slow, but never a failure."""
    auth.delay = 2.0
    engine, listen = clients(server, auth, tmp_path)
    async with engine, listen:
        cycles = Cycles(
            "slow auth endpoint (2 s)", "demo", [engine, listen], demo_log(server), reliability,
            subscribers=counter(server, 2),
            remark="from the server ready again; includes the 2 s answer",
        )  # fmt: skip
        await cycles.steady()
        for _ in range(3):
            cycles.injected()
            await server.close()
            await server.start()
            first = await cycles.recovered(time.time())
            if None in first.values():
                break
    problems = cycles.problems()
    assert not problems, "\n".join(problems)
    assert all(status == 200 for _t, _c, status in auth.requests)


FAILURES = {
    "500": Answer(status=500, body=b'{"error": "internal"}'),
    "garbage": Answer(status=200, body=b"<html>Bad gateway</html>"),
    # Beyond the engine's 10 s auth timeout.
    "timeout": Answer(delay=11.0),
    # JSON nested deeper than Python's parser goes: found by test_auth_answers.py.
    "nested": Answer(status=200, body=b"[" * 100_000),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_auth_endpoint_fails_once_then_recovers(
    server: DemoServer,
    auth: AuthServer,
    tmp_path: Path,
    reliability: list[Figures],
    failure: str,
) -> None:
    """Issue 8: a transient auth failure is retried with backoff; only 401 and 403 mean
    "needs login". The endpoint fails once for each client, then answers well: both must
    subscribe again and lose nothing after that."""
    engine, listen = clients(server, auth, tmp_path)
    async with engine, listen:
        cycles = Cycles(
            f"auth endpoint: one {failure}, then good", "demo", [engine, listen],
            demo_log(server), reliability, subscribers=counter(server, 2),
            remark="from the endpoint answering well again",
        )  # fmt: skip
        await cycles.steady()
        cycles.injected()
        answered = len(auth.requests)
        auth.script.extend([FAILURES[failure], FAILURES[failure]])
        await server.close()
        await server.start()
        # Recovery counts from the moment the endpoint answers well again.
        await auth.wait_requests(answered + 2, timeout=20.0)
        await cycles.recovered(time.time(), timeout=15.0)
    problems = cycles.problems()
    assert not problems, "\n".join(problems)
