"""The settings window: accounts and notifications, without a text editor.

The window only edits drafts. ``services.settings.SettingsService`` reads and writes the
file (with the user's comments kept) and talks to the keyring, off the GUI thread. A secret
typed here goes straight to the keyring; the window never reads one back, it only shows
whether one is stored.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from beacon.config.model import Config
from beacon.services.rules_preview import RulesPreviewService
from beacon.services.settings import (
    AUTH_MODES,
    SOUND_SUPPORTED,
    AccountDraft,
    Drafts,
    NotificationsDraft,
    SettingsService,
    autostart_supported,
)
from beacon.ui.i18n import QT_TRANSLATE_NOOP
from beacon.ui.rules_editor import RulesEditor

log = logging.getLogger("beacon.ui")

_AUTH_LABELS = {
    "none": QT_TRANSLATE_NOOP("AccountForm", "None (public channels only)"),
    "endpoint": QT_TRANSLATE_NOOP("AccountForm", "Auth endpoint (your server signs)"),
    "sign": QT_TRANSLATE_NOOP("AccountForm", "Sign locally with the app secret"),
}


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]


class AccountForm(QWidget):
    """The fields of one account."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("support"))
        self.key = QLineEdit()
        self.key.setPlaceholderText(self.tr("the app's public key"))
        self.cluster = QLineEdit()
        self.cluster.setPlaceholderText(self.tr("eu, mt1, ap1 … (Pusher's cloud)"))
        self.host = QLineEdit()
        self.host.setPlaceholderText(
            self.tr("ws.example.com (self-hosted; leave the cluster empty)")
        )
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText(self.tr("default (443, or 80 without TLS)"))
        self.tls = QCheckBox(self.tr("Use TLS (wss://)"))
        self.ca_file = QLineEdit()
        self.ca_file.setPlaceholderText(self.tr("optional: a PEM file with your company's CA"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        self.channels = QPlainTextEdit()
        self.channels.setPlaceholderText(
            self.tr("one channel per line, e.g.\ntickets\nprivate-agent-7")
        )
        self.channels.setTabChangesFocus(True)
        self.channels.setFixedHeight(80)
        self.auth_mode = QComboBox()
        for mode in AUTH_MODES:
            self.auth_mode.addItem(
                QCoreApplication.translate("AccountForm", _AUTH_LABELS[mode]), mode
            )
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText(self.tr("https://helpdesk.example.com/pusher/auth"))
        self.headers = QPlainTextEdit()
        self.headers.setPlaceholderText(
            self.tr("Name: value, one per line, e.g.\nAuthorization: Bearer {secret}")
        )
        self.headers.setTabChangesFocus(True)
        self.headers.setFixedHeight(60)

        form.addRow(self.tr("&Name"), self.name)
        form.addRow(self.tr("&Key"), self.key)
        form.addRow(self.tr("&Cluster"), self.cluster)
        form.addRow(self.tr("&Host"), self.host)
        form.addRow(self.tr("&Port"), self.port)
        form.addRow("", self.tls)
        # A row holding a layout gets no buddy from addRow: give the label one.
        ca_label = QLabel(self.tr("CA &file"))
        ca_label.setBuddy(self.ca_file)
        form.addRow(ca_label, ca_row)
        form.addRow(self.tr("C&hannels"), self.channels)
        form.addRow(self.tr("&Authorization"), self.auth_mode)
        form.addRow(self.tr("&Endpoint"), self.endpoint)
        form.addRow(self.tr("Hea&ders"), self.headers)

        # The secret: written to the keyring only, never shown or read back.
        secret_box = QGroupBox(self.tr("Secret (kept only in the OS keyring)"))
        secret_layout = QVBoxLayout(secret_box)
        self.secret_state = QLabel(self.tr("Checking the keyring…"))
        self.secret_state.setWordWrap(True)
        self.secret_state.setTextFormat(Qt.TextFormat.PlainText)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(self.tr("type or paste a new secret"))
        self.secret.setAccessibleName(self.tr("New secret"))
        self.store_secret = QPushButton(self.tr("Store in keyring"))
        row = QHBoxLayout()
        row.addWidget(self.secret, 1)
        row.addWidget(self.store_secret)
        secret_layout.addWidget(self.secret_state)
        secret_layout.addLayout(row)
        form.addRow(secret_box)

        self.test = QPushButton(self.tr("&Test connection"))
        self.test.setToolTip(
            self.tr("Connect and subscribe to each channel, as the fields are now")
        )
        self.test_report = QPlainTextEdit()
        self.test_report.setReadOnly(True)
        self.test_report.setAccessibleName(self.tr("Connection test report"))
        self.test_report.setFixedHeight(110)
        self.test_report.hide()
        form.addRow(self.test)
        form.addRow(self.test_report)
        self.auth_mode.currentIndexChanged.connect(self._auth_changed)
        self._auth_changed()
        # Names as a screen reader says them (the form's labels carry mnemonics), and what
        # each field is for; placeholders vanish once there is text, these do not.
        for widget, name, description in (
            (
                self.name,
                self.tr("Account name"),
                self.tr("A short name of your choice, shown in the feed"),
            ),
            (self.key, self.tr("App key"), self.tr("The Pusher app's public key")),
            (
                self.cluster,
                self.tr("Cluster"),
                self.tr("Pusher's cloud cluster; empty for a self-hosted server"),
            ),
            (self.host, self.tr("Host"), self.tr("A self-hosted server's host name")),
            (self.port, self.tr("Port"), self.tr("The server's port; 0 for the default")),
            (self.tls, self.tr("Use TLS"), self.tr("Connect with wss:// rather than ws://")),
            (
                self.ca_file,
                self.tr("CA file"),
                self.tr("Optional PEM file with your company's certificate"),
            ),
            (browse, self.tr("Browse for a CA file"), self.tr("Opens a file chooser")),
            (self.channels, self.tr("Channels"), self.tr("One channel name per line")),
            (
                self.auth_mode,
                self.tr("Authorization"),
                self.tr("How private channels are authorized"),
            ),
            (
                self.endpoint,
                self.tr("Auth endpoint"),
                self.tr("The URL that signs private subscriptions"),
            ),
            (self.headers, self.tr("Auth headers"), self.tr("Name: value, one header per line")),
            (
                self.secret,
                self.tr("New secret"),
                self.tr("Written to the OS keyring only, never shown"),
            ),
            (
                self.store_secret,
                self.tr("Store in keyring"),
                self.tr("Stores the new secret in the keyring"),
            ),
            (
                self.test,
                self.tr("Test connection"),
                self.tr("Connects and subscribes to each channel"),
            ),
            (
                self.test_report,
                self.tr("Connection test report"),
                self.tr("The result of the last test"),
            ),
        ):
            widget.setAccessibleName(name)
            widget.setAccessibleDescription(description)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("CA file"), "", self.tr("PEM files (*.pem *.crt)")
        )
        if path:
            self.ca_file.setText(path)

    def _auth_changed(self) -> None:
        endpoint = self.auth_mode.currentData() == "endpoint"
        self.endpoint.setEnabled(endpoint)
        self.headers.setEnabled(endpoint)

    def show_draft(self, draft: AccountDraft) -> None:
        self.name.setText(draft.name)
        self.key.setText(draft.key)
        self.cluster.setText(draft.cluster)
        self.host.setText(draft.host)
        self.port.setValue(draft.port or 0)
        self.tls.setChecked(draft.tls)
        self.ca_file.setText(draft.ca_file)
        self.channels.setPlainText("\n".join(draft.channels))
        self.auth_mode.setCurrentIndex(max(0, self.auth_mode.findData(draft.auth_mode)))
        self.endpoint.setText(draft.endpoint)
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in draft.headers.items()))
        self.secret.clear()

    def read_into(self, draft: AccountDraft) -> None:
        draft.name = self.name.text().strip()
        draft.key = self.key.text().strip()
        draft.cluster = self.cluster.text().strip()
        draft.host = self.host.text().strip()
        draft.port = self.port.value() or None
        draft.tls = self.tls.isChecked()
        draft.ca_file = self.ca_file.text().strip()
        draft.channels = _lines(self.channels)
        draft.auth_mode = str(self.auth_mode.currentData())
        draft.endpoint = self.endpoint.text().strip()
        headers: dict[str, str] = {}
        for line in _lines(self.headers):
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        draft.headers = headers


class SettingsWindow(QWidget):
    """Accounts and notification settings; Save writes the file through the service."""

    def __init__(
        self,
        service: SettingsService,
        parent: QWidget | None = None,
        *,
        rules_preview: RulesPreviewService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Beacon settings"))
        self.service = service
        self.drafts: list[AccountDraft] = []
        self._current = -1
        self._secret_states: dict[str, bool | str] = {}

        self._focus_wanted: str | None = None
        self.tabs = tabs = QTabWidget()
        tabs.addTab(self._accounts_tab(), self.tr("&Accounts"))
        tabs.addTab(self._notifications_tab(), self.tr("&Notifications"))
        tabs.setAccessibleName(self.tr("Settings sections"))
        tabs.setAccessibleDescription(self.tr("Accounts, and how notifications behave"))
        tabs.setTabToolTip(0, self.tr("Servers, channels and secrets"))
        tabs.setTabToolTip(1, self.tr("Quiet hours, keywords, summaries and sound"))
        self.rules_editor = RulesEditor(rules_preview, self._rules_context)
        rules_tab = tabs.addTab(self.rules_editor, self.tr("Ru&les"))
        tabs.setTabToolTip(rules_tab, self.tr("How events are shown: titles, links, popups"))
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A description: the name of a label is its text, the status itself.
        self.message.setAccessibleDescription(self.tr("Settings status"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleDescription(self.tr("Writes the settings to the config file"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleDescription(
            self.tr("Closes the settings window")
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        service.loaded.connect(self._loaded)
        service.saved.connect(self._saved)
        service.saveFailed.connect(self._save_failed)
        service.secretState.connect(self._secret_state)
        service.secretFailed.connect(self._secret_failed)
        service.tested.connect(self._tested)
        service.autostartChanged.connect(self._autostart_changed)
        self.resize(760, 620)

    # -- building ---------------------------------------------------------------------

    def _accounts_tab(self) -> QWidget:
        page = QWidget()
        self.account_list = QListWidget()
        self.account_list.setAccessibleName(self.tr("Accounts"))
        self.account_list.setMaximumWidth(200)
        self.account_list.currentRowChanged.connect(self._select)
        self.add_button = QPushButton(self.tr("&Add"))
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.add_button.clicked.connect(self.add_account)
        self.remove_button.clicked.connect(self.remove_account)
        self.account_list.setAccessibleDescription(self.tr("Choose an account to edit it"))
        self.add_button.setAccessibleName(self.tr("Add account"))
        self.add_button.setAccessibleDescription(self.tr("Adds a new account to the list"))
        self.remove_button.setAccessibleName(self.tr("Remove account"))
        self.remove_button.setAccessibleDescription(self.tr("Removes the selected account"))
        left = QVBoxLayout()
        left.addWidget(self.account_list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        self.form = AccountForm()
        self.form.store_secret.clicked.connect(self._store_secret)
        self.form.test.clicked.connect(self.test_connection)
        self.form.name.textEdited.connect(self._rename_row)
        row = QHBoxLayout(page)
        row.addLayout(left)
        row.addWidget(self.form, 1)
        return page

    def _notifications_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.quiet_hours = QLineEdit()
        self.quiet_hours.setPlaceholderText(
            self.tr("22:00-07:00 (popups held back; the feed still fills)")
        )
        self.keywords = QLineEdit()
        self.keywords.setPlaceholderText(self.tr("outage, urgent (always pop up, highlighted)"))
        self.coalesce_count = QSpinBox()
        self.coalesce_count.setRange(1, 1000)
        self.coalesce_seconds = QDoubleSpinBox()
        self.coalesce_seconds.setRange(0.5, 3600)
        self.coalesce_seconds.setSuffix(self.tr(" s"))
        self.sound = QCheckBox(self.tr("Play a sound with popups"))
        if not SOUND_SUPPORTED:
            self.sound.setEnabled(False)
            self.sound.setToolTip(self.tr("Not available in this version"))
        form.addRow(self.tr("&Quiet hours"), self.quiet_hours)
        form.addRow(self.tr("&Keywords"), self.keywords)
        form.addRow(self.tr("Popups before a &summary"), self.coalesce_count)
        form.addRow(self.tr("… within"), self.coalesce_seconds)
        form.addRow("", self.sound)
        self.autostart = QCheckBox(self.tr("Start Beacon when I log in"))
        if autostart_supported():
            # Applied at once: it is not part of the config file.
            self.autostart.clicked.connect(self.service.set_autostart)
        else:
            self.autostart.setEnabled(False)
            self.autostart.setToolTip(self.tr("Use your system's login items on this platform"))
        form.addRow("", self.autostart)
        for widget, name, description in (
            (
                self.quiet_hours,
                self.tr("Quiet hours"),
                self.tr("Popups wait during these hours, as HH:MM-HH:MM"),
            ),
            (
                self.keywords,
                self.tr("Keywords"),
                self.tr("Comma-separated words that always pop up"),
            ),
            (
                self.coalesce_count,
                self.tr("Popups before a summary"),
                self.tr("More popups become one summary"),
            ),
            (
                self.coalesce_seconds,
                self.tr("Summary window in seconds"),
                self.tr("The time popups are counted"),
            ),
            (
                self.sound,
                self.tr("Play a sound with popups"),
                self.tr("A short sound with each popup"),
            ),
            (self.autostart, self.tr("Start Beacon when I log in"), self.tr("Applied at once")),
        ):
            widget.setAccessibleName(name)
            widget.setAccessibleDescription(description)
        return page

    # -- loading ----------------------------------------------------------------------

    def load(self) -> None:
        """Read the file (off the GUI thread); the window fills in when it arrives."""
        self.setEnabled(False)
        self.message.setText(self.tr("Reading the settings…"))
        self.service.load()
        if autostart_supported():
            self.service.check_autostart()

    def focus_secret(self, account: str) -> None:
        """Select ``account`` and put the cursor in its secret field (now, or as soon as
        the file is read): the "needs login" action."""
        self._focus_wanted = account
        self._apply_focus()

    def _apply_focus(self) -> None:
        wanted = self._focus_wanted
        names = [d.name for d in self.drafts]
        if wanted is None or wanted not in names:
            return
        self._focus_wanted = None
        self.tabs.setCurrentIndex(0)
        self.account_list.setCurrentRow(names.index(wanted))
        self.form.secret.setFocus()

    def _loaded(self, drafts: Drafts) -> None:
        self.setEnabled(True)
        self.drafts = drafts.accounts
        self._current = -1
        self.account_list.clear()
        for draft in self.drafts:
            self.account_list.addItem(draft.name)
            self.service.check_secret(draft.name)
        n = drafts.notifications
        self.quiet_hours.setText(n.quiet_hours)
        self.keywords.setText(", ".join(n.keywords))
        self.coalesce_count.setValue(n.coalesce_count)
        self.coalesce_seconds.setValue(n.coalesce_seconds)
        self.sound.setChecked(n.sound)
        self.form.setEnabled(bool(self.drafts))
        self.remove_button.setEnabled(bool(self.drafts))
        if self.drafts:
            self.account_list.setCurrentRow(0)
        self.rules_editor.show_rules(drafts.rules, usable=drafts.error is None)
        self._apply_focus()
        self.message.setText(
            self.tr("The config file has a problem; fix it in the file first:\n{error}").format(
                error=drafts.error
            )
            if drafts.error
            else ""
        )

    # -- accounts ---------------------------------------------------------------------

    def _commit_form(self) -> None:
        if 0 <= self._current < len(self.drafts):
            self.form.read_into(self.drafts[self._current])

    def _select(self, row: int) -> None:
        self._commit_form()
        self._current = row
        if 0 <= row < len(self.drafts):
            draft = self.drafts[row]
            self.form.show_draft(draft)
            self._show_secret_state(draft)

    def _rename_row(self, text: str) -> None:
        item = self.account_list.item(self._current)
        if item is not None:
            item.setText(text)

    def add_account(self) -> None:
        draft = AccountDraft(name=self._new_name())
        self.drafts.append(draft)
        self.account_list.addItem(draft.name)
        self.form.setEnabled(True)
        self.remove_button.setEnabled(True)
        self.account_list.setCurrentRow(len(self.drafts) - 1)
        self.form.name.setFocus()
        self.form.name.selectAll()

    def _new_name(self) -> str:
        names = {d.name for d in self.drafts}
        n = 1
        while f"account-{n}" in names:
            n += 1
        return f"account-{n}"

    def remove_account(self) -> None:
        row = self._current
        if not 0 <= row < len(self.drafts):
            return
        self._current = -1  # the form's contents belong to the removed account
        del self.drafts[row]
        self.account_list.takeItem(row)
        self._select(self.account_list.currentRow())
        self.form.setEnabled(bool(self.drafts))
        self.remove_button.setEnabled(bool(self.drafts))

    # -- secrets ----------------------------------------------------------------------

    def _show_secret_state(self, draft: AccountDraft) -> None:
        state = self._secret_states.get(draft.original or "")
        if draft.original is None or draft.original != draft.name:
            words = self.tr("Save the account first, then store its secret.")
        elif state is True:
            words = self.tr("A secret is stored for this account.")
        elif state is False:
            words = self.tr("No secret is stored. Accounts that sign or send {secret} need one.")
        elif isinstance(state, str):
            words = state
        else:
            words = self.tr("Checking the keyring…")
        self.form.secret_state.setText(words)
        self.form.store_secret.setEnabled(draft.original is not None)

    def _secret_state(self, account: str, state: object) -> None:
        self._secret_states[account] = state if isinstance(state, bool | str) else str(state)
        if 0 <= self._current < len(self.drafts):
            self._show_secret_state(self.drafts[self._current])

    def _secret_failed(self, account: str, message: str) -> None:
        self._secret_state(account, message)

    def _store_secret(self) -> None:
        if not 0 <= self._current < len(self.drafts):
            return
        draft = self.drafts[self._current]
        value = self.form.secret.text()
        self.form.secret.clear()  # gone from the widget before anything else happens
        # Only spaces is no secret, as for `beacon login`.
        if not value.strip() or draft.original is None:
            return
        if value != value.strip(" \t"):
            # Almost surely a paste error, and no HTTP header can carry it: refused here, as
            # by `beacon login`, in words that never quote the secret.
            self.form.secret_state.setText(
                self.tr(
                    "The secret begins or ends with a space or tab: paste it again without "
                    "it. Nothing was stored."
                )
            )
            return
        self.form.secret_state.setText(self.tr("Storing in the keyring…"))
        self.service.store_secret(draft.original, value)

    def _autostart_changed(self, enabled: bool, error: str) -> None:
        self.autostart.setChecked(enabled)
        if error:
            self.message.setText(
                self.tr("Could not change starting at login: {error}").format(error=error)
            )

    # -- test connection ----------------------------------------------------------------

    def test_connection(self) -> None:
        if not 0 <= self._current < len(self.drafts):
            return
        self._commit_form()
        draft = self.drafts[self._current]
        self.form.test.setEnabled(False)
        self.form.test_report.show()
        self.form.test_report.setPlainText(
            self.tr("Testing {account}: connecting…").format(account=draft.name)
        )
        self.service.test_connection(draft)

    def _tested(self, account: str, status: int, report: str) -> None:
        self.form.test.setEnabled(True)
        verdict = (
            self.tr("{account} works.") if status == 0 else self.tr("{account} has a problem.")
        )
        self.form.test_report.setPlainText(f"{verdict.format(account=account)}\n{report}")

    # -- saving -----------------------------------------------------------------------

    def _rules_context(self) -> tuple[list[AccountDraft], NotificationsDraft]:
        """The accounts and notifications as edited now, for the rules page's checks."""
        self._commit_form()
        return list(self.drafts), self.notifications()

    def notifications(self) -> NotificationsDraft:
        keywords = [w.strip() for w in self.keywords.text().split(",") if w.strip()]
        return NotificationsDraft(
            quiet_hours=self.quiet_hours.text().strip(),
            keywords=keywords,
            coalesce_count=self.coalesce_count.value(),
            coalesce_seconds=self.coalesce_seconds.value(),
            sound=self.sound.isChecked(),
        )

    def save(self) -> None:
        self._commit_form()
        self.save_button.setEnabled(False)
        self.message.setText(self.tr("Saving…"))
        self.service.save(list(self.drafts), self.notifications(), self.rules_editor.rules())

    def _saved(self, config: Config) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(
            self.tr("Saved to {path}. Beacon uses it now.").format(path=self.service.path)
        )
        for draft in self.drafts:
            self.service.check_secret(draft.name)
        if 0 <= self._current < len(self.drafts):
            self._show_secret_state(self.drafts[self._current])

    def _save_failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(self.tr("Not saved: {reason}").format(reason=message))
