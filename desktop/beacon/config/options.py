"""Every config option, declared once: its type, default, help text and checks.

``load.py`` walks these tables to validate a file; ``model.py`` takes its dataclass
defaults from here, so a default cannot differ between what is documented, what is
validated and what the app runs on; ``reference.py`` writes ``docs/config.md`` from these
tables. Nothing else states a default.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

Kind = Literal["string", "integer", "number", "boolean", "strings", "table", "tables"]

_KIND_WORDS: dict[Kind, str] = {
    "string": "a string in quotes",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "strings": "a list of strings",
    "table": "a table",
    "tables": "a list of tables",
}

MAX_CHANNEL_NAME = 164
_CHANNEL_RE = re.compile(r"[A-Za-z0-9_\-=@,.;]+")
_CLUSTER_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_QUIET_RE = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_URL_UNSAFE = re.compile(r"[\s/?#%]")


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with a value and how to fix it.

    ``at`` points below the option, for an element of a list: ``(2,)`` is the third.
    A fix may say ``{account}``; the loader puts the account's name there.
    """

    message: str
    fix: str
    at: tuple[str | int, ...] = ()


Check = Callable[[Any], Problem | None]


@dataclass(frozen=True, slots=True)
class Option:
    """One key of one table of the config file."""

    name: str
    kind: Kind
    help: str
    example: str  # a valid line, quoted in fixes: 'port = 6001'
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False  # > 0; for numbers where 0 makes no sense
    non_empty: bool = False
    check: Check | None = None  # for a value of the right type
    item_check: Check | None = None  # for each element of a "strings" option

    def validate(self, value: Any) -> Problem | None:
        """The first problem with ``value``, or None when it is fine."""
        if not _has_kind(value, self.kind):
            return Problem(
                f"must be {_KIND_WORDS[self.kind]}, not {describe(value)}",
                self._write_as(_coerce(value, self.kind)),
            )
        if self.kind == "strings":
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    return Problem(
                        f"must hold only strings, but item {i + 1} is {describe(item)}",
                        "put each item in quotes: "
                        + self._written(_coerce(value, self.kind), self.example),
                        (i,),
                    )
                if self.non_empty and not item.strip():
                    return Problem(f"item {i + 1} is empty", "remove the empty item", (i,))
                if self.item_check is not None:
                    problem = self.item_check(item)
                    if problem is not None:
                        return Problem(problem.message, problem.fix, (i, *problem.at))
        if self.choices and value not in self.choices:
            options = " | ".join(f'"{c}"' for c in self.choices)
            same = [c for c in self.choices if c.casefold() == value.strip().casefold()]
            return Problem(
                f"must be one of {options}, not {describe(value)}",
                self._write_as(same[0] if same else _NOTHING),
            )
        if self.kind == "string" and self.non_empty and not value.strip():
            return Problem("must not be empty", f"write it as {self.example}")
        if self.kind in ("integer", "number"):
            problem = self._range(value)
            if problem is not None:
                return problem
        if self.check is not None:
            return self.check(value)
        return None

    def _range(self, value: float) -> Problem | None:
        low, high = self.minimum, self.maximum
        if self.positive and value <= 0:
            return Problem(f"must be more than 0, not {value}", f"write it as {self.example}")
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                span = f"from {low:g} to {high:g}"
            elif low is not None:
                span = f"{low:g} or more"
            else:
                span = f"{high:g} or less"
            return Problem(f"must be {span}, not {value}", f"write it as {self.example}")
        return None

    def _write_as(self, candidate: Any) -> str:
        return f"write it as {self._written(candidate, self.example)}"

    def _written(self, candidate: Any, fallback: str) -> str:
        """``name = candidate`` when that line would be valid, else ``fallback``.

        The user's own value, retyped, is the fix they meant: ``port = "7150"`` wants
        ``port = 7150``, not the example's port. A retyped value that is still wrong (out of
        range, say) would only lead to the next error, so the example is given instead.
        """
        if candidate is _NOTHING or self.validate(candidate) is not None:
            return fallback
        line = f"{self.name} = {toml_value(candidate)}"
        return line if len(line) <= _MAX_FIX_LINE else fallback


def _has_kind(value: Any, kind: Kind) -> bool:
    # bool is an int in Python, but "port = true" is never meant as 1.
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "strings":
        return isinstance(value, list)
    if kind == "table":
        return isinstance(value, dict)
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


_NOTHING: Any = object()  # no value the user could have meant
_MAX_FIX_LINE = 100
# At most 19 digits: TOML integers are 64-bit, and int() refuses strings of over 4300.
_INT_RE = re.compile(r"[+-]?[0-9]{1,19}")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def _coerce(value: Any, kind: Kind) -> Any:
    """``value`` in ``kind``, when it plainly says one (``"7150"`` as an integer), else
    ``_NOTHING``. Only unambiguous readings: a guess would put a wrong value in the fix."""
    if isinstance(value, str):
        text = value.strip()
        if kind == "integer" and _INT_RE.fullmatch(text):
            return int(text)
        if kind == "number" and _FLOAT_RE.fullmatch(text):
            number = float(text)
            return int(text) if _INT_RE.fullmatch(text) else number
        if kind == "boolean" and text.lower() in _TRUE_WORDS | _FALSE_WORDS:
            return text.lower() in _TRUE_WORDS
        if kind == "strings":
            # "outage, urgent" is a list written as one string.
            return [part.strip() for part in text.split(",") if part.strip()] or _NOTHING
        return _NOTHING
    plain_number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "boolean" and plain_number and value in (0, 1):
        return value == 1
    if kind == "string" and plain_number and math.isfinite(value):
        return toml_value(value)
    if kind == "string" and isinstance(value, list) and len(value) == 1:
        return value[0] if isinstance(value[0], str) else _NOTHING
    if kind == "strings" and isinstance(value, list):
        items = [item if isinstance(item, str) else _coerce(item, "string") for item in value]
        return _NOTHING if any(item is _NOTHING for item in items) else items
    return _NOTHING


_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: Any) -> str:
    """``value`` as TOML writes it, for fixes and the reference: ``["a", "b"]``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # TOML's basic string: these escapes, and \uXXXX for the other control characters.
        out = []
        for char in value:
            if char in _ESCAPES:
                out.append(_ESCAPES[char])
            elif ord(char) < 0x20 or ord(char) == 0x7F:
                out.append(f"\\u{ord(char):04X}")
            else:
                out.append(char)
        return '"' + "".join(out) + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pairs = (
            f"{key if _BARE_KEY_RE.fullmatch(key) else toml_value(key)} = {toml_value(item)}"
            for key, item in value.items()
        )
        return "{ " + ", ".join(pairs) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
            "\f": "\\f", "\r": "\\r"}  # fmt: skip


def describe(value: Any) -> str:
    """A TOML value in words, for "must be X, not Y"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{shown}"'
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return type(value).__name__


# --- checks shared by several options ---------------------------------------------------


def channel_problem(name: str) -> Problem | None:
    """Whether ``name`` is a valid Pusher channel name."""
    fix = "use only letters, digits and _ - = @ , . ; (at most 164 characters)"
    if not name:
        return Problem("holds an empty channel name", "remove it or give the channel's name")
    if len(name) > MAX_CHANNEL_NAME:
        return Problem(
            f'holds "{name[:30]}...", {len(name)} characters long; channel names are at most 164',
            "shorten the channel name",
        )
    if _CHANNEL_RE.fullmatch(name) is None:
        bad = next(c for c in name if _CHANNEL_RE.fullmatch(c) is None)
        return Problem(f'holds "{name}", not a valid channel name: it contains {bad!r}', fix)
    return None


def _item_presence(value: str) -> Problem | None:
    fix = 'write it as item_presence = "presence-ticket-{id}"'
    problem = _template(value)
    if problem is not None:
        return problem
    if not value.startswith("presence-") or len(value) <= len("presence-"):
        return Problem(f'"{value}" does not name a presence- channel', fix)
    # The literal parts must already be valid in a channel name; placeholders are
    # checked when filled (an item whose data gives a bad name joins nothing).
    literal = re.sub(r"\{[^{}]*\}", "x", value)
    if _CHANNEL_RE.fullmatch(literal) is None:
        return Problem(f'"{value}" is not a valid channel name around its placeholders', fix)
    return None


def _cluster(value: str) -> Problem | None:
    if _CLUSTER_RE.fullmatch(value) is None:
        return Problem(
            f'"{value}" is not a cluster name',
            'write the cluster shown in your Pusher dashboard, e.g. cluster = "eu"',
        )
    return None


def _host(value: str) -> Problem | None:
    if "://" in value:
        bare = value.split("://", 1)[1].split("/", 1)[0]
        return Problem(
            "must be a host name, not a URL",
            f'write host = "{bare}" (no scheme; tls = true means wss://, false ws://)',
        )
    if ":" in value and value.count(":") == 1:
        name, port = value.split(":")
        return Problem(
            "must not include the port",
            f'write host = "{name}" and port = {port} on its own line',
        )
    if _URL_UNSAFE.search(value) or not value:
        return Problem(
            f'"{value}" is not a host name', 'write a host name or address: host = "127.0.0.1"'
        )
    return None


def _app_key(value: str) -> Problem | None:
    if _URL_UNSAFE.search(value):
        return Problem(
            "must not contain spaces, /, ?, # or %",
            "copy the app key exactly from your server's app settings",
        )
    return None


def _endpoint(value: str) -> Problem | None:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Problem(
            f'"{value}" is not an http(s) URL',
            'write the full URL: endpoint = "https://example.com/pusher/auth"',
        )
    return None


def _catchup_url(value: str) -> Problem | None:
    problem = _endpoint(value)
    if problem is not None:
        return Problem(
            problem.message, 'write the full URL: url = "https://example.com/pusher/missed"'
        )
    return None


_LANGUAGE_RE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*")


def _language(value: str) -> Problem | None:
    if value and not _LANGUAGE_RE.fullmatch(value):
        return Problem(
            f'"{value}" is not a language code',
            'write a code such as language = "de" or "de_DE", or "" to follow the system',
        )
    return None


def _post_url(value: str) -> Problem | None:
    from urllib.parse import urlsplit

    problem = _template(value)
    if problem is not None:
        return problem
    fix = 'write it as post = "https://example.com/api/tickets/{id}/claim"'
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Problem(f'"{value}" is not an http(s) URL', fix)
    if "{" in parts.scheme + parts.netloc:
        # Event data must never choose where the secret headers go.
        return Problem("has a placeholder in its host", f"keep the host literal: {fix}")
    return None


def _client_event(value: str) -> Problem | None:
    if not value.startswith("client-") or len(value) <= len("client-"):
        return Problem(
            f'"{value}" is not a client event name', 'start it with client-: "client-ack"'
        )
    return None


def _quiet_hours(value: str) -> Problem | None:
    fix = 'write it as quiet_hours = "22:00-07:00" (24-hour HH:MM-HH:MM)'
    match = _QUIET_RE.fullmatch(value)
    if match is None:
        return Problem(f'"{value}" is not a time range', fix)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return Problem(f'"{value}" holds a time that does not exist', fix)
    if (h1, m1) == (h2, m2):
        return Problem(f'"{value}" starts and ends at the same time', fix)
    return None


_OPEN_PLACEHOLDER = re.compile(r"\{[^{}]*(?:\{|$)")


def _template(value: str) -> Problem | None:
    # The renderer keeps an unclosed "{" literally and never fails, so a typo such as
    # "{subject" would silently show braces in every popup; catch it here instead.
    text = value.replace("{{", "").replace("}}", "")
    if _OPEN_PLACEHOLDER.search(text):
        return Problem(
            'has a "{" with no closing "}"',
            "close the placeholder, as in {subject}, or write {{ for a literal {",
        )
    return None


def _url_template(value: str) -> Problem | None:
    problem = _template(value)
    if problem is not None:
        return problem
    if not value.startswith("{"):
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        if scheme not in ("http", "https"):
            return Problem(
                "must be an http:// or https:// link (it is opened when a popup is clicked)",
                'write it as url = "https://example.com/tickets/{id}"',
            )
    return None


def parse_quiet_hours(value: str) -> tuple[str, str]:
    start, end = value.split("-")
    return start, end


# --- the tables -------------------------------------------------------------------------


def _table(*options: Option) -> Mapping[str, Option]:
    return {option.name: option for option in options}


ROOT = _table(
    Option("account", "tables", "the accounts to connect, one [[account]] table each",
           "[[account]]", default=()),
    Option("rule", "tables", "how events are shown; first match wins", "[[rule]]", default=()),
    Option("signal", "tables",
           "run a command (never through a shell) or POST a webhook when an event matches; "
           "off until confirmed in the settings window or by beacon listen --signals",
           "[[signal]]", default=()),
    Option("notifications", "table", "quiet hours, keywords and storm control",
           "[notifications]"),
    Option("feed", "table", "history retention and update-bar behaviour", "[feed]"),
    Option("interface", "table", "the language of the windows, menus and popups",
           "[interface]"),
)  # fmt: skip

ACCOUNT = _table(
    Option("name", "string", "unique; also the keyring user name", 'name = "support"',
           required=True, non_empty=True),
    Option("key", "string", "the public app key", 'key = "app-key"', required=True,
           non_empty=True, check=_app_key),
    Option("cluster", "string", "Pusher cloud cluster (or host/port/tls for self-hosted)",
           'cluster = "eu"', check=_cluster),
    Option("host", "string", "self-hosted server's host name or address",
           'host = "127.0.0.1"', check=_host),
    Option("port", "integer", "self-hosted server's port (default 443 with TLS, 80 without)",
           "port = 6001", minimum=1, maximum=65535),
    Option("tls", "boolean", "self-hosted: wss:// (true) or ws:// (false)", "tls = false",
           default=True),
    Option("allow_insecure", "boolean",
           "send credentials (auth signatures, presence data, sign-in, {secret} headers) "
           "over plain ws:// or http:// to a host that is not this machine; without it such "
           "an account is refused. Anyone on the network path can read and reuse them",
           "allow_insecure = true", default=False),
    Option("ca_file", "string",
           "PEM file of CA certificates this account trusts besides the system's; a relative "
           "path is taken from the config file's folder",
           'ca_file = "/etc/ssl/company-ca.pem"', non_empty=True),
    Option("channels", "strings", "channels to subscribe to",
           'channels = ["tickets", "private-agent-7"]', default=(),
           item_check=channel_problem),
    Option("auth", "table", "how private, presence and encrypted channels are authorized",
           "[account.auth]"),
    Option("catchup", "table",
           "an endpoint of your backend that serves the events missed while offline",
           "[account.catchup]"),
    Option("activity_timeout", "number",
           "seconds of silence before a ping (default: the server's)",
           "activity_timeout = 120", positive=True),
    Option("pong_timeout", "number", "seconds to wait for a pong before reconnecting",
           "pong_timeout = 30", default=30.0, positive=True),
    Option("signin", "boolean", "sign in with pusher:signin after connecting",
           "signin = true", default=False),
    Option("item_presence", "string",
           'presence channel joined while an item is open, a template over its data; the '
           'details pane shows who else is there ("Also viewing"); needs [account.auth]',
           'item_presence = "presence-ticket-{id}"', check=_item_presence),
    Option("item_presence_max", "integer",
           "most item presence channels held at once (0 turns item presence off)",
           "item_presence_max = 2", default=2, minimum=0, maximum=10),
)  # fmt: skip

AUTH = _table(
    Option("mode", "string", '"endpoint" (your server signs) or "sign" (the app secret does)',
           'mode = "endpoint"', required=True, choices=("endpoint", "sign")),
    Option("endpoint", "string", "URL that authorizes channels (mode endpoint)",
           'endpoint = "https://example.com/pusher/auth"', check=_endpoint),
    Option("headers", "table", 'HTTP headers for the endpoint; "{secret}" is the keyring secret',
           'headers = { Authorization = "Bearer {secret}" }', default={}),
    Option("user", "table", "presence and sign-in user data (mode sign)",
           'user = { id = "agent-7", info = { name = "Ann" } }'),
)  # fmt: skip

CATCHUP = _table(
    Option("url", "string",
           "GET {url}?since=T&channel=C... answers a JSON array of listen-shaped events",
           'url = "https://example.com/pusher/missed"', required=True, check=_catchup_url),
    Option("headers", "table", 'HTTP headers for the endpoint; "{secret}" is the keyring secret',
           'headers = { Authorization = "Bearer {secret}" }', default={}),
)  # fmt: skip

USER = _table(
    Option("id", "string", "the user id that presence channels show", 'id = "agent-7"',
           required=True, non_empty=True),
    Option("info", "table", "extra user information for presence channels",
           'info = { name = "Ann" }', default={}),
    Option("watchlist", "strings", "user ids to watch (pusher:signin)",
           'watchlist = ["agent-8"]', default=(), non_empty=True),
)  # fmt: skip

RULE = _table(
    Option("account", "string", "only events of this account", 'account = "support"'),
    Option("channel", "string", "channel glob", 'channel = "tickets"', default="*",
           non_empty=True),
    Option("event", "string", "event name glob", 'event = "ticket.*"', default="*",
           non_empty=True),
    Option("notify", "string", "popup | feed | mute", 'notify = "popup"', default="popup",
           choices=("popup", "feed", "mute")),
    Option("title", "string", "title template over the event data", 'title = "{subject}"',
           check=_template),
    Option("body", "string", "body template", 'body = "{requester.name}: {preview}"',
           check=_template),
    Option("url", "string", "link template", 'url = "https://example.com/tickets/{id}"',
           check=_url_template),
    Option("priority", "string", "low | normal | high | urgent", 'priority = "high"',
           default="normal", choices=("low", "normal", "high", "urgent")),
    Option("actions", "tables", "buttons on the popup and in the details pane",
           'actions = [{ label = "Claim", post = "https://example.com/api/tickets/{id}/claim" }]',
           default=()),
)  # fmt: skip

ACTION = _table(
    Option("label", "string", "the button's text", 'label = "Claim"', required=True,
           non_empty=True),
    Option("post", "string",
           "POST the event as JSON to this URL template (its scheme and host are fixed)",
           'post = "https://example.com/api/tickets/{id}/claim"', check=_post_url),
    Option("headers", "table", 'HTTP headers for post; "{secret}" is the keyring secret',
           'headers = { Authorization = "Bearer {secret}" }', default={}),
    Option("client_event", "string", "send this client-* event instead of posting",
           'client_event = "client-ack"', check=_client_event),
    Option("channel", "string", "the private or presence channel for client_event",
           'channel = "private-agent-7"', check=channel_problem),
)  # fmt: skip

SIGNAL = _table(
    Option("account", "string", "only events of this account", 'account = "ops"'),
    Option("channel", "string", "channel glob", 'channel = "deploys"', default="*",
           non_empty=True),
    Option("event", "string", "event name glob", 'event = "deploy.*"', default="*",
           non_empty=True),
    Option("run", "strings",
           "the program and its arguments; each argument is a template over the event data "
           "and stays one argument, whatever the data holds (no shell)",
           'run = ["notify-send", "Deployed {service}"]', non_empty=True, item_check=_template),
    Option("post", "string",
           "POST the event as JSON to this URL template instead (its scheme and host are fixed)",
           'post = "https://example.com/hooks/deploy"', check=_post_url),
    Option("max_per_minute", "integer", "runs allowed per minute; more matches are skipped",
           "max_per_minute = 10", default=10, minimum=1),
    Option("timeout", "number", "seconds until a command is killed or a POST given up",
           "timeout = 10", default=10.0, positive=True),
)  # fmt: skip

NOTIFICATIONS = _table(
    Option("quiet_hours", "string", "popups held back in this time range (feed still fills)",
           'quiet_hours = "22:00-07:00"', check=_quiet_hours),
    Option("keywords", "strings", "words that always pop up and are highlighted",
           'keywords = ["outage", "urgent"]', default=(), non_empty=True),
    Option("coalesce", "table", "more popups than this in a window: one summary popup",
           "coalesce = { count = 5, seconds = 10 }"),
    Option("sound", "boolean", "play a sound with each popup", "sound = true", default=True),
    Option("away_minutes", "number",
           "after Beacon was not running, or the machine slept, this long: one "
           "\"while you were away\" popup and a digest at the top of the feed",
           "away_minutes = 10", default=10.0, positive=True),
)  # fmt: skip

COALESCE = _table(
    Option("count", "integer", "popups allowed in the window before one summary",
           "count = 5", default=5, minimum=1),
    Option("seconds", "number", "the window, in seconds", "seconds = 10", default=10.0,
           positive=True),
)  # fmt: skip

FEED = _table(
    Option("retention_count", "integer", "most items kept in history",
           "retention_count = 100000", default=100_000, minimum=1),
    Option("retention_days", "integer", "days an item is kept in history",
           "retention_days = 90", default=90, minimum=1),
    Option("always_hold", "boolean", "new items always wait behind the update bar",
           "always_hold = false", default=False),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Section:
    """One table of the file: its header, the option that holds it, and its options."""

    header: str
    holder: Option  # its help says what the table is for
    options: Mapping[str, Option]


INTERFACE = _table(
    Option("language", "string",
           'a language code such as "de" or "en"; "" follows the system (LANGUAGE, '
           "LC_ALL, LC_MESSAGES, LANG); read at start",
           'language = "de"', default="", check=_language),
)  # fmt: skip


# Every table of the file, in the order the reference documents them.
SECTIONS = (
    Section("[[account]]", ROOT["account"], ACCOUNT),
    Section("[account.auth]", ACCOUNT["auth"], AUTH),
    Section("[account.auth.user]", AUTH["user"], USER),
    Section("[account.catchup]", ACCOUNT["catchup"], CATCHUP),
    Section("[[rule]]", ROOT["rule"], RULE),
    Section("[[rule.actions]]", RULE["actions"], ACTION),
    Section("[[signal]]", ROOT["signal"], SIGNAL),
    Section("[notifications]", ROOT["notifications"], NOTIFICATIONS),
    Section("[notifications.coalesce]", NOTIFICATIONS["coalesce"], COALESCE),
    Section("[feed]", ROOT["feed"], FEED),
    Section("[interface]", ROOT["interface"], INTERFACE),
)


def default(table: Mapping[str, Option], name: str) -> Any:
    """Option ``name``'s declared default, as a copy a caller may keep and change."""
    return copy.deepcopy(table[name].default)


# Keys that would put a secret in the file; each gets "use beacon login" instead.
SECRET_KEYS = frozenset(
    {
        "secret", "app_secret", "token", "password", "passwd", "auth_token", "access_token",
        "api_token", "bearer", "client_secret", "api_secret", "private_key",
    }
)  # fmt: skip
ENCRYPTION_KEYS = frozenset(
    {"encryption_key", "encryption_master_key", "encryption_master_key_base64", "master_key"}
)


def secret_kind(key: str) -> Literal["secret", "encryption", None]:
    """Whether ``key`` names a secret (or an encryption key) that belongs in the keyring."""
    normal = key.lower().replace("-", "_")
    if normal in ENCRYPTION_KEYS:
        return "encryption"
    if normal in SECRET_KEYS or normal.endswith(("_secret", "_token", "_password")):
        return "secret"
    return None
