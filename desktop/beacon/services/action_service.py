"""The action service: a press of an action button, from the details pane or a popup,
run off the GUI thread and kept on the item.

The button labels come from the first ``[[rule]]`` that matches the item (the same rule
that shaped it). A press looks the item up, runs :meth:`Actions.run` on the event loop
(HTTP and keyring reads are awaited there, never waited on by Qt), stores the result with
``History.set_action_result`` in a worker thread, and emits the item as stored now, so
the window and the details pane show "Claim done 14:02" and a restart still does.

A press runs once: while it runs, another press of any button of that item is refused
(``Actions`` also limits presses per minute and times each one out).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from beacon.config.model import Action, Config
from beacon.feed.item import FeedItem
from beacon.feed.rules import first_match
from beacon.services.actions import Actions
from beacon.services.loop import qt_loop
from beacon.store.history import History

__all__ = ["ActionService"]

log = logging.getLogger("beacon.services")

#: Items whose rule is remembered for their popups' buttons (popups name items by id).
MAX_REMEMBERED = 1024

SendClientEvent = Callable[[str, str, str, Any], None]


class ActionService(QObject):
    """Runs action presses for the app.

    Signals:
        itemChanged(FeedItem): an item's ``action_result`` was stored (the item as stored).
        pressFinished(int, bool, str): (item id, ok, result text) a press ended; the text
            is empty when nothing was run (the item or its button is gone).
    """

    itemChanged = Signal(object)
    pressFinished = Signal(int, bool, str)

    def __init__(
        self,
        config: Config,
        history: History,
        secrets: Any,
        send_client_event: SendClientEvent,
        parent: QObject | None = None,
        **actions_options: Any,
    ) -> None:
        super().__init__(parent)
        self._history = history
        self._secrets = secrets
        self._send = send_client_event
        self._options = actions_options
        self._config = config
        self._actions = Actions(config.accounts, secrets, send_client_event, **actions_options)
        self._old: list[Actions] = []
        self._known: OrderedDict[int, tuple[str, str, str]] = OrderedDict()
        self._running: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- which buttons --------------------------------------------------------------------

    def actions_of(self, account: str, channel: str, event: str) -> tuple[Action, ...]:
        rule = first_match(self._config.rules, account, channel, event)
        return rule.actions if rule is not None else ()

    def labels(self, item: FeedItem) -> tuple[str, ...]:
        """The labels of ``item``'s buttons, in config order (for the details pane)."""
        return tuple(a.label for a in self.actions_of(item.account, item.channel, item.event))

    def labels_for_id(self, item_id: int) -> tuple[str, ...]:
        """The labels of a recently added item's buttons (for its popup); () if unknown."""
        known = self._known.get(item_id)
        if known is None:
            return ()
        return tuple(a.label for a in self.actions_of(*known))

    def note_items(self, items: list[FeedItem]) -> None:
        """Committed items (``FeedService.itemsAdded``): remembered for their popups."""
        for item in items:
            if item.id is not None:
                self._known[item.id] = (item.account, item.channel, item.event)
        while len(self._known) > MAX_REMEMBERED:
            self._known.popitem(last=False)

    def running(self, item_id: int) -> bool:
        return item_id in self._running

    # -- pressing -------------------------------------------------------------------------

    def press(self, item_id: int, index: int) -> bool:
        """Press button ``index`` of item ``item_id``; False when refused at once (one
        press of that item still runs). The result comes as :attr:`itemChanged`."""
        if item_id in self._running:
            return False
        self._running.add(item_id)
        task = qt_loop().create_task(self._press(item_id, index))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _press(self, item_id: int, index: int) -> None:
        ok, text = False, ""
        try:
            item = await asyncio.to_thread(self._history.get, item_id)
            if item is None:
                log.info("action on item %d: no such item any more", item_id)
                return
            actions = self.actions_of(item.account, item.channel, item.event)
            if not 0 <= index < len(actions):
                log.info("action %d on item %d: the rule has no such button", index, item_id)
                return
            try:
                data: Any = json.loads(item.payload)
            except ValueError:
                data = item.payload
            result = await self._actions.run(
                item.account, actions[index], item.channel, item.event, data
            )
            stored = await asyncio.to_thread(self._history.set_action_result, item_id, result.text)
            ok, text = result.ok, result.text
            if stored is not None:
                self.itemChanged.emit(stored)
        except Exception:
            log.exception("action on item %d failed unexpectedly", item_id)
        finally:
            self._running.discard(item_id)
            self.pressFinished.emit(item_id, ok, text)

    # -- lifecycle -----------------------------------------------------------------------

    def apply_config(self, config: Config) -> None:
        """Rules and accounts from now on; presses running finish with the old ones."""
        self._config = config
        self._old.append(self._actions)
        self._actions = Actions(config.accounts, self._secrets, self._send, **self._options)

    async def close(self) -> None:
        """Let running presses finish (each is bounded by its timeout), then close."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for actions in (*self._old, self._actions):
            await actions.close()
        self._old.clear()
