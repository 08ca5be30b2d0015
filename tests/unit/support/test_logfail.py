"""The suite's rule that unexpected Python log warnings fail a test, run on small test
files of its own through pytester."""

from __future__ import annotations

import pytest

TESTS = """
import logging
import threading

import pytest

log = logging.getLogger("beacon.sample")


def test_quiet():
    log.info("only information")


def test_unexpected_warning():
    log.warning("the disk is on fire")


def test_unexpected_error_from_a_thread():
    thread = threading.Thread(target=lambda: log.error("a worker failed"))
    thread.start()
    thread.join()


@pytest.fixture
def noisy_teardown():
    yield
    log.warning("left a mess")


def test_warning_in_teardown(noisy_teardown):
    pass


@pytest.mark.expect_log_warnings(r"beacon\\.sample: the disk is on")
def test_expected_by_pattern():
    log.warning("the disk is on fire")


@pytest.mark.expect_log_warnings(r"something else")
def test_pattern_that_does_not_match():
    log.warning("the disk is on fire")


@pytest.mark.expect_log_warnings
def test_expected_without_patterns():
    log.critical("anything goes")
"""


# The inner run's records reach this process's root logger too.
@pytest.mark.expect_log_warnings(r"^beacon\.sample: ")
def test_unexpected_log_warnings_fail_and_expected_ones_pass(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["support.logfail"]')
    pytester.makepyfile(test_sample=TESTS)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "--strict-markers"
    )
    outcomes = {
        report.nodeid.split("::")[-1]: (report.when, report.outcome)
        for report in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        if report.failed or report.when == "call"
    }
    assert outcomes == {
        "test_quiet": ("call", "passed"),
        "test_unexpected_warning": ("call", "failed"),
        "test_unexpected_error_from_a_thread": ("call", "failed"),
        "test_warning_in_teardown": ("teardown", "failed"),
        "test_expected_by_pattern": ("call", "passed"),
        "test_pattern_that_does_not_match": ("call", "failed"),
        "test_expected_without_patterns": ("call", "passed"),
    }
    result.stdout.fnmatch_lines(
        ["*unexpected log records*", "*beacon.sample: the disk is on fire*"]
    )
