"""A notification server that is there but never answers (stopped, or wedged).

Here it is the desktop's own dunst, stopped with SIGSTOP: the one that Qt's tray message
goes to as well. Qt waits on the GUI thread for the answer to its tray message's
``Notify`` (up to D-Bus's 25 s, for each popup), so the chain must not fall back to it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from beacon.config.model import NotificationSettings
from beacon.feed.item import FeedItem
from beacon.feed.notify_policy import Popup
from beacon.services.notifications import NotificationService
from beacon.tray.notify import BannerPresenter, JeepneyPresenter, PresenterChain
from support.feedapp import wait_until
from support.feeditems import make_item
from support.stalls import Heartbeat, RecordingBanner

#: Short, so that a popup's Notify counts as unanswered quickly.
CALL_TIMEOUT = 0.5
#: How late the GUI thread's heartbeat may be. Unanswered, Qt's tray message held it for
#: 25 s a popup; the margin over ~0.1 s is for a loaded test machine.
MAX_LATE = 0.25


def committed(n: int, **kw: Any) -> FeedItem:
    return replace(make_item(n, **kw), id=n)


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:6]}"


@dataclass
class StoppableDunst:
    """The desktop's dunst (``frozen.freeze()`` stops it), the tray icon whose messages go
    to it as well, and the chains a test made (closed when it ends)."""

    tray: QSystemTrayIcon
    frozen: Any
    dunst: Any
    app_name: str
    chains: list[PresenterChain]

    async def chain(self, **kwargs: Any) -> PresenterChain:
        """A started chain whose native presenter counts a Notify unanswered after
        ``CALL_TIMEOUT``."""
        app_name = self.app_name
        chain = PresenterChain(
            sound=False,
            tray=self.tray,
            native=lambda: JeepneyPresenter.open(
                app_name=app_name, sound=False, call_timeout=CALL_TIMEOUT
            ),
            **kwargs,
        )
        self.chains.append(chain)
        await chain.start()
        return chain


@pytest.fixture
def desktop_dunst(
    tray: QSystemTrayIcon,
    frozen_dunst: Any,
    dunst: Any,
    app_name: str,
    chains: list[PresenterChain],
) -> StoppableDunst:
    return StoppableDunst(tray, frozen_dunst, dunst, app_name, chains)


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(stopped working|skipped)")
async def test_a_server_that_stops_answering_never_blocks_the_gui_thread(
    desktop_dunst: StoppableDunst, caplog: pytest.LogCaptureFixture, qtbot: Any
) -> None:
    banner = RecordingBanner()
    qtbot.addWidget(banner)
    chain = await desktop_dunst.chain(banner=banner)
    assert isinstance(chain.presenter, JeepneyPresenter)
    service = NotificationService(NotificationSettings(), chain)
    titles = [unique(name) for name in ("First", "Second", "Third", "Fourth")]
    desktop_dunst.frozen.freeze()
    heartbeat = Heartbeat()
    # Three in flight when the first one's Notify times out; all three come back.
    service.add_items([committed(n, title=titles[n - 1]) for n in (1, 2, 3)])
    await wait_until(lambda: len(banner.shown) >= 3)
    assert sorted(banner.shown) == sorted(titles[:3])
    assert isinstance(chain.presenter, BannerPresenter)
    service.add_items([committed(4, title=titles[3])])
    assert banner.isVisible() and banner.title.text() == titles[3]
    heartbeat.stop()
    assert heartbeat.worst < MAX_LATE, f"the GUI thread stalled {heartbeat.worst:.3f} s"
    assert any(r.getMessage().startswith("Qt's tray message skipped") for r in caplog.records)

    # Running again, dunst works through what was sent to it meanwhile (dunstctl's own
    # call queues behind it): Beacon's late Notify calls, but no tray message.
    desktop_dunst.frozen.thaw()
    desktop_dunst.dunst.close_all()
    history = desktop_dunst.dunst.history(QApplication.applicationName())
    tray_titles = {e["summary"] for e in history}
    assert tray_titles.isdisjoint(titles)


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(stopped working|skipped)")
async def test_native_notifications_come_back_with_the_server(
    desktop_dunst: StoppableDunst, caplog: pytest.LogCaptureFixture, qtbot: Any
) -> None:
    caplog.set_level(logging.INFO, logger="beacon.tray")
    # Due at once: the test does not wait out the five minutes.
    chain = await desktop_dunst.chain(native_retry_s=0.0)
    assert isinstance(chain.presenter, JeepneyPresenter)
    service = NotificationService(NotificationSettings(), chain)
    lost, meanwhile, back = unique("Lost"), unique("Meanwhile"), unique("Back")
    desktop_dunst.frozen.freeze()
    service.add_items([committed(1, title=lost)])
    await wait_until(lambda: isinstance(chain.presenter, BannerPresenter))
    assert isinstance(chain.presenter, BannerPresenter)
    qtbot.addWidget(chain.presenter.banner)

    desktop_dunst.frozen.thaw()
    # This popup goes to the banner at once; native notifications are tried behind it.
    service.add_items([committed(2, title=meanwhile)])
    assert chain.presenter.banner.title.text() == meanwhile
    await wait_until(lambda: isinstance(chain.presenter, JeepneyPresenter))
    assert any(r.getMessage() == "native notifications work again" for r in caplog.records)
    service.add_items([committed(3, title=back)])
    dunst, app_name = desktop_dunst.dunst, desktop_dunst.app_name
    await wait_until(lambda: any(e["summary"] == back for e in displayed(dunst, app_name)))


def displayed(dunst: Any, app_name: str) -> list[dict[str, Any]]:
    dunst.close_all()  # history lists only closed notifications
    result: list[dict[str, Any]] = dunst.history(app_name)
    return result


@pytest.mark.expect_log_warnings(r"beacon\.tray: .*(unavailable|skipped)")
async def test_a_server_not_answering_at_the_start_leaves_the_tray_message_out(
    desktop_dunst: StoppableDunst, caplog: pytest.LogCaptureFixture, qtbot: Any
) -> None:
    desktop_dunst.frozen.freeze()
    heartbeat = Heartbeat()
    chain = await desktop_dunst.chain()
    presenter = chain.presenter
    assert isinstance(presenter, BannerPresenter)
    qtbot.addWidget(presenter.banner)
    title = unique("Started")
    NotificationService(NotificationSettings(), chain).add_items([committed(1, title=title)])
    assert presenter.banner.title.text() == title
    heartbeat.stop()
    assert heartbeat.worst < MAX_LATE, f"the GUI thread stalled {heartbeat.worst:.3f} s"
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.levelname == "WARNING"] == [
        "native notifications unavailable",
        "Qt's tray message skipped",
    ]


async def test_closing_reports_a_popup_still_in_flight_as_failed(
    frozen_dunst: Any, dunst: Any, app_name: str
) -> None:
    presenter = await JeepneyPresenter.open(app_name=app_name, sound=False)
    failed: list[tuple[str, str]] = []
    presenter.failed.connect(lambda popup, reason: failed.append((popup.title, reason)))
    frozen_dunst.freeze()
    presenter.present(committed_popup(1, "In flight"))
    # Notify is out and its answer awaited (jeepney's own table of awaited replies).
    await wait_until(lambda: bool(presenter._router._replies._futures))
    await presenter.aclose()
    assert [title for title, _reason in failed] == ["In flight"]


def committed_popup(n: int, title: str) -> Popup:
    return Popup.of(committed(n, title=title))
