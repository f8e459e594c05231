"""Terminal report (rich): a summary table, then each change with its versions and a word diff."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from . import KIND_TITLES, STATUS_WORDS, DiffReport, hunks, short, structure_lines, when  # noqa: F401 (short is re-exported)

_MARK = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow"), "transient": ("↺", "magenta")}


def render(report: DiffReport, console: Console, max_per_kind: int = 40) -> None:
    console.print(
        Text.assemble(
            (f"{report.target} {report.from_version} → {report.to_version}", "bold"),
            f"  ({len(report.versions)} releases, {report.platform})",
        )
    )
    if not report.changes:
        console.print("No changes.")
        return
    console.print(summary_table(report))
    for kind, changes in report.by_kind().items():
        console.print()
        console.print(Text(KIND_TITLES.get(kind, kind), style="bold underline"))
        for change in changes[:max_per_kind]:
            console.print(_entry(change, report.label(change)))
        if len(changes) > max_per_kind:
            console.print(Text(f"  … and {len(changes) - max_per_kind} more (use --format json for all)", style="dim"))


def summary_table(report: DiffReport) -> Table:
    table = Table(title=f"{len(report.changes)} changes", title_justify="left")
    table.add_column("kind")
    for status in STATUS_WORDS.values():
        table.add_column(status, justify="right")
    for kind, row in report.counts().items():
        table.add_row(KIND_TITLES.get(kind, kind), *(str(row[s]) if row[s] else "" for s in STATUS_WORDS))
    return table


def _entry(change, name: str) -> Group:
    mark, colour = _MARK[change.status]
    head = Text.assemble((f" {mark} ", colour), (name, "bold"), (f"  {when(change)}", "dim"))
    parts = [head]
    diff = hunks(change)
    paths = structure_lines(change)
    if diff:
        body = Text("     ")
        for op, text in diff:
            body.append(text, style={"=": "", "-": "red strike", "+": "green"}[op])
        parts.append(body)
    elif paths:
        parts.extend(Text("     " + line, style="yellow") for line in paths)
    elif change.status == "changed" or change.status == "transient":
        parts.append(Text.assemble("     ", (short(change.before), "red"), " → ", (short(change.after), "green")))
    elif change.kind in ("prompt_section", "string", "document", "tool") and isinstance(change.after or change.before, str):
        parts.append(Text("     " + short(change.after or change.before), style="dim"))
    elif change.after not in (None, ""):
        parts.append(Text("     " + short(change.after), style="dim"))
    return Group(*parts)
