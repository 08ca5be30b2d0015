"""Turning a received event into a feed item, by the user's rules or the defaults.

The defaults (DESIGN.md, "Config file") when no ``[[rule]]`` matches, or when the
matching rule leaves a field out:

- title: the first non-empty of the data's ``title``, ``subject``, ``name``; else the
  event name;
- body: ``message``, ``body``, ``text`` or ``description``; else the data's top-level
  fields, one ``key: value`` line each, nested values as compact JSON (DESIGN.md says
  compact JSON; a line per field is what people can read). The field shown as the
  default title is left out;
- url: ``url``, ``link`` or ``html_url``.

Every url, from a rule or the data, is kept only when it is an absolute ``http``/``https``
URL: a ``javascript:``, ``file:`` or relative url is dropped, since clicking an item opens
it. Values filled into a url template after its start are percent-encoded, so event data
cannot move the link to another host; a template that *starts* with a placeholder
(``url = "{html_url}"``) takes that value as the whole URL (and it is still checked).

Title and body are plain text, never markup: control characters are removed, the title is
one line, and both are capped in length (the full payload is kept in ``FeedItem.payload``).

Keywords (``[notifications] keywords``) match title and body case-insensitively as whole
words (``feed.keywords``, the matcher the feed's rows mark them with). A hit sets
``keyword_hit`` and makes the item pop up even when its rule says ``feed`` or ``mute``:
the design says keywords always pop up.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from beacon.config.model import Rule
from beacon.feed.item import FeedItem, Priority
from beacon.feed.keywords import KeywordMatcher
from beacon.feed.rules import first_match
from beacon.feed.template import render, to_text

log = logging.getLogger("beacon.feed")

TITLE_MAX = 300
BODY_MAX = 10_000
URL_MAX = 4096

_TITLE_KEYS = ("title", "subject", "name")
_BODY_KEYS = ("message", "body", "text", "description")
_URL_KEYS = ("url", "link", "html_url")
_NOTIFY_MODES = ("popup", "feed", "mute")
_RULE_CACHE_MAX = 4096

# C0 and C1 controls except tab and newline, and DEL: they have no place in shown text.
# Nor do the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): an
# unterminated right-to-left override reverses the text after it ("\u202egpj.exe" shows as
# "exe.jpg"), so event data could make a field, and what is drawn after it, read as
# something else. They are removed, not fenced in an isolate: a stray U+2069 inside a
# field would close the fence early, the override would still flip the field itself, and
# every title would carry invisible characters into search, copies, screen readers and
# notification servers. Real right-to-left text needs none of them (the implicit
# algorithm orders it); the scope-less marks (LRM, RLM, ALM) are kept.
_BIDI_CONTROL = "\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROL}]")
_BIDI = re.compile(rf"[{_BIDI_CONTROL}]")
_SPACE_RUN = re.compile(r"\s+")
# What safe_url refuses anywhere in a url: controls and whitespace (\s is str.isspace).
_UNSAFE_IN_URL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\s]")
# The common url, known safe without urlsplit: http(s), a plain ASCII host name with no
# port or user, then the path, query or fragment (refused characters are checked apart).
# ASCII: under IGNORECASE alone, [a-z] would also match the Kelvin sign and the long s.
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?:[/?#].*)?", re.IGNORECASE | re.ASCII | re.DOTALL)


class Received(Protocol):
    """What the mapper reads from a received event (``connect.events.ReceivedEvent``)."""

    @property
    def account(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def data(self) -> Any: ...  # the decoded JSON value, or the raw string
    @property
    def raw_data(self) -> str: ...  # the data exactly as received
    @property
    def user_id(self) -> str | None: ...
    @property
    def received_at(self) -> datetime: ...  # aware, UTC


class FeedMapper:
    """Maps events to items. Pure and cheap: safe to call for every event."""

    def __init__(self, rules: Sequence[Rule], keywords: Sequence[str] = ()) -> None:
        self._rules = tuple(rules)
        self.keywords = KeywordMatcher(keywords)
        # (account, channel, event) -> the rule that applies: a burst repeats a few names,
        # and matching every rule's globs each time cost more than the lookup.
        self._rule_of: dict[tuple[str, str, str], Rule | None] = {}

    def map(self, event: Received) -> FeedItem | None:
        """The item for one event. A ``mute`` rule's item is made too, with ``notify =
        "mute"``: it is stored, but neither counted as unread nor shown until asked for."""
        data = event.data
        name = event.event
        key = (event.account, event.channel, name)
        try:
            rule = self._rule_of[key]
        except KeyError:
            if len(self._rule_of) >= _RULE_CACHE_MAX:  # names from a server: keep it bounded
                self._rule_of.clear()
            rule = self._rule_of[key] = first_match(self._rules, *key)

        title_t = rule.title if rule is not None else None
        body_t = rule.body if rule is not None else None
        url_t = rule.url if rule is not None else None

        title = render(title_t, data) if title_t is not None else default_title(data, name)
        if body_t is not None:
            body = render(body_t, data)
        else:
            body = default_body(data, default_title_key(data) if title_t is None else None)
        url = _render_url(url_t, data) if url_t is not None else default_url(data)
        title = clean_title(title) or clean_title(name)
        body = clean_body(body)

        notify = _notify(rule, data)
        keyword_hit = self.keywords.hit(title, body)
        if keyword_hit:
            notify = "popup"

        return FeedItem(
            account=event.account,
            channel=event.channel,
            event=name,
            title=title,
            body=body,
            url=url,
            priority=_priority(rule, data),
            payload=event.raw_data,
            received_at=event.received_at,
            notify=notify,
            keyword_hit=keyword_hit,
            event_id=event_id(data),
            user_id=event.user_id,
        )

    def keyword_hit(self, *texts: str) -> bool:
        """Whether any keyword occurs as a whole word in ``texts``."""
        return self.keywords.hit(*texts)


def default_title(data: Any, event: str) -> str:
    """DESIGN.md's default title: title, subject or name from the data, else the event."""
    return _first_text(data, _TITLE_KEYS) or event


def default_body(data: Any, skip: str | None = None) -> str:
    """The default body: message, body, text or description, else the data's fields.

    Fields are one ``key: value`` line each, in the data's order, nested values as compact
    JSON; ``skip`` names a field left out (the one already shown as the title). Data that
    is not an object reads as itself.
    """
    if isinstance(data, dict):
        found = _first_text(data, _BODY_KEYS)
        if found:
            return found
        return field_lines(data, skip)
    return to_text(data)


def field_lines(data: dict[str, Any], skip: str | None = None) -> str:
    """``key: value`` per top-level field, each on one line."""
    lines = []
    for key, value in data.items():
        if key == skip:
            continue
        text = "(none)" if value is None else _SPACE_RUN.sub(" ", to_text(value)).strip()
        lines.append(f"{_SPACE_RUN.sub(' ', key).strip()}: {text}")
    return "\n".join(lines)


def default_title_key(data: Any) -> str | None:
    """The field the default title comes from, if any."""
    if not isinstance(data, dict):
        return None
    for key in _TITLE_KEYS:
        if _first_text(data, (key,)):
            return key
    return None


def default_url(data: Any) -> str | None:
    """DESIGN.md's default url: url, link or html_url, if it is a safe http(s) URL."""
    if not isinstance(data, dict):
        return None
    for key in _URL_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return safe_url(value)
    return None


def event_id(data: Any) -> str | None:
    """The identity of an event whose data carries a scalar ``id``: ``"<id>#<digest>"``.

    An ``id`` often names the *subject* (ticket 42), not the event: a second comment on
    ticket 42 is a new event with the same id, and must not be dropped, hence the digest.
    It is over the decoded data in one canonical JSON form, not over the bytes as they
    arrived: the same event reaches Beacon live (as its publisher encoded it, e.g. with
    Python's ``", "`` separators) and again from the catch-up endpoint (encoded by that
    endpoint), and both must have one identity.
    """
    if not isinstance(data, dict):
        return None
    value = data.get("id")
    if value is None or isinstance(value, dict | list):
        return None
    canonical = _canonical(data)
    # surrogatepass: a lone surrogate is legal in JSON text, and decoded it stays one.
    digest = hashlib.blake2b(canonical.encode("utf-8", "surrogatepass"), digest_size=8)
    return f"{to_text(value)}#{digest.hexdigest()}"


_canonical = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=True
).encode


def canonical_data(payload: str) -> str:
    """A stored payload in the canonical JSON form (its text itself where not JSON): equal
    for the same data however its sender spaced and ordered it."""
    try:
        return _canonical(json.loads(payload))
    except ValueError:
        return payload


def safe_url(text: str) -> str | None:
    """``text`` when it is an absolute http(s) URL with a host, else ``None``."""
    url = text.strip()
    if not url or len(url) > URL_MAX or _UNSAFE_IN_URL.search(url):
        return None
    if _PLAIN_URL.fullmatch(url):
        return url  # what urlsplit below would accept, in a tenth of the time
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def clean_title(text: str) -> str:
    """One line of plain text, at most ``TITLE_MAX`` characters."""
    return _cap(_SPACE_RUN.sub(" ", _CONTROL.sub("", text)).strip(), TITLE_MAX)


def clean_body(text: str) -> str:
    """Plain text with its line breaks, at most ``BODY_MAX`` characters."""
    return _cap(_CONTROL.sub("", text.replace("\r\n", "\n")).strip(), BODY_MAX)


def strip_bidi_controls(text: str) -> str:
    """``text`` without bidi embeddings, overrides and isolates (see ``_CONTROL``).

    For text stored before the mapper removed them, where it is shown on one line.
    """
    return _BIDI.sub("", text) if _BIDI.search(text) else text


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _first_text(data: Any, keys: Sequence[str]) -> str:
    if not isinstance(data, dict):
        return ""
    for key in keys:
        value = data.get(key)
        if value is None or isinstance(value, dict | list):
            continue
        text = to_text(value)
        if text.strip():
            return text
    return ""


def _render_url(template: str, data: Any) -> str | None:
    # The scheme and host must come from the config, not from the data, unless the
    # template hands the whole URL to the data on purpose ("{html_url}").
    if template.lstrip().startswith("{") and not template.lstrip().startswith("{{"):
        return safe_url(render(template, data))
    return safe_url(render(template, data, escape=lambda v: quote(v, safe="")))


def _notify(rule: Rule | None, data: Any) -> str:
    if rule is None:
        return "popup"
    value = render(rule.notify, data).strip().lower() if "{" in rule.notify else rule.notify
    if value not in _NOTIFY_MODES:
        log.debug("rule notify %r gave %r; using popup", rule.notify, value)
        return "popup"
    return value


def _priority(rule: Rule | None, data: Any) -> Priority:
    if rule is None:
        return Priority.NORMAL
    name = render(rule.priority, data) if "{" in rule.priority else rule.priority
    try:
        return Priority.from_name(name.strip())
    except KeyError:
        return Priority.NORMAL
