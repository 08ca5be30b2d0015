"""Consent to ``[[signal]]``: nothing runs until the user has confirmed the exact commands.

A config file is only text; whoever can write it (a synced dotfile, a pasted snippet) would
otherwise choose programs for Beacon to start on every matching event. So the app runs
signals only once the user has pressed "Run these signals" in the settings window for
exactly the definitions the config holds now. What was confirmed is kept as a digest of
those definitions in the state dir; any edit to a command, URL, glob or limit changes the
digest, and the app asks again. ``beacon listen --signals`` takes its flag as the
confirmation for that run and stores nothing.

No Qt and no network here: the settings window shows :func:`describe` and calls
:func:`confirm`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from beacon.config.model import SignalSpec

__all__ = ["CONSENT_FILE", "confirm", "describe", "digest", "is_confirmed"]

log = logging.getLogger("beacon.signals")

#: Under ``config.load.state_dir()``.
CONSENT_FILE = "signals-confirmed"


def digest(signals: Sequence[SignalSpec]) -> str:
    """A hex digest of every definition, in order: changes whenever any of them does."""
    canonical = [
        {
            "account": s.account,
            "channel": s.channel,
            "event": s.event,
            "run": list(s.run) if s.run is not None else None,
            "post": s.post,
            "max_per_minute": s.max_per_minute,
            "timeout": s.timeout,
        }
        for s in signals
    ]
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def describe(signal: SignalSpec) -> str:
    """What the signal does, exactly as it will run: the argv as a JSON list (so that
    every argument's bounds show), or the POST's URL template; then what it matches."""
    what = (
        "run " + json.dumps(list(signal.run), ensure_ascii=False)
        if signal.run is not None
        else f"POST {signal.post}"
    )
    where = f"channel {signal.channel}, event {signal.event}"
    if signal.account is not None:
        where = f"account {signal.account}, {where}"
    return f"{what}  (on {where})"


def is_confirmed(signals: Sequence[SignalSpec], path: Path) -> bool:
    """Whether the user confirmed exactly these definitions. No signals need no consent."""
    if not signals:
        return True
    try:
        stored = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    return stored == digest(signals)


def confirm(signals: Sequence[SignalSpec], path: Path) -> None:
    """Record that the user confirmed these definitions (atomically: a crash never leaves
    half a digest, which would only ask again, but a torn file is untidy)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(digest(signals) + "\n", encoding="ascii")
    os.replace(partial, path)
    log.info("signals confirmed: %d definition(s)", len(signals))
