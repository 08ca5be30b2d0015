"""One account's connection state, as a dot and a word in the feed window's status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from beacon.services.status import (
    NOT_CONNECTED_YET,
    ConnectionInfo,
    KeyringStatus,
    LinkState,
    detail_words,
    state_words,
)

_STATE_COLOURS = {
    LinkState.CONNECTED: QColor("#2e9d4f"),
    LinkState.CONNECTING: QColor("#d49b00"),
    LinkState.INITIALIZED: QColor("#8a8a8a"),
    LinkState.UNAVAILABLE: QColor("#d49b00"),
    LinkState.FAILED: QColor("#d64545"),
    LinkState.DISCONNECTED: QColor("#8a8a8a"),
}


def _dot(colour: QColor, size: int = 10) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(0, 0, size, size)
    painter.end()
    return pixmap


class StatusChip(QWidget):
    """One account's connection state in the status bar (plain text: details come from
    servers and are never markup).

    Signals:
        cancelKeyringRequested(str): Cancel, while the account waits for the keyring.
        reconnectRequested(str): Try again, once the keyring stayed locked.
    """

    cancelKeyringRequested = Signal(str)
    reconnectRequested = Signal(str)

    def __init__(self, account: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.dot = QLabel()
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(5)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        # The keyring's action, beside its state: Cancel while waiting for the unlock
        # prompt, Try again once it stayed locked; hidden otherwise.
        self.keyring_button = QPushButton()
        self.keyring_button.setVisible(False)
        self.keyring_button.clicked.connect(self._keyring_clicked)
        layout.addWidget(self.keyring_button)
        self.info = ConnectionInfo(account, LinkState.INITIALIZED, NOT_CONNECTED_YET)
        self.set_info(self.info)

    def set_info(self, info: ConnectionInfo) -> None:
        self.info = info
        self.dot.setPixmap(_dot(_STATE_COLOURS.get(info.state, QColor("#8a8a8a"))))
        words = state_words(info)
        if info.keyring is KeyringStatus.WAITING:
            words = self.tr("waiting for the keyring — answer the unlock prompt")
            self.dot.setPixmap(_dot(_STATE_COLOURS[LinkState.CONNECTING]))
        elif info.keyring is KeyringStatus.LOCKED:
            # The fix in a few words where it is seen; the detail (tooltip) says it all.
            words = self.tr("keyring locked — choose Try again and enter your keyring password")
            self.dot.setPixmap(_dot(_STATE_COLOURS[LinkState.FAILED]))  # as the tray shows it
        tip = detail_words(info)
        if info.fix:
            tip = f"{tip}\n{info.fix}"
        if info.insecure:
            # allow_insecure: the user accepted it, but must not forget it (issue 10).
            warning = self.tr("{account}: credentials sent without encryption").format(
                account=info.account
            )
            words = self.tr("{state}, not encrypted").format(state=words)
            tip = "\n".join([tip, warning, *info.insecure])
            self.label.setText(f"\u26a0 {info.account}: {words}")
        else:
            self.label.setText(f"{info.account}: {words}")
        self.setToolTip(tip)
        self.setAccessibleName(
            self.tr("Account {account}: {state}. {detail}").format(
                account=info.account, state=words, detail=tip
            )
        )
        self._show_keyring_button(info)

    def _show_keyring_button(self, info: ConnectionInfo) -> None:
        button = self.keyring_button
        if info.keyring is KeyringStatus.WAITING:
            button.setText(self.tr("Cancel"))
            button.setToolTip(self.tr("Stop waiting for the keyring's unlock prompt"))
            button.setAccessibleName(self.tr("Cancel waiting for the keyring"))
            button.setAccessibleDescription(
                self.tr("Stop waiting for the unlock prompt of account %1").replace(
                    "%1", info.account
                )
            )
        elif info.keyring is KeyringStatus.LOCKED:
            button.setText(self.tr("Try again"))
            button.setToolTip(self.tr("Read the keyring again: its unlock prompt comes back"))
            button.setAccessibleName(self.tr("Try the keyring again"))
            button.setAccessibleDescription(
                self.tr("Reconnect account %1 and show the keyring's unlock prompt").replace(
                    "%1", info.account
                )
            )
        button.setVisible(info.keyring is not KeyringStatus.OK)

    def _keyring_clicked(self) -> None:
        if self.info.keyring is KeyringStatus.WAITING:
            self.cancelKeyringRequested.emit(self.account)
        elif self.info.keyring is KeyringStatus.LOCKED:
            self.reconnectRequested.emit(self.account)
