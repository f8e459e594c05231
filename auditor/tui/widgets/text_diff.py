"""A long text diff, unified or side by side, word-level highlights (auditor.diff.word_diff),
next/previous change.

The diff comes prepared (model.chunks, in a worker): runs of unchanged and changed lines, one widget
each, so a 30K-character prompt is a handful of widgets, and jumping to a change is scrolling to its run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from ..model import Chunks, Segment

STYLES = {"=": "", "-": "strike bold red", "+": "bold green"}
CONTEXT_LINES = 3
GUTTER = {False: ("  ", ""), True: ("▌ ", "yellow")}


def lines_text(lines: list[list[Segment]], changed: bool) -> Text:
    text = Text()
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append(*GUTTER[changed])
        for op, part in line:
            text.append(part, style=STYLES[op])
    return text


class TextDiff(VerticalScroll, can_focus=True):
    """Scrollable diff of two texts; `n`/`p` jump between changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,]", "next_change", "Next change"),
        Binding("p,[", "previous_change", "Prev change"),
    ]

    @dataclass
    class Moved(Message):
        """The viewer jumped to change `index` (0-based) of `total`."""

        index: int
        total: int

    def __init__(self, diff: Chunks, **kwargs) -> None:
        super().__init__(**kwargs)
        self.diff = diff
        self.total = diff.total
        self.current = -1

    def compose(self):
        for changed, items in self.diff.runs:
            yield self._chunk(changed, items)
        if not self.diff.runs:
            yield Static("(both empty)")

    def _chunk(self, changed: bool, items: list) -> Widget:
        classes = "changed" if changed else "same"
        if not self.diff.split:
            return Static(lines_text(items, changed), classes=classes)
        old = lines_text([row[0] for row in items], changed)
        new = lines_text([row[1] for row in items], changed)
        return Horizontal(Static(old, classes="old"), Static(new, classes="new"), classes=classes)

    @property
    def changes(self) -> list[Widget]:
        return [w for w in self.children if w.has_class("changed")]

    def action_next_change(self) -> None:
        self._jump(+1)

    def action_previous_change(self) -> None:
        self._jump(-1)

    def _jump(self, step: int) -> None:
        targets = self.changes
        if not targets:
            return
        self.current = (self.current + step) % len(targets) if self.current >= 0 or step > 0 else len(targets) - 1
        target = targets[self.current]  # a few unchanged lines above it, for context
        self.scroll_to(y=max(0, target.virtual_region.y - CONTEXT_LINES), animate=False)
        self.post_message(self.Moved(self.current, len(targets)))
