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
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_MISSING = object()

# "{{", "}}", or a placeholder: "{" and "}" with no brace between. Anything else,
# including a "{" that is never closed, is literal text.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")

# Paths longer than this are not data paths anyone writes; refuse them cheaply.
_MAX_SEGMENTS = 32


def render(template: str, data: Any, *, escape: Callable[[str], str] | None = None) -> str:
    """Fill ``template`` from ``data`` (see the module docstring). Never raises.

    ``escape``, when given, is applied to each substituted value (not to the literal
    text), e.g. to percent-encode values placed inside a URL. Time is linear in the
    length of the template, whatever braces it holds.
    """
    out: list[str] = []
    for literal, segments in _parsed(template):
        out.append(literal)
        if segments is not None:
            if len(segments) == 1 and type(data) is dict:
                found = data.get(segments[0])  # the common "{subject}", walked inline
            else:
                found = _walk(data, segments)
            value = found if type(found) is str else to_text(found)
            out.append(escape(value) if escape is not None and value else value)
    return "".join(out)


# A template as (literal text, then the path segments of a placeholder or None) pairs.
_Parts = tuple[tuple[str, tuple[str, ...] | None], ...]


@lru_cache(maxsize=256)
def _parsed(template: str) -> _Parts:
    """``template`` cut into its parts once: a rule's templates are rendered for every
    event of a burst, and scanning them again each time was most of their cost."""
    parts: list[tuple[str, tuple[str, ...] | None]] = []
    literal: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(template):
        # Text between tokens, lone braces included, is literal.
        literal.append(template[pos : match.start()])
        pos = match.end()
        token = match.group()
        if token == "{{":
            literal.append("{")
        elif token == "}}":
            literal.append("}")
        else:
            path = match.group(1).strip()
            segments = tuple(path.split(".")) if path else ()
            # A path that can lead nowhere renders empty, like a missing key.
            parts.append(("".join(literal), segments if len(segments) <= _MAX_SEGMENTS else ()))
            literal = []
    literal.append(template[pos:])
    parts.append(("".join(literal), None))
    return tuple(parts)


def _walk(data: Any, segments: tuple[str, ...]) -> Any:
    if not segments:
        return None
    current = data
    for segment in segments:
        current = _step(current, segment)
        if current is _MISSING:
            return None
    return current


def lookup(data: Any, path: str) -> Any:
    """The value at dotted ``path`` in ``data``, or ``None`` when there is none."""
    if not path:
        return None
    segments = path.split(".")
    if len(segments) > _MAX_SEGMENTS:
        return None
    return _walk(data, tuple(segments))


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
