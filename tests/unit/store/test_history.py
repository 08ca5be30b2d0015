"""History: migrations, durability settings, paging, filters, search, unread, retention."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beacon.feed.item import Priority
from beacon.store import history as history_module
from beacon.store.history import (
    SCHEMA_VERSION,
    FeedFilter,
    History,
    HistoryError,
    fts_query,
)
from support.feeditems import BASE_TIME, make_item


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def history(path: Path) -> Iterator[History]:
    with History(path, retention_count=None, retention_days=None) as h:
        yield h


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def ids(items: list[object]) -> list[int]:
    return [i.id for i in items]  # type: ignore[attr-defined]


# -- opening and migrations -----------------------------------------------------


def test_new_database_is_wal_and_current(path: Path, history: History) -> None:
    db = raw(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # synchronous is per connection: check the History's own.
    assert history._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    db.close()


def test_migrates_from_version_1(path: Path) -> None:
    path.parent.mkdir(parents=True)
    db = raw(path)
    history_module._v1(db)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO items (account, channel, event, event_id, title, body, url, priority,"
        " payload, received_us, notify) VALUES"
        " ('support', 'tickets', 'ticket.created', '7', 'Printer on fire', 'Send help',"
        " NULL, 2, '{}', 1790000000000000, 'popup')"
    )
    db.close()

    with History(path, retention_count=None, retention_days=None) as h:
        found = h.page(FeedFilter(search="printer"))
        assert [(i.id, i.title, i.priority) for i in found] == [(1, "Printer on fire", 2)]
        stored = h.add_batch([make_item(1, title="Another printer")])
        assert ids(stored) == [2]
        assert ids(h.page(FeedFilter(search="printer"))) == [2, 1]
    db = raw(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_reopening_keeps_items(path: Path) -> None:
    with History(path) as h:
        h.add_batch([make_item(1, received_at=datetime.now(UTC))])
    with History(path) as h:
        assert h.count() == 1


def test_newer_schema_is_refused(path: Path) -> None:
    path.parent.mkdir(parents=True)
    db = raw(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(HistoryError, match="newer Beacon"):
        History(path)


def test_not_a_database(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HistoryError, match=str(path)):
        History(path)


# -- writing --------------------------------------------------------------------


def test_add_batch_sets_ids_and_commits(path: Path, history: History) -> None:
    stored = history.add_batch([make_item(n) for n in range(3)])
    assert ids(stored) == [1, 2, 3]
    assert [i.title for i in stored] == ["Ticket 0", "Ticket 1", "Ticket 2"]
    # Committed on return: another connection sees them at once.
    db = raw(path)
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 3
    db.close()
    assert history.add_batch([]) == []


def test_round_trip(history: History) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    item = make_item(
        5,
        url="https://a.example/5",
        priority=Priority.URGENT,
        received_at=when,
        body="caf\u00e9 \u2603\nline",
    )
    (stored,) = history.add_batch([item])
    assert stored.id is not None
    assert history.get(stored.id) == stored
    assert stored.received_at == when
    assert history.get(999) is None


def test_naive_time_is_refused_and_rolls_back(history: History) -> None:
    bad = make_item(2, received_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone"):
        history.add_batch([make_item(1), bad])
    assert history.count() == 0


def test_duplicates_are_dropped(history: History) -> None:
    assert ids(history.add_batch([make_item(1), make_item(2)])) == [1, 2]
    # Again, in a later batch and within one batch: only the new one is stored.
    stored = history.add_batch([make_item(2), make_item(3), make_item(3)])
    # (Ids may have gaps: an ignored insert can use one up. They still only grow.)
    assert [i.event_id for i in stored] == ["3"]
    assert stored[0].id is not None and stored[0].id > 2
    # The same id on another channel, event or account is a different event.
    others = [
        make_item(1, channel="other"),
        make_item(1, event="ticket.closed"),
        make_item(1, account="sales"),
    ]
    assert len(history.add_batch(others)) == 3
    # Without an event id nothing can be recognised as a repeat.
    assert len(history.add_batch([make_item(9, event_id=None)] * 2)) == 2
    assert history.count() == 8


def test_a_big_mixed_batch_gets_each_stored_item_its_own_row(history: History) -> None:
    # add_batch inserts many rows per statement and matches the returned ids back to the
    # items: with repeats (stored before, or twice in the batch) and items without an
    # event id spread over several statements, each item must get its own row's id.
    history.add_batch([make_item(n) for n in range(0, 600, 7)])
    batch = []
    for n in range(600):
        batch.append(make_item(n))
        if n % 11 == 0:
            batch.append(make_item(n, title=f"again {n}"))  # a repeat inside the batch
        if n % 13 == 0:
            batch.append(make_item(n, event_id=None, title=f"anonymous {n}"))
    stored = history.add_batch(batch)
    expected = [
        i
        for i in batch
        if i.event_id is None or (int(i.event_id) % 7 and not i.title.startswith("again"))
    ]
    assert [(i.title, i.event_id) for i in stored] == [(i.title, i.event_id) for i in expected]
    assert ids(stored) == sorted(ids(stored))
    for item in stored:
        assert item.id is not None
        assert history.get(item.id) == item


@pytest.mark.parametrize("adopt", [False, True])
def test_adopted_items_get_their_ids_in_place(history: History, adopt: bool) -> None:
    history.add_batch([make_item(3)])
    batch = [make_item(n) for n in range(6)]  # 3 is stored already
    stored = history.add_batch(batch, adopt=adopt)
    assert [i.event_id for i in stored] == ["0", "1", "2", "4", "5"]
    for item in stored:
        assert item.id is not None and history.get(item.id) == item
    if adopt:  # the same objects, ids set; the one not stored keeps none
        assert all(i is j for i, j in zip(stored, batch[:3] + batch[4:], strict=True))
        assert batch[3].id is None
    else:  # copies: the caller's items are left as they were
        assert all(i.id is None for i in batch)


def test_add_batch_from_another_thread(history: History) -> None:
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.extend(ids(history.add_batch([make_item()]))))
    worker.start()
    worker.join()
    assert result == [1]
    assert history.count() == 1


# -- paging and filters ---------------------------------------------------------


def test_keyset_paging_newest_first(history: History) -> None:
    history.add_batch([make_item(n) for n in range(450)])
    seen: list[int] = []
    before: int | None = None
    while True:
        page = history.page(before_id=before, limit=200)
        if not page:
            break
        seen += ids(page)
        before = page[-1].id
    assert seen == list(range(450, 0, -1))
    assert ids(history.page(before_id=3)) == [2, 1]
    assert history.page(before_id=1) == []


@pytest.fixture
def mixed(history: History) -> History:
    items = [
        make_item(1, account="support", channel="tickets", priority=Priority.LOW),
        make_item(2, account="support", channel="private-agent-7", priority=Priority.HIGH),
        make_item(3, account="sales", channel="tickets", priority=Priority.URGENT, read=True),
        make_item(4, account="sales", channel="leads", title="Printer lead", body="New lead"),
        make_item(5, account="support", channel="tickets", priority=Priority.HIGH, read=True),
    ]
    history.add_batch(items)
    return history


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (FeedFilter(), [5, 4, 3, 2, 1]),
        (FeedFilter(account="support"), [5, 2, 1]),
        (FeedFilter(channel="tickets"), [5, 3, 1]),
        (FeedFilter(account="sales", channel="tickets"), [3]),
        (FeedFilter(unread_only=True), [4, 2, 1]),
        (FeedFilter(min_priority=Priority.HIGH), [5, 3, 2]),
        (FeedFilter(min_priority=Priority.URGENT), [3]),
        (FeedFilter(search="ticket"), [5, 3, 2, 1]),
        (FeedFilter(search="printer"), [4]),
        (FeedFilter(account="support", unread_only=True, min_priority=Priority.NORMAL), [2]),
        (FeedFilter(channel="tickets", search="ticket 3"), [3]),
        (FeedFilter(account="nobody"), []),
    ],
)
def test_filters(mixed: History, flt: FeedFilter, expected: list[int]) -> None:
    assert ids(mixed.page(flt)) == expected
    assert mixed.count(flt) == len(expected)
    assert mixed.matches(range(0, 10), flt) == set(expected)


def test_filtered_paging(mixed: History) -> None:
    flt = FeedFilter(channel="tickets")
    assert ids(mixed.page(flt, limit=2)) == [5, 3]
    assert ids(mixed.page(flt, before_id=3, limit=2)) == [1]
    flt = FeedFilter(search="ticket")
    assert ids(mixed.page(flt, limit=2)) == [5, 3]
    assert ids(mixed.page(flt, before_id=3, limit=2)) == [2, 1]


def test_matches_handles_many_ids(history: History) -> None:
    history.add_batch([make_item(n, priority=Priority(n % 4)) for n in range(1200)])
    found = history.matches(range(1, 1300), FeedFilter(min_priority=Priority.URGENT))
    assert found == {n + 1 for n in range(1200) if n % 4 == 3}
    assert history.matches([], FeedFilter()) == set()


def test_channels_and_accounts(mixed: History) -> None:
    assert mixed.channels() == [
        ("sales", "leads"),
        ("sales", "tickets"),
        ("support", "private-agent-7"),
        ("support", "tickets"),
    ]
    assert mixed.accounts() == ["sales", "support"]


def test_channels_when_empty(history: History) -> None:
    assert history.channels() == []
    assert history.accounts() == []


# -- search ---------------------------------------------------------------------


@pytest.fixture
def texts(history: History) -> History:
    history.add_batch(
        [
            make_item(1, title="Printer on fire", body="Third floor, near the kitchen"),
            make_item(2, title="Caf\u00e9 machine broken", body="No coffee since Monday"),
            make_item(3, title="VPN down", body="Users report the printer queue is stuck"),
            make_item(4, title="Password reset", body='Said "urgent" AND NEAR(x) twice'),
        ]
    )
    return history


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("printer", [3, 1]),
        ("PRINTER", [3, 1]),
        ("print", [3, 1]),  # the last word is a prefix
        ("printer fire", [1]),  # every word must occur
        ("fire printer", [1]),
        ("pri fire", []),  # only the last word is a prefix
        ("print ", []),  # ...and only while it is being typed
        ("printer ", [3, 1]),
        ("printer.", [3, 1]),
        ("cafe", [2]),  # diacritics folded
        ("caf\u00e9", [2]),
        ("kitchen", [1]),  # body text is searched
        ('"urgent"', [4]),
        ("AND", [4]),
        ("NEAR(x)", [4]),
        ("nothing-like-this", []),
        # A star is the wildcard people know: the word before it is a prefix, typed or
        # finished, last or not (it used to end the word, so "print*" found nothing).
        ("print*", [3, 1]),
        ("print* ", [3, 1]),
        ("pri* fire", [1]),
        ("caf*", [2]),
    ],
)
def test_search(texts: History, query: str, expected: list[int]) -> None:
    assert ids(texts.page(FeedFilter(search=query))) == expected


@pytest.mark.parametrize("query", ["", "   ", "*", '"', "()", "-", "^", ":"])
def test_search_without_words_does_not_filter(texts: History, query: str) -> None:
    assert fts_query(query) is None
    assert len(texts.page(FeedFilter(search=query))) == 4


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300, deadline=None
)
@given(query=st.text())
def test_hostile_search_never_raises(texts: History, query: str) -> None:
    flt = FeedFilter(search=query)
    assert len(texts.page(flt)) == texts.count(flt) <= 4
    texts.matches([1, 2, 3, 4], flt)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    query=st.lists(
        st.sampled_from(
            ['"', "*", "AND", "OR", "NOT", "NEAR", "(", ")", "^", ":", "-", "+", " ", "a"]
        ),
        max_size=12,
    ).map("".join)
)
def test_fts_syntax_is_never_syntax(texts: History, query: str) -> None:
    texts.page(FeedFilter(search=query))


def test_search_index_follows_deletes(path: Path) -> None:
    with History(path, retention_count=2, retention_days=None) as h:
        h.add_batch([make_item(n, title=f"Printer {n}") for n in range(5)])
        assert h.prune() == 3
        assert ids(h.page(FeedFilter(search="printer"))) == [5, 4]
        # The external-content index matches the table exactly.
        h._db.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")


# -- unread ---------------------------------------------------------------------


def test_unread(mixed: History) -> None:
    assert mixed.unread_count() == 3
    mixed.mark_read([1, 999])
    assert mixed.unread_count() == 2
    assert ids(mixed.page(FeedFilter(unread_only=True))) == [4, 2]
    mixed.mark_all_read(FeedFilter(search="printer"))
    assert ids(mixed.page(FeedFilter(unread_only=True))) == [2]
    mixed.mark_all_read(FeedFilter(account="sales"))
    assert mixed.unread_count() == 1
    mixed.mark_all_read()
    assert mixed.unread_count() == 0
    assert all(i.read for i in mixed.page())


# -- retention ------------------------------------------------------------------


def test_retention_by_count(path: Path) -> None:
    with History(path, retention_count=10, retention_days=None) as h:
        h.add_batch([make_item(n) for n in range(25)])
        assert h.prune() == 15
        assert ids(h.page()) == list(range(25, 15, -1))
        assert h.prune() == 0


def test_retention_every_n_inserts(path: Path) -> None:
    with History(path, retention_count=5, retention_days=None) as h:
        h.add_batch([make_item(n) for n in range(history_module.PRUNE_EVERY - 1)])
        assert h.count() == history_module.PRUNE_EVERY - 1
        h.add_batch([make_item(10_000)])
        assert h.count() == 5


def test_retention_by_age_on_open(path: Path) -> None:
    now = BASE_TIME + timedelta(days=100)
    with History(path, retention_count=None, retention_days=None) as h:
        h.add_batch(
            [
                make_item(1, received_at=now - timedelta(days=91)),
                make_item(2, received_at=now - timedelta(days=89)),
                make_item(3, received_at=now),
            ]
        )
    with History(path, retention_count=None, retention_days=90, clock=lambda: now) as h:
        assert [i.event_id for i in h.page()] == ["3", "2"]


def test_ids_are_never_reused(path: Path) -> None:
    with History(path, retention_count=1, retention_days=None) as h:
        h.add_batch([make_item(1), make_item(2)])
        h.prune()
        h._db.execute("DELETE FROM items")
        assert ids(h.add_batch([make_item(3)])) == [3]


def test_channels_follow_pruning(path: Path) -> None:
    with History(path, retention_count=2, retention_days=None) as h:
        h.add_batch(
            [
                make_item(1, channel="old"),
                make_item(2, channel="tickets"),
                make_item(3, account="sales", channel="tickets"),
            ]
        )
        assert h.channels() == [("sales", "tickets"), ("support", "old"), ("support", "tickets")]
        h.prune()
        assert h.channels() == [("sales", "tickets"), ("support", "tickets")]


def test_full_disk_is_a_history_error_and_stores_nothing(history: History) -> None:
    history.add_batch([make_item(1)])
    pages = history._db.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own limit stands in for a full disk: the same SQLITE_FULL.
    history._db.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = [make_item(n, body="lorem ipsum " * 500) for n in range(2, 200)]
    with pytest.raises(HistoryError, match="full"):
        history.add_batch(big)
    assert history.count() == 1
    history._db.execute("PRAGMA max_page_count = 1073741823")
    assert len(history.add_batch(big)) == len(big)


def test_locked_past_the_busy_timeout_is_a_history_error(path: Path, history: History) -> None:
    history._db.execute("PRAGMA busy_timeout = 50")
    with closing(raw(path)) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(HistoryError, match="locked"):
            history.add_batch([make_item(1)])
        other.execute("ROLLBACK")
    assert len(history.add_batch([make_item(1)])) == 1


@pytest.mark.expect_log_warnings(r"^beacon\.store: could not prune the history: ")
def test_a_failed_prune_does_not_hide_a_committed_batch(path: Path) -> None:
    with History(path, retention_count=1, retention_days=None) as h:
        h.add_batch([make_item(n) for n in range(history_module.PRUNE_EVERY - 1)])
        # A fault in pruning only (deletes fail), injected on the History's connection.
        h._db.execute(
            "CREATE TEMP TRIGGER no_delete BEFORE DELETE ON main.items"
            " BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        )
        stored = h.add_batch([make_item(10_000)])
        assert [i.event_id for i in stored] == ["10000"]
        assert h.get(stored[0].id or 0) == stored[0]
        h._db.execute("DROP TRIGGER temp.no_delete")
        h.add_batch([make_item(n) for n in range(20_000, 20_000 + history_module.PRUNE_EVERY)])
        assert h.count() == 1


def test_reads_do_not_wait_for_a_write_in_progress(history: History) -> None:
    history.add_batch([make_item(1)])
    results: list[list[int]] = []
    # A batch is being written (the executor holds the write side, mid-transaction).
    with history._lock:
        history._db.execute("BEGIN IMMEDIATE")
        history._db.execute("UPDATE items SET title = 'uncommitted'")
        reader = threading.Thread(target=lambda: results.append(ids(history.page())))
        reader.start()
        reader.join(timeout=10)
        finished = not reader.is_alive()
        history._db.execute("ROLLBACK")
    reader.join()
    assert finished, "page() waited for the writer"
    assert results == [[1]]
    assert history.page()[0].title == "Ticket 1"


# -- typed prefixes: expanded into the stored terms -------------------------------------

# ASCII, and letters whose folding Python and FTS5 disagree on (long s, micro sign, Latin
# ligatures with accents, a bare combining accent, dotted capital I, private use).
_PREFIX_TEXT = st.text(
    alphabet=st.sampled_from(
        [
            *"abcprint tAB-_.'0123456789",
            *"\u00e9\u00fc\u00df\u00f8\u00c6\u01ff\u00b5\u017f\u0301\u0130",
            *"\u03a9\u0436\u4e2d\ue000",
        ]
    ),
    max_size=30,
)


def _fts_terms(history: History) -> set[str]:
    db = history._db
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, items_fts, 'row')")
    return {row[0] for row in db.execute("SELECT term FROM temp.v")}


def _stored_terms(history: History) -> set[str]:
    return {row[0] for row in history._db.execute("SELECT term FROM terms")}


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150, deadline=None
)
@given(texts=st.lists(st.tuples(_PREFIX_TEXT, _PREFIX_TEXT), min_size=1, max_size=5))
def test_stored_terms_are_the_index_terms(history: History, texts: list[tuple[str, str]]) -> None:
    # The expansion may only drop matches if a term FTS5 indexed is missing from `terms`.
    start = history.count()
    history.add_batch([make_item(start + n, title=t, body=b) for n, (t, b) in enumerate(texts)])
    assert _fts_terms(history) <= _stored_terms(history)


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150, deadline=None
)
@given(texts=st.lists(_PREFIX_TEXT, min_size=1, max_size=6), typed=_PREFIX_TEXT)
def test_expanded_prefix_finds_what_fts5_prefix_finds(
    history: History, texts: list[str], typed: str
) -> None:
    start = history.count()
    history.add_batch([make_item(start + n, title=t, body="") for n, t in enumerate(texts)])
    query = fts_query(typed)  # FTS5's own prefix query, never expanded
    expected = (
        [
            r[0]
            for r in history._db.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC", (query,)
            )
        ]
        if query
        else ids(history.page(limit=10_000))
    )
    assert ids(history.page(FeedFilter(search=typed), limit=10_000)) == expected
    assert history.count(FeedFilter(search=typed)) == len(expected)


def test_prefix_is_expanded_into_whole_terms(history: History) -> None:
    history.add_batch(
        [
            make_item(1, title="Printer jam"),
            make_item(2, title="Prism broken"),
            make_item(3, title="Pricing"),
            make_item(4, title="Ticket"),
        ]
    )
    assert fts_query("fix pri", history._expand) == '"fix" AND ("pricing" OR "printer" OR "prism")'
    assert fts_query("fix pri ", history._expand) == '"fix" AND "pri"'
    # Nothing stored starts with it, or it is not plain ASCII: FTS5's own prefix query.
    assert fts_query("zq", history._expand) == '"zq"*'
    assert fts_query("prü", history._expand) == '"prü"*'
    assert ids(history.page(FeedFilter(search="pri"))) == [3, 2, 1]


def test_too_many_terms_are_left_to_fts5(history: History) -> None:
    many = history_module.MAX_EXPANSION + 1
    history.add_batch([make_item(n, title=f"word{n}") for n in range(many)])
    assert fts_query("word", history._expand) == '"word"*'
    assert history.count(FeedFilter(search="word")) == many


def test_migration_to_3_collects_the_terms_already_indexed(path: Path) -> None:
    path.parent.mkdir(parents=True)
    db = raw(path)
    history_module._v1(db)
    history_module._v2(db)
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO items (account, channel, event, event_id, title, body, url, priority,"
        " payload, received_us, notify) VALUES"
        " ('support', 'tickets', 'ticket.created', '7', 'Drücker kaputt', 'Printer',"
        " NULL, 2, '{}', 1790000000000000, 'popup')"
    )
    db.close()
    with History(path, retention_count=None, retention_days=None) as h:
        assert _stored_terms(h) == {"drucker", "kaputt", "printer"}
        assert ids(h.page(FeedFilter(search="druck"))) == [1]
