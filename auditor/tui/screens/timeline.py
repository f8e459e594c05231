"""Start screen: every published release, what the store holds of it, marks A and B for a compare."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Input, Static
from textual.worker import get_current_worker

from ... import dating, versions
from ...errors import AuditorError
from .. import badges
from ..badges import Badge
from ..model import ReleaseRow, changelog_marks
from ..widgets.footer import KeysFooter
from ..widgets.release_table import ReleaseTable
from . import AuditorScreen

if TYPE_CHECKING:
    from ..app import AuditorApp

BADGES_AFTER = 0.5  # seconds
JUMP_DAYS = 7  # `t` shows the releases current on a date and this many days before


class TimelineScreen(AuditorScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("t", "jump", "Date"),
        Binding("c", "compare", "Compare"),
        Binding("r", "requests", "Requests"),
        Binding("g", "collect", "Collect"),
        Binding("s", "stored_only", "Stored only", show=False),
        Binding("u", "high_only", "Undocumented high only", show=False),
        Binding("escape", "escape", "Cancel / clear", show=False),
    ]

    def __init__(self, rows: list[ReleaseRow], store_name: str, saved: dict[str, tuple[Badge, str]] | None = None,
                 marks: dict[str, str] | None = None, metric: dict[str, float] | None = None) -> None:
        super().__init__()
        self.metric = metric
        self.around: str | None = None  # the date `t` jumped to
        self.rows = rows
        self.store_name = store_name
        self.saved = saved or {}
        self.marks = marks or {}  # the compare named on the command line

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter: a version (2.1.11), a date (2026-04), a scenario…", id="filter")
        yield Input(placeholder=f"when did it start? a date (YYYY-MM-DD): the releases current then and {JUMP_DAYS} days before", id="jump")
        yield ReleaseTable(self.rows, {v: b for v, (b, _) in self.saved.items()}, self.metric, self.marks, id="releases")
        yield Static(id="collect")
        yield Static(id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = self.store_name + (" (read-only)" if self.auditor.busy else "")
        table = self.query_one(ReleaseTable)
        table.focus()
        self.show_status()
        # the worker parses the changelog (a second of CPU under the GIL): let the timeline paint first
        self.set_timer(BADGES_AFTER, self.refresh_badges)

    @work(thread=True, exclusive=True, group="badges", exit_on_error=False)
    def refresh_badges(self) -> None:
        """Each stored release against its stored predecessor, newest first; saved ones judged with the
        same changelog, rules and policy are kept."""
        table = self.query_one(ReleaseTable)
        worker = get_current_worker()
        todo = badges.pairs(self.rows)
        with self.auditor.open_collector() as collector:
            target, platform = collector.target.name, collector.platform
            try:
                judged = self.auditor.judged(collector)
            except AuditorError as exc:
                self.app.call_from_thread(self.notify, f"No badges: {exc}", severity="warning")
                return
            changelog, digest = judged[0], badges.judged_with(*judged)
            dates = dating.date_releases({r.version: r.published for r in self.rows}, dating.changelog_dates(changelog))
            marks = {}
            if changelog.origin:
                edited = {version for version, _ in changelog.history.edited()} if changelog.history else set()
                marks = changelog_marks((r.version for r in self.rows), {r.version for r in changelog.releases}, edited)
            self.app.call_from_thread(table.set_changelog, marks, dates)
            for predecessor, version in todo:
                saved = self.saved.get(version)
                if saved and saved[1] == digest and saved[0].predecessor == predecessor:
                    continue
                while self.comparing() and not worker.is_cancelled:
                    time.sleep(0.2)  # the compare the user waits for goes first (both need the GIL)
                if worker.is_cancelled:
                    return
                self.app.call_from_thread(table.set_badge, version, None)
                try:
                    badge = badges.count(self.auditor.report(collector, predecessor, version))
                except AuditorError as exc:
                    self.app.call_from_thread(self.notify, f"{version}: {exc}", severity="warning")
                    continue
                badges.save(collector.store, target, platform, digest, badge)
                self.app.call_from_thread(table.set_badge, version, badge)

    def comparing(self) -> bool:
        return any(w.group == "compare" and w.is_running for w in list(self.app.workers))

    def action_high_only(self) -> None:
        self.query_one(ReleaseTable).toggle_high()
        self.show_status()

    def show_status(self) -> None:
        table = self.query_one(ReleaseTable)
        stored = sum(r.static for r in self.rows)
        marks = "  ".join(f"{end}: {table.marks[end]}" for end in "AB" if end in table.marks) or "a, b: mark ends"
        hint = "  ·  c: compare" if len(table.marks) == 2 else ""
        only = " and ".join(w for w, on in (("stored", table.stored_only), ("with undocumented high", table.high_only)) if on)
        shown = f"showing {table.row_count} {only} (s/u: all)" if only else f"{len(self.rows)} releases, {stored} stored (s: those; u: undoc. high)"
        if self.around:
            shown = f"current around {self.around} (and {JUMP_DAYS} days before): {table.row_count} (Esc: all)"
        current = table.dates.get(table.current_version() or "")
        note = f"\n[yellow]{current.version}: dated {current.day} ({current.source}); {current.note}[/]" if current and current.note else ""
        self.query_one("#status", Static).update(f"{shown}  ·  {marks}{hint}{note}")

    def on_data_table_row_highlighted(self) -> None:
        self.show_status()

    def on_release_table_marked(self, event: ReleaseTable.Marked) -> None:
        self.show_status()

    def action_stored_only(self) -> None:
        self.query_one(ReleaseTable).toggle_stored()
        self.show_status()

    def action_jump(self) -> None:
        box = self.query_one("#jump", Input)
        box.add_class("open")
        box.focus()

    def jump(self, text: str) -> None:
        """Only the releases current on that date and the days before (dated as `audit around` dates them)."""
        table = self.query_one(ReleaseTable)
        try:
            moment = dating.parse_day(text)
        except AuditorError as exc:
            self.notify(str(exc), severity="error")
            return
        dates = table.dates or dating.date_releases({r.version: r.published for r in self.rows}, {})  # npm's until the changelog is read
        window = dating.current_on(dates, moment, JUMP_DAYS)
        self.query_one("#jump", Input).remove_class("open")
        table.focus()
        if not window:
            self.notify(f"No release is dated on or before {moment.date()}.", severity="warning")
            return
        self.around = f"{moment.date()}"
        table.set_window({d.version for d in window})
        self.show_status()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("open")
        box.focus()

    def action_collect(self) -> None:
        """Collect (download, extract, capture) the highlighted release, or what it lacks of the captures."""
        version = self.query_one(ReleaseTable).current_version()
        if version and self.auditor.collect([version]):
            box = self.query_one("#collect", Static)
            box.display = True
            box.update(f"[b]collecting[/b] {version}: starting…  ·  [b]Esc[/b] cancels")

    def on_auditor_app_collecting(self, message: AuditorApp.Collecting) -> None:
        step = message.step
        box = self.query_one("#collect", Static)
        box.display = True
        left = f" · {round(step.eta)} s left" if step.eta is not None else ""
        box.update(f"[b]collecting[/b] {step.version}: {step.stage} ({step.done}/{step.total} releases{left})  ·  [b]Esc[/b] cancels")

    def on_auditor_app_collected(self, message: AuditorApp.Collected) -> None:
        self.query_one("#collect", Static).display = False
        if message.error:
            self.notify(message.error, title="collect", severity="error", timeout=10)
        else:
            self.notify(f"collected {', '.join(message.versions)}", title="collect")
        self.reload()

    def reload(self) -> None:
        """Show what the store holds now (after a collect)."""
        self.rows = self.auditor.rows()
        table = self.query_one(ReleaseTable)
        table.releases = self.rows
        table.refill()
        self.show_status()

    def action_escape(self) -> None:
        """Esc stops a running collect first; otherwise it clears the filter."""
        if self.auditor.cancel_collect():
            self.query_one("#collect", Static).update("[b]cancelling[/b]: the snapshots already stored stay; the running step ends first…")
            return
        self.action_clear_filter()

    def action_clear_filter(self) -> None:
        for box in self.query(Input):
            box.value = ""
            box.remove_class("open")
        table = self.query_one(ReleaseTable)
        if table.window is not None:
            self.around = None
            table.set_window(None)
            self.show_status()
        table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.query_one(ReleaseTable).set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "jump":
            self.jump(event.value)
        else:
            self.query_one(ReleaseTable).focus()

    def on_data_table_row_selected(self) -> None:
        """Enter (or a click) compares once both ends are marked; before that a click only moves."""
        if len(self.query_one(ReleaseTable).marks) == 2:
            self.action_compare()

    def action_requests(self) -> None:
        """What the highlighted release sent in each capture scenario."""
        from .requests import RequestsScreen  # lazy: a faster first paint

        version = self.query_one(ReleaseTable).current_version()
        if version:
            self.app.push_screen(RequestsScreen(version))

    def action_compare(self) -> None:
        marks = self.query_one(ReleaseTable).marks
        if len(marks) < 2:
            self.notify("Mark the two ends first: a on one release, b on another.", severity="warning")
            return
        low, high = sorted(marks.values(), key=versions.parse)
        if low == high:
            self.notify("A and B are the same release; mark two different ones.", severity="warning")
            return
        self.auditor.open_compare(low, high)
