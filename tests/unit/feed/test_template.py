"""The safe template language of rules: dotted paths, escapes, and no surprises."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.feed.template import lookup, render, to_text

DATA = {
    "id": 42,
    "subject": "Printer on fire",
    "requester": {"name": "Ann", "tags": ["vip", "eu"]},
    "items": [{"name": "toner"}, {"name": "paper"}],
    "open": True,
    "closed": False,
    "score": 1.5,
    "nothing": None,
    "0": "zero key",
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{subject}", "Printer on fire"),
        ("#{id}: {subject}", "#42: Printer on fire"),
        ("{requester.name}", "Ann"),
        ("{ requester.name }", "Ann"),
        ("{items.0.name} and {items.1.name}", "toner and paper"),
        ("{requester.tags.1}", "eu"),
        ("{requester.tags}", '["vip","eu"]'),
        ("{requester}", '{"name":"Ann","tags":["vip","eu"]}'),
        ("{open}/{closed}", "true/false"),
        ("{score}", "1.5"),
        ("{nothing}", ""),
        ("{0}", "zero key"),
        ("no placeholders", "no placeholders"),
        ("", ""),
    ],
)
def test_renders_paths(template: str, expected: str) -> None:
    assert render(template, DATA) == expected


@pytest.mark.parametrize(
    "template",
    [
        "{missing}",
        "{requester.missing}",
        "{items.2.name}",
        "{items.-1.name}",
        "{items.name}",
        "{subject.0}",
        "{id.real}",
        "{}",
        "{.}",
        "{requester..name}",
        "{items.1_0}",
        "{items.\u0661}",  # ARABIC-INDIC DIGIT ONE: isdigit() but not an index
    ],
)
def test_missing_paths_render_empty(template: str) -> None:
    assert render(template, DATA) == ""


@pytest.mark.parametrize(
    "template",
    [
        "{subject!r}",
        "{subject!s}",
        "{subject:>40}",
        "{subject.__class__}",
        "{requester.__class__.__mro__}",
        "{__class__}",
        "{requester.__dict__}",
        "{subject.upper}",
        "{items.__len__}",
        "{0.__class__.__init__.__globals__}",
    ],
)
def test_format_syntax_is_only_a_missing_key(template: str) -> None:
    assert render(template, DATA) == ""


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{subject}}", "{subject}"),
        ("{{{subject}}}", "{Printer on fire}"),
        ("a {{ b }} c", "a { b } c"),
        ('json: {{"id": {id}}}', 'json: {"id": 42}'),
        ("unclosed {subject", "unclosed {subject"),
        ("lone } brace", "lone } brace"),
        ("{", "{"),
        ("}", "}"),
        ("{a{subject}", "{aPrinter on fire"),
        ("{{", "{"),
    ],
)
def test_braces(template: str, expected: str) -> None:
    assert render(template, DATA) == expected


def test_non_dict_data() -> None:
    assert render("{0}", ["first"]) == "first"
    assert render("x{a}y", "just a string") == "xy"
    assert render("{a}", None) == ""
    assert render("{a}", 12) == ""


def test_escape_applies_to_values_only() -> None:
    out = render("https://x/{subject}?q={id}", DATA, escape=lambda v: v.replace(" ", "+"))
    assert out == "https://x/Printer+on+fire?q=42"


def test_lookup_and_to_text() -> None:
    assert lookup(DATA, "requester.tags.0") == "vip"
    assert lookup(DATA, "nope") is None
    assert to_text(float("nan")) == ""
    assert to_text({"a": "\u00e9"}) == '{"a":"\u00e9"}'


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


@settings(deadline=None)
@given(template=st.text(), data=json_values)
def test_render_never_raises(template: str, data: Any) -> None:
    assert isinstance(render(template, data), str)


@settings(deadline=None)
@given(
    template=st.lists(
        st.sampled_from(["{", "}", "{{", "}}", ".", "!r", ":>9", "__class__", "a", "0", " "]),
        max_size=30,
    ).map("".join),
    data=json_values,
)
def test_hostile_templates_never_raise(template: str, data: Any) -> None:
    assert isinstance(render(template, data), str)


@settings(deadline=None)
@given(text=st.text().filter(lambda t: "{" not in t and "}" not in t))
def test_text_without_braces_is_unchanged(text: str) -> None:
    assert render(text, DATA) == text


def test_recursive_data_does_not_raise() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    assert render("{self}", loop) == ""


@pytest.mark.parametrize("unit", ["{a", "{", "}", "{{a}", "{a}}"])
def test_hostile_templates_render_in_linear_time(unit: str) -> None:
    # 200,000 repeats: a scan per brace to the end of the template would take minutes.
    template = unit * 200_000
    started = time.perf_counter()
    render(template, {"a": "x"})
    assert time.perf_counter() - started < 5
