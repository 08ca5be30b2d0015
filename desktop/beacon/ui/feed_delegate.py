"""Paints one feed row. One delegate draws every row: no widget per row (STYLE habit 4).

Everything is drawn as plain text with QPainter, so a payload can never turn into markup,
images or network requests here. Colours come from the widget's palette, so light and dark
desktop themes both work; only the priority accents are fixed hues, chosen to read on both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from beacon.feed.item import Priority
from beacon.ui.feed_model import FeedRole

_PAD = 8
_STRIP = 4
_DOT = 8

# Fixed accents that keep enough contrast on light and dark bases alike.
_PRIORITY_COLOURS = {
    Priority.HIGH: QColor("#e8912d"),
    Priority.URGENT: QColor("#d64545"),
}
_KEYWORD_BACKGROUND = QColor(255, 196, 0, 110)


def _keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    words = [re.escape(k) for k in keywords if k.strip()]
    if not words:
        return None
    return re.compile("|".join(sorted(words, key=len, reverse=True)), re.IGNORECASE)


class FeedDelegate(QStyledItemDelegate):
    """Two-line rows: title and time, then a one-line preview and the channel."""

    def __init__(self, keywords: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keywords = _keyword_pattern(keywords)

    def set_keywords(self, keywords: Sequence[str]) -> None:
        self._keywords = _keyword_pattern(keywords)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        line = QFontMetrics(option.font).lineSpacing()
        return QSize(320, 2 * line + 3 * _PAD)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        # The style draws the selection/hover panel; the text is ours.
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        painter.save()
        try:
            if style is not None:
                style.drawPrimitive(
                    QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget
                )
            self._paint_row(painter, opt, index)
        finally:
            painter.restore()

    def _paint_row(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rect: QRect = opt.rect
        palette: QPalette = opt.palette
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Active
            if opt.state & QStyle.StateFlag.State_Active
            else QPalette.ColorGroup.Inactive
        )
        text_colour = palette.color(
            group,
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text,
        )
        muted = QColor(text_colour)
        muted.setAlphaF(0.68)
        accent = palette.color(group, QPalette.ColorRole.Highlight)

        if index.data(FeedRole.HIGHLIGHTED) and not selected:
            tint = QColor(accent)
            tint.setAlpha(48)
            painter.fillRect(rect, tint)

        priority = Priority(int(index.data(FeedRole.PRIORITY) or Priority.NORMAL))
        strip = _PRIORITY_COLOURS.get(priority)
        if strip is not None:
            painter.fillRect(QRect(rect.left(), rect.top(), _STRIP, rect.height()), strip)

        base_font = QFont(opt.font)
        title_font = QFont(base_font)
        unread = bool(index.data(FeedRole.UNREAD))
        title_font.setBold(unread)
        small_font = QFont(base_font)
        if base_font.pointSizeF() > 0:
            small_font.setPointSizeF(base_font.pointSizeF() * 0.88)
        fm_title = QFontMetrics(title_font)
        fm_base = QFontMetrics(base_font)
        fm_small = QFontMetrics(small_font)
        line = fm_base.lineSpacing()

        left = rect.left() + _STRIP + _PAD
        top1 = rect.top() + _PAD
        top2 = top1 + line + _PAD // 2

        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if unread:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(text_colour if selected else accent)
            dot_y = top1 + (fm_title.height() - _DOT) // 2
            painter.drawEllipse(left, dot_y, _DOT, _DOT)
        left += _DOT + _PAD
        right = rect.right() - _PAD

        # Line 1: relative time on the right, title in the rest.
        when = str(index.data(FeedRole.RELATIVE_TIME) or "")
        painter.setFont(small_font)
        when_w = fm_small.horizontalAdvance(when)
        painter.setPen(muted)
        painter.drawText(
            QRect(right - when_w, top1, when_w, fm_title.height()),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            when,
        )
        title_w = max(0, right - when_w - _PAD - left)
        self._draw_text(
            painter,
            str(index.data(FeedRole.TITLE) or ""),
            QRect(left, top1, title_w, fm_title.height()),
            title_font,
            text_colour,
        )

        # Line 2: the channel as a small pill on the right, the preview in the rest.
        channel = str(index.data(FeedRole.CHANNEL) or "")
        # A few pixels of slack: elidedText rounds, and a short name must never elide.
        natural = fm_small.horizontalAdvance(channel) + 2 * _PAD + 4
        pill_w = min(natural, max(0, (right - left) // 3))
        pill = QRect(right - pill_w, top2, pill_w, fm_base.height())
        pill_bg = QColor(text_colour)
        pill_bg.setAlpha(26)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pill_bg)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setFont(small_font)
        painter.setPen(muted)
        painter.drawText(
            pill.adjusted(_PAD, 0, -_PAD, 0),
            int(Qt.AlignmentFlag.AlignCenter),
            fm_small.elidedText(channel, Qt.TextElideMode.ElideMiddle, pill_w - 2 * _PAD + 2),
        )
        preview_w = max(0, right - pill_w - _PAD - left)
        self._draw_text(
            painter,
            str(index.data(FeedRole.PREVIEW) or ""),
            QRect(left, top2, preview_w, fm_base.height()),
            base_font,
            muted,
        )

    def _draw_text(
        self, painter: QPainter, text: str, box: QRect, font: QFont, colour: QColor
    ) -> None:
        """Elided plain text, with keyword matches marked by a background."""
        fm = QFontMetrics(font)
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, box.width())
        if self._keywords is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_KEYWORD_BACKGROUND)
            for match in self._keywords.finditer(shown):
                x = box.left() + fm.horizontalAdvance(shown[: match.start()])
                w = fm.horizontalAdvance(match.group())
                painter.drawRoundedRect(QRect(x - 1, box.top(), w + 2, box.height()), 3, 3)
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(
            box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown
        )
