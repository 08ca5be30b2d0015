"""The one exception a bad config file raises, with where it is wrong and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class ConfigError(Exception):
    """A problem in the config file: ``PATH:LINE: message. Fix: ...``.

    ``load_config`` collects every problem it finds; the exception it raises is the first
    (lowest line), and ``problems`` holds all of them, that one first, so a caller can show
    one clear message or the whole list (``report()``).
    """

    def __init__(
        self,
        path: Path | None,
        line: int | None,
        message: str,
        fix: str,
        problems: Sequence[ConfigError] = (),
    ) -> None:
        super().__init__(path, line, message, fix)
        self.path = path
        self.line = line
        self.message = message.rstrip(". ")
        self.fix = fix
        self.problems: tuple[ConfigError, ...] = tuple(problems) or (self,)

    @property
    def location(self) -> str:
        """``PATH:LINE``, or just ``PATH`` when no line applies."""
        where = str(self.path) if self.path is not None else "<config>"
        return f"{where}:{self.line}" if self.line is not None else where

    def __str__(self) -> str:
        return f"{self.location}: {self.message}. Fix: {self.fix}"

    def report(self) -> str:
        """Every problem found, one per line, in file order."""
        if len(self.problems) == 1:
            return str(self)
        head = f"{len(self.problems)} problems in {self.path}:"
        return "\n".join([head, *(f"  {problem}" for problem in self.problems)])
