"""QObjects that own the async work: the only place where asyncio meets Qt.

The UI sees plain values from here (items, :class:`~beacon.services.status.ConnectionInfo`)
and Qt signals; it never imports ``beacon.connect`` or ``beacon.pusher``.
"""
