"""Findings of a compare, undocumented first (the order `audit diff` prints them in)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from ...judge import Finding

VERDICT_STYLES = {"undocumented": "bold red", "partial": "yellow", "documented": "green", "unjudged": "dim"}
SEVERITY_STYLES = {"high": "bold red", "medium": "yellow", "low": "dim"}
TITLE_WIDTH = 60  # the detail pane has the whole title


def span(finding: Finding) -> str:
    """`2.1.110`, or `2.1.110→116` for a change that came and went: narrow enough for 80 columns."""
    start, end = finding.introduced_in or "", finding.removed_in
    if not end:
        return start
    head, _, tail = end.rpartition(".")
    return f"{start}→{tail}" if start.rpartition(".")[0] == head else f"{start}→{end}"


class FindingsTable(DataTable):
    """One row per finding; moving the cursor tells the detail pane which one to show."""

    @dataclass
    class Highlighted(Message):
        finding: Finding

    @dataclass
    class Chosen(Message):
        """Enter on a finding: open its changes in the diff viewer."""

        finding: Finding

    def __init__(self, findings: list[Finding], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.findings = findings

    def on_mount(self) -> None:
        # the title before the category: at 80 columns it is what gets cut, so it gets the room
        for label in ("verdict", "sev.", "in", "conf", "finding", "category"):
            self.add_column(label)
        for i, f in enumerate(self.findings):
            self.add_row(
                Text(f.verdict, style=VERDICT_STYLES.get(f.verdict, "")),
                Text(f.severity, style=SEVERITY_STYLES.get(f.severity, "")),
                span(f),
                f"{f.confidence:.2f}",
                f.title[:TITLE_WIDTH] + ("…" if len(f.title) > TITLE_WIDTH else ""),
                Text(f.category, style="dim"),
                key=str(i),
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.findings[int(str(event.row_key.value))]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self.findings[int(str(event.row_key.value))]))
