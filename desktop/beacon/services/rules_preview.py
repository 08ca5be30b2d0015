"""The rules editor's checks: the loader's verdict on a rule, and what it makes of the
latest event in the history that it matches.

Both run in a worker thread (the file, the loader and SQLite; the GUI thread never waits
on any of them) and come back as one ``checked`` signal:

- the rules as the window has them are rendered into the file's text exactly as Save
  would write them (``services.settings.render``) and validated by the loader
  (``config.load.parse_config``): the same code, so the same messages;
- the rule the loader built is applied to the newest stored event it matches, by the
  feed's own mapper (``feed.mapper.FeedMapper``), as if that event arrived now. The
  stored payload is decoded by the protocol's own ``decode_data``, as it was live.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from beacon.config.errors import ConfigError
from beacon.config.load import parse_config
from beacon.config.model import Config, Rule
from beacon.connect.events import ReceivedEvent
from beacon.feed.item import FeedItem
from beacon.feed.mapper import FeedMapper
from beacon.feed.rules import rule_matches
from beacon.pusher.frames import decode_data
from beacon.services.loop import qt_loop
from beacon.services.rule_drafts import RuleDraft
from beacon.services.settings import AccountDraft, NotificationsDraft, render
from beacon.store.history import FeedFilter, History, HistoryError

log = logging.getLogger("beacon.services")

#: Stored events read per query while looking for a match.
PAGE = 500
#: Events looked at per channel at most: a glob that matches nothing in a channel with
#: a long history gives up after these, and says so, rather than read it all.
SCAN_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """What one check found, for the rule at ``index`` (0-based) of the window's list.

    ``problem``: the loader's messages about this rule, or about the rest of the settings
    when ``elsewhere`` (then the rule could not be built, so there is no preview).
    ``item``: the rule applied to ``source``, the newest stored event it matches; both
    ``None`` when none matches (``scanned_all`` False: not among the newest
    ``SCAN_LIMIT`` events of each channel). ``first_rule``: the 0-based index of the rule
    that actually applies to that event, when an earlier one matches it first.
    """

    request: int
    index: int
    problem: str | None = None
    elsewhere: bool = False
    item: FeedItem | None = None
    source: FeedItem | None = None
    scanned_all: bool = True
    first_rule: int | None = None
    history_error: str | None = None


def _own_problems(error: ConfigError, index: int) -> list[ConfigError]:
    """The problems the loader found in ``[[rule]] #index+1`` (its actions included)."""
    context = f"[[rule]] #{index + 1}"
    return [p for p in error.problems if p.message.startswith((f"{context}:", f"{context} action"))]


def latest_match(history: History, rule: Rule) -> tuple[FeedItem | None, bool]:
    """The newest stored event ``rule`` matches (muted ones too), and whether every
    candidate channel was looked at in full."""
    channel_only = dataclasses.replace(rule, event="*")
    best: FeedItem | None = None
    scanned_all = True
    for account, channel in history.channels():
        if not rule_matches(channel_only, account, channel, ""):
            continue
        flt = FeedFilter(account=account, channel=channel, show_muted=True)
        before: int | None = None
        scanned = 0
        while True:
            page = history.page(flt, before_id=before, limit=PAGE)
            if not page:
                break
            hit = next((i for i in page if rule_matches(rule, i.account, i.channel, i.event)), None)
            if hit is not None:
                if best is None or (hit.id or 0) > (best.id or 0):
                    best = hit
                break
            before = page[-1].id
            scanned += len(page)
            if best is not None and (before or 0) < (best.id or 0):
                break  # older than the match found already
            if scanned >= SCAN_LIMIT:
                scanned_all = False
                break
    return best, scanned_all


def apply_rule(config: Config, index: int, stored: FeedItem) -> tuple[FeedItem, int | None]:
    """``config.rules[index]`` applied to ``stored`` as the feed would apply it, and the
    index of the rule that really applies first, when that is another one."""
    data, _ = decode_data(stored.payload)
    event = ReceivedEvent(
        account=stored.account,
        channel=stored.channel,
        event=stored.event,
        data=data,
        user_id=stored.user_id,
        received_at=stored.received_at,
        raw_data=stored.payload,
    )
    mapper = FeedMapper([config.rules[index]], config.notifications.keywords)
    item = mapper.map(event)
    assert item is not None  # the rule matches the event: it always makes an item
    first = next(
        (
            i
            for i, rule in enumerate(config.rules)
            if rule_matches(rule, stored.account, stored.channel, stored.event)
        ),
        index,
    )
    return item, (first if first != index else None)


def check_rule(
    path: Path,
    history: History | None,
    accounts: list[AccountDraft],
    notifications: NotificationsDraft,
    rules: list[RuleDraft],
    index: int,
    request: int = 0,
) -> RuleCheck:
    """The loader's verdict on ``rules[index]`` and its preview (blocking: a worker's)."""
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    text = render(current, accounts, notifications, rules)
    try:
        config = parse_config(text, path)
    except ConfigError as exc:
        own = _own_problems(exc, index)
        if own:
            return RuleCheck(request, index, "\n".join(str(p) for p in own))
        return RuleCheck(request, index, exc.report(), elsewhere=True)
    if history is None:
        return RuleCheck(request, index)
    rule = config.rules[index]
    try:
        stored, scanned_all = latest_match(history, rule)
    except HistoryError as exc:
        return RuleCheck(request, index, history_error=str(exc))
    if stored is None:
        return RuleCheck(request, index, scanned_all=scanned_all)
    item, first = apply_rule(config, index, stored)
    return RuleCheck(request, index, item=item, source=stored, first_rule=first)


class RulesPreviewService(QObject):
    """Checks a rule off the GUI thread.

    Signals:
        checked(RuleCheck): the answer to ``check``; ``request`` is what it returned.
    """

    checked = Signal(object)

    def __init__(self, path: Path, history: History | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.history = history
        # One worker: checks answer in the order they were asked, the last one last.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beacon-rules")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._requests = 0

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def check(
        self,
        accounts: list[AccountDraft],
        notifications: NotificationsDraft,
        rules: list[RuleDraft],
        index: int,
    ) -> int:
        """Check ``rules[index]`` with the other settings as given: ``checked`` follows,
        with the request number returned here."""
        self._requests += 1
        request = self._requests
        # Copies: the window goes on editing its drafts while the worker renders these.
        args = (
            [dataclasses.replace(a, headers=dict(a.headers), channels=list(a.channels))
             for a in accounts],
            dataclasses.replace(notifications, keywords=list(notifications.keywords)),
            [dataclasses.replace(r, actions=[dataclasses.replace(b, headers=dict(b.headers))
                                             for b in r.actions])
             for r in rules],
        )  # fmt: skip
        task = qt_loop().create_task(self._check(request, index, *args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return request

    async def _check(
        self,
        request: int,
        index: int,
        accounts: list[AccountDraft],
        notifications: NotificationsDraft,
        rules: list[RuleDraft],
    ) -> None:
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                self._executor,
                check_rule,
                self.path,
                self.history,
                accounts,
                notifications,
                rules,
                index,
                request,
            )
        except OSError as exc:
            result = RuleCheck(
                request, index, f"{self.path}: {exc.strerror or exc}", elsewhere=True
            )
        self.checked.emit(result)
