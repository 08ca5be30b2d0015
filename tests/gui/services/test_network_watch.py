"""NetworkWatch: only a change to Online wakes the engine.

Reachability reports come from a stand-in signal source that the test drives (the real
one follows the machine's network, which a test cannot change); the watch and the app's
wiring are the real ones.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QNetworkInformation

from beacon.demo import DemoServer
from beacon.services.network import NetworkWatch
from support.feedapp import wait_until

R = QNetworkInformation.Reachability


class ReachabilitySource(QObject):
    """Stands in for ``QNetworkInformation``: the test decides what it reports."""

    reachabilityChanged = Signal(object)


def watched(current: Any) -> tuple[NetworkWatch, ReachabilitySource, list[None]]:
    watch = NetworkWatch()
    source = ReachabilitySource()
    woken: list[None] = []
    watch.online.connect(lambda: woken.append(None))
    watch.follow(source.reachabilityChanged, current)
    return watch, source, woken


def test_only_a_change_to_online_emits(qtbot: Any) -> None:
    watch, source, woken = watched(R.Online)
    source.reachabilityChanged.emit(R.Online)  # a repeat: nothing changed
    assert woken == []
    source.reachabilityChanged.emit(R.Disconnected)
    source.reachabilityChanged.emit(R.Local)  # still no way out: nothing to retry
    assert woken == []
    source.reachabilityChanged.emit(R.Online)
    assert len(woken) == 1
    source.reachabilityChanged.emit(R.Online)
    assert len(woken) == 1
    source.reachabilityChanged.emit(R.Site)
    source.reachabilityChanged.emit(R.Online)
    assert len(woken) == 2
    assert watch.reachability == R.Online


def test_online_from_unknown_emits(qtbot: Any) -> None:
    _, source, woken = watched(None)
    source.reachabilityChanged.emit(R.Online)
    assert len(woken) == 1
    _, source, woken = watched(R.Unknown)
    source.reachabilityChanged.emit(R.Online)
    assert len(woken) == 1


def test_start_follows_the_default_backend_when_there_is_one(qtbot: Any) -> None:
    watch = NetworkWatch()
    loaded = watch.start()
    info = QNetworkInformation.instance()
    assert loaded == (info is not None and info.supports(QNetworkInformation.Feature.Reachability))
    if info is not None and loaded:
        assert watch.reachability == info.reachability()
    else:
        assert watch.reachability is None


async def test_the_app_pings_its_connections_when_back_online(
    feed_app: Any, demo_server: DemoServer
) -> None:
    # A connected account answers a wake with a ping (its socket may have died with the
    # old network): the ping reaching the server shows the whole path was taken.
    source = ReachabilitySource()
    feed_app.network.follow(source.reachabilityChanged, R.Disconnected)
    demo_server.received.clear()  # what the server got from now on

    def pinged() -> bool:
        return any(m.get("event") == "pusher:ping" for _, m in demo_server.received)

    assert not pinged()
    source.reachabilityChanged.emit(R.Online)
    await wait_until(pinged)
