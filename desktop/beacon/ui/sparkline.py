"""Sparklines: an hour of events per minute in a few pixels, and the channel filter's icons.

:func:`paint_sparkline` draws one series into a rectangle with a QPainter; the dashboard
(:mod:`beacon.ui.pulse`) and the icons beside the channel filter's items both use it.
A burst is never shown by colour alone: a burst minute gets a triangle above the line,
and the filter item's label says "burst" (which a screen reader reads, too).

:class:`ChannelSparklines` keeps the channel filter's icons in step with the
:class:`~beacon.services.feed.FeedService`'s pulse. It watches the pulse only while the
feed window is shown and not minimized, so a window hidden in the tray costs no query
and no timer.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLocale,
    QObject,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QWidget

from beacon.feed.pulse import Pulse, burst_minutes, usual_rate
from beacon.services.feed import FeedService
from beacon.ui.choice_box import ChoiceBox
from beacon.ui.i18n import QT_TRANSLATE_NOOP

__all__ = ["BURST_COLOR", "ICON_SIZE", "ChannelSparklines", "paint_sparkline", "sparkline_pixmap"]

#: The burst mark's colour (the error banner's red): always drawn with a shape as well.
BURST_COLOR = QColor(214, 69, 69)
#: The sparkline icon beside each channel filter item, in device-independent pixels.
ICON_SIZE = QSize(44, 14)
#: Appended to a bursting channel's label in the filter: the mark in words.
BURST_SUFFIX = QT_TRANSLATE_NOOP("ChannelSparklines", "  (burst)")
# The window events after which the icons may have become seen or unseen.
_SEEN_OR_NOT = (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.WindowStateChange)


def burst_marker(center_x: float, top: float, size: float) -> QPolygonF:
    """A triangle pointing down at the burst, ``size`` wide, its base at ``top``."""
    half = size / 2
    return QPolygonF(
        [
            QPointF(center_x - half, top),
            QPointF(center_x + half, top),
            QPointF(center_x, top + size),
        ]
    )


def paint_sparkline(
    painter: QPainter,
    rect: QRectF,
    counts: Sequence[int],
    bursts: Sequence[bool],
    color: QColor,
    burst_color: QColor = BURST_COLOR,
) -> None:
    """Counts as a filled line across ``rect``, scaled to their peak; burst minutes get a
    triangle above the line. Nothing is drawn for no counts; a flat zero is a baseline."""
    n = len(counts)
    if n == 0 or rect.isEmpty():
        return
    marker = max(3.0, min(6.0, rect.height() * 0.35)) if any(bursts) else 0.0
    # With marks, the line is inset by half a mark on each side, so that a burst in the
    # first or the last minute (the likeliest: now) shows its whole triangle.
    plot = rect.adjusted(0.5 + marker / 2, marker + 0.5, -0.5 - marker / 2, -0.5)
    peak = max(max(counts), 1)
    step = plot.width() / max(n - 1, 1)
    points = [
        QPointF(plot.left() + i * step, plot.bottom() - c / peak * plot.height())
        for i, c in enumerate(counts)
    ]
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    area = QPainterPath(QPointF(plot.left(), plot.bottom()))
    for point in points:
        area.lineTo(point)
    area.lineTo(QPointF(plot.right(), plot.bottom()))
    area.closeSubpath()
    fill = QColor(color)
    fill.setAlpha(70)
    painter.fillPath(area, fill)
    painter.setPen(QPen(color, 1.2))
    painter.drawPolyline(QPolygonF(points))
    if marker:
        painter.setPen(QPen(burst_color.darker(140), 0.8))
        painter.setBrush(burst_color)
        for point, hot in zip(points, bursts, strict=False):
            if hot:
                painter.drawPolygon(burst_marker(point.x(), rect.top() + 0.5, marker))
    painter.restore()


def sparkline_pixmap(
    counts: Sequence[int],
    size: QSize,
    *,
    color: QColor,
    device_pixel_ratio: float = 1.0,
) -> QPixmap:
    """A transparent pixmap of ``size`` (device-independent) with the sparkline of
    ``counts``, burst minutes marked."""
    pixmap = QPixmap(size * device_pixel_ratio)
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        paint_sparkline(
            painter,
            QRectF(0, 0, size.width(), size.height()),
            counts,
            burst_minutes(counts),
            color,
        )
    finally:
        painter.end()
    return pixmap


def describe(name: str, counts: Sequence[int]) -> str:
    """A sentence for a tooltip or a screen reader: the last minutes against the usual."""
    last = counts[-1] if counts else 0
    text = QCoreApplication.translate(
        "ChannelSparklines",
        "{name}: %Ln event(s) in the last hour, {last} this minute, usually {usual} a minute",
        "",
        sum(counts),
    ).format(name=name, last=QLocale().toString(last), usual=rate_text(usual_rate(counts)))
    if any(burst_minutes(counts)[-2:]):
        text += QCoreApplication.translate("ChannelSparklines", ". Burst now")
    return text


def rate_text(rate: float) -> str:
    """A rate as the locale writes numbers, with no needless decimals ("1,5", "2")."""
    return QLocale().toString(float(rate), "g", 3)


class ChannelSparklines(QObject):
    """Puts a sparkline icon beside each item of the channel filter (``All channels``:
    the total), for the account the account filter selects, and "(burst)" on the label
    of a channel bursting now."""

    def __init__(
        self,
        service: FeedService,
        channels: ChoiceBox,
        accounts: ChoiceBox,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._service = service
        self._channels = channels
        self._accounts = accounts
        self._window = window
        self._labels: list[str] = []
        channels.setIconSize(ICON_SIZE)
        # The filter row shares its width by stretch: without a floor, the icon would
        # leave "All channels (burst)" cut to "All cha".
        channels.setMinimumContentsLength(max(channels.minimumContentsLength(), 23))
        channels.choicesChanged.connect(self._refilled)
        service.pulseChanged.connect(self._apply)
        window.installEventFilter(self)
        self._refilled()
        if window.isVisible() and not window.isMinimized():
            service.watch_pulse(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() in _SEEN_OR_NOT:
            # Minimized counts as hidden: nobody sees the icons, so no minute timer.
            if self._window.isVisible() and not self._window.isMinimized():
                self._service.watch_pulse(self)
            else:
                self._service.unwatch_pulse(self)
        return False

    def _refilled(self) -> None:
        box = self._channels
        self._labels = [box.itemText(row) for row in range(box.count())]
        self._apply(self._service.pulse)

    def _apply(self, pulse: Pulse | None) -> None:
        if pulse is None:
            return
        box = self._channels
        account = self._accounts.value()
        palette = box.palette()
        color = palette.color(QPalette.ColorRole.Highlight)
        # The popup's current row is drawn in the highlight colour: its line would vanish.
        selected = palette.color(QPalette.ColorRole.HighlightedText)
        ratio = box.devicePixelRatioF()
        for row, value in enumerate(box.values()):
            if row >= len(self._labels):
                break
            counts = pulse.account(account) if value is None else pulse.channel(value, account)
            hot = any(burst_minutes(counts)[-2:])
            icon = QIcon(sparkline_pixmap(counts, ICON_SIZE, color=color, device_pixel_ratio=ratio))
            on_highlight = sparkline_pixmap(
                counts, ICON_SIZE, color=selected, device_pixel_ratio=ratio
            )
            # Styles ask for either mode for the highlighted row of the popup.
            icon.addPixmap(on_highlight, QIcon.Mode.Selected)
            icon.addPixmap(on_highlight, QIcon.Mode.Active)
            box.setItemIcon(row, icon)
            label = self._labels[row]
            box.setItemText(
                row,
                label + QCoreApplication.translate("ChannelSparklines", BURST_SUFFIX)
                if hot
                else label,
            )
            box.setItemData(row, describe(label, counts), Qt.ItemDataRole.ToolTipRole)
