"""The fuzz tests' marker for the log warnings they cause on purpose."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # main's support/logfail.py registers this marker; until this branch meets it, the
    # marker is registered here too (a second registration is harmless).
    config.addinivalue_line(
        "markers", "expect_log_warnings(*patterns): log warnings the test means to cause"
    )
