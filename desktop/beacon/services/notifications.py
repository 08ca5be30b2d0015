"""The notification service: committed items in, popups out, the user's clicks back.

It runs :class:`~beacon.feed.notify_policy.NotifyPolicy` on the wall clock and hands each
popup to a presenter (in the app, ``tray.notify.PresenterChain``; this layer does not
import ``tray/``, it only needs :class:`PopupPresenter`). What the user does with a popup
comes back as requests for the window and the feed service:

- a click on an item's popup: ``openItemRequested(item_id)``;
- a click on a summary: ``openFilteredRequested([item_id, ...])``;
- "Mark read": ``markReadRequested([item_id, ...])``;
- "Open link": ``openLinkRequested(url)``;
- one of the rule's action buttons ("Claim"): ``actionRequested(item_id, index)``.

The one timer runs only while the policy holds or gathers something (quiet hours,
do-not-disturb, a storm), as a single shot at the policy's deadline: an idle app with
nothing pending never wakes for notifications.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from beacon.config.model import NotificationSettings
from beacon.feed.item import FeedItem
from beacon.feed.notify_policy import (
    ACTION_BUTTON_PREFIX,
    ACTION_DEFAULT,
    ACTION_MARK_READ,
    ACTION_OPEN_LINK,
    DoNotDisturb,
    NotifyPolicy,
    Popup,
    QuietHours,
)

log = logging.getLogger("beacon.services")

#: The longest single wait. A deadline hours away (the end of quiet hours) is reached in
#: steps, so that a clock changed meanwhile (suspend, a new time zone) is caught up on.
MAX_WAIT_MS = 10 * 60 * 1000


class PopupPresenter(Protocol):
    """What the service needs from a presenter (``tray.notify.PresenterChain``)."""

    @property
    def actionInvoked(self) -> SignalInstance: ...  # (Popup, action)

    def present(self, popup: Popup) -> None: ...


def local_now() -> datetime:
    """The wall clock, in the user's time zone: quiet hours are read on it."""
    return datetime.now().astimezone()


class NotificationService(QObject):
    """Decides and shows popups for committed items.

    Connect ``itemsAdded`` of the engine (or feed) service to :meth:`add_items`, after
    the window's own slot, so that ``looking_at`` sees the window as it now is.

    Signals:
        openItemRequested(int): show the feed window with this item revealed.
        openFilteredRequested(list[int]): show the feed filtered to these items.
        markReadRequested(list[int]): mark these items read.
        openLinkRequested(str): open this http(s) link.
        popupShown(Popup): a popup was handed to the presenter (for tests and benchmarks).
        actionRequested(int, int): (item id, button index) the user pressed a rule's
            action button on the item's popup.
    """

    openItemRequested = Signal(int)
    openFilteredRequested = Signal(list)
    markReadRequested = Signal(list)
    openLinkRequested = Signal(str)
    popupShown = Signal(object)
    actionRequested = Signal(int, int)

    def __init__(
        self,
        settings: NotificationSettings,
        presenter: PopupPresenter,
        *,
        dnd: DoNotDisturb | None = None,
        looking_at: Callable[[int], bool] | None = None,
        muted: Callable[[FeedItem, datetime], bool] | None = None,
        clock: Callable[[], datetime] = local_now,
        action_labels: Callable[[int], tuple[str, ...]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``action_labels(item_id)``: the labels of the item's action buttons, shown on
        its popup (the action service's ``labels_for_id``)."""
        super().__init__(parent)
        self.action_labels = action_labels
        quiet = settings.quiet_hours
        self.policy = NotifyPolicy(
            coalesce_count=settings.coalesce_count,
            coalesce_seconds=settings.coalesce_seconds,
            quiet_hours=QuietHours.parse(quiet) if quiet is not None else None,
            dnd=dnd,
            looking_at=looking_at,
            muted=muted,
        )
        self._presenter = presenter
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.recheck)
        presenter.actionInvoked.connect(self.handle_action)

    @property
    def waiting(self) -> bool:
        """Whether the service's timer is set: something is held or gathered."""
        return self._timer.isActive()

    def set_looking_at(self, looking_at: Callable[[int], bool] | None) -> None:
        """Replace the "user already sees this item" predicate (the window supplies it)."""
        self.policy.looking_at = looking_at

    def set_muted(self, muted: Callable[[FeedItem, datetime], bool] | None) -> None:
        """Replace the "user muted this item's channel" predicate (channel mutes)."""
        self.policy.muted = muted

    # -- slots ------------------------------------------------------------------------------

    def add_items(self, items: list[FeedItem]) -> None:
        """Committed items, oldest first (``itemsAdded``)."""
        now = self._clock()
        self._show(self.policy.offer(items, now))
        self._schedule(now)

    def recheck(self) -> None:
        """Time passed, or do-not-disturb changed: show what is due and wait again."""
        now = self._clock()
        self._show(self.policy.tick(now))
        self._schedule(now)

    def show_popup(self, popup: Popup) -> None:
        """Show a popup made elsewhere (the "while you were away" summary) now, past the
        policy: it is one popup about items the policy never offered."""
        self._show([popup])

    def handle_action(self, popup: Popup, action: str) -> None:
        """What the user did with a popup, turned into a request for the app."""
        ids = list(popup.item_ids)
        if action == ACTION_DEFAULT:
            if popup.summary:
                self.openFilteredRequested.emit(ids)
            else:
                self.openItemRequested.emit(ids[0])
        elif action == ACTION_MARK_READ:
            self.markReadRequested.emit(ids)
        elif action == ACTION_OPEN_LINK and popup.url:
            self.openLinkRequested.emit(popup.url)
        elif action.startswith(ACTION_BUTTON_PREFIX) and not popup.summary:
            index = action.removeprefix(ACTION_BUTTON_PREFIX)
            # isdecimal and ASCII: "²" is a digit that int() refuses.
            if index.isascii() and index.isdecimal() and int(index) < len(popup.actions):
                self.actionRequested.emit(ids[0], int(index))
            else:
                log.debug("ignoring action %r on a popup", action)
        else:
            log.debug("ignoring action %r on a popup", action)

    # -- helpers ----------------------------------------------------------------------------

    def _show(self, popups: list[Popup]) -> None:
        for popup in popups:
            if self.action_labels is not None and not popup.summary:
                labels = self.action_labels(popup.item_ids[0])
                if labels:
                    popup = replace(popup, actions=labels)
            self._presenter.present(popup)
            self.popupShown.emit(popup)

    def _schedule(self, now: datetime) -> None:
        deadline = self.policy.deadline(now)
        if deadline is None:
            self._timer.stop()
            return
        wait_ms = math.ceil((deadline - now).total_seconds() * 1000)
        self._timer.start(min(max(wait_ms, 0), MAX_WAIT_MS))
