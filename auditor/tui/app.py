"""The Textual app: screens over one store. Reads on the UI thread are the store's two cheap queries;
everything that touches the network or diffs runs in a worker with its own collector (SQLite
connections belong to the thread that opened them)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from .. import audit
from ..capture import load_scenarios
from ..changelog import Changelog
from ..collector import Collector, Progress
from ..report import DiffReport
from . import badges
from .model import release_rows, shared_scenarios
from .screens.compare import CompareScreen
from .screens.empty import EmptyScreen
from .screens.timeline import TimelineScreen

OpenCollector = Callable[[], AbstractContextManager[Collector]]
Judging = Callable[[Collector], tuple]  # collector -> (changelog, rules, policy), as `audit diff` loads them


class AuditorApp(App):
    TITLE = "auditor"
    CSS_PATH = "auditor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, collector: Collector, open_collector: OpenCollector, judging: Judging, compare: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.collector = collector
        self.open_collector = open_collector
        self.judging = judging
        self.start = compare
        self.reports: dict[tuple[str, str], DiffReport] = {}
        self._judged: tuple | None = None
        self._lock = threading.Lock()

    def on_mount(self) -> None:
        store = self.collector.store
        name = str(store.path) if store.path else ":memory:"
        rows = release_rows(store, self.collector.target.name)
        if not rows and not self.start:
            self.push_screen(EmptyScreen(name))
            return
        saved = badges.load(store, self.collector.target.name, self.collector.platform)
        marks = dict(zip("AB", self.start, strict=True)) if self.start else {}
        self.push_screen(TimelineScreen(rows, name, saved, marks))
        if self.start:
            self.open_compare(*self.start)

    def open_compare(self, a: str, b: str) -> None:
        self.push_screen(CompareScreen(a, b))

    def compare(self, a: str, b: str, progress: Progress | None = None) -> DiffReport:
        """`audit diff A B` as a report (call from a worker thread): collect what is missing, diff, judge."""
        with self.open_collector() as collector:
            return self.report(collector, a, b, progress)

    def report(self, collector: Collector, a: str, b: str, progress: Progress | None = None) -> DiffReport:
        known = {s.name: s for s in load_scenarios()}
        scenarios = [known[n] for n in shared_scenarios(collector, a, b) if n in known]
        report = audit.diff_versions(collector, a, b, scenarios, progress)
        return audit.assess(report, collector, *self.judged(collector))

    def judged(self, collector: Collector) -> tuple:
        """Changelog, rules and policy, loaded once (the changelog is the slow part) and shared by workers."""
        with self._lock:
            if self._judged is None:
                self._judged = self.judging(collector)
            return self._judged

    def changelog(self) -> Changelog | None:
        """The changelog the compares were judged with, once one was loaded."""
        return self._judged[0] if self._judged else None

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
