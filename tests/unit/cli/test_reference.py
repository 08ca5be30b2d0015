"""docs/cli.md: written from beacon's own argparse parser, and kept current."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from beacon.__main__ import build_parser
from beacon.cli import reference

DOCS = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def test_the_committed_reference_is_current() -> None:
    committed = DOCS.read_text(encoding="utf-8")
    generated = reference.markdown()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            generated.splitlines(keepends=True),
            "docs/cli.md (committed)",
            "docs/cli.md (from the parser)",
            n=1,
        )
    )
    assert committed == generated, (
        f"docs/cli.md is out of date; regenerate it with:\n  {reference.REGENERATE}\n{diff}"
    )


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_command_and_option_is_documented() -> None:
    parser = build_parser()
    text = reference.markdown(parser)
    commands = _commands(parser)
    assert {"listen", "login", "check", "history", "demo-server"} <= set(commands)
    for name, sub in commands.items():
        section = text.split(f"## `beacon {name}`\n", 1)[1].split("\n## ", 1)[0]
        for action in sub._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help", "--config", "-v", "--verbose"):
                    assert f"`{flag}" in section, (name, flag)
    for flag in ("--config PATH", "-v, --verbose", "--version"):
        assert f"| `{flag}` |" in text


def test_a_new_option_appears_with_its_help_and_default() -> None:
    parser = build_parser()
    listen = _commands(parser)["listen"]
    listen.add_argument("--before", metavar="T", default="1h", help="from T back | or later")
    text = reference.markdown(parser)
    assert "| `--before T` | from T back \\| or later | `1h` |" in text
    assert "[--since T] [--before T]\n" in text
