"""A workaround for a reference-counting bug of PySide6 6.12.0 on CPython < 3.12.

Measured here (PySide6 6.12.0, CPython 3.11): every call that returns ``None``, ``True`` or
``False`` from C++ to Python, including every ``void`` method (``label.setText(...)``,
``timer.start()``), a connected ``signal.emit(...)`` and an invalid ``QVariant``
(``index.data(role)`` with no value), takes one reference *away* from that singleton.
The wheels look built for CPython 3.12+, where those objects are immortal and
``Py_RETURN_NONE`` no longer adds a reference. On 3.11 a running app drives ``None`` to
zero within minutes (qasync alone calls ``killTimer`` twice per ``asyncio.sleep``) and
CPython aborts: "none_dealloc: deallocating None" or "bool_dealloc".

The remedy is to do what CPython 3.12 does: give these singletons a reference count so
large that it can never reach zero. This runs once, at import, only when the bug is
measured, and only on CPython before 3.12. Every process that uses Qt imports this module
first (``beacon.services``, ``beacon.ui`` and ``beacon.app`` do so).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import sys

from PySide6.QtCore import QCoreApplication, QObject

log = logging.getLogger("beacon.services")

_SINGLETONS = (None, True, False, NotImplemented, Ellipsis)
# Far beyond any count of leaked references, far below overflow of Py_ssize_t.
_IMMORTAL_BOOST = 1 << 40


def _void_call_loses_a_reference() -> bool:
    probe = QObject()
    rounds = 64
    before = sys.getrefcount(None)
    for _ in range(rounds):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= rounds - 4


def _immortalize() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if not _void_call_loses_a_reference():
        return False
    for obj in _SINGLETONS:
        # ob_refcnt is the first field of every PyObject in release builds of CPython.
        ctypes.c_ssize_t.from_address(id(obj)).value += _IMMORTAL_BOOST
    log.debug("PySide6 loses references to None/True/False; made them immortal")
    return True


#: Whether the workaround was needed (and applied) in this process.
APPLIED = _immortalize()


def new_event_loop(app: QCoreApplication) -> asyncio.AbstractEventLoop:
    """The qasync event loop that runs Qt and asyncio on one thread."""
    import qasync

    loop: asyncio.AbstractEventLoop = qasync.QEventLoop(app)
    return loop
