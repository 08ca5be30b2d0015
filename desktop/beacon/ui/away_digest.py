"""The "while you were away" digest at the top of the feed.

One line says what came in during the absence; below it, one button per channel and event
("tickets · ticket.created (14)"), largest first, each opening the feed filtered to those
items (``FeedWindow.show_filtered``). It stays until dismissed or replaced by the next one.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from beacon.feed.away import AwayDigest, AwayGroup
from beacon.ui.update_bar import announce

__all__ = ["AwayDigestBar", "summary_text"]

#: Groups shown as their own button; the rest share one "N more" button.
MAX_GROUPS = 6


def summary_text(digest: AwayDigest) -> str:
    """ "While you were away: 14 new items, 3 high priority, 2 mentions of your keywords",
    in the user's language (feed.away.summary_text says it in English, without Qt)."""
    return AwayDigestWords().summary(digest)


class AwayDigestWords(QObject):
    """The digest's sentence (a QObject: lupdate sees plurals only in its tr())."""

    def summary(self, digest: AwayDigest) -> str:
        parts = [self.tr("%Ln new item(s)", "", digest.total)]
        if digest.important:
            parts.append(self.tr("%Ln high priority", "", digest.important))
        if digest.keyword_hits:
            parts.append(self.tr("%Ln mention(s) of your keywords", "", digest.keyword_hits))
        return self.tr("While you were away: {parts}").format(parts=", ".join(parts))


def group_label(group: AwayGroup) -> str:
    return f"{group.channel} · {group.event} ({len(group.item_ids)})"


class AwayDigestBar(QFrame):
    """Shows an :class:`AwayDigest`.

    Signals:
        groupChosen(list[int], str): show the feed filtered to these items, with this label.
    """

    groupChosen = Signal(list, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("While you were away"))
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.dismiss_button = QPushButton(self.tr("Dismiss"))
        self.dismiss_button.setAccessibleName(self.tr("Dismiss the digest"))
        self.dismiss_button.clicked.connect(self.hide)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.dismiss_button)
        self._groups_row = QHBoxLayout()
        self._groups_row.setContentsMargins(0, 0, 0, 0)
        self._groups_row.addStretch(1)  # buttons go before it
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(head)
        layout.addLayout(self._groups_row)
        self.group_buttons: list[QPushButton] = []
        self.digest: AwayDigest | None = None
        self.hide()

    def show_digest(self, digest: AwayDigest) -> None:
        self.digest = digest
        for button in self.group_buttons:
            self._groups_row.removeWidget(button)
            button.deleteLater()
        self.group_buttons = []
        text = summary_text(digest)
        self.title.setText(text)
        shown, rest = digest.groups[:MAX_GROUPS], digest.groups[MAX_GROUPS:]
        for group in shown:
            label = group_label(group)
            self._add_button(
                label, list(group.item_ids), self.tr("While away: {group}").format(group=label)
            )
        if rest:
            ids = [i for group in rest for i in group.item_ids]
            more = self.tr("%Ln more group(s)", "", len(rest))
            self._add_button(f"{more} ({len(ids)})", ids, self.tr("While away: others"))
        self.show()
        announce(self.title, text)

    def _add_button(self, label: str, ids: list[int], filtered_label: str) -> None:
        # Channel and event names are data: "&" is literal, not a mnemonic.
        button = QPushButton(label.replace("&", "&&"))
        button.setAccessibleName(self.tr("Show {group}").format(group=label))
        button.clicked.connect(lambda: self.groupChosen.emit(ids, filtered_label))
        self._groups_row.insertWidget(len(self.group_buttons), button)
        self.group_buttons.append(button)
