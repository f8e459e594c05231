"""The Textual app: screens over one store. Reads on the UI thread are the store's two cheap queries;
everything that touches the network or diffs runs in a worker with its own collector (SQLite
connections belong to the thread that opened them)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message

from .. import audit, pin
from ..capture import Scenario, load_scenarios
from ..changelog import Changelog
from ..collector import Collector, Progress, Step
from ..errors import AuditorError
from ..judge import Finding
from ..report import DiffReport
from . import badges
from .model import ReleaseRow, release_rows, shared_scenarios
from .screens.empty import EmptyScreen
from .screens.timeline import TimelineScreen

THEMES = {False: "textual-dark", True: "textual-light"}
OpenCollector = Callable[[], AbstractContextManager[Collector]]
Judging = Callable[[Collector], tuple]  # collector -> (changelog, rules, policy), as `audit diff` loads them


class AuditorApp(App):
    TITLE = "auditor"
    CSS_PATH = "auditor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("T", "toggle_theme", "Light/dark", show=False),
    ]

    @dataclass
    class Collecting(Message):
        """A collect started from the TUI moved on (posted to every screen on the stack)."""

        step: Step

    @dataclass
    class Collected(Message):
        """A collect started from the TUI ended: `error` says why it stopped early, if it did."""

        versions: list[str]
        error: str | None

    def __init__(self, collector: Collector, open_collector: OpenCollector, judging: Judging, compare: tuple[str, str] | None = None,
                 scenarios: Sequence[Scenario] | None = None, metric: dict[str, float] | None = None, light: bool = False,
                 policy_file: Path | None = None) -> None:
        super().__init__()
        self.theme = THEMES[light]
        self.metric = metric  # the user's daily series, overlaid on the timeline
        self.scenarios = scenarios  # what a collect from the TUI captures (None: the default scenarios)
        self._stop: threading.Event | None = None
        self.collector = collector
        self._open = open_collector
        self.busy = collector.store.busy()  # an `audit collect` writing this store: then it opens read-only
        collector.store.read_only = self.busy is not None
        self.judging = judging
        self.start = compare
        self.reports: dict[tuple[str, str], DiffReport] = {}
        self._judged: tuple | None = None
        self._lock = threading.Lock()
        self.policy_file = policy_file  # where `a` on a finding records it (None: for this session only)

    @contextmanager
    def open_collector(self) -> Iterator[Collector]:
        """A collector of the worker's own (SQLite connections belong to their thread), read-only like the
        app's when the store was being written at start."""
        with self._open() as collector:
            collector.store.read_only = self.busy is not None
            yield collector

    @property
    def store_name(self) -> str:
        return str(self.collector.store.path) if self.collector.store.path else ":memory:"

    def on_mount(self) -> None:
        if self.busy:
            self.notify(f"{self.store_name} is being written by {self.busy}: opened read-only (nothing is saved, g is off).",
                        severity="warning", timeout=10)
        rows = self.rows()
        if not rows and not self.start:
            self.push_screen(EmptyScreen(self.store_name))
            return
        self.push_screen(self.timeline(dict(zip("AB", self.start, strict=True)) if self.start else {}, rows))
        if self.start:
            self.open_compare(*self.start)

    def rows(self) -> list[ReleaseRow]:
        """The timeline's rows as the store is now (two queries)."""
        return release_rows(self.collector.store, self.collector.target.name)

    def timeline(self, marks: dict[str, str] | None = None, rows: list[ReleaseRow] | None = None) -> TimelineScreen:
        """The start screen as the store is now, with the saved badges."""
        saved = badges.load(self.collector.store, self.collector.target.name, self.collector.platform)
        return TimelineScreen(self.rows() if rows is None else rows, self.store_name, saved, marks, self.metric)

    def collecting(self) -> bool:
        return any(w.group == "collect" and w.is_running for w in list(self.workers))

    def collect(self, versions: list[str] | None = None, latest: int = 0) -> bool:
        """Collect these releases (or the newest `latest`) and capture them, in a worker; progress and the
        end go to the screens as Collecting / Collected messages. False if one is running already."""
        if self.busy:
            self.notify(f"Read-only: the store is being written by {self.busy}. Collect once it has finished.", severity="warning")
            return False
        if self.collecting():
            self.notify("A collect is already running (Esc on the timeline cancels it).", severity="warning")
            return False
        self._stop = threading.Event()
        self._collect(versions or [], latest, self._stop)
        return True

    def cancel_collect(self) -> bool:
        """Stop the running collect; the releases already stored stay. False if none runs."""
        if not self.collecting() or self._stop is None:
            return False
        self._stop.set()
        return True

    @work(thread=True, group="collect", exit_on_error=False)
    def _collect(self, wanted: list[str], latest: int, stop: threading.Event) -> None:
        def progress(step: Step) -> None:
            self.call_from_thread(self._tell, self.Collecting(step))

        error = None
        try:
            with self.open_collector() as collector:
                wanted = wanted or collector.latest(latest)
                scenarios = load_scenarios(None, list(collector.target.default_scenarios), collector.target.scenarios) if self.scenarios is None else list(self.scenarios)
                collector.ensure(wanted, progress, scenarios, stop=stop)
        except AuditorError as exc:
            error = str(exc)
        self.call_from_thread(self._tell, self.Collected(wanted, error))

    def _tell(self, message: Message) -> None:
        for screen in self.screen_stack:
            screen.post_message(message)

    def open_compare(self, a: str, b: str) -> None:
        from .screens.compare import CompareScreen  # lazy, as every screen after the first: a faster first paint

        self.push_screen(CompareScreen(a, b))

    def compare(self, a: str, b: str, progress: Progress | None = None) -> DiffReport:
        """`audit diff A B` as a report (call from a worker thread): collect what is missing, diff, judge."""
        with self.open_collector() as collector:
            return self.report(collector, a, b, progress)

    def report(self, collector: Collector, a: str, b: str, progress: Progress | None = None) -> DiffReport:
        known = {s.name: s for s in load_scenarios(builtin=collector.target.scenarios)}
        scenarios = [known[n] for n in shared_scenarios(collector, a, b) if n in known]
        report = audit.diff_versions(collector, a, b, scenarios, progress)
        return audit.assess(report, collector, *self.judged(collector))

    def judged(self, collector: Collector) -> tuple:
        """Changelog, rules and policy, loaded once (the changelog is the slow part) and shared by workers."""
        with self._lock:
            if self._judged is None:
                self._judged = self.judging(collector)
            return self._judged

    def accept(self, collector: Collector, report: DiffReport, finding: Finding) -> str:
        """`a` on a finding (call from a worker): add it to the policy's accept list — in the policy file
        when there is one — and pin the report again. Returns what to tell the user."""
        changelog, rules, policy = self.judged(collector)
        reason = "accepted in audit tui"
        if self.policy_file is not None:
            pin.remember(self.policy_file, [finding.id], reason)
        with self._lock:
            policy = policy.accepting([finding.id], reason)
            self._judged = (changelog, rules, policy)
        audit.repin(report, collector, changelog, policy)
        kept = f"recorded in {self.policy_file}" if self.policy_file else "for this session (start with --policy FILE to keep it)"
        rec = report.recommendation
        now = f"; the pin from {rec.baseline} is now {rec.version}" if rec else ""
        return f"Accepted {finding.id}, {kept}{now}."

    def changelog(self) -> Changelog | None:
        """The changelog the compares were judged with, once one was loaded."""
        return self._judged[0] if self._judged else None

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[self.theme == THEMES[False]]

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def run(app: AuditorApp) -> int:
    """Run the app. On quit, a worker still diffing is not waited for (a thread cannot be stopped, and
    asyncio.run and the interpreter would both join it): every store write is one transaction, so
    leaving mid-way keeps only whole snapshots, as Ctrl-C does in `audit collect`."""
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop)
    finally:
        loop.close()  # shuts the worker threads' executor down without waiting
    code = app.return_code or 0
    if any(t.is_alive() for t in threading.enumerate() if t is not threading.main_thread()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
