"""The config file reference, ``docs/config.md``, written from the option declarations.

Every key, type, default, limit and help text comes from ``options.py``, so the reference
cannot drift from what the loader accepts; a unit test fails when the committed file differs
from ``markdown()``. Regenerate it with::

    .venv/bin/python -m beacon.config.reference > docs/config.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from beacon.config import options as opt

REGENERATE = ".venv/bin/python -m beacon.config.reference > docs/config.md"

_KIND_NAMES: dict[opt.Kind, str] = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "strings": "list of strings",
    "table": "table",
    "tables": "list of tables",
}

# A whole file that loads: the reference shows it first, and a test loads it.
EXAMPLE = """\
[[account]]
name = "support"
key = "app-key"
cluster = "eu"                  # Pusher's cloud; for your own server: host, port, tls
channels = ["tickets", "private-agent-7", "presence-support"]

[account.auth]
mode = "endpoint"
endpoint = "https://helpdesk.example.com/pusher/auth"
headers = { Authorization = "Bearer {secret}" }   # {secret}: from beacon login support

[[account]]
name = "local"
key = "app-key"
host = "127.0.0.1"
port = 6001
tls = false
channels = ["deploys"]

[[rule]]
account = "support"
channel = "tickets"
event = "ticket.*"
title = "{subject}"
body = "{requester.name}: {preview}"
url = "https://helpdesk.example.com/tickets/{id}"
priority = "high"

[[rule]]
channel = "deploys"
notify = "feed"

[notifications]
quiet_hours = "22:00-07:00"
keywords = ["outage", "urgent"]
coalesce = { count = 5, seconds = 10 }

[feed]
retention_days = 30
"""


def _cell(text: str) -> str:
    # A "|" would end the table cell, even inside `code`; GitHub's tables take "\|".
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return _cell(f"`{text}`")


def _type(option: opt.Option) -> str:
    words = [_KIND_NAMES[option.kind]]
    if option.choices:
        words = ["one of " + ", ".join(_code(opt.toml_value(c)) for c in option.choices)]
    low, high = option.minimum, option.maximum
    if low is not None and high is not None:
        words.append(f"{low:g} to {high:g}")
    elif low is not None:
        words.append(f"{low:g} or more")
    elif high is not None:
        words.append(f"{high:g} or less")
    if option.positive:
        words.append("more than 0")
    if option.non_empty:
        words.append("no empty items" if option.kind == "strings" else "not empty")
    return ", ".join(words)


def _default(option: opt.Option) -> str:
    if option.required:
        return "**required**"
    if option.default is None:
        return "not set"
    return _code(opt.toml_value(option.default))


def _table(section: opt.Section) -> Iterable[str]:
    yield "| key | type | default | what it is | example |"
    yield "|---|---|---|---|---|"
    for option in section.options.values():
        yield (
            f"| {_code(option.name)} | {_type(option)} | {_default(option)} "
            f"| {_cell(option.help)} | {_code(option.example)} |"
        )


def markdown() -> str:
    """The whole of ``docs/config.md``."""
    lines = [
        "# Config file reference",
        "",
        "<!-- Generated from desktop/beacon/config/options.py; do not edit. Regenerate with:",
        f"     {REGENERATE} -->",
        "",
        "Beacon reads one TOML file: `$XDG_CONFIG_HOME/beacon/config.toml` (most often",
        "`~/.config/beacon/config.toml`), or the file that `--config PATH` names. A missing",
        "file is an empty config. `beacon check` validates it, and every mistake is reported",
        "with the file, the line and a fix.",
        "",
        "## Example",
        "",
        "```toml",
        *EXAMPLE.splitlines(),
        "```",
        "",
        "## Tables",
        "",
        "| table | what it holds |",
        "|---|---|",
        *(
            f"| [{_code(s.header)}](#{_anchor(s.header)}) | {_cell(s.holder.help)} |"
            for s in opt.SECTIONS
        ),
        "",
        "A key that is not listed here is refused, with the closest known key as a hint.",
        "A table written inline (`coalesce = { count = 5, seconds = 10 }`) and the same table",
        "under its own header are the same thing.",
    ]
    for section in opt.SECTIONS:
        lines += ["", f"## `{section.header}`", "", f"{section.holder.help[0].upper()}"
                  f"{section.holder.help[1:]}.", "", *_table(section)]  # fmt: skip
    secrets = sorted(opt.SECRET_KEYS | opt.ENCRYPTION_KEYS)
    lines += [
        "",
        "## Secrets",
        "",
        "Secrets never go in this file. `beacon login ACCOUNT` stores an account's secret in",
        "the OS keyring (`--encryption-key` for the encryption master key), and a header",
        'template takes it as `{secret}`: `headers = { Authorization = "Bearer {secret}" }`.',
        "These keys are refused wherever they appear, as is any key ending in `_secret`,",
        "`_token` or `_password`:",
        "",
        ", ".join(f"`{key}`" for key in secrets) + ".",
        "",
    ]
    return "\n".join(lines)


def _anchor(header: str) -> str:
    """GitHub's anchor for a ``## header`` heading: lower case, punctuation dropped."""
    return "".join(c for c in header.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")


def main() -> int:
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
