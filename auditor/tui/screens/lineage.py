"""Paragraph lineage of one long text: which release brought each paragraph and which took it away."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from ...diff import Change
from ..model import Paragraph, lineage
from ..widgets.footer import KeysFooter


def span(p: Paragraph) -> tuple[str, str]:
    """A paragraph's stay in the range, and the style that tells new, gone and unchanged apart."""
    if p.came is None and p.went is None:
        return "throughout", "dim"
    if p.went is None:
        return f"since {p.came}", "green"
    if p.came is None:
        return f"gone in {p.went}", "red"
    return f"{p.came} → gone in {p.went}", "yellow"


def render_lineage(paras: list[Paragraph]) -> Text:
    moved = sum(1 for p in paras if p.came or p.went)
    out = Text(f"{len(paras)} paragraphs, {moved} came or went in the range\n\n", style="bold")
    for p in paras:
        label, style = span(p)
        out.append(f"{label}\n", style=f"bold {style}")
        out.append(p.text + "\n\n", style="" if style == "dim" else style)
    return out


class LineageScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, change: Change) -> None:
        super().__init__()
        self.change = change

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="lineage-scroll"):
            yield Static("Following the paragraphs…", id="lineage")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = f"paragraph lineage · {self.change.label}"
        self.follow()

    @work(thread=True, exclusive=True, group="lineage")
    def follow(self) -> None:
        """Splitting every version of a 30K-character prompt is work for a thread, not a key handler."""
        text = render_lineage(lineage(self.change))
        self.app.call_from_thread(self.query_one("#lineage", Static).update, text)
