"""``[[rule]]`` tables as the settings window edits them, and their way back into the file.

A rule has no name, so a draft remembers its index in the file it was read from
(``original``). Writing edits the user's own tables in place (comments and key order
kept), drops the removed ones, and puts the tables in the window's order. The comment
block written right above a ``[[rule]]`` describes that rule, so it moves with it; the
blank lines and comments after the last rule belong to what follows and stay there.

tomlkit keeps the comments above a ``[[rule]]`` at the end of the table before it (the
previous rule, its last ``[[rule.actions]]``, or the last ``[[account]]``); the helpers
below find them there.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import AoT, Comment, Item, Null, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from beacon.config import options as opt
from beacon.config.model import Action, Rule

NOTIFY_MODES: tuple[str, ...] = tuple(opt.RULE["notify"].choices or ())
PRIORITIES: tuple[str, ...] = tuple(opt.RULE["priority"].choices or ())


@dataclass
class ActionDraft:
    """One button of a rule (``[[rule.actions]]``): a POST, or a client event."""

    label: str = ""
    post: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    client_event: str | None = None
    channel: str | None = None

    @classmethod
    def of(cls, action: Action) -> ActionDraft:
        return cls(
            label=action.label,
            post=action.post,
            headers=dict(action.headers),
            client_event=action.client_event,
            channel=action.channel,
        )

    def values(self) -> dict[str, Any]:
        """The keys of its table, as plain values; what is unset is left out."""
        values: dict[str, Any] = {"label": self.label}
        for key, value in (
            ("post", self.post),
            ("headers", self.headers or None),
            ("client_event", self.client_event),
            ("channel", self.channel),
        ):
            if value is not None:
                values[key] = value
        return values


@dataclass
class RuleDraft:
    """One ``[[rule]]`` as the window edits it.

    ``None`` for ``account`` matches every account; ``None`` for a template takes the
    default (DESIGN.md "Defaults with no rule"). ``actions`` are its buttons; while they
    are as read, the file keeps them exactly as written. ``original`` is the rule's index
    in the file it was read from, ``None`` for a rule added in the window.
    """

    account: str | None = None
    channel: str = opt.RULE["channel"].default
    event: str = opt.RULE["event"].default
    notify: str = opt.RULE["notify"].default
    title: str | None = None
    body: str | None = None
    url: str | None = None
    priority: str = opt.RULE["priority"].default
    actions: list[ActionDraft] = field(default_factory=list)
    original: int | None = None

    @classmethod
    def of(cls, rule: Rule, index: int) -> RuleDraft:
        return cls(
            account=rule.account,
            channel=rule.channel,
            event=rule.event,
            notify=rule.notify,
            title=rule.title,
            body=rule.body,
            url=rule.url,
            priority=rule.priority,
            actions=[ActionDraft.of(action) for action in rule.actions],
            original=index,
        )


class RulesChangedError(Exception):
    """The file's ``[[rule]]`` tables are no longer those the window read: its drafts
    point at rules by their place in the file, so writing them now would edit the wrong
    ones."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path}: the [[rule]] tables changed in the file since the settings window read "
            "them, so its rule changes would land on the wrong rules. Fix: close the settings "
            "window, open it again, and make the rule changes there once more"
        )


def rules_in(text: str) -> Any:
    """The ``[[rule]]`` tables of ``text`` as plain values, to tell whether they changed
    (``None`` when the text is not TOML at all: the loader reports that)."""
    try:
        return tomllib.loads(text).get("rule")
    except tomllib.TOMLDecodeError:
        return None


def _put(table: Table, key: str, value: Any, default: Any = None) -> None:
    """Set ``key`` when it differs; leave an untouched key as the user wrote it (even
    when it spells out the default), and add no key that only repeats the default."""
    if value is None:
        if key in table:
            del table[key]
    elif key in table:
        if table[key] != value:
            table[key] = value
    elif value != default:
        table[key] = value


def _write_rule(table: Table, draft: RuleDraft) -> None:
    _put(table, "account", draft.account)
    _put(table, "channel", draft.channel, opt.RULE["channel"].default)
    _put(table, "event", draft.event, opt.RULE["event"].default)
    _put(table, "notify", draft.notify, opt.RULE["notify"].default)
    _put(table, "title", draft.title)
    _put(table, "body", draft.body)
    _put(table, "url", draft.url)
    _put(table, "priority", draft.priority, opt.RULE["priority"].default)
    _write_actions(table, draft.actions)


def _write_actions(table: Table, actions: list[ActionDraft]) -> None:
    wanted = [action.values() for action in actions]
    current = table.get("actions")
    plain = current.unwrap() if isinstance(current, Item) else current
    if plain == wanted or (current is None and not wanted):
        return  # as written: [[rule.actions]] tables or an inline list, comments and all
    if not wanted:
        del table["actions"]
        return
    aot = tomlkit.aot()
    for values in wanted:
        button = tomlkit.table()
        for key, value in values.items():
            if isinstance(value, dict):
                inline = tomlkit.inline_table()
                inline.update(value)
                button[key] = inline
            else:
                button[key] = value
        aot.append(button)
    table["actions"] = aot


def _tail(table: Table) -> tuple[Container, int]:
    """Where the trivia after ``table``'s last value starts: its container and index,
    inside the last sub-table (or ``[[...]]`` item) when that is where tomlkit put it."""
    container = table.value
    body = container.body
    start = len(body)
    while start and body[start - 1][0] is None:
        start -= 1
    last = body[start - 1][1] if start else None
    if all(isinstance(item, Null) for _, item in body[start:]):
        if isinstance(last, AoT) and len(last) > 0:
            return _tail(last[-1])
        if isinstance(last, Table) and not last.is_super_table():
            return _tail(last)
    return container, start


def _take(container: Container, start: int) -> list[Item]:
    """Detach the trivia from ``start`` on; a ``Null`` keeps each place (as tomlkit's own
    removals do), so the container's key indices stay valid."""
    body = container.body
    taken = [item for _, item in body[start:] if not isinstance(item, Null)]
    for index in range(start, len(body)):
        body[index] = (None, Null())
    return taken


def _split_heading(trivia: list[Item]) -> tuple[list[Item], list[Item]]:
    """``trivia`` as (what comes before the comment block at its end, that block)."""
    cut = len(trivia)
    while cut and isinstance(trivia[cut - 1], Comment):
        cut -= 1
    return trivia[:cut], trivia[cut:]


def _before_rules(doc: TOMLDocument) -> Table | None:
    """The table whose end holds the comments right above the first ``[[rule]]``: the
    last table of what precedes the rules in the file, when that is a table."""
    body = doc.body
    index = next(
        (i for i, (key, _) in enumerate(body) if key is not None and key.key == "rule"), None
    )
    if index is None or index == 0:
        return None
    previous = body[index - 1][1]
    if isinstance(previous, AoT) and len(previous) > 0:
        return previous[-1]
    if isinstance(previous, Table):
        return previous
    return None


def write_rules(doc: TOMLDocument, drafts: list[RuleDraft]) -> None:
    """Apply ``drafts`` to ``doc``'s ``[[rule]]`` tables, in the drafts' order."""
    existing = doc.get("rule")
    old: list[Table] = list(existing) if isinstance(existing, AoT) else []
    if existing is not None and not isinstance(existing, AoT):
        del doc["rule"]  # `rule = ...` that is not [[rule]] tables: the loader refuses it
        existing = None
    # Take every comment and blank line between and after the rules out of the file.
    before = _before_rules(doc) if old else None
    first_heading: list[Item] = []
    kept: list[Item] = []
    if before is not None:
        container, start = _tail(before)
        kept, first_heading = _split_heading(_take(container, start))
        for item in kept:
            container.add(item)
    headings: list[list[Item]] = [first_heading]
    gaps: list[list[Item]] = []
    ending: list[Item] = []
    for index, table in enumerate(old):
        trivia = _take(*_tail(table))
        if index + 1 < len(old):
            gap, heading = _split_heading(trivia)
            gaps.append(gap)
            headings.append(heading)
        else:
            ending = trivia
    # The tables in the window's order: the user's own ones edited in place.
    tables: list[tuple[Table, list[Item], list[Item]]] = []
    for draft in drafts:
        if draft.original is not None and 0 <= draft.original < len(old):
            table = old[draft.original]
            heading = headings[draft.original]
            gap = gaps[draft.original] if draft.original < len(gaps) else []
        else:
            table, heading, gap = tomlkit.table(), [], []
        _write_rule(table, draft)
        tables.append((table, heading, gap or [tomlkit.ws("\n")]))
    if not tables:
        if existing is not None:
            del doc["rule"]
        if before is not None:
            container, _ = _tail(before)
            if kept and isinstance(kept[-1], Whitespace) and ending:
                if isinstance(ending[0], Whitespace):
                    ending = ending[1:]  # one blank line where the rules were, not two
            for item in ending:
                container.add(item)
        return
    # Each table's heading goes where the comments above it live: the end of the table
    # before it; the first one's, the end of what precedes the rules.
    if before is not None:
        container, _ = _tail(before)
        for item in tables[0][1]:
            container.add(item)
    for (table, _, gap), (_, next_heading, _) in pairwise(tables):
        container, _ = _tail(table)
        for item in [*gap, *next_heading]:
            container.add(item)
    container, _ = _tail(tables[-1][0])
    for item in ending or [tomlkit.ws("\n")]:
        container.add(item)
    # parsed=True: tomlkit adds no blank line of its own before each table; the gaps
    # above already hold the user's.
    aot = AoT([], parsed=True)
    for table, _, _ in tables:
        aot.append(table)
    if existing is not None:
        doc["rule"] = aot
    else:
        doc.add("rule", aot)
