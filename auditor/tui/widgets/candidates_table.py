"""The pin's candidates: the releases worth considering from the baseline, each with the blocking findings
you would take on (counted by category, the worst named) and its age, as `audit pin --candidates` lists them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from ...judge.finding import short
from ...pin import Candidate, age_text


class CandidatesTable(DataTable):
    """One row per candidate; Enter opens the findings that release would bring."""

    @dataclass
    class Chosen(Message):
        candidate: Candidate

    def __init__(self, candidates: tuple[Candidate, ...], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.candidates = candidates

    def on_mount(self) -> None:
        for label in ("release", "age", "blocking", "why listed", "by category", "worst"):
            self.add_column(label)
        for i, c in enumerate(self.candidates):
            worst = c.worst
            self.add_row(
                Text(c.version + ("" if c.old_enough else " *"), style="bold" if "recommended" in c.why else ""),
                "?" if c.age is None else age_text(c.age),
                Text(str(len(c.findings)), style="bold red" if c.findings else "green"),
                ", ".join(c.why),
                ", ".join(f"{n} {cat}" for cat, n in c.by_category().items()) or "—",
                f"{worst.severity}: {short(worst.title, 50)}" if worst else "—",
                key=str(i),
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self.candidates[int(str(event.row_key.value))]))
