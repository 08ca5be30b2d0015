"""Resume from sleep: an account waiting out a long backoff reconnects at once.

The machine's suspend is simulated with the engine's injected sleep clock; the server
refuses sockets through the demo server's ``reject_connections`` hook. Retry delays are
pinned to ten minutes and more, so that any reconnect seen within the test's timeouts can
only come from the resume.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from beacon.pusher import ConnectionState, StateChanged, Subscribed
from support.engine import Recorder, Target, account

C = ConnectionState
LONG = 600.0


def long_backoff() -> Iterator[float]:
    return itertools.count(LONG, LONG)  # 600 s, 1200 s, ...: never within a test


class SleepClock:
    """The engine's sleep clock: its value grows only while the "machine" sleeps."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.reads = 0
        self._read = asyncio.Event()

    def __call__(self) -> float:
        self.reads += 1
        self._read.set()
        return self.offset

    async def checked(self, times: int) -> None:
        """Wait until the engine has read this clock ``times`` more times."""
        target = self.reads + times
        async with asyncio.timeout(5.0):
            while self.reads < target:
                self._read.clear()
                await self._read.wait()

    def suspend(self, seconds: float) -> None:
        self.offset += seconds


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: server error 4100: Over capacity$")
async def test_resume_retries_a_waiting_account_at_once_with_backoff_started_over(
    demo_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="beacon.connect")
    target = Target.of("demo", demo_server)
    demo_server.reject_connections = (4100, "Over capacity")
    clock = SleepClock()
    options = {"backoff": long_backoff, "sleep_clock": clock, "resume_check_every": 0.02}
    async with Recorder([account(target, "tickets")], "s", engine_options=options) as rec:
        waiting = await rec.protocol_event(StateChanged, state=C.UNAVAILABLE)
        assert waiting.retry_in == LONG
        assert rec.engine.attempts("acct") == 1

        # A ten-minute suspend, still refused: one attempt at once, and the backoff
        # sequence starts over (600 s again, not 1200 s).
        mark = len(rec.protocol)
        clock.suspend(600.0)
        again = await rec.protocol_event(StateChanged, start=mark, state=C.UNAVAILABLE, timeout=5.0)
        assert rec.engine.attempts("acct") == 2
        assert again.retry_in == LONG
        assert "woke from sleep after 600 s; reconnecting" in caplog.messages

        # The next resume finds the server accepting again.
        demo_server.reject_connections = None
        mark = len(rec.protocol)
        clock.suspend(900.0)
        await rec.protocol_event(Subscribed, start=mark, channel="tickets", timeout=5.0)
        assert rec.engine.attempts("acct") == 3


@pytest.mark.expect_log_warnings(r"^beacon\.pusher: server error 4100: Over capacity$")
async def test_without_a_resume_the_account_keeps_waiting(demo_server: Any) -> None:
    target = Target.of("demo", demo_server)
    demo_server.reject_connections = (4100, "Over capacity")
    clock = SleepClock()
    options = {"backoff": long_backoff, "sleep_clock": clock, "resume_check_every": 0.02}
    async with Recorder([account(target, "tickets")], "s", engine_options=options) as rec:
        await rec.protocol_event(StateChanged, state=C.UNAVAILABLE)
        demo_server.reject_connections = None
        # Clocks that moved apart by less than the threshold: no wake, so no attempt.
        clock.suspend(2.0)
        await clock.checked(5)
        assert rec.engine.attempts("acct") == 1
        assert rec.engine.status("acct").state is C.UNAVAILABLE


@pytest.mark.expect_log_warnings(r"beacon\.pusher: server error 4004: ")
async def test_the_clocks_are_sampled_only_while_an_account_is_active(demo_server: Any) -> None:
    # An idle app must not wake up for nothing: with every account failed, a resume from
    # sleep changes nothing, so the 5 s timer is stopped.
    target = Target.of("demo", demo_server)
    clock = SleepClock()
    options = {"sleep_clock": clock, "resume_check_every": 0.02}
    async with Recorder([account(target, "tickets")], target.secret, engine_options=options) as rec:
        await rec.protocol_event(Subscribed, channel="tickets")
        await clock.checked(3)  # connected: sampled
        await demo_server.disconnect_all(4004, "over quota")
        await rec.state(C.FAILED)
        reads = clock.reads
        # "No timer" is an absence: give a timer every 20 ms the time to show itself.
        await asyncio.sleep(0.3)
        assert clock.reads == reads
