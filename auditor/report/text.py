"""Terminal report (rich): findings, the changelog in numbers, the pin, then each change with its
versions and a diff.

Everything that comes from the data (titles, prompt texts, changelog entries) is printed as a `Text`,
never as a markup string: `/effort [low|medium|high]` or `[bold]` in a prompt is printed as written.
Lines fit the console's width, wrapped with a hanging indent; where the console shows no colour (a
pipe, NO_COLOR) word diffs carry textual marks, `[-old-]{+new+}`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import targets
from ..errors import AuditorError
from ..rules import severity_rank
from . import (
    KIND_TITLES,
    WORDS,
    DiffReport,
    changelog_summary,
    code_diff,
    hunks,
    marked,
    ordered_findings,
    seen,
    short,
    structure_lines,
    versions_of,
    when,
    wrap_lines,
)

_VERDICT_STYLE = {"undocumented": "bold red", "partial": "yellow", "documented": "green", "unjudged": "dim"}
_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
_MARK = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow"), "transient": ("↺", "magenta")}
_DIFF_STYLE = {"=": "", "-": "red strike", "+": "green", "…": "dim"}
_CODE_STYLE = {"=": "dim", "-": "red", "+": "green", "…": "dim"}
TITLE_MIN = 40  # the findings table is used only when its title column gets at least this many characters


def render(report: DiffReport, console: Console, max_per_kind: int = 40) -> None:
    plain = colourless(console)
    console.print(
        Text.assemble(
            (f"{report.target} {report.from_version} → {report.to_version}", "bold"),
            f"  ({len(report.versions)} release{'' if len(report.versions) == 1 else 's'}, {report.platform})",
        )
    )
    for note in report.notes:
        console.print(Text("note: " + note, style="yellow"))
    if report.setup:
        lines = report.setup.lines()
        console.print(Text(lines[0], style="bold"))
        console.print(Text("\n".join(wrap_lines(lines[1:], console.width))), soft_wrap=True)
        console.print()
    if not report.changes:
        console.print("No changes.")
        return
    _lead(report, console)
    if report.findings:
        _findings(report, console, plain)
        _changelog(report, console)
    if report.recommendation:
        console.print()
        console.print(Text("Recommendation", style="bold underline"))
        console.print(Text("\n".join(wrap_lines(report.recommendation.lines(), console.width))), soft_wrap=True)
    console.print()
    console.print(Text("Changes", style="bold underline"))
    console.print(Text(f"{len(report.changes)} changes"))
    console.print(summary_table(report))
    for kind, changes in report.by_kind().items():
        console.print()
        console.print(Text(KIND_TITLES.get(kind, kind), style="bold underline"))
        for change in changes[:max_per_kind]:
            _entry(console, change, report.label(change), plain)
        if len(changes) > max_per_kind:
            console.print(Text(f"  … and {len(changes) - max_per_kind} more (use --format json for all)", style="dim"))


def _lead(report: DiffReport, console: Console) -> None:
    """What a reader acts on, first: the recommendation's first line and the undocumented high findings,
    one line each (the detail follows)."""
    highs = [f for f in report.findings if f.verdict == "undocumented" and severity_rank(f.severity) >= severity_rank("high")]
    if report.recommendation:
        console.print(Text.assemble(("In short: ", "bold"), report.recommendation.lines()[0]))
    if highs:
        console.print(Text(f"Undocumented high findings ({len(highs)}):", style="bold red"))
        for f in highs:
            line = f"  {f.introduced_in or '':<9} {f.title}"
            console.print(Text(line if len(line) <= console.width else line[: console.width - 1] + "…"), soft_wrap=True)
    if report.recommendation or highs:
        console.print()


def colourless(console: Console) -> bool:
    """No colour reaches the reader (a pipe, a file, NO_COLOR): diffs need textual marks."""
    return console.no_color or console.color_system is None


def _indent(console: Console, text: Text, columns: int, first: Text | None = None) -> Text:
    """`text` wrapped to the console's width less `columns`, every line indented by `columns`; with
    `first`, the first line starts with it instead (a hanging indent: `● title` and the title's
    wrapped lines under its first word). Built as text, so a pipe gets no trailing spaces."""
    lines = text.wrap(console, max(20, console.width - columns))
    lead = first if first is not None else Text(" " * columns)
    joined = Text("\n").join((lead if i == 0 else Text(" " * columns)) + line for i, line in enumerate(lines))
    joined.no_wrap = True  # already wrapped; a line the width cannot hold (a long word) is cut, not folded
    joined.overflow = "ellipsis"
    return _rstripped(joined)


def _rstripped(text: Text) -> Text:
    """Without the spaces wrapping leaves at line ends."""
    lines = text.split("\n")
    for line in lines:
        line.rstrip()  # in place
    return Text("\n").join(lines)


def _findings(report: DiffReport, console: Console, plain: bool) -> None:
    shown = [f for f in ordered_findings(report) if f.severity != "low"]
    low = len(report.findings) - len(shown)
    title = f"Findings: {len(report.findings)} ({low} low-severity not listed; --format json has all)"
    console.print(Text(title, style="bold"))
    if _title_room(shown, console.width) >= TITLE_MIN:
        console.print(_findings_table(shown))
        for f in shown:
            if f.severity in ("critical", "high"):
                console.print(Text.assemble((f"● {f.title}", "bold"), "  ", (f.verdict, _VERDICT_STYLE[f.verdict]), f"  {versions_of(f)}"))
                _detail(console, report, f, 4)
        return
    # narrow: a list that wraps instead of a squeezed table
    for f in shown:
        console.print(_indent(console, Text(f.title, style="bold"), 3, first=Text(" ● ", style=_SEVERITY_STYLE[f.severity])))
        facts = Text.assemble(
            (f.verdict, _VERDICT_STYLE[f.verdict]), " · ", (f.severity, _SEVERITY_STYLE[f.severity]), " · ", f.category,
            f" · {versions_of(f)} · confidence {f.confidence:.2f} · id {f.id}",
        )
        console.print(_indent(console, facts, 3))
        if f.severity in ("critical", "high"):
            _detail(console, report, f, 5)


def _findings_table(shown: list) -> Table:
    table = Table()
    for column in ("verdict", "severity", "category"):
        table.add_column(column, no_wrap=True)
    table.add_column("finding", ratio=1, min_width=TITLE_MIN)
    table.add_column("in", no_wrap=True)
    table.add_column("conf.", no_wrap=True)
    table.add_column("id", no_wrap=True)  # what `audit pin --accept` takes
    for f in shown:
        table.add_row(
            Text(f.verdict, style=_VERDICT_STYLE[f.verdict]), Text(f.severity, style=_SEVERITY_STYLE[f.severity]),
            Text(f.category), Text(f.title), Text(versions_of(f)), Text(f"{f.confidence:.2f}"), Text(f.id, style="dim"),
        )
    return table


def _title_room(shown: list, width: int) -> int:
    """What the title column would get: the width less the other columns (as wide as their widest
    cell) and the table's borders and padding."""
    columns = [
        ["verdict", *(f.verdict for f in shown)], ["severity", *(f.severity for f in shown)], ["category", *(f.category for f in shown)],
        ["in", *(versions_of(f) for f in shown)], ["conf."], ["id", *(f.id for f in shown)],
    ]
    return width - sum(max(len(c) for c in column) for column in columns) - 4 - 3 * 7 - 1


def _detail(console: Console, report: DiffReport, f, indent: int) -> None:
    """What was observed (code as changed lines), why the verdict, the changelog entries quoted."""
    for line, code in seen(f, report, width=_code_width(console)):
        console.print(_indent(console, Text(line), indent))
        if code:
            console.print(_indent(console, _code(code), indent + 2))
    if f.evidence.get("note"):
        console.print(_indent(console, Text("why: " + f.evidence["note"], style="dim"), indent))
    for ref in f.changelog_refs[:2]:
        console.print(_indent(console, Text(f"changelog {ref.version}: “{short(ref.entry, 150)}”", style="cyan"), indent))


def _code_width(console: Console) -> int:
    """Pretty-printed code fits beside the deepest indent a report gives it (one width for findings
    and changes, so each function is beautified once)."""
    return max(40, console.width - 10)


def _code(lines: list[tuple[str, str]]) -> Text:
    """A code diff as lines: `  ` context, `- ` removed, `+ ` added, `…` between hunks."""
    out = Text()
    for i, (op, line) in enumerate(lines):
        prefix = ("… " if line else "…") if op == "…" else f"{' ' if op == '=' else op} "
        out.append(("\n" if i else "") + prefix + line, style=_CODE_STYLE[op])
    out.no_wrap = True
    out.overflow = "ellipsis"
    return out


def _changelog(report: DiffReport, console: Console) -> None:
    """The range's changelog in numbers and where to read it; the entries that matter are quoted with
    the findings."""
    try:
        target = targets.get(report.target)
    except AuditorError:
        target = None
    summary = changelog_summary(report, target)
    if summary is None:
        return
    console.print()
    console.print(_indent(console, Text(f"Changelog {report.versions[1]}…{report.to_version}: {summary.headline()}", style="bold"), 0))
    if summary.releases:
        console.print(_indent(console, Text(summary.counts()), 2))
    where = f"{summary.url} (read from {report.changelog_origin})" if summary.url else f"read from {report.changelog_origin}"
    console.print(_indent(console, Text(where, style="cyan"), 2))


def summary_table(report: DiffReport) -> Table:
    counts = report.counts(words=True)
    columns = [word for word in WORDS if any(row[word] for row in counts.values())]
    table = Table()
    table.add_column("kind")
    for word in columns:
        table.add_column(word, justify="right")
    for kind, row in counts.items():
        table.add_row(Text(KIND_TITLES.get(kind, kind)), *(str(row[w]) if row[w] else "" for w in columns))
    return table


def _entry(console: Console, change, name: str, plain: bool) -> None:
    mark, colour = _MARK[change.status]
    console.print(_indent(console, Text.assemble((name, "bold"), (f"  {when(change)}", "dim")), 3, first=Text(f" {mark} ", style=colour)))
    code = code_diff(change, width=_code_width(console))
    diff = hunks(change)
    paths = structure_lines(change)
    if code:
        body = _code(code)
    elif diff:
        body = Text()
        for op, text in diff:
            text = f"\n… {text}" if op == "…" else text
            body.append(marked(op, text) if plain else text, style=_DIFF_STYLE[op])
    elif paths:
        body = Text("\n".join(paths), style="yellow")
    elif change.status == "changed" or change.status == "transient":
        body = Text.assemble((short(change.before), "red"), " → ", (short(change.after), "green"))
    elif change.kind in ("prompt_section", "string", "document", "tool") and isinstance(change.after or change.before, str):
        body = Text(short(change.after or change.before), style="dim")
    elif change.after not in (None, ""):
        body = Text(short(change.after), style="dim")
    else:
        return
    console.print(_indent(console, body, 5))
