"""Blocking calls that must never hold up the exit: each in a daemon thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["in_daemon_thread"]

T = TypeVar("T")


async def in_daemon_thread(call: Callable[[], T], *, name: str) -> T:
    """``call()`` in a thread of its own that cannot hold up the exit.

    A keyring can block for as long as its unlock prompt is open, and a resolver that does
    not answer blocks ``getaddrinfo`` for many seconds. In the loop's default executor
    such a call would keep ``asyncio.run()`` from returning (it joins the executor's
    threads), so a SIGTERM would wait for it; a daemon thread is simply left behind.
    Cancelling the await abandons the result.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return  # cancelled meanwhile
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # None only with an error

    def work() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = call()
        except Exception as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name=name, daemon=True).start()
    return await future
