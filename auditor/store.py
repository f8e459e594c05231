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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils
from sqlite_utils import Migrations

from .errors import StoreBusy, StoreError

ENV_DB = "AUDITOR_DB"

migrations = Migrations("auditor")


@migrations()
def create_tables(db: sqlite_utils.Database) -> None:
    db["texts"].create({"id": int, "hash": str, "text": str}, pk="id")
    db["texts"].create_index(["hash"], unique=True)
    db["snapshots"].create(
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
    db["snapshots"].create_index(["target", "version", "platform", "source"], unique=True)
    db["facts"].create(
        {"snapshot_id": int, "kind": str, "key": str, "text_id": int},
        pk=("snapshot_id", "kind", "key"),
        foreign_keys=[("snapshot_id", "snapshots", "id"), ("text_id", "texts", "id")],
    )
    db["releases"].create({"target": str, "version": str, "published_at": str}, pk=("target", "version"))


@migrations()
def create_changelogs(db: sqlite_utils.Database) -> None:
    """The last changelog text fetched from each source, and its folded git history (incremental)."""
    db["changelogs"].create({"source": str, "text": str, "history": str, "fetched_at": str}, pk="source")


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


def default_path() -> Path:
    """`$AUDITOR_DB`, else `snapshots/auditor.db` when run from a checkout, else the user data dir."""
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    if Path("snapshots").is_dir():
        return Path("snapshots") / "auditor.db"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "auditor" / "auditor.db"


class Store:
    """Snapshots and their facts."""

    def __init__(self, db: sqlite_utils.Database, path: Path | None = None):
        self.db = db
        self.path = path
        try:
            if path is not None:
                db.enable_wal()
            db.execute("PRAGMA busy_timeout = 10000")
            migrations.apply(db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use the store {path or ':memory:'}: {exc}") from None

    @classmethod
    def open(cls, path: Path | None = None) -> "Store":
        path = Path(path) if path else default_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite_utils.Database(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot use the store {path}: {getattr(exc, 'strerror', None) or exc}") from None
        return cls(db, path)

    @classmethod
    def memory(cls) -> "Store":
        return cls(sqlite_utils.Database(memory=True))

    @contextmanager
    def writer(self) -> Iterator["Store"]:
        """Exclusive right to collect into this store, for as long as the block runs."""
        if self.path is None:
            yield self
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
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
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        conn = self.db.conn
        with conn:
            existing = self.find(target, version, platform, source)
            if existing:
                conn.execute("DELETE FROM facts WHERE snapshot_id = ?", [existing.id])
                conn.execute("DELETE FROM snapshots WHERE id = ?", [existing.id])
            cur = conn.execute(
                "INSERT INTO snapshots (target, version, platform, source, origin, extractor, published_at, collected_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [target, version, platform, source, origin, extractor, published_at, now],
            )
            snapshot_id = cur.lastrowid
            rows = []
            for kind, entries in facts.items():
                for key, value in entries.items():
                    rows.append((snapshot_id, kind, key, self._text_id(json.dumps(value, ensure_ascii=False))))
            conn.executemany("INSERT INTO facts (snapshot_id, kind, key, text_id) VALUES (?, ?, ?, ?)", rows)
        return snapshot_id

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
        return conn.execute("INSERT INTO texts (hash, text) VALUES (?, ?)", [digest, text]).lastrowid

    def save_releases(self, target: str, published: dict[str, str | None]) -> None:
        with self.db.conn:
            self.db["releases"].upsert_all(
                [{"target": target, "version": v, "published_at": t} for v, t in published.items()],
                pk=("target", "version"),
            )

    # -- reading -----------------------------------------------------------------------------------

    def find(self, target: str, version: str, platform: str, source: str) -> SnapshotRow | None:
        row = self.db.execute(
            "SELECT * FROM snapshots WHERE target = ? AND version = ? AND platform = ? AND source = ?",
            [target, version, platform, source],
        ).fetchone()
        return SnapshotRow(*row) if row else None

    def snapshots(self, target: str, source: str | None = None) -> list[SnapshotRow]:
        sql = "SELECT * FROM snapshots WHERE target = ?" + (" AND source = ?" if source else "")
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
        present = [k for (k,) in conn.execute("SELECT DISTINCT kind FROM facts WHERE snapshot_id = ?", [snapshot_id])]
        return {
            kind: dict(conn.execute("SELECT key, text_id FROM facts WHERE snapshot_id = ? AND kind = ?", [snapshot_id, kind]))
            for kind in present
            if not kinds or kind in kinds
        }

    def values(self) -> "Values":
        """A reader of fact values by text id (from `fact_refs`) that decodes each text once."""
        return Values(self.db.conn)

    def save_changelog(self, source: str, text: str, history: dict | None) -> None:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self.db.conn:
            self.db["changelogs"].upsert(
                {"source": source, "text": text, "history": json.dumps(history) if history else None, "fetched_at": now},
                pk="source",
            )

    def changelog(self, source: str) -> tuple[str, dict | None, str] | None:
        """(text, history, fetched_at) last saved for this source."""
        row = self.db.execute("SELECT text, history, fetched_at FROM changelogs WHERE source = ?", [source]).fetchone()
        return (row[0], json.loads(row[1]) if row[1] else None, row[2]) if row else None

    def releases(self, target: str) -> dict[str, str | None]:
        return {
            r["version"]: r["published_at"]
            for r in self.db.query("SELECT version, published_at FROM releases WHERE target = ?", [target])
        }


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
