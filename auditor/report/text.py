"""Terminal report (rich): a summary table, then each change with its versions and a word diff."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from . import KIND_TITLES, STATUS_WORDS, DiffReport, hunks, observed, ordered_findings, short, structure_lines, versions_of, when

_VERDICT_STYLE = {"undocumented": "bold red", "partial": "yellow", "documented": "green"}
_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}

_MARK = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow"), "transient": ("↺", "magenta")}


def render(report: DiffReport, console: Console, max_per_kind: int = 40) -> None:
    console.print(
        Text.assemble(
            (f"{report.target} {report.from_version} → {report.to_version}", "bold"),
            f"  ({len(report.versions)} releases, {report.platform})",
        )
    )
    for note in report.notes:
        console.print(Text("note: " + note, style="yellow"))
    if not report.changes:
        console.print("No changes.")
        return
    if report.findings:
        _findings(report, console)
        _changelog(report, console)
    if report.recommendation:
        console.print()
        console.print(Text("Recommendation", style="bold underline"))
        console.print("\n".join(report.recommendation.lines()), markup=False, highlight=False)
    console.print()
    console.print(Text("Changes", style="bold underline"))
    console.print(summary_table(report))
    for kind, changes in report.by_kind().items():
        console.print()
        console.print(Text(KIND_TITLES.get(kind, kind), style="bold underline"))
        for change in changes[:max_per_kind]:
            console.print(_entry(change, report.label(change)))
        if len(changes) > max_per_kind:
            console.print(Text(f"  … and {len(changes) - max_per_kind} more (use --format json for all)", style="dim"))


def _findings(report: DiffReport, console: Console) -> None:
    shown = [f for f in ordered_findings(report) if f.severity != "low"]
    low = len(report.findings) - len(shown)
    table = Table(title=f"Findings: {len(report.findings)} ({low} low-severity not listed; --format json has all)", title_justify="left")
    for column in ("verdict", "severity", "category"):
        table.add_column(column, no_wrap=True)
    table.add_column("finding", ratio=1)
    table.add_column("in", no_wrap=True)
    table.add_column("conf.", no_wrap=True)
    for f in shown:
        table.add_row(
            Text(f.verdict, style=_VERDICT_STYLE[f.verdict]), Text(f.severity, style=_SEVERITY_STYLE[f.severity]),
            f.category, f.title, versions_of(f), f"{f.confidence:.2f}",
        )
    console.print(table)
    for f in shown:
        if f.severity not in ("critical", "high"):
            continue
        console.print(Text.assemble((f"● {f.title}", "bold"), "  ", (f.verdict, _VERDICT_STYLE[f.verdict]), f"  {versions_of(f)}"))
        for line in observed(f):
            console.print(Text("    " + line), highlight=False)
        if f.evidence.get("note"):
            console.print(Text("    why: " + f.evidence["note"], style="dim"))
        for ref in f.changelog_refs[:2]:
            console.print(Text(f"    changelog {ref.version}: “{short(ref.entry, 150)}”", style="cyan"))


def _changelog(report: DiffReport, console: Console) -> None:
    console.print()
    console.print(Text(f"Changelog for {report.versions[1]}…{report.to_version} ({report.changelog_origin})", style="bold underline"))
    listed = dict(report.changelog)
    for version in report.versions[1:]:
        entries = listed.get(version)
        if entries is None:
            console.print(Text(f"  {version}: no changelog section", style="red"))
            continue
        console.print(Text(f"  {version}", style="bold"))
        for entry in entries[:12]:
            console.print(Text(f"    - {short(entry, 150)}"), highlight=False)
        if len(entries) > 12:
            console.print(Text(f"    … {len(entries) - 12} more", style="dim"))


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
