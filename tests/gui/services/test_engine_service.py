"""EngineService: real events from the demo server become committed, batched items."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from beacon.app import NoSecrets
from beacon.cli.app import demo_config
from beacon.config import load_config
from beacon.config.model import Config, Rule
from beacon.connect.events import ReceivedEvent
from beacon.connect.secrets import StaticSecrets
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem
from beacon.services.engine import BATCH_MAX, EMIT_MAX, WORKER_NICE, EngineService
from beacon.services.status import ConnectionInfo, LinkState
from beacon.store.history import FeedFilter, History
from support.feedapp import ticket, wait_until


async def _started(
    server: DemoServer,
    history: History,
    *,
    rules: tuple[Rule, ...] | None = None,
    frame_seconds: float = 0.016,
) -> EngineService:
    config = demo_config(server)
    if rules is not None:
        config = replace(config, rules=rules)
    return EngineService(config, history, NoSecrets(), frame_seconds=frame_seconds)


async def test_items_are_committed_before_they_are_emitted_in_batches(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    history = History(tmp_path / "history.sqlite3")
    service = await _started(demo_server, history)
    batches: list[list[FeedItem]] = []
    unstored: list[int] = []
    states: list[ConnectionInfo] = []

    def on_items(items: list[FeedItem]) -> None:
        # Whatever the window would show must already be on disk.
        for item in items:
            assert item.id is not None
            if history.get(item.id) is None:
                unstored.append(item.id)
        batches.append(items)

    service.itemsAdded.connect(on_items)
    service.statusChanged.connect(states.append)
    await service.start()
    try:
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        await wait_until(lambda: any(s.state is LinkState.CONNECTED for s in states))
        sent = [ticket() for _ in range(300)]
        for data in sent:
            demo_server.publish("tickets", "ticket.created", data)
        await wait_until(lambda: sum(len(b) for b in batches) == 300)
    finally:
        await service.close()
    got = [item for batch in batches for item in batch]
    assert unstored == []
    assert [json.loads(item.payload)["id"] for item in got] == [d["id"] for d in sent]
    assert len(batches) < 30  # coalesced, not one signal per event
    assert history.count() == 300
    assert service.received == 300 and service.committed == 300
    assert {s.account for s in states} == {"demo"}
    history.close()


async def test_a_full_batch_reaches_the_ui_in_slices_in_order(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    history = History(tmp_path / "history.sqlite3")
    # Only full batches are written (the frame outlasts the test): 1000 events, two of them.
    service = await _started(demo_server, history, frame_seconds=60.0)
    slices: list[list[FeedItem]] = []
    turns: list[int] = []  # how many slices had come when the event loop got a turn
    service.itemsAdded.connect(slices.append)
    await service.start()
    try:
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        sent = [ticket() for _ in range(2 * BATCH_MAX)]
        for data in sent:
            demo_server.publish("tickets", "ticket.created", data)

        async def watch() -> None:
            while sum(len(s) for s in slices) < len(sent):
                turns.append(len(slices))
                await asyncio.sleep(0)

        await asyncio.wait_for(watch(), 30)
    finally:
        await service.close()
    got = [item for piece in slices for item in piece]
    assert [json.loads(item.payload)["id"] for item in got] == [d["id"] for d in sent]
    assert [len(piece) for piece in slices] == [EMIT_MAX] * (2 * BATCH_MAX // EMIT_MAX)
    # The loop ran between the slices of one batch, not only between batches.
    assert set(range(1, BATCH_MAX // EMIT_MAX)) <= set(turns)
    history.close()


async def test_muted_events_are_stored_but_hidden_and_not_counted(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    history = History(tmp_path / "history.sqlite3")
    rules = (Rule(channel="tickets", event="ticket.noise", notify="mute"),)
    service = await _started(demo_server, history, rules=rules)
    got: list[FeedItem] = []
    service.itemsAdded.connect(got.extend)
    await service.start()
    try:
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        demo_server.publish("tickets", "ticket.noise", ticket(subject="Noise"))
        demo_server.publish("tickets", "ticket.created", ticket(subject="Signal"))
        await wait_until(lambda: len(got) == 2)
    finally:
        await service.close()
    assert [(i.title, i.notify) for i in got] == [("Noise", "mute"), ("Signal", "popup")]
    assert service.muted == 1
    assert history.count() == 1  # shown: only when the user asks for muted items
    assert history.count(FeedFilter(show_muted=True)) == 2
    assert history.unread_count() == 1
    history.close()


async def test_pending_items_are_flushed_on_close(demo_server: DemoServer, tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    # A coalescing window far longer than the test: only close() can write the batch.
    service = await _started(demo_server, history, frame_seconds=60.0)
    got: list[FeedItem] = []
    service.itemsAdded.connect(got.extend)
    await service.start()
    await demo_server.wait_for_subscribers("tickets", timeout=15)
    demo_server.publish("tickets", "ticket.created", ticket())
    await wait_until(lambda: service.received == 1)
    assert history.count() == 0
    await service.close()
    assert history.count() == 1 and len(got) == 1
    history.close()


class _Secrets:
    """A secret source whose secret can change, as the keyring's does on ``beacon login``."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.reads = 0

    def get_secret(self, account: str) -> StaticSecrets:
        self.reads += 1
        return StaticSecrets({account: self.secret}).get_secret(account)  # type: ignore[return-value]

    def get_encryption_key(self, account: str) -> None:
        return None


@pytest.mark.expect_log_warnings(r"beacon\.(connect|pusher): ")
async def test_a_new_secret_reaches_a_channel_the_server_refused_with_the_old_one(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """A wrong secret in mode sign: the server refuses the signature (not "needs login",
    which only a missing secret or an endpoint's 401/403 gives). The right secret, stored
    afterwards, must be used without a restart."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[[account]]\nname = "desk"\nkey = "{demo_server.key}"\n'
        f'host = "{demo_server.host}"\nport = {demo_server.port}\ntls = false\n'
        'channels = ["tickets", "private-desk"]\n\n[account.auth]\nmode = "sign"\n',
        encoding="utf-8",
    )
    history = History(tmp_path / "history.sqlite3")
    secrets = _Secrets("not-the-secret")
    service = EngineService(load_config(path), history, secrets)
    states: list[ConnectionInfo] = []
    service.statusChanged.connect(states.append)
    await service.start()
    try:
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        await wait_until(lambda: any("private-desk" in s.detail for s in states), timeout=15)
        assert not demo_server.subscribers("private-desk")
        secrets.secret = demo_server.secret  # beacon login, or the settings window
        service.retry_needs_login()  # what the secrets-changed stamp triggers
        await demo_server.wait_for_subscribers("private-desk", timeout=15)
    finally:
        await service.close()
        history.close()


async def test_an_event_queued_while_a_batch_is_emitted_is_not_stranded(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    # The drain hands a batch to the worker before it emits the previous one; an event
    # that comes while it emits the last one must still be taken by it, with no flush.
    history = History(tmp_path / "history.sqlite3")
    service = await _started(demo_server, history)
    got: list[FeedItem] = []

    def on_items(items: list[FeedItem]) -> None:
        got.extend(items)
        if len(got) == 1:  # inside the emit of the first batch
            data = ticket("during the emit")
            service.on_event(
                ReceivedEvent(
                    "demo", "tickets", "ticket.created", data, None, datetime.now(UTC),
                    json.dumps(data),
                )
            )  # fmt: skip

    service.itemsAdded.connect(on_items)
    await service.start()
    try:
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        demo_server.publish("tickets", "ticket.created", ticket("first"))
        await wait_until(lambda: len(got) == 2)
        assert [i.title for i in got][1].endswith("during the emit")
        assert history.count() == 2
    finally:
        await service.close()
    history.close()


async def test_the_history_worker_runs_below_the_ui_thread(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    service = EngineService(Config(path=None), history, NoSecrets())
    try:
        loop = asyncio.get_running_loop()
        worker = await loop.run_in_executor(service._executor, threading.get_native_id)
        ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, ours + WORKER_NICE)
    finally:
        await service.close()
        history.close()
