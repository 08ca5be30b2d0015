"""The feed history: SQLite in WAL mode, searchable with FTS5, pruned by count and age.

Durability. DESIGN.md says an item that was shown survives a crash. ``add_batch`` commits
before it returns, and callers show items only after that. The database runs in WAL mode
with ``synchronous=FULL``: each commit is fsynced into the WAL, so a committed batch
survives a power cut as well as a ``kill -9``. (``synchronous=NORMAL`` with WAL would
already survive a killed *process*, since the committed pages sit in the OS page cache,
but a power cut could lose the last batches that were on screen.) The cost is one fsync
per batch, paid in the executor thread that runs ``add_batch``; batches make it rare.

Concurrency. One ``History`` may be used from several threads: the services layer runs
``add_batch`` in an executor while the UI thread pages and counts. Writes and reads have
a connection each, each guarded by a lock, so a read never waits for a batch being
committed: under WAL it sees the last commit. Another process may read the same file
(``beacon history``) at any time, as WAL allows.

Search while typing. The last word of a search is a prefix until it is finished. FTS5
answers a prefix query by merging the whole doclists of every term with that prefix before
it returns the first row: over a million items, a prefix of a very common word cost 30-60
ms, however small the page. An ``OR`` of whole terms is merged lazily instead, and stops
after the first page. So the history keeps the set of terms its index holds (``terms``,
filled as items are stored), expands a typed prefix into those terms, and asks FTS5 for
``("printer" OR "printers" ...)``; a prefix with too many terms, or one that is not plain
ASCII, is left to FTS5 as before. Terms are cut exactly as FTS5 cuts them: ASCII letters
and digits by Python, anything with other characters by an in-memory FTS5 table with the
same tokenizer. Terms of pruned items stay behind; an ``OR`` with a term that no longer
occurs costs nothing.

Schema versions go by ``PRAGMA user_version``; ``_MIGRATIONS[n]`` takes a database from
version ``n`` to ``n + 1``, each in one transaction.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from beacon.feed.item import FeedItem, Priority

log = logging.getLogger("beacon.store")

# The history's file name inside ``beacon.config.data_dir()``.
HISTORY_FILE = "history.sqlite3"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Prune after this many stored items, besides on open.
PRUNE_EVERY = 1000
# SQLite's default limit on host parameters is 32766; stay far below it.
_CHUNK = 500


class HistoryError(Exception):
    """The history file cannot be used (not a database, too new, unreadable)."""


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """What part of the history to look at. Empty fields do not filter."""

    account: str | None = None
    channel: str | None = None
    unread_only: bool = False
    min_priority: Priority | None = None
    search: str | None = None
    #: Only these item ids (a notification summary's items); ``None`` does not filter.
    ids: frozenset[int] | None = None
    #: Muted items (a ``mute`` rule's, and those of the ``muted`` channels) are stored
    #: but shown only when the user asks for them ("Show muted").
    show_muted: bool = False
    #: Channels the user muted, as (account, channel); hidden unless ``show_muted``.
    muted: frozenset[tuple[str, str]] = frozenset()


def _v1(db: sqlite3.Connection) -> None:
    # AUTOINCREMENT: ids are never reused after pruning, so an id held by the UI (or a
    # clicked notification) can never point at a different item later.
    db.execute(
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            channel TEXT NOT NULL,
            event TEXT NOT NULL,
            event_id TEXT,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            url TEXT,
            priority INTEGER NOT NULL,
            payload TEXT NOT NULL,
            received_us INTEGER NOT NULL,
            notify TEXT NOT NULL,
            keyword_hit INTEGER NOT NULL DEFAULT 0,
            user_id TEXT,
            read INTEGER NOT NULL DEFAULT 0
        )"""
    )
    # The same event delivered twice (a reconnect, two subscriptions) is stored once.
    db.execute(
        "CREATE UNIQUE INDEX items_event ON items(account, channel, event, event_id)"
        " WHERE event_id IS NOT NULL"
    )
    # Newest-first within one channel without a sort (account, if also given, is
    # filtered along the way: a channel rarely spans accounts).
    db.execute("CREATE INDEX items_channel ON items(channel, id)")
    db.execute("CREATE INDEX items_received ON items(received_us)")
    db.execute("CREATE INDEX items_unread ON items(id) WHERE read = 0")
    # The (account, channel) pairs with items, for the filter menu, without a scan of
    # items. Pairs that lose their last item are removed by prune().
    db.execute(
        "CREATE TABLE sources (account TEXT NOT NULL, channel TEXT NOT NULL,"
        " PRIMARY KEY (account, channel)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TRIGGER items_source AFTER INSERT ON items BEGIN"
        " INSERT OR IGNORE INTO sources (account, channel) VALUES (new.account, new.channel);"
        " END"
    )


def _v2(db: sqlite3.Connection) -> None:
    # External content: the text lives once, in items; triggers keep the index in step.
    db.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5(title, body, content='items',"
        " content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(
        "CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN"
        " INSERT INTO items_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
        " END"
    )
    db.execute(
        "CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN"
        " INSERT INTO items_fts(items_fts, rowid, title, body)"
        " VALUES ('delete', old.id, old.title, old.body);"
        " END"
    )
    db.execute(
        "CREATE TRIGGER items_au AFTER UPDATE OF title, body ON items BEGIN"
        " INSERT INTO items_fts(items_fts, rowid, title, body)"
        " VALUES ('delete', old.id, old.title, old.body);"
        " INSERT INTO items_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
        " END"
    )
    # Items stored by version 1 become searchable too.
    db.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")


def _v3(db: sqlite3.Connection) -> None:
    # The terms the FTS index holds, for expanding typed prefixes (module docstring).
    db.execute("CREATE TABLE terms (term TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute("CREATE VIRTUAL TABLE temp.items_vocab USING fts5vocab(main, items_fts, 'row')")
    try:
        db.execute("INSERT INTO terms SELECT term FROM temp.items_vocab")
    finally:
        db.execute("DROP TABLE temp.items_vocab")


def _v4(db: sqlite3.Connection) -> None:
    # Items that came from the catch-up endpoint rather than the socket (DESIGN.md
    # "Catch-up"); the details pane says so. Older items all came live.
    db.execute("ALTER TABLE items ADD COLUMN catchup INTEGER NOT NULL DEFAULT 0")
    # What an action button did from the item ("Claim done 14:02"), so a restart shows it.
    db.execute("ALTER TABLE items ADD COLUMN action_result TEXT")


def _v5(db: sqlite3.Connection) -> None:
    # The unread items' index also holds every column a filter reads (``_where``), so that
    # a search narrowed to unread items checks each hit in this small index instead of
    # reading the item's row: "outage" in one channel, unread, walked about 10,000 rows
    # of a million items to fill a page (20 ms). Counting the unread ones reads only the
    # index too. New items are unread, so each insert wrote this index already. ``read``
    # is a column too, though always 0 here: SQLite 3.40 does not count a partial index's
    # WHERE as covered, and would read each row for ``read = 0``.
    db.execute("DROP INDEX items_unread")
    db.execute(
        "CREATE INDEX items_unread ON items(id, channel, account, notify, priority, read)"
        " WHERE read = 0"
    )


_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3, _v4, _v5)
SCHEMA_VERSION = len(_MIGRATIONS)

_COLUMNS = (
    "id, account, channel, event, event_id, title, body, url, priority, payload,"
    " received_us, notify, keyword_hit, user_id, read, catchup, action_result"
)
# unicode61 splits on everything but letters, digits and private-use characters.
_WORD = re.compile(r"[^\W_]+")
# ASCII characters other than letters and digits always separate unicode61 tokens, so the
# text between them can be cut into terms on its own.
_ASCII_SEPARATORS = re.compile(r"[\x00-/:-@\[-`{-\x7f]+")
_ASCII_TERM = re.compile(r"[0-9a-z]+")
#: A typed prefix that stands for more terms than this is left to FTS5's prefix query.
MAX_EXPANSION = 128


def fts_query(text: str, expand: Callable[[str], list[str] | None] | None = None) -> str | None:
    """An FTS5 query for what a user typed; ``None`` when it has no searchable word.

    Every word is quoted, so no input is FTS5 syntax (``AND``, ``"``, ``*``, ``NEAR(``
    are searched as words or ignored); the last word matches as a prefix, since people
    search while typing, unless the text ends in a space or punctuation (the word is
    finished: an exact word is also much faster than a prefix of a common one); a word
    followed by ``*`` is a prefix wherever it is. All words must occur. ``expand``, when
    given, turns the last prefix into the whole terms it stands for, or ``None`` to leave
    it to FTS5 (module docstring).
    """
    found = list(_WORD.finditer(text))
    if not found:
        return None
    words = [match.group() for match in found]
    # A star right after a word is the wildcard people know from other search boxes: that
    # word is a prefix too, finished or not (without this, "print*" found nothing).
    starred = [text.startswith("*", match.end()) for match in found]
    quoted = [f'"{w}"*' if star else f'"{w}"' for w, star in zip(words, starred, strict=True)]
    if text.endswith(words[-1]) or starred[-1]:
        quoted[-1] = f'"{words[-1]}"'
        terms = expand(words[-1]) if expand is not None else None
        if terms:
            quoted[-1] = "(" + " OR ".join(f'"{t}"' for t in terms) + ")"
        else:  # not expanded, or no stored term has it: FTS5 answers that fast
            quoted[-1] += "*"
    # An explicit AND: FTS5 takes no implicit one before a parenthesised group.
    return " AND ".join(quoted)


class _Terms:
    """Cuts stored text into the terms FTS5's unicode61 tokenizer makes of it."""

    def __init__(self) -> None:
        # Text with other than ASCII goes through FTS5 itself: its folding of case and
        # diacritics has no exact equivalent in Python's unicodedata.
        self._fts = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._fts.execute(
            "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')"
        )
        self._fts.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")

    def of(self, texts: Iterable[str]) -> set[str]:
        # Each distinct text once (a burst repeats bodies), and all the ASCII ones in one
        # call into the regex engine: a space between them separates as unicode61 does.
        terms: set[str] = set()
        plain: list[str] = []
        other: list[str] = []
        for text in set(texts):
            if text.isascii():  # the common case, cut in C
                plain.append(text)
                continue
            for chunk in _ASCII_SEPARATORS.split(text):
                if chunk.isascii():
                    terms.add(chunk.lower())
                elif chunk:
                    other.append(chunk)
        terms.update(_ASCII_TERM.findall(" ".join(plain).lower()))
        terms.discard("")
        if other:
            self._fts.execute("BEGIN")
            self._fts.execute("INSERT INTO t(x) VALUES (?)", (" ".join(other),))
            terms.update(row[0] for row in self._fts.execute("SELECT term FROM v"))
            self._fts.execute("ROLLBACK")
        return terms

    def close(self) -> None:
        self._fts.close()


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch, exact (no float rounding)."""
    if moment.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class History:
    """The stored feed. See the module docstring for durability and threading."""

    def __init__(
        self,
        path: Path,
        *,
        retention_count: int | None = 100_000,
        retention_days: float | None = 90,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = path
        self.retention_count = retention_count
        self.retention_days = retention_days
        self._clock = clock
        self._lock = threading.Lock()  # the write connection
        self._read_lock = threading.Lock()  # the read connection
        self._since_prune = 0
        self._terms = _Terms()
        # Terms known to be in ``terms`` already, so most batches insert none.
        self._known_terms: set[str] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            self._terms.close()
            raise HistoryError(f"{path}: cannot open the history: {exc}") from exc
        try:
            self._setup()
            self.prune()
            self._rdb = self._reader()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            self._terms.close()
            raise HistoryError(f"{path}: cannot use the history: {exc}") from exc
        except BaseException:
            self._db.close()
            self._terms.close()
            raise

    # -- setup -----------------------------------------------------------------

    def _setup(self) -> None:
        db = self._db
        db.execute("PRAGMA busy_timeout = 5000")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise HistoryError(f"{self.path}: WAL mode is not available (got {mode!r})")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: written by a newer Beacon (schema {version}, this one knows"
                f" {SCHEMA_VERSION}). Update Beacon, or move the file away to start afresh"
            )
        for step in range(version, SCHEMA_VERSION):
            with self._transaction():
                _MIGRATIONS[step](db)
                # PRAGMA takes no parameters; step is our own int.
                db.execute(f"PRAGMA user_version = {step + 1}")
            log.info("history %s migrated to schema %d", self.path, step + 1)

    def _reader(self) -> sqlite3.Connection:
        # Reads go through their own connection: under WAL they see the last commit and
        # never wait for a batch being written in the executor (the UI thread reads).
        rdb = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            rdb.execute("PRAGMA busy_timeout = 5000")
            rdb.execute("PRAGMA query_only = ON")
        except BaseException:
            rdb.close()
            raise
        return rdb

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self.path)

    # -- writing ---------------------------------------------------------------

    def add_batch(self, items: Sequence[FeedItem], *, adopt: bool = False) -> list[FeedItem]:
        """Store ``items`` in one transaction, committed before this returns.

        Returns the items that were stored, with their ids, in the given order; an item
        whose account, channel, event and event id are already stored is dropped.

        ``adopt``: the caller hands the items over and keeps no reference to them (the
        engine service's freshly mapped items), so the stored ones get their id set in
        place, once committed, instead of being copied with it (3 us an item).
        """
        if not items:
            return []
        ids: list[int] = []
        with self._lock:
            db = self._db
            with self._transaction():
                start = 0
                for size in _insert_sizes(len(items)):
                    params = _params(items[start : start + size])
                    ids += [r[0] for r in db.execute(_insert_sql(size), params)]
                    start += size
                ids.sort()
                if len(ids) == len(items):
                    inserted: Sequence[FeedItem] = items
                else:
                    inserted = self._inserted(items, ids)
                self._store_terms(inserted)
            self._since_prune += len(ids)
            due = self._since_prune >= PRUNE_EVERY
        if due:
            try:
                self.prune()
            except (HistoryError, sqlite3.Error) as exc:
                # The batch is committed: the caller must get it back to show it. Pruning
                # is tried again after the next PRUNE_EVERY items.
                log.warning("could not prune the history: %s", exc)
        if adopt:
            for item, item_id in zip(inserted, ids, strict=True):
                _set_item_id(item, item_id)
            return list(inserted)
        return [_with_id(item, item_id) for item, item_id in zip(inserted, ids, strict=True)]

    def _inserted(self, items: Sequence[FeedItem], ids: list[int]) -> list[FeedItem]:
        """Which of ``items`` the inserts of ``add_batch`` stored (``ids``, fewer than the
        items): those without an event id, and the first of each identity that is among
        the stored rows; the others were already stored, or earlier in the batch."""
        keys: set[tuple[str, str, str, str]] = set()
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            keys.update(
                self._db.execute(
                    "SELECT account, channel, event, event_id FROM items"
                    f" WHERE id IN ({marks}) AND event_id IS NOT NULL",
                    chunk,
                )
            )
        inserted = []
        for item in items:
            if item.event_id is None:
                inserted.append(item)
                continue
            key = (item.account, item.channel, item.event, item.event_id)
            if key in keys:
                keys.discard(key)  # a second one in the batch was ignored
                inserted.append(item)
        return inserted

    def _store_terms(self, items: Sequence[FeedItem]) -> None:
        new = self._terms.of(t for i in items for t in (i.title, i.body)) - self._known_terms
        if not new:
            return
        self._db.executemany("INSERT OR IGNORE INTO terms VALUES (?)", ((t,) for t in new))
        if len(self._known_terms) > 200_000:  # bounded: a miss costs one INSERT OR IGNORE
            self._known_terms.clear()
        self._known_terms |= new

    def set_action_result(self, item_id: int, text: str) -> FeedItem | None:
        """Record what an action did from item ``item_id``; the item as stored now, or
        ``None`` when it is gone (pruned)."""
        with self._lock, self._transaction():
            self._db.execute("UPDATE items SET action_result = ? WHERE id = ?", (text, item_id))
        return self.get(item_id)

    def mark_read(self, ids: Iterable[int]) -> None:
        """Mark these items read (unknown ids are ignored)."""
        with self._lock, self._transaction():
            for chunk in _chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                self._db.execute(
                    f"UPDATE items SET read = 1 WHERE read = 0 AND id IN ({marks})", chunk
                )

    def mark_unread(self, ids: Iterable[int]) -> None:
        """Mark these items unread again (unknown ids are ignored)."""
        with self._lock, self._transaction():
            for chunk in _chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                self._db.execute(
                    f"UPDATE items SET read = 0 WHERE read = 1 AND id IN ({marks})", chunk
                )

    def mark_all_read(self, flt: FeedFilter | None = None) -> None:
        """Mark every unread item that passes ``flt`` read."""
        where, params = _where(flt or FeedFilter(), prefix="", search=True)
        with self._lock, self._transaction():
            self._db.execute(
                f"UPDATE items SET read = 1 WHERE read = 0 AND {where}",
                params,
            )

    def prune(self) -> int:
        """Apply retention (count, then age); returns how many items were removed."""
        if self.retention_count is None and self.retention_days is None:
            return 0  # a reader such as `beacon history` takes no write lock at all
        with self._lock:
            self._since_prune = 0
            removed = 0
            with self._transaction():
                if self.retention_count is not None and self._over_count(self.retention_count):
                    row = self._db.execute(
                        "SELECT id FROM items ORDER BY id DESC LIMIT 1 OFFSET ?",
                        (self.retention_count,),
                    ).fetchone()
                    if row is not None:
                        removed += self._db.execute(
                            "DELETE FROM items WHERE id <= ?", (row[0],)
                        ).rowcount
                if self.retention_days is not None:
                    cutoff = self._clock() - timedelta(days=self.retention_days)
                    removed += self._db.execute(
                        "DELETE FROM items WHERE received_us < ?", (to_us(cutoff),)
                    ).rowcount
                if removed:
                    self._db.execute(
                        "DELETE FROM sources WHERE NOT EXISTS (SELECT 1 FROM items"
                        " WHERE items.channel = sources.channel"
                        " AND items.account = sources.account)"
                    )
        if removed:
            log.info("pruned %d old items from the history", removed)
        return removed

    def _over_count(self, limit: int) -> bool:
        """Whether more than ``limit`` items may be stored. Ids only grow, so there are
        at most ``max(id) - min(id) + 1``: two seeks, where counting to ``limit`` with
        ``OFFSET`` walks up to ``limit`` rows, every ``PRUNE_EVERY`` items of a burst."""
        low, high = self._db.execute(
            "SELECT (SELECT min(id) FROM items), (SELECT max(id) FROM items)"
        ).fetchone()
        return low is not None and high - low + 1 > limit

    # -- reading ---------------------------------------------------------------

    def page(
        self,
        flt: FeedFilter | None = None,
        *,
        before_id: int | None = None,
        limit: int = 200,
    ) -> list[FeedItem]:
        """Up to ``limit`` items that pass ``flt``, newest first, all older than
        ``before_id`` when given (keyset paging: pass the last id of the previous page).
        """
        with self._read_lock:
            source, params, searching = _filtered(flt or FeedFilter(), self._expand)
            # Searching, order and page on the FTS rowid: the FTS table drives the loop,
            # newest rowid first, so a common word over a million items still stops after
            # `limit` hits, and the index seeks to `before_id` instead of skipping.
            key = "items_fts.rowid" if searching else "i.id"
            if before_id is not None:
                source += f" AND {key} < ?"
                params.append(before_id)
            sql = f"SELECT {_prefixed('i.')} {source} ORDER BY {key} DESC LIMIT ?"
            params.append(limit)
            rows = self._rdb.execute(sql, params).fetchall()
        return [_item(r) for r in rows]

    def newest(self, account: str) -> datetime | None:
        """When the newest stored item of ``account`` was received; ``None`` for none.

        Catch-up asks its endpoint for what came after this (less a margin)."""
        with self._read_lock:
            # Walks items_received from the newest end: quick while the account is active.
            row = self._rdb.execute(
                "SELECT received_us FROM items WHERE account = ? ORDER BY received_us DESC LIMIT 1",
                (account,),
            ).fetchone()
        return from_us(row[0]) if row is not None else None

    def anonymous_since(self, account: str, since: datetime) -> list[tuple[str, str, str]]:
        """(channel, event, payload) of ``account``'s items received since ``since`` that
        have no event id: catch-up compares its own id-less events with these."""
        with self._read_lock:
            rows = self._rdb.execute(
                "SELECT channel, event, payload FROM items WHERE received_us >= ?"
                " AND account = ? AND event_id IS NULL",
                (to_us(since), account),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def per_minute(
        self, since_us: int, until_us: int, *, minute_us: int = 60_000_000
    ) -> dict[tuple[str, str], list[int]]:
        """Items received in ``[since_us, until_us)``, counted per ``(account, channel)``
        and per minute: ``result[source][i]`` counts ``[since_us + i * minute_us, since_us
        + (i + 1) * minute_us)``. Sources with no item in the span are absent.

        A range scan of the existing ``items_received`` index, then the rows of that span
        only: the cost follows the span's items, not the history's size. (A covering index
        would also spare the row lookups, but would cost a migration and a bigger index on
        every insert, for a query that runs at most every few seconds.)
        """
        if until_us <= since_us:
            return {}
        buckets = -(-(until_us - since_us) // minute_us)
        with self._read_lock:
            rows = self._rdb.execute(
                "SELECT account, channel, (received_us - ?) / ? AS minute, count(*)"
                " FROM items WHERE received_us >= ? AND received_us < ?"
                " GROUP BY account, channel, minute",
                (since_us, minute_us, since_us, until_us),
            ).fetchall()
        counts: dict[tuple[str, str], list[int]] = {}
        for account, channel, minute, n in rows:
            counts.setdefault((account, channel), [0] * buckets)[minute] = n
        return counts

    def get(self, item_id: int) -> FeedItem | None:
        """The item with this id, or ``None`` (never stored, or pruned)."""
        with self._read_lock:
            row = self._rdb.execute(
                f"SELECT {_COLUMNS} FROM items WHERE id = ?", (item_id,)
            ).fetchone()
        return _item(row) if row is not None else None

    def count(self, flt: FeedFilter | None = None) -> int:
        """How many stored items pass ``flt``."""
        with self._read_lock:
            source, params, _ = _filtered(flt or FeedFilter(), self._expand)
            result: int = self._rdb.execute(f"SELECT count(*) {source}", params).fetchone()[0]
        return result

    def unread_count(self, muted: Iterable[tuple[str, str]] = ()) -> int:
        """How many items are unread, leaving out muted ones: a ``mute`` rule's items and
        those of the ``muted`` (account, channel) pairs (they must not ask for attention)."""
        sql = "SELECT count(*) FROM items WHERE read = 0 AND notify != 'mute'"
        params: list[Any] = []
        pairs = _pair_keys(muted)
        if pairs is not None:
            sql += f" AND {_PAIR_KEY.format(p='')} NOT IN (SELECT value FROM json_each(?))"
            params.append(pairs)
        with self._read_lock:
            result: int = self._rdb.execute(sql, params).fetchone()[0]
        return result

    def matches(self, item_ids: Iterable[int], flt: FeedFilter) -> set[int]:
        """Which of ``item_ids`` are stored and pass ``flt``."""
        where, params = _where(flt, prefix="i.")
        found: set[int] = set()
        with self._read_lock:
            match = fts_query(flt.search, self._expand) if flt.search else None
            for chunk in _chunks(list(item_ids)):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT i.id FROM items i WHERE i.id IN ({marks}) AND {where}"
                args: list[Any] = [*chunk, *params]
                if match is not None:
                    sql += (
                        " AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?"
                        f" AND rowid IN ({marks}))"
                    )
                    args += [match, *chunk]
                found.update(r[0] for r in self._rdb.execute(sql, args))
        return found

    def _expand(self, prefix: str) -> list[str] | None:
        """The stored terms that start with ``prefix``; ``None`` to leave the prefix to
        FTS5. The caller holds the read lock."""
        if not (prefix.isascii() and _ASCII_TERM.fullmatch(prefix.lower())):
            return None
        low = prefix.lower()
        # Every term that starts with `low` sorts in [low, low + U+10FFFF).
        rows = self._rdb.execute(
            "SELECT term FROM terms WHERE term >= ? AND term < ? LIMIT ?",
            (low, low + "\U0010ffff", MAX_EXPANSION + 1),
        ).fetchall()
        if len(rows) > MAX_EXPANSION:
            return None
        return [r[0] for r in rows]

    def channels(self) -> list[tuple[str, str]]:
        """Every ``(account, channel)`` with stored items, sorted."""
        with self._read_lock:
            rows = self._rdb.execute(
                "SELECT account, channel FROM sources ORDER BY account, channel"
            ).fetchall()
        return [(a, c) for a, c in rows]

    def accounts(self) -> list[str]:
        """Every account with stored items, sorted."""
        return sorted({account for account, _ in self.channels()})

    def close(self) -> None:
        """Close the database; the history cannot be used afterwards."""
        with self._lock, self._read_lock:
            self._rdb.close()
            self._db.close()
            self._terms.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back when the body raises.

    SQLite's environment errors (disk full, I/O error, locked past the busy timeout)
    become ``HistoryError``; nothing of the transaction is stored then.
    """

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> None:
        # IMMEDIATE takes the write lock up front: no deadlock upgrading a read lock.
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise HistoryError(f"{self._path}: cannot write to the history: {exc}") from exc

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            try:
                self._db.execute("COMMIT")
                return
            except sqlite3.OperationalError as commit_exc:
                exc = commit_exc
        if self._db.in_transaction:
            # SQLite may have rolled back already (e.g. on SQLITE_FULL).
            self._db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.OperationalError):
            raise HistoryError(f"{self._path}: cannot write to the history: {exc}") from exc
        if exc_type is None:
            raise exc


def _filtered(
    flt: FeedFilter, expand: Callable[[str], list[str] | None] | None = None
) -> tuple[str, list[Any], bool]:
    """``FROM ... WHERE ...`` over the items that pass ``flt`` (aliased ``i``), its
    parameters, and whether it searches: then the FTS table comes first in the join."""
    match = fts_query(flt.search, expand) if flt.search else None
    if match is None:
        where, params = _where(flt, prefix="i.")
        return f"FROM items i WHERE {where}", params, False
    if flt.unread_only:
        # Each hit is looked up in the unread items' index first, which holds what the
        # filter reads (_v5): most hits of a word fail an unread and channel filter, and
        # reading their rows cost three times as much. Only hits that pass read the row.
        where, params = _where(flt, prefix="u.")
        source = (
            "FROM items_fts CROSS JOIN items u INDEXED BY items_unread"
            " ON u.id = items_fts.rowid CROSS JOIN items i ON i.id = u.id"
            f" WHERE items_fts MATCH ? AND {where}"
        )
        return source, [match, *params], True
    where, params = _where(flt, prefix="i.")
    source = (
        "FROM items_fts CROSS JOIN items i ON i.id = items_fts.rowid"
        f" WHERE items_fts MATCH ? AND {where}"
    )
    return source, [match, *params], True


def _where(flt: FeedFilter, prefix: str, *, search: bool = False) -> tuple[str, list[Any]]:
    """SQL conditions for ``flt`` over ``items`` (aliased by ``prefix``).

    The search term is left to the caller, which can let FTS drive the query, unless
    ``search`` is true: then it becomes a subquery.
    """
    clauses = ["1"]
    params: list[Any] = []
    match = fts_query(flt.search) if search and flt.search else None
    if match is not None:
        clauses.append(f"{prefix}id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        params.append(match)
    if flt.account is not None:
        clauses.append(f"{prefix}account = ?")
        params.append(flt.account)
    if flt.channel is not None:
        clauses.append(f"{prefix}channel = ?")
        params.append(flt.channel)
    if flt.unread_only:
        # Literal "read = 0" so the planner can use the partial index items_unread.
        clauses.append(f"{prefix}read = 0")
    if flt.min_priority is not None:
        clauses.append(f"{prefix}priority >= ?")
        params.append(int(flt.min_priority))
    if flt.ids is not None:
        # One parameter however many ids: a JSON array, expanded by SQLite.
        clauses.append(f"{prefix}id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(flt.ids)))
    if not flt.show_muted:
        clauses.append(f"{prefix}notify != 'mute'")
        pairs = _pair_keys(flt.muted)
        if pairs is not None:
            key = _PAIR_KEY.format(p=prefix)
            clauses.append(f"{key} NOT IN (SELECT value FROM json_each(?))")
            params.append(pairs)
    return " AND ".join(clauses), params


# One text key per (account, channel), so that a set of pairs is one JSON parameter.
# Joined by the unit separator: channel names (Pusher's character set) cannot hold it.
_PAIR_KEY = "({p}account || char(31) || {p}channel)"


def _pair_keys(pairs: Iterable[tuple[str, str]]) -> str | None:
    keys = sorted(f"{account}\x1f{channel}" for account, channel in pairs)
    return json.dumps(keys) if keys else None


def _prefixed(prefix: str) -> str:
    return ", ".join(prefix + c.strip() for c in _COLUMNS.split(","))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


_INSERT_COLUMNS = (
    "account, channel, event, event_id, title, body, url, priority, payload, received_us,"
    " notify, keyword_hit, user_id, read, catchup, action_result"
)
_INSERT_ROW = "(" + ",".join("?" * 16) + ")"
#: Rows per INSERT statement in ``add_batch``. FTS5 writes its pending terms out as a new
#: index segment at every statement (its savepoint): with one statement per row, the
#: items_ai trigger cost about 30 us an item, most of it merging those segments. Many
#: rows per statement cost about 10 us; sizes are powers of two, so that a few prepared
#: statements (in the connection's cache) serve every batch. 128 x 16 parameters stays
#: far below SQLite's limit of 32766.
_INSERT_MAX = 128


def _insert_sizes(count: int) -> list[int]:
    """``count`` rows as statements of ``_INSERT_MAX`` rows, then of falling powers of two."""
    sizes = [_INSERT_MAX] * (count // _INSERT_MAX)
    size = _INSERT_MAX // 2
    rest = count % _INSERT_MAX
    while rest:
        if rest >= size:
            sizes.append(size)
            rest -= size
        size //= 2
    return sizes


@lru_cache(maxsize=16)
def _insert_sql(rows: int) -> str:
    # RETURNING gives the ids of the rows stored: an identity already stored is ignored.
    # The rows are inserted in order, so their ids ascend in the batch's order.
    return (
        f"INSERT OR IGNORE INTO items ({_INSERT_COLUMNS}) VALUES"
        f" {','.join([_INSERT_ROW] * rows)} RETURNING id"
    )


_new_item = object.__new__
# Each field's slot (getter, setter): FeedItem with its id set in a third of the time of
# dataclasses.replace (FeedItem.with_id), which add_batch calls for every stored item.
_ITEM_SLOTS = tuple(
    (FeedItem.__dict__[f.name].__get__, FeedItem.__dict__[f.name].__set__)
    for f in fields(FeedItem)
    if f.name != "id"
)
_set_item_id = FeedItem.__dict__["id"].__set__


def _with_id(item: FeedItem, item_id: int) -> FeedItem:
    """``item.with_id(item_id)``, faster: the same frozen object, filled slot by slot."""
    copy: FeedItem = _new_item(FeedItem)
    for get, put in _ITEM_SLOTS:
        put(copy, get(item))
    _set_item_id(copy, item_id)
    return copy


def _params(items: Sequence[FeedItem]) -> list[Any]:
    """The parameters of ``_insert_sql(len(items))``: ``_row`` of each item, flat, built
    in one pass (a tuple per item, then flattening them, cost a third more)."""
    params: list[Any] = []
    add = params.extend
    for item in items:
        add(
            (
                item.account,
                item.channel,
                item.event,
                item.event_id,
                item.title,
                item.body,
                item.url,
                int(item.priority),
                item.payload,
                to_us(item.received_at),
                item.notify,
                int(item.keyword_hit),
                item.user_id,
                int(item.read),
                int(item.catchup),
                item.action_result,
            )
        )
    return params


def _item(row: Sequence[Any]) -> FeedItem:
    (
        item_id,
        account,
        channel,
        event,
        event_id,
        title,
        body,
        url,
        priority,
        payload,
        received_us,
        notify,
        keyword_hit,
        user_id,
        read,
        catchup,
        action_result,
    ) = row
    return FeedItem(
        account=account,
        channel=channel,
        event=event,
        title=title,
        body=body,
        url=url,
        priority=Priority(priority),
        payload=payload,
        received_at=from_us(received_us),
        notify=notify,
        keyword_hit=bool(keyword_hit),
        event_id=event_id,
        user_id=user_id,
        read=bool(read),
        catchup=bool(catchup),
        action_result=action_result,
        id=item_id,
    )
