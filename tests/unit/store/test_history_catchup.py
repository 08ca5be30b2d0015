"""The history's catch-up column (schema 4) and the queries catch-up asks."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from beacon.store import history as history_module
from beacon.store.history import SCHEMA_VERSION, History
from support.feeditems import BASE_TIME, make_item


def test_schema_3_gains_the_catchup_flag(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for step in (history_module._v1, history_module._v2, history_module._v3):
        step(db)
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO items (account, channel, event, event_id, title, body, url, priority,"
        " payload, received_us, notify) VALUES ('support', 'tickets', 'e', '7', 'Old', '',"
        " NULL, 1, '{}', 1790000000000000, 'popup')"
    )
    db.close()
    with History(path, retention_count=None, retention_days=None) as h:
        (old,) = h.page()
        assert not old.catchup
        (new,) = h.add_batch([replace(make_item(2), catchup=True)])
        assert h.get(new.id or 0) == new
        assert new.catchup
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    db.close()


def test_newest_and_anonymous_since(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3", retention_count=None, retention_days=None) as h:
        assert h.newest("support") is None
        h.add_batch(
            [
                make_item(1, received_at=BASE_TIME),
                make_item(
                    2, received_at=BASE_TIME + timedelta(minutes=5), event_id=None, data={"n": 2}
                ),
                make_item(3, account="other", received_at=BASE_TIME + timedelta(hours=1)),
            ]
        )
        assert h.newest("support") == BASE_TIME + timedelta(minutes=5)
        assert h.newest("other") == BASE_TIME + timedelta(hours=1)
        found = h.anonymous_since("support", BASE_TIME)
        assert [(c, e) for c, e, _p in found] == [("tickets", "ticket.created")]
        assert h.anonymous_since("support", BASE_TIME + timedelta(minutes=6)) == []


def test_an_action_result_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        (item,) = h.add_batch([make_item(1)])
        assert item.id is not None and item.action_result is None
        updated = h.set_action_result(item.id, "Claim done 14:02")
        assert updated is not None and updated.action_result == "Claim done 14:02"
        assert h.set_action_result(item.id + 100, "nothing") is None
    with History(path) as h:
        (again,) = h.page()
        assert again.action_result == "Claim done 14:02"
