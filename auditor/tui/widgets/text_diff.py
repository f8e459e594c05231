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
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from ..model import Chunks, Segment

STYLES = {"=": "", "-": "strike bold red", "+": "bold green"}
CONTEXT_LINES = 3
BATCH_CHARS = 4000
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


def rendered(diff: Chunks) -> list[tuple[bool, list[Content]]]:
    """Each run as styled content (one, or old and new side by side): made in the diff worker, since
    styling the lines of a long prompt holds the UI thread for a noticeable moment."""
    out = []
    for changed, items in diff.runs:
        if diff.split:
            parts = [lines_text([row[0] for row in items], changed), lines_text([row[1] for row in items], changed)]
        else:
            parts = [lines_text(items, changed)]
        out.append((changed, [Content.from_rich_text(p) for p in parts]))
    return out


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

    def __init__(self, diff: Chunks, contents: list[tuple[bool, list[Content]]] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.diff = diff
        self.contents = rendered(diff) if contents is None else contents
        self.total = diff.total
        self.current = -1
        self._next = 0  # the first run not mounted yet
        self._pending: int | None = None  # a change `n`/`p` asked for before it was mounted

    def compose(self):
        if not self.contents:
            yield Static("(both empty)")
        yield from self._batch()

    def _batch(self) -> list[Widget]:
        """The next runs, up to BATCH_CHARS of text: laying out a long prompt's runs at once holds the
        UI thread for over 100 ms, so the rest are mounted a batch per refresh (the first screenful
        shows at once)."""
        widgets: list[Widget] = []
        size = 0
        while self._next < len(self.contents) and (not widgets or size < BATCH_CHARS):
            changed, parts = self.contents[self._next]
            self._next += 1
            size += sum(len(p.plain) for p in parts)
            classes = "changed" if changed else "same"
            if len(parts) == 1:
                widgets.append(Static(parts[0], classes=classes))
            else:
                widgets.append(Horizontal(Static(parts[0], classes="old"), Static(parts[1], classes="new"), classes=classes))
        return widgets

    def on_mount(self) -> None:
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        if self._next < len(self.contents) and self.is_attached:
            await self.mount_all(self._batch())
            if self._pending is not None and len(self.changes) > self._pending:
                self.call_after_refresh(self._go, self._pending)  # the change asked for is laid out now
                self._pending = None
            self.call_after_refresh(self._mount_rest)

    @property
    def changes(self) -> list[Widget]:
        return [w for w in self.children if w.has_class("changed")]

    def action_next_change(self) -> None:
        self._jump(+1)

    def action_previous_change(self) -> None:
        self._jump(-1)

    def _jump(self, step: int) -> None:
        if not self.total:
            return
        wanted = (self.current + step) % self.total if self.current >= 0 or step > 0 else self.total - 1
        if len(self.changes) <= wanted and self._next < len(self.contents):
            self._pending = wanted  # pressed before its batch was mounted: jump once it is
            return
        self._go(wanted)

    def _go(self, index: int) -> None:
        """Scroll so change `index` is at the top, with a few unchanged lines above it for context."""
        targets = self.changes
        if not targets:
            return
        self.current = min(index, len(targets) - 1)
        self.scroll_to(y=max(0, targets[self.current].virtual_region.y - CONTEXT_LINES), animate=False)
        self.post_message(self.Moved(self.current, self.total))
