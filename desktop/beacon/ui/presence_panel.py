"""The presence panel: who is on each configured ``presence-`` channel now.

:class:`PresenceModel` is a thin list model over what ``PresenceService.membersChanged``
says (the data owner drives the model): one heading row per channel, then one row per
member, with the member's initials drawn as a small disc. No avatar is ever loaded from
anywhere: a remote image would tell a third party when the user looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QVBoxLayout, QWidget

from beacon.services.presence import Member

__all__ = ["PresenceModel", "PresencePanel", "initials_pixmap"]

#: Roles beyond Qt's own.
UserIdRole = Qt.ItemDataRole.UserRole + 1
InitialsRole = Qt.ItemDataRole.UserRole + 2
IsHeadingRole = Qt.ItemDataRole.UserRole + 3

_ModelIndex = QModelIndex | QPersistentModelIndex
_DISC = 22


def initials_pixmap(text: str, size: int = _DISC) -> QPixmap:
    """A disc with ``text`` (the initials) in it; its hue follows the text, so that one
    person keeps one colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    hue = sum(map(ord, text)) * 47 % 360
    painter.setBrush(QColor.fromHsv(hue, 110, 170))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QRectF(0, 0, size, size))
    font = QFont()
    font.setPixelSize(max(8, size * 9 // 22))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


class PresenceModel(QAbstractListModel):
    """Headings (one per channel, with its count) and the members under each."""

    def __init__(self, channels: Sequence[tuple[str, str]] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._channels: list[tuple[str, str]] = list(channels)
        self._members: dict[tuple[str, str], list[Member]] = {c: [] for c in self._channels}
        self._rows: list[tuple[tuple[str, str], Member | None]] = []
        self._icons: dict[str, QPixmap] = {}
        self._rebuild()

    def _rebuild(self) -> None:
        rows: list[tuple[tuple[str, str], Member | None]] = []
        for key in self._channels:
            rows.append((key, None))
            rows.extend((key, m) for m in self._members.get(key, []))
        self._rows = rows

    # -- input ----------------------------------------------------------------------------

    def set_channels(self, channels: Sequence[tuple[str, str]]) -> None:
        self.beginResetModel()
        self._channels = list(channels)
        self._members = {c: self._members.get(c, []) for c in self._channels}
        self._rebuild()
        self.endResetModel()

    def set_members(self, account: str, channel: str, members: Sequence[Member]) -> None:
        key = (account, channel)
        if key not in self._members:
            return  # not a channel this panel shows (an item's channel)
        # A reset per change: a channel has tens of members at most, and changes come a
        # few per minute; the view keeps nothing per row worth preserving.
        self.beginResetModel()
        self._members[key] = list(members)
        self._rebuild()
        self.endResetModel()

    # -- queries --------------------------------------------------------------------------

    def channels(self) -> list[tuple[str, str]]:
        return list(self._channels)

    def names(self, account: str, channel: str) -> list[str]:
        return [m.name for m in self._members.get((account, channel), [])]

    def count(self, account: str, channel: str) -> int:
        return len(self._members.get((account, channel), []))

    # -- QAbstractListModel ---------------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        key, member = self._rows[index.row()]
        if member is None:
            if role == Qt.ItemDataRole.DisplayRole:
                here = len(self._members.get(key, []))
                label = key[1].removeprefix("presence-")
                multi = len({a for a, _ in self._channels}) > 1
                where = f"{key[0]} · {label}" if multi else label
                return self.tr("{channel} (%Ln here)", "", here).format(channel=where)
            if role == IsHeadingRole:
                return True
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.AccessibleTextRole:
                here = len(self._members.get(key, []))
                return self.tr("{channel}: %Ln here", "", here).format(channel=key[1])
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return member.name
        if role == Qt.ItemDataRole.DecorationRole:
            icon = self._icons.get(member.initials)
            if icon is None:
                icon = self._icons[member.initials] = initials_pixmap(member.initials)
            return icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{member.name} ({member.user_id})"
        if role == UserIdRole:
            return member.user_id
        if role == InitialsRole:
            return member.initials
        if role == IsHeadingRole:
            return False
        return None

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled


class PresencePanel(QWidget):
    """A compact list of who is here, per presence channel; hidden with none configured."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Who is here"))
        self.model = PresenceModel(parent=self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setIconSize(QSize(_DISC, _DISC))
        self.view.setUniformItemSizes(False)
        self.view.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.view.setAccessibleName(self.tr("Members of presence channels"))
        self.view.setAccessibleDescription(self.tr("Who is in each presence channel now, by name"))
        self.empty = QLabel(self.tr("No presence channels configured."))
        self.empty.setEnabled(False)
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        self.set_channels([])

    def set_channels(self, channels: Sequence[tuple[str, str]]) -> None:
        self.model.set_channels(channels)
        self.view.setVisible(bool(channels))
        self.empty.setVisible(not channels)

    def set_members(self, account: str, channel: str, members: list[Member]) -> None:
        """``PresenceService.membersChanged``."""
        self.model.set_members(account, channel, members)

    def sizeHint(self) -> QSize:
        return QSize(200, 240)
