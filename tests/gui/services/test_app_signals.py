"""``[[signal]]`` in the running app: nothing runs until the settings window's "Run these
signals" confirms the exact commands shown; then committed items run them, each argument
literal, and a failure is kept on its item."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from beacon.app import BeaconApp, NoSecrets
from beacon.cli.app import demo_config
from beacon.config.model import SignalSpec
from beacon.demo import DemoServer
from beacon.feed.item import FeedItem
from beacon.services.signal_consent import describe
from beacon.store.history import History
from support.feedapp import stop_feed_app, ticket, wait_until

# Appends its arguments after the first, as a JSON list, to the file named by the first.
ARGV_SCRIPT = """
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(sys.argv[2:]) + "\\n")
"""


@pytest.mark.expect_log_warnings(
    r"beacon\.signals: an event matches a \[\[signal\]\], but signals are off",
    r"beacon\.signals: signal 2: .* exit status 4",
)
async def test_signals_wait_for_confirmation_then_run_and_show_failures_on_the_item(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The settings window reads the (absent) config of this throwaway profile.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    script = tmp_path / "argv.py"
    script.write_text(ARGV_SCRIPT, encoding="utf-8")
    out, pwned = tmp_path / "ran.jsonl", tmp_path / "pwned"
    writes = SignalSpec(
        channel="tickets", event="ticket.*",
        run=(sys.executable, str(script), str(out), "{subject}"),
    )  # fmt: skip
    fails = SignalSpec(channel="tickets", run=(sys.executable, "-c", "raise SystemExit(4)"))
    consent = tmp_path / "state" / "signals-confirmed"
    config = replace(demo_config(demo_server), signals=(writes, fails))
    history = History(tmp_path / "history.sqlite3")
    app = BeaconApp(config, history, NoSecrets(), signals_consent=consent)
    added: list[FeedItem] = []
    app.feed.itemsAdded.connect(added.extend)
    await app.start()
    try:
        await demo_server.wait_for_subscribers("tickets", timeout=15)
        demo_server.publish("tickets", "ticket.created", ticket(f"$(touch {pwned})"))
        await wait_until(lambda: len(added) == 1)
        await app.signals.drain()
        assert not out.exists()  # not confirmed: nothing ran

        app.open_settings()
        panel = app.signals_panel
        assert panel is not None
        assert panel.lines.toPlainText() == f"{describe(writes)}\n{describe(fails)}"
        assert json.dumps([sys.executable, str(script), str(out), "{subject}"]) in (
            panel.lines.toPlainText()
        )
        assert "Not confirmed" in panel.state.text()
        # The window is usable once it has read the config file.
        await wait_until(panel.confirm.isEnabled)
        panel.confirm.click()
        assert app.signals.confirmed and consent.exists()
        assert "Confirmed" in panel.state.text() and not panel.confirm.isEnabled()

        demo_server.publish("tickets", "ticket.created", ticket(f"`touch {pwned}`; rm -rf /"))
        await wait_until(lambda: len(added) == 2)
        await app.signals.drain()
        assert [json.loads(line) for line in out.read_text().splitlines()] == [
            [f"`touch {pwned}`; rm -rf /"]
        ]
        assert not pwned.exists()
        item_id = added[1].id
        assert item_id is not None
        item = history.get(item_id)
        assert item is not None and item.action_result == "signal 2 failed: exit status 4"
        first = history.get(added[0].id or 0)
        assert first is not None and first.action_result is None
    finally:
        await stop_feed_app(app)
