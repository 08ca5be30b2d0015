"""Where text matches: the user's keywords, and the words of a search.

One place decides what counts as a match, so that what the feed *marks* is what the mapper
*counted* (a keyword hit pops up) and what the history *found* (a search):

- Keywords (``[notifications] keywords``) match case-insensitively as whole words or
  phrases: "fire" is in "Printer on fire!" but not in "firewall".
- A search follows the history's full-text query (``store.history.fts_query``): the text is
  split into words of letters and digits; each word matches a whole word of the text,
  ignoring case and accents, and the last word also matches the start of a longer word
  while it is still being typed (the text does not end in a space or punctuation).

Both give spans, ``(start, end)`` offsets into the text, sorted and never overlapping.
Nothing here knows about Qt: the row painter and the mapper both call it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["KeywordMatcher", "SearchMatcher", "Span"]

Span = tuple[int, int]

# What the history's tokenizer (FTS5 unicode61) calls a word: letters and digits.
_WORD = re.compile(r"[^\W_]+")


class KeywordMatcher:
    """The user's keywords, matched as whole words or phrases, ignoring case."""

    __slots__ = ("_pattern",)

    def __init__(self, keywords: Iterable[str] = ()) -> None:
        # Longest first, so that "printer fire" wins over "printer" in the alternation.
        words = sorted({k.strip().casefold() for k in keywords if k.strip()}, key=len)
        words.reverse()
        self._pattern: re.Pattern[str] | None = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                re.IGNORECASE,
            )
            if words
            else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def hit(self, *texts: str) -> bool:
        """Whether any keyword occurs in any of ``texts``."""
        pattern = self._pattern
        return pattern is not None and any(pattern.search(t) for t in texts)

    def spans(self, text: str) -> list[Span]:
        """Where the keywords occur in ``text``."""
        if self._pattern is None:
            return []
        return [m.span() for m in self._pattern.finditer(text)]


class SearchMatcher:
    """The words of a search, matched in text the way the history's search finds items."""

    __slots__ = ("_prefixes", "_words")

    def __init__(self, query: str = "") -> None:
        found = list(_WORD.finditer(query))
        words: set[str] = set()
        prefixes: list[str] = []
        for n, match in enumerate(found):
            word = fold(match.group())
            # An unfinished last word also matches longer words (people search while
            # typing), and so does any word with a star right after it.
            last_typed = n == len(found) - 1 and match.end() == len(query)
            if last_typed or query.startswith("*", match.end()):
                prefixes.append(word)
            else:
                words.add(word)
        self._prefixes = tuple(prefixes)
        self._words = frozenset(words)

    def __bool__(self) -> bool:
        return bool(self._words) or bool(self._prefixes)

    def spans(self, text: str) -> list[Span]:
        """Where the search's words occur in ``text``."""
        if not self:
            return []
        found: list[Span] = []
        for match in _WORD.finditer(text):
            word = match.group()
            folded = fold(word)
            if folded in self._words:
                found.append(match.span())
                continue
            # The longest prefix that fits marks the most of the word.
            fits = [prefix for prefix in self._prefixes if folded.startswith(prefix)]
            if fits:
                prefix = max(fits, key=len)
                found.append((match.start(), match.start() + _length_of_prefix(word, prefix)))
        return found


@lru_cache(maxsize=4096)
def fold(word: str) -> str:
    """``word`` without case or accents: "Café" and "cafe" are the same word.

    Lower case rather than case folding, as the history's tokenizer does: "Straße" is not
    "STRASSE" to it, so it must not be marked as if it were.
    """
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _length_of_prefix(word: str, folded_prefix: str) -> int:
    """How many characters of ``word`` make up ``folded_prefix`` once folded."""
    size = 0
    for n, char in enumerate(word, 1):
        size += len(fold(char))
        if size >= len(folded_prefix):
            return n
    return len(word)
