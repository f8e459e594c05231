"""Judgements kept in the store: the same inputs are judged once, any other input is judged afresh."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import judge, judgements, rules
from auditor.changelog import Changelog, ChangelogHistory, Entry, FileVersion, Release, instant, update
from auditor.diff import Change
from auditor.store import JUDGEMENTS_KEPT, Store

RULES = rules.parse(
    """
[[rule]]
id = "env-vars"
category = "tools-permissions"
severity = "medium"
kinds = ["env"]
evidence = ["env"]

[[rule]]
id = "flags"
category = "other"
severity = "low"
kinds = ["flag"]
merge = true
"""
)
PUBLISHED = {f"1.0.{i}": f"2026-04-0{i + 1}T00:00:00+00:00" for i in range(4)}
VERSIONS = list(PUBLISHED)
CHANGES = [
    Change("env", "CLAUDE_CODE_FOO", "CLAUDE_CODE_FOO", None, "CLAUDE_CODE_FOO", "1.0.2", changed_in=("1.0.2",)),
    Change("flag", "tengu_a", "tengu_a", None, "true", "1.0.1", changed_in=("1.0.1",)),
    Change("flag", "tengu_b", "tengu_b", None, "false", "1.0.1", changed_in=("1.0.1",)),
]
JUDGE = judge.judge  # the judge itself, uncounted
RELEASES = [
    Release("1.0.1", None, (Entry("Faster startup"),)),
    Release("1.0.2", None, (Entry("New env var CLAUDE_CODE_FOO to set the foo mode"),)),
]


def changelog(releases: list[Release] = RELEASES, commits: int = 0) -> Changelog:
    history = ChangelogHistory()
    update(history, [FileVersion(f"{i:040x}", instant(PUBLISHED["1.0.0"]), "## 1.0.1\n\n- Faster startup\n") for i in range(commits)])
    return Changelog(releases, history if commits else None, "test")


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the judge itself ran."""
    calls: list[int] = []
    monkeypatch.setattr(judgements.judging, "judge", lambda *a, **k: calls.append(1) or JUDGE(*a, **k))
    return calls


def run(store: Store, changes=CHANGES, log=None, rule_set=RULES, published=PUBLISHED, versions=VERSIONS) -> list[judge.Finding]:
    return judgements.judge(store, changes, log or changelog(), rule_set, published, versions)


def test_findings_survive_the_store_whole() -> None:
    fresh = JUDGE(CHANGES, RELEASES, RULES, PUBLISHED, versions=VERSIONS)
    again = judgements.load(judgements.dump(fresh, CHANGES), CHANGES)
    assert again == fresh
    assert [f.to_json() for f in again] == [f.to_json() for f in fresh]
    assert [(f.rule, [id(c) for c in f.changes]) for f in again] == [(f.rule, [id(c) for c in f.changes]) for f in fresh]
    assert any(len(f.changes) == 2 for f in again)  # the merged flags


def test_same_inputs_are_judged_once(judged: list[int]) -> None:
    store = Store.memory()
    first = run(store)
    assert run(store) == first
    assert judged == [1]


@pytest.mark.parametrize(
    "other",
    [
        {"changes": CHANGES[:2]},
        {"changes": [dataclasses.replace(CHANGES[0], after="CLAUDE_CODE_BAR"), *CHANGES[1:]]},
        {"log": changelog([RELEASES[0]])},
        {"log": changelog(commits=1)},
        {"rule_set": [dataclasses.replace(RULES[0], severity="high"), RULES[1]]},
        {"published": {**PUBLISHED, "1.0.4": None}},
        {"versions": VERSIONS[1:]},
    ],
    ids=["fewer changes", "a changed value", "another changelog", "another history", "another rule", "publish times", "range"],
)
def test_any_other_input_is_judged_afresh(judged: list[int], other: dict) -> None:
    store = Store.memory()
    run(store)
    assert run(store, **other) == JUDGE(
        other.get("changes", CHANGES), other.get("log", changelog()).releases, other.get("rule_set", RULES),
        other.get("published", PUBLISHED), other.get("log", changelog()).history, versions=other.get("versions", VERSIONS),
    )
    assert judged == [1, 1]


def test_other_code_judges_afresh(judged: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.memory()
    run(store)
    monkeypatch.setattr(judgements, "code_digest", lambda: "edited")
    run(store)
    assert judged == [1, 1]


def test_unreadable_judgement_is_judged_again_and_replaced(judged: list[int]) -> None:
    store = Store.memory()
    first = run(store)
    store.db.execute("UPDATE judgements SET findings = '[{\"id\": 1}]'")
    assert run(store) == first
    assert run(store) == first
    assert judged == [1, 1]


def test_only_the_newest_judgements_are_kept() -> None:
    store = Store.memory()
    for n in range(JUDGEMENTS_KEPT + 3):
        run(store, versions=[*VERSIONS[: 1 + n % 4], f"9.9.{n}"])
    assert store.db["judgements"].count == JUDGEMENTS_KEPT


def test_code_digest_follows_the_source_and_the_judges_calibration(tmp_path) -> None:
    judgements.code_digest.cache_clear()
    assert judgements.code_digest() == judgements.code_digest()
    assert len(judgements.code_digest()) == 64
    (tmp_path / "judge").mkdir()
    (tmp_path / "judge" / "__init__.py").write_text("x = 1\n")
    (tmp_path / "judge" / "calibration.json").write_text('{"by_mode": {}}')
    before = judgements.source_digest(tmp_path)
    (tmp_path / "judge" / "calibration.json").write_text('{"by_mode": {"range": {}}}')
    assert judgements.source_digest(tmp_path) != before  # a new table judges afresh


def test_the_key_is_the_same_in_every_process() -> None:
    """Sets are ordered by a per-process hash seed: a key that depended on it would never hit."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_judgements as t; from auditor import judgements, rules;"
        "shipped = rules.load();"
        "print(judgements._key(t.CHANGES, t.changelog(commits=2), [*t.RULES, *shipped], t.PUBLISHED, t.VERSIONS))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code, str(Path(__file__).parent)], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1 and len(keys.pop().strip()) == 64
