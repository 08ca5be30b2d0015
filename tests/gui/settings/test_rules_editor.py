"""The settings window's Rules page: rules added, edited, deleted and reordered by clicking
and typing, saved with the user's comments; the loader's messages for a bad rule; and a
preview of the rule on the latest matching event of a real history."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
)
from pytestqt.qtbot import QtBot

from beacon.app import BeaconApp
from beacon.config import ConfigError, load_config
from beacon.config.load import parse_config
from beacon.connect.events import ReceivedEvent
from beacon.demo import DemoServer
from beacon.feed.mapper import FeedMapper
from beacon.store.history import History
from beacon.ui.rules_editor import RulesEditor
from beacon.ui.settings import SettingsWindow
from support.feedapp import wait_until
from support.rule_files import USER_FILE
from support.settings_window import settings_window

from .test_settings_window import Recorder

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"


def store(history: History, *events: tuple[str, str, dict[str, Any]]) -> None:
    """Events as the engine stores them: mapped with no rules, one minute apart."""
    mapper = FeedMapper([])
    items = []
    for n, (channel, event, data) in enumerate(events):
        raw = json.dumps(data)
        received = ReceivedEvent("shop", channel, event, data, None, T0 + timedelta(minutes=n), raw)
        item = mapper.map(received)
        assert item is not None
        items.append(item)
    history.add_batch(items)


@dataclass
class Page:
    window: SettingsWindow
    editor: RulesEditor
    path: Path
    history: History
    qtbot: QtBot

    def rows(self) -> list[str]:
        rules = self.editor.rule_list
        return [rules.item(i).text() for i in range(rules.count())]

    def click(self, button: Any) -> None:
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def retype(self, field: Any, text: str) -> None:
        field.setFocus()
        field.selectAll()
        self.qtbot.keyClicks(field, text)  # typing replaces the selection, as for a user

    async def checked(self) -> None:
        """The page's latest check has answered."""
        editor = self.editor
        await wait_until(
            lambda: (
                editor.last_check is not None
                and editor.last_check.request == editor._request
                and not editor._timer.isActive()
            )
        )


@pytest.fixture
async def page(tmp_path: Path, qtbot: QtBot) -> AsyncIterator[Page]:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    history = History(tmp_path / "history.sqlite3")
    try:
        with settings_window(path, history) as window:
            window.show()
            window.load()
            editor = window.rules_editor
            await wait_until(lambda: editor.rule_list.count() == 3)
            window.tabs.setCurrentWidget(editor)
            window.activateWindow()  # keys and focus go to the active window only
            await wait_until(window.isActiveWindow)
            yield Page(window, editor, path, history, qtbot)
    finally:
        history.close()


async def test_rules_read_as_words_in_file_order(page: Page) -> None:
    assert page.rows() == [
        "any channel · ticket.* → “{subject}”, High",
        "orders · order.created → “Order {id}”",
        "deploys · any event → the default title (muted)",
    ]
    # The first rule is selected, and its form filled.
    editor = page.editor
    assert editor.rule_list.currentRow() == 0
    assert (editor.event_name.text(), editor.title.text()) == ("ticket.*", "{subject}")
    assert editor.priority.currentData() == "high"
    editor.rule_list.setCurrentRow(1)
    assert editor.buttons_label.text() == "Claim"


async def test_add_edit_delete_and_reorder_are_saved_with_the_comments(page: Page) -> None:
    editor, window = page.editor, page.window
    saved = Recorder(window.service.saved)

    # Reorder: the deploys rule to the top, by button and by keyboard.
    editor.rule_list.setCurrentRow(2)
    page.click(editor.up_button)
    assert editor.rule_list.currentRow() == 1
    editor.rule_list.setFocus()
    page.qtbot.keyClick(editor.rule_list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert page.rows()[0] == "deploys · any event → the default title (muted)"
    assert editor.rule_list.currentRow() == 0
    assert not editor.up_button.isEnabled()  # the first can go no higher

    # Edit the tickets rule (now second): its title and where it pops up.
    editor.rule_list.setCurrentRow(1)
    page.click(editor.edit_button)
    assert editor.channel.hasFocus()
    page.retype(editor.title, "Ticket {id}: {subject}")
    editor.notify.setCurrentIndex(editor.notify.findData("feed"))
    assert page.rows()[1] == "any channel · ticket.* → “Ticket {id}: {subject}” (feed only), High"

    # Add a rule for invoices.
    page.click(editor.add_button)
    assert editor.rule_list.currentRow() == 3 and editor.channel.hasFocus()
    page.qtbot.keyClicks(editor.channel, "billing")  # replaces the selected "*"
    page.retype(editor.event_name, "invoice.*")
    page.retype(editor.title, "Invoice {number}")
    page.retype(editor.url, "https://billing.example.com/{number}")
    editor.account.setCurrentIndex(editor.account.findData("shop"))
    assert page.rows()[3] == "shop: billing · invoice.* → “Invoice {number}”"

    # Delete the orders rule (third), with the Delete key on the list.
    editor.rule_list.setCurrentRow(2)
    editor.rule_list.setFocus()
    page.qtbot.keyClick(editor.rule_list, Qt.Key.Key_Delete)
    assert len(page.rows()) == 3

    page.click(window.save_button)
    await saved.next()
    config = load_config(page.path)
    assert [(r.account, r.channel, r.event, r.notify, r.title, r.url) for r in config.rules] == [
        (None, "deploys", "*", "mute", None, None),
        (None, "*", "ticket.*", "feed", "Ticket {id}: {subject}", None),
        ("shop", "billing", "invoice.*", "popup", "Invoice {number}",
         "https://billing.example.com/{number}"),
    ]  # fmt: skip
    assert config.rules[1].priority == "high"
    text = page.path.read_text(encoding="utf-8")
    # The comments survive, each above its own rule; the deleted rule's went with it.
    assert text.startswith("# Beacon at the shop\n[[account]]\n")
    assert '# deploys are noise\n# (two lines of comment)\n[[rule]]\nchannel = "deploys"\n' in text
    assert '# tickets first: they matter most\n[[rule]]\nevent = "ticket.*"   # every' in text
    assert "# orders, with a button" not in text and "Claim" not in text
    assert text.endswith('\n# what follows the rules\n[notifications]\nkeywords = ["outage"]\n')
    assert "Saved" in window.message.text()

    # A second save after more moves writes the new order again (the drafts now point at
    # the rules' new places in the file).
    editor.rule_list.setCurrentRow(0)
    page.click(editor.down_button)
    page.click(window.save_button)
    await saved.next(2)
    assert [r.channel for r in load_config(page.path).rules] == ["*", "deploys", "billing"]


async def test_preview_shows_the_rule_on_the_latest_matching_event(page: Page) -> None:
    store(
        page.history,
        ("orders", "order.created", {"id": 7, "customer": {"name": "Ann"}, "note": "old"}),
        ("tickets", "ticket.created", {"id": 1, "subject": "Printer on fire"}),
        # The latest order.created; its note is markup, shown as the text it is.
        ("orders", "order.created",
         {"id": 8, "customer": {"name": "Bo"}, "note": "<b>rush</b> & wrap"}),
        ("orders", "order.paid", {"id": 8, "customer": {"name": "Bo"}, "note": "paid"}),
    )  # fmt: skip
    editor = page.editor
    editor.rule_list.setCurrentRow(1)
    await page.checked()
    assert editor.preview_title.text() == "Order 8"
    assert editor.preview_body.text() == "Bo: <b>rush</b> & wrap"
    assert editor.preview_body.textFormat() == Qt.TextFormat.PlainText
    assert editor.preview_url.text() == "https://shop.example.com/orders/8"
    assert editor.preview_source.text().startswith("shop · orders · order.created, received ")
    assert editor.preview_shown.text() == "Pops up; priority: Normal"
    assert editor.preview_status.isHidden()
    # Written for people to look at (the page as a user sees it).
    ARTIFACTS.mkdir(exist_ok=True)
    assert page.window.grab().toImage().save(str(ARTIFACTS / "settings-rules.png"))

    # Each edit is previewed: a glob that takes the paid event too, then the newest.
    page.retype(editor.event_name, "order.*")
    await page.checked()
    assert editor.preview_body.text() == "Bo: paid"
    page.retype(editor.url, "https://shop.example.com/o/{customer.name}?n={note}")
    await page.checked()
    assert editor.preview_url.text() == "https://shop.example.com/o/Bo?n=paid"

    # No event matches: said in words, nothing else shown.
    page.retype(editor.event_name, "order.refunded")
    await page.checked()
    assert editor.preview_status.text() == "No event in the history matches this rule."
    assert editor.preview_title.text() == "" and editor.preview_title.isHidden()

    # A rule further down whose event an earlier rule takes first: said so.
    page.click(editor.add_button)
    page.qtbot.keyClicks(editor.channel, "tickets")
    page.retype(editor.title, "#{id}")
    await page.checked()
    assert editor.preview_title.text() == "#1"
    assert editor.preview_status.text().startswith("Rule 1 above matches this event first")


async def test_a_bad_rule_shows_the_loaders_message_and_is_not_saved(page: Page) -> None:
    editor, window = page.editor, page.window
    before = page.path.read_bytes()
    failed = Recorder(window.service.saveFailed)
    editor.rule_list.setCurrentRow(1)
    await page.checked()
    page.retype(editor.url, "ftp://shop.example.com/{id}")
    await page.checked()

    # Exactly what the loader says of the same file with that url.
    bad = USER_FILE.replace(
        'url = "https://shop.example.com/orders/{id}"', 'url = "ftp://shop.example.com/{id}"'
    )
    with pytest.raises(ConfigError) as expected:
        parse_config(bad, page.path)
    assert "[[rule]] #2: url must be an http:// or https:// link" in str(expected.value)
    assert not editor.problem.isHidden()
    assert editor.problem.text() == f"This rule cannot be saved yet:\n{expected.value.report()}"
    assert editor.preview_status.text() == "Fix the rule to see a preview."

    page.click(window.save_button)
    message = str((await failed.next())[0])
    assert message == expected.value.report()
    assert message in window.message.text()
    assert page.path.read_bytes() == before  # nothing written

    # Fixed: the message goes.
    page.retype(editor.url, "https://shop.example.com/{id}")
    await page.checked()
    assert editor.problem.isHidden()


async def test_an_unclosed_placeholder_is_refused(page: Page) -> None:
    editor = page.editor
    editor.rule_list.setCurrentRow(0)
    page.retype(editor.title, "{subject")  # an unclosed placeholder
    await page.checked()
    assert 'title has a "{" with no closing "}"' in editor.problem.text()
    assert "Fix: close the placeholder" in editor.problem.text()


async def test_every_control_is_named_and_described(page: Page) -> None:
    editor = page.editor
    for kind in (QAbstractButton, QComboBox, QLineEdit, QListWidget):
        for widget in editor.findChildren(kind):
            if widget.parent() is not None and isinstance(widget.parent(), QComboBox):
                continue  # a combo's own line edit or view
            assert widget.accessibleName(), widget
            assert widget.accessibleDescription(), widget.accessibleName()
    # Labels are named by their text (what the preview shows); they say what they are.
    for label in (editor.preview_title, editor.preview_body, editor.preview_url, editor.problem):
        assert label.accessibleName() == ""
        assert label.accessibleDescription()
    tab = page.window.tabs.indexOf(editor)
    assert page.window.tabs.tabText(tab) == "Ru&les"


async def test_the_running_app_previews_on_its_own_history(
    running: tuple[BeaconApp, Path], demo_server: DemoServer
) -> None:
    app, path = running
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + '[[rule]]\nchannel = "one"\ntitle = "Seen: {subject}"\n', encoding="utf-8"
    )
    await wait_until(lambda: len(app.config.rules) == 1, timeout=15)
    demo_server.publish("one", "ticket.created", {"id": 5, "subject": "Cold coffee"})
    await wait_until(lambda: app.history.count() == 1, timeout=15)
    window = app.open_settings()
    editor = window.rules_editor
    await wait_until(lambda: editor.rule_list.count() == 1)
    window.tabs.setCurrentWidget(editor)
    await wait_until(lambda: editor.preview_title.text() == "Seen: Cold coffee")
    assert editor.preview_source.text().startswith("alpha · one · ticket.created")


async def test_rules_changed_on_disk_meanwhile_are_not_overwritten(page: Page) -> None:
    editor, window = page.editor, page.window
    saved = Recorder(window.service.saved)
    failed = Recorder(window.service.saveFailed)
    # Another editor puts a rule at the top while the window is open.
    edited = USER_FILE.replace(
        "# tickets first", '[[rule]]\nchannel = "alerts"\npriority = "urgent"\n\n# tickets first'
    )
    page.path.write_text(edited, encoding="utf-8")

    # Rules untouched here: an account change saves, and the new rule stays.
    window.form.key.setText("k2")
    page.click(window.save_button)
    await saved.next()
    config = load_config(page.path)
    assert [r.channel for r in config.rules] == ["alerts", "*", "orders", "deploys"]
    assert config.accounts[0].key == "k2"

    # A rule changed here would land on the wrong table (the window's second rule is the
    # file's third now): refused, in words, and nothing is written.
    before = page.path.read_bytes()
    editor.rule_list.setCurrentRow(1)
    page.retype(editor.title, "Order #{id}")
    page.click(window.save_button)
    message = str((await failed.next())[0])
    assert "the [[rule]] tables changed in the file since the settings window read them" in message
    assert "Fix: close the settings window, open it again" in message
    assert message in window.message.text()
    assert page.path.read_bytes() == before


async def test_a_file_that_does_not_load_leaves_the_rules_read_only(
    tmp_path: Path, qtbot: QtBot
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE.replace('notify = "mute"', 'notify = "loud"'), encoding="utf-8")
    with settings_window(path, None) as window:
        window.load()
        editor = window.rules_editor
        await wait_until(lambda: window.isEnabled())
        assert "notify must be one of" in window.message.text()
        assert editor.rule_list.count() == 0
        assert not editor.add_button.isEnabled() and not editor.form_box.isEnabled()
        assert editor.rules() is None  # a save leaves the file's rules as they are
        assert editor.preview_status.text().startswith("The config file does not load")


async def test_buttons_are_edited_in_a_dialog_and_checked_by_the_loader(page: Page) -> None:
    editor, window = page.editor, page.window
    saved = Recorder(window.service.saved)
    editor.rule_list.setCurrentRow(1)
    assert editor.buttons_label.text() == "Claim"
    page.click(editor.buttons_button)
    dialog = editor.actions_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.activateWindow()  # a window manager would; the test desktop has none
    await wait_until(dialog.isActiveWindow)
    assert dialog.button_list.item(0).text() == (
        "Claim: posts to https://shop.example.com/orders/{id}/claim"
    )
    # A button that sends a client event, with no channel yet.
    page.click(dialog.add_button)
    assert dialog.label.hasFocus()
    page.qtbot.keyClicks(dialog.label, "Ack")
    dialog.kind.setCurrentIndex(dialog.kind.findData("client_event"))
    page.qtbot.keyClicks(dialog.client_event, "client-ack")
    page.click(dialog.box.button(QDialogButtonBox.StandardButton.Ok))
    assert not dialog.isVisible()
    assert editor.buttons_label.text() == "Claim, Ack"
    await page.checked()
    assert "[[rule]] #2 action 'Ack': client_event needs the channel to send on" in (
        editor.problem.text()
    )

    # Fixed in the dialog, and a POST button with a header added: saved as tables.
    page.click(editor.buttons_button)
    dialog = editor.actions_dialog
    assert dialog is not None
    dialog.button_list.setCurrentRow(1)
    page.qtbot.keyClicks(dialog.channel, "private-desk")
    page.click(dialog.add_button)
    page.qtbot.keyClicks(dialog.label, "Refund")
    page.qtbot.keyClicks(dialog.post, "https://shop.example.com/orders/{id}/refund")
    page.qtbot.keyClicks(dialog.headers, "Authorization: Bearer {secret}")
    assert dialog.button_list.item(2).text() == (
        "Refund: posts to https://shop.example.com/orders/{id}/refund"
    )
    page.click(dialog.box.button(QDialogButtonBox.StandardButton.Ok))
    await page.checked()
    assert editor.problem.isHidden()
    page.click(window.save_button)
    await saved.next()
    actions = load_config(page.path).rules[1].actions
    assert [(a.label, a.post, a.client_event, a.channel, a.headers) for a in actions] == [
        ("Claim", "https://shop.example.com/orders/{id}/claim", None, None, {}),
        ("Ack", None, "client-ack", "private-desk", {}),
        ("Refund", "https://shop.example.com/orders/{id}/refund", None, None,
         {"Authorization": "Bearer {secret}"}),
    ]  # fmt: skip
    text = page.path.read_text(encoding="utf-8")
    assert "# deploys are noise\n# (two lines of comment)\n[[rule]]" in text

    # Cancel leaves the buttons as they were.
    page.click(editor.buttons_button)
    dialog = editor.actions_dialog
    assert dialog is not None
    page.click(dialog.remove_button)
    page.click(dialog.box.button(QDialogButtonBox.StandardButton.Cancel))
    assert editor.buttons_label.text() == "Claim, Ack, Refund"
