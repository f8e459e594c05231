"""`audit tui` driven with Textual's Pilot on a fixture store: timeline, compare, diff viewer, pin, empty
store, and the command line's checks before the app starts. The compare must say what `audit diff` says."""

from __future__ import annotations

from contextlib import contextmanager

import httpx
import pytest
from click.testing import CliRunner
from textual.widgets import Static

from auditor import audit, changelog, pin, pretty, rules, targets
from auditor.cli import cli
from auditor.collector import Collector
from auditor.diff import Change
from auditor.npm import Cache, Registry
from auditor.store import Store
from auditor.tui import badges, model
from auditor.tui.app import AuditorApp
from auditor.tui.model import Paragraph, lineage
from auditor.tui.screens.compare import CompareScreen
from auditor.tui.screens.diff import DiffScreen
from auditor.tui.screens.empty import EmptyScreen
from auditor.tui.screens.lineage import LineageScreen
from auditor.tui.screens.pin import CandidateScreen, PinScreen
from auditor.tui.screens.timeline import BADGES_AFTER, TimelineScreen
from auditor.tui.widgets.candidates_table import CandidatesTable
from auditor.tui.widgets.change_tree import ChangeTree
from auditor.tui.widgets.finding_detail import FindingDetail
from auditor.tui.widgets.findings_table import FindingsTable
from auditor.tui.widgets.pin_panel import PinPanel
from auditor.tui.widgets.release_table import ReleaseTable
from auditor.tui.widgets.text_diff import TextDiff

SIZE = (80, 24)


@pytest.fixture
def anyio_backend():
    return "asyncio"  # Textual runs on asyncio; anyio's pytest plugin (installed with anyio) runs the async tests


@pytest.fixture
def tui(releases, env, monkeypatch):
    """An app factory over a store holding three of the four fixture releases (2.1.114 is collected by
    the compare that needs it). The store path is relative, so screenshots do not name a temp dir."""
    monkeypatch.chdir(env)

    @contextmanager
    def open_collector():
        with httpx.Client() as client:
            yield Collector(Store.open("store.db"), Registry(client, Cache(env / "cache"), url=releases.url), targets.get("claude-code"))

    def judging(collector):
        loaded = changelog.load(collector.target, collector.store, collector.registry.client, env / "cache", str(env / "CHANGELOG.md"))
        return loaded, rules.load(None), pin.Policy()

    with open_collector() as collector:
        collector.ensure(["2.1.1", "2.1.2", "2.1.113"])

    @contextmanager
    def make(compare=None, scenarios=()):
        """The app; a collect from it captures `scenarios` (none: the fixture releases cannot run)."""
        with open_collector() as collector:
            yield AuditorApp(collector, open_collector, judging, compare=compare, scenarios=scenarios)

    make.open_collector, make.judging = open_collector, judging
    return make


async def loaded(pilot) -> CompareScreen:
    """Wait for the compare worker to finish (it downloads 2.1.114 from the fake registry)."""
    for _ in range(200):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, CompareScreen) and screen.report is not None:
            await pilot.pause()
            return screen
    raise AssertionError(f"compare never finished: {pilot.app.screen}")


async def badges_done(pilot) -> None:
    """The badges worker starts once the timeline has painted; wait for it to start (it dates the
    releases first: on a loaded machine the timer may fire late) and finish."""
    await pilot.pause(BADGES_AFTER)
    for _ in range(200):
        if pilot.app.screen.query_one(ReleaseTable).dates:
            break
        await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()


async def diffed(pilot) -> TextDiff:
    """Wait for the diff worker; the viewer it mounted."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.screen.viewer


@pytest.mark.anyio
async def test_timeline_lists_every_release_and_filters(tui):
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, TimelineScreen)
            table = app.screen.query_one(ReleaseTable)
            assert [str(k.value) for k in table.rows] == ["2.1.114", "2.1.113", "2.1.2", "2.1.1"]
            stored = {r.version: r.static for r in table.releases}
            assert stored == {"2.1.114": False, "2.1.113": True, "2.1.2": True, "2.1.1": True}
            await pilot.press("slash", *"113", "enter")
            assert [str(k.value) for k in table.rows] == ["2.1.113"]
            await pilot.press("escape")
            assert table.row_count == 4 and table.has_focus


@pytest.mark.anyio
async def test_marking_a_and_b_opens_the_same_report_as_audit_diff(tui):
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")  # nothing marked: a warning, no compare
            assert isinstance(app.screen, TimelineScreen)
            assert app.screen.query_one(ReleaseTable).current_version() == "2.1.113"  # the newest stored release
            await pilot.press("up", "a", "down", "down", "down", "b")  # A on 2.1.114, B on 2.1.1: ordered by version
            assert "A: 2.1.114  B: 2.1.1" in str(app.screen.query_one("#status").render())
            await pilot.press("c")
            screen = await loaded(pilot)
            assert (screen.a, screen.b) == ("2.1.1", "2.1.114")
            shown = screen.report
    with tui.open_collector() as collector:
        report = audit.assess(audit.diff_versions(collector, "2.1.1", "2.1.114"), collector, *tui.judging(collector))
    assert [f.title for f in shown.findings] == [f.title for f in report.findings]
    assert [c.to_json() for c in shown.changes] == [c.to_json() for c in report.changes]
    assert any(f.verdict == "undocumented" for f in report.findings)


@pytest.mark.anyio
async def test_compare_from_the_command_line_shows_findings_detail_and_changes(tui):
    with tui(compare=("2.1.1", "2.1.114")) as app:
        async with app.run_test(size=SIZE) as pilot:
            screen = await loaded(pilot)
            table = screen.query_one(FindingsTable)
            assert table.row_count == len(screen.report.findings) > 0
            first = screen.report.findings[0]
            detail = str(screen.query_one(FindingDetail).render())
            assert first.title in detail and "Why this verdict" in detail
            await pilot.press("down")
            assert screen.report.findings[1].title in str(screen.query_one(FindingDetail).render())
            await pilot.press("g")
            tree = screen.query_one(ChangeTree)
            assert tree.has_focus
            kinds = [str(node.label) for node in tree.root.children]
            assert any(k.startswith("Request-building code") for k in kinds)
            await pilot.press("escape")
            assert isinstance(app.screen, TimelineScreen)
            assert app.screen.query_one(ReleaseTable).marks == {"A": "2.1.1", "B": "2.1.114"}
            await pilot.press("c")  # back again: the report is reused, no worker
            assert app.screen.report is screen.report


@pytest.mark.anyio
async def test_request_code_diff_is_pretty_printed_and_steps_through_changes(tui):
    with tui(compare=("2.1.1", "2.1.114")) as app:
        async with app.run_test(size=SIZE) as pilot:
            screen = await loaded(pilot)
            code = next(c for c in screen.report.changes if c.kind == "request_code" and c.before and c.after)
            screen.open_diff([code])
            viewer = await diffed(pilot)
            assert isinstance(app.screen, DiffScreen)
            lines = [line for changed, items in viewer.diff.runs for line in items]
            shown = ["".join(text for op, text in line if op != "-") for line in lines]
            assert any(line.strip() == "max_tokens: 64000," for line in shown)  # a statement per line, not a token soup
            assert "32000" in [text for line in lines for op, text in line if op == "-"]
            assert viewer.total == 1
            await pilot.press("n")
            assert viewer.current == 0 and "change 1/1" in str(app.screen.query_one("#diff-title").render())
            unified = viewer
            await pilot.press("s")  # side by side: old words on the left, new on the right
            viewer = await diffed(pilot)
            assert viewer.diff.split
            (old, new, _), = [row for changed, rows in viewer.diff.runs if changed for row in rows]
            assert ("-", "32000") in old and ("+", "64000") in new and not any(op == "+" for op, _ in old)
            await pilot.press("n")
            assert "change 1/1" in str(app.screen.query_one("#diff-title").render())
            await pilot.press("s")  # back to unified: the first viewer again, kept rather than diffed anew
            assert app.screen.viewer is unified and unified.display and not viewer.display
            await pilot.press("escape")
            assert app.screen is screen


@pytest.mark.anyio
async def test_pin_panel_copies_the_install_command(tui):
    with tui(compare=("2.1.1", "2.1.114")) as app:
        async with app.run_test(size=SIZE) as pilot:
            screen = await loaded(pilot)
            await pilot.press("p")
            assert isinstance(app.screen, PinScreen)
            rec = screen.report.recommendation
            shown = str(app.screen.query_one(PinPanel).render())
            assert rec.version in shown.splitlines()[0] and rec.commands["install"] in shown
            assert rec.why_not() and all(line in shown for line in rec.why_not())  # each reason once, as `audit pin` says it
            await pilot.press("c")
            assert app.clipboard == rec.commands["install"] and app.clipboard.startswith("npm install -g @anthropic-ai/claude-code@")
            await pilot.press("h")
            assert app.clipboard.splitlines()[0] == rec.commands["install"]


@pytest.mark.anyio
async def test_pin_panel_lists_the_candidates_and_enter_opens_what_one_brings(tui):
    with tui(compare=("2.1.1", "2.1.114")) as app:
        async with app.run_test(size=SIZE) as pilot:
            screen = await loaded(pilot)
            await pilot.press("p")
            rec = screen.report.recommendation
            table = app.screen.query_one(CandidatesTable)
            assert [table.get_row_at(i)[0].plain.rstrip(" *") for i in range(table.row_count)] == [c.version for c in rec.candidates]
            costly = next(i for i, c in enumerate(rec.candidates) if c.findings)
            table.move_cursor(row=costly)
            await pilot.press("enter")
            assert isinstance(app.screen, CandidateScreen)
            shown = app.screen.query_one(FindingsTable).findings
            assert [f.id for f in shown] == [f.id for f in rec.candidates[costly].findings]
            await pilot.press("escape")
            assert isinstance(app.screen, PinScreen)


@pytest.mark.anyio
async def test_a_accepts_the_finding_records_it_in_the_policy_file_and_pins_again(tui, env):
    policy = env / "policy.toml"
    policy.write_text("# team policy\n")
    with tui(compare=("2.1.1", "2.1.114")) as app:
        app.policy_file = policy
        async with app.run_test(size=SIZE) as pilot:
            screen = await loaded(pilot)
            before = screen.report.recommendation
            blocker = before.blockers[-1].finding
            table = screen.query_one(FindingsTable)
            table.move_cursor(row=table.findings.index(blocker))
            await pilot.press("a")
            for _ in range(100):
                await pilot.pause(0.05)
                if screen.report.recommendation is not before:
                    break
            after = screen.report.recommendation
            assert [a.finding.id for a in after.set_aside] == [blocker.id]
            assert blocker.id not in [b.step for b in after.blockers]
            assert pin.Policy.load(policy).accept == {blocker.id: "accepted in audit tui"}
            assert policy.read_text().startswith("# team policy\n")
            assert f"id {blocker.id}" in str(screen.query_one(FindingDetail).render())


@pytest.mark.anyio
async def test_help_and_quit(tui):
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert app.screen.query("HelpPanel")
            await pilot.press("question_mark")
            assert not app.screen.query("HelpPanel")
            await pilot.press("q")
        assert app.return_code == 0


@pytest.mark.anyio
async def test_an_unknown_compare_end_is_an_error_on_screen_not_a_crash(tui):
    with tui(compare=("2.1.1", "2.1.99")) as app:
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if "Could not compare" in str(app.screen.query_one("#progress").render()):
                    break
            assert "2.1.99" in str(app.screen.query_one("#progress").render())


@pytest.mark.anyio
async def test_an_empty_store_says_how_to_collect(tmp_path):
    store = Store.open(tmp_path / "empty.db")

    @contextmanager
    def nothing():
        raise AssertionError("the empty screen needs no collector")
        yield

    collector = Collector(store, None, targets.get("claude-code"))
    app = AuditorApp(collector, nothing, lambda c: None)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, EmptyScreen)
        assert "collect --latest 5" in str(app.screen.query_one("#empty").render())
        await pilot.press("q")


def test_unknown_version_on_the_command_line_fails_before_the_app(releases, env):
    result = CliRunner().invoke(cli, ["tui", "2.1.1", "9.9.9"])
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1 and "9.9.9" in result.output
    result = CliRunner().invoke(cli, ["tui", "2.1.1"])
    assert result.exit_code == 2 and "both ends" in result.output


def test_diff_lines_mark_changed_lines_and_hunks():
    lines = model.diff_lines("a b c\nsame\nold tail\n", "a x c\nsame\nnew tail\n")
    assert lines[0] == [("=", "a "), ("-", "b"), ("+", "x"), ("=", " c")]
    assert lines[1] == [("=", "same")]
    assert model.hunk_starts(lines) == [0, 2]
    assert model.hunk_starts(model.diff_lines("same\n", "same\n")) == []


def test_pretty_code_puts_one_property_per_line():
    code = pretty.pretty_code('function Rq1(q){return{model:q.model,max_tokens:32000}}')
    assert code.splitlines()[2].strip() == "model: q.model,"


@pytest.mark.anyio
async def test_badges_are_computed_once_kept_in_the_store_and_shown_at_the_next_start(tui):
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            await badges_done(pilot)
            table = app.screen.query_one(ReleaseTable)
            assert set(table.badges) == {"2.1.2", "2.1.113"}  # 2.1.114 is not stored: no download for a badge
            assert table.changelog == {"2.1.114": "yes", "2.1.113": "yes", "2.1.2": "yes", "2.1.1": "none"}
            with tui.open_collector() as collector:
                expected = badges.count(audit.assess(audit.diff_versions(collector, "2.1.2", "2.1.113"), collector, *tui.judging(collector)))
            assert table.badges["2.1.113"] == expected and expected.high >= 1
            await pilot.press("u")
            assert [str(k.value) for k in table.rows] == ["2.1.113"]
    with tui() as app:
        calls = []
        app.report = lambda *args, **kwargs: calls.append(args)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ReleaseTable)
            assert table.badges["2.1.113"] == expected  # painted from the store, before any worker ran
            await badges_done(pilot)
            assert calls == []


def test_printed_code_is_kept_in_the_store_for_the_next_run_by_the_thread_that_opened_it():
    """A warm report prints no function again: what was printed is read back from the store. Another
    thread (the TUI's workers) prints for itself: an sqlite connection stays with its thread."""
    import threading

    store = Store.memory()
    code = "function Kq(q){return{model:q.model,max_tokens:31999,thinking:{type:'adaptive'}}}"
    with pretty.kept_in(store):
        printed = pretty.pretty_code(code, 77)
    assert store.db.execute("SELECT count(*) FROM pretty").fetchone()[0] == 1
    pretty.pretty_code.cache_clear()  # a new run: nothing in memory
    store.db.execute("UPDATE pretty SET text = 'kept'")
    with pretty.kept_in(store):
        assert pretty.pretty_code(code, 77) == "kept"  # read back, not printed again
        seen: list[str] = []
        worker = threading.Thread(target=lambda: seen.append(pretty.pretty_code(code, 78)))
        worker.start()
        worker.join()
    assert seen and "max_tokens: 31999" in seen[0]  # printed by the worker itself
    assert store.db.execute("SELECT count(*) FROM pretty").fetchone()[0] == 1  # the worker kept nothing
    pretty.pretty_code.cache_clear()
    assert pretty.pretty_code(code, 77) == printed  # outside a command: printed, the store untouched


def test_the_badge_digest_is_the_same_in_every_process():
    """Rules hold frozensets: a repr-based digest would change with the string hash seed and recompute
    every badge at every start."""
    import os
    import subprocess
    import sys

    code = "from auditor import pin, rules; from auditor.tui import badges; print(badges.judged_with(rules.load(None), pin.Policy()))"
    digests = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1


@pytest.mark.anyio
async def test_light_theme_from_the_start_and_T_switches(tui):
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            assert app.theme == "textual-dark"
            await pilot.press("T")
            assert app.theme == "textual-light"
            await pilot.press("T")
            assert app.theme == "textual-dark"
    with tui.open_collector() as collector:
        app = AuditorApp(collector, tui.open_collector, tui.judging, light=True)
        async with app.run_test(size=SIZE):
            assert app.theme == "textual-light"


def test_lineage_says_which_release_brought_and_took_each_paragraph():
    change = Change("prompt_section", "tone", "tone", "Be brief.\n\nUse tools.", "Be brief.\n\nAsk first.\n\nBe terse.", "2.1.2",
                    changed_in=("2.1.2", "2.1.4"),
                    history=(("2.1.2", "Be brief.\n\nAsk first."), ("2.1.4", "Be brief.\n\nAsk first.\n\nBe terse.")))
    assert lineage(change) == [
        Paragraph("Be brief.", None, None),
        Paragraph("Ask first.", "2.1.2", None),
        Paragraph("Be terse.", "2.1.4", None),  # after the paragraph it followed when it came
        Paragraph("Use tools.", None, "2.1.2"),
    ]
    back = Change("prompt_string", "k", "k", "A\n\nB", "A\n\nB", "2.1.2", "2.1.3", ("2.1.2", "2.1.3"),
                  history=(("2.1.2", "A"), ("2.1.3", "A\n\nB")))
    assert lineage(back) == [Paragraph("A", None, None), Paragraph("B", "2.1.3", None)]  # came back: its last stay


@pytest.mark.anyio
async def test_the_diff_viewer_opens_the_paragraph_lineage_of_a_prompt(tui):
    prose = Change("prompt_section", "tone", "tone", "Be brief.\n\nUse tools.", "Be brief.\n\nAsk first.", "2.1.2", history=())
    with tui(compare=("2.1.1", "2.1.114")) as app:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            app.push_screen(DiffScreen([prose]))
            await diffed(pilot)
            await pilot.press("l")
            assert isinstance(app.screen, LineageScreen)
            for _ in range(50):
                await pilot.pause(0.05)
                shown = str(app.screen.query_one("#lineage", Static).render())
                if "paragraphs" in shown:
                    break
            assert "3 paragraphs, 2 came or went" in shown
            assert "since 2.1.2\nAsk first." in shown and "gone in 2.1.2\nUse tools." in shown and "throughout\nBe brief." in shown
            await pilot.press("escape")
            assert isinstance(app.screen, DiffScreen)


def test_a_finding_not_judged_does_not_say_the_changelog_names_nothing():
    """With no changelog read, "Changelog says nothing that names it" would claim what nobody checked."""
    from auditor.judge import Finding
    from auditor.judge.finding import NO_NOTES
    from auditor.tui.widgets.finding_detail import render_finding

    def shown(verdict: str, note: str) -> str:
        return render_finding(Finding(id="f", category="other", severity="high", verdict=verdict, title="Model sent changed",
                                      evidence={"note": note}, changelog_refs=(), introduced_in="1.0.1", removed_in=None, confidence=0.0)).plain

    assert "Changelog says nothing" not in shown("unjudged", NO_NOTES) and NO_NOTES in shown("unjudged", NO_NOTES)
    assert "Changelog says nothing that names it." in shown("undocumented", "no changelog entry near these versions mentions it")
