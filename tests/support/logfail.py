"""Unexpected Python log records at WARNING or above fail the test, as Qt's warnings
already do (``qt_log_level_fail``); qutebrowser's ``tests/helpers/logfail.py`` does the same.

A test that means to cause such records says so, with regular expressions matched against
``"logger.name: message"``::

    @pytest.mark.expect_log_warnings(r"beacon\\.connect: .*refused")
    def test_refused(): ...

Without patterns the marker accepts every record. Records are collected from every thread
while the test's setup, call and teardown run, and checked after each of them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

MARKER = "expect_log_warnings"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*patterns): the test expects Python log records at WARNING or above whose"
        " 'logger: message' matches one of the regular expressions (any record, without"
        " patterns); any other such record fails the test",
    )


class _WarningRecords(logging.Handler):
    """The records at WARNING and above that reach the root logger, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_KEY = pytest.StashKey[_WarningRecords]()


def _describe(record: logging.LogRecord) -> str:
    return f"{record.name}: {record.getMessage()}"


def _take(item: pytest.Item) -> list[logging.LogRecord]:
    handler = item.stash.get(_KEY, None)
    if handler is None:
        return []
    records, handler.records = handler.records, []
    return records


def _check(item: pytest.Item, when: str) -> None:
    records = _take(item)
    marker = item.get_closest_marker(MARKER)
    if marker is not None and not marker.args:
        return
    patterns = [re.compile(p) for p in marker.args] if marker is not None else []
    unexpected = [
        _describe(r) for r in records if not any(p.search(_describe(r)) for p in patterns)
    ]
    if unexpected:
        pytest.fail(
            f"unexpected log records at WARNING or above during {when} (if the test means"
            f" to cause them: @pytest.mark.{MARKER}(pattern)):\n  " + "\n  ".join(unexpected),
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    handler = _WarningRecords()
    item.stash[_KEY] = handler
    logging.getLogger().addHandler(handler)
    try:
        result = yield
    except BaseException:
        _take(item)  # the failure says enough; its log is in the report
        raise
    _check(item, "setup")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        result = yield
    except BaseException:
        _take(item)
        raise
    _check(item, "the test")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        result = yield
    finally:
        handler = item.stash.get(_KEY, None)
        if handler is not None:
            logging.getLogger().removeHandler(handler)
    _check(item, "teardown")
    return result
