"""The activity dashboard: events per minute over the last hour, in total and per channel.

A small window of its own, opened from the feed window (its Activity button, or
Ctrl+Shift+A). It draws what the :class:`~beacon.services.feed.FeedService` counted in
the history, off the GUI thread; it asks for the pulse only while it is shown, so a
closed dashboard costs nothing.

Everything is painted (:class:`PulseChart` for the total, :class:`ChannelPulses` for the
channels), not a widget per row. Bursts are marked by a triangle and the word "burst",
never by colour alone, and each painted part carries an accessible description in words.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLocale,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QHideEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QShowEvent,
)
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from beacon.feed.pulse import MINUTE_US, Pulse, Source, burst_minutes, bursting, usual_rate
from beacon.services.feed import FeedService
from beacon.ui.i18n import QT_TRANSLATE_NOOP
from beacon.ui.sparkline import BURST_COLOR, burst_marker, paint_sparkline, rate_text
from beacon.ui.timefmt import clock_time

__all__ = ["ChannelPulses", "PulseChart", "PulseWindow"]

#: The dashboard lists at most this many channels, the busiest of the hour first.
MAX_CHANNELS = 12
_NO_EVENTS = QT_TRANSLATE_NOOP("PulseChart", "No events in the last hour")


def _minute_label(start_us: int, minute: int) -> str:
    moment = datetime.fromtimestamp((start_us + minute * MINUTE_US) / 1_000_000)
    return clock_time(moment)


class PulseChart(QWidget):
    """One series of per-minute counts as bars, burst minutes marked with a triangle and
    the word "burst" above them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts: tuple[int, ...] = ()
        self._bursts: list[bool] = []
        self._start_us = 0
        self.setMinimumSize(320, 140)
        self.setAccessibleName(self.tr("Events per minute, last hour"))
        self.setAccessibleDescription(QCoreApplication.translate("PulseChart", _NO_EVENTS))

    @property
    def counts(self) -> tuple[int, ...]:
        return self._counts

    @property
    def bursts(self) -> list[bool]:
        return list(self._bursts)

    def set_series(self, counts: tuple[int, ...], start_us: int) -> None:
        self._counts = counts
        self._bursts = burst_minutes(counts)
        self._start_us = start_us
        self.setAccessibleDescription(self.describe())
        self.update()

    def describe(self) -> str:
        counts = self._counts
        total = sum(counts)
        if not total:
            return QCoreApplication.translate("PulseChart", _NO_EVENTS)
        text = self.tr(
            "%Ln event(s) in the last hour, at most {peak} a minute, usually {usual}", "", total
        ).format(peak=QLocale().toString(max(counts)), usual=rate_text(usual_rate(counts)))
        hot = [_minute_label(self._start_us, i) for i, b in enumerate(self._bursts) if b]
        if hot:
            text += self.tr(". Bursts at {times}").format(times=", ".join(hot))
        return text

    def sizeHint(self) -> QSize:
        return QSize(480, 170)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        text_color = palette.color(QPalette.ColorRole.WindowText)
        bar_color = palette.color(QPalette.ColorRole.Highlight)
        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        counts = self._counts
        peak = max(counts, default=0)
        left = metrics.horizontalAdvance(str(max(peak, 10))) + 6
        # Room above the bars for the burst marks and their label, below for the times.
        plot = QRectF(self.rect()).adjusted(left, line + 10, -4, -(line + 4))
        painter.setPen(QPen(text_color))
        if not counts or peak == 0:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, _NO_EVENTS)
            return
        axis = QColor(text_color)
        axis.setAlpha(90)
        painter.setPen(QPen(axis, 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        painter.setPen(QPen(text_color))
        painter.drawText(
            QRectF(0, plot.top() - line / 2, left - 4, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            str(peak),
        )
        painter.drawText(
            QRectF(0, plot.bottom() - line / 2, left - 4, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "0",
        )
        n = len(counts)
        width = plot.width() / n
        gap = 1.0 if width > 3 else 0.0
        painter.setPen(Qt.PenStyle.NoPen)
        for i, count in enumerate(counts):
            if not count:
                continue
            height = count / peak * plot.height()
            bar = QRectF(plot.left() + i * width, plot.bottom() - height, width - gap, height)
            painter.fillRect(bar, BURST_COLOR if self._bursts[i] else bar_color)
        self._paint_bursts(painter, plot, width, text_color)
        painter.setPen(QPen(text_color))
        below = QRectF(plot.left(), plot.bottom() + 2, plot.width(), line)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, _minute_label(self._start_us, 0))
        painter.drawText(below, Qt.AlignmentFlag.AlignRight, self.tr("now"))

    def _paint_bursts(self, painter: QPainter, plot: QRectF, width: float, text: QColor) -> None:
        """A triangle over each burst minute; the word "burst" over the first of a run."""
        size = max(6.0, min(10.0, width))
        previous = False
        for i, hot in enumerate(self._bursts):
            if hot:
                center = plot.left() + (i + 0.5) * width
                painter.setPen(QPen(BURST_COLOR.darker(140), 1))
                painter.setBrush(BURST_COLOR)
                painter.drawPolygon(burst_marker(center, plot.top() - size - 1, size))
                if not previous:
                    painter.setPen(QPen(text))
                    # Centred over the mark, but kept inside the widget (a burst now
                    # is at the right edge).
                    left = min(max(center - 40, 0.0), self.width() - 80.0)
                    label = QRectF(left, 0, 80, plot.top() - size - 1)
                    align = (
                        Qt.AlignmentFlag.AlignRight
                        if left < center - 40
                        else Qt.AlignmentFlag.AlignHCenter
                    )
                    painter.drawText(label, align | Qt.AlignmentFlag.AlignBottom, self.tr("burst"))
            previous = hot


class ChannelPulses(QWidget):
    """One painted row per channel: its name, its sparkline, its hour's count, and "▲
    burst" when it is bursting now. The busiest channels of the hour come first."""

    ROW_HEIGHT = 24
    SPARK_WIDTH = 120

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Source, tuple[int, ...]]] = []
        self.setAccessibleName(self.tr("Events per minute by channel"))
        self.setAccessibleDescription(QCoreApplication.translate("PulseChart", _NO_EVENTS))

    @property
    def rows(self) -> list[tuple[Source, tuple[int, ...]]]:
        return list(self._rows)

    def set_pulse(self, pulse: Pulse) -> None:
        rows = [(s, tuple(c)) for s, c in pulse.counts.items() if sum(c)]
        rows.sort(key=lambda row: (-sum(row[1]), row[0]))
        self._rows = rows[:MAX_CHANNELS]
        self.setAccessibleDescription(
            ". ".join(self._describe(s, c) for s, c in self._rows)
            or QCoreApplication.translate("PulseChart", _NO_EVENTS)
        )
        self.updateGeometry()
        self.update()

    def _describe(self, source: Source, counts: tuple[int, ...]) -> str:
        text = self.tr("{channel} ({account}): %Ln event(s)", "", sum(counts)).format(
            channel=source[1], account=source[0]
        )
        return text + self.tr(", burst now") if bursting(counts) else text

    def sizeHint(self) -> QSize:
        return QSize(480, max(1, len(self._rows)) * self.ROW_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        color = palette.color(QPalette.ColorRole.Highlight)
        painter.setPen(QPen(text))
        if not self._rows:
            painter.drawText(
                QRectF(self.rect()),
                Qt.AlignmentFlag.AlignCenter,
                QCoreApplication.translate("PulseChart", _NO_EVENTS),
            )
            return
        metrics = QFontMetricsF(self.font())
        width = self.width()
        name_width = max(80.0, width - self.SPARK_WIDTH - 150)
        middle = Qt.AlignmentFlag.AlignVCenter
        for row, (source, counts) in enumerate(self._rows):
            top = row * self.ROW_HEIGHT
            name = metrics.elidedText(
                f"{source[1]}  ·  {source[0]}", Qt.TextElideMode.ElideMiddle, name_width - 8
            )
            painter.setPen(QPen(text))
            painter.drawText(QRectF(0, top, name_width, self.ROW_HEIGHT), middle, name)
            spark = QRectF(name_width, top + 3, self.SPARK_WIDTH, self.ROW_HEIGHT - 6)
            paint_sparkline(painter, spark, counts, burst_minutes(counts), color)
            right = QRectF(name_width + self.SPARK_WIDTH + 8, top, 142, self.ROW_HEIGHT)
            painter.setPen(QPen(text))
            painter.drawText(
                right, middle, self.tr("{count}/h").format(count=QLocale().toString(sum(counts)))
            )
            if bursting(counts):
                size = 8.0
                x = right.left() + 56
                painter.setPen(QPen(BURST_COLOR.darker(140), 1))
                painter.setBrush(BURST_COLOR)
                painter.drawPolygon(burst_marker(x, top + (self.ROW_HEIGHT - size) / 2, size))
                painter.setPen(QPen(text))
                painter.drawText(right.adjusted(56 + size, 0, 0, 0), middle, self.tr("burst"))


class PulseWindow(QWidget):
    """The dashboard window. It watches the service's pulse while shown."""

    def __init__(self, service: FeedService, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._service = service
        self.setWindowTitle(self.tr("Activity — Beacon"))
        self.setAccessibleName(self.tr("Activity"))
        self.heading = QLabel(self.tr("Events per minute, last hour, all channels"))
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = PulseChart()
        self.now_label = QLabel()
        self.now_label.setTextFormat(Qt.TextFormat.PlainText)
        self.now_label.setWordWrap(True)
        self.channels = ChannelPulses()
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.now_label)
        layout.addWidget(self.channels)
        service.pulseChanged.connect(self.set_pulse)
        if service.pulse is not None:
            self.set_pulse(service.pulse)
        else:
            self.now_label.setText(self.tr("Counting…"))
        self.resize(520, 420)

    def set_pulse(self, pulse: Pulse) -> None:
        self.chart.set_series(pulse.total(), pulse.start_us)
        self.channels.set_pulse(pulse)
        hot = pulse.bursting_sources()
        if hot:
            names = ", ".join(f"{channel} ({account})" for account, channel in hot)
            self.now_label.setText(self.tr("▲ Burst now: {names}").format(names=names))
        else:
            self.now_label.setText(self.tr("No burst now."))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._watch()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._watch()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            self._watch()

    def _watch(self) -> None:
        # Minimized counts as hidden: no minute timer for a chart nobody sees.
        if self.isVisible() and not self.isMinimized():
            self._service.watch_pulse(self)
        else:
            self._service.unwatch_pulse(self)
