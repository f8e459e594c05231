"""Shards and merging: `collect --shard`, `audit merge` (whole snapshots, texts once, conflicts reported)
and `audit import` (verified by sha256, merged, never overwriting)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sqlite3

import pytest
import sqlite_utils
from click.testing import CliRunner

from auditor import store as store_module
from auditor import versions
from auditor.cli import cli
from auditor.errors import MergeError, StoreError
from auditor.merge import merge
from auditor.store import Store

SHARED_TEXT = "You are an interactive agent that helps users with software engineering tasks."


def snapshot(store: Store, version: str, facts: dict, source: str = "static") -> None:
    store.save_snapshot(target="claude-code", version=version, platform="any", source=source, origin="test", extractor="7",
                        published_at=None, facts=facts)


def texts(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM texts").fetchone()[0]


def test_shards_are_disjoint_cover_the_list_and_stay_put_when_a_release_is_added():
    published = [f"2.1.{i}" for i in range(1, 12)]
    shards = [versions.shard(published, k, 4) for k in range(1, 5)]
    assert sorted((v for s in shards for v in s), key=versions.parse) == published
    assert shards[0] == ["2.1.1", "2.1.5", "2.1.9"]
    later = [versions.shard([*published, "2.1.12"], k, 4) for k in range(1, 5)]
    assert all(set(before) <= set(after) for before, after in zip(shards, later, strict=True))
    assert versions.parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "2", "a/b", "2/0"):
        with pytest.raises(ValueError):
            versions.parse_shard(bad)


def test_merge_copies_whole_snapshots_stores_texts_once_and_reports_conflicts(tmp_path):
    a, b, into = Store.open(tmp_path / "a.db"), Store.open(tmp_path / "b.db"), Store.open(tmp_path / "into.db")
    snapshot(a, "2.1.1", {"prompt_section": {"intro": SHARED_TEXT}, "env": {"X": 1}})
    snapshot(b, "2.1.2", {"prompt_section": {"intro": SHARED_TEXT}, "env": {"X": 2}})
    snapshot(b, "2.1.3", {"env": {"X": 3}})
    snapshot(into, "2.1.3", {"env": {"X": "different"}})
    first = merge(into, a)
    assert [r.version for r in first.added] == ["2.1.1"] and not first.conflicts
    second = merge(into, b)
    assert [r.version for r in second.added] == ["2.1.2"]
    assert second.conflicts == ["claude-code 2.1.3 any static: 1 facts (env:X) differ (kept this store's)"]
    assert into.facts(into.find("claude-code", "2.1.3", "any", "static").id) == {"env": {"X": "different"}}
    assert into.facts(into.find("claude-code", "2.1.2", "any", "static").id) == {"prompt_section": {"intro": SHARED_TEXT}, "env": {"X": 2}}
    assert texts(into) == 4  # the shared prompt once, and X = 1, 2, "different"
    again = merge(into, a)
    assert not again.added and [r.version for r in again.same] == ["2.1.1"]


def test_cli_merge_says_what_it_did_and_exits_1_on_a_conflict(tmp_path):
    a, b = Store.open(tmp_path / "a.db"), Store.open(tmp_path / "b.db")
    snapshot(a, "2.1.1", {"env": {"X": 1}})
    snapshot(b, "2.1.1", {"env": {"X": 2}})
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "a.db"), str(tmp_path / "b.db"), "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{tmp_path / 'a.db'}: 1 snapshots added, 0 already here, 0 conflicts, 0 release dates added",
                                          f"{tmp_path / 'b.db'}: 0 snapshots added, 0 already here, 1 conflicts, 0 release dates added"]
    assert result.stderr.startswith("conflict: claude-code 2.1.1 any static")
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "junk.db"), "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 1 and result.stderr.strip().splitlines()[-1].startswith(f"Error: {tmp_path / 'junk.db'} is not an auditor store")


def test_two_shards_merged_equal_one_store_collected_whole(releases, env):
    runner, every = CliRunner(), ["2.1.1", "2.1.2", "2.1.113", "2.1.114"]
    for name, extra in (("whole", []), ("s1", ["--shard", "1/2"]), ("s2", ["--shard", "2/2"])):
        assert runner.invoke(cli, ["collect", *every, "--no-capture", *extra, "--db", str(env / f"{name}.db")]).exit_code == 0
    assert [r.version for r in Store.open(env / "s1.db").snapshots("claude-code")] == ["2.1.1", "2.1.113"]
    assert runner.invoke(cli, ["merge", str(env / "s1.db"), str(env / "s2.db"), "--db", str(env / "merged.db")]).exit_code == 0
    diffs = [runner.invoke(cli, ["diff", "2.1.1", "2.1.114", "--no-capture", "--format", "json", "--db", str(env / f"{n}.db")]).stdout
             for n in ("whole", "merged")]
    assert json.loads(diffs[0])["changes"] and diffs[0] == diffs[1]
    whole, merged = Store.open(env / "whole.db"), Store.open(env / "merged.db")
    assert texts(whole) == texts(merged)


def published_store(tmp_path) -> tuple:
    source = Store.open(tmp_path / "pub.db")
    snapshot(source, "2.1.1", {"env": {"X": 1}})
    source.close()
    data = gzip.compress((tmp_path / "pub.db").read_bytes())
    (tmp_path / "auditor.db.gz").write_bytes(data)
    return data, hashlib.sha256(data).hexdigest()


def test_import_a_file_verified_by_the_digest_beside_it(tmp_path):
    _, digest = published_store(tmp_path)
    runner, db = CliRunner(), ["--db", str(tmp_path / "mine.db")]
    result = runner.invoke(cli, ["import", str(tmp_path / "auditor.db.gz"), *db])
    assert result.exit_code == 1 and "has no auditor.db.gz.sha256 beside it; give its digest with --sha256" in result.stderr
    (tmp_path / "auditor.db.gz.sha256").write_text(f"{'0' * 64}  auditor.db.gz\n")
    result = runner.invoke(cli, ["import", str(tmp_path / "auditor.db.gz"), *db])
    assert result.exit_code == 1 and f"does not match its digest (sha256 {digest}, expected {'0' * 64}); nothing imported" in result.stderr
    assert not Store.open(tmp_path / "mine.db").all_snapshots()
    (tmp_path / "auditor.db.gz.sha256").write_text(f"{digest}  auditor.db.gz\n")
    result = runner.invoke(cli, ["import", str(tmp_path / "auditor.db.gz"), *db])
    assert result.exit_code == 0, result.output
    assert [r.version for r in Store.open(tmp_path / "mine.db").all_snapshots()] == ["2.1.1"]
    assert runner.invoke(cli, ["import", str(tmp_path / "auditor.db.gz"), "--sha256", digest.upper(), *db]).stdout.startswith(
        f"{tmp_path / 'auditor.db.gz'}: 0 snapshots added, 1 already here")


def test_import_a_url_with_its_published_digest(tmp_path, httpserver, monkeypatch):
    data, digest = published_store(tmp_path)
    httpserver.expect_request("/store/auditor.db.gz").respond_with_data(data)
    httpserver.expect_request("/store/auditor.db.gz.sha256").respond_with_data(f"{digest}  auditor.db.gz\n")
    mine = Store.open(tmp_path / "mine.db")
    snapshot(mine, "2.1.1", {"env": {"X": "mine"}})  # never overwritten by an import
    result = CliRunner().invoke(cli, ["import", httpserver.url_for("/store/auditor.db.gz"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 1 and "conflict: claude-code 2.1.1 any static" in result.stderr
    assert mine.facts(mine.find("claude-code", "2.1.1", "any", "static").id) == {"env": {"X": "mine"}}
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)  # a 5xx is tried again (retry.Policy), not waited for here
    result = CliRunner().invoke(cli, ["import", httpserver.url_for("/missing.db"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 1
    assert re.search(r"Error: cannot download http://\S+/missing.db: HTTP 500 INTERNAL SERVER ERROR, gave up after 5 tries$", result.stderr)
    assert slept == [0.5, 1.0, 2.0, 4.0]


def test_merge_error_names_a_missing_store(tmp_path):
    from auditor.merge import opened

    with pytest.raises(MergeError, match="no store at"):
        with opened(tmp_path / "nope.db"):
            pass


# -- a store from elsewhere is data, not code ---------------------------------------------------------


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hostile_store(path, version="2.1.1") -> None:
    """A store whose file carries code: triggers on every table (they write into `evil`), a view, an extra
    table, a missing migration record (migrating it would run again), the snapshots table's columns in
    another order, and the rollback journal (switching it to WAL would rewrite its header)."""
    store = Store.open(path)
    snapshot(store, version, {"env": {"X": 1}})
    store.save_releases("claude-code", {version: "2026-01-02T03:04:05.000Z"})
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.executescript("""
        CREATE TABLE evil (what TEXT);
        CREATE VIEW every_fact AS SELECT * FROM facts;
        DELETE FROM _sqlite_migrations WHERE name = 'create_state';
        CREATE TABLE snapshots_reordered AS SELECT collected_at, published_at, extractor, origin, source, platform, version, target, id
            FROM snapshots;
        DROP TABLE snapshots;
        ALTER TABLE snapshots_reordered RENAME TO snapshots;
    """)
    for table in ("snapshots", "facts", "texts", "releases", "_sqlite_migrations", "state", "evil"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            conn.execute(f"CREATE TRIGGER {table}_{event.lower()} AFTER {event} ON {table} BEGIN "
                         f"INSERT INTO evil VALUES ('{event} {table}'); END")
    conn.commit()
    conn.close()


def test_merge_reads_a_hostile_source_as_data_and_leaves_its_file_as_it_was(tmp_path):
    hostile_store(tmp_path / "evil.db")
    before, files = digest(tmp_path / "evil.db"), sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "evil.db"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{tmp_path / 'evil.db'}: 1 snapshots added, 0 already here, 0 conflicts, 1 release dates added")
    assert digest(tmp_path / "evil.db") == before  # not migrated, not switched to WAL, no trigger fired
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("mine.db")) == files  # no -wal, no -shm
    assert sqlite3.connect(tmp_path / "evil.db").execute("SELECT count(*) FROM evil").fetchone() == (0,)
    mine = Store.open(tmp_path / "mine.db")
    (row,) = mine.all_snapshots()  # copied column by column, whatever their order there
    assert (row.target, row.version, row.platform, row.source, row.origin) == ("claude-code", "2.1.1", "any", "static", "test")
    assert mine.facts(row.id) == {"env": {"X": 1}}
    tables = {name for (name,) in mine.db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger')")}
    assert not tables & {"evil", "every_fact", "snapshots_insert"}  # nothing of its schema came along


def test_a_view_in_place_of_a_table_is_not_a_store(tmp_path):
    store = Store.open(tmp_path / "view.db")
    store.close()
    conn = sqlite3.connect(tmp_path / "view.db")
    conn.executescript("DROP TABLE releases; CREATE VIEW releases AS SELECT 'claude-code' AS target, '2.1.1' AS version, NULL AS published_at;")
    conn.close()
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "view.db"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {tmp_path / 'view.db'} is not an auditor store: it has no releases table"


def test_malformed_rows_of_a_source_are_skipped_and_named_the_rest_merged(tmp_path):
    source = Store.open(tmp_path / "odd.db")
    snapshot(source, "2.1.1", {"env": {"X": 1}})
    for version in ("2.1.2", "2.1.3", "2.1.4"):
        snapshot(source, version, {"env": {"X": version}})
    source.close()
    conn = sqlite3.connect(tmp_path / "odd.db")
    conn.executescript("""
        UPDATE snapshots SET target = 'claude-code' || char(27) || '[2J' WHERE version = '2.1.2';
        UPDATE texts SET text = '{not json' WHERE text = '"2.1.3"';
        UPDATE facts SET key = x'ff00' WHERE snapshot_id = (SELECT id FROM snapshots WHERE version = '2.1.4');
        INSERT INTO snapshots (target, version, platform, source, origin, extractor, published_at, collected_at)
            VALUES ('claude-code', '../../etc', 'any', 'static', 'o', '7', NULL, 'now');
        INSERT INTO releases VALUES ('claude-code', '2.1.1', 'yesterday'), ('claude-code', '2.1.5', '2026-01-02T03:04:05Z');
    """)
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "odd.db"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 1
    assert result.stdout.strip() == (f"{tmp_path / 'odd.db'}: 1 snapshots added, 0 already here, 0 conflicts, "
                                     "1 release dates added, 5 malformed rows skipped")
    skipped = sorted(result.stderr.splitlines())
    assert len(skipped) == 5 and all(line.startswith("skipped: ") for line in skipped)
    assert "\x1b" not in result.stderr and "'claude-code\\x1b[2J'" in result.stderr
    assert any("2.1.3" in line and "Expecting property name" in line for line in skipped)
    assert any("2.1.4" in line and "a fact named 'env' b'\\xff\\x00'" in line for line in skipped)
    assert any("'../../etc' is not a version" in line for line in skipped)
    assert any("release 'claude-code' '2.1.1': published at 'yesterday'" in line for line in skipped)
    mine = Store.open(tmp_path / "mine.db")
    assert [r.version for r in mine.all_snapshots()] == ["2.1.1"]
    assert mine.releases("claude-code") == {"2.1.5": "2026-01-02T03:04:05Z"}


def newer(path, how: str) -> None:
    """A store as a newer auditor would leave it: with a migration this one does not know, or a column."""
    store = Store.open(path)
    snapshot(store, "2.1.1", {"env": {"X": 1}})
    store.close()
    conn = sqlite3.connect(path)
    if how == "migration":
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('auditor', 'from_the_future', 'then')")
    else:
        conn.execute("ALTER TABLE snapshots ADD COLUMN signed_by TEXT")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("how", ["migration", "column"])
def test_a_store_made_by_a_newer_auditor_is_refused_by_every_command_and_left_untouched(tmp_path, how):
    newer(tmp_path / "new.db", how)
    data = (tmp_path / "new.db").read_bytes()
    (tmp_path / "new.db.sha256").write_text(hashlib.sha256(data).hexdigest())
    known = len(store_module.migrations.pending(sqlite_utils.Database(memory=True)))  # the migrations this auditor has
    expected = (f"(schema {known + 1}; this one knows {known}): upgrade auditor" if how == "migration"
                else f"(schema {known} with column snapshots.signed_by, unknown to this one): upgrade auditor")
    runner, new = CliRunner(), str(tmp_path / "new.db")
    for args in (["sessions", "--db", new], ["merge", new, "--db", str(tmp_path / "mine.db")],
                 ["import", new, "--db", str(tmp_path / "mine.db")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, args
        assert result.stderr.strip() == f"Error: {tmp_path / 'new.db'} was made by a newer auditor {expected}", args
        assert (tmp_path / "new.db").read_bytes() == data, args
    assert not Store.open(tmp_path / "mine.db").all_snapshots()
    with pytest.raises(StoreError, match="made by a newer auditor"):
        Store.open(tmp_path / "new.db")


def test_a_source_being_written_is_read_with_its_log(tmp_path):
    """Immutable would ignore a live -wal: a store still open elsewhere is read through it (read-only)."""
    live = Store.open(tmp_path / "live.db")
    live.db.execute("PRAGMA wal_autocheckpoint = 0")
    snapshot(live, "2.1.1", {"env": {"X": 1}})
    assert (tmp_path / "live.db-wal").stat().st_size > 0
    result = CliRunner().invoke(cli, ["merge", str(tmp_path / "live.db"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 0 and " 1 snapshots added" in result.stdout
    live.close()
