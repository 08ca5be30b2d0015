"""Repeated log lines are rate-limited, and the next line says how many were dropped."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from beacon.connect.logs import RateLimitFilter, install, uninstall
from beacon.pusher import PusherConnection


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    clock = Clock()
    logger = logging.getLogger("beacon.pusher")
    limiter = RateLimitFilter(burst=5, window=10.0, clock=clock)
    logger.addFilter(limiter)
    try:
        yield clock
    finally:
        logger.removeFilter(limiter)


def error_frame(n: int) -> str:
    return json.dumps({"event": "pusher:error", "data": {"code": 4301, "message": f"no {n}"}})


@pytest.mark.expect_log_warnings(r"beacon\.pusher: ")
def test_5000_server_errors_print_a_handful_of_lines(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 8, defect 7: 5,000 pusher:error frames printed 10,010 lines.
    conn = PusherConnection(())
    conn.connect(0.0)
    conn.receive(json.dumps({"event": "pusher:connection_established",
                             "data": json.dumps({"socket_id": "1.1"})}), 0.0)  # fmt: skip
    caplog.set_level(logging.WARNING, logger="beacon.pusher")
    for n in range(5000):
        conn.receive(error_frame(n), 1.0)
    assert caplog.messages == [f"server error 4301: no {n}" for n in range(5)]
    clock.now += 10.0
    conn.receive(error_frame(5000), 2.0)
    assert caplog.messages[-1] == "server error 4301: no 5000 (4995 similar lines dropped)"


@pytest.mark.expect_log_warnings(r"beacon\.pusher: ")
def test_other_lines_are_not_held_back_by_a_flood(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("beacon.pusher")
    caplog.set_level(logging.INFO, logger="beacon.pusher")
    for _ in range(100):
        log.warning("flood %d", 1)
    log.warning("something else")
    assert caplog.messages.count("flood 1") == 5
    assert caplog.messages[-1] == "something else"


def test_install_adds_one_filter_per_logger_and_uninstall_removes_it() -> None:
    added = install("beacon.test.limits")
    assert install("beacon.test.limits") == []
    logger = logging.getLogger("beacon.test.limits")
    assert [type(f) for f in logger.filters] == [RateLimitFilter]
    uninstall(added)
    assert logger.filters == []
