"""``item_presence`` and ``item_presence_max``: declared once in options.py, loaded, and
refused in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from beacon.config import ConfigError, load_config
from beacon.config.model import AccountSettings
from beacon.services.presence import initials, member_name

HEAD = '[[account]]\nname = "support"\nkey = "k"\ncluster = "eu"\nchannels = ["tickets"]\n'
AUTH = '[account.auth]\nmode = "sign"\nuser = { id = "agent-7" }\n'


def _load(tmp_path: Path, lines: str, auth: str = AUTH) -> AccountSettings:
    path = tmp_path / "config.toml"
    path.write_text(HEAD + lines + auth, encoding="utf-8")
    (account,) = load_config(path).accounts
    return account


def _error(tmp_path: Path, lines: str, auth: str = AUTH) -> str:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, lines, auth)
    return str(info.value)


def test_loads_with_its_default_cap(tmp_path: Path) -> None:
    account = _load(tmp_path, 'item_presence = "presence-ticket-{id}"\n')
    assert account.item_presence == "presence-ticket-{id}"
    assert account.item_presence_max == 2


def test_off_unless_set(tmp_path: Path) -> None:
    account = _load(tmp_path, "")
    assert account.item_presence is None


def test_the_cap_is_configurable(tmp_path: Path) -> None:
    account = _load(tmp_path, 'item_presence = "presence-t-{id}"\nitem_presence_max = 1\n')
    assert account.item_presence_max == 1


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('item_presence = "private-ticket-{id}"', "does not name a presence- channel"),
        ('item_presence = "presence-ticket-{id"', 'has a "{" with no closing "}"'),
        ('item_presence = "presence-ticket {id}"', "not a valid channel name"),
        ("item_presence_max = 11", "item_presence_max"),
        ("item_presence_max = -1", "item_presence_max"),
    ],
)
def test_refused_in_words(tmp_path: Path, line: str, words: str) -> None:
    assert words in _error(tmp_path, line + "\n")


def test_needs_auth(tmp_path: Path) -> None:
    message = _error(tmp_path, 'item_presence = "presence-ticket-{id}"\n', auth="")
    assert "item_presence joins presence channels, which need [account.auth]" in message


@pytest.mark.parametrize(
    ("user_id", "info", "name", "letters"),
    [
        ("agent-7", {"name": "Priya Shah"}, "Priya Shah", "PS"),
        ("agent-5", {"name": "Tomás García López"}, "Tomás García López", "TL"),
        ("ann", None, "ann", "A"),
        ("u1", {"name": "  "}, "u1", "U"),
        ("u2", {"display_name": "Sam"}, "Sam", "S"),
        ("u3", {"name": "(!)"}, "(!)", "?"),
    ],
)
def test_names_and_initials_from_member_info(
    user_id: str, info: object, name: str, letters: str
) -> None:
    assert member_name(user_id, info) == name
    assert initials(name) == letters
