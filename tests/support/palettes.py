"""A high-contrast palette as desktop high-contrast themes give it: white on black, a
yellow selection, white frames and a cyan link. Every role a style draws with is set, so a
screenshot shows what such a theme shows (with only the text roles set, Fusion drew black
check boxes and borderless fields on black)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_BLACK, _WHITE, _YELLOW = QColor("#000000"), QColor("#ffffff"), QColor("#ffff00")

_ROLES = (
    (QPalette.ColorRole.Window, _BLACK),
    (QPalette.ColorRole.Base, _BLACK),
    (QPalette.ColorRole.AlternateBase, _BLACK),
    (QPalette.ColorRole.Button, _BLACK),
    (QPalette.ColorRole.Text, _WHITE),
    (QPalette.ColorRole.WindowText, _WHITE),
    (QPalette.ColorRole.ButtonText, _WHITE),
    (QPalette.ColorRole.BrightText, _YELLOW),
    (QPalette.ColorRole.PlaceholderText, QColor("#d0d0d0")),
    (QPalette.ColorRole.Highlight, _YELLOW),
    (QPalette.ColorRole.HighlightedText, _BLACK),
    (QPalette.ColorRole.Light, _WHITE),
    (QPalette.ColorRole.Midlight, _WHITE),
    (QPalette.ColorRole.Mid, QColor("#c0c0c0")),
    (QPalette.ColorRole.Dark, _WHITE),
    (QPalette.ColorRole.Shadow, _WHITE),
    (QPalette.ColorRole.Link, QColor("#00ffff")),
    (QPalette.ColorRole.LinkVisited, QColor("#ff80ff")),
    (QPalette.ColorRole.ToolTipBase, _BLACK),
    (QPalette.ColorRole.ToolTipText, _WHITE),
)


def high_contrast() -> QPalette:
    """White on black with a yellow selection, in the active and inactive groups."""
    palette = QPalette(QApplication.palette())
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in _ROLES:
            palette.setColor(group, role, colour)
    return palette
