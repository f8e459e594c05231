"""A long text diff: unified, word-level highlights (auditor.diff.word_diff), next/previous change.

The text is cut into chunks of unchanged and changed lines, one Static each, so a 30K-character prompt
is a handful of widgets, and jumping to a change is scrolling to its chunk."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ..model import Segment, diff_lines, hunk_starts, is_changed

STYLES = {"=": "", "-": "strike bold red", "+": "bold green"}
CONTEXT_LINES = 3
GUTTER = {False: ("  ", ""), True: ("▌ ", "yellow")}


def chunk_text(lines: list[list[Segment]], changed: bool) -> Text:
    text = Text()
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append(*GUTTER[changed])
        for op, part in line:
            text.append(part, style=STYLES[op])
    return text


class TextDiff(VerticalScroll, can_focus=True):
    """Scrollable unified diff of two texts; `n`/`p` jump between changes."""

    BINDINGS = [
        Binding("n,]", "next_change", "Next change"),
        Binding("p,[", "previous_change", "Prev change"),
    ]

    @dataclass
    class Moved(Message):
        """The viewer jumped to change `index` (0-based) of `total`."""

        index: int
        total: int

    def __init__(self, before: str, after: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines = diff_lines(before, after)
        self.total = len(hunk_starts(self.lines))  # one per changed chunk below
        self.current = -1

    def compose(self):
        chunks: list[tuple[bool, list[list[Segment]]]] = []
        for line in self.lines:
            changed = is_changed(line)
            if chunks and chunks[-1][0] == changed:
                chunks[-1][1].append(line)
            else:
                chunks.append((changed, [line]))
        for changed, lines in chunks:
            yield Static(chunk_text(lines, changed), classes="changed" if changed else "same")
        if not self.lines:
            yield Static("(both empty)")

    @property
    def changes(self) -> list[Static]:
        return list(self.query(".changed").results(Static))

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
