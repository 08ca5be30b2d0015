"""The details pane: one item in full, rendered so that it can never reach the network.

The body is a safe Markdown subset: raw HTML is off (``MarkdownNoHTML``), images are
replaced by their alt text before anything lays them out, and every resource the document
still asks for (``file:`` or ``http:`` URLs) is refused in ``loadResource``. Links are not
clickable in the text; the one link that can be opened is the item's own URL, through the
"Open link" button, and only http(s).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from beacon.feed.item import FeedItem
from beacon.ui.timefmt import absolute_time

log = logging.getLogger("beacon.ui")

_SAFE_SCHEMES = frozenset({"http", "https"})


def openable_url(url: str | None) -> QUrl | None:
    """The item's link as a QUrl when it is a well-formed http(s) URL, else None."""
    if not url:
        return None
    qurl = QUrl(url, QUrl.ParsingMode.StrictMode)
    if not qurl.isValid() or qurl.scheme().lower() not in _SAFE_SCHEMES or not qurl.host():
        return None
    return qurl


def pretty_payload(payload: str) -> str:
    """Indented JSON when the payload is JSON, else the raw text as received."""
    try:
        value = json.loads(payload)
    except ValueError:
        return payload
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


class SafeTextDocument(QTextDocument):
    """A QTextDocument that loads no external resource of any kind."""

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        shown = name.toString() if isinstance(name, QUrl) else name
        log.debug("refused to load a document resource: %s", shown[:200])
        return None


class SafeTextView(QTextEdit):
    """Read-only text whose links are inert and whose resources never load."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocument(SafeTextDocument(self))
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None

    def set_markdown(self, text: str) -> None:
        features = (
            QTextDocument.MarkdownFeature.MarkdownDialectGitHub
            | QTextDocument.MarkdownFeature.MarkdownNoHTML
        )
        document = self.document()
        document.setMarkdown(text, features)
        replace_images(document)


def replace_images(document: QTextDocument) -> int:
    """Turn every image in ``document`` into the text "[image: alt]"; returns how many.

    Refusing resources in ``loadResource`` is not enough: Qt's image handler falls back to
    reading a local file by itself (``![x](/home/me/.ssh/id_rsa.png)`` would load).
    An image that is not in the document cannot be loaded by anything.
    """
    images: list[tuple[int, int, str]] = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fragment.isValid() and fmt.isImageFormat():
                image = fmt.toImageFormat()
                alt = image.stringProperty(QTextFormat.Property.ImageAltText)
                images.append((fragment.position(), fragment.length(), alt or "image"))
            it += 1
        block = block.next()
    cursor = QTextCursor(document)
    for position, length, alt in reversed(images):
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(f"[image: {alt}]", QTextCharFormat())
    return len(images)


class DetailsPane(QWidget):
    """The selected item: title, meta line, body, payload, and its two actions."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self._open_url = open_url
        self._item: FeedItem | None = None
        self.setAccessibleName("Item details")

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.title.font())
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        self.title.setAccessibleName("Title")

        self.meta = QLabel()
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.meta.setWordWrap(True)
        self.meta.setForegroundRole(self.meta.foregroundRole())
        self.meta.setAccessibleName("Account, channel, event and time")

        self.body = SafeTextView()
        self.body.setAccessibleName("Message")

        self.payload = QPlainTextEdit()
        self.payload.setReadOnly(True)
        self.payload.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.payload.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.payload.setAccessibleName("Payload as JSON")

        self.open_button = QPushButton("&Open link")
        self.open_button.setAccessibleName("Open link in the browser")
        self.open_button.clicked.connect(self.open_link)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy the title, message and link")
        self.copy_button.setAccessibleName("Copy the item as text")
        self.copy_button.clicked.connect(self.copy)

        self.placeholder = QLabel("Select an item to see it in full.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)

        payload_box = QWidget()
        payload_layout = QVBoxLayout(payload_box)
        payload_layout.setContentsMargins(0, 0, 0, 0)
        payload_label = QLabel("Payload")
        payload_label.setBuddy(self.payload)
        payload_layout.addWidget(payload_label)
        payload_layout.addWidget(self.payload)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.body)
        split.addWidget(payload_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)

        self._content = QWidget()
        content = QVBoxLayout(self._content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.title)
        content.addWidget(self.meta)
        content.addWidget(split, 1)
        content.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self._content, 1)
        self.show_item(None)

    @property
    def item(self) -> FeedItem | None:
        return self._item

    def show_item(self, item: FeedItem | None) -> None:
        self._item = item
        self.placeholder.setVisible(item is None)
        self._content.setVisible(item is not None)
        if item is None:
            for widget in (self.title, self.meta):
                widget.clear()
            self.body.clear()
            self.payload.clear()
            return
        self.title.setText(item.title)
        self.meta.setText(
            f"{item.account} · {item.channel} · {item.event} · "
            f"{item.priority.name.lower()} · {absolute_time(item.received_at)}"
        )
        self.body.set_markdown(item.body)
        self.payload.setPlainText(pretty_payload(item.payload))
        url = openable_url(item.url)
        self.open_button.setEnabled(url is not None)
        self.open_button.setToolTip(
            url.toString() if url is not None else "This item has no web link"
        )

    def open_link(self) -> None:
        """Open the item's http(s) link in the browser (an explicit user action only)."""
        url = openable_url(self._item.url if self._item is not None else None)
        if url is None:
            return
        self._open_url(url)

    def copy(self) -> None:
        if self._item is None:
            return
        parts = [self._item.title, self._item.body]
        if self._item.url:
            parts.append(self._item.url)
        QGuiApplication.clipboard().setText("\n\n".join(p for p in parts if p))
