"""Server restarts, graceful (close code 4200) and SIGKILL, with the Engine and
``beacon listen`` connected at once: both recover every time, subscribe once, lose nothing
published while they were subscribed, and (issue 8) receive events within 1 s of the
server being ready again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from beacon.demo import DemoServer
from support.cli import account_toml, profile_env
from support.engine import Target, account
from support.faults import Cycles, EngineClient, Figures, ListenClient, SeqLog
from support.soketi import Soketi

pytestmark = [
    pytest.mark.integration,
    pytest.mark.expect_log_warnings(r"beacon\.pusher: server error 4200"),
]

CHANNEL = "tickets"
# Issue 8: "events flow within 1 s of the server being ready, in every one of 20 restarts".
READY_TO_EVENT = 1.0
# How long the demo server stays down per restart. Soketi takes about 3 s from its 4200
# to exiting; one second is enough for the clients to meet refused connections too.
DEMO_DOWNTIME = 1.0


def listen_env(tmp_path: Path, target: Target) -> dict[str, str]:
    config = account_toml(
        name="acct", key=target.key, host=target.host, port=target.port, tls=False,
        channels=[CHANNEL],
    )  # fmt: skip
    return profile_env(tmp_path, config, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")


def demo_log(server: DemoServer) -> SeqLog:
    async def publish(seq: int) -> None:
        server.publish(CHANNEL, "seq", {"seq": seq})

    return SeqLog(CHANNEL, publish)


def soketi_log(target: Target) -> SeqLog:
    publisher = target.publisher()

    async def publish(seq: int) -> None:
        await asyncio.to_thread(publisher.trigger, CHANNEL, "seq", {"seq": seq})

    return SeqLog(CHANNEL, publish)


def soketi_subscribers(target: Target) -> Callable[[], Awaitable[int]]:
    publisher = target.publisher()

    async def count() -> int:
        info: dict[str, Any] = await asyncio.to_thread(
            publisher.channel_info, CHANNEL, ["subscription_count"]
        )
        return int(info.get("subscription_count", 0))

    return count


def verdict(cycles: Cycles, limit: float | None) -> None:
    problems = cycles.problems()
    if limit is not None:
        problems += [f"slower than {limit} s from ready to event: {s}"
                     for s in cycles.slower_than(limit)]  # fmt: skip
    assert not problems, "\n".join(problems)


@pytest.mark.timeout(300)
async def test_demo_server_graceful_restart_x20(
    demo_server_factory: Callable[..., Awaitable[DemoServer]],
    tmp_path: Path,
    reliability: list[Figures],
) -> None:
    server = await demo_server_factory()
    target = Target.of("demo", server)

    async def subscribers() -> int:
        return len(server.subscribers(CHANNEL))

    async with (
        EngineClient([account(target, CHANNEL)], target.secret) as engine,
        ListenClient(listen_env(tmp_path, target)) as listen,
    ):
        cycles = Cycles(
            "graceful restart (4200)", "demo", [engine, listen], demo_log(server), reliability,
            subscribers=subscribers,
            remark="from the server ready again; down 1 s each time",
        )  # fmt: skip
        await cycles.steady()
        for _ in range(20):
            cycles.injected()
            await server.close()
            await asyncio.sleep(DEMO_DOWNTIME)  # the length of the outage: the fault itself
            await server.start()
            first = await cycles.recovered(time.time())
            if None in first.values():
                break
    verdict(cycles, READY_TO_EVENT)


@pytest.mark.timeout(240)
async def test_soketi_graceful_restart(
    soketi_factory: Callable[..., Soketi], tmp_path: Path, reliability: list[Figures]
) -> None:
    server = soketi_factory()
    target = Target.of("soketi", server)
    async with (
        EngineClient([account(target, CHANNEL)], target.secret) as engine,
        ListenClient(listen_env(tmp_path, target)) as listen,
    ):
        cycles = Cycles(
            "graceful restart (4200)", "soketi", [engine, listen], soketi_log(target),
            reliability, subscribers=soketi_subscribers(target),
            remark="from Soketi ready again",
        )  # fmt: skip
        await cycles.steady()
        for _ in range(3):  # Soketi takes about 3 s to stop: three restarts fit the budget
            cycles.injected()
            await asyncio.to_thread(server.restart)
            first = await cycles.recovered(time.time())
            if None in first.values():
                break
    verdict(cycles, READY_TO_EVENT)


@pytest.mark.timeout(240)
async def test_soketi_sigkill_x5(
    soketi_factory: Callable[..., Soketi], tmp_path: Path, reliability: list[Figures]
) -> None:
    server = soketi_factory()
    target = Target.of("soketi", server)
    async with (
        EngineClient([account(target, CHANNEL)], target.secret) as engine,
        ListenClient(listen_env(tmp_path, target)) as listen,
    ):
        cycles = Cycles(
            "SIGKILL of the server", "soketi", [engine, listen], soketi_log(target),
            reliability, subscribers=soketi_subscribers(target),
            remark="from Soketi ready again",
        )  # fmt: skip
        await cycles.steady()
        for _ in range(5):
            cycles.injected()
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
            first = await cycles.recovered(time.time())
            if None in first.values():
                break
    # No close frame reaches the clients, so the issue sets no time target here: they
    # must recover every time, subscribe once and lose nothing.
    verdict(cycles, None)
