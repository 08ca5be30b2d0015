"""The Qt binding that pyproject.toml admits keeps CPython's singletons alive.

PySide6 6.12.0 on CPython 3.11 takes a reference away from ``None`` on every void call,
and a running app aborts with "none_dealloc" within minutes. pyproject.toml excludes it;
this fails if a version with that bug is ever installed again.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_calls_keep_references_to_none_and_bools() -> None:
    probe = QObject()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(1000):
        probe.setObjectName("probe")
        probe.blockSignals(False)
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    # A little drift from the interpreter is normal; the bug loses one per call.
    assert all(abs(b - a) < 100 for b, a in zip(before, after, strict=True)), (before, after)
