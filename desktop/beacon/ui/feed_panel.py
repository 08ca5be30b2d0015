"""The feed list, with the update bar in a strip of its own above the rows."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from beacon.ui.feed_view import FeedView
from beacon.ui.update_bar import UpdateBar


class FeedPanel(QWidget):
    """The list, with the update bar in a strip of its own above the rows (see UpdateBar)."""

    def __init__(self, view: FeedView, bar: UpdateBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.bar = bar
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        bar.attach(view)
