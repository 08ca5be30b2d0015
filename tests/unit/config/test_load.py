"""Loading config.toml: valid files become Config; every problem names file, line and fix.

Each bad config below marks the line the error must name with ``# <-``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from beacon.config import ConfigError, data_dir, default_config_path, load_config
from beacon.config import options as opt
from beacon.config.model import (
    AccountSettings,
    AuthSettings,
    FeedSettings,
    NotificationSettings,
    Rule,
)

DESIGN_EXAMPLE = """\
[[account]]
name = "support"                  # unique; also the keyring user name
key = "app-key"                   # the public app key
cluster = "eu"                    # Pusher cloud; or host/port/tls for self-hosted:
# host = "127.0.0.1"
channels = ["tickets", "private-agent-7", "presence-support"]

[account.auth]                    # needed for private-, presence-, private-encrypted-
mode = "endpoint"                 # or "sign"
endpoint = "https://helpdesk.example.com/pusher/auth"
headers = { Authorization = "Bearer {secret}" }   # {secret}: the keyring secret

[[rule]]                          # first match wins; no match: defaults below
account = "support"               # optional
channel = "tickets"               # glob
event = "ticket.*"                # glob
notify = "popup"                  # popup | feed | mute
title = "{subject}"               # templates over the event data, dotted paths allowed
body = "{requester.name}: {preview}"
url = "https://helpdesk.example.com/tickets/{id}"
priority = "high"                 # low | normal | high | urgent

[notifications]
quiet_hours = "22:00-07:00"       # popups held back; the feed still fills
keywords = ["outage", "urgent"]   # always popup, highlighted in the feed
coalesce = { count = 5, seconds = 10 }  # more than that: one summary popup
"""

ACCOUNT = """\
[[account]]
name = "support"
key = "app-key"
"""


@dataclass(frozen=True)
class CaFiles:
    """One self-signed CA, made by openssl: its certificate as PEM and DER, and its key."""

    pem: Path
    der: Path
    key: Path


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory: pytest.TempPathFactory) -> CaFiles:
    where = tmp_path_factory.mktemp("ca")
    files = CaFiles(where / "ca.pem", where / "ca.der", where / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(files.key), "-out", str(files.pem), "-days", "1",
         "-subj", "/CN=Beacon test CA"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "x509", "-in", str(files.pem), "-outform", "der", "-out", str(files.der)],
        check=True, capture_output=True,
    )  # fmt: skip
    return files


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def marked_line(text: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "# <-" in line]
    assert len(lines) == 1, "mark exactly one line with # <-"
    return lines[0]


def load_error(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.path == path
    return error


# --- valid files --------------------------------------------------------------------------


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.toml")
    assert config.accounts == ()
    assert config.rules == ()
    assert config.path == tmp_path / "nope.toml"


def test_the_design_example_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, DESIGN_EXAMPLE))
    (account,) = config.accounts
    assert account == AccountSettings(
        name="support",
        key="app-key",
        cluster="eu",
        channels=("tickets", "private-agent-7", "presence-support"),
        auth=AuthSettings(
            mode="endpoint",
            endpoint="https://helpdesk.example.com/pusher/auth",
            headers={"Authorization": "Bearer {secret}"},
        ),
    )
    assert account.auth is not None and account.auth.needs_secret
    assert config.rules == (
        Rule(
            account="support",
            channel="tickets",
            event="ticket.*",
            notify="popup",
            title="{subject}",
            body="{requester.name}: {preview}",
            url="https://helpdesk.example.com/tickets/{id}",
            priority="high",
        ),
    )
    assert config.notifications == NotificationSettings(
        quiet_hours=("22:00", "07:00"),
        keywords=("outage", "urgent"),
        coalesce_count=5,
        coalesce_seconds=10.0,
    )
    assert config.feed == FeedSettings()
    assert config.account("support") is account
    assert config.account("other") is None


def test_self_hosted_sign_account_with_extras(tmp_path: Path, ca_files: CaFiles) -> None:
    shutil.copy(ca_files.pem, tmp_path / "ca.pem")
    config = load_config(
        write(
            tmp_path,
            """\
[[account]]
name = "local"
key = "k"
host = "127.0.0.1"
port = 6001
tls = false
ca_file = "ca.pem"
activity_timeout = 2.5
pong_timeout = 3
signin = true
channels = ["presence-room", "private-encrypted-x", "cache-y", "a_b-c=d@e,f.g;h"]

[account.auth]
mode = "sign"
user = { id = "agent-7", info = { name = "Ann" } }

[feed]
retention_count = 10
retention_days = 2
always_hold = true
""",
        )
    )
    (account,) = config.accounts
    assert account.host == "127.0.0.1"
    assert account.port == 6001
    assert account.tls is False
    assert account.ca_file == tmp_path / "ca.pem"  # relative to the config file
    assert account.activity_timeout == 2.5
    assert account.pong_timeout == 3.0
    assert isinstance(account.pong_timeout, float)
    assert account.signin is True
    assert account.auth == AuthSettings(
        mode="sign", user={"id": "agent-7", "info": {"name": "Ann"}}
    )
    assert account.auth.needs_secret
    assert config.feed == FeedSettings(retention_count=10, retention_days=2, always_hold=True)


def test_templates_that_are_fine(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """\
[[rule]]
title = "{{literal}} {subject}"
body = "no placeholders at all"
url = "{html_url}"
[[rule]]
url = "HTTPS://example.com/{id}"
""",
        )
    )
    assert [r.url for r in config.rules] == ["{html_url}", "HTTPS://example.com/{id}"]


def test_endpoint_without_secret_placeholder_needs_no_secret(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            ACCOUNT
            + """\
host = "127.0.0.1"
channels = ["private-x"]
[account.auth]
mode = "endpoint"
endpoint = "http://127.0.0.1:9/pusher/auth"
headers = { X-Client = "beacon" }
""",
        )
    )
    auth = config.accounts[0].auth
    assert auth is not None and not auth.needs_secret


def test_every_option_has_help_and_a_valid_example() -> None:
    # The examples are quoted in fixes and in docs/config.md: each must be a line that passes.
    checked = 0
    for section in opt.SECTIONS:
        for option in section.options.values():
            assert option.help
            if option.example.startswith("["):  # a header: [account.auth]
                assert option.kind in ("table", "tables")
                continue
            assert option.example.startswith(f"{option.name} = ")
            value = tomllib.loads(option.example)[option.name]
            assert option.validate(value) is None, option.example
            checked += 1
    assert checked >= 30


# --- errors: each names the file, the line, the problem and the fix -----------------------

BAD = [
    pytest.param(
        ACCOUNT + 'cluster = eu  # <-\n', "TOML syntax error: Invalid value", "quotes", id="syntax"
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = ["a",\n  "b"  # <-\n', "TOML syntax error",
        "", id="unclosed-array",
    ),
    pytest.param(
        ACCOUNT + 'clustr = "eu"  # <-\n', "unknown key clustr", 'did you mean "cluster"?',
        id="unknown-account-key",
    ),
    pytest.param(
        '[[acount]]  # <-\nname = "a"\n', "unknown key acount", 'did you mean "account"?',
        id="unknown-top-level",
    ),
    pytest.param(
        '[notifications]\nquiet_hour = "22:00-07:00"  # <-\n', "unknown key quiet_hour",
        'did you mean "quiet_hours"?', id="unknown-notifications-key",
    ),
    pytest.param(
        'name = "support"  # <-\n[[account]]\nkey = "k"\n', "top level: unknown key name",
        "put it under a [[account]] header", id="key-above-headers",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = ["private-a"]\n[account.auth]\nmode = "endpoint"\n'
        'endpoint = "http://auth.example.com/pusher/auth"  # <-\n'
        'headers = { Authorization = "Bearer {secret}" }\n',
        "unencrypted over plain http", "https://", id="secret-over-http",
    ),
    pytest.param(
        '[feed]\nzzz = 1  # <-\n', "unknown key zzz", "retention_count, retention_days",
        id="unknown-without-suggestion",
    ),
    pytest.param(
        '[account]  # <-\nname = "a"\n', "account must be a list of tables", "[[account]]",
        id="single-bracket-account",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nsecret = "s3cr3t"  # <-\n', "secret in the config file",
        "beacon login support", id="secret",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\napp_secret = "s"  # <-\n', "secret in the config file",
        "beacon login support", id="app_secret",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmode = "sign"\ntoken = "t"  # <-\n',
        "auth.token puts a secret", "beacon login support", id="token-in-auth",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\npassword = "p"  # <-\n', "password puts a secret",
        "beacon login support", id="password",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nencryption_master_key = "x"  # <-\n', "secret",
        "beacon login support --encryption-key", id="encryption-key",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = ["private-a"]\n[account.auth]\nmode = "endpoint"\n'
        'endpoint = "https://x.example/auth"\n'
        'headers = { Authorization = "Bearer abc123" }  # <-\n',
        "literal credential", "beacon login support", id="literal-authorization",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nport = "6001"  # <-\n', "port must be a whole number",
        "port = 6001", id="port-type",
    ),
    pytest.param(
        ACCOUNT + 'host = "h"\nport = 70000  # <-\n', "port must be from 1 to 65535",
        "port = 6001", id="port-range",
    ),
    pytest.param(
        ACCOUNT + 'host = "h"\ntls = "no"  # <-\n', "tls must be true or false",
        "tls = false", id="tls-type",
    ),
    pytest.param(
        '[[account]]\nname = ""  # <-\nkey = "k"\ncluster = "eu"\n', "name must not be empty",
        'name = "support"', id="empty-name",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[[account]]\nname = "support"  # <-\nkey = "k"\n'
        'cluster = "eu"\n',
        'the name "support" is already used', "its own name", id="duplicate-name",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[[account]]  # <-\nname = "other"\ncluster = "eu"\n',
        "key is missing", 'add key = "app-key"', id="missing-key",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"  # <-\nhost = "h"\n', "both cluster", "keep cluster",
        id="cluster-and-host",
    ),
    pytest.param(
        '[[account]]  # <-\nname = "a"\nkey = "k"\n', "neither cluster nor host",
        'cluster = "mt1"', id="no-cluster-no-host",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nport = 6001  # <-\n', "port applies only to a self-hosted",
        "host", id="port-without-host",
    ),
    pytest.param(
        ACCOUNT + 'host = "http://example.com/x"  # <-\n', "host must be a host name, not a URL",
        'host = "example.com"', id="host-url",
    ),
    pytest.param(
        ACCOUNT + 'host = "example.com:6001"  # <-\n', "must not include the port",
        "port = 6001", id="host-with-port",
    ),
    pytest.param(
        ACCOUNT + 'host = "fe80::1::2"  # <-\n', "is not a host name or address",
        'host = "127.0.0.1"', id="host-bad-ipv6",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = [\n  "ok",\n  "not ok",  # <-\n]\n',
        'channels holds "not ok", not a valid channel name', "letters, digits",
        id="channel-charset",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = ["ok", "' + "c" * 165 + '"]  # <-\n',
        "165 characters long", "shorten", id="channel-too-long",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = ["ok", 7]  # <-\n', "item 2 is the number 7",
        "quotes", id="channel-not-string",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = ["ok", "ok"]  # <-\n', "listed twice",
        "once", id="channel-twice",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = [\n "tickets",\n "private-agent-7",  # <-\n]\n',
        "needs authorization", "[account.auth]", id="private-without-auth",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nchannels = ["presence-x"]  # <-\n[account.auth]\n'
        'mode = "sign"\n',
        "needs the user to join as", "user = {", id="presence-sign-without-user",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmode = "oauth"  # <-\n',
        'auth.mode must be one of "endpoint" | "sign"', 'mode = "endpoint"', id="auth-mode",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmoed = "sign"  # <-\n',
        "unknown key auth.moed", 'did you mean "mode"?', id="auth-unknown",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]  # <-\nmode = "endpoint"\n',
        "needs the endpoint URL", "endpoint = ", id="endpoint-missing",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmode = "endpoint"\n'
        'endpoint = "helpdesk/auth"  # <-\n',
        "not an http(s) URL", "https://", id="endpoint-not-url",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmode = "sign"\n'
        'endpoint = "https://x/auth"  # <-\n',
        'auth.endpoint is used only with mode = "endpoint"', "remove endpoint",
        id="endpoint-in-sign-mode",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmode = "endpoint"\nendpoint = "https://x/a"\n'
        "headers = { X-Team = 7 }  # <-\n",
        "header X-Team must be a string", 'write it as X-Team = "7"', id="header-not-string",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmode = "endpoint"\nendpoint = "https://x/a"\n'
        'headers = { Authorization = "Bearer {token}" }  # <-\n',
        "uses {token}", "{secret}", id="header-placeholder",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[account.auth]\nmode = "sign"\n'
        'user = { info = { name = "Ann" } }  # <-\n',
        "auth.user.id is missing", 'id = "agent-7"', id="user-without-id",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nactivity_timeout = 0  # <-\n',
        "activity_timeout must be more than 0", "activity_timeout = 120", id="activity-zero",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\npong_timeout = "30s"  # <-\n', "pong_timeout must be a number",
        "pong_timeout = 30", id="pong-type",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nsignin = "yes"  # <-\n', "signin must be true or false",
        "signin = true", id="signin-type",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\nsignin = true  # <-\n', "signin = true needs an [account.auth]",
        "[account.auth]", id="signin-without-auth",
    ),
    pytest.param(
        '[[rule]]\nnotify = "loud"  # <-\n', 'notify must be one of "popup" | "feed" | "mute"',
        'notify = "popup"', id="rule-notify",
    ),
    pytest.param(
        '[[rule]]\npriority = "critical"  # <-\n', "priority must be one of", 'priority = "high"',
        id="rule-priority",
    ),
    pytest.param(
        '[[rule]]\ntitle = 5  # <-\n', "title must be a string", 'title = "5"',
        id="rule-template-type",
    ),
    pytest.param(
        '[[rule]]\ntitle = "{subject} by {requester.name"  # <-\n', 'title has a "{" with no',
        "{{ for a literal {", id="rule-template-unclosed",
    ),
    pytest.param(
        '[[rule]]\nurl = "javascript:alert(1)"  # <-\n', "url must be an http:// or https://",
        'url = "https://', id="rule-url-scheme",
    ),
    pytest.param(
        ACCOUNT + 'cluster = "eu"\n[[rule]]\naccount = "suport"  # <-\n',
        'no [[account]] is named "suport"', 'did you mean "support"?', id="rule-account",
    ),
    pytest.param(
        '[notifications]\nquiet_hours = "10pm-7am"  # <-\n', "not a time range", "22:00-07:00",
        id="quiet-hours-format",
    ),
    pytest.param(
        '[notifications]\nquiet_hours = "07:00-07:00"  # <-\n', "same time", "22:00-07:00",
        id="quiet-hours-empty",
    ),
    pytest.param(
        '[notifications]\nkeywords = [\n  "outage",\n  3,  # <-\n]\n', "item 2 is the number 3",
        "quotes", id="keywords-element",
    ),
    pytest.param(
        '[notifications]\ncoalesce = { count = 0, seconds = 10 }  # <-\n',
        "coalesce.count must be 1 or more", "count = 5", id="coalesce-count",
    ),
    pytest.param(
        '[notifications]\n\n[notifications.coalesce]\ncount = 5\nsecs = 10  # <-\n',
        "unknown key coalesce.secs", 'did you mean "seconds"?', id="coalesce-unknown",
    ),
    pytest.param(
        '[feed]\nretention_days = 0  # <-\n', "retention_days must be 1 or more",
        "retention_days = 90", id="feed-retention",
    ),
    pytest.param(
        '[feed]\nalways_hold = "yes"  # <-\n', "always_hold must be true or false",
        "always_hold = true", id="feed-always-hold",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message", "fix"), BAD)
def test_error_names_file_line_problem_and_fix(
    tmp_path: Path, text: str, message: str, fix: str
) -> None:
    error = load_error(tmp_path, text)
    assert error.line == marked_line(text), error.report()
    assert message in error.message, error.report()
    assert fix in error.fix, error.report()
    where = f"{tmp_path / 'config.toml'}:{error.line}"
    assert str(error) == f"{where}: {error.message}. Fix: {error.fix}"


# --- a wrong type: the fix is the user's own value, retyped (defect 15) -------------------

OWN_VALUE = [
    pytest.param('host = "h"\nport = "7150"  # <-\n', "port = 7150", id="int-in-quotes"),
    pytest.param('host = "h"\nport = " 7150 "  # <-\n', "port = 7150", id="int-spaces"),
    pytest.param('host = "h"\nport = 7150.0  # <-\n', "port = 7150", id="int-as-float"),
    pytest.param('host = "h"\ntls = "no"  # <-\n', "tls = false", id="bool-no"),
    pytest.param('host = "h"\ntls = "True"  # <-\n', "tls = true", id="bool-True"),
    pytest.param('host = "h"\ntls = 1  # <-\n', "tls = true", id="bool-1"),
    pytest.param('cluster = "eu"\npong_timeout = "45"  # <-\n', "pong_timeout = 45",
                 id="number-int"),
    pytest.param('cluster = "eu"\nactivity_timeout = "2.5"  # <-\n', "activity_timeout = 2.5",
                 id="number-float"),
    pytest.param('cluster = "eu"\nchannels = "tickets"  # <-\n', 'channels = ["tickets"]',
                 id="list-from-one-string"),
    pytest.param('cluster = "eu"\nchannels = "tickets, orders"  # <-\n',
                 'channels = ["tickets", "orders"]', id="list-from-commas"),
    pytest.param('cluster = "eu"\nchannels = ["tickets", 7]  # <-\n',
                 'channels = ["tickets", "7"]', id="list-item-quoted"),
    pytest.param('cluster = 5  # <-\n', 'cluster = "5"', id="string-from-number"),
    pytest.param('cluster = ["us2"]  # <-\n', 'cluster = "us2"', id="string-from-list"),
    pytest.param('cluster = "eu"\n[[rule]]\nnotify = "Feed"  # <-\n', 'notify = "feed"',
                 id="choice-case"),
    pytest.param('cluster = "eu"\n[[rule]]\nbody = 3.5  # <-\n', 'body = "3.5"',
                 id="string-from-float"),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "fix"), OWN_VALUE)
def test_a_wrong_type_is_fixed_with_the_users_own_value(
    tmp_path: Path, lines: str, fix: str
) -> None:
    text = ACCOUNT + lines
    error = load_error(tmp_path, text)
    assert error.line == marked_line(text), error.report()
    assert error.fix == f"write it as {fix}" or error.fix == f"put each item in quotes: {fix}", (
        error.report()
    )
    (option,) = [o for o in (*opt.ACCOUNT.values(), *opt.RULE.values())
                 if fix.startswith(f"{o.name} = ")]  # fmt: skip
    if option.example != fix:
        assert option.example not in error.fix


@pytest.mark.parametrize(
    ("lines", "example"),
    [
        pytest.param('host = "h"\nport = "70000"  # <-\n', "port = 6001", id="out-of-range"),
        pytest.param('host = "h"\nport = "7150x"  # <-\n', "port = 6001", id="not-a-number"),
        pytest.param('host = "h"\nport = "' + "9" * 5000 + '"  # <-\n', "port = 6001",
                     id="digits-beyond-int"),
        pytest.param('host = "h"\ntls = "maybe"  # <-\n', "tls = false", id="not-a-boolean"),
        pytest.param('host = "h"\nport = true  # <-\n', "port = 6001", id="boolean-port"),
        pytest.param('cluster = "eu"\n[[rule]]\nnotify = "loud"  # <-\n', 'notify = "popup"',
                     id="no-such-choice"),
    ],
)  # fmt: skip
def test_a_value_that_means_nothing_valid_gets_the_example(
    tmp_path: Path, lines: str, example: str
) -> None:
    text = ACCOUNT + lines
    error = load_error(tmp_path, text)
    assert error.line == marked_line(text), error.report()
    assert error.fix == f"write it as {example}", error.report()


# --- ca_file: checked when the config loads (issue 8, defect 6) --------------------------


def ca_file_error(tmp_path: Path, ca_file: Path | str) -> ConfigError:
    text = ACCOUNT + f'cluster = "eu"\nca_file = "{ca_file}"  # <-\n'
    error = load_error(tmp_path, text)
    assert error.line == marked_line(text), error.report()
    assert len(error.problems) == 1, error.report()
    return error


def test_ca_file_pem_loads(tmp_path: Path, ca_files: CaFiles) -> None:
    config = load_config(write(tmp_path, ACCOUNT + f'cluster = "eu"\nca_file = "{ca_files.pem}"\n'))
    assert config.accounts[0].ca_file == ca_files.pem


def test_ca_file_missing(tmp_path: Path) -> None:
    error = ca_file_error(tmp_path, "missing.pem")
    assert error.message == f'account "support": ca_file {tmp_path / "missing.pem"} does not exist'
    assert "PEM file" in error.fix


def test_ca_file_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    error = ca_file_error(tmp_path, "certs")
    assert "is a directory" in error.message, error.report()
    assert "does not exist" not in error.message
    assert "PEM file itself" in error.fix


def test_ca_file_that_cannot_be_read(tmp_path: Path) -> None:
    # A regular file that opens but fails to read, even for root, who ignores chmod 000.
    error = ca_file_error(tmp_path, "/proc/self/mem")
    assert error.message == 'account "support": ca_file /proc/self/mem cannot be read: ' \
        "Input/output error", error.report()  # fmt: skip
    assert "chmod a+r /proc/self/mem" in error.fix


def test_ca_file_that_is_a_fifo_or_a_device_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)  # opening it to read would block until a writer came
    for path in (fifo, Path("/dev/zero")):
        error = ca_file_error(tmp_path, path)
        assert error.message == f'account "support": ca_file {path} is not a regular file'


def test_ca_file_far_too_large_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.pem"
    with huge.open("wb") as file:
        file.truncate(11 * 2**20)  # sparse: no 11 MB written, none read
    error = ca_file_error(tmp_path, huge)
    assert "is 11 MB, far more than a file of CA certificates holds" in error.message


@pytest.mark.parametrize(
    ("content", "name"),
    [
        pytest.param(b"", "empty.pem", id="empty"),
        pytest.param(b"my company CA\n", "notes.txt", id="text"),
        pytest.param(b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
                     "broken.pem", id="broken-pem"),
        pytest.param(None, "key.pem", id="private-key-only"),
    ],
)  # fmt: skip
def test_ca_file_that_is_not_pem(
    tmp_path: Path, ca_files: CaFiles, content: bytes | None, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(ca_files.key.read_bytes() if content is None else content)
    error = ca_file_error(tmp_path, path)
    assert error.message == f'account "support": ca_file {path} holds no PEM certificate that ' \
        "TLS can load", error.report()  # fmt: skip
    assert "-----BEGIN CERTIFICATE-----" in error.fix


def test_ca_file_in_der_says_how_to_convert(tmp_path: Path, ca_files: CaFiles) -> None:
    error = ca_file_error(tmp_path, ca_files.der)
    assert "binary (DER) certificate, not PEM" in error.message, error.report()
    converted = ca_files.der.with_suffix(".pem")
    assert f"openssl x509 -inform der -in {ca_files.der} -out {converted}" in error.fix
    # The fix works: the command it gives makes a file that loads.
    out = tmp_path / "converted.pem"
    subprocess.run(
        ["openssl", "x509", "-inform", "der", "-in", str(ca_files.der), "-out", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    load_config(write(tmp_path, ACCOUNT + f'cluster = "eu"\nca_file = "{out}"\n'))


def test_errors_in_the_second_account_name_its_own_lines(tmp_path: Path) -> None:
    text = """\
[[account]]
name = "a"
key = "k"
cluster = "eu"
channels = ["private-x"]
[account.auth]
mode = "endpoint"
endpoint = "https://example.com/auth"

[[account]]
name = "b"
key = "k"
cluster = "eu"
channels = ["private-x"]
[account.auth]
mode = "endpoint"
endpoint = "nope"  # <-
"""
    error = load_error(tmp_path, text)
    assert error.line == marked_line(text)
    assert error.message.startswith('account "b": auth.endpoint')


def test_every_problem_is_collected_in_file_order(tmp_path: Path) -> None:
    text = """\
[[account]]
name = "support"
key = "app-key"
clustr = "eu"
port = "6001"

[feed]
retention_days = -1
"""
    error = load_error(tmp_path, text)
    assert [p.line for p in error.problems] == [4, 5, 8]
    assert error.line == 4
    report = error.report()
    assert report.startswith(f"3 problems in {tmp_path / 'config.toml'}:")
    assert "config.toml:8: [feed]: retention_days" in report


def test_a_misspelt_key_is_not_also_reported_missing(tmp_path: Path) -> None:
    error = load_error(tmp_path, '[[account]]\nnmae = "a"\nkey = "k"\ncluster = "eu"\n')
    assert len(error.problems) == 1
    assert 'did you mean "name"?' in error.fix


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[[account]]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 2
    assert "UTF-8" in info.value.fix


def test_a_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_syntax_error_at_end_of_file(tmp_path: Path) -> None:
    error = load_error(tmp_path, "a = 1\nb = [1,\n 2,\n\n")
    assert error.line == 3  # the last line with text, not the blank one after it
    assert "close the list with ]" in error.fix


def test_default_paths_follow_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_config_path() == tmp_path / "cfg" / "beacon" / "config.toml"
    assert data_dir() == tmp_path / "data" / "beacon"
    (tmp_path / "cfg" / "beacon").mkdir(parents=True)
    default_config_path().write_text(ACCOUNT + 'cluster = "eu"\n')
    assert load_config().accounts[0].name == "support"


def test_relative_xdg_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert default_config_path().is_absolute()


def test_ipv6_host(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ACCOUNT + 'host = "::1"\nport = 6001\ntls = false\n'))
    assert config.accounts[0].url("1").startswith("ws://[::1]:6001/app/app-key?")


def test_plain_http_with_the_secret_is_fine_for_localhost(tmp_path: Path) -> None:
    text = ACCOUNT + (
        'host = "127.0.0.1"\nchannels = ["private-x"]\n[account.auth]\nmode = "endpoint"\n'
        'endpoint = "http://localhost:8000/pusher/auth"\n'
        'headers = { Authorization = "Bearer {secret}" }\n'
    )
    auth = load_config(write(tmp_path, text)).accounts[0].auth
    assert auth is not None and auth.needs_secret
