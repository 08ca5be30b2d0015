"""One matcher for keywords and search words: what is counted is what is marked.

The search matcher is checked against the history's own full-text search: a word it
marks is a word the search found, and the other way round.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from beacon.feed.keywords import KeywordMatcher, SearchMatcher
from beacon.feed.mapper import FeedMapper
from beacon.store.history import FeedFilter, History
from support.feeditems import make_item


def _marked(spans: list[tuple[int, int]], text: str) -> list[str]:
    return [text[a:b] for a, b in spans]


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("Printer on fire!", ["fire"]),
        ("firewall down", []),  # a substring is not the word
        ("FIRE and Fire", ["FIRE", "Fire"]),
        ("ceasefire", []),
        ("a major outage, fire", ["major outage", "fire"]),  # a phrase, longest first
        ("(p1!) now", ["p1!"]),
        ("", []),
    ],
)
def test_keywords_match_whole_words(text: str, marked: list[str]) -> None:
    matcher = KeywordMatcher(["fire", "major outage", "outage", "p1!", "  "])
    assert _marked(matcher.spans(text), text) == marked
    assert matcher.hit(text) is bool(marked)


def test_no_keywords_match_nothing() -> None:
    assert not KeywordMatcher(["", " "])
    assert KeywordMatcher().spans("fire") == []
    assert not KeywordMatcher().hit("fire")


def test_the_mapper_counts_with_the_same_matcher() -> None:
    """A keyword hit (a popup) happens exactly when the row would mark a keyword."""
    mapper = FeedMapper([], ["fire"])
    matcher = KeywordMatcher(["fire"])
    for text in ("Printer on fire", "firewall down", "FIRE!", "fired"):
        assert mapper.keyword_hit(text) is bool(matcher.spans(text)), text


@pytest.mark.parametrize(
    ("query", "text", "marked"),
    [
        ("fire", "Printer on fire near the firewall", ["fire", "fire"]),  # the last word: prefix
        ("fire ", "Printer on fire near the firewall", ["fire"]),  # finished: the word only
        ("printer fire", "Printer on fire", ["Printer", "fire"]),
        ("cafe", "Café au lait", ["Café"]),  # accents and case ignored, as the search does
        ("CAFÉ", "cafeteria cafe", ["cafe", "cafe"]),
        ("CAFÉ.", "cafeteria cafe", ["cafe"]),
        ("straße", "STRASSE Straße", ["Straße"]),  # lower case, not case folding
        ("<img", '<img src="x"> imgs', ["img", "img"]),
        ("", "anything", []),
        ("!!", "anything !!", []),
        # A star makes its word a prefix, as in the history's search.
        ("fire*", "Printer on fire near the firewall", ["fire", "fire"]),
        ("fire* ", "Printer on fire near the firewall", ["fire", "fire"]),
        ("pri* fire", "Printer on fire near the firewall", ["Pri", "fire", "fire"]),
    ],
)
def test_search_words(query: str, text: str, marked: list[str]) -> None:
    assert _marked(SearchMatcher(query).spans(text), text) == marked


TITLES = [
    "Printer on fire",
    "Firewall rules changed",
    "Café closed",
    "cafeteria menu",
    "FIRE drill at 10",
    "ceasefire talks",
    "Straße gesperrt",
    "under_score fire_alarm",
    "p1 incident",
]


@pytest.mark.parametrize(
    "query",
    [
        *["fire", "fire.", "cafe", "café ", "FIRE drill", "straße", "p1", "fire_alarm", "alarm"],
        *["fire*", "caf* ", "fi* drill"],
    ],
)
def test_marked_where_the_history_search_finds(tmp_path: Path, query: str) -> None:
    """Rows show a search mark exactly on the items the history's search returned."""
    with History(tmp_path / "h.sqlite3", retention_count=None, retention_days=None) as history:
        stored = history.add_batch([make_item(n, title=t, body="") for n, t in enumerate(TITLES)])
        found = {item.title for item in history.page(FeedFilter(search=query.strip() or None))}
    matcher = SearchMatcher(query.strip())
    # The search wants every word; the marks show each word, so compare word by word.
    # (A starred word stays as it is: a prefix wherever it is.)
    words = [m[0] if m[1] else m[0] + " " for m in re.finditer(r"[^\W_]+(\*)?", query)]
    if query.strip()[-1].isalnum():
        words[-1] = words[-1].strip()  # the unfinished last word
    marked = {
        item.title for item in stored if all(SearchMatcher(w).spans(item.title) for w in words)
    }
    assert found == marked, (found, marked)
    assert {i.title for i in stored if matcher.spans(i.title)} >= found
