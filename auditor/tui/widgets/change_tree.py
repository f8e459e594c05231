"""All changes of a compare grouped by kind, with counts (the second half of `audit diff`)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree

from ...diff import Change
from ...judge.describe import status_word
from ...judge.finding import short
from ...report import KIND_TITLES, LONG_TEXT_KINDS, DiffReport, when

STATUS_STYLES = {"added": "green", "removed": "red", "changed": "yellow", "transient": "magenta"}


def leaf_label(report: DiffReport, change: Change) -> Text:
    """`changed   limit  in 2.1.113  50 → 100`: a short value is shown whole; a long text opens on Enter."""
    word = status_word(change.status, change.before)
    label = Text.assemble((f"{word:9} ", STATUS_STYLES.get(change.status, "")), report.label(change), ("  " + when(change), "dim"))
    if change.kind not in LONG_TEXT_KINDS and change.status in ("changed", "transient"):
        label.append(f"  {short(change.before, 30)} → {short(change.after, 30)}")
    return label


class ChangeTree(Tree[Change]):
    """Kinds as branches (`Tools  3 added, 1 changed`), changes as leaves; Enter opens a leaf's diff."""

    @dataclass
    class Chosen(Message):
        change: Change

    def __init__(self, report: DiffReport, **kwargs) -> None:
        super().__init__(f"{len(report.changes)} changes {report.from_version} → {report.to_version}", **kwargs)
        self.report = report

    def on_mount(self) -> None:
        self.root.expand()
        counts = self.report.counts(words=True)
        for kind, changes in self.report.by_kind().items():
            summary = ", ".join(f"{n} {word}" for word, n in counts[kind].items() if n)
            branch = self.root.add(Text.assemble((KIND_TITLES.get(kind, kind), "bold"), "  ", (summary, "dim")), expand=False)
            for change in changes:
                branch.add_leaf(leaf_label(self.report, change), data=change)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Change]) -> None:
        if event.node.data is not None:
            event.stop()
            self.post_message(self.Chosen(event.node.data))
