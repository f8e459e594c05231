"""Markdown for a PR or issue comment, laid out like Renovate/Dependabot: a headline, a findings table,
then collapsible details per release and the pin recommendation."""

from __future__ import annotations

from .. import versions as vers
from . import KIND_TITLES, STATUS_WORDS, DiffReport, hunks, observed, ordered_findings, short, structure_lines, versions_of, when

COMMENT_LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
_VERDICT_MARK = {"undocumented": "🔴 undocumented", "partial": "🟡 partial", "documented": "🟢 documented"}


def render(report: DiffReport, max_per_release: int = 60) -> str:
    lines = [f"### {report.target} {report.from_version} → {report.to_version}", ""]
    verdicts = {v: sum(1 for f in report.findings if f.verdict == v) for v in _VERDICT_MARK}
    headline = f"{len(report.versions)} releases compared ({report.platform}); {len(report.changes)} changes"
    if report.findings:
        headline += "; findings: " + ", ".join(f"{n} {v}" for v, n in verdicts.items() if n)
    lines += [headline + ".", ""]
    lines += [f"> **Note:** {_escape(note)}" for note in report.notes]
    if report.recommendation:
        r = report.recommendation
        lines += [f"**Recommendation:** {'stay on' if r.stays else 'pin'} `{r.package}@{r.version}`", ""]
    shown = [f for f in ordered_findings(report) if f.severity != "low"]
    if shown:
        lines += ["| Verdict | Severity | Category | Finding | Release |", "|---|---|---|---|---|"]
        rows = [f"| {_VERDICT_MARK[f.verdict]} | {f.severity} | {f.category} | {_escape(f.title)} | {versions_of(f)} |" for f in shown]
        while len("\n".join(rows)) > COMMENT_LIMIT // 2:  # the table may take half a comment
            rows.pop()
        lines += rows
        low, cut = len(report.findings) - len(shown), len(shown) - len(rows)
        if low or cut:
            more = f"{low} low-severity findings" + (f" and {cut} more that did not fit" if cut else "")
            lines += ["", f"{more} are in the JSON report."]
        lines += ["", "<details><summary>Evidence for high-severity findings</summary>", ""]
        for f in shown:
            if f.severity in ("critical", "high"):
                lines.append(f"- **{_escape(f.title)}** ({f.verdict}, {versions_of(f)}, confidence {f.confidence:.2f})")
                lines += [f"  - {_escape(line)}" for line in observed(f)]
                lines += [f"  - changelog {ref.version}: “{_escape(short(ref.entry, 200))}”" for ref in f.changelog_refs[:2]]
        lines += ["", "</details>"]
    tail: list[str] = []
    if report.recommendation:
        tail = ["", "<details><summary>Pin recommendation</summary>", "", "```text", *report.recommendation.lines(), "```", "", "</details>"]
    budget = COMMENT_LIMIT - len("\n".join(lines + tail)) - 200
    by_release: dict[str, list] = {}
    for change in report.changes:
        by_release.setdefault(change.introduced_in or "?", []).append(change)
    changelog = dict(report.changelog)
    omitted = []
    for version in sorted(by_release, key=lambda v: vers.parse(v) if vers.is_version(v) else (0,)):
        section = _release_details(report, version, by_release[version], changelog.get(version), max_per_release)
        size = len("\n".join(section)) + 1
        if size > budget:
            omitted.append(version)
            continue
        budget -= size
        lines += section
    if omitted:
        lines += ["", f"Details of {', '.join(omitted)} left out to fit a comment; `--format json` has everything."]
    lines += tail
    return "\n".join(lines) + "\n"


def _release_details(report: DiffReport, version: str, changes: list, changelog: list[str] | None, limit: int) -> list[str]:
    lines = ["", f"<details><summary>{version}: {len(changes)} changes</summary>", ""]
    if changelog is not None:
        lines += ["Changelog:", *(f"> - {_escape(short(e, 200))}" for e in changelog), ""]
    elif report.changelog_origin:
        lines += ["Changelog: *no section for this release*", ""]
    for change in sorted(changes, key=lambda c: c.kind)[:limit]:
        lines.append(f"- {KIND_TITLES.get(change.kind, change.kind)}: **{_escape(report.label(change))}** — {STATUS_WORDS[change.status]} {when(change)}")
        diff = hunks(change)
        paths = structure_lines(change)
        if diff:
            lines.append("  " + "".join(_md_run(op, text) for op, text in diff))
        elif paths:
            lines.extend(f"  - `{_code(line)}`" for line in paths)
        elif change.status in ("changed", "transient"):
            lines.append(f"  `{_code(short(change.before))}` → `{_code(short(change.after))}`")
    if len(changes) > limit:
        lines.append(f"- … and {len(changes) - limit} more")
    return [*lines, "", "</details>"]


def _md_run(op: str, text: str) -> str:
    text = _escape(" ".join(text.split()) if text.strip() else text)
    if not text.strip():
        return text
    return {"=": text, "-": f"~~{text}~~", "+": f"**{text}**"}[op]


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    return text.replace("`", "'")
