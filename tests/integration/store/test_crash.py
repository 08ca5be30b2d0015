"""A killed writer loses nothing it reported committed, and leaves a sound database.

DESIGN.md, "Data": an event shown to the user is committed first, so a crash (kill -9)
loses nothing that was shown. Here the "shown" step is a line on stdout, printed only after
``add_batch`` returned; the test SIGKILLs the writer in the middle of its burst.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from beacon.store.history import FeedFilter, History

WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path

from beacon.feed.item import FeedItem, Priority
from beacon.store.history import History

history = History(Path(sys.argv[1]), retention_count=None, retention_days=None)
start = int(sys.argv[2])
n = start
while True:
    batch = []
    for _ in range(50):
        n += 1
        batch.append(FeedItem(
            account="support", channel="tickets", event="ticket.created",
            title=f"Ticket {n} printer", body=f"body {n} " * 20, url=None,
            priority=Priority.NORMAL, payload='{"id": %d}' % n,
            received_at=datetime.now(UTC), event_id=str(n),
        ))
    stored = history.add_batch(batch)
    # "Shown": only now may the user see these items.
    print(stored[-1].id, flush=True)
"""


def run_writer_and_kill(path: Path, start: int, shown_before_kill: int) -> list[int]:
    env = dict(os.environ)
    shown: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(start)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            shown.append(int(line))
            if len(shown) == shown_before_kill:
                # The writer is mid-burst: it starts the next batch at once.
                proc.send_signal(signal.SIGKILL)
                break
        # Lines printed between our read and the kill were shown too.
        shown += [int(line) for line in proc.stdout.read().split()]
        proc.kill()  # in case the loop ended early: the writer runs forever
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert len(shown) >= shown_before_kill
    return shown


def test_sigkill_loses_nothing_shown(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    shown: list[int] = []
    for round_, kill_after in enumerate((40, 7, 23)):
        shown += run_writer_and_kill(path, start=round_ * 1_000_000, shown_before_kill=kill_after)

        with closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        with History(path, retention_count=None, retention_days=None) as history:
            # Every batch whose last id was shown is whole.
            assert history.matches(shown, FeedFilter()) == set(shown)
            for last in shown:
                item = history.get(last)
                assert item is not None
                assert history.matches(range(last - 49, last + 1), FeedFilter()) == set(
                    range(last - 49, last + 1)
                )
            # The search index survived the crash in step with the table.
            history._db.execute(
                "INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)"
            )
            assert history.count(FeedFilter(search="printer")) == history.count()
            # Nothing half-written: the row count is whole batches.
            assert history.count() % 50 == 0
