"""Logging for every command: named loggers per layer, one stderr handler.

Layers log to ``beacon.<layer>`` (``beacon.pusher``, ``beacon.connect``, ...), so
``-v`` can be read per subsystem. Secrets are redacted by construction: they are
``credentials.Secret`` values, whose repr and str are ``'***'``.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_HANDLER_NAME = "beacon-stderr"


def setup_logging(verbosity: int = 0, stream: TextIO | None = None) -> None:
    """Warnings by default; ``-v`` adds info, ``-vv`` debug. Safe to call twice."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    root = logging.getLogger("beacon")
    root.setLevel(level)
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
    root.addHandler(handler)
    # Library chatter (websockets' per-frame debug, httpx's request lines) stays out
    # unless asked for twice.
    if verbosity < 2:
        for name in ("websockets", "httpx", "httpcore", "asyncio"):
            logging.getLogger(name).setLevel(logging.WARNING)
