"""LineIndex: the line of each table, key and list element of a TOML text."""

from __future__ import annotations

import tomllib

from beacon.config.locate import LineIndex

TEXT = '''\
# comment
[[account]]
name = "a"
channels = [
  "x",  # a comment with ] in it
  "y", "z",
]
note = """
key = "not a key: inside a multi-line string"
"""
[account.auth]
"quoted.key" = 1
a.b.c = 2

[[account]]
name = "b"
nested = [[1, 2], [3,
  4]]

[notifications]
coalesce = { count = 5, seconds = 10 }
inline = [ { name = "q" },
  { name = "r" } ]
'''


def test_paths_map_to_lines() -> None:
    tomllib.loads(TEXT)  # the index only ever sees valid TOML
    index = LineIndex.scan(TEXT)
    expected = {
        ("account", 0): 2,
        ("account", 0, "name"): 3,
        ("account", 0, "channels"): 4,
        ("account", 0, "channels", 0): 5,
        ("account", 0, "channels", 1): 6,
        ("account", 0, "channels", 2): 6,
        ("account", 0, "note"): 8,
        ("account", 0, "auth"): 11,
        ("account", 0, "auth", "quoted.key"): 12,
        ("account", 0, "auth", "a"): 13,
        ("account", 0, "auth", "a", "b", "c"): 13,
        ("account", 1): 15,
        ("account", 1, "name"): 16,
        ("account", 1, "nested", 1, 1): 18,
        ("notifications", "coalesce", "seconds"): 21,
        ("notifications", "inline", 1, "name"): 23,
    }
    for path, line in expected.items():
        assert index.line_of(path) == line, path
    assert ("account", 0, "key") not in index.lines  # the text inside """ is not a key


def test_unknown_paths_fall_back_to_the_nearest_table() -> None:
    index = LineIndex.scan(TEXT)
    assert index.line_of(("account", 1, "auth", "mode")) == 15
    assert index.line_of(("feed", "x")) is None


def test_only_newlines_end_lines() -> None:
    text = '# comment \u2028 still line 1\r\nname = "a\u2029b"\r\nport = 1\r\n'
    index = LineIndex.scan(text)
    assert tomllib.loads(text)["port"] == 1
    assert index.line_of(("name",)) == 2
    assert index.line_of(("port",)) == 3
