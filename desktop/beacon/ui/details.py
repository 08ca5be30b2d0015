"""The details pane: one item in full, rendered so that it can never reach the network.

The body is a safe Markdown subset: raw HTML is off (``MarkdownNoHTML``), images are
replaced by their alt text before anything lays them out, and every resource the document
still asks for (``file:`` or ``http:`` URLs) is refused in ``loadResource``. Links are not
clickable in the text; the one link that can be opened is the item's own URL, through the
"Open link" button, and only http(s).

Below them, the item's action buttons (its rule's ``actions``: "Claim", "Resolve") and
what the last one did ("Claim done 14:02"), kept with the item in the history. A press
is only a request (``actionRequested``): the action service runs it off the GUI thread.

Both link and copy buttons say what happened, in a line beside them: a link that no browser opened
(``LinkOpener`` watches the opener's exit status, since ``QDesktopServices.openUrl``
reports success as soon as ``xdg-open`` starts, even when it then finds no browser), and
a copy that went to the clipboard.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QProcess,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
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
from beacon.ui.i18n import QT_TRANSLATE_NOOP, priority_word
from beacon.ui.timefmt import absolute_time
from beacon.ui.update_bar import announce

log = logging.getLogger("beacon.ui")

_SAFE_SCHEMES = frozenset({"http", "https"})

# Translated where shown (QCoreApplication.translate("DetailsPane", ...)).
NO_BROWSER = QT_TRANSLATE_NOOP(
    "DetailsPane",
    "No web browser opened this link. Set a default web browser in your desktop's"
    " settings, or press Copy and paste the link into a browser.",
)
COPIED = QT_TRANSLATE_NOOP("DetailsPane", "Copied the title, message and link.")
#: The message's and the payload's frame. Enter in the list sends the keyboard focus to the
#: message, and the platform style draws a focused read-only text box exactly like an
#: unfocused one (no caret either): the frame says where the focus is, in the accent colour
#: and twice as thick (a change of shape, not only of colour). The padding keeps the text
#: from moving by a pixel as the frame thickens.
TEXT_FRAME_STYLE = (
    "QTextEdit, QPlainTextEdit { border: 1px solid palette(mid); padding: 1px; }"
    " QTextEdit:focus, QPlainTextEdit:focus"
    " { border: 2px solid palette(highlight); padding: 0px; }"
)
#: How long a "copied" notice stays (a failure stays until another item is shown).
NOTICE_MS = 4000


def _default_command() -> list[str]:
    """The opener to run and watch, or [] where Qt's own answer can be trusted.

    On Windows and macOS ``QDesktopServices.openUrl`` answers from the system call that
    opens the URL. In a Flatpak or Snap it goes through the desktop portal. Elsewhere it
    starts ``xdg-open`` and returns True at once, whatever ``xdg-open`` finds.
    """
    if (
        sys.platform in ("win32", "darwin")
        or os.environ.get("FLATPAK_ID")
        or os.environ.get("SNAP")
    ):
        return []
    found = shutil.which("xdg-open")
    return [found] if found else []


class LinkOpener(QObject):
    """Opens http(s) links in the user's browser, and says when none opened them.

    ``command`` is the opener (the URL is appended as its last argument); by default
    ``xdg-open`` where that is what Qt would run (see ``_default_command``), else Qt.
    """

    #: A browser took the link (the opener exited with status 0).
    opened = Signal(str)
    #: Nothing opened the link (the link, a sentence for the user).
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None, *, command: Sequence[str] | None = None):
        super().__init__(parent)
        self._command = list(command) if command is not None else _default_command()

    def open(self, url: QUrl) -> None:
        text = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
        if not self._command:
            if QDesktopServices.openUrl(url):
                self.opened.emit(text)
            else:
                self.failed.emit(text, QCoreApplication.translate("DetailsPane", NO_BROWSER))
            return
        process = QProcess(self)
        process.setProgram(self._command[0])
        process.setArguments([*self._command[1:], text])
        process.setStandardInputFile(QProcess.nullDevice())
        process.finished.connect(lambda code, status: self._finished(process, text, code, status))
        process.errorOccurred.connect(lambda error: self._error(process, text, error))
        log.debug("opening a link with %s", self._command[0])
        process.start()

    def _finished(
        self, process: QProcess, text: str, code: int, status: QProcess.ExitStatus
    ) -> None:
        process.deleteLater()
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            self.opened.emit(text)
            return
        output = bytes(process.readAllStandardError().data()).decode(errors="replace")
        # Info, not a warning: the user's desktop lacks a browser, and is told so.
        log.info(
            "%s could not open a link (status %d): %s",
            process.program(),
            code,
            output.strip()[-300:],
        )
        self.failed.emit(text, QCoreApplication.translate("DetailsPane", NO_BROWSER))

    def _error(self, process: QProcess, text: str, error: QProcess.ProcessError) -> None:
        if error != QProcess.ProcessError.FailedToStart:
            return  # a crash also ends in finished(), which reports it
        process.deleteLater()
        log.info("could not start %s to open a link: %s", process.program(), process.errorString())
        self.failed.emit(text, QCoreApplication.translate("DetailsPane", NO_BROWSER))


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
        document.setMarkdown(keep_line_breaks(text), features)
        replace_images(document)
        # The caret was left at the end: a new message is read from its start (a screen
        # reader reads the caret's line; Up and Down step through the lines from there).
        self.moveCursor(QTextCursor.MoveOperation.Start)


def keep_line_breaks(text: str) -> str:
    """``text`` with each single line break made a Markdown hard break.

    Event text is written as plain lines more often than as Markdown paragraphs: a body
    listing the data's fields ("id: 42", "state: open") must not run together into one
    line, as a Markdown soft break would make it. Code fences are left as they are.
    """
    lines = text.split("\n")
    fence: str | None = None
    for n, line in enumerate(lines[:-1]):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            mark = stripped[:3]
            fence = None if fence == mark else (fence or mark)
            continue
        if fence is None and line.strip() and lines[n + 1].strip() and not line.endswith("  "):
            lines[n] = line + "  "
    return "\n".join(lines)


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
                images.append(
                    (
                        fragment.position(),
                        fragment.length(),
                        alt or QCoreApplication.translate("DetailsPane", "image"),
                    )
                )
            it += 1
        block = block.next()
    cursor = QTextCursor(document)
    for position, length, alt in reversed(images):
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(
            QCoreApplication.translate("DetailsPane", "[image: {alt}]").format(alt=alt),
            QTextCharFormat(),
        )
    return len(images)


class DetailsPane(QWidget):
    """The selected item: title, meta line, body, payload, its two actions, and the
    buttons of its rule's actions.

    Signals:
        actionRequested(int, int): (item id, button index) the user pressed an action
            button; the result comes back through :meth:`update_item`.
    """

    actionRequested = Signal(int, int)

    #: Another item (or none: None) is open now; not emitted when the same item is shown
    #: again (refreshed). For presence: who else is viewing it.
    itemOpened = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        open_url: Callable[[QUrl], bool] | None = None,
        opener: LinkOpener | None = None,
    ) -> None:
        """``open_url``, when given, opens a link and returns whether it did; by default
        ``opener`` does (a :class:`LinkOpener`), and reports later when nothing opened it."""
        super().__init__(parent)
        self._open_url = open_url
        self.opener = opener if opener is not None else LinkOpener()
        self.opener.setParent(self)
        self.opener.failed.connect(self._open_failed)
        self._item: FeedItem | None = None
        self._opened: FeedItem | None = None  # last said by itemOpened
        self._action_labels: Callable[[FeedItem], Sequence[str]] | None = None
        self.action_buttons: list[QPushButton] = []
        self.setAccessibleName(self.tr("Item details"))

        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.title.font())
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        # Labels: descriptions, not names. A label's accessible name is its text, and a
        # fixed name hid the item's title and meta line from screen readers.
        self.title.setAccessibleDescription(self.tr("Title of the open item"))

        self.meta = QLabel()
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.meta.setWordWrap(True)
        self.meta.setForegroundRole(self.meta.foregroundRole())
        self.meta.setAccessibleDescription(self.tr("Account, channel, event and time"))

        # Items the catch-up endpoint supplied arrived late, and their time is the
        # server's: say so, in words (DESIGN.md "Catch-up").
        self.origin = QLabel(self.tr("From catch-up: sent while Beacon was offline"))
        self.origin.setTextFormat(Qt.TextFormat.PlainText)
        self.origin.setAccessibleDescription(self.tr("Where the item came from"))
        self.origin.hide()

        # Who else has this item open, from its presence channel (PresenceService).
        self.also_viewing = QLabel()
        self.also_viewing.setTextFormat(Qt.TextFormat.PlainText)
        self.also_viewing.setWordWrap(True)
        self.also_viewing.setAccessibleName(self.tr("Also viewing this item"))
        self.also_viewing.hide()

        self.body = SafeTextView()
        self.body.setAccessibleName(self.tr("Message"))
        self.body.setAccessibleDescription(
            self.tr("The item's message; Tab moves on to the payload")
        )

        self.payload = QPlainTextEdit()
        self.payload.setReadOnly(True)
        self.payload.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.payload.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.payload.setAccessibleName(self.tr("Payload as JSON"))
        self.payload.setAccessibleDescription(self.tr("The event's data as the server sent it"))
        for text_box in (self.body, self.payload):
            text_box.setStyleSheet(TEXT_FRAME_STYLE)

        self.open_button = QPushButton(self.tr("&Open link"))
        self.open_button.setAccessibleName(self.tr("Open link in the browser"))
        self.open_button.setAccessibleDescription(
            self.tr("Opens the item's link in the web browser")
        )
        self.open_button.clicked.connect(self.open_link)
        self.copy_button = QPushButton(self.tr("&Copy"))
        self.copy_button.setToolTip(self.tr("Copy the title, message and link"))
        self.copy_button.setAccessibleName(self.tr("Copy the item as text"))
        self.copy_button.setAccessibleDescription(self.tr("Copies the title, message and link"))
        self.copy_button.clicked.connect(self.copy)

        # What the last button press did: words, not only a colour or an icon.
        self.notice = QLabel()
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleDescription(self.tr("Result of the last action"))
        self.notice.hide()
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self.clear_notice)

        # The rule's action buttons, made per item (a few at most), and their result.
        self._actions_box = QWidget()
        self._actions_row = QHBoxLayout(self._actions_box)
        self._actions_row.setContentsMargins(0, 0, 0, 0)
        self.action_result = QLabel()
        self.action_result.setTextFormat(Qt.TextFormat.PlainText)
        self.action_result.setWordWrap(True)
        self.action_result.setAccessibleName(self.tr("Result of the last action button"))
        self._actions_row.addWidget(self.action_result, 1)
        self._actions_box.hide()

        self.placeholder = QLabel(self.tr("Select an item to see it in full."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)

        payload_box = QWidget()
        payload_layout = QVBoxLayout(payload_box)
        payload_layout.setContentsMargins(0, 0, 0, 0)
        payload_label = QLabel(self.tr("Payload"))
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
        buttons.addWidget(self.notice, 1)
        buttons.addStretch(0)

        self._content = QWidget()
        content = QVBoxLayout(self._content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.title)
        content.addWidget(self.meta)
        content.addWidget(self.origin)
        content.addWidget(self.also_viewing)
        content.addWidget(split, 1)
        content.addLayout(buttons)
        content.addWidget(self._actions_box)

        layout = QVBoxLayout(self)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self._content, 1)
        self.show_item(None)

    @property
    def item(self) -> FeedItem | None:
        return self._item

    def set_also_viewing(self, names: list[str]) -> None:
        """The others who have the open item open too (none: the line is hidden)."""
        self.also_viewing.setText(
            self.tr("Also viewing: {names}").format(names=", ".join(names)) if names else ""
        )
        self.also_viewing.setVisible(bool(names))

    def set_action_labels(self, labels: Callable[[FeedItem], Sequence[str]] | None) -> None:
        """Where the labels of an item's action buttons come from (the action service);
        ``None``: no action buttons."""
        self._action_labels = labels
        self._show_actions(self._item)

    def update_item(self, item: FeedItem) -> None:
        """A newer state of a stored item (an action's result): shown if it is this one."""
        if self._item is not None and item.id == self._item.id:
            self._item = item
            self._show_actions(item)

    def press_action(self, index: int) -> None:
        """Press action button ``index`` of the shown item (what a click does)."""
        item = self._item
        if item is None or item.id is None or not 0 <= index < len(self.action_buttons):
            return
        label = self.action_buttons[index].property("actionLabel")
        for button in self.action_buttons:
            button.setEnabled(False)
        self.action_result.setText(self.tr("{action}: sending…").format(action=label))
        announce(self.action_result, self.action_result.text())
        self.actionRequested.emit(item.id, index)

    def action_finished(self, item_id: int) -> None:
        """A press of ``item_id`` ended (whatever its result): its buttons work again."""
        if self._item is not None and self._item.id == item_id:
            self._show_actions(self._item)

    def _show_actions(self, item: FeedItem | None) -> None:
        for button in self.action_buttons:
            self._actions_row.removeWidget(button)
            button.deleteLater()
        self.action_buttons = []
        labels = list(self._action_labels(item)) if item and self._action_labels else []
        for i, label in enumerate(labels):
            # Labels come from the user's config: "&" is a literal, not a mnemonic.
            button = QPushButton(label.replace("&", "&&"))
            button.setAccessibleName(self.tr("Action: {action}").format(action=label))
            button.setProperty("actionLabel", label)
            button.clicked.connect(lambda _checked=False, i=i: self.press_action(i))
            self._actions_row.insertWidget(i, button)
            self.action_buttons.append(button)
        result = item.action_result if item is not None else None
        self.action_result.setText(result or "")
        self._actions_box.setVisible(bool(labels) or bool(result))

    def show_item(self, item: FeedItem | None) -> None:
        other = item is None or self._item is None or item.id != self._item.id
        if other:
            self.clear_notice()
        self._item = item
        if other and not (item is None and self._opened is None):
            self._opened = item
            if item is None:
                self.set_also_viewing([])
            self.itemOpened.emit(item)
        self.placeholder.setVisible(item is None)
        self._content.setVisible(item is not None)
        if item is None:
            for widget in (self.title, self.meta):
                widget.clear()
            self.body.clear()
            self.payload.clear()
            self._show_actions(None)
            return
        self.title.setText(item.title)
        self.meta.setText(
            f"{item.account} · {item.channel} · {item.event} · "
            f"{priority_word(item.priority)} · {absolute_time(item.received_at)}"
        )
        self.origin.setVisible(item.catchup)
        self._show_actions(item)
        self.body.set_markdown(item.body)
        self.payload.setPlainText(pretty_payload(item.payload))
        url = openable_url(item.url)
        self.open_button.setEnabled(url is not None)
        self.open_button.setToolTip(
            url.toString() if url is not None else self.tr("This item has no web link")
        )

    def open_link(self) -> None:
        """Open the item's http(s) link in the browser (an explicit user action only)."""
        url = openable_url(self._item.url if self._item is not None else None)
        if url is None:
            return
        if self._open_url is None:
            self.opener.open(url)
        elif not self._open_url(url):
            self._open_failed(
                url.toString(QUrl.ComponentFormattingOption.FullyEncoded),
                QCoreApplication.translate("DetailsPane", NO_BROWSER),
            )

    def copy(self) -> None:
        if self._item is None:
            return
        parts = [self._item.title, self._item.body]
        if self._item.url:
            parts.append(self._item.url)
        QGuiApplication.clipboard().setText("\n\n".join(p for p in parts if p))
        self.show_notice(QCoreApplication.translate("DetailsPane", COPIED), NOTICE_MS)

    def show_notice(self, text: str, timeout_ms: int | None = None) -> None:
        """Say ``text`` beside the buttons (and to screen readers); for ``timeout_ms``."""
        self.notice.setText(text)
        self.notice.show()
        announce(self.notice, text)
        if timeout_ms is None:
            self._notice_timer.stop()
        else:
            self._notice_timer.start(timeout_ms)

    def clear_notice(self) -> None:
        self._notice_timer.stop()
        self.notice.clear()
        self.notice.hide()

    def _open_failed(self, link: str, message: str) -> None:
        url = openable_url(self._item.url if self._item is not None else None)
        # Said only while the item whose link failed is still the one shown.
        if url is not None and url.toString(QUrl.ComponentFormattingOption.FullyEncoded) == link:
            self.show_notice(message)
