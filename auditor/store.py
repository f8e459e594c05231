"""The snapshot store: SQLite through sqlite-utils, texts stored once by content hash.

One row per snapshot (target + version + platform + source), one row per fact pointing at a text. The
file opens in Datasette. Writes of one snapshot happen in one transaction, so an interrupted collect
leaves either the whole snapshot or nothing. A collector holds an exclusive lock file beside the
database for its whole run, so two collectors on one store fail fast instead of interleaving.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, cast

from .errors import StoreBusy, StoreError


@contextmanager
def _unimportable(*names: str) -> Iterator[None]:
    """Inside the block, `import name` fails with ImportError for these modules (those not imported yet)."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not available" mark
    try:
        yield
    finally:
        for name in hidden:
            del sys.modules[name]


# sqlite-utils imports numpy and pandas when they are installed (numpy is: the judge's BM25 needs it),
# only to map their number types to column types, which the store never writes. Hidden from that
# import, a start does not pay numpy's 0.1-0.2 s; the judge imports it as usual when it runs.
with _unimportable("numpy", "pandas"):
    import sqlite_utils
    from sqlite_utils import Migrations

migrations = Migrations("auditor")


@migrations()
def create_tables(db: sqlite_utils.Database) -> None:
    db.table("texts").create({"id": int, "hash": str, "text": str}, pk="id")
    db.table("texts").create_index(["hash"], unique=True)
    db.table("snapshots").create(
        {
            "id": int,
            "target": str,
            "version": str,
            "platform": str,
            "source": str,
            "origin": str,
            "extractor": str,
            "published_at": str,
            "collected_at": str,
        },
        pk="id",
    )
    db.table("snapshots").create_index(["target", "version", "platform", "source"], unique=True)
    db.table("facts").create(
        {"snapshot_id": int, "kind": str, "key": str, "text_id": int},
        pk=("snapshot_id", "kind", "key"),
        foreign_keys=[("snapshot_id", "snapshots", "id"), ("text_id", "texts", "id")],
    )
    db.table("releases").create({"target": str, "version": str, "published_at": str}, pk=("target", "version"))


@migrations()
def create_changelogs(db: sqlite_utils.Database) -> None:
    """The last changelog text fetched from each source, and its folded git history (incremental)."""
    db.table("changelogs").create({"source": str, "text": str, "history": str, "fetched_at": str}, pk="source")


@migrations()
def add_parsed_changelogs(db: sqlite_utils.Database) -> None:
    """Each changelog text's releases as parsed (JSON), and by which parser: a warm run parses nothing."""
    db.table("changelogs").add_column("parsed", str)
    db.table("changelogs").add_column("parser", str)


@migrations()
def create_judgements(db: sqlite_utils.Database) -> None:
    """Findings (JSON) by the digest of what they were judged from: see judgements.py."""
    db.table("judgements").create({"key": str, "findings": str, "judged_at": str}, pk="key")


@migrations()
def create_pretty(db: sqlite_utils.Database) -> None:
    """Request code as pretty-printed for a report, by the digest of the code, its width and the printer's
    version (auditor.pretty): printing the functions of a diff is most of a warm text report's time."""
    db.table("pretty").create({"key": str, "text": str, "used_at": str}, pk="key")


JUDGEMENTS_KEPT = 16  # judgements of other ranges or changelogs, kept for when they are asked again
PRETTY_KEPT = 1024  # pretty-printed functions: a few reports' worth


@dataclass(frozen=True)
class SnapshotRow:
    id: int
    target: str
    version: str
    platform: str
    source: str
    origin: str
    extractor: str
    published_at: str | None
    collected_at: str


@dataclass(frozen=True)
class SavedChangelog:
    """What was last read from a changelog source: its text, git history (dict), when, and the
    releases parsed from that text (JSON) by parser version `parser`."""

    text: str
    history: dict | None
    fetched_at: str
    parsed: str | None
    parser: str | None


def default_path() -> Path:
    """Unless told otherwise (--db / $AUDITOR_DB): `snapshots/auditor.db` when run from a checkout, else
    the user data dir."""
    if Path("snapshots").is_dir():
        return Path("snapshots") / "auditor.db"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "auditor" / "auditor.db"


_COLUMNS = ", ".join(f.name for f in fields(SnapshotRow))
COPIED_TABLES = ("snapshots", "facts", "texts", "releases")
"""What another store gives a merge: these tables only, by their columns only."""


COLUMNS = {
    "texts": frozenset({"id", "hash", "text"}),
    "snapshots": frozenset(f.name for f in fields(SnapshotRow)),
    "facts": frozenset({"snapshot_id", "kind", "key", "text_id"}),
    "releases": frozenset({"target", "version", "published_at"}),
    "changelogs": frozenset({"source", "text", "history", "fetched_at", "parsed", "parser"}),
    "judgements": frozenset({"key", "findings", "judged_at"}),
    "pretty": frozenset({"key", "text", "used_at"}),
    "state": frozenset({"key", "value", "updated_at"}),
    "profile_captures": frozenset({"target", "version", "platform", "scenario", "setup", "extractor", "facts", "captured_at"}),
}
"""The columns of every table the migrations make (a test holds the two together). Written out, not
read from a store migrated in memory: that costs every start 10-80 ms."""


@cache
def _migration_names() -> frozenset[str]:
    return frozenset(m.name for m in migrations.pending(sqlite_utils.Database(memory=True, execute_plugins=False)))


def check_schema(db: sqlite_utils.Database, where: Path | str) -> None:
    """A StoreError if a newer auditor made this store (a migration or a column this one does not know):
    reading it would misread it, writing it could break it for that newer auditor. Reads only."""
    known = _migration_names()
    applied = [m.name for m in migrations.applied(db)]
    if set(applied) - known:
        raise StoreError(f"{where} was made by a newer auditor (schema {len(applied)}; this one knows {len(known)}): upgrade auditor")
    for table, columns in COLUMNS.items():
        extra = sorted(set(_columns(db, table)) - columns)
        if extra:
            raise StoreError(f"{where} was made by a newer auditor (schema {len(applied)} with column {table}.{extra[0]}, "
                             "unknown to this one): upgrade auditor")


def _columns(db: sqlite_utils.Database, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info([{table}])")]


class Store:
    """Snapshots and their facts."""

    def __init__(self, db: sqlite_utils.Database, path: Path | None = None, *, migrate: bool = True):
        self.db = db
        self.path = path
        # set by a reader that found a collector writing (it writes nothing, caches included), and for a source
        self.read_only = not migrate
        try:
            if migrate:  # a source was checked by `source`
                check_schema(db, path or ":memory:")  # before anything writes: a newer store stays as it was
                if path is not None:
                    db.enable_wal()
                db.execute("PRAGMA busy_timeout = 10000")
                migrations.apply(db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use the store {path or ':memory:'}: {exc}") from None

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        path = Path(path) if path else default_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite_utils.Database(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot use the store {path}: {getattr(exc, 'strerror', None) or exc}") from None
        return cls(db, path)

    @classmethod
    def source(cls, path: Path, name: str | None = None) -> Store:
        """Another store, read as data, never as code (`audit merge`, `audit import`): opened read-only,
        immutable unless a writer's log (-wal) is beside it (immutable ignores that log), its schema
        defined functions untrusted, never migrated nor written. Only the tables a merge copies are
        read, and only their columns: its triggers, views and other tables are never touched. Errors
        call it `name` (default: its path)."""
        where = name or path
        wal = path.with_name(path.name + "-wal")
        live = wal.is_file() and wal.stat().st_size > 0
        uri = path.resolve().as_uri() + ("?mode=ro" if live else "?mode=ro&immutable=1")
        try:
            conn = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise StoreError(f"{where} is not an auditor store: {exc}") from None
        try:
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA trusted_schema = OFF")
            db = sqlite_utils.Database(conn, execute_plugins=False)  # no sqlite-utils plugin adds functions to it
            check_schema(db, where)
            kinds = dict(conn.execute(f"SELECT name, type FROM sqlite_master WHERE name IN ({', '.join('?' * len(COPIED_TABLES))})",
                                      COPIED_TABLES).fetchall())
            for table in COPIED_TABLES:
                if kinds.get(table) != "table":
                    raise StoreError(f"{where} is not an auditor store: it has no {table} table")
                missing = sorted(COLUMNS[table] - set(_columns(db, table)))
                if missing:
                    raise StoreError(f"{where} is not an auditor store: its {table} table lacks {', '.join(missing)}")
        except (StoreError, sqlite3.Error) as exc:
            conn.close()
            raise exc if isinstance(exc, StoreError) else StoreError(f"{where} is not an auditor store: {exc}") from None
        return cls(db, path, migrate=False)

    @classmethod
    def memory(cls) -> Store:
        return cls(sqlite_utils.Database(memory=True))

    def _lock_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".lock")

    def busy(self) -> str | None:
        """Who is collecting into this store now (`audit collect (pid N)`), or None."""
        if self.path is None or not self._lock_path().exists():
            return None
        with open(self._lock_path(), "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                return lock.read().strip() or "another process"
            fcntl.flock(lock, fcntl.LOCK_UN)
        return None

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """Exclusive right to collect into this store, for as long as the block runs."""
        if self.read_only:
            raise StoreBusy(f"{self.path} was opened read-only (a collect was writing it); open it again to collect")
        if self.path is None:
            yield self
            return
        lock_path = self._lock_path()
        with open(lock_path, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "another process"
                raise StoreBusy(f"{self.path} is being written by {holder}; wait for it to finish") from None
            lock.seek(0)
            lock.truncate()
            lock.write(f"audit collect (pid {os.getpid()})")
            lock.flush()
            try:
                yield self
            finally:
                self.prune()
                lock.truncate(0)
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- writing -----------------------------------------------------------------------------------

    def save_snapshot(
        self,
        *,
        target: str,
        version: str,
        platform: str,
        source: str,
        origin: str,
        extractor: str,
        published_at: str | None,
        facts: dict[str, dict[str, object]],
    ) -> int:
        """Replace the snapshot with these facts, atomically."""
        with self.db.conn:
            existing = self.find(target, version, platform, source)
            if existing:
                self.db.conn.execute("DELETE FROM facts WHERE snapshot_id = ?", [existing.id])
                self.db.conn.execute("DELETE FROM snapshots WHERE id = ?", [existing.id])
            return self._insert(SnapshotRow(0, target, version, platform, source, origin, extractor, published_at, _now()), facts)

    def _insert(self, row: SnapshotRow, facts: dict[str, dict[str, object]]) -> int:
        """Add a snapshot row (its id is the store's to choose) and its facts, texts stored once; inside
        the caller's transaction."""
        conn = self.db.conn
        cur = conn.execute(
            "INSERT INTO snapshots (target, version, platform, source, origin, extractor, published_at, collected_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [row.target, row.version, row.platform, row.source, row.origin, row.extractor, row.published_at, row.collected_at],
        )
        snapshot_id = cast(int, cur.lastrowid)  # never None after an INSERT
        conn.executemany(
            "INSERT INTO facts (snapshot_id, kind, key, text_id) VALUES (?, ?, ?, ?)",
            [(snapshot_id, kind, key, self._text_id(json.dumps(value, ensure_ascii=False))) for kind, entries in facts.items() for key, value in entries.items()],
        )
        return snapshot_id

    def close(self) -> None:
        self.db.conn.close()

    def update_snapshot(self, *, target: str, version: str, platform: str, source: str, origin: str, extractor: str,
                        published_at: str | None, change: Callable[[dict[str, dict[str, object]]], None]) -> int:
        """Read a snapshot's facts, let `change` edit them, write them back: one transaction taken up front
        (BEGIN IMMEDIATE), so two writers (two proxies on one store) never lose each other's updates."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            existing = self.find(target, version, platform, source)
            facts = self.facts(existing.id) if existing else {}
            change(facts)
            return self.save_snapshot(target=target, version=version, platform=platform, source=source, origin=origin,
                                      extractor=extractor, published_at=published_at, facts=facts)  # commits
        except BaseException:
            conn.rollback()
            raise

    def prune(self) -> int:
        """Drop texts no fact points at any more (left by re-collected snapshots); how many went."""
        with self.db.conn:
            return self.db.conn.execute("DELETE FROM texts WHERE id NOT IN (SELECT text_id FROM facts)").rowcount

    def _text_id(self, text: str) -> int:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        conn = self.db.conn
        row = conn.execute("SELECT id FROM texts WHERE hash = ?", [digest]).fetchone()
        if row:
            return row[0]
        return cast(int, conn.execute("INSERT INTO texts (hash, text) VALUES (?, ?)", [digest, text]).lastrowid)

    def save_releases(self, target: str, published: dict[str, str | None]) -> None:
        if self.read_only:
            return  # a cache: computed again next time
        with self.db.conn:
            self.db.table("releases").upsert_all(
                [{"target": target, "version": v, "published_at": t} for v, t in published.items()],
                pk=("target", "version"),
            )

    # -- reading -----------------------------------------------------------------------------------

    def find(self, target: str, version: str, platform: str, source: str) -> SnapshotRow | None:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM snapshots WHERE target = ? AND version = ? AND platform = ? AND source = ?",
            [target, version, platform, source],
        ).fetchone()
        return SnapshotRow(*row) if row else None

    def snapshots(self, target: str, source: str | None = None) -> list[SnapshotRow]:
        sql = f"SELECT {_COLUMNS} FROM snapshots WHERE target = ?" + (" AND source = ?" if source else "")
        rows = self.db.execute(sql, [target, source] if source else [target]).fetchall()
        return [SnapshotRow(*r) for r in rows]

    def facts(self, snapshot_id: int, kinds: tuple[str, ...] = ()) -> dict[str, dict[str, object]]:
        """The snapshot's facts (only `kinds`, when given)."""
        values = self.values()
        refs = self.fact_refs(snapshot_id, kinds)
        values.load(ref for column in refs.values() for ref in column.values())
        return {kind: {key: values(ref) for key, ref in column.items()} for kind, column in refs.items()}

    def fact_refs(self, snapshot_id: int, kinds: tuple[str, ...] = ()) -> dict[str, dict[str, int]]:
        """The snapshot's facts as text ids, without their texts: texts are stored once by content, so
        equal ids are equal values, and a range diff compares ids before it reads any text. (One query
        per kind, each row going straight into a dict: twice as fast as a Python loop over all rows.)"""
        conn = self.db.conn
        if kinds:  # a few kinds of many snapshots (what the captures sent): one query each snapshot
            out: dict[str, dict[str, int]] = {}
            marks = ", ".join("?" * len(kinds))
            for kind, key, text_id in conn.execute(f"SELECT kind, key, text_id FROM facts WHERE snapshot_id = ? AND kind IN ({marks})", [snapshot_id, *kinds]):
                out.setdefault(kind, {})[key] = text_id
            return out
        present = [k for (k,) in conn.execute("SELECT DISTINCT kind FROM facts WHERE snapshot_id = ?", [snapshot_id])]
        return {kind: dict(conn.execute("SELECT key, text_id FROM facts WHERE snapshot_id = ? AND kind = ?", [snapshot_id, kind])) for kind in present}

    def values(self) -> Values:
        """A reader of fact values by text id (from `fact_refs`) that decodes each text once."""
        return Values(self.db.conn)

    def save_changelog(self, source: str, text: str, history: dict | None, parsed: str, parser: str) -> None:
        """What `source` says now: its text, history, and the releases parsed from the text (JSON)."""
        if self.read_only:
            return  # a cache: computed again next time
        with self.db.conn:
            self.db.table("changelogs").upsert(
                {
                    "source": source,
                    "text": text,
                    "history": json.dumps(history) if history else None,
                    "fetched_at": _now(),
                    "parsed": parsed,
                    "parser": parser,
                },
                pk="source",
            )

    def touch_changelog(self, source: str) -> None:
        """`source` answered with what is saved: only when it did changes."""
        if self.read_only:
            return  # a cache: computed again next time
        with self.db.conn:
            self.db.execute("UPDATE changelogs SET fetched_at = ? WHERE source = ?", [_now(), source])

    def changelog(self, source: str) -> SavedChangelog | None:
        """What was last saved for this source."""
        row = self.db.execute(
            "SELECT text, history, fetched_at, parsed, parser FROM changelogs WHERE source = ?", [source]
        ).fetchone()
        if row is None:
            return None
        text, history, fetched_at, parsed, parser = row
        return SavedChangelog(text, json.loads(history) if history else None, fetched_at, parsed, parser)

    def judgement(self, key: str) -> str | None:
        """Findings (JSON) saved under this key."""
        return self._kept("judgements", "findings", key)

    def save_judgement(self, key: str, findings: str) -> None:
        """Save findings under `key`; only the newest JUDGEMENTS_KEPT judgements stay."""
        self._keep("judgements", ("findings", "judged_at"), key, findings, JUDGEMENTS_KEPT)

    def pretty(self, key: str) -> str | None:
        """Code pretty-printed under this key (auditor.pretty), if kept."""
        return self._kept("pretty", "text", key)

    def save_pretty(self, key: str, text: str) -> None:
        """Keep pretty-printed code under `key`; only the newest PRETTY_KEPT stay."""
        self._keep("pretty", ("text", "used_at"), key, text, PRETTY_KEPT)

    def _kept(self, table: str, column: str, key: str) -> str | None:
        row = self.db.execute(f"SELECT {column} FROM {table} WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _keep(self, table: str, columns: tuple[str, str], key: str, value: str, kept: int) -> None:
        """A cache table's row (its value and when it was saved); only the newest `kept` rows stay. Never in a
        read-only store: a cache is computed again next time."""
        if self.read_only:
            return
        value_column, time_column = columns
        with self.db.conn:
            self.db.execute(f"INSERT OR REPLACE INTO {table} (key, {value_column}, {time_column}) VALUES (?, ?, ?)", [key, value, _now()])
            self.db.execute(
                f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM {table} ORDER BY {time_column} DESC, rowid DESC LIMIT ?)", [kept]
            )

    def releases(self, target: str) -> dict[str, str | None]:
        return {
            r["version"]: r["published_at"]
            for r in self.db.query("SELECT version, published_at FROM releases WHERE target = ?", [target])
        }

    # -- state kept between runs; whole-snapshot copies (merge, import) ------------------------------

    def state(self, key: str) -> Any:
        """A small value a command keeps between runs (the Action's last reported release)."""
        row = self.db.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else None

    def save_state(self, key: str, value: object) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.db.conn:
            self.db.conn.execute("INSERT OR REPLACE INTO state (key, value, updated_at) VALUES (?, ?, ?)", [key, json.dumps(value), now])

    def profile_capture(self, target: str, version: str, platform: str, scenario: str, setup: str, extractor: str) -> dict | None:
        """The facts a capture of the user's setup `setup` (a digest) stored, if made by this capture format."""
        row = self.db.execute(
            "SELECT facts FROM profile_captures WHERE target = ? AND version = ? AND platform = ? AND scenario = ? AND setup = ? AND extractor = ?",
            [target, version, platform, scenario, setup, extractor],
        ).fetchone()
        return json.loads(row[0]) if row else None

    def save_profile_capture(self, target: str, version: str, platform: str, scenario: str, setup: str, extractor: str, facts: dict) -> None:
        """Keep one capture of the user's setup, dropping every capture of another setup: nothing of a profile
        stays beyond what the report on it needs (secure_delete: nor in the file's free pages)."""
        self.db.execute("PRAGMA secure_delete = ON")
        with self.db.conn:
            self.db.execute("DELETE FROM profile_captures WHERE setup != ? OR (target = ? AND version = ? AND platform = ? AND scenario = ?)",
                            [setup, target, version, platform, scenario])
            self.db.execute(
                "INSERT INTO profile_captures (target, version, platform, scenario, setup, extractor, facts, captured_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [target, version, platform, scenario, setup, extractor, json.dumps(facts, ensure_ascii=False), _now()],
            )
        self.db.execute("PRAGMA secure_delete = OFF")

    def all_snapshots(self) -> list[SnapshotRow]:
        return [SnapshotRow(*r) for r in self.db.execute(f"SELECT {_COLUMNS} FROM snapshots ORDER BY target, version, platform, source")]

    def copy_snapshot(self, row: SnapshotRow, facts: dict[str, dict[str, object]]) -> int:
        """Add another store's snapshot as it was (collected_at kept), in one transaction, reusing the texts
        already here. The caller has checked that no snapshot has the same key."""
        with self.db.conn:
            return self._insert(row, facts)

    def all_releases(self) -> dict[str, dict[str, str | None]]:
        """Publish times of every target's releases: {target: {version: published_at}}."""
        out: dict[str, dict[str, str | None]] = {}
        for target, version, published_at in self.db.execute("SELECT target, version, published_at FROM releases"):
            out.setdefault(target, {})[version] = published_at
        return out


@migrations()
def create_state(db: sqlite_utils.Database) -> None:
    """Small named values kept between runs (see Store.state)."""
    db.table("state").create({"key": str, "value": str, "updated_at": str}, pk="key")


@migrations()
def create_profile_captures(db: sqlite_utils.Database) -> None:
    """Captures of a user's own setup (`audit diff --profile`): apart from snapshots, facts and texts, which
    merge, import and the published stores copy; only the setup used last is kept (Store.save_profile_capture)."""
    db.table("profile_captures").create(
        {"target": str, "version": str, "platform": str, "scenario": str, "setup": str, "extractor": str, "facts": str, "captured_at": str},
        pk=("target", "version", "platform", "scenario"),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Values:
    """Fact values by text id, each decoded once and then shared: a text that 200 releases carry is one
    object in memory, and only the texts asked for are read."""

    _BATCH = 500  # ids per query (SQLite allows 999 parameters in old builds)

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._cache: dict[int, object] = {}

    def __call__(self, text_id: int) -> object:
        if text_id not in self._cache:
            self.load((text_id,))
        return self._cache[text_id]

    def load(self, text_ids: Iterable[int]) -> None:
        """Read the texts of these ids that are not read yet, a batch per query."""
        missing = sorted({i for i in text_ids if i not in self._cache})
        for start in range(0, len(missing), self._BATCH):
            batch = missing[start : start + self._BATCH]
            rows = self._conn.execute(f"SELECT id, text FROM texts WHERE id IN ({', '.join('?' * len(batch))})", batch)
            self._cache.update((i, json.loads(text)) for i, text in rows)
        lost = next((i for i in missing if i not in self._cache), None)
        if lost is not None:
            raise StoreError(f"the store is damaged: a fact points at text {lost}, which it does not hold")
