"""The diff viewer for one change (or the changes of a finding, one at a time)."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from ...diff import Change
from ...pretty import pretty_code  # the diff viewer, the reports and the judge read code alike
from ...report import KIND_TITLES, when
from ..model import Chunks, as_text, chunks
from ..widgets.footer import KeysFooter
from ..widgets.text_diff import TextDiff, rendered


def texts(change: Change) -> tuple[str, str]:
    """Before and after as text; request code pretty-printed first, so the diff is of statements."""
    before, after = as_text(change.before), as_text(change.after)
    if change.kind == "request_code":
        before, after = pretty_code(before), pretty_code(after)
    return before, after


class DiffScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("s", "split", "Split"),
        Binding("l", "lineage", "Lineage"),
        Binding("full_stop", "step(1)", "Next text", show=False),
        Binding("comma", "step(-1)", "Prev text", show=False),
    ]

    def __init__(self, changes: list[Change], index: int = 0) -> None:
        super().__init__()
        self.changes = changes
        self.index = index
        self.split = False
        self.viewers: dict[tuple[int, bool], TextDiff] = {}  # kept, hidden, when another is shown: coming back is free

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="diff-title")
        yield Static("Diffing…", id="diffing")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show_title()
        self.prepare()

    @work(thread=True, exclusive=True, group="diff")
    def prepare(self) -> None:
        """Pretty-printing and word-diffing a long text takes up to a second: never in a key handler."""
        index, split = self.index, self.split
        diff = chunks(*texts(self.changes[index]), split=split)
        self.app.call_from_thread(self.show_diff, index, split, diff, rendered(diff))  # type: ignore[arg-type]  # Textual types async callbacks as Awaitable[Never]

    async def show_diff(self, index: int, split: bool, diff: Chunks, contents: list) -> None:
        if (index, split) != (self.index, self.split):
            return  # the user moved on while it was computed
        viewer = TextDiff(diff, contents)
        self.viewers[index, split] = viewer
        await self.mount(viewer, after="#diff-title")
        self.reveal(viewer)

    @property
    def viewer(self) -> TextDiff | None:
        """The diff on screen."""
        return self.viewers.get((self.index, self.split))

    def reveal(self, viewer: TextDiff) -> None:
        for widget in (*self.viewers.values(), self.query_one("#diffing")):
            widget.display = widget is viewer
        viewer.focus()
        self.show_title()

    def show_title(self, position: str = "") -> None:
        change = self.changes[self.index]
        scenario = escape(f"[{change.scenario}] ") if change.scenario else ""
        many = f"  ·  text {self.index + 1}/{len(self.changes)} (,/. for others)" if len(self.changes) > 1 else ""
        total = f"{self.viewer.total} changed places" if self.viewer else "diffing…"
        self.sub_title = f"{KIND_TITLES.get(change.kind, change.kind)}"
        self.query_one("#diff-title", Static).update(
            f"[b]{scenario}{escape(change.label)}[/b]  {change.status} {escape(when(change))}{many}\n"
            f"[dim]{position or total} · n/p: next/prev · s: {'unified' if self.split else 'side by side'} · l: lineage · [red strike]removed[/] [green b]added[/][/dim]"
        )

    def on_text_diff_moved(self, event: TextDiff.Moved) -> None:
        self.show_title(f"change {event.index + 1}/{event.total}")

    async def action_split(self) -> None:
        self.split = not self.split
        await self.show_change()

    def action_lineage(self) -> None:
        """Which release brought or took each paragraph (prose only: code has no paragraphs)."""
        change = self.changes[self.index]
        if change.kind == "request_code":
            self.notify("Request code has no paragraphs: the diff shows its lines.")
            return
        from .lineage import LineageScreen

        self.app.push_screen(LineageScreen(change))

    async def action_step(self, step: int) -> None:
        if len(self.changes) < 2:
            return
        self.index = (self.index + step) % len(self.changes)
        await self.show_change()

    async def show_change(self) -> None:
        if self.viewer is not None:
            self.reveal(self.viewer)
            return
        for widget in (*self.viewers.values(), self.query_one("#diffing")):
            widget.display = widget.id == "diffing"
        self.show_title()
        self.prepare()
