"""Whatever the file holds, load_config returns a Config or raises ConfigError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.config import Config, ConfigError, load_config

FRAGMENTS = [
    "[[account]]", "[account.auth]", "[[rule]]", "[notifications]", "[feed]",
    "[notifications.coalesce]", "[account]", "[[account.auth]]",
    'name = "support"', 'name = ""', "name = 5", 'key = "k"', 'cluster = "eu"',
    'host = "127.0.0.1"', "port = 6001", "port = -1", "tls = false", 'tls = "no"',
    'channels = ["tickets", "private-x", "presence-y"]', 'channels = [\n"a",\n3]',
    'channels = ["bad name"]', 'mode = "sign"', 'mode = "endpoint"', 'mode = 1',
    'endpoint = "https://x/a"', 'endpoint = "nope"',
    'headers = { Authorization = "Bearer {secret}" }', 'headers = { A = 1 }',
    'user = { id = "u", info = { n = "N" } }', "user = { }", 'secret = "s"',
    'auth = { mode = "sign" }', "signin = true", "activity_timeout = 0.5",
    'notify = "popup"', 'notify = "x"', 'priority = "urgent"', 'title = "{a"',
    'quiet_hours = "22:00-07:00"', 'quiet_hours = "x"', "keywords = ['a', 'b']",
    "coalesce = { count = 2, seconds = 1.5 }", "count = 0", "retention_days = 1",
    'always_hold = true', '"quoted key" = 1', "a.b.c = 1", 'note = """\nx = 1\n"""',
    "# a comment \u2028 with a line separator", 'v = "para\u2029graph"', "", "=", "[",
    'x = "unclosed', "y = [1,", "when = 1979-05-27T07:32:00Z",
    'ca_file = "ca.pem"', 'ca_file = "/"', 'ca_file = ""', 'ca_file = "/etc/hostname"',
    'port = "7150"', "port = 7150.0", 'channels = "a, b"', "tls = 1", 'notify = "FEED"',
    "channels = [1, 2.5, true]", 'key = ["k"]', "cluster = 3",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25))
def test_fragments_never_crash(lines: list[str]) -> None:
    check("\n".join(lines) + "\n")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_never_crashes(text: str) -> None:
    check(text)


def check(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            config = load_config(path)
        except ConfigError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.line is None or 1 <= problem.line <= text.count("\n") + 1
                assert problem.fix
            return
        assert isinstance(config, Config)
