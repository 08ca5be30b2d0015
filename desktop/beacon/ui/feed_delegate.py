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

from beacon.feed.item import FeedItem, Priority
from beacon.ui.feed_model import FeedRole, preview_line

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


class _Fonts:
    """The fonts and metrics of a row, made once per base font rather than per paint."""

    def __init__(self, font: QFont) -> None:
        self.source = QFont(font)
        self.base = QFont(font)
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.small = QFont(font)
        if font.pointSizeF() > 0:
            self.small.setPointSizeF(font.pointSizeF() * 0.88)
        self.fm_base = QFontMetrics(self.base)
        self.fm_bold = QFontMetrics(self.bold)
        self.fm_small = QFontMetrics(self.small)


class FeedDelegate(QStyledItemDelegate):
    """Two-line rows: title and time, then a one-line preview and the channel."""

    def __init__(self, keywords: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keywords = _keyword_pattern(keywords)
        self._fonts: _Fonts | None = None

    def set_keywords(self, keywords: Sequence[str]) -> None:
        self._keywords = _keyword_pattern(keywords)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        line = self._fonts_for(option.font).fm_base.lineSpacing()
        return QSize(320, 2 * line + 3 * _PAD)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # No initStyleOption(): it asks the model for a dozen roles this row does not use,
        # each a call into Python. The view's option already has the state and palette.
        opt = QStyleOptionViewItem(option)
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

        item = index.data(FeedRole.ITEM)
        if not isinstance(item, FeedItem):
            return
        if index.data(FeedRole.HIGHLIGHTED) and not selected:
            tint = QColor(accent)
            tint.setAlpha(48)
            painter.fillRect(rect, tint)

        strip = _PRIORITY_COLOURS.get(item.priority)
        if strip is not None:
            painter.fillRect(QRect(rect.left(), rect.top(), _STRIP, rect.height()), strip)

        fonts = self._fonts_for(opt.font)
        unread = not item.read
        title_font = fonts.bold if unread else fonts.base
        fm_title = fonts.fm_bold if unread else fonts.fm_base
        base_font, fm_base = fonts.base, fonts.fm_base
        small_font, fm_small = fonts.small, fonts.fm_small
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
            item.title,
            QRect(left, top1, title_w, fm_title.height()),
            title_font,
            fm_title,
            text_colour,
        )

        # Line 2: the channel as a small pill on the right, the preview in the rest.
        channel = item.channel
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
            preview_line(item.body),
            QRect(left, top2, preview_w, fm_base.height()),
            base_font,
            fm_base,
            muted,
        )

    def _fonts_for(self, font: QFont) -> _Fonts:
        if self._fonts is None or self._fonts.source != font:
            self._fonts = _Fonts(font)
        return self._fonts

    def _draw_text(
        self,
        painter: QPainter,
        text: str,
        box: QRect,
        font: QFont,
        fm: QFontMetrics,
        colour: QColor,
    ) -> None:
        """Elided plain text, with keyword matches marked by a background."""
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
