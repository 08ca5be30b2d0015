"""artifacts/tray.png and tray-panel.png: the tray icon with its badge, as the real
xfce4-panel draws it (a screenshot of the whole screen with ``import -window root``)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from PySide6.QtGui import QColor, QImage

from beacon.app import BeaconApp
from beacon.demo import DemoServer
from support.feedapp import start_feed_app, stop_feed_app, ticket, wait_until

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
#: The panel's strip at the top of the screen (tests/support/desktop.py: size 28).
PANEL_HEIGHT = 28


def _screenshot(path: Path) -> QImage:
    subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=30)
    image = QImage(str(path))
    assert not image.isNull()
    return image


def _badge_pixels(image: QImage) -> int:
    """Pixels of the badge's red in the panel's strip."""
    count = 0
    for y in range(PANEL_HEIGHT):
        for x in range(image.width()):
            colour = QColor(image.pixel(x, y))
            if colour.red() > 200 and colour.green() < 90 and colour.blue() < 90:
                count += 1
    return count


async def _shot_until(path: Path, predicate: object, timeout: float = 15) -> QImage:
    """Screenshots until ``predicate(image)``: the panel fetches the icon over D-Bus in
    its own time, and there is no signal for "the panel repainted"."""
    assert callable(predicate)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        image = await loop.run_in_executor(None, _screenshot, path)
        if predicate(image):
            return image
        assert loop.time() < deadline, f"the panel never showed it; see {path}"
        await asyncio.sleep(0.2)


async def test_screenshot_of_the_tray_with_its_badge(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    app: BeaconApp = await start_feed_app(demo_server, tmp_path)
    tray = app.tray
    assert tray is not None
    # Below the panel, so that both show (there is no window manager to place it).
    app.window.resize(900, 560)
    app.window.move(120, 90)
    app.window.show()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        shot = ARTIFACTS / "tray.png"
        no_badge = await _shot_until(shot, lambda image: _badge_pixels(image) == 0)
        for n in range(7):
            demo_server.publish("tickets", "ticket.created", ticket(subject=f"Printer {n} on fire"))
        await wait_until(lambda: tray.unread == 7)
        image = await _shot_until(shot, lambda image: _badge_pixels(image) > 10)
        assert image != no_badge
        panel = image.copy(0, 0, 160, PANEL_HEIGHT)
        assert panel.scaled(panel.width() * 4, panel.height() * 4).save(
            str(ARTIFACTS / "tray-panel.png")
        )
    finally:
        await stop_feed_app(app)
