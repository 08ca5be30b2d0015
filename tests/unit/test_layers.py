"""Layering (DESIGN.md "Architecture"): ui/ and tray/ see the feed only through services/."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "desktop" / "beacon"
FORBIDDEN = ("beacon.store", "beacon.connect", "beacon.pusher")


def _imported(tree: ast.AST) -> set[str]:
    """Every module name an import statement names, ``from beacon import store`` included."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _violations(root: Path) -> list[str]:
    found = []
    for layer in ("ui", "tray"):
        for path in sorted((root / layer).rglob("*.py")):
            flagged: list[str] = []
            for name in sorted(_imported(ast.parse(path.read_text(), str(path)))):
                bad = any(name == b or name.startswith(b + ".") for b in FORBIDDEN)
                # `from m import x` names m and m.x: report m only.
                if bad and not any(name.startswith(f + ".") for f in flagged):
                    flagged.append(name)
            found += [f"{path.relative_to(root)} imports {name}" for name in flagged]
    return found


def test_ui_and_tray_never_import_store_connect_or_pusher() -> None:
    assert _violations(PACKAGE) == []


def test_the_walk_sees_every_import_form(tmp_path: Path) -> None:
    """The check itself: each way of writing the import is caught."""
    (tmp_path / "ui").mkdir()
    (tmp_path / "tray").mkdir()
    (tmp_path / "ui" / "a.py").write_text("from beacon import store\n")
    (tmp_path / "ui" / "b.py").write_text("import beacon.connect.engine as e\n")
    (tmp_path / "tray" / "c.py").write_text("def f():\n    from beacon.pusher.frames import x\n")
    (tmp_path / "tray" / "d.py").write_text("from beacon.services import feed\n")
    assert _violations(tmp_path) == [
        "ui/a.py imports beacon.store",
        "ui/b.py imports beacon.connect.engine",
        "tray/c.py imports beacon.pusher.frames",
    ]
