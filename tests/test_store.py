"""The store: texts once by hash, whole snapshots or nothing, one collector at a time."""

import multiprocessing
import sqlite3

import pytest
import sqlite_utils

from auditor.errors import StoreBusy, StoreError
from auditor.store import SavedChangelog, Store, migrations

FACTS = {"string": {"a": "some prompt text"}, "flag": {"tengu_x": "false"}, "section_condition": {"s": ""}}


def save(store, version, facts=FACTS):
    return store.save_snapshot(target="t", version=version, platform="any", source="static", origin="o", extractor="1", published_at=None, facts=facts)


def test_round_trip_and_texts_are_stored_once():
    store = Store.memory()
    save(store, "1.0.0")
    save(store, "1.0.1")
    rows = store.snapshots("t")
    assert [r.version for r in rows] == ["1.0.0", "1.0.1"]
    assert store.facts(rows[1].id) == FACTS
    assert store.db["texts"].count == 3


def test_recollecting_replaces_the_snapshot():
    store = Store.memory()
    save(store, "1.0.0")
    save(store, "1.0.0", {"flag": {"tengu_x": "true"}})
    (row,) = store.snapshots("t")
    assert store.facts(row.id) == {"flag": {"tengu_x": "true"}}


def test_a_failed_save_leaves_nothing(monkeypatch):
    store = Store.memory()
    save(store, "1.0.0")
    bad = {"flag": {"ok": "1", "bad": object()}}  # not JSON: fails half-way through the rows
    with pytest.raises(TypeError):
        save(store, "1.0.1", bad)
    assert [r.version for r in store.snapshots("t")] == ["1.0.0"]
    assert store.db.execute("select count(*) from facts").fetchone()[0] == 3


def _hold_writer(path, ready, release):
    store = Store.open(path)
    with store.writer():
        ready.set()
        release.wait(10)


def test_two_collectors_on_one_store(tmp_path):
    path = tmp_path / "s.db"
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_writer, args=(path, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(StoreBusy, match=r"is being written by audit collect \(pid \d+\)"):
            with Store.open(path).writer():
                pass
    finally:
        release.set()
        holder.join(10)
    with Store.open(path).writer():  # free again once the other collector is done
        pass


def test_not_a_database(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot use the store"):
        Store.open(path)


def test_file_is_plain_sqlite(tmp_path):
    path = tmp_path / "s.db"
    save(Store.open(path), "1.0.0")
    assert sqlite3.connect(path).execute("select version from snapshots").fetchall() == [("1.0.0",)]


def test_texts_left_behind_by_a_replaced_snapshot_are_pruned():
    store = Store.memory()
    save(store, "1.0.0")
    save(store, "1.0.0", {"flag": {"tengu_x": "true"}})
    assert store.prune() == 3
    assert store.db["texts"].count == 1


def test_an_older_store_gains_the_parsed_changelog_columns(tmp_path):
    path = tmp_path / "s.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="add_parsed_changelogs")
    db["changelogs"].insert({"source": "s", "text": "## 1.0.0\n", "history": None, "fetched_at": "then"})
    db.close()
    store = Store.open(path)
    assert store.changelog("s") == SavedChangelog("## 1.0.0\n", None, "then", None, None)
    store.save_changelog("s", "## 1.0.0\n", {"format": 1}, "[]", "1")
    assert store.changelog("s").parsed == "[]" and store.changelog("s").history == {"format": 1}


def test_a_text_many_facts_share_is_read_once_and_is_one_object():
    store = Store.memory()
    text = "You are an interactive agent. " * 50
    ids = [save(store, f"1.0.{i}", {"string": {"k": text}}) for i in range(3)]
    refs = [store.fact_refs(i) for i in ids]
    assert refs[0] == refs[1] == refs[2]
    values = store.values()
    first, second = values(refs[0]["string"]["k"]), values(refs[2]["string"]["k"])
    assert first == text and first is second


def test_busy_names_the_collector_and_a_read_only_store_writes_nothing(tmp_path):
    store = Store.open(tmp_path / "s.db")
    assert store.busy() is None
    reader = Store.open(tmp_path / "s.db")
    with store.writer():
        assert reader.busy().startswith("audit collect (pid")
    assert reader.busy() is None
    reader.read_only = True
    reader.save_judgement("k", "[]")
    reader.save_releases("claude-code", {"2.1.1": None})
    assert reader.judgement("k") is None and reader.releases("claude-code") == {}
    with pytest.raises(StoreBusy, match="read-only"):
        with reader.writer():
            pass


def test_the_declared_columns_are_the_migrations_columns():
    """store.COLUMNS (what a newer auditor's store is told apart by) is what the migrations make."""
    from auditor.store import COLUMNS

    db = Store.memory().db
    assert {t.name: set(t.columns_dict) for t in db.tables if t.name != "_sqlite_migrations"} == {k: set(v) for k, v in COLUMNS.items()}
