"""The Action's comment on one release, laid out like Renovate: a hidden marker (so a re-run edits it), a
header line, a table of findings by verdict and severity, the undocumented ones first with their evidence,
<details> for the rest and for the captured request changes, the pin recommendation and links.

Everything that comes from the vendor (changelog entries, prompt texts, names found in the code) goes
through `escape` (auditor.report.markdown): it cannot open HTML, close the marker or a <details>, break a table, ping a user or
link an issue. The comment fits GitHub's 65,536 characters; what does not fit is named and left to the
step summary."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..judge.describe import status_word
from ..judge.finding import VERDICTS, Finding
from ..pin import Recommendation
from ..rules import SEVERITIES, severity_rank
from ..targets import Target
from . import DiffReport, changelog_summary, changelog_url, evidence_code, hunks, ordered_findings, short, structure_lines, versions_of
from .markdown import COMMENT_LIMIT, VERDICT_MARK, code_block, escape, fenced

_MARKER = re.compile(r"<!-- auditor:(?P<target>[\w.-]+):(?P<version>[0-9A-Za-z.+-]+) -->")
CAPTURE_FAILED = "> **Capture failed:**"


def marker(target: str, version: str) -> str:
    """The hidden line that identifies a release's comment: `<!-- auditor:claude-code:2.1.117 -->`."""
    return f"<!-- auditor:{target}:{version} -->"


def marked_version(body: str, target: str) -> str | None:
    """The release a comment is about, from its marker (None for other comments)."""
    found = _MARKER.match(body)
    return found.group("version") if found and found.group("target") == target else None


def npm_url(target: Target, version: str) -> str:
    return f"https://www.npmjs.com/package/{target.npm_package}/v/{version}"


def render(
    report: DiffReport,
    target: Target,
    *,
    published: str | None = None,
    failures: Sequence[str] = (),
    severity: str = "medium",
    summary_url: str | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The comment on `report.to_version` (a report of its predecessor → it)."""
    version = report.to_version
    head = [marker(target.name, version), _header(report, target, published), ""]
    head += [f"{CAPTURE_FAILED} {escape(f)}" for f in failures]
    head += [f"> **Note:** {escape(n)}" for n in report.notes]
    if failures or report.notes:
        head.append("")
    head += [*_summary(report, target), "", *_table(report), ""]

    tail = [*_pin(report), "", _links(report, target, summary_url)]
    budget = limit - len("\n".join(head + tail)) - 400  # room for the truncation line
    listed = [f for f in ordered_findings(report) if severity_rank(f.severity) >= severity_rank(severity)]
    undocumented = [f for f in listed if f.verdict == "undocumented"]
    unjudged = [f for f in listed if f.verdict == "unjudged"]  # no notes to judge by: what matters is still shown
    rest = [f for f in ordered_findings(report) if f not in undocumented and f not in unjudged]
    captured = [c for c in report.changes if c.scenario]
    body: list[str] = []
    left_out = 0
    for title, items, lines, folded in (
        (f"#### Undocumented ({len(undocumented)})", undocumented, lambda f: _finding_lines(report, f), False),
        (f"#### Not judged ({len(unjudged)})", unjudged, lambda f: _finding_lines(report, f), False),
        (f"Other findings ({len(rest)}): {_others(rest, severity)}", rest, lambda f: _finding_lines(report, f), True),
        (f"Captured request changes ({len(captured)})", captured, lambda c: _capture_lines(report, c), True),
    ):
        if not items:
            continue
        section = ["", f"<details><summary>{title}</summary>", ""] if folded else [title, ""]
        closing = ["", "</details>"] if folded else []
        used = len("\n".join(section + closing)) + 2
        if used > budget:
            left_out += len(items)
            continue
        shown = 0
        for item in items:
            block = lines(item)
            size = len("\n".join(block)) + 1
            if used + size > budget:
                break
            section += block
            used += size
            shown += 1
        left_out += len(items) - shown
        body += section + closing
        budget -= used
    if left_out:
        where = f"the [step summary]({summary_url})" if summary_url else "the step summary"
        body += ["", f"*{left_out} more findings and changes did not fit in a comment: see {where} and the report artifact.*"]
    return "\n".join(head + body + [""] + tail) + "\n"


def _header(report: DiffReport, target: Target, published: str | None) -> str:
    version = report.to_version
    if not report.changelog_origin:
        section = "changelog not read"
    elif version in dict(report.changelog):
        section = "changelog section present"
    else:
        section = "**changelog section missing**"
    when = f"published {published[:10]}" if published else "publish date unknown"
    return f"### {target.display_name} {version} · {when} · {section}"


def _others(findings: list[Finding], severity: str) -> str:
    """What the folded findings are, in the order the verdicts are listed: "partial, documented, not judged,
    or below medium" (only those present)."""
    kinds = [word for v, word in (("partial", "partial"), ("documented", "documented"), ("unjudged", "not judged")) if any(f.verdict == v for f in findings)]
    if any(severity_rank(f.severity) < severity_rank(severity) for f in findings):
        kinds.append(f"below {severity}")
    return ", ".join(kinds[:-1]) + (" or " if len(kinds) > 1 else "") + kinds[-1] if kinds else ""


def _summary(report: DiffReport, target: Target) -> list[str]:
    """What was compared and found; the changelog of the release(s) in numbers (the entries that
    matter are quoted with the findings)."""
    captured = f"; captured: {', '.join(report.scenarios)}" if report.scenarios else "; static facts only (no capture)"
    counts = {v: sum(1 for f in report.findings if f.verdict == v) for v in VERDICTS}
    found = ", ".join(f"{n} {v}" for v, n in counts.items() if n) or "none"
    lines = [f"Compared with {report.from_version} ({report.platform}{captured}): {len(report.changes)} changes; findings: {found}."]
    summary = changelog_summary(report, target)
    if summary and summary.releases:
        per_release = f" ({summary.counts()})" if len(summary.releases) > 1 else ""
        lines += ["", f"Changelog: {summary.headline()}{per_release}."]
    return lines


def _table(report: DiffReport) -> list[str]:
    """Findings counted by verdict (rows) and severity (columns, most severe first)."""
    columns = list(reversed(SEVERITIES))
    lines = ["| Verdict | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for verdict in VERDICTS:
        counts = [sum(1 for f in report.findings if f.verdict == verdict and f.severity == s) for s in columns]
        lines.append(f"| {VERDICT_MARK[verdict]} | " + " | ".join(str(n) if n else "·" for n in counts) + " |")
    return lines


def _finding_lines(report: DiffReport, finding) -> list[str]:
    head = f"- {VERDICT_MARK[finding.verdict]} · **{finding.severity}** · {escape(finding.category)} · **{escape(finding.title)}**"
    lines = [head + f" ({escape(versions_of(finding))}, confidence {finding.confidence:.2f}, id `{escape(finding.id)}`)"]
    changes = finding.evidence.get("changes", [])
    for change in changes[:3]:
        code = evidence_code(report, change, 16)
        if code:  # request code: the pretty-printed lines that changed, not loose tokens
            lines += [f"  - seen: {escape(change['label'])}: {change['status']}", "", *code_block(code, "    "), ""]
        else:
            lines.append(f"  - seen: {_seen(change)}")
    if more := max(0, len(changes) - 3) + finding.evidence.get("more_changes", 0):
        lines.append(f"  - … {more} more changes")
    if finding.evidence.get("note"):
        lines.append(f"  - {escape(finding.evidence['note'])}")
    elif finding.evidence.get("missing"):  # the note, when there is one, already says what is missing
        lines.append(f"  - not in the changelog: {escape(', '.join(map(str, finding.evidence['missing'])))}")
    lines += [f"  - changelog {escape(ref.version)}: “{escape(short(ref.entry, 200))}”" for ref in finding.changelog_refs[:2]]
    return lines


def _seen(change: dict) -> str:
    """One observed change of a finding: what was added or removed in it, or before → after; a value that
    only repeats the change's name is left out."""
    name = (f"[{change['scenario']}] " if change.get("scenario") else "") + str(change["label"])
    runs = [f"added “{short(t, 90)}”" for t in change.get("added", [])[:2]] + [f"removed “{short(t, 90)}”" for t in change.get("removed", [])[:2]]
    if runs:
        return f"{escape(name)}: {escape('; '.join(runs))}"
    before, after = change.get("before"), change.get("after")
    if change["status"] in ("added", "removed"):
        value = after if change["status"] == "added" else before
        repeats = value is None or str(value).startswith(str(change["label"]).rstrip("…"))
        return f"{escape(name)}: {change['status']}" + ("" if repeats else f": {escape(short(value, 90))}")
    return f"{escape(name)}: {escape(short(before, 70))} → {escape(short(after, 70))}"


def _capture_lines(report: DiffReport, change, edits: int = 4) -> list[str]:
    """A captured change: the words that changed in a text, the paths that changed in a structure, else
    before → after."""
    lines = [f"- **{escape(report.label(change))}**: {status_word(change.status, change.before)}"]
    runs = [(op, text) for op, text in hunks(change, edits=edits + 1) if op in "+-" and text.strip()]
    paths = structure_lines(change, limit=edits)
    if runs:
        lines += [f"  - {'added' if op == '+' else 'removed'}: {escape(short(text, 160))}" for op, text in runs[:edits]]
        lines += [f"  - … {len(runs) - edits} more edits"] if len(runs) > edits else []
    elif paths:
        lines += [f"  - {escape(path)}" for path in paths]
    elif change.status in ("changed", "transient"):
        lines[0] += f": {escape(short(change.before, 80))} → {escape(short(change.after, 80))}"
    elif change.status == "added":
        lines[0] += f": {escape(short(change.after, 120))}"
    return lines


def _pin(report: DiffReport) -> list[str]:
    r = report.recommendation
    if r is None:
        return []
    summary = f"Pin recommendation: {'stay on' if r.stays else 'pin'} {escape(r.version)}"
    return ["", f"<details><summary>{summary}</summary>", "", *fenced(r.lines()), "", "</details>"]


def pin_head(rec: Recommendation, newest: str | None = None) -> str:
    """The tracking issue's first lines: the current recommendation from its baseline, what it rests on,
    what was set aside, and why not newer (folded)."""
    verb = f"**Stay on `{rec.package}@{rec.version}`**" if rec.stays else f"**Pin `{rec.package}@{rec.version}`**"
    upto = f", releases up to {escape(newest)} audited" if newest else ""
    lines = [f"{verb} (from {escape(rec.baseline)}{upto}). {escape(rec.basis())}", "", f"`{rec.commands['install']}`"]
    why = [*rec.accepted_lines(), *(["Why not newer:", *(f"  {line}" for line in rec.why_not())] if rec.skipped else [])]
    if why:
        lines += ["", "<details><summary>Why not newer, and what was set aside</summary>", "", *fenced(why), "", "</details>"]
    return "\n".join(lines)


def _links(report: DiffReport, target: Target, summary_url: str | None) -> str:
    version = report.to_version
    links = [f"[npm {version}]({npm_url(target, version)})"]
    if url := changelog_url(target, version):
        links.append(f"[changelog {version}]({url})")
    if summary_url:
        links.append(f"[full report]({summary_url})")
    return " · ".join(links)
