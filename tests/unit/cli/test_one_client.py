"""One protocol client (DESIGN.md "Architecture"): the commands that talk to a server drive
``connect.Engine``; none opens a socket, an HTTP request or a TLS context of its own."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

# What a second client would need; ``json`` too, since only the protocol parses frames.
_NETWORK = {"websockets", "httpx", "ssl", "socket", "aiohttp", "urllib", "http", "json"}


def imports_of(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_check_drives_the_engine_and_nothing_else() -> None:
    imported = imports_of("beacon.cli.check")
    assert not {name.split(".")[0] for name in imported} & _NETWORK, imported
    assert "beacon.connect" in imported


def test_listen_drives_the_engine_and_nothing_else() -> None:
    imported = imports_of("beacon.cli.listen")
    # listen prints JSON lines: json is its output format there, not a frame parser.
    assert not {name.split(".")[0] for name in imported} & (_NETWORK - {"json"}), imported
    assert "beacon.connect" in imported
