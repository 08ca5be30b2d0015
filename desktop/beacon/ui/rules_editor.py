"""The settings window's Rules page: the ``[[rule]]`` list in words, one rule's form, and
a preview of what the rule makes of the latest event it matches.

The page edits ``RuleDraft``s; the settings window's Save writes them with the rest
(``services.settings``). Each change is checked, a moment after the typing stops, by
``services.rules_preview``: the loader validates the rules as Save would write them (its
messages show under the form), and the feed's mapper applies the rule to the newest
stored event it matches. Both run off the GUI thread and answer with a signal.

Event data is shown as plain text (``Qt.PlainText`` labels): a payload is never markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from beacon.feed.item import FeedItem
from beacon.services.rule_drafts import NOTIFY_MODES, PRIORITIES, ActionDraft, RuleDraft
from beacon.services.rules_preview import RuleCheck, RulesPreviewService
from beacon.services.settings import AccountDraft, NotificationsDraft

log = logging.getLogger("beacon.ui")

#: Milliseconds after the last keystroke before a rule is checked and previewed.
CHECK_DELAY_MS = 300

#: What the rule editor needs from the rest of the window: the accounts and the
#: notification settings as they are being edited (a rule names an account; keywords
#: decide popups), so that a check sees what Save would write.
Context = Callable[[], tuple[list[AccountDraft], NotificationsDraft]]


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class RulesEditor(QWidget):
    """The Rules page. ``show_rules`` fills it; ``rules`` is what Save should write."""

    def __init__(
        self,
        preview: RulesPreviewService | None,
        context: Context,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.preview = preview
        self._context = context
        self._drafts: list[RuleDraft] = []
        #: False while the file on disk does not load: Save then leaves the rules alone.
        self._usable = False
        #: Whether the rules were changed here: untouched, Save leaves the file's alone.
        self._dirty = False
        self._current = -1
        self._filling = False  # show_draft sets the fields; that is no edit
        self._request = 0
        self.last_check: RuleCheck | None = None
        self.actions_dialog: ActionsDialog | None = None  # the last one opened
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.check_now)

        intro = _plain(
            QLabel(
                self.tr(
                    "Rules decide how events are shown. The first rule that matches an "
                    "event wins; an event no rule matches gets the default title, body "
                    "and link."
                )
            )
        )
        self.rule_list = QListWidget()
        self.rule_list.setObjectName("ruleList")
        self.rule_list.currentRowChanged.connect(self._select)
        self.rule_list.itemActivated.connect(lambda _item: self.edit_rule())
        self.add_button = QPushButton(self.tr("A&dd"))
        self.edit_button = QPushButton(self.tr("&Edit"))
        self.delete_button = QPushButton(self.tr("Dele&te"))
        self.up_button = QPushButton(self.tr("Move &up"))
        self.down_button = QPushButton(self.tr("Move do&wn"))
        self.add_button.clicked.connect(self.add_rule)
        self.edit_button.clicked.connect(self.edit_rule)
        self.delete_button.clicked.connect(self.delete_rule)
        self.up_button.clicked.connect(lambda: self.move_rule(-1))
        self.down_button.clicked.connect(lambda: self.move_rule(1))
        # The list's own keys: Delete removes, Ctrl+Up/Down reorder (the buttons' work).
        for keys, slot in (
            (QKeySequence.StandardKey.Delete, self.delete_rule),
            (QKeySequence("Ctrl+Up"), lambda: self.move_rule(-1)),
            (QKeySequence("Ctrl+Down"), lambda: self.move_rule(1)),
        ):
            shortcut = QShortcut(keys, self.rule_list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        buttons = QVBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.delete_button,
            self.up_button,
            self.down_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.rule_list, 1)
        top.addLayout(buttons)

        self.form_box = QGroupBox(self.tr("Rule"))
        form = QFormLayout(self.form_box)
        self.account = QComboBox()
        self.channel = QLineEdit()
        self.channel.setPlaceholderText(self.tr("* for every channel, or a glob: tickets-*"))
        self.event_name = QLineEdit()
        self.event_name.setPlaceholderText(self.tr("* for every event, or a glob: ticket.*"))
        self.notify = QComboBox()
        notify_words = {
            "popup": self.tr("Pop up, and add to the feed"),
            "feed": self.tr("Add to the feed only"),
            "mute": self.tr("Mute: keep in the history, unshown"),
        }
        for mode in NOTIFY_MODES:
            self.notify.addItem(notify_words.get(mode, mode), mode)
        self.priority = QComboBox()
        priority_words = {
            "low": self.tr("Low"),
            "normal": self.tr("Normal"),
            "high": self.tr("High"),
            "urgent": self.tr("Urgent"),
        }
        for name in PRIORITIES:
            self.priority.addItem(priority_words.get(name, name), name)
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("empty: the data's title, subject or name"))
        self.body = QLineEdit()
        self.body.setPlaceholderText(self.tr("empty: the data's message, body or text"))
        self.url = QLineEdit()
        self.url.setPlaceholderText(self.tr("empty: the data's url; or https://…/{id}"))
        self.buttons_label = _plain(QLabel())
        self.problem = _plain(QLabel())
        self.problem.setObjectName("ruleProblem")
        # A warning sign beside the loader's words, so the problem is seen at a glance.
        self.problem_icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.problem_icon.setPixmap(warning.pixmap(size, size))
        self.problem_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.problem_icon.setAccessibleName(self.tr("Warning"))
        self.problem_icon.setAccessibleDescription(self.tr("The rule has a problem"))
        problem_row = QHBoxLayout()
        problem_row.addWidget(self.problem_icon)
        problem_row.addWidget(self.problem, 1)
        self._show_problem(None)
        form.addRow(self._label(self.tr("Acc&ount"), self.account), self.account)
        form.addRow(self._label(self.tr("C&hannel"), self.channel), self.channel)
        form.addRow(self._label(self.tr("E&vent"), self.event_name), self.event_name)
        form.addRow(self._label(self.tr("Noti&fy"), self.notify), self.notify)
        form.addRow(self._label(self.tr("&Priority"), self.priority), self.priority)
        form.addRow(self._label(self.tr("T&itle"), self.title), self.title)
        form.addRow(self._label(self.tr("&Body"), self.body), self.body)
        form.addRow(self._label(self.tr("U&RL"), self.url), self.url)
        self.buttons_button = QPushButton(self.tr("Edit butto&ns…"))
        self.buttons_button.clicked.connect(self.edit_buttons)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.buttons_label, 1)
        buttons_row.addWidget(self.buttons_button)
        form.addRow(self.tr("Buttons"), buttons_row)
        form.addRow(problem_row)

        self.preview_box = QGroupBox(self.tr("Preview on the latest matching event"))
        shown = QFormLayout(self.preview_box)
        self.preview_status = _plain(QLabel())
        self.preview_source = _plain(QLabel())
        self.preview_title = _plain(QLabel())
        self.preview_title.setObjectName("previewTitle")
        bold = self.preview_title.font()
        bold.setBold(True)
        self.preview_title.setFont(bold)
        self.preview_body = _plain(QLabel())
        self.preview_url = _plain(QLabel())
        self.preview_shown = _plain(QLabel())
        shown.addRow(self.preview_status)
        shown.addRow(self.tr("Event"), self.preview_source)
        shown.addRow(self.tr("Title"), self.preview_title)
        shown.addRow(self.tr("Body"), self.preview_body)
        shown.addRow(self.tr("Link"), self.preview_url)
        shown.addRow(self.tr("Shown as"), self.preview_shown)
        self._preview_rows = (
            self.preview_source,
            self.preview_title,
            self.preview_body,
            self.preview_url,
            self.preview_shown,
        )
        for label in self._preview_rows:
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.form_box, 1)
        bottom.addWidget(self.preview_box, 1)
        layout.addLayout(bottom)

        for edit in (self.channel, self.event_name, self.title, self.body, self.url):
            edit.textEdited.connect(self._edited)
        for combo in (self.account, self.notify, self.priority):
            combo.currentIndexChanged.connect(self._edited)
        if preview is not None:
            preview.checked.connect(self._checked)

        # Names as a screen reader says them (the labels carry mnemonics), and what each
        # control is for.
        for widget, name, description in (
            (self.rule_list, self.tr("Rules"),
             self.tr("In order; the first rule that matches an event wins. Enter edits, "
                     "Delete removes, Ctrl+Up and Ctrl+Down move")),
            (self.add_button, self.tr("Add rule"), self.tr("Adds a rule at the end of the list")),
            (self.edit_button, self.tr("Edit rule"), self.tr("Moves to the selected rule's form")),
            (self.delete_button, self.tr("Delete rule"), self.tr("Removes the selected rule")),
            (self.up_button, self.tr("Move rule up"),
             self.tr("The rule is tried one place earlier")),
            (self.down_button, self.tr("Move rule down"),
             self.tr("The rule is tried one place later")),
            (self.account, self.tr("Rule account"), self.tr("Only events of this account")),
            (self.channel, self.tr("Rule channel"),
             self.tr("Channel name or glob; * matches any")),
            (self.event_name, self.tr("Rule event"), self.tr("Event name or glob; * matches any")),
            (self.notify, self.tr("Rule notify"), self.tr("Pop up, feed only, or mute")),
            (self.priority, self.tr("Rule priority"), self.tr("How the item is ranked")),
            (self.title, self.tr("Title template"),
             self.tr("Placeholders such as {subject} take the event's data")),
            (self.body, self.tr("Body template"),
             self.tr("Placeholders such as {requester.name} take the event's data")),
            (self.buttons_button, self.tr("Edit buttons"),
             self.tr("Opens the list of the rule's buttons")),
            (self.url, self.tr("Link template"),
             self.tr("An http or https link; {id} takes the event's data")),
        ):  # fmt: skip
            widget.setAccessibleName(name)
            widget.setAccessibleDescription(description)
        # Labels only get a description: a label's name is its text, which is the news.
        for label, description in (
            (self.buttons_label, self.tr("The buttons on the rule's popups and details")),
            (self.problem, self.tr("What the config check says about the rule")),
            (self.preview_status, self.tr("Preview: whether an event in the history matches")),
            (self.preview_source, self.tr("Preview: the latest stored event the rule matches")),
            (self.preview_title, self.tr("Preview: the title the rule makes")),
            (self.preview_body, self.tr("Preview: the body the rule makes")),
            (self.preview_url, self.tr("Preview: the link the rule makes")),
            (self.preview_shown, self.tr("Preview: whether it pops up, and its priority")),
        ):
            label.setAccessibleDescription(description)
        self.form_box.setAccessibleName(self.tr("Rule form"))
        self.form_box.setAccessibleDescription(self.tr("The fields of the selected rule"))
        self.preview_box.setAccessibleName(self.tr("Rule preview"))
        self.preview_box.setAccessibleDescription(
            self.tr("The selected rule applied to the latest event it matches")
        )
        self._enable()
        self._show_preview_status(
            self.tr("Select a rule to see what it makes of an event.")
            if preview is not None
            else self.tr("There is no history to preview with.")
        )

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    # -- filling --------------------------------------------------------------------

    def show_rules(self, rules: list[RuleDraft], usable: bool = True) -> None:
        """Show the file's rules; ``usable`` False when the file did not load (the page is
        then read-only, and Save leaves the rules in the file as they are)."""
        self._usable = usable
        self._dirty = False
        self._drafts = rules
        self._current = -1
        self._fill_accounts()
        self.rule_list.clear()
        for draft in rules:
            self.rule_list.addItem(self.describe(draft))
        if rules:
            self.rule_list.setCurrentRow(0)
        elif not usable:
            self._show_preview_status(
                self.tr("The config file does not load; its rules show once it is fixed.")
            )
        else:
            self._show_preview_status(self.tr("No rules yet: every event gets the defaults."))
        self._enable()

    def rules(self) -> list[RuleDraft] | None:
        """The rules Save should write, in order; ``None``: leave the file's as they are."""
        return self._drafts if self._usable and self._dirty else None

    def describe(self, draft: RuleDraft) -> str:
        """A rule in words: ``orders · order.created → “Order {id}”``."""
        title = (
            self.tr("“{title}”").format(title=draft.title)
            if draft.title is not None
            else self.tr("the default title")
        )
        # "*" alone reads as a stray character in a sentence: say what it means.
        channel = draft.channel if draft.channel != "*" else self.tr("any channel")
        event = draft.event if draft.event != "*" else self.tr("any event")
        text = self.tr("{channel} · {event} → {title}").format(
            channel=channel, event=event, title=title
        )
        if draft.account is not None:
            text = self.tr("{account}: {rule}").format(account=draft.account, rule=text)
        if draft.notify == "feed":
            text = self.tr("{rule} (feed only)").format(rule=text)
        elif draft.notify == "mute":
            text = self.tr("{rule} (muted)").format(rule=text)
        if draft.priority in ("high", "urgent"):
            text = self.tr("{rule}, {priority}").format(
                rule=text, priority=self.priority.itemText(self.priority.findData(draft.priority))
            )
        return text

    def showEvent(self, event: QShowEvent) -> None:
        # Accounts may have been added or renamed on the Accounts page meanwhile.
        self._fill_accounts()
        if 0 <= self._current < len(self._drafts):
            self._show_draft(self._drafts[self._current])
        super().showEvent(event)

    def _fill_accounts(self) -> None:
        accounts, _ = self._context()
        names = [a.name for a in accounts if a.name]
        self._filling = True
        try:
            self.account.clear()
            self.account.addItem(self.tr("Any account"), None)
            for name in names:
                self.account.addItem(name, name)
        finally:
            self._filling = False

    def _enable(self) -> None:
        selected = 0 <= self._current < len(self._drafts)
        self.add_button.setEnabled(self._usable)
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(self._usable and selected)
        self.up_button.setEnabled(self._usable and selected and self._current > 0)
        self.down_button.setEnabled(
            self._usable and selected and self._current < len(self._drafts) - 1
        )
        self.form_box.setEnabled(self._usable and selected)

    def _select(self, row: int) -> None:
        self._current = row
        self._enable()
        if 0 <= row < len(self._drafts):
            self._show_draft(self._drafts[row])
            self.form_box.setTitle(self.tr("Rule {number}").format(number=row + 1))
            self.check_now()

    def _show_draft(self, draft: RuleDraft) -> None:
        self._filling = True
        try:
            if draft.account is not None and self.account.findData(draft.account) < 0:
                # A name the accounts no longer have: shown, so the check can say so.
                self.account.addItem(draft.account, draft.account)
            self.account.setCurrentIndex(max(0, self.account.findData(draft.account)))
            self.channel.setText(draft.channel)
            self.event_name.setText(draft.event)
            self.notify.setCurrentIndex(max(0, self.notify.findData(draft.notify)))
            self.priority.setCurrentIndex(max(0, self.priority.findData(draft.priority)))
            self.title.setText(draft.title or "")
            self.body.setText(draft.body or "")
            self.url.setText(draft.url or "")
            labels = [action.label for action in draft.actions]
            self.buttons_label.setText(", ".join(labels) if labels else self.tr("None"))
        finally:
            self._filling = False

    @staticmethod
    def _template(edit: QLineEdit, before: str | None) -> str | None:
        # An empty field takes the default (no key); a template the file sets to "" on
        # purpose (no body at all) stays "" until the user types something.
        text = edit.text()
        if text:
            return text
        return "" if before == "" else None

    def _read_into(self, draft: RuleDraft) -> None:
        account = self.account.currentData()
        draft.account = account if isinstance(account, str) else None
        # Fields are written as typed: the loader, not the window, judges them.
        draft.channel = self.channel.text()
        draft.event = self.event_name.text()
        draft.notify = str(self.notify.currentData())
        draft.priority = str(self.priority.currentData())
        draft.title = self._template(self.title, draft.title)
        draft.body = self._template(self.body, draft.body)
        draft.url = self._template(self.url, draft.url)

    def _edited(self) -> None:
        if self._filling or not 0 <= self._current < len(self._drafts):
            return
        draft = self._drafts[self._current]
        self._read_into(draft)
        self._dirty = True
        item = self.rule_list.item(self._current)
        if item is not None:
            item.setText(self.describe(draft))
        self._timer.start()  # restarted by each keystroke: one check when typing stops

    # -- the buttons ----------------------------------------------------------------

    def add_rule(self) -> None:
        if not self._usable:
            return
        draft = RuleDraft()
        self._drafts.append(draft)
        self._dirty = True
        self.rule_list.addItem(self.describe(draft))
        self.rule_list.setCurrentRow(len(self._drafts) - 1)
        self.channel.setFocus()
        self.channel.selectAll()

    def edit_rule(self) -> None:
        if 0 <= self._current < len(self._drafts):
            self.channel.setFocus()
            self.channel.selectAll()

    def delete_rule(self) -> None:
        row = self._current
        if not self._usable or not 0 <= row < len(self._drafts):
            return
        self._current = -1  # the form's contents belong to the removed rule
        del self._drafts[row]
        self._dirty = True
        self.rule_list.takeItem(row)
        if not self._drafts:
            self._enable()
            self._show_preview_status(self.tr("No rules left: every event gets the defaults."))
            self._show_problem(None)
        else:
            self.rule_list.setCurrentRow(min(row, len(self._drafts) - 1))
            self._select(self.rule_list.currentRow())

    def move_rule(self, step: int) -> None:
        row = self._current
        target = row + step
        if not self._usable or not 0 <= row < len(self._drafts):
            return
        if not 0 <= target < len(self._drafts):
            return
        drafts = self._drafts
        drafts[row], drafts[target] = drafts[target], drafts[row]
        self._dirty = True
        self._current = -1
        item = self.rule_list.takeItem(row)
        self.rule_list.insertItem(target, item)
        self.rule_list.setCurrentRow(target)

    def edit_buttons(self) -> None:
        """The selected rule's buttons, in a dialog; OK puts them in the rule."""
        row = self._current
        if not self._usable or not 0 <= row < len(self._drafts):
            return
        draft = self._drafts[row]
        dialog = ActionsDialog(draft.actions, row + 1, self)
        self.actions_dialog = dialog

        def accepted() -> None:
            draft.actions = dialog.button_drafts()
            self._dirty = True
            if self._current == row:
                self._show_draft(draft)
                self.check_now()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        # open(), not exec(): no nested event loop under the asyncio one (qasync).
        dialog.open()

    # -- checks and the preview -----------------------------------------------------

    def check_now(self) -> None:
        """Check the selected rule now (it happens by itself after each edit)."""
        self._timer.stop()
        if self.preview is None or not 0 <= self._current < len(self._drafts):
            return
        accounts, notifications = self._context()
        self._show_preview_status(self.tr("Looking for the latest matching event…"))
        self._request = self.preview.check(
            accounts, notifications, list(self._drafts), self._current
        )

    def _checked(self, check: RuleCheck) -> None:
        if check.request != self._request:
            return  # an older check: the rule has changed since
        self.last_check = check
        if check.problem is not None:
            heading = (
                self.tr("The settings have a problem elsewhere; fix it first:")
                if check.elsewhere
                else self.tr("This rule cannot be saved yet:")
            )
            self._show_problem(f"{heading}\n{check.problem}")
            self._show_preview_status(self.tr("Fix the rule to see a preview."))
            return
        self._show_problem(None)
        if check.history_error is not None:
            self._show_preview_status(
                self.tr("The history cannot be read: {error}").format(error=check.history_error)
            )
        elif self.preview is not None and self.preview.history is None:
            self._show_preview_status(self.tr("There is no history to preview with."))
        elif check.item is None or check.source is None:
            self._show_preview_status(
                self.tr("No event in the history matches this rule.")
                if check.scanned_all
                else self.tr(
                    "No event among the latest stored ones of each channel matches this rule."
                )
            )
        else:
            self._show_preview(check.item, check.source, check.first_rule)

    def _show_problem(self, text: str | None) -> None:
        self.problem.setText(text or "")
        self.problem.setVisible(text is not None)
        self.problem_icon.setVisible(text is not None)

    def _show_preview_status(self, text: str) -> None:
        self.preview_status.setText(text)
        self.preview_status.show()
        for label in self._preview_rows:
            label.clear()
        self._preview_rows_visible(False)

    def _preview_rows_visible(self, visible: bool) -> None:
        layout = self.preview_box.layout()
        assert isinstance(layout, QFormLayout)
        for label in self._preview_rows:
            layout.setRowVisible(label, visible)

    def _show_preview(self, item: FeedItem, source: FeedItem, first_rule: int | None) -> None:
        when = source.received_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.preview_source.setText(
            self.tr("{account} · {channel} · {event}, received {when}").format(
                account=source.account, channel=source.channel, event=source.event, when=when
            )
        )
        self.preview_title.setText(item.title)
        self.preview_body.setText(item.body or self.tr("(empty)"))
        self.preview_url.setText(item.url or self.tr("(none)"))
        notify = {
            "popup": self.tr("Pops up"),
            "feed": self.tr("Feed only"),
            "mute": self.tr("Muted"),
        }.get(item.notify, item.notify)
        if item.keyword_hit:
            notify = self.tr("Pops up (a keyword)")
        priority = item.priority.name.lower()
        self.preview_shown.setText(
            self.tr("{notify}; priority: {priority}").format(
                notify=notify,
                priority=self.priority.itemText(self.priority.findData(priority)) or priority,
            )
        )
        if first_rule is not None:
            self.preview_status.setText(
                self.tr(
                    "Rule {number} above matches this event first, so today it decides "
                    "how it is shown, not this one."
                ).format(number=first_rule + 1)
            )
            self.preview_status.show()
        else:
            self.preview_status.clear()
            self.preview_status.hide()
        self._preview_rows_visible(True)


def _header_lines(edit: QPlainTextEdit) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in edit.toPlainText().splitlines():
        if line.strip():
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
    return headers


class ActionsDialog(QDialog):
    """A rule's buttons: each POSTs the event to a URL, or sends a client event."""

    def __init__(self, actions: list[ActionDraft], number: int, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Buttons of rule {number}").format(number=number))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._actions = [replace(a, headers=dict(a.headers)) for a in actions]
        self._current = -1
        self._filling = False
        self.button_list = QListWidget()
        self.button_list.currentRowChanged.connect(self._select)
        self.add_button = QPushButton(self.tr("A&dd"))
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.add_button.clicked.connect(self.add_action)
        self.remove_button.clicked.connect(self.remove_action)
        side = QVBoxLayout()
        side.addWidget(self.add_button)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.button_list, 1)
        top.addLayout(side)

        self.fields = QWidget()
        form = QFormLayout(self.fields)
        self.label = QLineEdit()
        self.label.setPlaceholderText(self.tr("Claim"))
        self.kind = QComboBox()
        self.kind.addItem(self.tr("POST the event to a URL"), "post")
        self.kind.addItem(self.tr("Send a client event"), "client_event")
        self.post = QLineEdit()
        self.post.setPlaceholderText("https://helpdesk.example.com/api/tickets/{id}/claim")
        self.headers = QPlainTextEdit()
        self.headers.setPlaceholderText(
            self.tr("Name: value, one per line, e.g.\nAuthorization: Bearer {secret}")
        )
        self.headers.setTabChangesFocus(True)
        self.headers.setFixedHeight(60)
        self.client_event = QLineEdit()
        self.client_event.setPlaceholderText("client-ack")
        self.channel = QLineEdit()
        self.channel.setPlaceholderText("private-agent-7")
        form.addRow(RulesEditor._label(self.tr("&Label"), self.label), self.label)
        form.addRow(RulesEditor._label(self.tr("&Kind"), self.kind), self.kind)
        form.addRow(RulesEditor._label(self.tr("&URL"), self.post), self.post)
        form.addRow(RulesEditor._label(self.tr("&Headers"), self.headers), self.headers)
        form.addRow(RulesEditor._label(self.tr("Client &event"), self.client_event),
                    self.client_event)  # fmt: skip
        form.addRow(RulesEditor._label(self.tr("&Channel"), self.channel), self.channel)
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        note = _plain(
            QLabel(self.tr("The config check runs when you press OK; its findings show under "
                           "the rule."))
        )  # fmt: skip
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.fields)
        layout.addWidget(note)
        layout.addWidget(self.box)

        for edit in (self.label, self.post, self.client_event, self.channel):
            edit.textEdited.connect(self._edited)
        self.headers.textChanged.connect(self._edited)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for widget, name, description in (
            (self.button_list, self.tr("Buttons"), self.tr("The rule's buttons, in order")),
            (self.add_button, self.tr("Add button"), self.tr("Adds a button to the rule")),
            (self.remove_button, self.tr("Remove button"),
             self.tr("Removes the selected button")),
            (self.label, self.tr("Button label"), self.tr("The text on the button")),
            (self.kind, self.tr("Button kind"),
             self.tr("POST the event to a URL, or send a client event")),
            (self.post, self.tr("Button URL"),
             self.tr("An http or https URL template; {id} takes the event's data")),
            (self.headers, self.tr("Button headers"),
             self.tr("Name: value, one header per line; {secret} is the keyring secret")),
            (self.client_event, self.tr("Client event"),
             self.tr("A client- event name, sent on the channel below")),
            (self.channel, self.tr("Client event channel"),
             self.tr("A private- or presence- channel the account subscribes to")),
        ):  # fmt: skip
            widget.setAccessibleName(name)
            widget.setAccessibleDescription(description)
        note.setAccessibleDescription(self.tr("When the buttons are checked"))
        for button in self.box.buttons():
            button.setAccessibleDescription(
                self.tr("Puts these buttons in the rule")
                if self.box.buttonRole(button) == QDialogButtonBox.ButtonRole.AcceptRole
                else self.tr("Leaves the rule's buttons as they were")
            )
        for action in self._actions:
            self.button_list.addItem(self._describe(action))
        if self._actions:
            self.button_list.setCurrentRow(0)
        self._enable()
        self.resize(520, 420)

    def button_drafts(self) -> list[ActionDraft]:
        return self._actions

    def _describe(self, action: ActionDraft) -> str:
        label = action.label or self.tr("(no label)")
        if action.client_event is not None:
            return self.tr("{label}: sends {event} on {channel}").format(
                label=label, event=action.client_event, channel=action.channel or "?"
            )
        return self.tr("{label}: posts to {url}").format(label=label, url=action.post or "?")

    def _enable(self) -> None:
        selected = 0 <= self._current < len(self._actions)
        self.fields.setEnabled(selected)
        self.remove_button.setEnabled(selected)
        posting = self.kind.currentData() == "post"
        self.post.setEnabled(posting)
        self.headers.setEnabled(posting)
        self.client_event.setEnabled(not posting)
        self.channel.setEnabled(not posting)

    def _select(self, row: int) -> None:
        self._current = row
        if 0 <= row < len(self._actions):
            action = self._actions[row]
            self._filling = True
            try:
                self.label.setText(action.label)
                kind = "client_event" if action.client_event is not None else "post"
                self.kind.setCurrentIndex(self.kind.findData(kind))
                self.post.setText(action.post or "")
                self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in action.headers.items()))
                self.client_event.setText(action.client_event or "")
                self.channel.setText(action.channel or "")
            finally:
                self._filling = False
        self._enable()

    def _kind_changed(self) -> None:
        self._enable()
        self._edited()

    def _edited(self) -> None:
        if self._filling or not 0 <= self._current < len(self._actions):
            return
        action = self._actions[self._current]
        action.label = self.label.text()
        # Only the chosen kind's fields are kept: the loader refuses a button with both.
        if self.kind.currentData() == "post":
            action.post = self.post.text()
            action.headers = _header_lines(self.headers)
            action.client_event = action.channel = None
        else:
            action.post = None
            action.headers = {}
            action.client_event = self.client_event.text()
            action.channel = self.channel.text() or None
        item = self.button_list.item(self._current)
        if item is not None:
            item.setText(self._describe(action))

    def add_action(self) -> None:
        self._actions.append(ActionDraft(label=self.tr("New button"), post=""))
        self.button_list.addItem(self._describe(self._actions[-1]))
        self.button_list.setCurrentRow(len(self._actions) - 1)
        self.label.setFocus()
        self.label.selectAll()

    def remove_action(self) -> None:
        row = self._current
        if not 0 <= row < len(self._actions):
            return
        self._current = -1
        del self._actions[row]
        self.button_list.takeItem(row)
        self._select(self.button_list.currentRow())
