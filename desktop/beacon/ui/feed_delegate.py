"""Paints one feed row. One delegate draws every row: no widget per row (STYLE habit 4).

Everything is drawn as plain text with QPainter, so a payload can never turn into markup,
images or network requests here. Colours come from the widget's palette, so light and dark
desktop themes both work; only the priority accents are fixed hues, chosen to read on both.

Two kinds of marks, told apart by shape as well as by colour (never colour alone):

- a search match is *filled*: an opaque yellow box with dark text, as a browser's find
  bar does, legible on a plain, a tinted or a selected row;
- a keyword is *outlined*: a frame in the row's own text colour (so it contrasts with the
  row, selected or not) around a faint violet tint, never the search's yellow.

Where they match is decided by ``feed.keywords``, the matcher the mapper counts keyword
hits with and that follows the history's search, so a mark never disagrees with either.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from beacon.feed.item import FeedItem, Priority
from beacon.feed.keywords import KeywordMatcher, SearchMatcher
from beacon.ui.feed_model import FeedRole, preview_line, row_title

_PAD = 8
_STRIP = 4
_DOT = 8

# Fixed accents that keep enough contrast on light and dark bases alike.
_PRIORITY_COLOURS = {
    Priority.HIGH: QColor("#e8912d"),
    Priority.URGENT: QColor("#d64545"),
}
#: High and urgent also carry a mark in the row's text colour: the stripe alone is colour
#: only, which some cannot see and which a high-contrast theme may flatten.
PRIORITY_MARKS = {Priority.HIGH: "!", Priority.URGENT: "!!"}
#: Search matches: opaque, so the dark text on them reads the same on any row.
SEARCH_FILL = QColor("#ffd43b")
SEARCH_TEXT = QColor("#1a1a1a")
#: Keywords: a faint violet under an outline in the text colour (see the module docstring).
KEYWORD_TINT = QColor(138, 92, 246, 56)
#: Kinds of mark, in the order they are painted (a keyword frame stays visible on a match).
SEARCH, KEYWORD = 0, 1
_TEXT_CACHE = 4000

# Enum members looked up once: attribute access on Qt enums costs microseconds, per row.
_SELECTED = QStyle.StateFlag.State_Selected
_STATE_ACTIVE = QStyle.StateFlag.State_Active
_ACTIVE = QPalette.ColorGroup.Active
_INACTIVE = QPalette.ColorGroup.Inactive
_TEXT = QPalette.ColorRole.Text
_HIGHLIGHTED_TEXT = QPalette.ColorRole.HighlightedText
_HIGHLIGHT = QPalette.ColorRole.Highlight
_NO_PEN = Qt.PenStyle.NoPen
_ANTIALIASING = QPainter.RenderHint.Antialiasing
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PLAIN_TEXT = Qt.TextFormat.PlainText
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus


class _ShapedText:
    """Elided, shaped text with its size and marks (kind, x offset, width)."""

    __slots__ = ("font", "height", "marks", "static", "width")

    def __init__(
        self,
        static: QStaticText,
        fm: QFontMetrics,
        font: QFont,
        marks: tuple[tuple[int, int, int], ...],
    ) -> None:
        self.static = static
        self.width = fm.horizontalAdvance(static.text())
        self.height = fm.height()
        self.font = font
        self.marks = marks


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
        self._keywords = KeywordMatcher(keywords)
        self._search = SearchMatcher()
        self._search_text = ""
        self._fonts: _Fonts | None = None
        self._texts: dict[tuple[str, int, int | None, bool], _ShapedText] = {}

    def set_keywords(self, keywords: Sequence[str]) -> None:
        self._keywords = KeywordMatcher(keywords)
        self._texts.clear()

    def set_search(self, text: str | None) -> None:
        """Mark the words of the list's current search (``None`` or "": no search).

        Rows are not repainted here: the view repaints when the filter re-queries.
        """
        if (text or "") != self._search_text:
            self._search_text = text or ""
            self._search = SearchMatcher(self._search_text)
            self._texts.clear()

    def marks(self, text: str) -> list[tuple[int, int, int]]:
        """Where ``text`` gets a mark: ``(kind, start, end)``, search matches first."""
        found = [(SEARCH, a, b) for a, b in self._search.spans(text)]
        found += [(KEYWORD, a, b) for a, b in self._keywords.spans(text)]
        return found

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
                style.drawPrimitive(_PANEL, opt, painter, widget)
            self._paint_row(painter, opt, index)
        finally:
            painter.restore()

    def _paint_row(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item = index.data(FeedRole.ITEM)
        if not isinstance(item, FeedItem):
            return
        rect: QRect = opt.rect
        palette: QPalette = opt.palette
        state = opt.state
        selected = bool(state & _SELECTED)
        group = _ACTIVE if state & _STATE_ACTIVE else _INACTIVE
        text_colour = palette.color(group, _HIGHLIGHTED_TEXT if selected else _TEXT)
        muted = QColor(text_colour)
        muted.setAlphaF(0.68)
        accent = palette.color(group, _HIGHLIGHT)

        if not selected and index.data(FeedRole.HIGHLIGHTED):
            tint = QColor(accent)
            tint.setAlpha(48)
            painter.fillRect(rect, tint)

        strip = _PRIORITY_COLOURS.get(item.priority)
        if strip is not None:
            painter.fillRect(rect.left(), rect.top(), _STRIP, rect.height(), strip)

        fonts = self._fonts_for(opt.font)
        unread = not item.read
        title_font = fonts.bold if unread else fonts.base
        fm_title = fonts.fm_bold if unread else fonts.fm_base
        line_h = fonts.fm_base.height()
        title_h = fm_title.height()

        left = rect.left() + _STRIP + _PAD
        top1 = rect.top() + _PAD
        top2 = top1 + fonts.fm_base.lineSpacing() + _PAD // 2

        painter.setRenderHint(_ANTIALIASING, True)
        if unread:
            painter.setPen(_NO_PEN)
            painter.setBrush(text_colour if selected else accent)
            painter.drawEllipse(left, top1 + (title_h - _DOT) // 2, _DOT, _DOT)
        left += _DOT + _PAD
        right = rect.right() - _PAD
        title_left = left
        mark = PRIORITY_MARKS.get(item.priority)
        if mark is not None:
            shaped = self._text(mark, fonts.bold, fonts.fm_bold, marked=False)
            self._draw(painter, shaped, left, top1, title_h, text_colour)
            title_left += shaped.width + _PAD // 2

        # Line 1: relative time on the right, title in the rest.
        when = self._text(
            str(index.data(FeedRole.RELATIVE_TIME)), fonts.small, fonts.fm_small, marked=False
        )
        when_x = right - when.width
        self._draw(painter, when, when_x, top1, title_h, muted)
        title = self._text(
            row_title(item), title_font, fm_title, max(0, when_x - _PAD - title_left)
        )
        self._draw(painter, title, title_left, top1, title_h, text_colour)

        # Line 2: the channel as a small pill on the right, the preview in the rest.
        channel = self._text(
            item.channel,
            fonts.small,
            fonts.fm_small,
            max(0, (right - left) // 3 - 2 * _PAD),
            marked=False,
        )
        pill_w = channel.width + 2 * _PAD
        pill_bg = QColor(text_colour)
        pill_bg.setAlpha(26)
        painter.setPen(_NO_PEN)
        painter.setBrush(pill_bg)
        radius = line_h / 2
        painter.drawRoundedRect(right - pill_w, top2, pill_w, line_h, radius, radius)
        self._draw(painter, channel, right - pill_w + _PAD, top2, line_h, muted)
        preview = self._text(
            preview_line(item.body),
            fonts.base,
            fonts.fm_base,
            max(0, right - pill_w - _PAD - left),
        )
        self._draw(painter, preview, left, top2, line_h, muted)

        if state & _HAS_FOCUS:
            # The keyboard's place in the list, drawn in the text colour (selected or not)
            # and dashed: visible in any palette, and not a colour change alone.
            focus = QPen(text_colour)
            focus.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(focus)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setRenderHint(_ANTIALIASING, False)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))

    def _fonts_for(self, font: QFont) -> _Fonts:
        if self._fonts is None or self._fonts.source != font:
            self._fonts = _Fonts(font)
            self._texts.clear()
        return self._fonts

    def _text(
        self,
        text: str,
        font: QFont,
        fm: QFontMetrics,
        width: int | None = None,
        *,
        marked: bool = True,
    ) -> _ShapedText:
        """``text`` elided to ``width`` and shaped once; repaints reuse it.

        Rows repaint whenever anything above them moves; shaping text is the costly part
        of a paint, and the same few hundred strings come back again and again. Search and
        keyword marks go on ``marked`` text only: the title and the preview, which are
        what the search and the keywords look at, not the time or the channel.
        """
        key = (text, id(font), width, marked)
        shaped = self._texts.get(key)
        if shaped is None:
            shown = text if width is None else fm.elidedText(text, _ELIDE_RIGHT, width)
            static = QStaticText(shown)
            # Never rich text: QStaticText's default would read markup in a payload.
            static.setTextFormat(_PLAIN_TEXT)
            static.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
            marks: list[tuple[int, int, int]] = []
            if marked and (self._search or self._keywords):
                for kind, start, end in self.marks(shown):
                    x = fm.horizontalAdvance(shown[:start])
                    marks.append((kind, x, fm.horizontalAdvance(shown[:end]) - x))
            shaped = _ShapedText(static, fm, font, tuple(marks))
            if len(self._texts) >= _TEXT_CACHE:
                self._texts.clear()
            self._texts[key] = shaped
        return shaped

    def _draw(
        self, painter: QPainter, text: _ShapedText, x: int, top: int, height: int, colour: QColor
    ) -> None:
        """Draw shaped text vertically centred in a line, with its marks."""
        y = top + (height - text.height) // 2
        for kind, offset, width in text.marks:
            box = QRectF(x + offset - 1.5, top + 0.5, width + 3, height - 1)
            if kind == SEARCH:
                painter.setPen(_NO_PEN)
                painter.setBrush(SEARCH_FILL)
            else:
                frame = QPen(colour)
                frame.setWidthF(1.2)
                painter.setPen(frame)
                painter.setBrush(KEYWORD_TINT)
            painter.drawRoundedRect(box, 3, 3)
        painter.setFont(text.font)
        painter.setPen(colour)
        painter.drawStaticText(x, y, text.static)
        # The text on a search match, again in a colour made for the yellow under it.
        for kind, offset, width in text.marks:
            if kind == SEARCH:
                painter.save()
                painter.setClipRect(QRect(x + offset, top, width, height))
                painter.setPen(SEARCH_TEXT)
                painter.drawStaticText(x, y, text.static)
                painter.restore()
