"""QObjects that own the async work: the only place where asyncio meets Qt.

The UI sees plain values from here (items, :class:`~beacon.services.status.ConnectionInfo`)
and Qt signals; it never imports ``beacon.connect`` or ``beacon.pusher``.

Importing this package applies :mod:`beacon.services.qtfix` (a PySide6 workaround that
must be in place before Qt runs for long).
"""

from beacon.services import qtfix as _qtfix  # noqa: F401  (applied at import)
