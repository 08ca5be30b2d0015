"""The tray icon's pictures, drawn with QPainter: one glyph per state, plus a count badge.

Each state has its own *shape*, not only its own colour (a colour-blind user, a
monochrome panel theme, a grayscale screenshot must all tell them apart):

- connected: a dot sending two waves;
- connecting or unavailable: three dots, "waiting";
- failed or needs login: a warning triangle with an exclamation mark cut out;
- do not disturb: a no-entry disc, its bar cut out.

Everything is drawn per device pixel size, never scaled from another size, so that the
badge's digits stay sharp at 16 px and on a 2x screen alike. A proper icon set comes with
``resources/`` later; until then these are the icons.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)

from beacon.services.status import ConnectionInfo, LinkState

__all__ = [
    "ICON_SIZES",
    "TrayState",
    "badge_text",
    "make_icon",
    "render",
    "state_pixmap",
    "tray_state",
]

#: Device-pixel sizes put into the QIcon: the common tray sizes at 1x, 1.25x, 1.5x and 2x.
#: The tray host picks one; each is drawn at its own size.
ICON_SIZES = (16, 20, 22, 24, 28, 32, 40, 44, 48, 56, 64, 96, 128)
#: The glyph's scale while a badge is shown.
GLYPH_WITH_BADGE = 0.8


class TrayState(enum.Enum):
    """What the icon shows, worst first (see :func:`tray_state`)."""

    FAILED = "failed"
    DND = "do not disturb"
    CONNECTING = "connecting"
    CONNECTED = "connected"


_COLOURS = {
    TrayState.CONNECTED: QColor("#2e9d4f"),
    TrayState.CONNECTING: QColor("#c98a00"),
    TrayState.FAILED: QColor("#d64545"),
    TrayState.DND: QColor("#5c6bc0"),
}
_BADGE = QColor("#e53935")
_BADGE_TEXT = QColor("#ffffff")


def tray_state(
    infos: Iterable[ConnectionInfo], *, dnd: bool = False, problem: bool = False
) -> TrayState:
    """The one state the icon shows for all accounts.

    A failure (or a config problem) wins over do-not-disturb, since it needs the user;
    do-not-disturb wins over the rest, since the user chose it and should see it is on.
    Connected means every account is; no account at all is not "connected".
    """
    infos = list(infos)
    if problem or any(i.needs_login or i.state is LinkState.FAILED for i in infos):
        return TrayState.FAILED
    if dnd:
        return TrayState.DND
    # An account waiting for the keyring has not subscribed its channels yet.
    if infos and all(i.state is LinkState.CONNECTED and not i.keyring_waiting for i in infos):
        return TrayState.CONNECTED
    return TrayState.CONNECTING


def badge_text(unread: int, size: int) -> str:
    """The badge's text at ``size`` device pixels; empty for no badge."""
    if unread <= 0:
        return ""
    # Three characters do not fit in a badge on a 16 px icon.
    limit = 9 if size < 20 else 99
    return str(unread) if unread <= limit else f"{limit}+"


def _draw_glyph(painter: QPainter, state: TrayState, s: float) -> None:
    colour = _COLOURS[state]
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    if state is TrayState.CONNECTED:
        centre = QPointF(0.5 * s, 0.66 * s)
        painter.drawEllipse(centre, 0.13 * s, 0.13 * s)
        pen = QPen(colour, max(1.5, 0.09 * s))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for radius in (0.28 * s, 0.45 * s):
            box = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
            painter.drawArc(box, 45 * 16, 90 * 16)  # Qt angles are in 1/16 degree
    elif state is TrayState.CONNECTING:
        for x in (0.16, 0.5, 0.84):
            painter.drawEllipse(QPointF(x * s, 0.55 * s), 0.135 * s, 0.135 * s)
    elif state is TrayState.FAILED:
        triangle = QPainterPath()
        triangle.addPolygon(
            QPolygonF(
                [
                    QPointF(0.5 * s, 0.06 * s),
                    QPointF(0.97 * s, 0.92 * s),
                    QPointF(0.03 * s, 0.92 * s),
                    QPointF(0.5 * s, 0.06 * s),
                ]
            )
        )
        painter.drawPath(triangle)
        # The mark is cut out, so it reads on any panel colour and in the alpha alone.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        bar = 0.11 * s
        painter.drawRoundedRect(
            QRectF(0.5 * s - bar / 2, 0.34 * s, bar, 0.32 * s), bar / 2, bar / 2
        )
        painter.drawEllipse(QPointF(0.5 * s, 0.79 * s), bar * 0.6, bar * 0.6)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    else:  # DND
        painter.drawEllipse(QPointF(0.5 * s, 0.5 * s), 0.46 * s, 0.46 * s)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        height = max(2.0, 0.16 * s)
        painter.drawRoundedRect(
            QRectF(0.22 * s, 0.5 * s - height / 2, 0.56 * s, height), height / 3, height / 3
        )
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)


def _draw_badge(painter: QPainter, text: str, s: float) -> None:
    height = max(9.0, round(0.48 * s))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(7, round(height * 0.82)))
    if len(text) > 2:
        font.setStretch(QFont.Stretch.Condensed)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, -0.04 * height)
    metrics = QFontMetricsF(font)
    width = min(s, max(height, metrics.horizontalAdvance(text) + height * 0.45))
    # Whole pixels: a pill edge on a pixel boundary is what keeps it crisp.
    box = QRectF(round(s - width), 0.0, round(width), height)
    ring = max(1.0, round(0.06 * s))
    # A transparent ring parts the badge from the glyph, whatever the glyph's colour.
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    painter.setBrush(Qt.GlobalColor.black)
    outer = box.adjusted(-ring, -ring, ring, ring)
    painter.drawRoundedRect(outer, outer.height() / 2, outer.height() / 2)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    painter.setBrush(_BADGE)
    painter.drawRoundedRect(box, height / 2, height / 2)
    painter.setFont(font)
    painter.setPen(_BADGE_TEXT)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def render(state: TrayState, unread: int, size: int, dpr: float = 1.0) -> QImage:
    """The icon for ``state`` with ``unread`` on its badge, ``size`` logical pixels wide,
    drawn at ``size * dpr`` device pixels (and tagged with ``dpr``)."""
    pixels = max(1, round(size * dpr))
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    text = badge_text(unread, pixels)
    if text:
        # The glyph moves to the lower left and shrinks, so the badge never hides what
        # state it is in.
        painter.save()
        painter.translate(0, pixels * (1 - GLYPH_WITH_BADGE))
        painter.scale(GLYPH_WITH_BADGE, GLYPH_WITH_BADGE)
        _draw_glyph(painter, state, float(pixels))
        painter.restore()
        _draw_badge(painter, text, float(pixels))
    else:
        _draw_glyph(painter, state, float(pixels))
    painter.end()
    image.setDevicePixelRatio(dpr)
    return image


def make_icon(state: TrayState, unread: int, sizes: Iterable[int] = ICON_SIZES) -> QIcon:
    """A QIcon holding one drawing per size in ``sizes`` (device pixels)."""
    icon = QIcon()
    for size in sizes:
        icon.addPixmap(QPixmap.fromImage(render(state, unread, size)))
    return icon


def state_pixmap(state: TrayState, size: QSize) -> QPixmap:
    """A small picture of ``state`` alone, for menu entries."""
    return QPixmap.fromImage(render(state, 0, size.width()))
