"""Only what was known: a verdict on a release reads the changelog as it stood when the release's window
closed (the next release's publication plus a day), so sections added and entries written or rewritten
after that change nothing — the verdict of the release's day is the verdict of a replay a year later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import rules
from auditor.changelog import Changelog, ChangelogHistory, FileVersion, parse, update
from auditor.changelog.window import Corpus, beyond, window
from auditor.diff import Change
from auditor.judge import judge

from builders import ENV_VARS_RULE

RULES = rules.parse(
    """
""" + ENV_VARS_RULE + """
[[rule]]
id = "prompt"
category = "output-length"
severity = "medium"
kinds = ["string"]
reaches_model = true
evidence = ["prompt", "instruction"]
"""
)
DAY0 = datetime(2026, 4, 1, tzinfo=UTC)
PUBLISHED = {f"1.0.{i}": (DAY0 + timedelta(days=3 * i)).isoformat() for i in range(8)}
CHANGES = [
    Change("env", "CLAUDE_CODE_FORK_SUBAGENT", "CLAUDE_CODE_FORK_SUBAGENT", None, "", "1.0.2", None, ("1.0.2",)),
    Change("string", "s1", "Keep answers short", "Keep answers short.", "Keep answers short and plain; never use emoji in answers.",
           "1.0.2", None, ("1.0.2",)),
]  # fmt: skip
LATER_WORDS = ["Added CLAUDE_CODE_FORK_SUBAGENT to fork subagents", "The system prompt now forbids emoji in answers",
               "Fixed a crash", "Improved plain answers", "setting env instruction prompt"]  # fmt: skip


def _markdown(sections: dict[str, list[str]]) -> str:
    return "# Changelog\n\n" + "".join(
        f"## {v}\n\n" + "".join(f"- {e}\n" for e in sections[v]) + "\n" for v in sorted(sections, key=lambda v: [int(p) for p in v.split(".")], reverse=True)
    )


def _changelog(commits: list[tuple[datetime, dict[str, list[str]]]]):
    history = ChangelogHistory()
    update(history, [FileVersion(f"{n:040x}", when, _markdown(sections)) for n, (when, sections) in enumerate(commits, 1)])
    return parse(_markdown(commits[-1][1])), history


ON_TIME = [
    (DAY0, {"1.0.0": ["Fixed startup"], "1.0.1": ["Fixed a hang"]}),
    (DAY0 + timedelta(days=6, hours=1), {"1.0.0": ["Fixed startup"], "1.0.1": ["Fixed a hang"], "1.0.2": ["Improved paste handling"]}),
    (DAY0 + timedelta(days=9, hours=2), {"1.0.0": ["Fixed startup"], "1.0.1": ["Fixed a hang"], "1.0.2": ["Improved paste handling"],
                                         "1.0.3": ["Fixed a typo"]}),
]  # fmt: skip


def _verdicts(releases, history) -> list[tuple]:
    findings = judge(CHANGES, releases, RULES, PUBLISHED, history, versions=["1.0.1", "1.0.2"])
    return [(f.id, f.severity, f.verdict, f.confidence, f.changelog_refs, f.title) for f in findings if f.changes]


@settings(max_examples=25, deadline=None)
@given(
    later=st.lists(st.tuples(st.integers(3, 7), st.sampled_from(LATER_WORDS)), min_size=1, max_size=6),
    rewrite=st.sampled_from([None, *LATER_WORDS]),
    days=st.integers(2, 40),
)
def test_what_the_changelog_says_after_the_window_closed_changes_no_verdict(later, rewrite, days):
    base = _verdicts(*_changelog(ON_TIME))
    sections = {v: list(e) for v, e in ON_TIME[-1][1].items()}
    for minor, text in later:  # later sections, and later entries in the window's own sections
        sections.setdefault(f"1.0.{minor}", []).append(text)
    if rewrite:  # the release's own entry rewritten to say what changed
        sections["1.0.2"] = [rewrite]
    extended = [*ON_TIME, (DAY0 + timedelta(days=10 + days), sections)]  # 1.0.3 published day 9: the window closed on day 10
    assert _verdicts(*_changelog(extended)) == base


def test_an_entry_written_within_the_window_counts():
    sections = {**ON_TIME[-1][1], "1.0.3": ["Added CLAUDE_CODE_FORK_SUBAGENT to fork subagents"]}
    in_time = [*ON_TIME, (DAY0 + timedelta(days=9, hours=20), sections)]
    fork = next(v for v in _verdicts(*_changelog(in_time)) if "FORK" in v[5])
    assert fork[2] == "documented"
    too_late = [*ON_TIME, (DAY0 + timedelta(days=10, hours=1), sections)]  # a day and an hour after 1.0.3
    fork = next(v for v in _verdicts(*_changelog(too_late)) if "FORK" in v[5])
    assert fork[2] == "undocumented"


def test_the_window_closes_a_day_after_the_next_release_and_stays_open_before_it():
    w = window("1.0.2", PUBLISHED)
    assert (w.low, w.high) == ("1.0.1", "1.0.3")
    assert w.closes == (DAY0 + timedelta(days=10)).timestamp()
    newest = window("1.0.7", PUBLISHED)
    assert (newest.low, newest.high, newest.closes) == ("1.0.6", "1.0.7", float("inf"))
    # No publish times: the neighbouring sections, never closed.
    assert (lambda w: (w.low, w.high, w.closes))(window("1.0.2", None, ["1.0.0", "1.0.2", "1.0.5"])) == ("1.0.0", "1.0.5", float("inf"))


def test_the_corpus_holds_every_wording_with_its_time_and_a_cut_picks_one():
    sections = {**ON_TIME[-1][1], "1.0.2": ["Improved paste handling of images"]}
    releases, history = _changelog([*ON_TIME, (DAY0 + timedelta(days=30), sections)])
    corpus = Corpus(releases, history)
    wordings = [t.entry.full_text for t in corpus.texts if t.version == "1.0.2"]
    assert sorted(wordings) == ["Improved paste handling", "Improved paste handling of images"]
    then = [corpus.texts[i].entry.full_text for i in corpus.known(window("1.0.2", PUBLISHED)) if corpus.texts[i].version == "1.0.2"]
    now = [corpus.texts[i].entry.full_text for i in corpus.known(window("1.0.7", PUBLISHED)) if corpus.texts[i].version == "1.0.2"]
    assert then == ["Improved paste handling"] and now == ["Improved paste handling of images"]
    assert all(corpus.texts[i].version <= "1.0.3" for i in corpus.known(window("1.0.2", PUBLISHED)))


def test_releases_newer_than_the_changelog_copy_are_not_judged():
    releases, history = _changelog(ON_TIME[:1])  # a copy from day 0 (sections 1.0.0 and 1.0.1): 1.0.2 came after it
    copy = Changelog(releases, history, "copy", known_until=PUBLISHED["1.0.1"])
    assert beyond(PUBLISHED, copy) == {f"1.0.{i}" for i in range(2, 8)}
    assert beyond(PUBLISHED, Changelog(releases, history, "copy")) == frozenset()  # no horizon known: all judged
    early = Changelog(releases, history, "copy", known_until=PUBLISHED["1.0.0"])
    assert "1.0.1" not in beyond(PUBLISHED, early)  # its section was written before npm published it: known
    # A release without a section published hours before the copy's last commit: its notes may still come.
    hours_later = (datetime.fromisoformat(PUBLISHED["1.0.2"]) + timedelta(hours=2)).isoformat()
    assert "1.0.2" in beyond(PUBLISHED, Changelog(releases, history, "copy", known_until=hours_later))
    days_later = (datetime.fromisoformat(PUBLISHED["1.0.2"]) + timedelta(days=2)).isoformat()
    assert "1.0.2" not in beyond(PUBLISHED, Changelog(releases, history, "copy", known_until=days_later))  # a day passed: judged
    findings = judge(CHANGES, releases, RULES, PUBLISHED, history, versions=["1.0.1", "1.0.2"], unjudged=beyond(PUBLISHED, copy))
    assert {f.verdict for f in findings} == {"unjudged"}  # not undocumented, and no "published with no changelog section"
    assert all(f.changes and not f.changelog_refs and f.confidence == 0 for f in findings)
    judged = judge(CHANGES, releases, RULES, PUBLISHED, history, versions=["1.0.1", "1.0.2"])
    assert "undocumented" in {f.verdict for f in judged} and any(not f.changes for f in judged)  # the missing section


def test_a_republished_release_is_judged_by_its_real_date_not_npms():
    from types import SimpleNamespace

    from auditor.audit import release_times

    releases, history = _changelog(ON_TIME)  # 1.0.2's section was committed on day 6
    npm = {**PUBLISHED, "1.0.2": (DAY0 + timedelta(days=200)).isoformat()}  # republished months later
    copy = SimpleNamespace(releases=releases, history=history)
    times = release_times(SimpleNamespace(published=lambda: npm), copy)  # type: ignore[arg-type]
    assert times["1.0.2"] == (DAY0 + timedelta(days=6, hours=1)).isoformat()
    june = Changelog([r for r in releases if r.version != "1.0.2"], history, "copy", known_until=(DAY0 + timedelta(days=60)).isoformat())
    assert "1.0.2" in beyond(npm, june) and "1.0.2" not in beyond(times, june)  # npm's time would leave it unjudged
    assert window("1.0.1", times).closes == (DAY0 + timedelta(days=7, hours=1)).timestamp()  # not day 201, as npm's would
    assert window("1.0.1", npm).closes == (DAY0 + timedelta(days=201)).timestamp()


def test_a_change_that_moved_again_after_what_the_copy_knows_is_judged_on_what_it_knows():
    releases, history = _changelog([(DAY0 + timedelta(days=6, hours=2), {"1.0.2": ["Added CLAUDE_CODE_FORK_SUBAGENT to fork subagents"]})])
    copy = Changelog(releases, history, "copy", known_until=PUBLISHED["1.0.3"])
    fork = Change("env", "CLAUDE_CODE_FORK_SUBAGENT", "CLAUDE_CODE_FORK_SUBAGENT", None, "1", "1.0.2", None, ("1.0.2", "1.0.5"),
                  history=(("1.0.2", ""), ("1.0.5", "1")))
    [finding] = [f for f in judge([fork], releases, RULES, PUBLISHED, history, unjudged=beyond(PUBLISHED, copy)) if f.changes]
    assert finding.verdict == "documented" and "changed again in 1.0.5, newer than the changelog copy" in finding.evidence["note"]
    found = judge([Change("env", "X_Y", "X_Y", None, "1", "1.0.5", None, ("1.0.5",))], releases, RULES, PUBLISHED, history, unjudged=beyond(PUBLISHED, copy))
    [later] = [f for f in found if f.changes]
    assert later.verdict == "unjudged"
