"""Suite-wide configuration. Fixtures live in ``tests/support`` modules, loaded here."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "support.soketi",
    "support.proxy",
    "support.demo",
    # Unexpected Python log warnings fail a test, as Qt warnings already do.
    "support.logfail",
    "pytester",
    "support.catchup",
    "support.netns",
]

_KINDS = {"unit", "integration", "gui"}


_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's kind is its folder (tests/unit, tests/integration, tests/gui); elsewhere
    (tests/packaging) each file says. An unmarked test would silently never run in CI."""
    for item in items:
        parts = item.path.resolve().relative_to(_TESTS).parts
        if parts and parts[0] in _KINDS:
            item.add_marker(parts[0])
    unmarked = [item.nodeid for item in items if not _KINDS & {m.name for m in item.iter_markers()}]
    if unmarked:
        raise pytest.UsageError(
            "tests without a unit, integration or gui marker:\n  " + "\n  ".join(unmarked)
        )
