"""The socket uses only websockets' documented sans-I/O API (issue 7).

An AST walk of ``connect/socket.py``: every name imported from websockets, and every
attribute used on its ``ClientProtocol``, must be on the documented list. A new use of an
internal (``process_event``, ``state``, ``parser``, ``reader``...) fails here first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import beacon.connect.socket as socket_module

# https://websockets.readthedocs.io/en/stable/reference/sansio/client.html and the pages it
# links to (frames, HTTP events, exceptions, URI parsing).
DOCUMENTED_IMPORTS = {
    ("websockets.client", "ClientProtocol"),
    ("websockets.exceptions", "InvalidState"),
    ("websockets.frames", "Frame"),
    ("websockets.frames", "Opcode"),
    ("websockets.http11", "Response"),
    ("websockets.uri", "parse_uri"),
}
DOCUMENTED_PROTOCOL_API = {
    "connect",
    "send_request",
    "receive_data",
    "receive_eof",
    "events_received",
    "data_to_send",
    "send_text",
    "send_close",
    "close_expected",
    "handshake_exc",
    "close_code",
    "close_reason",
    # Not used by the socket, but documented for the tests that inspect it.
    "close_sent",
    "close_rcvd",
}


def tree() -> ast.Module:
    return ast.parse(Path(socket_module.__file__).read_text(encoding="utf-8"))


def test_only_documented_names_are_imported_from_websockets() -> None:
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree())
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("websockets")
        for alias in node.names
    }
    assert imported and imported <= DOCUMENTED_IMPORTS
    plain = [
        alias.name
        for node in ast.walk(tree())
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.startswith("websockets")
    ]
    assert plain == []


def test_only_documented_protocol_api_is_used() -> None:
    used = {
        node.attr
        for node in ast.walk(tree())
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "protocol"
    }
    assert used and used <= DOCUMENTED_PROTOCOL_API, used - DOCUMENTED_PROTOCOL_API


def test_no_websockets_class_is_subclassed() -> None:
    bases = {
        ast.unparse(base)
        for node in ast.walk(tree())
        if isinstance(node, ast.ClassDef)
        for base in node.bases
    }
    assert bases == {"asyncio.Protocol"}
