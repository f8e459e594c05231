"""benchmarks/eval_judge.py's scoring on hand-made findings and labels: which label a change gets,
and the precision / verdict / recall arithmetic that the judge's progress is read from."""

from __future__ import annotations

import importlib.util
import json
import sys
import tomllib
from pathlib import Path

import pytest

from auditor.diff import Change
from auditor.judge import ChangelogRef, Finding

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "eval_judge.py"
_spec = importlib.util.spec_from_file_location("eval_judge", _PATH)
assert _spec and _spec.loader
ev = importlib.util.module_from_spec(_spec)
sys.modules["eval_judge"] = ev
_spec.loader.exec_module(ev)

LABELS = """
from = "1.0.0"
to = "1.0.3"

[[change]]
kind = "env"
key = "FOO_SWITCH"
real = true
verdict = "documented"
entry = "Added `FOO_SWITCH`"

[[change]]
kind = "string"
text = "You are a helpful"
real = true
verdict = "undocumented"

[[change]]
kind = "string"
text = "Press Enter"
real = false

[[change]]
kind = "request_param"
key_re = "^turn \\\\d+: model$"
scenario = "print-opus"
real = true
verdict = ["partial", "documented"]
entry = ["Opus 9 is available", "Other entry"]

[[change]]
kind = "beta"
key = "never-seen"
real = false

[[entry]]
version = "1.0.1"
text = "Added `FOO_SWITCH`"
changes = [{ kind = "env", key = "FOO_SWITCH" }]

[[entry]]
version = "1.0.2"
text = "The system prompt is friendlier"
changes = [{ kind = "string", text = "You are a helpful" }]

[[entry]]
version = "1.0.3"
text = "Opus 9 is available"
changes = [{ kind = "request_param", key_re = "model$" }]

[[entry]]
version = "1.0.3"
text = "Fixed a crash"
unobservable = true
"""


def change(kind: str, key: str, before=None, after="x", scenario: str | None = None) -> Change:
    return Change(kind=kind, key=key, label=key, before=before, after=after, introduced_in="1.0.1", scenario=scenario)


def finding(severity: str, verdict: str, *changes: Change, refs: tuple[str, ...] = ()) -> Finding:
    return Finding(
        id="f", category="other", severity=severity, verdict=verdict, title="t", evidence={},
        changelog_refs=tuple(ChangelogRef("1.0.1", r) for r in refs), introduced_in="1.0.1", removed_in=None,
        confidence=0.5, changes=changes,
    )


@pytest.fixture
def labels():
    return ev.parse_labels(tomllib.loads(LABELS))


def test_a_change_takes_the_first_label_whose_every_field_matches(labels):
    assert ev.label_of(change("env", "FOO_SWITCH"), labels.changes).verdicts == ("documented",)
    assert ev.label_of(change("env", "FOO_SWITCHES"), labels.changes) is None  # key is exact
    assert ev.label_of(change("string", "d1g3st", after="You are a helpful assistant."), labels.changes).real
    assert ev.label_of(change("string", "d1g3st", before="Press Enter to go", after=None), labels.changes).real is False
    assert ev.label_of(change("request_param", "turn 1: model", scenario="print-opus"), labels.changes) is not None
    assert ev.label_of(change("request_param", "turn 1: model", scenario="two-turn"), labels.changes) is None
    assert ev.label_of(change("env", "FOO_SWITCH"), labels.changes).match.status is None


def test_a_version_matcher_takes_the_step_of_a_text_edited_in_several_releases():
    """Release by release, each release's edit of one text is its own change: a label can say which."""
    stepped = ev.parse_labels(tomllib.loads(
        'from = "1.0.0"\nto = "1.0.9"\nsplit = "holdout"\n'
        '[[change]]\nkind = "system_block"\nkey_re = "^side"\nversion = "1.0.3"\nreal = true\nverdict = "documented"\nentry = "Hardened"\n'
        '[[change]]\nkind = "system_block"\nkey_re = "^side"\nreal = true\nverdict = "undocumented"\n'
    ))
    edit = Change("system_block", "side 0: block 1", "side 0: block 1", "a", "b", "1.0.3", None, ("1.0.3",))
    later = Change("system_block", "side 0: block 1", "side 0: block 1", "b", "c", "1.0.5", None, ("1.0.5",))
    both = Change("system_block", "side 0: block 1", "side 0: block 1", "a", "c", "1.0.3", None, ("1.0.3", "1.0.5"))
    assert [ev.label_of(c, stepped.changes).verdicts for c in (edit, later, both)] == [("documented",), ("undocumented",), ("documented",)]


def test_status_narrows_a_label():
    match = ev.Match(kind="prompt_section", key="s", status="changed")
    assert ev.matches(match, change("prompt_section", "s", before="a", after="b"))
    assert not ev.matches(match, change("prompt_section", "s", before=None, after="b"))


def test_verdicts_of_several_changes_combine():
    assert ev.expected_verdict(["documented", "documented"]) == "documented"
    assert ev.expected_verdict(["documented", "undocumented"]) == "partial"
    assert ev.expected_verdict(["undocumented"]) == "undocumented"
    a = ev.ChangeLabel(ev.Match("env", "A"), True, ("undocumented", "partial"))
    b = ev.ChangeLabel(ev.Match("env", "B"), True, ("documented",))
    assert ev.acceptable([a, b]) == ("partial", {"partial"})
    assert ev.acceptable([a]) == ("undocumented", {"undocumented", "partial"})


def test_score_counts_precision_verdicts_and_recall(labels):
    findings = [
        # real, documented, cites the entry (its backticks dropped, as the judge quotes it): right
        finding("high", "documented", change("env", "FOO_SWITCH"), refs=("Added FOO_SWITCH to turn foo on",)),
        # real, undocumented, but the judge says documented: wrong
        finding("medium", "documented", change("string", "k1", after="You are a helpful bot"), refs=("Other entry",)),
        # noise
        finding("medium", "undocumented", change("string", "k2", after="Press Enter to continue")),
        # unlabelled
        finding("medium", "undocumented", change("flag", "tengu_new")),
        # real, partial allowed, cites an entry the label names: right, and recalls "Opus 9"
        finding("high", "partial", change("request_param", "turn 0: model", scenario="print-opus"), refs=("Opus 9 is available",)),
        # low findings are outside precision and verdicts; a low finding observes an entry but does not recall it
        finding("low", "undocumented", change("string", "k3", after="You are a helpful friend")),
        # a finding about the changelog itself (no changes) is left out
        finding("medium", "undocumented"),
    ]
    score = ev.score(findings, labels)
    assert (score.findings, score.unlabelled, score.labelled, score.real) == (4 + 1, 1, 4, 3)
    assert (score.high_labelled, score.high_real) == (2, 2)
    assert (score.verdict_total, score.verdict_right) == (3, 2)
    assert (score.described_total, score.described_right) == (2, 2)
    assert (score.entries, score.recalled, score.observed, score.unobservable) == (3, 2, 3, 1)
    assert score.stale_labels == 1  # the beta label matched nothing
    assert score.ratios()["precision"] == 0.75
    assert any("unlabelled" in m and "tengu_new" in m for m in score.misses)
    assert any("recall" in m and "friendlier" in m for m in score.misses)


def test_wrong_entry_makes_a_documented_verdict_wrong(labels):
    cited_other = finding("medium", "documented", change("env", "FOO_SWITCH"), refs=("Fixed a crash",))
    score = ev.score([cited_other], labels)
    assert (score.verdict_total, score.verdict_right, score.recalled) == (1, 0, 0)


def test_a_verdict_whose_labelled_entry_no_window_of_its_releases_holds_is_not_scored(labels):
    """A range's label says a text's change is what "Added `FOO_SWITCH`" (1.0.1) describes; release by
    release, an edit of that text in a later release cannot cite that entry by the judge's own rule:
    the label says nothing of that step's verdict, which is counted apart, while precision still counts."""
    undocumented = finding("medium", "undocumented", change("env", "FOO_SWITCH"))
    score = ev.score([undocumented], labels, knows=lambda f, entry: False)
    assert (score.real, score.verdict_total, score.beyond) == (1, 0, 1)
    assert any("beyond" in m and "Added `FOO_SWITCH`" in m for m in score.misses)
    within = ev.score([undocumented], labels, knows=lambda f, entry: True)
    assert (within.verdict_total, within.verdict_right, within.beyond) == (1, 0, 0)
    # a label that wants "undocumented" is scored wherever the finding is
    prompt = finding("medium", "undocumented", change("string", "s", after="You are a helpful bot"))
    assert ev.score([prompt], labels, knows=lambda f, entry: False).verdict_right == 1


def test_an_entry_no_window_of_the_findings_showing_it_holds_is_not_counted_for_recall(labels):
    """The label ties "Added `FOO_SWITCH`" to a change that shipped releases away from it: the judge may
    not cite it there, so its recall is counted apart, not as a miss."""
    shown = finding("medium", "undocumented", change("env", "FOO_SWITCH"))
    outside = ev.score([shown], labels, knows=lambda f, entry: "FOO_SWITCH" not in entry)
    inside = ev.score([shown], labels, knows=lambda f, entry: True)
    assert (outside.entries, outside.recall_beyond) == (inside.entries - 1, 1)
    assert any("recall beyond" in m and "FOO_SWITCH" in m for m in outside.misses)
    assert not any("recall:" in m and "FOO_SWITCH" in m for m in outside.misses)
    assert any("recall:" in m and "FOO_SWITCH" in m for m in inside.misses)


def test_totals_add_up(labels):
    one = ev.score([finding("high", "documented", change("env", "FOO_SWITCH"), refs=("Added FOO_SWITCH",))], labels)
    total = ev.Score()
    total.add(one)
    total.add(one)
    assert (total.labelled, total.verdict_right, total.entries) == (2, 2, 6)
    assert len(total.misses) == 2 * len(one.misses)


@pytest.mark.parametrize(
    "bad, message",
    [
        ('[[change]]\nkind = "env"\nkey = "A"\nreal = true', "needs a verdict"),
        ('[[change]]\nkind = "env"\nkey = "A"\nreal = true\nverdict = "partial"', "names its entry"),
        ('[[change]]\nkind = "env"\nreal = false', "give key, key_re or text"),
        ('[[change]]\nkind = "env"\nkey_re = "("\nreal = false', "key_re"),
        ('[[change]]\nkind = "env"\nkey = "A"\nreal = false\nverdit = "x"', "unknown fields"),
        ('[[entry]]\nversion = "1.0.1"\ntext = "x"', "either changes or unobservable"),
        ('split = "later"', "split"),
    ],
)
def test_bad_labels_are_refused(bad, message):
    with pytest.raises(ev.LabelError, match=message):
        ev.parse_labels(tomllib.loads('from = "1.0.0"\nto = "1.0.1"\n' + bad))


def test_label_texts_must_be_in_the_changelog(labels):
    entries = {"1.0.1": ["Added `FOO_SWITCH` to turn foo on"], "1.0.3": ["Opus 9 is available", "Fixed a crash", "Other entry"]}
    problems = ev.check_entries(labels, entries)
    assert problems == ["1.0.0-1.0.3: no changelog entry of 1.0.2 contains 'The system prompt is friendlier'"]


def test_the_shipped_label_files_parse():
    files = sorted((_PATH.parent.parent / "tests" / "eval").glob("*.toml"))
    assert files
    for path in files:
        labels = ev.load_labels(path)
        assert path.stem == labels.name
        assert labels.changes and labels.entries


def test_label_text_matches_across_line_breaks():
    match = ev.Match(kind="string", text="Available memories: (none")
    assert ev.matches(match, change("string", "k", after="Available memories:\n(none — yet)"))
    assert not ev.matches(match, change("string", "k", after="Available memories: some"))


def test_a_renamed_change_matches_a_label_of_its_old_name():
    match = ev.Match(kind="prompt_section", key="old_heading")
    moved = type("Moved", (), {"kind": "string", "key": "abc123", "former": ("prompt_section", "old_heading"),
                               "status": "changed", "scenario": None, "before": "x", "after": "y"})()
    assert ev.matches(match, moved)
    assert not ev.matches(ev.Match(kind="string", key="old_heading"), moved)
    assert ev.matches(ev.Match(kind="string", key="abc123"), moved)


def test_reliability_bins_stated_confidence_against_verdicts_right():
    lines = ev.reliability([(0.95, True), (0.91, False), (0.55, True), (0.5, True)])
    assert lines[0] == "calibration: Brier score 0.321 over 4 real high/medium findings"
    assert [line.split() for line in lines[2:]] == [["0.5–0.6", "2", "100%", "52%"], ["0.9–1.0", "2", "50%", "93%"]]
    assert ev.reliability([]) == []


def test_calibration_on_the_labels_is_measured_leaving_each_range_out():
    from auditor.judge.calibration import PRIOR

    keyed = [("a", "undocumented|x", True)] * 3 + [("b", "undocumented|x", True), ("b", "documented|y", False)]
    lines = ev.loro_calibration(keyed)
    # range a: undocumented|x| seen once right in b (its verdict's share 2/3); b's undocumented: 3 right in a (4/5);
    # b's documented: unseen, and no documented finding in a → 1/2
    a_held = round((1 + PRIOR * 2 / 3) / (1 + PRIOR), 2)
    b_held = round((3 + PRIOR * 4 / 5) / (3 + PRIOR), 2)
    brier = ((a_held - 1) ** 2 * 3 + (b_held - 1) ** 2 + (1 / 2) ** 2) / 5
    assert lines[0] == f"leave-one-range-out calibration: Brier score {brier:.3f} over 5 real high/medium findings"
    assert ev.loro_calibration([]) == []


def test_the_shipped_table_is_measured_held_out_with_every_way_of_judging_pooled(tmp_path):
    """The shipped table counts range and release findings alike: a range's findings, held out, get a table
    counted on the other ranges of both ways — none of their own range's, of either way."""
    from auditor.judge.calibration import PRIOR

    ranges = [("a", "undocumented|x", True), ("b", "undocumented|x", False)]
    releases = [("a", "undocumented|x", False)] * 8 + [("b", "undocumented|x", True)] * 2
    # range a held out: b's 1 wrong (range) and 2 right (release) → 2 of 3; range b: a's 1 right and 8 wrong → 1 of 9
    a_held = round((2 + PRIOR * 3 / 5) / (3 + PRIOR), 2)
    b_held = round((1 + PRIOR * 2 / 11) / (9 + PRIOR), 2)
    assert ev.loro_calibration(ranges, releases)[0] == ev.reliability([(a_held, True), (b_held, False)])[0].replace("calibration", "leave-one-range-out calibration", 1)
    (tmp_path / "range.json").write_text(json.dumps(ranges))
    (tmp_path / "release.json").write_text(json.dumps(releases))
    lines = ev.pooled_reliability([tmp_path / "range.json", tmp_path / "release.json"])
    assert lines[0] == "range.json (the shipped table: every way of judging pooled):" and lines[1] == ev.loro_calibration(ranges, releases)[0]
    assert "release.json (the shipped table: every way of judging pooled):" in lines
    (tmp_path / "bad.json").write_text('{"a": 1}')
    (tmp_path / "cut.json").write_text('[["a", "undocumented|x"')
    for bad in ("bad.json", "cut.json", "missing.json"):
        with pytest.raises(SystemExit) as exit_:
            ev.main(["--pooled", str(tmp_path / "range.json"), str(tmp_path / bad)])
        assert exit_.value.code == 2


def test_the_calibration_prior_is_chosen_held_out_and_checked_nested(tmp_path, capsys):
    """A basis far from its verdict's share (b: a quarter right, among documented findings mostly right) must
    keep its own share: a prior drawing it toward its group's states it far too sure, and the tenth it lands in
    is off. The prior is chosen held out range by range, and the choosing is checked nested: each range judged
    with the prior chosen on the others."""
    keyed = []
    for n in range(9):
        keyed += [(f"r{n}", "documented|a", not (n % 2 == 0 and i == 0)) for i in range(10)]
        keyed += [(f"r{n}", "documented|b", i == 0) for i in range(4)]
    releases = [(r, k, ok) for r, k, ok in keyed]
    scores = ev.prior_scores({"range": keyed, "release": releases}, sorted({r for r, _, _ in keyed}))
    assert scores[60][0] > scores[2][0] == 0  # drawn 60 findings' worth toward 76%, b is stated over 50%
    lines = ev.choose_prior({"range": keyed, "release": releases})
    assert "chosen: 2" in lines
    nested = lines[lines.index(next(line for line in lines if line.startswith("nested"))) :]
    assert "r0 2" in nested[0] and "range (nested):" in nested and "release (nested):" in nested
    (tmp_path / "range.json").write_text(json.dumps(keyed))
    (tmp_path / "release.json").write_text(json.dumps(releases))
    assert ev.main(["--pooled", str(tmp_path / "range.json"), str(tmp_path / "release.json"), "--choose-prior"]) == 0
    assert "chosen: 2" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        ev.main(["--choose-prior"])
    assert exit_.value.code == 2 and "--choose-prior weighs the findings of --pooled" in capsys.readouterr().err


def test_where_results_are_written_is_checked_before_anything_is_judged(tmp_path, capsys):
    """A folder that is not there, or a calibration file that is not one, would fail only at the end of a
    long run: it is one usage error first, naming it."""
    (tmp_path / "cal.json").write_text("[1, 2]")
    (tmp_path / "store.db").write_bytes(b"")
    for args, said in (
        (["--write-keyed", str(tmp_path / "missing" / "keyed.json")], "no folder"),
        (["--write-calibration", str(tmp_path / "missing" / "cal.json")], "no folder"),
        (["--write-calibration", str(tmp_path / "cal.json")], "cal.json: not a calibration file"),
    ):
        with pytest.raises(SystemExit) as exit_:
            ev.main(["--db", str(tmp_path / "store.db"), "--changelog", str(tmp_path / "changelog.md"), *args])
        assert exit_.value.code == 2 and said in capsys.readouterr().err


def test_the_calibration_table_counts_each_basis_and_round_trips_as_the_judge_reads_it():
    from dataclasses import replace

    from auditor.judge.calibration import Calibration

    keyed = [("a", "partial|words|some|own", True), ("b", "partial|words|some|own", False), ("b", "undocumented|none|no-section", True)]
    table = ev.calibration(keyed)
    assert table.by_basis == {"partial|words|some|own": (1, 2), "undocumented|none|no-section": (1, 1)} and table.fitted_on == ("a", "b")
    assert table.probability("partial|words|some|own") == (0.5, "1 of 2 with this basis, 1 of 2 partial/words/some, 1 of 2 partial/words, 1 of 2 partial right on labelled ranges")
    assert table.probability("partial|structural|all|own")[0] == 0.5  # unseen: its verdict's share
    assert table.probability("undocumented|words|unnamed") == (0.67, "0 of 0 with this basis, 0 of 0 undocumented/words, 1 of 1 undocumented right on labelled ranges")
    few = Calibration({"partial|own|near": (1, 1), "partial|own|named": (90, 100), "partial|neighbour|near": (4, 40)})
    assert few.probability("partial|own|near")[0] >= 0.85  # one finding says little, its group's 91 of 101 much more: not 2/3
    assert few.probability("partial|neighbour|named")[0] < 0.5  # a neighbour's notes: drawn toward their 4 of 40
    assert Calibration.parse(table.as_json()) == table
    both = Calibration.parse({"by_mode": {"range": table.as_json(), "release": table.as_json()}})
    assert both.by_basis["partial|words|some|own"] == (2, 4) and both.fitted_on == ("a", "b")
    assert ev.basis_key(replace(finding("high", "partial"), evidence={"basis_key": "partial|words|some|own"})) == "partial|words|some|own"
