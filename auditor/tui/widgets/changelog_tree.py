"""The changelog of a compare's range: a release per branch (marked when it has no section or its
entries were rewritten after release), its entries, under each entry the findings it documents, and
the undocumented findings no entry speaks for. Enter on a finding shows it in the findings tab."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree

from ...judge import Finding
from ..model import LogRelease
from .findings_table import SEVERITY_STYLES, VERDICT_STYLES

HEAD = {"yes": ("", ""), "edited": ("  entries edited after release", "yellow"), "none": ("  no changelog section", "bold red")}


def finding_label(finding: Finding, prefix: str) -> Text:
    return Text.assemble(
        (prefix, "dim"), (finding.verdict, VERDICT_STYLES.get(finding.verdict, "")), " ",
        (finding.severity, SEVERITY_STYLES.get(finding.severity, "")), "  ", finding.title,
    )


class ChangelogTree(Tree[int]):
    @dataclass
    class Chosen(Message):
        """Enter on a finding under an entry: its index in the report's findings."""

        index: int

    def __init__(self, releases: list[LogRelease], findings: list[Finding], origin: str, **kwargs) -> None:
        super().__init__(f"Changelog of the range (from {origin.rstrip('/').rsplit('/', 1)[-1]})", **kwargs)
        self.releases = releases
        self.findings = findings

    def on_mount(self) -> None:
        self.root.expand()
        for release in self.releases:
            note, style = HEAD[release.status]
            linked = sum(len(e.findings) for e in release.entries)
            counts = f"  {len(release.entries)} entr{'y' if len(release.entries) == 1 else 'ies'}" + (f", {linked} linked to findings" if linked else "")
            label = Text.assemble((release.version, "bold cyan"), (note, style), (counts, "dim"),
                                  (f"  · {len(release.unexplained)} undocumented not in it" if release.unexplained else "", "red"))
            branch = self.root.add(label, expand=bool(linked or release.unexplained or release.status != "yes"))
            for entry in release.entries:
                text = Text.assemble(("• ", "dim"), entry.text, (f"  [edited {entry.edited[:10]}]" if entry.edited else "", "yellow"))
                if entry.findings:
                    node = branch.add(text, expand=True)
                    for i in entry.findings:
                        node.add_leaf(finding_label(self.findings[i], "documents → "), data=i)
                else:
                    branch.add_leaf(text)
            for i in release.unexplained:
                branch.add_leaf(finding_label(self.findings[i], "not in the changelog: "), data=i)

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        if event.node.data is not None:
            event.stop()
            self.post_message(self.Chosen(event.node.data))
