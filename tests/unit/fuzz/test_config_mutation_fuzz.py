"""A valid, complete config, then mutated: characters cut, spliced and replaced, lines
dropped, doubled and swapped, values swapped for odd TOML values. Whatever is left,
``load_config`` returns a Config or raises a ConfigError whose problems have a line in the
file and a fix; nothing else escapes, and loading never touches the network.

tests/unit/config/test_load_fuzz.py mixes fragments and random text; mutations of a whole
valid file reach deeper: most of them are still TOML, so they test the model's checks.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.config import Config, ConfigError, load_config
from beacon.config.reference import EXAMPLE

# The reference's example, with more of the options a mutation can reach: the
# connection's timers, an encrypted channel, sign-in and signed auth.
VALID = EXAMPLE.replace(
    'channels = ["tickets", "private-agent-7", "presence-support"]\n',
    'channels = ["tickets", "private-agent-7", "presence-support"]\n'
    "activity_timeout = 60\npong_timeout = 10\n",
).replace(
    'channels = ["deploys"]\n',
    'channels = ["deploys", "private-encrypted-x"]\nsignin = true\n\n'
    '[account.auth]\nmode = "sign"\nuser = { id = "ann", info = { name = "Ann" } }\n',
)

ODD_VALUES = [
    "1e400", "-0", "inf", "-inf", "nan", "0x7fffffffffffffff", "99999999999999999999",
    '"\\u0000"', '""', "[]", "{}", "[[]]", '"' + "x" * 5000 + '"', "1979-05-27",
    "07:32:00", "1979-05-27T07:32:00Z", "true", "false", '"{"', '"}"', '"{a.b.c}"',
    '"http://127.0.0.1:1/"', '"ws://[::1]:0"', '"/dev/zero"', '"/proc/self/mem"',
    '"\\ud7ff"', "'''\nmulti\n'''", "[1, 'a', 2.5]", "{ x = { y = { z = 1 } } }",
]  # fmt: skip

_VALUE = re.compile(r"(?m)^(\s*[\w\"]+\s*=\s*)(.+)$")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 6))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["cut", "splice", "replace", "drop", "double", "swap", "value"]))
        if op == "cut" and text:
            a = draw(st.integers(0, len(text) - 1))
            text = text[:a] + text[a + draw(st.integers(1, 40)) :]
        elif op == "splice":
            a = draw(st.integers(0, len(text)))
            text = text[:a] + draw(st.text(min_size=1, max_size=20)) + text[a:]
        elif op == "replace" and text:
            a = draw(st.integers(0, len(text) - 1))
            text = text[:a] + draw(st.characters()) + text[a + 1 :]
        elif op == "drop":
            del lines[draw(st.integers(0, len(lines) - 1))]
            text = "\n".join(lines)
        elif op == "double":
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == "swap":
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif op == "value":
            spots = list(_VALUE.finditer(text))
            if spots:
                spot = draw(st.sampled_from(spots))
                value = draw(st.sampled_from(ODD_VALUES))
                text = text[: spot.start(2)] + value + text[spot.end(2) :]
    return text


class NetworkWatch:
    """An audit hook that notes any socket use while ``armed``; audit hooks cannot be
    removed, so one is installed for the module and armed around each load."""

    def __init__(self) -> None:
        self.armed = False
        self.seen: list[str] = []
        sys.addaudithook(self)

    def __call__(self, event: str, args: Any) -> None:
        if self.armed and event.startswith("socket."):
            self.seen.append(event)


WATCH = NetworkWatch()


def check(text: str) -> Config | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        WATCH.seen.clear()
        WATCH.armed = True
        try:
            config = load_config(path)
        except ConfigError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.line is None or 1 <= problem.line <= text.count("\n") + 1
                assert problem.fix
            return None
        finally:
            WATCH.armed = False
            assert not WATCH.seen, f"loading the config used the network: {WATCH.seen}"
        assert isinstance(config, Config)
        return config


def test_the_unmutated_config_loads() -> None:
    config = check(VALID)
    assert config is not None and len(config.accounts) == 2
    # The additions to the reference's example took.
    assert config.accounts[0].activity_timeout == 60
    assert config.accounts[1].signin


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_any_mutation_of_a_valid_config_loads_or_fails_cleanly(text: str) -> None:
    check(text)
