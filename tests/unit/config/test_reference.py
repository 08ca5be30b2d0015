"""docs/config.md: written from the option declarations, and kept current."""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path

import pytest

from beacon.config import load_config, reference
from beacon.config import options as opt

DOCS = Path(__file__).resolve().parents[3] / "docs" / "config.md"


def test_the_committed_reference_is_current() -> None:
    committed = DOCS.read_text(encoding="utf-8")
    generated = reference.markdown()
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            generated.splitlines(keepends=True),
            "docs/config.md (committed)",
            "docs/config.md (from options.py)",
            n=1,
        )
    )
    assert committed == generated, (
        f"docs/config.md is out of date; regenerate it with:\n  {reference.REGENERATE}\n{diff}"
    )


def test_every_option_has_a_row_with_its_default() -> None:
    text = reference.markdown()
    rows = 0
    for section in opt.SECTIONS:
        body = text.split(f"## `{section.header}`\n", 1)[1].split("\n## ", 1)[0]
        for option in section.options.values():
            (row,) = [line for line in body.splitlines() if line.startswith(f"| `{option.name}` |")]
            cells = row.split(" | ")
            if option.required:
                assert cells[2] == "**required**"
            elif option.default is None:
                assert cells[2] == "not set"
            else:
                assert cells[2] == f"`{opt.toml_value(option.default)}`".replace("|", "\\|")
            rows += 1
    assert rows == sum(len(section.options) for section in opt.SECTIONS) >= 30


def test_a_changed_declaration_changes_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    declared = opt.FEED["retention_days"]
    changed = dataclasses.replace(declared, default=7, help="days kept, changed")
    monkeypatch.setitem(opt.FEED, "retention_days", changed)
    assert "| `retention_days` | integer, 1 or more | `7` | days kept, changed |" in (
        reference.markdown()
    )


def test_the_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(reference.EXAMPLE, encoding="utf-8")
    config = load_config(path)
    assert [a.name for a in config.accounts] == ["support", "local"]
    assert len(config.rules) == 2
    assert config.feed.retention_days == 30


def test_a_pipe_in_a_help_text_does_not_split_the_cell() -> None:
    notify = next(line for line in reference.markdown().splitlines() if "| `notify` |" in line)
    assert notify.count(" | ") == 4, notify


def test_the_readme_sends_users_only_to_files_in_the_repository() -> None:
    root = DOCS.parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    # The design notes live outside this repository; users cannot follow a pointer there.
    for outside in ("DESIGN.md", "FACTS.md", "STYLE.md", "../shared"):
        assert outside not in readme
    links = re.findall(r"\]\(([^)#\s]+)", readme)
    local = [link for link in links if "://" not in link and not link.startswith("mailto:")]
    assert {"docs/config.md", "docs/cli.md"} <= set(local)
    assert [link for link in local if not (root / link).is_file()] == []
