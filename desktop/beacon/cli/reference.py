"""The command line reference, ``docs/cli.md``, written from ``beacon``'s own parser.

It reads the parser that ``__main__.build_parser()`` returns and changes nothing, so the
reference names exactly the commands and options that parse; a unit test fails when the
committed file differs from ``markdown()``. Regenerate it with::

    .venv/bin/python -m beacon.cli.reference > docs/cli.md

It is built from the parser's actions, not from ``format_help()``, whose layout follows
the terminal's width and the Python version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from beacon.__main__ import build_parser

REGENERATE = ".venv/bin/python -m beacon.cli.reference > docs/cli.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a bare "|" would end the table cell


def _help(action: argparse.Action) -> str:
    text = action.help or ""
    if "%(" in text:
        text = text % {**vars(action), "default": action.default}
    return text


def _metavar(action: argparse.Action) -> str:
    if isinstance(action.metavar, str):
        return action.metavar
    return action.dest.upper() if action.option_strings else action.dest


def _shown(action: argparse.Action) -> bool:
    return action.help != argparse.SUPPRESS and not isinstance(
        action, argparse._HelpAction | argparse._SubParsersAction
    )


def _spelling(action: argparse.Action) -> str:
    """``--count N``, ``-v, --verbose``, or a positional's name."""
    if not action.option_strings:
        return _metavar(action)
    flags = ", ".join(action.option_strings)
    return flags if action.nargs == 0 else f"{flags} {_metavar(action)}"


def _usage(prog: str, actions: Iterable[argparse.Action]) -> str:
    parts = [prog]
    for action in actions:
        if not _shown(action):
            continue
        if not action.option_strings:
            parts.append(_metavar(action))
            continue
        flag = action.option_strings[-1]
        word = flag if action.nargs == 0 else f"{flag} {_metavar(action)}"
        parts.append(f"[{word}]..." if isinstance(action, argparse._AppendAction) else f"[{word}]")
    return " ".join(parts)


def _default(action: argparse.Action) -> str:
    value = action.default
    # By identity: 0 is a default worth showing (--port 0), and 0 == False.
    if value is None or value is False or value is argparse.SUPPRESS or value == []:
        return ""
    if action.nargs == 0:  # a flag: its "default" is only its absence
        return ""
    return f"`{value}`"


def _options(actions: Iterable[argparse.Action]) -> list[str]:
    rows = [
        f"| `{_spelling(a)}` | {_cell(_help(a))} | {_default(a)} |" for a in actions if _shown(a)
    ]
    if not rows:
        return []
    return ["", "| argument | what it does | default |", "|---|---|---|", *rows]


def _subcommands(
    parser: argparse.ArgumentParser,
) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """(name, help, parser) of each command, in the order the parser lists them."""
    commands = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                commands.append((name, helps.get(name, ""), sub))
    return commands


def markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """The whole of ``docs/cli.md``, for ``parser`` (default: ``beacon``'s)."""
    parser = parser if parser is not None else build_parser()
    common = {a.dest for a in parser._actions if a.option_strings}
    commands = _subcommands(parser)
    lines = [
        "# Command line reference",
        "",
        "<!-- Generated from the parser in desktop/beacon/__main__.py; do not edit.",
        f"     Regenerate with: {REGENERATE} -->",
        "",
        f"{parser.description}",
        "",
        "```",
        f"{_usage(parser.prog, parser._actions)} [COMMAND]",
        "```",
        "",
        f"With no command, `{parser.prog}` starts the app. These options go before or after "
        "the command:",
        *_options(parser._actions),
        "",
        "## Commands",
        "",
        "| command | what it does |",
        "|---|---|",
        *(
            f"| [`{parser.prog} {name}`](#{parser.prog}-{name}) | {_cell(text)} |"
            for name, text, _ in commands
        ),
    ]
    for name, text, sub in commands:
        own = [a for a in sub._actions if not (a.option_strings and a.dest in common)]
        lines += [
            "",
            f"## `{parser.prog} {name}`",
            "",
            f"{text[:1].upper()}{text[1:]}.",
            "",
            "```",
            _usage(f"{parser.prog} {name}", own),
            "```",
            *_options(own),
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
