"""``beacon listen --catch-up``: caught-up events on stdout, and where the last run stopped.

Listen keeps no history, so two things that the app gets from its history are kept here:

- **Where to resume.** ``$XDG_STATE_HOME/beacon/listen-catchup.json`` holds, per account,
  when the last ``--catch-up`` run stopped, and the identities of the events it printed in
  the minutes before. The next run asks from that time less ``MARGIN`` (clocks differ), or
  from an hour back on the first run, or from ``--since``.
- **Nothing twice.** Within a run, an event printed once (live or caught up) is not
  printed again; across runs, the saved identities cover the margin. An identity is the
  history's own (``feed.mapper.event_id``), or for data without an ``id`` its channel,
  event and canonical data.

Without ``--catch-up`` none of this runs, and listen's output is unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from beacon.config.model import AccountSettings
from beacon.connect.catchup import MARGIN, CatchUp, iso_time
from beacon.connect.events import AccountStatus, ReceivedEvent
from beacon.connect.secrets import SecretSource
from beacon.feed.mapper import event_id
from beacon.pusher import ProtocolEvent
from beacon.pusher.states import ConnectionState

__all__ = ["FIRST_RUN", "STATE_FILE", "ListenCatchUp", "catchup_line"]

log = logging.getLogger("beacon.cli")

STATE_FILE = "listen-catchup.json"
#: With no earlier run and no --since: how far back to ask.
FIRST_RUN = timedelta(hours=1)
# Identities remembered per account within a run; far more than any margin holds.
_MAX_SEEN = 50_000
# Identities saved for the next run: those printed this long before the run stopped.
_SAVED_SPAN = 2 * MARGIN

_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def catchup_line(line: bytes) -> bytes:
    """A listen line (``...}\\n``) with ``"catchup":true`` added as its last field."""
    return line[:-2] + b',"catchup":true}\n'


def identity(event: ReceivedEvent) -> str:
    """What makes two deliveries the same event, as a short text."""
    ident = event_id(event.data)
    if ident is None:
        ident = "~" + _canonical(event.data)
    key = f"{event.channel}\0{event.event}\0{ident}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(key, digest_size=12).hexdigest()


class ListenCatchUp:
    """Catch-up for ``beacon listen``: drives ``connect.catchup.CatchUp``, dedupes, and
    keeps the resume state. ``print_line(bytes)`` writes one stdout line, and says
    whether it did (False once listen is done, e.g. after ``--count`` lines)."""

    def __init__(
        self,
        accounts: Sequence[AccountSettings],
        secrets: SecretSource,
        print_line: Callable[[bytes], bool],
        json_line: Callable[[ReceivedEvent], bytes],
        say: Callable[[str], None],
        state_path: Path,
        *,
        since: datetime | None = None,
        channel_overrides: Sequence[str] = (),
    ) -> None:
        self._print = print_line
        self._json_line = json_line
        self._say = say
        self._path = state_path
        self._since = since
        self._state = self._load()
        self._seen: dict[str, OrderedDict[str, datetime]] = {}
        # When each account last lost its connection in this run: later catch-ups ask
        # from there, since everything before it was printed live.
        self._went_down: dict[str, datetime] = {}
        self._connected: set[str] = set()
        self._asked: set[str] = set()
        # Where the next run must resume for an account whose missed events were not all
        # printed (its catch-up was asked but not answered yet, or --count ended listen in
        # the middle of it); accounts not here resume from where this run stops.
        self._resume: dict[str, datetime] = {}
        self.catchup = CatchUp(
            accounts,
            secrets,
            self.deliver,
            self.since,
            on_problem=self._on_problem,
            channel_overrides=channel_overrides,
        )
        for name in self.catchup.accounts:
            saved = self._state.get(name, {}).get("seen", {})
            remembered: OrderedDict[str, datetime] = OrderedDict()
            for key, when in saved.items() if isinstance(saved, dict) else ():
                moment = _parse(when)
                if moment is not None:
                    remembered[key] = moment
            self._seen[name] = remembered

    @property
    def accounts(self) -> list[str]:
        return self.catchup.accounts

    # -- engine callbacks, forwarded by listen ----------------------------------------------

    def on_status(self, status: AccountStatus) -> None:
        up = status.state is ConnectionState.CONNECTED
        if not up and status.account in self._connected:
            self._went_down[status.account] = datetime.now(UTC)
        if up:
            self._connected.add(status.account)
        else:
            self._connected.discard(status.account)
        self.catchup.on_status(status)

    def on_protocol(self, account: str, event: ProtocolEvent) -> None:
        self.catchup.on_protocol(account, event)

    def live(self, event: ReceivedEvent) -> bool:
        """Whether a live event is new (to be printed); remembers it either way."""
        seen = self._seen.get(event.account)
        if seen is None:
            return True
        return self._remember(seen, event)

    # -- catch-up --------------------------------------------------------------------------

    async def since(self, account: str) -> datetime:
        first = account not in self._asked
        self._asked.add(account)
        stopped = _parse(self._state.get(account, {}).get("stopped_at"))
        if not first and account in self._went_down:
            start, margin = self._went_down[account], MARGIN
        elif self._since is not None:
            start, margin = self._since, timedelta(0)
        elif stopped is not None:
            start, margin = stopped, MARGIN
        else:
            start, margin = datetime.now(UTC) - FIRST_RUN, timedelta(0)
        # Until the answer is printed, the next run must ask from here again.
        self._resume[account] = min(start, self._resume.get(account, start))
        return start - margin

    def deliver(self, account: str, events: list[ReceivedEvent]) -> None:
        seen = self._seen.setdefault(account, OrderedDict())
        printed = 0
        unprinted: datetime | None = None
        for event in events:
            if identity(event) in seen:
                continue
            if not self._print(catchup_line(self._json_line(event))):
                # listen is done (--count): this event and the rest are for the next
                # run, so they are neither remembered as printed nor resumed past.
                unprinted = event.received_at
                break
            self._remember(seen, event)
            printed += 1
        if unprinted is None:
            self._resume.pop(account, None)
        else:
            self._resume[account] = unprinted
        self._say(f"[{account}] caught up: {printed} missed events")

    def _remember(self, seen: OrderedDict[str, datetime], event: ReceivedEvent) -> bool:
        key = identity(event)
        if key in seen:
            return False
        seen[key] = event.received_at
        if len(seen) > _MAX_SEEN:
            seen.popitem(last=False)
        return True

    def _on_problem(self, account: str, problem: str | None) -> None:
        self._say(f"[{account}] {problem}" if problem else f"[{account}] catch-up works again")

    # -- the state file ----------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        try:
            state = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("%s is unusable (%s); catching up as on a first run", self._path, exc)
            return {}
        if not isinstance(state, dict):
            log.warning(
                "%s is unusable (not a JSON object); catching up as on a first run", self._path
            )
            return {}
        # Only well-formed entries; a damaged one is a first run for its account, said so
        # (silently, a run would ask from an hour back and nobody would know why).
        usable: dict[str, Any] = {}
        for name, entry in state.items():
            damage = _entry_damage(entry)
            if damage is None:
                usable[name] = entry
            else:
                log.warning(
                    'the entry for account "%s" in %s is unusable (%s); catching up as on a '
                    "first run for it",
                    name,
                    self._path,
                    damage,
                )
        return usable

    def save(self) -> None:
        """Record where this run stops, for the next ``--catch-up`` run."""
        now = datetime.now(UTC)
        for name in self.accounts:
            stop = min(now, self._resume.get(name, now))
            recent = {
                key: iso_time(when)
                for key, when in self._seen.get(name, {}).items()
                if when >= stop - _SAVED_SPAN
            }
            self._state[name] = {"stopped_at": iso_time(stop), "seen": recent}
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self._state), encoding="utf-8")
            os.replace(temporary, self._path)
        except OSError as exc:
            self._say(f"cannot save where catch-up stopped ({self._path}): {exc}")

    async def close(self) -> None:
        await self.catchup.close()
        self.save()


def _entry_damage(entry: Any) -> str | None:
    """What is wrong with one account's saved entry, or None if it can be resumed from.
    ``save`` always writes both fields, so a missing one is damage too."""
    if not isinstance(entry, dict):
        return "not a JSON object"
    if _parse(entry.get("stopped_at")) is None:
        return '"stopped_at" is not a date and time'
    if not isinstance(entry.get("seen"), dict):
        return '"seen" is not a JSON object'
    return None


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    with contextlib.suppress(ValueError):
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return None
