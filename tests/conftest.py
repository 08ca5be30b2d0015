"""Suite-wide configuration. Fixtures live in ``tests/support`` modules, loaded here."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "support.soketi",
    "support.proxy",
    "support.demo",
    # Unexpected Python log warnings fail a test, as Qt warnings already do.
    "support.logfail",
    "pytester",
    "support.catchup",
]

_KINDS = {"unit", "integration", "gui"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test says what it needs; an unmarked test would silently never run in CI."""
    unmarked = [item.nodeid for item in items if not _KINDS & {m.name for m in item.iter_markers()}]
    if unmarked:
        raise pytest.UsageError(
            "tests without a unit, integration or gui marker:\n  " + "\n  ".join(unmarked)
        )
