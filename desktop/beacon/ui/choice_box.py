"""A combo box whose values are Python objects, for the feed window's filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget


class ChoiceBox(QComboBox):
    """A combo box whose values are Python objects (tuples, enums), not QVariants."""

    #: :meth:`set_choices` replaced the items (icons and labels set on them are gone).
    choicesChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: list[Any] = []

    def set_choices(self, choices: Sequence[tuple[str, Any]], keep: Any = None) -> None:
        """Replace the choices without emitting; select ``keep`` if it is still there."""
        self.blockSignals(True)
        self.clear()
        self._values = []
        for label, value in choices:
            self.addItem(label)
            self._values.append(value)
        self.setCurrentIndex(self._values.index(keep) if keep in self._values else 0)
        self.blockSignals(False)
        self.choicesChanged.emit()

    def value(self) -> Any:
        row = self.currentIndex()
        return self._values[row] if 0 <= row < len(self._values) else None

    def values(self) -> list[Any]:
        return list(self._values)

    def select_value(self, value: Any) -> None:
        if value in self._values:
            self.setCurrentIndex(self._values.index(value))
