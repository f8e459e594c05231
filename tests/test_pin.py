"""Pin: which release to recommend from a baseline, why not newer ones, the policy file, the commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from auditor.errors import PolicyError, UnknownVersion
from auditor.judge import Finding
from auditor.pin import Policy, recommend
from auditor.targets import Hold, Target
from auditor.targets.claude_code import CLAUDE_CODE

PUBLISHED = {f"2.1.{i}": f"2026-04-{i:02d}T12:00:00+00:00" for i in range(1, 11)}
NOW = datetime(2026, 4, 30, tzinfo=UTC)


def finding(introduced_in: str, severity="high", verdict="undocumented", category="output-length", removed_in=None,
            title="Terse-output instruction now unconditional", confidence=0.8) -> Finding:
    return Finding(
        id=f"id-{introduced_in}-{severity}-{verdict}-{confidence}",
        category=category,
        severity=severity,
        verdict=verdict,
        title=title,
        evidence={},
        changelog_refs=(),
        introduced_in=introduced_in,
        removed_in=removed_in,
        confidence=confidence,
    )


def test_skips_releases_with_an_undocumented_high_finding():
    rec = recommend([finding("2.1.8")], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.7"
    assert [s.version for s in rec.skipped] == ["2.1.10", "2.1.9", "2.1.8"]
    assert all("undocumented high [output-length] Terse-output instruction now unconditional (since 2.1.8)" in s.line() for s in rec.skipped)
    assert rec.skipped[0].findings == ("id-2.1.8-high-undocumented-0.8",)


def test_a_blocking_finding_is_named_once_with_the_releases_it_blocks():
    rec = recommend([finding("2.1.5"), finding("2.1.8", title="Effort lowered", category="reasoning")], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    text = "\n".join(rec.lines())
    assert rec.version == "2.1.4" and len(rec.skipped) == 6
    assert text.count("Terse-output instruction now unconditional") == 1 and text.count("Effort lowered") == 1
    assert rec.why_not() == [
        "from 2.1.8 on: undocumented high [reasoning] Effort lowered (id id-2.1.8-high-undocumented-0.8, confidence 0.80)",
        "from 2.1.5 on: undocumented high [output-length] Terse-output instruction now unconditional (id id-2.1.5-high-undocumented-0.8, confidence 0.80)",
    ]
    assert [b["first"] for b in rec.to_json()["blocking"]] == ["2.1.8", "2.1.5"]


def test_findings_of_one_span_are_listed_under_it_and_a_reverted_one_says_when():
    findings = [finding("2.1.5", removed_in="2.1.7", title="Came and went"), finding("2.1.7", title="A"), finding("2.1.7", severity="critical", title="B")]
    published = {v: PUBLISHED[v] for v in ("2.1.3", "2.1.4", "2.1.5", "2.1.6", "2.1.7", "2.1.8", "2.1.9")}
    rec = recommend(findings, published, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.4"
    assert rec.why_not() == [
        "from 2.1.7 on:",
        "  undocumented critical [output-length] B (id id-2.1.7-critical-undocumented-0.8, confidence 0.80)",
        "  undocumented high [output-length] A (id id-2.1.7-high-undocumented-0.8, confidence 0.80)",
        "2.1.5–2.1.6 (reverted in 2.1.7): undocumented high [output-length] Came and went (id id-2.1.5-high-undocumented-0.8, confidence 0.80)",
    ]


def test_age_reasons_stay_per_release_and_are_not_mixed_with_findings():
    now = datetime(2026, 4, 11, tzinfo=UTC)
    rec = recommend([finding("2.1.9")], PUBLISHED, "2.1.3", Policy(min_age_days=3), now, target=CLAUDE_CODE)
    assert rec.why_not() == [
        "2.1.10: published 12 h ago (policy: at least 3 days)",
        "2.1.9: published 36 h ago (policy: at least 3 days)",
        "2.1.8: published 2.5 days ago (policy: at least 3 days)",
        "from 2.1.9 on: undocumented high [output-length] Terse-output instruction now unconditional (id id-2.1.9-high-undocumented-0.8, confidence 0.80)",
    ]


def test_only_findings_at_the_confidence_threshold_or_above_block_and_the_threshold_is_stated():
    weak, strong = finding("2.1.6", confidence=0.46, title="Weak"), finding("2.1.9", confidence=0.5, title="Strong")
    rec = recommend([weak, strong], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.8" and rec.below_confidence == (weak.id,)
    assert rec.lines()[1] == (
        "Based on undocumented findings, high or worse, with confidence ≥ 0.50; "
        "1 such finding below it not counted (--min-confidence 0 counts them)."
    )
    assert "Weak" not in "\n".join(rec.lines())
    assert rec.to_json()["policy"]["min_confidence"] == 0.5 and rec.to_json()["below_confidence"] == [weak.id]
    counted = recommend([weak, strong], PUBLISHED, "2.1.3", Policy(min_confidence=0.4), NOW, target=CLAUDE_CODE)
    assert counted.version == "2.1.5" and counted.below_confidence == ()
    assert counted.lines()[1] == "Based on undocumented findings, high or worse, with confidence ≥ 0.40."


def test_findings_the_policy_does_not_block_are_not_counted_as_below_the_threshold():
    rec = recommend([finding("2.1.6", severity="medium", confidence=0.3)], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.below_confidence == () and rec.version == "2.1.10"


def test_documented_partial_and_lower_severity_findings_do_not_block_by_default():
    others = [finding("2.1.5", verdict="documented"), finding("2.1.6", verdict="partial"), finding("2.1.7", severity="medium")]
    assert recommend(others, PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE).version == "2.1.10"
    strict = Policy(severity="medium", verdicts=frozenset({"undocumented", "partial"}))
    assert recommend(others, PUBLISHED, "2.1.3", strict, NOW, target=CLAUDE_CODE).version == "2.1.5"


def test_ignored_categories_do_not_block():
    policy = Policy(ignore_categories=frozenset({"output-length"}))
    assert recommend([finding("2.1.8")], PUBLISHED, "2.1.3", policy, NOW, target=CLAUDE_CODE).version == "2.1.10"


def test_a_change_that_came_and_went_blocks_only_the_releases_that_had_it():
    rec = recommend([finding("2.1.5", removed_in="2.1.7")], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.10"
    rec = recommend([finding("2.1.5", removed_in="2.1.7")], {v: PUBLISHED[v] for v in ("2.1.3", "2.1.4", "2.1.5", "2.1.6")}, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.4"


def test_respects_the_minimum_age():
    now = datetime(2026, 4, 11, tzinfo=UTC)  # 2.1.10 is half a day old, 2.1.9 one and a half
    rec = recommend([], PUBLISHED, "2.1.3", Policy(min_age_days=3), now, target=CLAUDE_CODE)
    assert rec.version == "2.1.7"
    assert rec.skipped[0].line() == "2.1.10: published 12 h ago (policy: at least 3 days)"
    assert recommend([], PUBLISHED, "2.1.3", Policy(min_age_days=0), now, target=CLAUDE_CODE).version == "2.1.10"


def test_unknown_publish_time_is_not_old_enough():
    published = {**PUBLISHED, "2.1.11": None}
    rec = recommend([], published, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.10" and "publish time unknown" in rec.skipped[0].line()


def test_baseline_newest_stays():
    rec = recommend([], PUBLISHED, "2.1.10", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.stays and rec.version == "2.1.10" and rec.skipped == ()
    assert rec.commands["install"] == "npm install -g @anthropic-ai/claude-code@2.1.10"


def test_unknown_baseline_is_one_clear_error():
    with pytest.raises(UnknownVersion, match=r"no published version 9\.9\.9"):
        recommend([], PUBLISHED, "9.9.9", Policy(), NOW, target=CLAUDE_CODE)


def test_nothing_qualifies_stays_on_baseline_with_every_reason():
    rec = recommend([finding("2.1.4")], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE)
    assert rec.stays and len(rec.skipped) == 7
    assert rec.lines()[0] == "Stay on 2.1.3: no newer release qualifies."


def test_releases_outside_the_audited_range_are_not_recommended():
    rec = recommend([], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE, audited=["2.1.3", "2.1.4", "2.1.5"])
    assert rec.version == "2.1.5"
    assert rec.skipped[0].version == "2.1.6…2.1.10 (5 releases)"


def test_commands_use_the_keys_the_release_has():
    facts = {"2.1.10": {"env": {"DISABLE_AUTOUPDATER": "", "DISABLE_UPDATES": ""}, "setting": {"minimumVersion": "string"}}}
    rec = recommend([], PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE, facts=facts)
    assert "export DISABLE_UPDATES=1" in rec.commands["hold_env"]
    settings = json.loads(rec.commands["hold_settings"].split("\n", 1)[1])
    assert settings == {"env": {"DISABLE_AUTOUPDATER": "1", "DISABLE_UPDATES": "1"}}
    assert any("autoUpdates" in note for note in rec.notes)
    renovate = json.loads(rec.commands["renovate"])
    assert renovate["packageRules"][0] == {"description": "auditor: hold @anthropic-ai/claude-code at 2.1.10 (from 2.1.3), based on undocumented "
                                           "findings, high or worse, with confidence ≥ 0.50.",
                                           "matchPackageNames": ["@anthropic-ai/claude-code"], "allowedVersions": "<=2.1.10"}
    assert 'versions: [">2.1.10"]' in rec.commands["dependabot"]
    assert rec.commands["verify"].startswith("claude --version")
    doc = rec.to_json()
    assert doc["recommended"] == "2.1.10" and doc["policy"]["severity"] == "high"


# ---------------------------------------------------------------------------------------------- policy file


def test_policy_file_loads(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('severity = "medium"\nmin_age_days = 7\nignore_categories = ["telemetry-privacy"]\nverdicts = ["undocumented", "partial"]\nmin_confidence = 0.75\n')
    policy = Policy.load(path)
    assert policy == Policy("medium", 7.0, frozenset({"telemetry-privacy"}), frozenset({"undocumented", "partial"}), 0.75)


def test_empty_policy_file_is_the_default(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("# defaults\n")
    assert Policy.load(path) == Policy()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('severity = "high"\nmin_age = 3\n', 2, "unknown policy key 'min_age'"),
        ('severity = "severe"\n', 1, "severity 'severe'"),
        ('min_age_days = -1\n', 1, "min_age_days"),
        ('\nignore_categories = ["vibes"]\n', 2, "'vibes'"),
        ('verdicts = "undocumented"\n', 1, "must be a list"),
        ('severity = "high"\nmin_confidence = 1.5\n', 2, "min_confidence must be a number from 0 to 1"),
        ('min_confidence = "high"\n', 1, "min_confidence"),
        ('severity = "high"\naccept = "abc"\n', 2, "accept must be a list"),
        ('accept = ["../../etc"]\n', 1, "is not a finding id"),
        ('accept = [{id = "0123456789ab", why = "x"}]\n', 1, "is not a finding id"),
        ('accept = [{reason = "no id"}]\n', 1, "is not a finding id"),
        ('accept = [7]\n', 1, "is not a finding id"),
    ],
)
def test_bad_policy_names_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        Policy.load(path)
    assert str(caught.value).startswith(f"{path}:{line}: ") and words in str(caught.value)


def test_unreadable_or_invalid_policy(tmp_path):
    with pytest.raises(PolicyError, match="cannot read policy"):
        Policy.load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("severity = \n")
    with pytest.raises(PolicyError, match="invalid TOML"):
        Policy.load(bad)


def test_commands_come_from_the_target_not_from_claude_code():
    other = Target(name="other", display_name="Other CLI", npm_package="@acme/other", command="other", entry_files=("package/cli.js",),
                   hold=Hold(env=("OTHER_NO_UPDATE",), settings_file="~/.other/config.json"))
    rec = recommend([], PUBLISHED, "2.1.3", Policy(), NOW, target=other, facts={"2.1.10": {"env": {"OTHER_NO_UPDATE": ""}, "setting": {}}})
    assert rec.commands["install"] == "npm install -g @acme/other@2.1.10"
    assert rec.commands["hold_env"] == "export OTHER_NO_UPDATE=1  # in ~/.bashrc or ~/.zshrc"
    assert rec.commands["verify"].startswith("other --version   # expect: 2.1.10 (Other CLI)")
    assert "claude" not in json.dumps([rec.commands, rec.notes]).lower()


# ---------------------------------------------------------------------------------------------- accepted findings


def stepped(steps, **kwargs) -> Finding:
    """A finding that moved in several releases, each step with its own id (judge._steps)."""
    f = finding(steps[0][0], **kwargs)
    return Finding(**{**f.__dict__, "id": steps[0][1], "steps": tuple(steps)})


def test_an_accepted_finding_no_longer_blocks_and_the_pin_says_which_it_set_aside():
    findings = [finding("2.1.5", title="Read and fine"), finding("2.1.9", title="Still open")]
    accepted = Policy().accepting(["id-2.1.5-high-undocumented-0.8"], "only the UI wording")
    rec = recommend(findings, PUBLISHED, "2.1.3", accepted, NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.8"
    assert recommend(findings, PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE).version == "2.1.4"
    text = "\n".join(rec.lines())
    assert "1 accepted finding set aside" in rec.basis()
    assert "id-2.1.5-high-undocumented-0.8 high [output-length] Read and fine (since 2.1.5) — only the UI wording" in text
    assert rec.to_json()["accepted"] == [{"finding": "id-2.1.5-high-undocumented-0.8", "steps": ["id-2.1.5-high-undocumented-0.8"],
                                          "title": "Read and fine", "reason": "only the UI wording"}]
    assert rec.to_json()["policy"]["accept"] == {"id-2.1.5-high-undocumented-0.8": "only the UI wording"}


def test_accepting_a_finding_does_not_accept_its_next_change():
    edited_twice = stepped([("2.1.5", "aaaaaaaaaaaa"), ("2.1.8", "bbbbbbbbbbbb")], title="Effort text")
    rec = recommend([edited_twice], PUBLISHED, "2.1.3", Policy().accepting(["aaaaaaaaaaaa"]), NOW, target=CLAUDE_CODE)
    assert rec.version == "2.1.7"
    assert rec.why_not() == [
        "from 2.1.8 on: undocumented high [output-length] Effort text (id bbbbbbbbbbbb, confidence 0.80; "
        "changed again in 2.1.8 after you accepted aaaaaaaaaaaa: accept bbbbbbbbbbbb too to set it aside)"
    ]
    assert rec.to_json()["blocking"][0]["step"] == "bbbbbbbbbbbb" and rec.to_json()["blocking"][0]["finding"] == "aaaaaaaaaaaa"
    both = recommend([edited_twice], PUBLISHED, "2.1.3", Policy().accepting(["aaaaaaaaaaaa", "bbbbbbbbbbbb"]), NOW, target=CLAUDE_CODE)
    assert both.version == "2.1.10" and both.to_json()["accepted"][0]["steps"] == ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]
    later_only = recommend([edited_twice], PUBLISHED, "2.1.3", Policy().accepting(["bbbbbbbbbbbb"]), NOW, target=CLAUDE_CODE)
    assert later_only.version == "2.1.4"  # the first change was never accepted


def test_policy_file_accept_list_with_and_without_reasons(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('accept = ["0123456789ab", {id = "honours-abc", reason = "we set effort per request"}, {id = "fedcba987654"}]\n')
    assert Policy.load(path).accept == {"0123456789ab": "", "honours-abc": "we set effort per request", "fedcba987654": ""}
    assert Policy.load(path).accepting(["0123456789ab", "aaaaaaaaaaaa"], "read").accept["aaaaaaaaaaaa"] == "read"
    with pytest.raises(PolicyError, match="is not a finding id"):
        Policy().accepting(["$(rm -rf /)"])


# ---------------------------------------------------------------------------------------------- candidates


def test_candidates_are_the_newest_each_minor_line_and_every_drop_with_what_each_costs():
    published = {**PUBLISHED, "2.0.9": "2026-03-30T12:00:00+00:00", "2.0.10": "2026-03-31T12:00:00+00:00"}
    findings = [
        finding("2.1.4", title="Gone in 6", removed_in="2.1.6", category="context"),
        finding("2.1.5", title="Came in 5", category="reasoning"),
        finding("2.1.8", title="Worse", severity="critical", category="reasoning"),
        finding("2.1.9", title="Reverted", removed_in="2.1.10", category="context"),
    ]
    rec = recommend(findings, published, "2.0.9", Policy(), NOW, target=CLAUDE_CODE)
    rows = {c.version: c for c in rec.candidates}
    assert list(rows) == ["2.1.10", "2.1.6", "2.1.3", "2.0.10"]
    assert rows["2.1.10"].why == ("newest", "newest 2.1.x", "fewer blocking (3 → 2)")
    assert rows["2.1.6"].why == ("fewer blocking (2 → 1)",) and rows["2.1.3"].why == ("recommended",)
    assert rows["2.0.10"].why == ("newest 2.0.x",) and rec.version == "2.1.3"
    assert rows["2.1.10"].by_category() == {"reasoning": 2} and rows["2.1.10"].worst.title == "Worse"
    assert rows["2.1.6"].by_category() == {"reasoning": 1} and [f.title for f in rows["2.1.6"].findings] == ["Came in 5"]
    assert rows["2.1.10"].to_json()["age_days"] == 19.5 and rows["2.1.10"].old_enough
    table = "\n".join(rec.candidate_lines())
    assert "2.1.10" in table and "id-2.1.8-critical-undocumented-0.8 critical: Worse" in table and "2 reasoning" in table


def test_accepting_a_finding_moves_the_candidates_counts():
    findings = [finding("2.1.5", title="A"), finding("2.1.8", title="B")]
    rec = recommend(findings, PUBLISHED, "2.1.3", Policy().accepting(["id-2.1.5-high-undocumented-0.8"]), NOW, target=CLAUDE_CODE)
    assert [(c.version, len(c.findings)) for c in rec.candidates] == [("2.1.10", 1), ("2.1.7", 0)]


def test_remembering_an_acceptance_keeps_the_policy_file_as_written(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('# ours\nseverity = "medium"  # we care about medium too\naccept = ["0123456789ab"]\n')
    from auditor.pin import remember

    remember(path, ["fedcba987654"], "read it in the TUI")
    remember(path, ["fedcba987654"], "again")  # once
    text = path.read_text()
    assert text.startswith("# ours\nseverity = \"medium\"  # we care about medium too\n")
    assert Policy.load(path).accept == {"0123456789ab": "", "fedcba987654": "read it in the TUI"}
    path.write_text("severity = \n")
    with pytest.raises(PolicyError):
        remember(path, ["fedcba987654"], "x")
    assert path.read_text() == "severity = \n"


def test_pin_json_has_exactly_the_documented_keys():
    """`audit pin --format json` is a contract (README, "Pin JSON"): keys are added, never renamed."""
    from auditor.report.json import render_pin

    rec = recommend([finding("2.1.8")], PUBLISHED, "2.1.3", Policy().accepting(["0123456789ab"]), NOW, target=CLAUDE_CODE)
    doc = json.loads(render_pin(rec))
    assert list(doc) == ["schema_version", "package", "baseline", "recommended", "stays_on_baseline", "policy", "skipped", "blocking",
                         "below_confidence", "accepted", "candidates", "commands", "notes"]
    assert list(doc["policy"]) == ["severity", "min_age_days", "ignore_categories", "verdicts", "min_confidence", "accept"]
    assert list(doc["blocking"][0]) == ["finding", "step", "title", "verdict", "severity", "category", "confidence", "first", "last", "to_newest"]
    assert list(doc["candidates"][0]) == ["version", "published", "age_days", "old_enough", "why", "blocking", "by_category", "worst", "findings"]
    assert set(doc["commands"]) >= {"install", "renovate", "dependabot", "verify"}


def test_releases_the_changelog_copy_cannot_know_are_never_recommended_and_never_block():
    unjudged = {"2.1.9", "2.1.10"}
    findings = [finding("2.1.6", verdict="documented"), finding("2.1.9", verdict="unjudged")]
    rec = recommend(findings, PUBLISHED, "2.1.3", Policy(), NOW, target=CLAUDE_CODE, unjudged=unjudged)
    assert rec.version == "2.1.8"  # not 2.1.10, newer than the changelog copy; 2.1.9's finding blocks nothing
    assert rec.skipped[0].version == "2.1.9…2.1.10 (2 releases)"
    assert rec.skipped[0].conditions == ("not judged: the changelog copy is older than it, so its notes are unknown",)
    assert not rec.blockers
