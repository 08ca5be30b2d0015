"""``[account.catchup]``: declared once in options.py, loaded, and refused in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from beacon.config import ConfigError, load_config
from beacon.config.model import CatchupSettings

ACCOUNT = '[[account]]\nname = "support"\nkey = "k"\ncluster = "eu"\nchannels = ["tickets"]\n'


def _load(tmp_path: Path, catchup: str) -> CatchupSettings | None:
    path = tmp_path / "config.toml"
    path.write_text(ACCOUNT + "[account.catchup]\n" + catchup, encoding="utf-8")
    (account,) = load_config(path).accounts
    return account.catchup


def _error(tmp_path: Path, catchup: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, catchup)
    return info.value


def test_loads_with_secret_headers(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        'url = "https://helpdesk.example.com/pusher/missed"\n'
        'headers = { Authorization = "Bearer {secret}" }\n',
    )
    assert settings == CatchupSettings(
        url="https://helpdesk.example.com/pusher/missed",
        headers={"Authorization": "Bearer {secret}"},
    )
    assert settings.needs_secret


def test_no_table_no_catchup(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(ACCOUNT, encoding="utf-8")
    assert load_config(path).accounts[0].catchup is None


@pytest.mark.parametrize(
    ("catchup", "message", "fix"),
    [
        ("", "catchup.url is missing", 'url = "https://example.com/pusher/missed"'),
        ('url = "ftp://x/y"\n', "is not an http(s) URL", "url ="),
        (
            'url = "http://helpdesk.example.com/missed"\n'
            'headers = { Authorization = "Bearer {secret}" }\n',
            "unencrypted over plain http",
            "https://",
        ),
        (
            'url = "https://h.example/m"\nheaders = { Authorization = "Bearer abc" }\n',
            "literal credential",
            "{secret}",
        ),
        ('url = "https://h.example/m"\nheaders = { X = "{subject}" }\n', "{subject}", "{secret}"),
        ('url = "https://h.example/m"\nsince = 5\n', "unknown key catchup.since", ""),
    ],
)
def test_refused_in_words(tmp_path: Path, catchup: str, message: str, fix: str) -> None:
    error = _error(tmp_path, catchup)
    assert message in error.message, error.report()
    assert fix in error.fix, error.report()


def test_plain_http_to_loopback_is_fine(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        'url = "http://127.0.0.1:8080/missed"\nheaders = { Authorization = "Bearer {secret}" }\n',
    )
    assert settings is not None and settings.url.startswith("http://127.0.0.1")
