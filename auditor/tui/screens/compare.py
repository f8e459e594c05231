"""Compare A → B: findings first with a detail pane, then every change grouped by kind. The report is
made by the same calls as `audit diff` (audit.diff_versions, audit.assess), in a thread worker."""

from __future__ import annotations

import gc
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Header, LoadingIndicator, Static, TabbedContent, TabPane

from ...changelog.source import env_name
from ...collector import Step
from ...errors import AuditorError
from ...judge import Finding
from ...report import LONG_TEXT_KINDS, DiffReport
from ..model import changelog_view
from ..widgets.change_tree import ChangeTree
from ..widgets.changelog_tree import ChangelogTree
from ..widgets.finding_detail import FindingDetail
from ..widgets.findings_table import FindingsTable
from ..widgets.footer import KeysFooter
from . import AuditorScreen
from .diff import DiffScreen
from .pin import PinScreen
from .requests import RequestsScreen


class CompareScreen(AuditorScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f", "tab('findings')", "Findings"),
        Binding("g", "tab('changes')", "Changes"),
        Binding("l", "tab('changelog')", "Log"),
        Binding("p", "pin", "Pin"),
        Binding("a", "accept", "Accept finding"),
        Binding("r", "requests", "Requests"),
    ]

    def __init__(self, a: str, b: str) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.report: DiffReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="loading"):
            yield Static(f"Comparing {self.a} → {self.b}: collecting what is missing, diffing, judging…", id="progress")
            yield LoadingIndicator()
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = f"{self.a} → {self.b}"
        cached = self.auditor.reports.get((self.a, self.b))
        if cached:
            self.call_after_refresh(self.show_report, cached)
        else:
            self.build()

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def build(self) -> None:
        """Everything slow (download, extract, diff, judge) happens here, never in a key handler."""

        def progress(step: Step) -> None:
            left = f", {step.done}/{step.total} releases" if step.total > 1 else ""
            self.app.call_from_thread(self.query_one("#progress", Static).update, f"Comparing {self.a} → {self.b}: {step.version} {step.stage}{left}…")

        try:
            report = self.auditor.compare(self.a, self.b, progress)
        except AuditorError as exc:
            self.app.call_from_thread(self.fail, str(exc))
            return
        self.app.call_from_thread(self.show_report, report)  # type: ignore[arg-type]  # Textual types async callbacks as Awaitable[Never]

    def fail(self, message: str) -> None:
        self.query_one("#progress", Static).update(f"[b red]Could not compare {self.a} → {self.b}:[/] {message}\n\nEsc goes back.")
        self.query_one(LoadingIndicator).display = False
        self.notify(message, severity="error", timeout=10)

    async def show_report(self, report: DiffReport) -> None:
        self.report = report
        self.auditor.reports[(self.a, self.b)] = report
        # The app keeps the report for the session: out of the garbage collector's walks with it, or a full
        # collection over its texts stalls a key press (bench_tui: worst key 108 ms → 38 ms).
        gc.freeze()
        await self.query_one("#loading").remove()
        findings = report.findings
        undocumented = sum(f.verdict == "undocumented" for f in findings)
        head = (
            f"{len(report.versions)} releases · {len(report.changes)} changes · {len(findings)} findings ({undocumented} undocumented)"
            + (f" · {len(report.scenarios)} scenarios" if report.scenarios else " · static facts only")
        )
        notes = "".join(f"\n[yellow]note:[/] {n}" for n in report.notes)
        tabs = TabbedContent(id="tabs")
        await self.mount(Static(head + notes, id="summary"), tabs, before=self.query_one(KeysFooter))
        table = FindingsTable(findings, id="findings")
        await tabs.add_pane(TabPane(f"Findings ({len(findings)})", Vertical(table, VerticalScroll(FindingDetail(id="detail"), id="detail-pane")), id="findings-tab"))
        await tabs.add_pane(TabPane(f"Changes ({len(report.changes)})", ChangeTree(report, id="changes"), id="changes-tab"))
        changelog = self.auditor.changelog()
        if changelog is not None and changelog.origin:
            view = changelog_view(report.versions[1:], changelog.releases, changelog.history, findings)
            tree = ChangelogTree(view, findings, changelog.origin, id="changelog")
            await tabs.add_pane(TabPane(f"Changelog ({sum(len(r.entries) for r in view)})", tree, id="changelog-tab"))
        if findings:
            table.focus()
        else:
            tabs.active = "changes-tab"
            self.query_one(ChangeTree).focus()

    def on_findings_table_highlighted(self, event: FindingsTable.Highlighted) -> None:
        self.query_one(FindingDetail).show(event.finding)
        self.query_one("#detail-pane").scroll_home(animate=False)

    def on_findings_table_chosen(self, event: FindingsTable.Chosen) -> None:
        self.open_diff(list(event.finding.changes))

    def on_changelog_tree_chosen(self, event: ChangelogTree.Chosen) -> None:
        """A finding under a changelog entry: show it in the findings tab."""
        self.action_tab("findings")
        self.query_one(FindingsTable).move_cursor(row=event.index)

    def on_change_tree_chosen(self, event: ChangeTree.Chosen) -> None:
        self.open_diff([event.change])

    def open_diff(self, changes: list) -> None:
        readable = [c for c in changes if c.kind in LONG_TEXT_KINDS or isinstance(c.before, (dict, list)) or isinstance(c.after, (dict, list))]
        if not readable:
            self.notify("Nothing long to diff here: the detail pane shows the whole change.")
            return
        self.app.push_screen(DiffScreen(readable))

    def action_tab(self, name: str) -> None:
        if self.report is None:
            return
        widgets: dict[str, type[Widget]] = {"findings": FindingsTable, "changes": ChangeTree, "changelog": ChangelogTree}
        if not self.query(widgets[name]):
            self.notify(f"No changelog was read (set ${env_name(self.report.target)} or --changelog).", severity="warning")
            return
        self.query_one(TabbedContent).active = f"{name}-tab"
        self.query_one(widgets[name]).focus()

    def action_pin(self) -> None:
        if self.report is None:
            return
        if self.report.recommendation is None:
            self.notify(f"No recommendation: the changelog could not be read (set ${env_name(self.report.target)}).", severity="warning")
            return
        self.app.push_screen(PinScreen(self.report.recommendation))

    def action_accept(self) -> None:
        """Accept the finding under the cursor: it no longer blocks the pin (a later change of it does)."""
        if self.report is None or not self.query(FindingsTable) or not self.report.findings:
            return
        table = self.query_one(FindingsTable)
        self.accept(table.findings[table.cursor_row])

    @work(thread=True, exclusive=True, group="accept", exit_on_error=False)
    def accept(self, finding: Finding) -> None:
        """Recording it and pinning again read the store and may write the policy file: off the UI thread."""
        assert self.report is not None
        try:
            with self.auditor.open_collector() as collector:
                told = self.auditor.accept(collector, self.report, finding)
        except AuditorError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, told, timeout=8)

    def action_requests(self) -> None:
        """What each capture scenario sent in A and in B, field by field."""
        self.app.push_screen(RequestsScreen(self.b, self.a))
