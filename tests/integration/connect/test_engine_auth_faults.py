"""The engine against a failing auth endpoint and a missing secret: a channel that cannot
be authorized now is tried again later, and never stops the account's other channels.

The auth endpoint is ``support.proxy.AuthEndpoint``, a real HTTP(S) server that signs as
a customer's would, with faults on cue.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import ssl
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from beacon.config.model import AuthSettings
from beacon.connect import StaticSecrets
from beacon.connect.auth import MAX_AUTH_ANSWER
from beacon.pusher import ConnectionState, Subscribed, SubscriptionFailed
from support.cli import account_toml, profile_env
from support.engine import Recorder, Target, account, server_target
from support.proxy import AuthEndpoint, TcpProxy
from support.tls import make_certificate as self_signed

C = ConnectionState
MakeEndpoint = Callable[..., Awaitable[AuthEndpoint]]


@pytest.fixture(params=["soketi", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    return server_target(request)


def quick_backoff() -> Any:
    return itertools.repeat(0.2)


def endpoint_account(target: Target, endpoint: AuthEndpoint, *channels: str, **kw: Any) -> Any:
    auth = AuthSettings(mode="endpoint", endpoint=endpoint.url, headers={})
    return account(target, *channels, auth=auth, **kw)


async def test_a_transient_auth_failure_is_retried_until_it_works(
    target: Target, auth_endpoint: MakeEndpoint
) -> None:
    endpoint = await auth_endpoint(target.key, target.secret)
    # A 500, garbage, and a signature the server refuses: each may pass, none is a login
    # problem (issue 8, defect 3).
    endpoint.faults.extend([500, "garbage", "badsig"])
    settings = endpoint_account(target, endpoint, "tickets", "private-a")
    options = {"backoff": quick_backoff}
    async with Recorder([settings], "unused", engine_options=options) as rec:
        await rec.protocol_event(Subscribed, channel="private-a")
        failures = [ev for _, ev in rec.protocol if isinstance(ev, SubscriptionFailed)]
        assert [f.needs_login for f in failures] == [False, False, False]
        assert all(f.retry_in == pytest.approx(0.2) for f in failures)
        assert endpoint.requests == 4
        # The account's status says what went wrong and when the next try is.
        assert any(
            "private-a refused: auth endpoint answered 500; retrying in 0.2 s" in s.detail
            for s in rec.statuses
        )
        await target.publish("private-a", "after.retry", {"ok": 1})
        assert (await rec.event("after.retry")).data == {"ok": 1}
        assert rec.engine.attempts("acct") == 1


async def test_a_huge_auth_answer_is_an_error_of_the_endpoint(
    demo_server: Any, auth_endpoint: MakeEndpoint
) -> None:
    target = Target.of("demo", demo_server)
    endpoint = await auth_endpoint(target.key, target.secret)
    endpoint.faults.append(("huge", 200 * 1024 * 1024))
    settings = endpoint_account(target, endpoint, "private-a")
    async with Recorder([settings], "unused", engine_options={"backoff": quick_backoff}) as rec:
        failed = await rec.protocol_event(SubscriptionFailed, channel="private-a")
        limit = MAX_AUTH_ANSWER // 1024
        assert failed.reason == f"the auth endpoint's answer is larger than {limit} KiB"
        assert not failed.needs_login
        await rec.protocol_event(Subscribed, channel="private-a")
        # Beacon stopped reading: far less than the 200 MB went out (socket buffers only).
        assert endpoint.huge_sent < 32 * 1024 * 1024


async def test_a_missing_secret_stops_only_the_private_channel(target: Target) -> None:
    # Issue 7, defect 5: the private channel needs the keyring secret, which is missing;
    # the public channel of the same account keeps receiving.
    settings = account(target, "tickets", "private-a")
    async with Recorder([settings], "unused", secrets=StaticSecrets({})) as rec:
        failed = await rec.protocol_event(SubscriptionFailed, channel="private-a")
        assert failed.needs_login
        await rec.protocol_event(Subscribed, channel="tickets")
        status = await rec.until(lambda: (s := rec.engine.status("acct")).needs_login and s)
        assert status.state is C.CONNECTED
        assert "private-a needs login: no secret for account 'acct'" in status.detail
        await target.publish("tickets", "still.flowing", {"n": 1})
        assert (await rec.event("still.flowing")).data == {"n": 1}
        assert rec.engine.attempts("acct") == 1


def make_certificate(where: Path, name: str) -> Path:
    return self_signed(where, name)[0]


async def test_each_account_trusts_only_its_own_ca_file(
    demo_server: Any, auth_endpoint: MakeEndpoint, tmp_path: Path
) -> None:
    # Issue 7, defect 8: the endpoint's certificate is trusted by account "ours" (its
    # ca_file); account "other" has a different ca_file and must not trust it.
    target = Target.of("demo", demo_server)
    ours, other = make_certificate(tmp_path, "ours"), make_certificate(tmp_path, "other")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ours, tmp_path / "ours.key")
    endpoint = await auth_endpoint(target.key, target.secret, ssl_context=context)
    accounts = [
        endpoint_account(target, endpoint, "private-a", name="ours", ca_file=ours),
        endpoint_account(target, endpoint, "private-a", name="other", ca_file=other),
    ]
    async with Recorder(accounts, "unused") as rec:
        await rec.protocol_event(Subscribed, "ours", channel="private-a")
        refused = await rec.protocol_event(SubscriptionFailed, "other", channel="private-a")
        assert "CERTIFICATE_VERIFY_FAILED" in refused.reason or "certificate" in refused.reason
        subscribed = [ev for name, ev in rec.protocol if isinstance(ev, Subscribed)]
        assert [name for name, ev in rec.protocol if isinstance(ev, Subscribed)] == ["ours"]
        assert len(subscribed) == 1


async def test_listen_exits_within_a_second_of_sigterm_during_an_auth_request(
    demo_server: Any, auth_endpoint: MakeEndpoint, tmp_path: Path
) -> None:
    # Issue 8, defect 8: closing waited for the hanging auth request (2.5 s).
    target = Target.of("demo", demo_server)
    endpoint = await auth_endpoint(target.key, target.secret)
    endpoint.faults.append("hang")
    config = account_toml(
        name="acct", key=target.key, host=target.host, port=target.port, tls=False,
        channels=["tickets", "private-a"],
        auth={"mode": "endpoint", "endpoint": endpoint.url, "headers": {}},
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "beacon", "listen",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, env=profile_env(tmp_path, config),
    )  # fmt: skip
    assert proc.stderr is not None
    async with asyncio.timeout(20):
        while b"subscribed to tickets" not in await proc.stderr.readline():
            pass
        while endpoint.requests < 1:
            await asyncio.sleep(0.01)  # the request is on its way; no signal to await
    loop = asyncio.get_running_loop()
    started = loop.time()
    proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(5):
        await proc.stderr.read()
        code = await proc.wait()
    assert code == 0
    assert loop.time() - started < 1.0


async def test_a_ca_file_that_is_not_pem_fails_that_account_in_words(
    demo_server: Any, tmp_path: Path
) -> None:
    # Issue 8, defect 6: the engine raised ssl.SSLError at start; now the account says
    # what is wrong, and the other accounts connect.
    target = Target.of("demo", demo_server)
    bad = tmp_path / "company-ca.der"
    bad.write_bytes(b"\x30\x82\x01\x0a not a PEM file")
    accounts = [
        account(target, "tickets", name="bad", tls=True, ca_file=bad),
        account(target, "tickets", name="good"),
    ]
    async with Recorder(accounts, target.secret) as rec:
        failed = await rec.state(C.FAILED, account="bad")
        assert failed.detail.startswith(f"failed: ca_file {bad} holds no PEM certificate")
        await rec.protocol_event(Subscribed, "good", channel="tickets")
        rec.engine.retry("bad")  # still the same file: still failed, in the same words
        assert rec.statuses[-1] == failed
        assert rec.engine.attempts("bad") == 0


async def test_listen_exits_within_a_second_of_sigterm_on_a_silent_network(
    demo_server: Any, tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]], tmp_path: Path
) -> None:
    # The closing handshake cannot complete on a network that swallows everything; it
    # waited 2 s for the server's close frame.
    target = Target.of("demo", demo_server)
    proxy = await tcp_proxy(target.host, target.port)
    config = account_toml(
        name="acct", key=target.key, host=target.host, port=proxy.port, tls=False,
        channels=["tickets"],
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "beacon", "listen",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, env=profile_env(tmp_path, config),
    )  # fmt: skip
    assert proc.stderr is not None
    async with asyncio.timeout(20):
        while b"subscribed to tickets" not in await proc.stderr.readline():
            pass
    proxy.swallow()
    loop = asyncio.get_running_loop()
    started = loop.time()
    proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(5):
        await proc.stderr.read()
        code = await proc.wait()
    assert code == 0
    assert loop.time() - started < 1.0


# A process that runs an engine whose keyring never answers (an unlock prompt nobody
# clicks), says when the secret was asked for, and closes the engine on SIGTERM.
HANGING_KEYRING = """
import asyncio, signal, sys, threading
from beacon.config.model import AccountSettings, AuthSettings
from beacon.connect import Engine

class Hanging:
    def get_secret(self, account):
        print("asked", flush=True)
        threading.Event().wait()
    get_encryption_key = get_secret

async def main():
    account = AccountSettings(name="acct", key=sys.argv[1], host="127.0.0.1",
        port=int(sys.argv[2]), tls=False, channels=("private-a",),
        auth=AuthSettings(mode="sign"))
    engine = Engine([account], Hanging(), lambda e: None, lambda s: None)
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    await engine.start()
    await done.wait()
    await engine.close()

asyncio.run(main())
"""


async def test_a_keyring_that_never_answers_does_not_hold_up_the_exit(demo_server: Any) -> None:
    target = Target.of("demo", demo_server)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HANGING_KEYRING, target.key, str(target.port),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(20):
            assert await proc.stdout.readline() == b"asked\n"
        loop = asyncio.get_running_loop()
        started = loop.time()
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(5):
            code = await proc.wait()
        assert code == 0
        assert loop.time() - started < 1.0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


# A process whose resolver never answers for one host name (a DNS server that is gone),
# running an engine for an account on that host; it closes the engine on SIGTERM.
HANGING_RESOLVER = """
import asyncio, signal, socket, sys, threading
from beacon.config.model import AccountSettings
from beacon.connect import Engine, StaticSecrets

real = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if host == "dns.stuck.example":
        print("resolving", flush=True)
        threading.Event().wait()
    return real(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo

async def main():
    account = AccountSettings(name="acct", key="k", host="dns.stuck.example", port=80,
        tls=False, channels=("tickets",))
    engine = Engine([account], StaticSecrets(), lambda e: None, lambda s: None)
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    await engine.start()
    await done.wait()
    await engine.close()

asyncio.run(main())
"""


async def test_a_resolver_that_never_answers_does_not_hold_up_the_exit() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HANGING_RESOLVER,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(20):
            assert await proc.stdout.readline() == b"resolving\n"
        loop = asyncio.get_running_loop()
        started = loop.time()
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(5):
            code = await proc.wait()
        assert code == 0
        assert loop.time() - started < 1.0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
