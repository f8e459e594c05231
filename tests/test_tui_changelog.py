"""The changelog pane of a compare: entries of the range linked to the findings they document,
releases without a section and entries rewritten after release marked."""

from __future__ import annotations

import pytest
from test_tui import SIZE, loaded, tui  # noqa: F401  (the fixture store and app factory)

from auditor.changelog.history import ChangelogHistory, Edit, EntryRecord
from auditor.changelog.model import Entry, Release
from auditor.judge import ChangelogRef, Finding
from auditor.tui.model import changelog_view
from auditor.tui.widgets.changelog_tree import ChangelogTree
from auditor.tui.widgets.findings_table import FindingsTable


def finding(title: str, verdict: str, introduced: str, refs: tuple[ChangelogRef, ...] = ()) -> Finding:
    return Finding(title, "model", "high", verdict, title, {}, refs, introduced, None, 0.9)


def test_entries_link_to_the_findings_that_quote_them_and_edits_are_dated():
    releases = [Release("2.1.3", None, (Entry("Raised max_tokens"), Entry("Fixed a typo"))), Release("2.1.2", None, (Entry("Faster"),))]
    history = ChangelogHistory(entries={"2.1.3": [EntryRecord("Fixed a typo", "s1", "2026-01-01", [Edit("s2", "2026-01-09T10:00:00+00:00", "Fixd a typo", "Fixed a typo")])]})
    findings = [
        finding("max_tokens 32000 → 64000", "documented", "2.1.3", (ChangelogRef("2.1.3", "Raised max_tokens"),)),
        finding("new beta", "undocumented", "2.1.3"),
        finding("gone flag", "undocumented", "2.1.4"),
    ]
    view = changelog_view(["2.1.2", "2.1.3", "2.1.4"], releases, history, findings)
    assert [(r.version, r.status) for r in view] == [("2.1.4", "none"), ("2.1.3", "edited"), ("2.1.2", "yes")]
    new, _, old = view
    assert [(e.text, e.edited, e.findings) for e in _.entries] == [("Raised max_tokens", None, (0,)), ("Fixed a typo", "2026-01-09T10:00:00+00:00", ())]
    assert _.unexplained == (1,) and new.unexplained == (2,) and old.unexplained == () and new.entries == ()


@pytest.mark.anyio
async def test_l_shows_the_ranges_changelog_and_enter_on_a_finding_selects_it(tui):  # noqa: F811
    with tui(compare=("2.1.1", "2.1.114")) as app:
        async with app.run_test(size=SIZE) as pilot:
            screen = await loaded(pilot)
            await pilot.press("l")
            tree = screen.query_one(ChangelogTree)
            assert tree.has_focus
            heads = [str(n.label) for n in tree.root.children]
            assert [h.split()[0] for h in heads] == ["2.1.114", "2.1.113", "2.1.2"]
            linked = [n for release in tree.root.children for entry in release.children for n in entry.children if n.data is not None]
            assert linked, "an entry documents a finding"
            target = linked[0]
            assert str(target.label).startswith("documents → ")
            tree.move_cursor(target)
            await pilot.press("enter")
            table = screen.query_one(FindingsTable)
            assert table.has_focus and table.cursor_row == target.data
            ref_versions = {r.version for r in screen.report.findings[target.data].changelog_refs}
            assert str(target.parent.parent.label).split()[0] in ref_versions
