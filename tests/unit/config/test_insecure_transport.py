"""Credentials over plain ws:// (tls = false) or http:// to a host that is not loopback are
refused when the config loads, unless the account says allow_insecure = true (issue 10).

"Loopback" at load time is a literal loopback address or the name localhost: the loader
never resolves a name (config/transport.py says why; the engine checks the resolved
addresses when it connects: tests/integration/connect/test_insecure_transport.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from beacon.config import ConfigError, load_config
from beacon.config import options as opt
from beacon.config.model import AccountSettings
from beacon.config.transport import (
    all_loopback,
    credentials_in_clear,
    loopback_address,
    loopback_literal,
    plain_ws_guarded,
)

FIX_WORDS = ("set tls = true", "allow_insecure = true")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def account(host: str, body: str, *, extra: str = "") -> str:
    """An account on ``host`` over plain ws://; its ``tls = false`` line is line 5."""
    return (
        '[[account]]\nname = "ops"\nkey = "app-key"\n'
        f'host = "{host}"\ntls = false\nport = 6001\n{extra}{body}'
    )


SIGN = '[account.auth]\nmode = "sign"\nuser = { id = "agent-7" }\n'
ENDPOINT = '[account.auth]\nmode = "endpoint"\nendpoint = "https://auth.example.com/pusher/auth"\n'

# Each way an account puts credentials on its socket.
CREDENTIAL_USES = [
    pytest.param('channels = ["private-agent-7"]\n' + SIGN, 'channel "private-agent-7"',
                 id="private"),
    pytest.param('channels = ["presence-support"]\n' + SIGN, 'channel "presence-support"',
                 id="presence"),
    pytest.param('channels = ["private-encrypted-x"]\n' + SIGN, 'channel "private-encrypted-x"',
                 id="encrypted"),
    pytest.param('channels = ["private-agent-7"]\n' + ENDPOINT, 'channel "private-agent-7"',
                 id="private-endpoint-mode"),
    pytest.param('signin = true\nchannels = ["tickets"]\n' + SIGN, "signin = true",
                 id="signin"),
    pytest.param('item_presence = "presence-ticket-{id}"\n' + SIGN, "item_presence",
                 id="item-presence"),
]  # fmt: skip

NOT_LOOPBACK = [
    "203.0.113.5",
    "10.0.0.7",
    "helpdesk.example.com",
    "localhost.evil.test",  # a name that only starts like localhost
    "evil-localhost",
    "127.0.0.1.nip.io",  # resolves to 127.0.0.1 today, but the loader does not ask
    "::ffff:10.0.0.1",
    "2001:db8::1",
    "0.0.0.0",
]
LOOPBACK = ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "localhost", "localhost.",
            "LocalHost"]  # fmt: skip


@pytest.mark.parametrize(("body", "named"), CREDENTIAL_USES)
def test_credentials_over_plain_ws_to_another_host_are_refused(
    tmp_path: Path, body: str, named: str
) -> None:
    path = write(tmp_path, account("helpdesk.example.com", body))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert len(error.problems) == 1, error.report()
    assert error.path == path
    assert error.line == 5  # tls = false: the line the fix changes
    assert named in error.message
    assert "unencrypted over plain ws:// to helpdesk.example.com" in error.message
    for words in FIX_WORDS:
        assert words in error.fix
    assert str(error).startswith(f"{path}:5: ")


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_only_literal_loopback_passes_without_resolving(tmp_path: Path, host: str) -> None:
    body = 'channels = ["private-agent-7"]\n' + SIGN
    with pytest.raises(ConfigError, match="unencrypted over plain ws://") as caught:
        load_config(write(tmp_path, account(host, body)))
    assert caught.value.line == 5


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts_may_use_plain_ws(tmp_path: Path, host: str) -> None:
    body = 'channels = ["private-agent-7", "presence-x"]\nsignin = true\n' + SIGN
    config = load_config(write(tmp_path, account(host, body)))
    settings = config.accounts[0]
    assert not settings.allow_insecure
    assert credentials_in_clear(settings) == []
    # The engine still checks what the name resolves to before it sends a credential.
    assert plain_ws_guarded(settings)


@pytest.mark.parametrize(("body", "named"), CREDENTIAL_USES)
def test_allow_insecure_accepts_it_and_says_what_goes_in_clear(
    tmp_path: Path, body: str, named: str
) -> None:
    text = account("helpdesk.example.com", body, extra="allow_insecure = true\n")
    settings = load_config(write(tmp_path, text)).accounts[0]
    assert settings.allow_insecure
    assert credentials_in_clear(settings) == [f"over plain ws:// to helpdesk.example.com: {named}"]
    assert not plain_ws_guarded(settings)  # accepted: nothing to check when connecting


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('channels = ["tickets", "cache-x"]\n', id="public-only"),
        pytest.param('channels = ["tickets"]\n' + SIGN, id="auth-table-but-public-channels"),
    ],
)
def test_public_channels_send_no_credentials(tmp_path: Path, body: str) -> None:
    settings = load_config(write(tmp_path, account("203.0.113.5", body))).accounts[0]
    assert not plain_ws_guarded(settings)
    assert credentials_in_clear(settings) == []


def test_tls_true_is_fine_anywhere(tmp_path: Path) -> None:
    text = account("helpdesk.example.com", 'channels = ["private-a"]\n' + SIGN).replace(
        "tls = false", "tls = true"
    )
    settings = load_config(write(tmp_path, text)).accounts[0]
    assert not plain_ws_guarded(settings)
    assert credentials_in_clear(settings) == []


def test_the_problem_is_reported_with_the_others(tmp_path: Path) -> None:
    text = account("203.0.113.5", 'channels = ["private-a"]\nsignin = true\n' + SIGN) + (
        '[[account]]\nname = "two"\nkey = "k"\nhost = "10.1.2.3"\ntls = false\n'
        'channels = ["presence-b"]\n' + SIGN
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    problems = caught.value.problems
    assert [p.line for p in problems] == [5, 16]
    assert '"private-a" (and 1 more)' in problems[0].message
    assert 'account "two"' in problems[1].message


ENDPOINT_HTTP = (
    '[account.auth]\nmode = "endpoint"\n'
    'endpoint = "http://auth.example.com/pusher/auth"\n'
    'headers = { Authorization = "Bearer {secret}" }\n'
)


def test_plain_http_endpoint_with_the_secret_names_allow_insecure(tmp_path: Path) -> None:
    text = (
        '[[account]]\nname = "ops"\nkey = "k"\ncluster = "eu"\nchannels = ["private-a"]\n'
        + ENDPOINT_HTTP
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.line == 8
    assert "unencrypted over plain http" in caught.value.message
    assert "https://" in caught.value.fix and "allow_insecure = true" in caught.value.fix


def test_allow_insecure_accepts_a_plain_http_endpoint_and_catchup(tmp_path: Path) -> None:
    text = (
        '[[account]]\nname = "ops"\nkey = "k"\ncluster = "eu"\nallow_insecure = true\n'
        'channels = ["private-a"]\n' + ENDPOINT_HTTP + "[account.catchup]\n"
        'url = "http://auth.example.com/missed"\nheaders = { Authorization = "Bearer {secret}" }\n'
    )
    settings = load_config(write(tmp_path, text)).accounts[0]
    assert credentials_in_clear(settings) == [
        "the keyring secret over plain http:// to http://auth.example.com/pusher/auth",
        "the keyring secret over plain http:// to http://auth.example.com/missed",
    ]


def test_plain_http_action_needs_the_rule_to_name_an_insecure_account(tmp_path: Path) -> None:
    accounts = (
        '[[account]]\nname = "ops"\nkey = "k"\ncluster = "eu"\nallow_insecure = true\n'
        '[[account]]\nname = "safe"\nkey = "k"\ncluster = "eu"\n'
    )
    action = (
        'actions = [{ label = "Claim", post = "http://x.example.com/claim/{id}", '
        'headers = { Authorization = "Bearer {secret}" } }]\n'
    )
    ok = load_config(write(tmp_path, accounts + '[[rule]]\naccount = "ops"\n' + action))
    assert ok.rules[0].actions[0].post == "http://x.example.com/claim/{id}"
    for rule in ('[[rule]]\naccount = "safe"\n', "[[rule]]\n"):
        with pytest.raises(ConfigError, match="unencrypted over plain http") as caught:
            load_config(write(tmp_path, accounts + rule + action))
        assert "account = to this rule" in caught.value.fix


def test_allow_insecure_must_be_a_boolean(tmp_path: Path) -> None:
    text = account("127.0.0.1", 'channels = ["tickets"]\n', extra='allow_insecure = "yes"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert caught.value.line == 7
    assert caught.value.fix == "write it as allow_insecure = true"


def test_allow_insecure_is_declared_once_off_by_default() -> None:
    assert opt.ACCOUNT["allow_insecure"].default is False
    assert AccountSettings("a", "k").allow_insecure is False


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("::1%lo", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:7f00:1", True),
        ("128.0.0.1", False),
        ("::2", False),
        ("::ffff:192.0.2.1", False),
        ("localhost", False),  # a name, not an address
        ("", False),
    ],
)
def test_loopback_address(address: str, loopback: bool) -> None:
    assert loopback_address(address) is loopback


def test_loopback_literal_knows_localhost_only_as_the_whole_name() -> None:
    assert loopback_literal("localhost") and loopback_literal("localhost.")
    assert not loopback_literal("localhost.evil.test")
    assert not loopback_literal("localhost.localdomain")  # a resolver's business, not ours


def test_all_loopback_needs_every_address_and_at_least_one() -> None:
    assert all_loopback(["127.0.0.1", "::1"])
    assert not all_loopback(["127.0.0.1", "203.0.113.5"])
    assert not all_loopback([])
