"""``beacon history``: print the stored feed, newest first.

Human output is one line per item: local time, channel, title and a body preview. With
``--json`` each item is one JSON object per line, for scripts::

    {"id": 7, "account": "support", "channel": "tickets", "event": "ticket.created",
     "title": "...", "body": "...", "url": null, "priority": "normal",
     "received_at": "2026-11-27T21:04:05.123Z", "read": false, "data": {...}}

``data`` is the event data decoded from JSON, or the raw string where it is not JSON.
A missing history prints nothing and exits 0: there is simply nothing stored yet. The
database is only read: this command never prunes, so it cannot disagree with the app's
retention settings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from datetime import UTC
from typing import Any, TextIO

from beacon.config import data_dir
from beacon.feed.item import FeedItem
from beacon.feed.mapper import strip_bidi_controls
from beacon.store.history import HISTORY_FILE, FeedFilter, History, HistoryError

PREVIEW_MAX = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def run(args: argparse.Namespace) -> int:
    """Print up to ``args.limit`` items matching ``--search`` and ``--channel``."""
    path = data_dir() / HISTORY_FILE
    if not path.exists():
        return 0
    flt = FeedFilter(channel=args.channel, search=args.search)
    try:
        with History(path, retention_count=None, retention_days=None) as history:
            items = history.page(flt, limit=args.limit)
    except HistoryError as exc:
        print(f"beacon history: {exc}", file=sys.stderr)
        return 1
    try:
        write(items, sys.stdout, as_json=args.json)
        sys.stdout.flush()
    except BrokenPipeError:
        # `beacon history | head`: the reader has all it wanted.
        sys.stderr.close()
    except OSError as exc:
        # A full disk or an I/O error: the listing is incomplete, which a script must see.
        print(f"beacon history: cannot write to standard output: {exc.strerror}", file=sys.stderr)
        _silence_stdout()
        return 1
    return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null: the exit flushes it, and what waits there would fail
    again, as an "Exception ignored" message."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def write(items: list[FeedItem], out: TextIO, *, as_json: bool) -> None:
    """One line per item, in the given order."""
    for item in items:
        out.write((json_line(item) if as_json else human_line(item)) + "\n")


def human_line(item: FeedItem) -> str:
    """``2026-11-27 22:04:05  tickets  Title  preview...`` in local time."""
    when = item.received_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    # Terminal escapes in stored text must not reach the terminal.
    title = _one_line(item.title)
    preview = _one_line(item.body)
    if len(preview) > PREVIEW_MAX:
        preview = preview[: PREVIEW_MAX - 1] + "\u2026"
    return "  ".join(part for part in (when, _one_line(item.channel), title, preview) if part)


def json_line(item: FeedItem) -> str:
    """The item as one line of JSON (see the module docstring)."""
    obj: dict[str, Any] = {
        "id": item.id,
        "account": item.account,
        "channel": item.channel,
        "event": item.event,
        "title": item.title,
        "body": item.body,
        "url": item.url,
        "priority": item.priority.name.lower(),
        "received_at": iso_utc(item),
        "read": item.read,
        "data": _decoded(item.payload),
    }
    return json.dumps(obj, ensure_ascii=False)


def iso_utc(item: FeedItem) -> str:
    """``2026-11-27T21:04:05.123Z``, as ``beacon listen`` prints times."""
    moment = item.received_at.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _decoded(payload: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload


def _one_line(text: str) -> str:
    # Bidi overrides too (items stored before the mapper removed them): in a terminal
    # that orders right-to-left text, one in a title would reverse the rest of its line.
    return " ".join(_CONTROL.sub(" ", strip_bidi_controls(text)).split())
