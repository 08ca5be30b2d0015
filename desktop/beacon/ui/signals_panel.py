"""The settings window's "Signals" tab: the exact commands and URLs ``[[signal]]`` runs, and
the one button that lets them run.

The panel shows what it is given and asks; it decides nothing. The app gives it the lines
(``signal_consent.describe``) and whether they are confirmed, and on "Run these signals"
gets back :attr:`SignalsPanel.confirmRequested` with the very definitions the user saw, so
that a config edited meanwhile is never confirmed unseen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

__all__ = ["SignalsPanel"]

# signal_consent.describe's frame: "<what>  (on [account A, ]channel C, event E)".
_FRAME = re.compile(
    r"(?P<what>.*)  \(on (?:account (?P<account>.*?), )?channel (?P<channel>.*?),"
    r" event (?P<event>.*)\)",
    re.DOTALL,
)


class SignalsPanel(QWidget):
    """Signals:
    confirmRequested(object): the user confirmed the definitions shown (an opaque
        sequence, handed back as :meth:`show_signals` received it).
    """

    confirmRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: Any = ()
        intro = QLabel(
            self.tr(
                "Beacon runs these for matching events once you confirm them. Each command "
                "is started without a shell; event data fills its arguments, never more. "
                "Any change to them in the config asks for your confirmation again."
            )
        )
        intro.setWordWrap(True)
        self.lines = QPlainTextEdit()
        self.lines.setReadOnly(True)
        self.lines.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.lines.setAccessibleName(self.tr("Signals that would run"))
        self.state = QLabel()
        self.state.setObjectName("signalsState")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setWordWrap(True)
        self.confirm = QPushButton(self.tr("Run these signals"))
        self.confirm.clicked.connect(self._confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.state)
        layout.addWidget(self.confirm, 0, Qt.AlignmentFlag.AlignRight)

    def show_signals(self, definitions: Any, lines: Sequence[str], confirmed: bool) -> None:
        """Show ``lines`` (one per signal) for ``definitions``, and whether they run."""
        self._shown = definitions
        self.lines.setPlainText("\n".join(self._words(line) for line in lines))
        if not lines:
            self.state.setText(self.tr("No [[signal]] in the config."))
        elif confirmed:
            self.state.setText(self.tr("Confirmed: these run for matching events."))
        else:
            self.state.setText(self.tr("Not confirmed: none of these runs until you confirm them."))
        self.confirm.setEnabled(bool(lines) and not confirmed)

    def _words(self, line: str) -> str:
        """A signal's line with its frame in the user's language. The line comes in
        English from services/signal_consent.py, which has no Qt (``beacon listen``
        confirms with it); "run" and "POST" are the config's own words and stay."""
        match = _FRAME.fullmatch(line)
        if match is None:
            return line
        where = self.tr("channel {channel}, event {event}").format(
            channel=match["channel"], event=match["event"]
        )
        if match["account"] is not None:
            where = self.tr("account {account}, {where}").format(
                account=match["account"], where=where
            )
        return self.tr("{what}  (on {where})").format(what=match["what"], where=where)

    def _confirm(self) -> None:
        self.confirmRequested.emit(self._shown)
