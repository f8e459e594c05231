"""Findings of a compare, undocumented first (the order `audit diff` prints them in)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from ...judge import Finding
from ...report import versions_of

VERDICT_STYLES = {"undocumented": "bold red", "partial": "yellow", "documented": "green"}
SEVERITY_STYLES = {"high": "bold red", "medium": "yellow", "low": "dim"}


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
        for label, width in (("verdict", None), ("sev.", None), ("category", None), ("in", None), ("conf", None), ("finding", None)):
            self.add_column(label, width=width)
        for i, f in enumerate(self.findings):
            self.add_row(
                Text(f.verdict, style=VERDICT_STYLES.get(f.verdict, "")),
                Text(f.severity, style=SEVERITY_STYLES.get(f.severity, "")),
                f.category,
                versions_of(f),
                f"{f.confidence:.2f}",
                f.title,
                key=str(i),
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.findings[int(event.row_key.value)]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self.findings[int(event.row_key.value)]))
