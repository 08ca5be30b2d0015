"""Drafts applied to the user's TOML: only what changed is touched (no Qt involved)."""

from __future__ import annotations

from pathlib import Path

from beacon.config.load import parse_config
from beacon.services.settings import NotificationsDraft, drafts_of, render, write_atomically

USER_FILE = """\
# Beacon, as the user wrote it
[[account]]
name = "one"   # the first
key = "k1"
host = "ws.example.com"
channels = ["a"]

[account.auth]
mode = "endpoint"
endpoint = "https://example.com/auth"  # our helpdesk
headers = { Authorization = "Bearer {secret}" }

# the second: Pusher's cloud
[[account]]
name = "two"
key = "k2"
cluster = "eu"

# the third
[[account]]
name = "three"
key = "k3"
cluster = "us2"

[[rule]]
event = "ticket.*"   # tickets only
title = "{subject}"
"""


def test_unchanged_drafts_give_the_same_text_back() -> None:
    drafts = drafts_of(parse_config(USER_FILE, Path("c.toml")))
    assert render(USER_FILE, drafts.accounts, drafts.notifications) == USER_FILE


def test_removing_the_middle_account_keeps_every_other_line() -> None:
    drafts = drafts_of(parse_config(USER_FILE, Path("c.toml")))
    kept = [d for d in drafts.accounts if d.name != "two"]
    text = render(USER_FILE, kept, drafts.notifications)
    # The account goes with the comment written above it; the comment above the next
    # account (which tomlkit stores inside the removed one) stays.
    removed = {'name = "two"', 'key = "k2"', 'cluster = "eu"', "# the second: Pusher's cloud"}
    for line in USER_FILE.splitlines():
        assert (line in text) is (line not in removed), line
    assert '\n\n# the third\n[[account]]\nname = "three"' in text
    assert [a.name for a in parse_config(text, Path("c.toml")).accounts] == ["one", "three"]


def test_an_edit_touches_only_its_keys() -> None:
    drafts = drafts_of(parse_config(USER_FILE, Path("c.toml")))
    first = drafts.accounts[0]
    first.channels = ["a", "b"]
    first.auth_mode = "sign"
    text = render(USER_FILE, drafts.accounts, NotificationsDraft(keywords=["outage"]))
    assert 'name = "one"   # the first' in text
    assert 'channels = ["a", "b"]' in text
    assert "endpoint" not in text.split("# the second")[0]  # sign mode needs none
    config = parse_config(text, Path("c.toml"))
    assert config.accounts[0].auth is not None and config.accounts[0].auth.mode == "sign"
    assert config.notifications.keywords == ("outage",)
    assert text.index("[[rule]]") < text.index("[notifications]")


def test_write_atomically_keeps_the_mode_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# old\n", encoding="utf-8")
    path.chmod(0o640)
    write_atomically(path, "# new\n")
    assert path.read_text(encoding="utf-8") == "# new\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
    fresh = tmp_path / "sub" / "config.toml"
    write_atomically(fresh, "# made\n")
    assert fresh.stat().st_mode & 0o777 == 0o600  # names servers and accounts
