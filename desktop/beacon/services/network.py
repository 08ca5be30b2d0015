"""Network changes: when the machine is back online, waiting connections retry at once.

DESIGN.md ("Protocol"): wake from sleep and network changes retry at once. Resume from
sleep is noticed by the engine itself (``beacon.connect.resume``); network reachability
comes from Qt's ``QNetworkInformation``, so it lives here and is wired to
``EngineService.wake`` by the composition root.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtNetwork import QNetworkInformation

__all__ = ["NetworkWatch"]

log = logging.getLogger("beacon.services")

Reachability = QNetworkInformation.Reachability


class NetworkWatch(QObject):
    """Emits :attr:`online` when reachability becomes Online from anything else.

    Repeats of Online, and changes between the other levels, emit nothing: only a way
    back to the internet is a reason to retry.
    """

    online = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._last: Reachability | None = None

    @property
    def reachability(self) -> Reachability | None:
        """The last reachability seen; None until known."""
        return self._last

    def start(self) -> bool:
        """Follow Qt's default network-information backend; False when there is none.

        Without one (a platform or a headless session without a backend), network
        changes go unnoticed: connections still retry on their own backoff.
        """
        if not QNetworkInformation.loadDefaultBackend():
            log.debug("no network information backend; network changes go unnoticed")
            return False
        info = QNetworkInformation.instance()
        if info is None or not info.supports(QNetworkInformation.Feature.Reachability):
            log.debug("the network information backend does not report reachability")
            return False
        log.debug("following network reachability through %s", info.backendName())
        self.follow(info.reachabilityChanged, info.reachability())
        return True

    def follow(
        self,
        reachability_changed: SignalInstance,
        current: Reachability | None = None,
    ) -> None:
        """Follow a ``reachabilityChanged(Reachability)`` signal, starting from ``current``."""
        self._last = current
        reachability_changed.connect(self.on_reachability)

    def on_reachability(self, reachability: Reachability) -> None:
        """One report of the current reachability."""
        previous, self._last = self._last, reachability
        if reachability == Reachability.Online and previous != Reachability.Online:
            log.info("the network is back online; reconnecting")
            self.online.emit()
