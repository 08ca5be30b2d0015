"""FeedMapper: events become items by rules, or by DESIGN.md's defaults."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from beacon.config.model import Rule
from beacon.connect.events import ReceivedEvent, received_event
from beacon.feed.item import FeedItem, Priority
from beacon.feed.mapper import BODY_MAX, TITLE_MAX, FeedMapper, safe_url
from beacon.feed.notify_policy import Popup, summary_popup

NOW = datetime(2026, 11, 27, 21, 4, 5, 123000, tzinfo=UTC)


def make(
    data: Any,
    *,
    rules: list[Rule] | None = None,
    keywords: tuple[str, ...] = (),
    account: str = "support",
    channel: str = "tickets",
    event: str = "ticket.created",
) -> FeedItem | None:
    raw = data if isinstance(data, str) else json.dumps(data)
    mapper = FeedMapper(rules or [], keywords)
    return mapper.map(ReceivedEvent(account, channel, event, data, "agent-7", NOW, raw))


def mapped(data: Any, **kwargs: Any) -> FeedItem:
    item = make(data, **kwargs)
    assert item is not None
    return item


# -- defaults -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "title"),
    [
        ({"title": "T", "subject": "S", "name": "N"}, "T"),
        ({"subject": "S", "name": "N"}, "S"),
        ({"name": "N"}, "N"),
        ({"title": "", "subject": "S"}, "S"),
        ({"title": None, "name": "N"}, "N"),
        ({"title": {"nested": 1}, "name": "N"}, "N"),
        ({"title": 7}, "7"),
        ({"other": 1}, "ticket.created"),
        ("plain text", "ticket.created"),
        ([1, 2], "ticket.created"),
        (None, "ticket.created"),
    ],
)
def test_default_title(data: Any, title: str) -> None:
    assert mapped(data).title == title


@pytest.mark.parametrize(
    ("data", "body"),
    [
        ({"message": "M", "body": "B", "text": "X", "description": "D"}, "M"),
        ({"body": "B", "text": "X"}, "B"),
        ({"text": "X", "description": "D"}, "X"),
        ({"description": "D"}, "D"),
        # No body field: the top-level fields, one line each, nested ones compact.
        ({"id": 1, "state": "open"}, "id: 1\nstate: open"),
        ({"subject": "caf\u00e9", "state": "open"}, "state: open"),  # the title: not twice
        ({"subject": "caf\u00e9"}, ""),
        (
            {"who": {"name": "Ann", "tags": ["a", "b"]}, "n": None, "ok": True},
            'who: {"name":"Ann","tags":["a","b"]}\nn: (none)\nok: true',
        ),
        ({"note": "two\nlines", "k e\ty": 1}, "note: two lines\nk e y: 1"),
        ({}, ""),
        ("plain text", "plain text"),
        ([1, "two"], '[1,"two"]'),
        (3.5, "3.5"),
        (None, ""),
    ],
)
def test_default_body(data: Any, body: str) -> None:
    assert mapped(data).body == body


@pytest.mark.parametrize(
    ("data", "url"),
    [
        ({"url": "https://a.example/1", "link": "https://b.example"}, "https://a.example/1"),
        ({"link": "http://b.example/x?y=1"}, "http://b.example/x?y=1"),
        ({"html_url": "https://github.com/o/r/issues/1"}, "https://github.com/o/r/issues/1"),
        ({"url": "javascript:alert(1)"}, None),
        ({"url": "JavaScript:alert(1)"}, None),
        ({"url": "file:///etc/passwd"}, None),
        ({"url": "/relative/path"}, None),
        ({"url": "https://"}, None),
        ({"url": "https://exa mple.com"}, None),
        ({"url": "https://a.example:99999/"}, None),
        ({"url": 5}, None),
        ({}, None),
        ("https://not.a.dict", None),
    ],
)
def test_default_url(data: Any, url: str | None) -> None:
    assert mapped(data).url == url


def test_default_item_fields() -> None:
    item = mapped({"id": 42, "subject": "Printer on fire"})
    assert item.account == "support"
    assert item.channel == "tickets"
    assert item.event == "ticket.created"
    assert item.priority is Priority.NORMAL
    assert item.notify == "popup"
    assert item.event_id is not None and item.event_id.startswith("42#")
    assert item.user_id == "agent-7"
    assert item.received_at == NOW
    assert item.payload == '{"id": 42, "subject": "Printer on fire"}'
    assert item.id is None
    assert not item.read
    assert not item.keyword_hit


@pytest.mark.parametrize(
    ("data", "event_id"),
    [
        ({"id": 42}, "42#"),
        ({"id": "abc"}, "abc#"),
        ({"id": None}, None),
        ({"id": [1]}, None),
        ({"ID": 1}, None),
        ("id", None),
        ([{"id": 1}], None),
    ],
)
def test_event_id(data: Any, event_id: str | None) -> None:
    found = mapped(data).event_id
    if event_id is None:
        assert found is None
    else:
        assert found is not None and found.startswith(event_id)


def test_same_id_different_event_is_not_a_duplicate() -> None:
    """A second comment on ticket 42 carries id 42 too: a new event, a new identity."""
    first = mapped({"id": 42, "preview": "first comment"})
    second = mapped({"id": 42, "preview": "second comment"})
    again = mapped({"id": 42, "preview": "first comment"})
    assert first.event_id != second.event_id
    assert first.event_id == again.event_id


# -- rules ----------------------------------------------------------------------

TICKET_RULE = Rule(
    account="support",
    channel="tickets",
    event="ticket.*",
    notify="feed",
    title="#{id} {subject}",
    body="{requester.name}: {preview}",
    url="https://helpdesk.example.com/tickets/{id}",
    priority="high",
)
DATA = {"id": 42, "subject": "Printer on fire", "requester": {"name": "Ann"}, "preview": "Help"}


def test_rule_templates() -> None:
    item = mapped(DATA, rules=[TICKET_RULE])
    assert item.title == "#42 Printer on fire"
    assert item.body == "Ann: Help"
    assert item.url == "https://helpdesk.example.com/tickets/42"
    assert item.priority is Priority.HIGH
    assert item.notify == "feed"


def test_first_rule_wins_and_no_match_uses_defaults() -> None:
    low = Rule(channel="tickets", priority="low", title="low: {subject}")
    item = mapped(DATA, rules=[TICKET_RULE, low])
    assert item.priority is Priority.HIGH
    item = mapped(DATA, rules=[low, TICKET_RULE])
    assert (item.priority, item.title) == (Priority.LOW, "low: Printer on fire")
    item = mapped(DATA, rules=[TICKET_RULE], account="sales")
    assert (item.priority, item.title, item.url) == (Priority.NORMAL, "Printer on fire", None)
    assert item.body == 'id: 42\nrequester: {"name":"Ann"}\npreview: Help'


def test_a_rule_title_keeps_the_title_field_in_the_default_body() -> None:
    item = mapped({"id": 42, "subject": "Printer on fire"}, rules=[Rule(title="#{id}")])
    assert (item.title, item.body) == ("#42", "id: 42\nsubject: Printer on fire")


def test_map_takes_the_received_event_as_the_engine_makes_it() -> None:
    """The engine builds events with ``received_event`` (slots filled directly)."""
    event = received_event(
        "support", "tickets", "ticket.created", DATA, "agent-7", NOW, json.dumps(DATA)
    )
    item = FeedMapper([TICKET_RULE]).map(event)
    assert item is not None
    assert (item.account, item.channel, item.event) == ("support", "tickets", "ticket.created")
    assert (item.user_id, item.received_at, item.payload) == ("agent-7", NOW, json.dumps(DATA))
    assert item.title == "#42 Printer on fire"


def test_rule_without_templates_keeps_defaults() -> None:
    item = mapped(DATA | {"url": "https://a.example/"}, rules=[Rule(priority="urgent")])
    assert item.title == "Printer on fire"
    assert item.url == "https://a.example/"
    assert item.priority is Priority.URGENT


def test_mute() -> None:
    # Stored, but neither counted as unread nor shown until asked for (store, window).
    assert mapped(DATA, rules=[Rule(event="ticket.*", notify="mute")]).notify == "mute"
    assert mapped(DATA, rules=[Rule(event="other", notify="mute")]).notify == "popup"


def test_empty_title_falls_back_to_event_name() -> None:
    assert mapped(DATA, rules=[Rule(title="{missing}")]).title == "ticket.created"


def test_url_template_values_cannot_move_the_host() -> None:
    rule = Rule(url="https://helpdesk.example.com/tickets/{id}")
    item = mapped({"id": "1/../../x?y#z"}, rules=[rule])
    assert item.url == "https://helpdesk.example.com/tickets/1%2F..%2F..%2Fx%3Fy%23z"
    rule = Rule(url="https://{tenant}.example.com/")
    assert mapped({"tenant": "evil.com/"}, rules=[rule]).url == "https://evil.com%2F.example.com/"


def test_url_template_that_is_the_whole_url() -> None:
    rule = Rule(url="{links.web}")
    assert mapped({"links": {"web": "https://a.example/x y"}}, rules=[rule]).url is None
    assert mapped({"links": {"web": "https://a.example/x"}}, rules=[rule]).url == (
        "https://a.example/x"
    )
    assert mapped({"links": {"web": "javascript:alert(1)"}}, rules=[rule]).url is None
    assert mapped({}, rules=[rule]).url is None


def test_priority_and_notify_templates() -> None:
    rule = Rule(priority="{severity}", notify="{how}")  # type: ignore[arg-type]
    item = mapped({"severity": "Urgent", "how": "feed"}, rules=[rule])
    assert (item.priority, item.notify) == (Priority.URGENT, "feed")
    item = mapped({"severity": "__class__", "how": "explode"}, rules=[rule])
    assert (item.priority, item.notify) == (Priority.NORMAL, "popup")
    assert mapped({"how": "mute"}, rules=[rule]).notify == "mute"


# -- keywords -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "hit"),
    [
        ({"subject": "Major OUTAGE in eu"}, True),
        ({"message": "outage!"}, True),
        ({"message": "(urgent)"}, True),
        ({"message": "outages everywhere"}, False),
        ({"message": "nonurgent"}, False),
        ({"message": "all good"}, False),
        ({"message": "p1! now"}, True),
    ],
)
def test_keywords(data: Any, hit: bool) -> None:
    item = mapped(data, keywords=("outage", "Urgent", "p1!", "  "))
    assert item.keyword_hit is hit


def test_keyword_overrides_feed_and_mute() -> None:
    rules = [Rule(event="ticket.*", notify="mute"), Rule(notify="feed")]
    item = mapped({"subject": "outage"}, rules=rules, keywords=("outage",))
    assert (item.notify, item.keyword_hit) == ("popup", True)
    item = mapped({"subject": "outage"}, rules=rules, keywords=("outage",), event="x")
    assert item.notify == "popup"
    assert mapped({"subject": "fine"}, rules=rules, keywords=("outage",)).notify == "mute"


# -- plain text -----------------------------------------------------------------


def test_text_is_plain_and_bounded() -> None:
    item = mapped(
        {
            "title": "line one\nline\ttwo\x00\x1b[31m",
            "message": "<b>bold</b>\r\nnext\x07 line\n" + "x" * (BODY_MAX * 2),
        }
    )
    assert item.title == "line one line two[31m"
    assert item.body.startswith("<b>bold</b>\nnext line\nxxx")
    assert len(item.body) == BODY_MAX
    long_title = mapped({"title": "t" * (TITLE_MAX + 50)}).title
    assert len(long_title) == TITLE_MAX
    assert long_title.endswith("\u2026")


# The bidi classes of the explicit embeddings, overrides and isolates, and their ends.
_SCOPED_BIDI = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def _scoped_bidi(text: str) -> list[str]:
    return [c for c in text if unicodedata.bidirectional(c) in _SCOPED_BIDI]


def test_bidi_controls_cannot_reorder_what_follows_a_field() -> None:
    """An unterminated right-to-left override in a title would reverse the rest of the
    line it is shown on (a summary popup's next titles, a row's text): none is kept."""
    spoof = mapped({"title": "\u202eLRO override", "message": "a\u2067b\u202ac\u2069 d\u200f"})
    assert spoof.title == "LRO override"
    assert spoof.body == "abc d\u200f"  # the scope-less right-to-left mark stays
    assert _scoped_bidi(spoof.title + spoof.body) == []
    # Every one of them, as the Unicode database classes them, goes.
    every = "".join(chr(c) for c in range(0x2000, 0x2070) if _scoped_bidi(chr(c)))
    assert len(every) == 9
    assert mapped({"title": f"x{every}y", "message": f"x{every}y"}).title == "xy"
    assert mapped({"title": "t", "message": f"x{every}y"}).body == "xy"
    after = replace(mapped({"title": "Next ticket"}), id=2)
    summary = summary_popup("2 new", [Popup.of(replace(spoof, id=1)), Popup.of(after)])
    assert summary.body == "LRO override\nNext ticket"
    assert _scoped_bidi(summary.body) == []


def test_safe_url() -> None:
    assert safe_url("  https://a.example/x  ") == "https://a.example/x"
    assert safe_url("https://a.example/\x00") is None
    assert safe_url("ftp://a.example/") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url("https://a.example/" + "x" * 5000) is None


def _full_check(text: str) -> str | None:
    # safe_url's rule in full, by urlsplit: what its fast path for plain urls must agree with.
    url = text.strip()
    if not url or len(url) > 4096 or any(c.isspace() for c in url):
        return None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in url):
        return None
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


@settings(max_examples=2000, deadline=None)
@example("http://")
@example("http://:99999/")
@example("https://a:99999")
@example("https://a:8/x")
@example("http://\u212a.example/")
@example("http\u017f://a.example/")
@example("HTTP://A.example/x y")
@example("http://[::1]/")
@example("http://a@b/")
@example("https://a.example/\x85")
@given(
    st.lists(
        st.sampled_from(
            [
                "http",
                "HTTPS",
                "s",
                "://",
                "/",
                ".",
                "-",
                ":",
                "8",
                "99999",
                "@",
                "[",
                "]",
                "?",
                "#",
                "a",
                "Z",
                "\u212a",
                "\u017f",
                "\u00a0",
                " ",
                "\t",
                "\x00",
                "\x85",
                "%",
            ]
        ),
        max_size=10,
    ).map("".join)
)
def test_safe_url_agrees_with_urlsplit(text: str) -> None:
    assert safe_url(text) == _full_check(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@settings(deadline=None)
@given(
    data=json_values,
    title=st.none() | st.text(max_size=30),
    url=st.none() | st.text(max_size=30),
)
def test_any_data_maps_to_an_item(data: Any, title: str | None, url: str | None) -> None:
    item = make(data, rules=[Rule(title=title, url=url)], keywords=("x",))
    assert item is not None
    assert item.title
    assert "\n" not in item.title
    assert item.url is None or item.url.startswith(("http://", "https://", "HTTP", "Http"))
