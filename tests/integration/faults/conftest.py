"""The fault suite's report: every test adds its figures; at the end of the session they
are written to ``reliability.json`` under pytest's temporary directory and printed as the
README's reliability table."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.faults import Figures, summary_rows


def pytest_configure(config: pytest.Config) -> None:
    # main's support/logfail.py registers this marker; until this branch meets it, the
    # marker is registered here too (a second registration is harmless).
    config.addinivalue_line(
        "markers", "expect_log_warnings(*patterns): log warnings the test means to cause"
    )


_REPORT: list[Figures] = []
_WRITTEN: list[str] = []


@pytest.fixture(scope="session")
def reliability(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Figures]]:
    yield _REPORT
    path = tmp_path_factory.getbasetemp() / "reliability.json"
    path.write_text(json.dumps([f.as_dict() for f in _REPORT], indent=2) + "\n")
    _WRITTEN.append(str(path))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _REPORT:
        return
    terminalreporter.section("reliability (fault suite)")
    for row in summary_rows(_REPORT):
        terminalreporter.write_line(row)
    for path in _WRITTEN:
        terminalreporter.write_line(f"figures: {path}")
