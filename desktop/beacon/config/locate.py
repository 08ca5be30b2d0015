"""Where each table, key and array element of a TOML text starts, for error messages.

``tomllib`` reports line numbers only for syntax errors; a value that parses but is wrong
(a bad port, an unknown key) needs its line found again. ``LineIndex`` scans the text once
with a small tokenizer that knows just enough TOML (headers, dotted and quoted keys,
strings, comments, nested arrays and inline tables) to map value paths such as
``("account", 1, "auth", "mode")`` or ``("account", 0, "channels", 2)`` to a line number.
It runs only on text that ``tomllib`` has accepted, so it need not handle invalid input.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

Path_ = tuple[str | int, ...]

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_PART = rf"\s*(?:{_BARE}|{_BASIC}|{_LITERAL})\s*"
_KEY_RE = re.compile(rf"{_PART}(?:\.{_PART})*")
_PART_RE = re.compile(rf"\s*({_BARE}|{_BASIC}|{_LITERAL})\s*")


def _key_parts(text: str) -> list[str]:
    parts = []
    for match in _PART_RE.finditer(text):
        raw = match.group(1)
        if raw.startswith('"'):
            # Reuse tomllib to decode escapes exactly as the parser did.
            parts.append(str(tomllib.loads(f"k = {raw}")["k"]))
        elif raw.startswith("'"):
            parts.append(raw[1:-1])
        else:
            parts.append(raw)
    return parts


@dataclass
class _Frame:
    """An open ``[`` or ``{`` of a value that may span lines."""

    path: Path_
    kind: str  # "[" or "{"
    index: int = 0  # next array element
    started: bool = False  # whether the current array element has begun
    expect_key: bool = True  # inline tables: waiting for a key


@dataclass
class LineIndex:
    """Line numbers (1-based) of the paths in one TOML document."""

    lines: dict[Path_, int] = field(default_factory=dict)
    last_line: int = 1

    @classmethod
    def scan(cls, text: str) -> LineIndex:
        index = cls()
        index._scan(text)
        return index

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def _record(self, path: Path_, line: int) -> None:
        self.lines.setdefault(path, line)

    def _scan(self, text: str) -> None:
        table: Path_ = ()
        aot_count: dict[Path_, int] = {}
        stack: list[_Frame] = []
        in_string: str | None = None  # the closing delimiter of a multi-line string
        # Lines end at "\n" only, as tomllib counts them; splitlines() would also split at
        # form feeds and U+2028 inside strings and comments.
        lines = [line.removesuffix("\r") for line in text.split("\n")]
        self.last_line = max(len(lines), 1)
        for number, line in enumerate(lines, start=1):
            pos = 0
            if in_string is not None:
                end = line.find(in_string)
                if end < 0:
                    continue
                pos = end + len(in_string)
                in_string = None
            elif not stack:
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                if stripped.startswith("["):
                    table = self._header(stripped, aot_count, number)
                    continue
                match = _KEY_RE.match(line)
                if match is None:
                    continue
                path = table + tuple(_key_parts(match.group()))
                for end in range(len(table) + 1, len(path) + 1):
                    self._record(path[:end], number)  # a.b.c = 1 also defines a and a.b
                pos = match.end() + 1  # past "="
                stack.append(_Frame(path, "="))
            in_string = self._value(line, pos, number, stack)
            if stack and stack[0].kind == "=" and in_string is None and len(stack) == 1:
                stack.clear()  # a one-line value has ended

    def _header(self, stripped: str, aot_count: dict[Path_, int], number: int) -> Path_:
        is_array = stripped.startswith("[[")
        inner = stripped[2:] if is_array else stripped[1:]
        match = _KEY_RE.match(inner)
        parts = _key_parts(match.group()) if match else []
        resolved: Path_ = ()
        for i, part in enumerate(parts):
            resolved += (part,)
            last = i == len(parts) - 1
            if is_array and last:
                aot_count[resolved] = aot_count.get(resolved, 0) + 1
                self._record(resolved, number)  # the list itself starts at its first header
                resolved += (aot_count[resolved] - 1,)
            elif resolved in aot_count:
                resolved += (aot_count[resolved] - 1,)
        self._record(resolved, number)
        return resolved

    def _value(self, line: str, pos: int, number: int, stack: list[_Frame]) -> str | None:
        """Scan a value from ``pos``; return a multi-line string delimiter left open."""
        n = len(line)
        while pos < n:
            char = line[pos]
            top = stack[-1] if stack else None
            if char in " \t\r":
                pos += 1
                continue
            if char == "#":
                return None
            if top is not None and top.kind == "{" and top.expect_key:
                match = _KEY_RE.match(line, pos)
                if match is not None and match.end() > pos:
                    key_path = top.path + tuple(_key_parts(match.group()))
                    self._record(key_path, number)
                    top.expect_key = False
                    pos = match.end() + 1  # past "="
                    stack.append(_Frame(key_path, "="))
                    continue
            if top is not None and top.kind == "[" and not top.started and char not in ",]":
                element = (*top.path, top.index)
                self._record(element, number)
                top.started = True
                if char not in "[{":
                    stack.append(_Frame(element, "="))
                    continue
            if char in "[{":
                owner = stack[-1] if stack else None
                path = owner.path if owner is not None else ()
                if owner is not None and owner.kind == "[":
                    path = (*owner.path, owner.index)
                stack.append(_Frame(path, char))
                pos += 1
                continue
            if char in "]}":
                self._end_scalar(stack)
                if stack and stack[-1].kind in "[{":
                    stack.pop()
                self._end_scalar(stack)
                pos += 1
                continue
            if char == ",":
                self._end_scalar(stack)
                if stack and stack[-1].kind == "[":
                    stack[-1].index += 1
                    stack[-1].started = False
                elif stack and stack[-1].kind == "{":
                    stack[-1].expect_key = True
                pos += 1
                continue
            if char in "\"'":
                triple = char * 3
                if line.startswith(triple, pos):
                    end = line.find(triple, pos + 3)
                    if end < 0:
                        return triple
                    pos = end + 3
                    # A closing run may hold up to two extra quotes ("""a"""").
                    while pos < n and line[pos] == char:
                        pos += 1
                    continue
                pos = self._skip_string(line, pos, char)
                continue
            pos += 1
        return None

    @staticmethod
    def _end_scalar(stack: list[_Frame]) -> None:
        # A scalar value (inside an array or inline table) ends at "," "]" or "}".
        if len(stack) > 1 and stack[-1].kind == "=":
            stack.pop()

    @staticmethod
    def _skip_string(line: str, pos: int, quote: str) -> int:
        pos += 1
        while pos < len(line):
            if quote == '"' and line[pos] == "\\":
                pos += 2
                continue
            if line[pos] == quote:
                return pos + 1
            pos += 1
        return pos
