"""Native notifications through jeepney, seen in a real dunst: text, actions, clicks."""

from __future__ import annotations

import re
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import SignalInstance

from beacon.config.model import NotificationSettings
from beacon.feed.item import FeedItem, Priority
from beacon.feed.notify_policy import Popup
from beacon.services.notifications import NotificationService
from beacon.tray.notify import JeepneyPresenter, PresenterChain, PresenterUnavailable
from support.feedapp import wait_until
from support.feeditems import make_item


def committed(n: int, **kw: Any) -> FeedItem:
    return replace(make_item(n, **kw), id=n)


class Recorder:
    """Every emission of some signals, awaitable."""

    def __init__(self, *signals: SignalInstance) -> None:
        self.calls: list[tuple[SignalInstance, tuple[Any, ...]]] = []
        for sig in signals:
            sig.connect(lambda *args, sig=sig: self.calls.append((sig, args)))

    def of(self, sig: SignalInstance) -> list[tuple[Any, ...]]:
        return [args for s, args in self.calls if s == sig]

    async def wait(self, sig: SignalInstance, count: int = 1) -> list[tuple[Any, ...]]:
        await wait_until(lambda: len(self.of(sig)) >= count)
        return self.of(sig)


@pytest.fixture
async def chain_factory() -> AsyncIterator[Callable[..., Any]]:
    chains: list[PresenterChain] = []

    async def make(**kwargs: Any) -> PresenterChain:
        chain = PresenterChain(**kwargs)
        chains.append(chain)
        await chain.start()
        return chain

    yield make
    for chain in chains:
        await chain.aclose()


async def test_a_popup_reaches_dunst_with_its_title_escaped_body_and_urgency(
    dunst: Any, app_name: str, chain_factory: Callable[..., Any]
) -> None:
    chain = await chain_factory(app_name=app_name, sound=False)
    assert isinstance(chain.presenter, JeepneyPresenter)
    service = NotificationService(NotificationSettings(), chain)
    item = committed(
        41,
        title="Printer <b>on fire</b> & smoking",
        body='Dana: <i>help</i> & <img src="https://example.invalid/x.png"/> now',
        url="https://helpdesk.example.invalid/tickets/41",
        priority=Priority.URGENT,
    )
    service.add_items([item])
    await wait_until(lambda: dunst.displayed() == 1)
    dunst.close_all()
    [shown] = dunst.history(app_name)
    assert shown["summary"] == item.title
    assert shown["body"] == (
        'Dana: &lt;i&gt;help&lt;/i&gt; &amp; &lt;img src="https://example.invalid/x.png"/&gt; now'
    )
    # What dunst drew: the tags as text, and no image placeholder (nothing fetched).
    assert "&lt;i&gt;help&lt;/i&gt;" in shown["message"] and "[image]" not in shown["message"]
    assert shown["default_action_name"] == "default"
    assert shown["icon_path"] == ""
    assert not service.waiting  # nothing pending: no timer


async def test_dunstctl_action_opens_the_item(
    dunst: Any, app_name: str, chain_factory: Callable[..., Any]
) -> None:
    chain = await chain_factory(app_name=app_name, sound=False)
    service = NotificationService(NotificationSettings(), chain)
    calls = Recorder(chain.activated, service.openItemRequested)
    service.add_items([committed(7001)])
    await wait_until(lambda: dunst.displayed() == 1)
    dunst.run("action", "0")
    assert await calls.wait(chain.activated) == [(7001,)]
    assert await calls.wait(service.openItemRequested) == [(7001,)]
    # Closing it sends NotificationClosed, which must not count as another click.
    presenter = chain.presenter
    assert isinstance(presenter, JeepneyPresenter) and presenter.tracked == 1
    dunst.close_all()
    await wait_until(lambda: presenter.tracked == 0)
    assert calls.of(chain.activated) == [(7001,)]


def labels(offered: list[str]) -> list[str]:
    """The action labels in dunst's context menu ("#Open link (Ticket 8) [2,open-link]")."""
    found = [re.fullmatch(r"#(.+) \((.*)\) \[\d+,(.+)\]", line) for line in offered]
    return sorted(m.group(1) for m in found if m is not None)


async def test_buttons_open_the_link_and_mark_read(
    private_dunst: Any, private_bus: str, app_name: str, chain_factory: Callable[..., Any]
) -> None:
    chain = await chain_factory(app_name=app_name, sound=False, bus=private_bus)
    service = NotificationService(NotificationSettings(), chain)
    calls = Recorder(service.openLinkRequested, service.markReadRequested,
                     service.openItemRequested)  # fmt: skip
    url = "https://helpdesk.example.invalid/tickets/8"
    service.add_items([committed(8, url=url)])
    await wait_until(lambda: private_dunst.displayed() == 1)
    assert labels(await private_dunst.choose("Open link")) == ["Mark read", "Open", "Open link"]
    assert await calls.wait(service.openLinkRequested) == [(url,)]
    private_dunst.close_all()

    service.add_items([committed(9)])  # no url: no "Open link"
    await wait_until(lambda: private_dunst.displayed() == 1)
    assert labels(await private_dunst.choose("Mark read")) == ["Mark read", "Open"]
    assert await calls.wait(service.markReadRequested) == [([9],)]
    assert calls.of(service.openItemRequested) == []


async def test_no_notification_server_means_unavailable(private_bus: str) -> None:
    with pytest.raises(PresenterUnavailable, match="ServiceUnknown"):
        await JeepneyPresenter.open(bus=private_bus)


@pytest.fixture
def monitor(private_bus: str, tmp_path: Path) -> Iterator[Path]:
    """dbus-monitor on the private bus, writing every Notify call to a file."""
    out = tmp_path / "monitor.txt"
    with open(out, "wb") as sink:
        process = subprocess.Popen(
            ["dbus-monitor", "--address", private_bus,
             "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
            stdout=sink, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        yield out
    finally:
        process.terminate()
        process.wait(5)


def notify_calls(text: str) -> list[str]:
    return [block for block in text.split("method call ")[1:] if "member=Notify" in block]


async def test_urgency_follows_priority_and_the_sound_hint_follows_the_setting(
    private_dunst: Any,
    private_bus: str,
    monitor: Path,
    app_name: str,
    chain_factory: Callable[..., Any],
) -> None:
    # dbus-monitor shows its own name on the bus first: it is listening from then on.
    await wait_until(lambda: "NameAcquired" in monitor.read_text() or
                     "NameLost" in monitor.read_text())  # fmt: skip
    loud = await chain_factory(app_name=app_name, sound=True, bus=private_bus)
    quiet = await chain_factory(app_name=app_name, sound=False, bus=private_bus)
    loud.present(Popup.of(committed(1, priority=Priority.URGENT)))
    await wait_until(lambda: len(notify_calls(monitor.read_text())) == 1)
    quiet.present(Popup.of(committed(2, priority=Priority.LOW)))
    await wait_until(lambda: len(notify_calls(monitor.read_text())) == 2)
    first, second = (" ".join(call.split()) for call in notify_calls(monitor.read_text()))
    assert 'string "urgency" variant byte 2' in first
    assert 'string "sound-name" variant string "message-new-instant"' in first
    assert 'string "urgency" variant byte 0' in second
    assert "sound-name" not in second
    # Nothing for the server to fetch: no icon, no image hints.
    assert f'string "{app_name}" uint32 0 string "" string "Ticket 1"' in first
    assert "image" not in first
    await wait_until(lambda: private_dunst.displayed() == 2)
