"""Shards and merging: `collect --shard`, `audit merge` (whole snapshots, texts once, conflicts reported)
and `audit import` (verified by sha256, merged, never overwriting)."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pytest
from click.testing import CliRunner

from auditor import versions
from auditor.cli import cli
from auditor.errors import MergeError
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


def test_import_a_url_with_its_published_digest(tmp_path, httpserver):
    data, digest = published_store(tmp_path)
    httpserver.expect_request("/store/auditor.db.gz").respond_with_data(data)
    httpserver.expect_request("/store/auditor.db.gz.sha256").respond_with_data(f"{digest}  auditor.db.gz\n")
    mine = Store.open(tmp_path / "mine.db")
    snapshot(mine, "2.1.1", {"env": {"X": "mine"}})  # never overwritten by an import
    result = CliRunner().invoke(cli, ["import", httpserver.url_for("/store/auditor.db.gz"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 1 and "conflict: claude-code 2.1.1 any static" in result.stderr
    assert mine.facts(mine.find("claude-code", "2.1.1", "any", "static").id) == {"env": {"X": "mine"}}
    result = CliRunner().invoke(cli, ["import", httpserver.url_for("/missing.db"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 1 and re.search(r"Error: cannot download http://\S+/missing.db: HTTP 500", result.stderr)


def test_merge_error_names_a_missing_store(tmp_path):
    from auditor.merge import opened

    with pytest.raises(MergeError, match="no store at"):
        with opened(tmp_path / "nope.db"):
            pass
