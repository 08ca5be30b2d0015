"""Option.validate's fixes: a line quoted as the fix is itself valid TOML and a valid value."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.config import options as opt

OPTIONS = [option for section in opt.SECTIONS for option in section.options.values()]

SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["7150", " 42 ", "2.5", "yes", "Off", "a, b", "popup", "FEED", "1e3"]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(OPTIONS), VALUES)
def test_a_fix_line_is_valid_toml_and_passes(option: opt.Option, value: Any) -> None:
    problem = option.validate(value)
    # Only the type, choice and list-item problems retype the value; the other checks
    # (a time range, a host name) give fixes in words.
    if problem is None or not problem.message.startswith(("must be", "must hold only strings")):
        return
    for lead in ("write it as ", "put each item in quotes: "):
        if problem.fix.startswith(lead):
            line = problem.fix.removeprefix(lead)
            if line == option.example:
                return
            parsed = tomllib.loads(line)
            assert list(parsed) == [option.name], line
            assert option.validate(parsed[option.name]) is None, line
            return


@pytest.mark.parametrize(
    "text",
    ["plain", 'say "hi"', "back\\slash", "tab\there", "line\nbreak", "\x00\x1f\x7f", "é ✓ \u2028"],
)
def test_toml_value_round_trips_strings(text: str) -> None:
    assert tomllib.loads(f"v = {opt.toml_value(text)}")["v"] == text


def test_toml_value_of_the_other_types() -> None:
    value = {"a": [1, 2.5, True], "odd key": {}, "b": "x"}
    line = f"v = {opt.toml_value(value)}"
    assert line == 'v = { a = [1, 2.5, true], "odd key" = {}, b = "x" }'
    assert tomllib.loads(line)["v"] == value
