"""Safe text templates over event data: ``"{requester.name}: {subject}"``.

Templates come from the user's config and the data comes from a server, so neither is
trusted. This is deliberately *not* ``str.format``: there is no attribute access, no
format spec and no conversion, and nothing is evaluated.

The rules, in full:

- ``{path}`` is replaced by the value found by walking ``path`` through the data. A path
  is segments separated by dots; each segment is a dict key, or a list index written in
  decimal (``{items.0.name}``). Whitespace around the path is ignored.
- A path that leads nowhere renders as the empty string. That includes anything that
  looks like ``str.format`` syntax (``{a!r}``, ``{a:>10}``, ``{a.__class__}``): those
  are only keys that no event has.
- ``{{`` and ``}}`` are a literal ``{`` and ``}``.
- A ``{`` with no closing ``}``, and a lone ``}``, are kept literally. A template is
  therefore never an error: ``render`` never raises, whatever the template or the data.
- Strings are inserted as they are; ``None`` is empty; ``true``/``false`` for booleans;
  other scalars by ``str``; lists and objects as compact JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

_MISSING = object()

# Paths longer than this are not data paths anyone writes; refuse them cheaply.
_MAX_SEGMENTS = 32


def render(template: str, data: Any, *, escape: Callable[[str], str] | None = None) -> str:
    """Fill ``template`` from ``data`` (see the module docstring). Never raises.

    ``escape``, when given, is applied to each substituted value (not to the literal
    text), e.g. to percent-encode values placed inside a URL.
    """
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "{":
            if template.startswith("{{", i):
                out.append("{")
                i += 2
                continue
            end = template.find("}", i + 1)
            # A "{" inside the placeholder means the first "{" was not one: keep it.
            nested = template.find("{", i + 1)
            if end == -1 or (nested != -1 and nested < end):
                out.append("{")
                i += 1
                continue
            value = to_text(lookup(data, template[i + 1 : end].strip()))
            out.append(escape(value) if escape is not None and value else value)
            i = end + 1
        elif ch == "}":
            out.append("}")
            # "}}" is the escaped form; a lone "}" is kept as well.
            i += 2 if template.startswith("}}", i) else 1
        else:
            nxt = _next_brace(template, i)
            out.append(template[i:nxt])
            i = nxt
    return "".join(out)


def lookup(data: Any, path: str) -> Any:
    """The value at dotted ``path`` in ``data``, or ``None`` when there is none."""
    if not path:
        return None
    segments = path.split(".")
    if len(segments) > _MAX_SEGMENTS:
        return None
    current = data
    for segment in segments:
        current = _step(current, segment)
        if current is _MISSING:
            return None
    return current


def to_text(value: Any) -> str:
    """How a data value reads inside text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ""
    if isinstance(value, int | float):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (ValueError, TypeError, RecursionError):
        return ""


def _step(current: Any, segment: str) -> Any:
    if isinstance(current, dict):
        return current.get(segment, _MISSING)
    # Only real decimal digits index a list: no "-1", no "1_0", no Unicode digits.
    if isinstance(current, list) and segment.isascii() and segment.isdigit():
        index = int(segment)
        return current[index] if index < len(current) else _MISSING
    return _MISSING


def _next_brace(text: str, start: int) -> int:
    positions = [p for p in (text.find("{", start), text.find("}", start)) if p != -1]
    return min(positions) if positions else len(text)
