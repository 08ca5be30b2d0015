"""One account's connection state, as a dot and a word in the feed window's status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from beacon.services.status import (
    NOT_CONNECTED_YET,
    ConnectionInfo,
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
    servers and are never markup)."""

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
        self.info = ConnectionInfo(account, LinkState.INITIALIZED, NOT_CONNECTED_YET)
        self.set_info(self.info)

    def set_info(self, info: ConnectionInfo) -> None:
        self.info = info
        self.dot.setPixmap(_dot(_STATE_COLOURS.get(info.state, QColor("#8a8a8a"))))
        words = state_words(info)
        self.label.setText(f"{info.account}: {words}")
        tip = detail_words(info)
        self.setToolTip(tip)
        self.setAccessibleName(
            self.tr("Account {account}: {state}. {detail}").format(
                account=info.account, state=words, detail=tip
            )
        )
