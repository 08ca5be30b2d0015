"""``actions`` of a ``[[rule]]``: loaded into ``Action``s, or refused in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from beacon.config import ConfigError, load_config
from beacon.config.model import Action

ACCOUNT = (
    '[[account]]\nname = "support"\nkey = "k"\ncluster = "eu"\nchannels = ["tickets"]\n'
    '[account.auth]\nmode = "endpoint"\nendpoint = "https://h.example/pusher/auth"\n\n'
)


def _actions(tmp_path: Path, actions: str) -> tuple[Action, ...]:
    path = tmp_path / "config.toml"
    path.write_text(ACCOUNT + f"[[rule]]\nactions = [\n{actions}\n]\n", encoding="utf-8")
    (rule,) = load_config(path).rules
    return rule.actions


def test_both_kinds_load(tmp_path: Path) -> None:
    claim, ack = _actions(
        tmp_path,
        '{ label = "Claim", post = "https://h.example/api/tickets/{id}/claim",'
        ' headers = { Authorization = "Bearer {secret}" } },\n'
        '{ label = "Ack", client_event = "client-ack", channel = "private-agent-7" },',
    )
    assert claim == Action(
        label="Claim",
        post="https://h.example/api/tickets/{id}/claim",
        headers={"Authorization": "Bearer {secret}"},
    )
    assert ack == Action(label="Ack", client_event="client-ack", channel="private-agent-7")


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ('{ label = "X" }', "not neither"),
        (
            '{ label = "X", post = "https://h.example/", client_event = "client-a",'
            ' channel = "private-a" }',
            "not both",
        ),
        ('{ post = "https://h.example/" }', "actions.label is missing"),
        ('{ label = "X", post = "https://{host}/claim" }', "placeholder in its host"),
        ('{ label = "X", post = "ftp://h.example/" }', "is not an http(s) URL"),
        ('{ label = "X", post = "https://h.example/{id" }', 'has a "{" with no closing'),
        (
            '{ label = "X", post = "http://h.example/c", headers = { Authorization = '
            '"Bearer {secret}" } }',
            "unencrypted over plain http",
        ),
        ('{ label = "X", post = "https://h.example/c", headers = { X = "{id}" } }', "{id}"),
        ('{ label = "X", client_event = "ack", channel = "private-a" }', "client event name"),
        ('{ label = "X", client_event = "client-a" }', "needs the channel"),
        (
            '{ label = "X", client_event = "client-a", channel = "tickets" }',
            "only on private- and presence-",
        ),
        (
            '{ label = "X", client_event = "client-a", channel = "private-encrypted-a" }',
            "only on private- and presence-",
        ),
        (
            '{ label = "X", post = "https://h.example/c", channel = "private-a" }',
            "channel is used only with client_event",
        ),
    ],
)
def test_refused_in_words(tmp_path: Path, actions: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _actions(tmp_path, actions)
    assert message in info.value.message, info.value.report()
    assert info.value.fix
