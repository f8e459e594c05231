"""Start screen: every published release, what the store holds of it, marks A and B for a compare."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from ... import versions
from ..model import ReleaseRow
from ..widgets.release_table import ReleaseTable


class TimelineScreen(Screen):
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("c", "compare", "Compare"),
        Binding("s", "stored_only", "Stored"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, rows: list[ReleaseRow], store_name: str) -> None:
        super().__init__()
        self.rows = rows
        self.store_name = store_name

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter: a version (2.1.11), a date (2026-04), a scenario…", id="filter")
        yield ReleaseTable(self.rows, id="releases")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.store_name
        self.query_one(ReleaseTable).focus()
        self.show_status()

    def show_status(self) -> None:
        table = self.query_one(ReleaseTable)
        stored = sum(r.static for r in self.rows)
        marks = "  ".join(f"{end}: {table.marks[end]}" for end in "AB" if end in table.marks) or "mark two releases with a and b"
        hint = "  ·  c: compare" if len(table.marks) == 2 else ""
        shown = f"showing {table.row_count} (s: all)" if table.stored_only else f"{len(self.rows)} releases, {stored} stored (s: only those)"
        self.query_one("#status", Static).update(f"{shown}  ·  {marks}{hint}")

    def on_release_table_marked(self, event: ReleaseTable.Marked) -> None:
        self.show_status()

    def action_stored_only(self) -> None:
        self.query_one(ReleaseTable).toggle_stored()
        self.show_status()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("open")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("open")
        self.query_one(ReleaseTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one(ReleaseTable).set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(ReleaseTable).focus()

    def on_data_table_row_selected(self) -> None:
        self.action_compare()

    def action_compare(self) -> None:
        marks = self.query_one(ReleaseTable).marks
        if len(marks) < 2:
            self.notify("Mark the two ends first: a on one release, b on another.", severity="warning")
            return
        low, high = sorted(marks.values(), key=versions.parse)
        if low == high:
            self.notify("A and B are the same release; mark two different ones.", severity="warning")
            return
        self.app.open_compare(low, high)
