"""``[[signal]]``: run a command or POST a webhook for each matching event.

DESIGN.md "Actions and signals". No Qt here: the app (``app.py``) and ``beacon listen
--signals`` both feed events to one :class:`SignalRunner` on their event loop.

- ``run`` is an argv. Each element is a template rendered on its own over the event's data
  and passed as exactly one argument to ``exec``: there is no shell, so ``; rm -rf /``,
  ``$(...)``, backticks or newlines in the data are only characters of that argument, and
  no value can add or remove arguments. The program itself is literal (the config refuses
  a placeholder there).
- Each command runs in its own process group, with stdin closed; at its timeout the whole
  group is killed, so a script's children do not outlive it. Its exit status and the
  start of its output are logged (``beacon.signals``).
- ``post`` sends the event as JSON (``account``, ``channel``, ``event``, ``data``), as an
  action's post does, to the URL template whose scheme and host are the config's own;
  the answer is read up to a small cap, never whole.
- Each signal runs at most ``max_per_minute`` times in any 60 s; further matches are
  skipped (logged once per minute), never queued, so a burst cannot start a thousand
  processes.

Whether signals run at all is the caller's business (``signal_consent``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shlex
import signal as posix_signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from beacon.config.model import AccountSettings, SignalSpec
from beacon.connect.tls import ssl_context
from beacon.feed.template import render
from beacon.services import signal_consent
from beacon.services.actions import post_url

__all__ = ["ItemSignals", "SignalOutcome", "SignalRunner", "event_data", "signal_matches"]

log = logging.getLogger("beacon.signals")

#: Output of a command kept for the log; the rest is read and dropped.
MAX_OUTPUT = 4096
#: Bytes of a webhook's answer read at most.
MAX_RESPONSE = 64 * 1024
# Longest reason kept in an item's result.
_MAX_REASON = 80


@dataclass(frozen=True, slots=True)
class SignalOutcome:
    """What one run of one signal came to; ``text`` is for the item and the log."""

    index: int  # the signal's position in the config, from 0
    ok: bool
    text: str  # "signal 1 done", "signal 1 failed: exit status 3"


def signal_matches(spec: SignalSpec, account: str, channel: str, event: str) -> bool:
    """Account exact when set; channel and event as case-sensitive globs (as rules)."""
    if spec.account is not None and spec.account != account:
        return False
    return fnmatchcase(channel, spec.channel) and fnmatchcase(event, spec.event)


class SignalRunner:
    """Runs the configured signals for events; :meth:`submit` never waits."""

    def __init__(
        self,
        signals: Sequence[SignalSpec],
        accounts: Sequence[AccountSettings] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._signals = tuple(signals)
        self._accounts = tuple(accounts)
        self._clock = clock
        self._starts: dict[int, deque[float]] = {}
        self._skipping: dict[int, float] = {}  # signal -> when its skip was last logged
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    @property
    def signals(self) -> tuple[SignalSpec, ...]:
        return self._signals

    def matching(self, account: str, channel: str, event: str) -> list[int]:
        return [
            i for i, s in enumerate(self._signals) if signal_matches(s, account, channel, event)
        ]

    def submit(
        self,
        account: str,
        channel: str,
        event: str,
        data: Any,
        done: Callable[[list[SignalOutcome]], None] | None = None,
    ) -> int:
        """Start every matching signal that its rate limit allows; returns how many
        started. ``done`` gets their outcomes when all of them have finished."""
        started = [i for i in self.matching(account, channel, event) if self._allowed(i)]
        if not started:
            return 0
        task = asyncio.get_running_loop().create_task(
            self._run_all(started, account, channel, event, data, done)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return len(started)

    async def drain(self) -> None:
        """Wait until every started signal has finished (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Stop: running commands' process groups are killed, open POSTs abandoned."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- the rate limit -----------------------------------------------------------------

    def _allowed(self, index: int) -> bool:
        now = self._clock()
        starts = self._starts.setdefault(index, deque())
        while starts and starts[0] <= now - 60.0:
            starts.popleft()
        if len(starts) < self._signals[index].max_per_minute:
            starts.append(now)
            return True
        last = self._skipping.get(index)
        if last is None or last <= now - 60.0:
            # Once a minute, not once per skipped event: a burst would flood the log.
            self._skipping[index] = now
            log.warning(
                "signal %d ran %d times in the last minute (max_per_minute); skipping "
                "matches until it may run again",
                index + 1,
                self._signals[index].max_per_minute,
            )
        return False

    # -- running ------------------------------------------------------------------------

    async def _run_all(
        self,
        indexes: list[int],
        account: str,
        channel: str,
        event: str,
        data: Any,
        done: Callable[[list[SignalOutcome]], None] | None,
    ) -> None:
        outcomes = await asyncio.gather(
            *(self._run_one(i, account, channel, event, data) for i in indexes)
        )
        if done is not None:
            done(list(outcomes))

    async def _run_one(
        self, index: int, account: str, channel: str, event: str, data: Any
    ) -> SignalOutcome:
        spec = self._signals[index]
        try:
            if spec.run is not None:
                return await self._exec(index, spec, data)
            return await self._post(index, spec, account, channel, event, data)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must not end the loop's other work
            log.exception("signal %d failed unexpectedly", index + 1)
            return self._outcome(index, False, type(exc).__name__)

    async def _exec(self, index: int, spec: SignalSpec, data: Any) -> SignalOutcome:
        assert spec.run is not None
        # One template, one argument: rendering never splits, and nothing parses the
        # result again.
        argv = [render(template, data) for template in spec.run]
        shown = shlex.join(argv)
        if any("\0" in arg for arg in argv):
            return self._outcome(index, False, "the event's data put a NUL byte in an argument")
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
            )
        except OSError as exc:
            return self._outcome(index, False, f"cannot start {argv[0]}: {exc.strerror or exc}")
        output = bytearray()
        try:
            async with asyncio.timeout(spec.timeout):
                await asyncio.gather(_read_capped(process, output), process.wait())
        except TimeoutError:
            _kill_group(process)
            await process.wait()
            log.warning(
                "signal %d: %s killed after %g s; output: %s",
                index + 1,
                shown,
                spec.timeout,
                _text(output),
            )
            return self._outcome(index, False, f"killed after {spec.timeout:g} s", logged=True)
        except asyncio.CancelledError:
            _kill_group(process)
            with contextlib.suppress(ProcessLookupError):
                await asyncio.shield(process.wait())
            raise
        status = process.returncode
        if status == 0:
            log.info("signal %d: %s exited 0; output: %s", index + 1, shown, _text(output))
            return self._outcome(index, True, logged=True)
        how = f"killed by signal {-status}" if status is not None and status < 0 else None
        how = how or f"exit status {status}"
        log.warning("signal %d: %s %s; output: %s", index + 1, shown, how, _text(output))
        return self._outcome(index, False, how, logged=True)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Every account's CA file, as the engine's auth client and actions trust them.
            context = ssl_context()
            for account in self._accounts:
                if account.ca_file is not None:
                    context.load_verify_locations(cafile=str(account.ca_file))
            self._client = httpx.AsyncClient(verify=context, follow_redirects=False)
        return self._client

    async def _post(
        self, index: int, spec: SignalSpec, account: str, channel: str, event: str, data: Any
    ) -> SignalOutcome:
        assert spec.post is not None
        url = post_url(spec.post, data)
        if url is None:
            return self._outcome(index, False, "the event's data would change the URL's host")
        body = {"account": account, "channel": channel, "event": event, "data": data}
        answer = bytearray()
        try:
            async with (
                asyncio.timeout(spec.timeout),
                self._http().stream("POST", url, json=body, timeout=spec.timeout) as response,
            ):
                async for chunk in response.aiter_bytes():
                    answer += chunk[: MAX_RESPONSE - len(answer)]
                    if len(answer) >= MAX_RESPONSE:
                        break  # enough to say what went wrong; the rest is not read
                status = response.status_code
        except TimeoutError:
            return self._outcome(index, False, f"no answer within {spec.timeout:g} s")
        except httpx.HTTPError as exc:
            return self._outcome(index, False, f"unreachable: {exc or type(exc).__name__}")
        if 200 <= status < 300:
            log.info("signal %d: POST %s answered %d", index + 1, url, status)
            return self._outcome(index, True, logged=True)
        reason = " ".join(answer.decode("utf-8", "replace").split())[:_MAX_REASON]
        return self._outcome(index, False, f"{status} {reason}".strip())

    def _outcome(
        self, index: int, ok: bool, reason: str = "", *, logged: bool = False
    ) -> SignalOutcome:
        text = f"signal {index + 1} done" if ok else f"signal {index + 1} failed: {reason}"
        if not logged:
            (log.info if ok else log.warning)("%s", text)
        return SignalOutcome(index, ok, text)


async def _read_capped(process: asyncio.subprocess.Process, into: bytearray) -> None:
    """Read the command's output to its end, keeping the first ``MAX_OUTPUT`` bytes: a
    chatty command neither blocks on a full pipe nor fills memory."""
    assert process.stdout is not None
    while chunk := await process.stdout.read(65536):
        into += chunk[: max(0, MAX_OUTPUT - len(into))]


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, posix_signal.SIGKILL)


def _text(output: bytearray) -> str:
    if not output:
        return "(none)"
    text = output.decode("utf-8", "replace").strip()
    return json.dumps(text, ensure_ascii=False)  # one line in the log, whatever it holds


def event_data(payload: str) -> Any:
    """A stored item's data as the event had it: JSON text parsed, else the raw string."""
    try:
        return json.loads(payload)
    except ValueError:
        return payload


class ItemSignals:
    """The app's signals: committed feed items in, runs out, each failure onto its item.

    Off until the user has confirmed exactly the config's definitions (``signal_consent``):
    until then an item that would match is logged once and nothing runs. Live items only:
    an event caught up after being offline is old news, and running a deploy hook for it
    an hour late would act on a past state.

    ``record(item_id, text)`` keeps a failure on the item (``History.set_action_result``);
    it is called on a worker thread, never on the event loop's.
    """

    def __init__(
        self,
        signals: Sequence[SignalSpec],
        accounts: Sequence[AccountSettings],
        consent_path: Path,
        record: Callable[[int, str], object],
    ) -> None:
        self._consent_path = consent_path
        self._record = record
        self._pending: set[asyncio.Future[object]] = set()
        self._told = False
        self._runner = SignalRunner(signals, accounts)
        self._confirmed = signal_consent.is_confirmed(signals, consent_path)

    @property
    def runner(self) -> SignalRunner:
        return self._runner

    @property
    def confirmed(self) -> bool:
        return self._confirmed

    def recheck(self) -> bool:
        """Read the consent again (after the settings window confirmed); the new state."""
        self._confirmed = signal_consent.is_confirmed(self._runner.signals, self._consent_path)
        if self._confirmed:
            self._told = False
        return self._confirmed

    def lines(self) -> list[str]:
        """Each signal as the user confirms it: the exact argv or URL."""
        return [signal_consent.describe(s) for s in self._runner.signals]

    def confirm(self, shown: Sequence[SignalSpec]) -> bool:
        """The user confirmed ``shown``, the definitions they saw; whether the current
        ones run now (not when the config changed since it was shown)."""
        signal_consent.confirm(shown, self._consent_path)
        return self.recheck()

    async def apply(
        self, signals: Sequence[SignalSpec], accounts: Sequence[AccountSettings]
    ) -> None:
        """A new config: its signals run only if confirmed as they are now."""
        old, self._runner = self._runner, SignalRunner(signals, accounts)
        self.recheck()
        self._told = False
        await old.close()

    def on_items(self, items: list[Any]) -> None:
        """``FeedService.itemsAdded``: committed ``FeedItem``s, ids set."""
        runner = self._runner
        for item in items:
            if item.catchup or item.id is None:
                continue
            if not runner.matching(item.account, item.channel, item.event):
                continue
            if not self._confirmed:
                if not self._told:
                    self._told = True
                    log.warning(
                        "an event matches a [[signal]], but signals are off until you "
                        "confirm their commands in Settings, Signals; nothing was run"
                    )
                continue
            runner.submit(
                item.account,
                item.channel,
                item.event,
                event_data(item.payload),
                partial(self._done, item.id),
            )

    def _done(self, item_id: int, outcomes: list[SignalOutcome]) -> None:
        failed = [o.text for o in outcomes if not o.ok]
        if not failed:
            return
        future = asyncio.get_running_loop().run_in_executor(
            None, self._record, item_id, "; ".join(failed)
        )
        self._pending.add(future)
        future.add_done_callback(self._recorded)

    def _recorded(self, future: asyncio.Future[object]) -> None:
        self._pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.warning("could not keep a signal's failure on its item: %s", future.exception())

    async def drain(self) -> None:
        """Wait for running signals and the failures being recorded (tests, shutdown)."""
        await self._runner.drain()
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def close(self) -> None:
        await self._runner.close()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
