"""The details pane's row of action buttons: the item's rule's labels, a press as a
request, the result on the item, and no button for an item without a rule's actions."""

from __future__ import annotations

from dataclasses import replace

from pytestqt.qtbot import QtBot

from beacon.feed.item import FeedItem
from beacon.ui.details import DetailsPane
from support.feeditems import make_item


def _item(n: int, **kw: object) -> FeedItem:
    return replace(make_item(n), id=n, **kw)  # type: ignore[arg-type]


def _labels(item: FeedItem) -> tuple[str, ...]:
    return ("Claim", "R&D ack") if item.id == 1 else ()


def test_buttons_press_and_result(qtbot: QtBot) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    pane.set_action_labels(_labels)
    pane.show()
    pane.show_item(_item(1))
    # "&" in a label from the config is shown, not taken as a mnemonic.
    assert [b.text() for b in pane.action_buttons] == ["Claim", "R&&D ack"]
    assert [b.accessibleName() for b in pane.action_buttons] == [
        "Action: Claim",
        "Action: R&D ack",
    ]
    assert pane.action_result.text() == ""

    with qtbot.waitSignal(pane.actionRequested) as pressed:
        pane.action_buttons[1].click()
    assert pressed.args == [1, 1]
    assert pane.action_result.text() == "R&D ack: sending…"
    assert not any(b.isEnabled() for b in pane.action_buttons)

    # Another item's news changes nothing here; this item's does.
    pane.update_item(_item(2, action_result="Claim done 09:00"))
    assert pane.action_result.text() == "R&D ack: sending…"
    pane.update_item(_item(1, action_result="R&D ack failed: 409 already claimed"))
    assert pane.action_result.text() == "R&D ack failed: 409 already claimed"
    assert all(b.isEnabled() for b in pane.action_buttons)


def test_an_item_without_actions_shows_no_row_but_keeps_its_result(qtbot: QtBot) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    pane.set_action_labels(_labels)
    pane.show()
    pane.show_item(_item(2))
    assert pane.action_buttons == []
    assert not pane.action_result.isVisible()
    # The rule lost its buttons since, but what was done from the item still shows.
    pane.show_item(_item(2, action_result="Claim done 09:00"))
    assert pane.action_result.isVisible()
    assert pane.action_result.text() == "Claim done 09:00"


def test_a_finished_press_without_a_result_enables_the_buttons(qtbot: QtBot) -> None:
    pane = DetailsPane()
    qtbot.addWidget(pane)
    pane.set_action_labels(_labels)
    pane.show_item(_item(1))
    pane.action_buttons[0].click()
    assert not pane.action_buttons[0].isEnabled()
    pane.action_finished(1)
    assert pane.action_buttons[0].isEnabled()
    assert pane.action_result.text() == ""
