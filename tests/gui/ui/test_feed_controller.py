"""FeedController: what goes into the list and what waits, with searches decided by the
store off the GUI thread, and filter changes racing those decisions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from beacon.services.feed import FeedFilter, FeedService
from beacon.store.history import History
from beacon.ui.feed_controller import FeedController
from beacon.ui.feed_model import FeedRole
from support.feeditems import make_item


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    h = History(tmp_path / "history.sqlite3", retention_days=None)
    yield h
    h.close()


@pytest.fixture
def service(history: History) -> Iterator[FeedService]:
    s = FeedService(history)
    yield s
    s.close()


class _User:
    """What the window would say: is the user busy with the list?"""

    busy = False


def _controller(service: FeedService, qtbot: QtBot, user: _User) -> FeedController:
    controller = FeedController(service, disturbing=lambda: user.busy, current_row=lambda: -1)
    controller.start()
    qtbot.waitUntil(lambda: not controller.model.loading and not service.busy)
    return controller


def _titles(controller: FeedController) -> list[str]:
    model = controller.model
    return [model.index(r).data(FeedRole.TITLE) for r in range(model.rowCount())]


def _settled(controller: FeedController, service: FeedService, qtbot: QtBot) -> None:
    qtbot.waitUntil(
        lambda: not controller.busy and not controller.model.loading and not service.busy
    )


@pytest.fixture
def keep() -> Iterator[list[object]]:
    """Keeps objects alive until after the fixtures requested later (qtmodeltester's
    teardown still talks to the model)."""
    kept: list[object] = []
    yield kept
    kept.clear()


def test_a_search_shows_only_what_the_store_finds(
    history: History,
    service: FeedService,
    keep: list[object],
    qtbot: QtBot,
    qtmodeltester: ModelTester,
) -> None:
    user = _User()
    controller = _controller(service, qtbot, user)
    keep.append(controller)
    controller.set_filter(FeedFilter(search="printer"))
    _settled(controller, service, qtbot)
    qtmodeltester.check(controller.model, force_py=True)

    service.add_committed(history.add_batch([make_item(1, title="Printer on fire"), make_item(2)]))
    _settled(controller, service, qtbot)
    assert _titles(controller) == ["Printer on fire"]

    user.busy = True
    service.add_committed(history.add_batch([make_item(3, body="the printer again"), make_item(4)]))
    qtbot.waitUntil(lambda: controller.held == 1)
    with qtbot.waitSignal(controller.revealed) as revealed:
        controller.reveal()
    assert revealed.args == [1]
    assert _titles(controller) == ["Ticket 3", "Printer on fire"]


def test_a_filter_change_while_items_are_classified_loses_and_repeats_nothing(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    user = _User()
    controller = _controller(service, qtbot, user)
    controller.set_filter(FeedFilter(search="ticket"))
    _settled(controller, service, qtbot)

    # Committed and handed over; the store is asked, and before it answers, the filter
    # changes: the batch must be classified again, under the new filter.
    service.add_committed(history.add_batch([make_item(n) for n in range(5)]))
    assert controller.busy
    controller.set_filter(FeedFilter())
    _settled(controller, service, qtbot)
    assert _titles(controller) == [f"Ticket {n}" for n in range(4, -1, -1)]


def test_a_reveal_waits_for_held_items_to_be_recounted(
    history: History, service: FeedService, qtbot: QtBot
) -> None:
    user = _User()
    controller = _controller(service, qtbot, user)
    history.add_batch([make_item(0)])
    user.busy = True
    service.add_committed(
        history.add_batch([make_item(1, title="VPN down"), make_item(2, title="Printer")])
    )
    qtbot.waitUntil(lambda: controller.held == 2)

    controller.set_filter(FeedFilter(search="vpn"))  # recounted by the store
    controller.reveal()  # asked before the store answered
    _settled(controller, service, qtbot)
    assert controller.held == 0
    assert _titles(controller) == ["VPN down"]
