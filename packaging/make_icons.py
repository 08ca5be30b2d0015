"""Render the PNG icons in resources/icons from their sources, and check them.

    python packaging/make_icons.py           write every PNG (run after changing a source)
    python packaging/make_icons.py --check   exit 1 if a committed PNG is missing or stale

The sources are ``resources/icons/beacon.svg`` (the app icon) and the QPainter drawings in
``beacon.tray.glyphs`` (the tray states). The PNGs are committed because the places that
need files cannot run Python: icon themes (the .deb's hicolor directories), the Windows
and macOS icon converters, panels that read a themed status icon by name.

Tray icons come in three inks, under ``tray/<ink>/<N>x<N>/beacon-<state>.png``:

- ``colour``: what the running app draws, one colour per state; reads on any panel;
- ``light``: a dark monochrome for light panels (the macOS menu bar's template images,
  GNOME's symbolic style);
- ``dark``: a light monochrome for dark panels.

The monochrome inks keep the glyph's alpha, so a state is still told by its shape alone.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
APP_SVG = ICONS / "beacon.svg"

#: App icon sizes of the freedesktop hicolor theme (and what .ico/.icns are built from).
APP_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
#: Tray sizes: 16/22/24 are the panel sizes on Linux, 20/32/40 Windows' at 100-200 %,
#: 22/44 macOS's menu bar at 1x/2x, 48/64 large panels and HiDPI.
TRAY_SIZES = (16, 20, 22, 24, 32, 40, 44, 48, 64)
INKS = {"colour": None, "light": "#2e3436", "dark": "#f6f5f4"}
#: Largest per-channel difference accepted by --check, so that a Qt patch release that
#: rounds an antialiased edge differently does not fail it; a changed drawing differs by
#: far more than this.
TOLERANCE = 6

sys.path.insert(0, str(ROOT / "desktop"))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from beacon.tray.glyphs import TrayState, render  # noqa: E402


def state_name(state: TrayState) -> str:
    return state.name.lower()


def _inked(image: QImage, ink: str | None) -> QImage:
    if ink is None:
        return image
    out = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(QColor(ink))
    painter = QPainter(out)
    # Keep the ink where the glyph is, as opaque as the glyph is there.
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
    painter.drawImage(0, 0, image)
    painter.end()
    return out


def app_icon(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(str(APP_SVG))
    if not renderer.isValid():
        raise SystemExit(f"{APP_SVG}: not a valid SVG")
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def expected() -> Iterator[tuple[Path, QImage]]:
    """Every generated PNG: its path under resources/icons, and its pixels."""
    for size in APP_SIZES:
        yield Path("hicolor", f"{size}x{size}", "apps", "beacon.png"), app_icon(size)
    for ink_name, ink in INKS.items():
        for size in TRAY_SIZES:
            for state in TrayState:
                path = Path("tray", ink_name, f"{size}x{size}", f"beacon-{state_name(state)}.png")
                yield path, _inked(render(state, 0, size), ink)


def difference(a: QImage, b: QImage) -> int:
    """The largest per-channel difference between two images (unpremultiplied)."""
    if a.size() != b.size():
        return 255
    a = a.convertToFormat(QImage.Format.Format_ARGB32)
    b = b.convertToFormat(QImage.Format.Format_ARGB32)
    worst = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            if pa != pb:
                worst = max(worst, *(abs(((pa >> s) & 255) - ((pb >> s) & 255))
                                     for s in (0, 8, 16, 24)))
    return worst


def stale(icons: Path = ICONS) -> list[str]:
    """Generated PNGs that are missing under ``icons`` or differ from their source."""
    problems = []
    for path, image in expected():
        committed = QImage(str(icons / path))
        if committed.isNull():
            problems.append(f"{path}: missing")
        elif (worst := difference(committed, image)) > TOLERANCE:
            problems.append(f"{path}: differs from its source by up to {worst}/255")
    return problems


def write(icons: Path = ICONS) -> int:
    count = 0
    for path, image in expected():
        target = icons / path
        target.parent.mkdir(parents=True, exist_ok=True)
        # No text chunks: the same drawing gives the same bytes, so git sees no change.
        image.setText("Software", "")
        if not image.convertToFormat(QImage.Format.Format_ARGB32).save(str(target), "PNG"):
            raise SystemExit(f"{target}: could not write")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the committed PNGs")
    parser.add_argument("--out", type=Path, default=ICONS, help="where to write (resources/icons)")
    args = parser.parse_args(argv)
    # No display needed: everything is drawn into images.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])
    if args.check:
        problems = stale(args.out)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python packaging/make_icons.py", file=sys.stderr)
        return 1 if problems else 0
    print(f"wrote {write(args.out)} PNGs under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
