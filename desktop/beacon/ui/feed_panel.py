"""The feed list with the update bar floating over its top edge."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from beacon.ui.feed_view import FeedView
from beacon.ui.update_bar import UpdateBar


class FeedPanel(QWidget):
    """The list with the update bar floating over its top edge.

    The bar floats rather than taking a layout row: pushing the list down by the bar's
    height would move exactly what the bar exists to keep still.
    """

    def __init__(self, view: FeedView, bar: UpdateBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.bar = bar
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        bar.setParent(self)
        bar.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.bar and event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            self._place_bar()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_bar()

    def _place_bar(self) -> None:
        hint = self.bar.sizeHint()
        width = min(hint.width(), max(0, self.width() - 24))
        self.bar.setGeometry((self.width() - width) // 2, 10, width, hint.height())
        self.bar.raise_()
