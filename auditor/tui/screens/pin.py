"""The pin recommendation of a compare: the candidates (Enter: the findings a release would bring), the
recommendation, why not newer, and keys that copy the commands."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from ...pin import Candidate, Recommendation
from ...report import LONG_TEXT_KINDS
from ..widgets.candidates_table import CandidatesTable
from ..widgets.finding_detail import FindingDetail
from ..widgets.findings_table import FindingsTable
from ..widgets.footer import KeysFooter
from ..widgets.pin_panel import PinPanel, hold_lines


class PinScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_install", "Copy install"),
        Binding("h", "copy_hold", "Copy install+hold"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, rec: Recommendation) -> None:
        super().__init__()
        self.rec = rec

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Candidates from {self.rec.baseline}  (Enter: the blocking findings a release would bring)", id="summary")
        yield CandidatesTable(self.rec.candidates, id="candidates")
        with VerticalScroll(id="pin"):
            yield PinPanel(self.rec)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = f"pin from {self.rec.baseline}"
        self.query_one(CandidatesTable).focus()

    def on_candidates_table_chosen(self, event: CandidatesTable.Chosen) -> None:
        if not event.candidate.findings:
            self.notify(f"{event.candidate.version} brings no blocking finding.")
            return
        self.app.push_screen(CandidateScreen(self.rec.baseline, event.candidate))

    def action_copy_install(self) -> None:
        self._copy(self.rec.commands["install"])

    def action_copy_hold(self) -> None:
        self._copy("\n".join(hold_lines(self.rec)))

    def _copy(self, text: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied to the clipboard: {text.splitlines()[0]}" + (" …" if "\n" in text else ""))


class CandidateScreen(Screen):
    """The blocking findings one candidate would bring, with the detail pane of the compare."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, baseline: str, candidate: Candidate) -> None:
        super().__init__()
        self.baseline, self.candidate = baseline, candidate

    def compose(self) -> ComposeResult:
        c = self.candidate
        counts = ", ".join(f"{n} {cat}" for cat, n in c.by_category().items())
        yield Header()
        yield Static(f"{self.baseline} → {c.version}: {len(c.findings)} blocking findings you would take on ({counts})", id="summary")
        yield Vertical(FindingsTable(list(c.findings), id="findings"), VerticalScroll(FindingDetail(id="detail"), id="detail-pane"))
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = f"{self.candidate.version} from {self.baseline}"
        self.query_one(FindingsTable).focus()

    def on_findings_table_highlighted(self, event: FindingsTable.Highlighted) -> None:
        self.query_one(FindingDetail).show(event.finding)

    def on_findings_table_chosen(self, event: FindingsTable.Chosen) -> None:
        from .diff import DiffScreen

        readable = [c for c in event.finding.changes if c.kind in LONG_TEXT_KINDS or isinstance(c.before, (dict, list)) or isinstance(c.after, (dict, list))]
        if readable:
            self.app.push_screen(DiffScreen(readable))
        else:
            self.notify("Nothing long to diff here: the detail pane shows the whole change.")
