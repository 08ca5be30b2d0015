"""Network faults: a connection that black-holes traffic, a network change, a resume from
sleep (a jump of the sleep clock) and a host name that does not resolve."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from beacon.demo import DemoServer
from beacon.pusher import ConnectionState
from support.cli import account_toml, profile_env
from support.engine import Target, account
from support.faults import Cycles, EngineClient, Figures, ListenClient, SeqLog
from support.proxy import TcpProxy

pytestmark = [
    pytest.mark.integration,
    pytest.mark.expect_log_warnings(
        r"beacon\.pusher: server error 4200",
        r"beacon\.connect: .*(ping|name or service)",
        # The demo server's side of a connection the proxy cut or black-holed.
        r"beacon\.demo: demo server: connection failed",
    ),
]

C = ConnectionState
CHANNEL = "tickets"
LONG = 600.0  # a retry delay no test ever waits out: a recovery can only come from the fault


def long_backoff() -> Iterator[float]:
    return itertools.count(LONG, LONG)


def demo_log(server: DemoServer) -> SeqLog:
    async def publish(seq: int) -> None:
        server.publish(CHANNEL, "seq", {"seq": seq})

    return SeqLog(CHANNEL, publish)


def counter(server: DemoServer, clients: int) -> Callable[[], Awaitable[int]]:
    """The demo server's subscriptions to the channel, once the sockets that a client
    dropped are gone (their close reaches the server a moment later)."""

    async def count() -> int:
        try:
            await server.wait_for(lambda: len(server.subscribers(CHANNEL)) == clients, 5.0)
        except TimeoutError:
            pass
        return len(server.subscribers(CHANNEL))

    return count


def verdict(cycles: Cycles) -> None:
    problems = cycles.problems()
    assert not problems, "\n".join(problems)


class SleepClock:
    """The engine's sleep clock (see tests/integration/connect/test_engine_resume.py): its
    value grows only while the "machine" sleeps."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return self.offset

    def suspend(self, seconds: float) -> None:
        self.offset += seconds


async def waiting(engine: EngineClient, start: int) -> None:
    """Until the engine reports that it waits to retry (after ``start`` statuses)."""
    await engine.until(lambda: any(s.state is C.UNAVAILABLE for s in engine.statuses[start:]), 15.0)


@pytest.mark.timeout(180)
async def test_black_holed_connection_x3(
    demo_server_factory: Callable[..., Awaitable[DemoServer]],
    tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]],
    tmp_path: Path,
    reliability: list[Figures],
) -> None:
    server = await demo_server_factory()
    proxy = await tcp_proxy(server.host, server.port)
    target = Target.of("demo", server)
    target.port = proxy.port
    # A short activity timeout, so that the silence is noticed within the test's budget.
    liveness = {"activity_timeout": 1.0, "pong_timeout": 1.0}
    config = account_toml(
        name="acct", key=target.key, host=target.host, port=proxy.port, tls=False,
        channels=[CHANNEL], **liveness,
    )  # fmt: skip
    env = profile_env(tmp_path, config, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    async with (
        EngineClient([account(target, CHANNEL, **liveness)], target.secret) as engine,
        ListenClient(env) as listen,
    ):
        cycles = Cycles(
            "black-holed connection", "demo via proxy", [engine, listen], demo_log(server),
            reliability, subscribers=counter(server, 2),
            remark="from traffic flowing again; activity and pong timeouts 1 s",
        )  # fmt: skip
        await cycles.steady()
        for _ in range(3):
            cycles.injected()
            statuses, lines = len(engine.statuses), len(listen.stderr)
            proxy.swallow()
            # Both notice the silence by themselves: no pong within pong_timeout.
            await engine.until(
                lambda s=statuses: any(x.state is not C.CONNECTED for x in engine.statuses[s:])  # type: ignore[misc]
            )
            await listen.until(
                lambda n=lines: any("no answer to ping" in x for _t, x in listen.stderr[n:])  # type: ignore[misc]
            )
            # The way back: traffic flows again, and the connections whose bytes were
            # dropped are reset, as the peer of a broken TCP stream would.
            proxy.resume()
            proxy.cut()
            first = await cycles.recovered(time.time())
            if None in first.values():
                break
    verdict(cycles)


@pytest.mark.timeout(120)
async def test_network_change_wake_x3(
    demo_server_factory: Callable[..., Awaitable[DemoServer]],
    tcp_proxy: Callable[[str, int], Awaitable[TcpProxy]],
    reliability: list[Figures],
) -> None:
    """What services/network.py's NetworkWatch does on a change: ``Engine.wake()``.

    The socket went silent (the old network is gone); the server's activity timeout is
    120 s and retries are ten minutes apart, so only the wake's ping can notice within the
    test.
    """
    server = await demo_server_factory()
    proxy = await tcp_proxy(server.host, server.port)
    target = Target.of("demo", server)
    target.port = proxy.port
    settings = account(target, CHANNEL, pong_timeout=1.0)
    async with EngineClient([settings], target.secret) as engine:
        cycles = Cycles(
            "network change (wake)", "demo via proxy", [engine], demo_log(server), reliability,
            subscribers=counter(server, 1),
            remark="from Engine.wake(), as NetworkWatch calls it; Engine only",
        )  # fmt: skip
        await cycles.steady()
        for _ in range(3):
            cycles.injected()
            statuses = len(engine.statuses)
            proxy.swallow()
            woke = time.time()
            engine.engine.wake()
            # The wake's ping goes into the black hole; no pong within pong_timeout (1 s)
            # drops the socket, long before the server's 120 s activity timeout would.
            await proxy.wait_dropped(1)
            await engine.until(
                lambda s=statuses: any(x.state is not C.CONNECTED for x in engine.statuses[s:]),  # type: ignore[misc]
                3.0,
            )
            # The new network is up: traffic flows, and the broken streams are reset.
            proxy.resume()
            proxy.cut()
            first = await cycles.recovered(woke)
            if None in first.values():
                break
    verdict(cycles)


@pytest.mark.timeout(120)
async def test_clock_jump_after_sleep_x3(
    demo_server_factory: Callable[..., Awaitable[DemoServer]], reliability: list[Figures]
) -> None:
    """The server went away while the machine slept; after the resume, the account that
    waits out a ten-minute retry reconnects at once (connect/resume.py)."""
    server = await demo_server_factory()
    target = Target.of("demo", server)
    clock = SleepClock()
    options = {"backoff": long_backoff, "sleep_clock": clock, "resume_check_every": 0.05}
    async with EngineClient(
        [account(target, CHANNEL)], target.secret, engine_options=options
    ) as engine:
        cycles = Cycles(
            "clock jump (resume from sleep)", "demo", [engine], demo_log(server), reliability,
            subscribers=counter(server, 1),
            remark="from the jump; Engine only (listen has no injectable sleep clock)",
        )  # fmt: skip
        await cycles.steady()
        for _ in range(3):
            cycles.injected()
            start = len(engine.statuses)
            await server.close()
            await waiting(engine, start)
            await server.start()
            jumped = time.time()
            clock.suspend(LONG)
            first = await cycles.recovered(jumped, timeout=10.0)
            if None in first.values():
                break
    verdict(cycles)


@pytest.mark.timeout(90)
async def test_unresolvable_host_keeps_retrying_and_spares_other_accounts(
    demo_server_factory: Callable[..., Awaitable[DemoServer]],
    tmp_path: Path,
    reliability: list[Figures],
) -> None:
    """A name in .invalid never resolves (RFC 6761). The account says so and keeps trying;
    another account of the same engine loses nothing meanwhile; ``beacon listen`` on that
    account alone gives up after its --timeout with status 4 and words, no traceback."""
    server = await demo_server_factory()
    target = Target.of("demo", server)
    nowhere = "beacon-faults.invalid"
    bad = account(target, CHANNEL, name="nowhere", host=nowhere)
    async with EngineClient([bad, account(target, CHANNEL)], target.secret) as engine:
        cycles = Cycles(
            "host name does not resolve", "demo", [engine], demo_log(server), reliability,
            subscribers=counter(server, 1),
        )  # fmt: skip
        cycles.injected()
        await cycles.steady()
        # Retried with backoff, not given up: a second and third attempt come.
        await engine.until(lambda: engine.engine.attempts("nowhere") >= 3, 20.0)
        status = engine.engine.status("nowhere")
        await cycles.recovered(time.time(), record=False)
    cycles.figures["engine"].remark = (
        f"{engine.engine.attempts('nowhere')} attempts with backoff, in words: "
        f"{status.detail!r}; the other account lost nothing"
    )
    assert status.state is C.UNAVAILABLE, status
    assert "retrying in" in status.detail, status
    verdict(cycles)

    config = account_toml(
        name="nowhere", key=target.key, host=nowhere, port=target.port, tls=False,
        channels=[CHANNEL],
    )  # fmt: skip
    env = profile_env(tmp_path, config, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    async with ListenClient(env, "--timeout", "3") as listen:
        code = await asyncio.wait_for(listen.proc.wait(), 20.0)  # type: ignore[union-attr]
    text = "\n".join(line for _t, line in listen.stderr)
    assert code == 4, text
    assert "could not connect within 3 s" in text
    assert "Traceback" not in text
