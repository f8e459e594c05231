"""Markdown for a PR or issue comment, laid out like Renovate/Dependabot: a headline, the range's
changelog in numbers, a findings table, then collapsible details per release and the pin
recommendation.

Vendor text goes through `escape` (no HTML, no markdown syntax, no @mention or #123 reference, no live
URL, no bidirectional-text control obeyed); word diffs read without colour as ~~old~~ **new**; request
code as a `diff` block of pretty-printed lines."""

from __future__ import annotations

import re

from .. import targets
from .. import versions as vers
from ..errors import AuditorError
from ..judge.describe import status_word
from . import (
    KIND_TITLES,
    DiffReport,
    changelog_summary,
    changelog_url,
    code_diff,
    hunks,
    is_fix,
    ordered_findings,
    seen,
    short,
    structure_lines,
    versions_of,
    when,
)

COMMENT_LIMIT = 65_000  # GitHub refuses comments over 65,536 characters
VERDICT_MARK = {"undocumented": "🔴 undocumented", "partial": "🟡 partial", "documented": "🟢 documented", "unjudged": "⚪ not judged"}
_MARKDOWN = re.compile(r"([\\`*_\[\]|~!])")
_REFERENCE = re.compile(r"(#|GH-)(?=\d)", re.IGNORECASE)
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)", re.IGNORECASE)  # where GitHub's autolinker sees scheme:// and www.
# Bidirectional-text controls (embeddings, overrides, isolates, marks): they reorder what a reader sees
# around them ("Trojan Source"), so they are shown as their code points instead.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ZWSP = "\u200b"


def escape(text: object) -> str:
    """Vendor text as one inert line of markdown: no HTML (entities), no markdown syntax (backslashes),
    no @mention or #123 / GH-123 reference, no link made of a bare URL (a zero-width space after the sign,
    inside `://`, after `www`), bidi controls shown as `<U+202E>`."""
    line = visible_controls(" ".join(str(text).split()))
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    line = _MARKDOWN.sub(r"\\\1", line)
    line = _AUTOLINK.sub(ZWSP, line.replace("@", "@" + ZWSP))
    return _REFERENCE.sub(lambda m: m.group(1) + ZWSP, line)


def visible_controls(text: str) -> str:
    """Bidirectional-text controls as `<U+202E>`: code blocks and inline code show text as written, but
    a reader's screen still obeys these."""
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def fenced(lines: list[str], info: str = "text", indent: str = "") -> list[str]:
    """A fenced code block that no line inside can close (the fence is longer than any backtick run)."""
    lines = [visible_controls(line) for line in lines]
    fence = "`" * max(3, 1 + max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0))
    return [f"{indent}{fence}{info}", *(f"{indent}{line}" if line else "" for line in lines), f"{indent}{fence}"]


def code_block(code: list[tuple[str, str]], indent: str = "") -> list[str]:
    """A code diff (auditor.report.code_diff) as a `diff` block: GitHub colours the -/+ lines."""
    return fenced([("… " + line).rstrip() if op == "…" else f"{' ' if op == '=' else op} {line}" for op, line in code], "diff", indent)


def render(report: DiffReport, max_per_release: int = 60) -> str:
    try:
        target: targets.Target | None = targets.get(report.target)
    except AuditorError:
        target = None
    lines = [f"### {escape(report.target)} {report.from_version} → {report.to_version}", ""]
    verdicts = {v: sum(1 for f in report.findings if f.verdict == v) for v in VERDICT_MARK}
    headline = f"{len(report.versions)} releases compared ({report.platform}); {len(report.changes)} changes"
    if report.findings:
        headline += "; findings: " + ", ".join(f"{n} {v}" for v, n in verdicts.items() if n)
    lines += [headline + ".", ""]
    lines += [f"> **Note:** {escape(note)}" for note in report.notes]
    if report.setup:
        head, *rest = report.setup.lines()
        lines += ["", f"**{escape(head)}**", "", *fenced(rest), ""]
    if summary := changelog_summary(report, target):
        link = f" · [{'GitHub Releases' if summary.url.endswith('/releases') else 'CHANGELOG.md'}]({summary.url})" if summary.url else ""
        lines += [f"**Changelog** {report.versions[1]}…{report.to_version}: {summary.headline()}{link}", ""]
    if report.recommendation:
        r = report.recommendation
        lines += [f"**Recommendation:** {'stay on' if r.stays else 'pin'} `{r.package}@{r.version}` ({r.policy.basis()})", ""]
    shown = [f for f in ordered_findings(report) if f.severity != "low"]
    if shown:
        lines += ["| Verdict | Severity | Category | Finding | Release |", "|---|---|---|---|---|"]
        rows = [f"| {VERDICT_MARK[f.verdict]} | {f.severity} | {f.category} | {escape(f.title)} | {versions_of(f)} |" for f in shown]
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
                lines.append(f"- **{escape(f.title)}** ({f.verdict}, {versions_of(f)}, confidence {f.confidence:.2f}, id `{f.id}`)")
                for line, code in seen(f, report):
                    lines.append(f"  - {escape(line)}")
                    lines += ["", *code_block(code, "    "), ""] if code else []
                lines += [f"  - changelog {ref.version}: “{escape(short(ref.entry, 200))}”" for ref in f.changelog_refs[:2]]
        lines += ["", "</details>"]
    tail: list[str] = []
    if report.recommendation:
        tail = ["", "<details><summary>Pin recommendation</summary>", "", *fenced(report.recommendation.lines()), "", "</details>"]
    budget = COMMENT_LIMIT - len("\n".join(lines + tail)) - 200
    by_release: dict[str, list] = {}
    for change in report.changes:
        by_release.setdefault(change.introduced_in or "?", []).append(change)
    changelog = dict(report.changelog)
    omitted = []
    for version in sorted(by_release, key=lambda v: vers.parse(v) if vers.is_version(v) else (0,)):
        url = changelog_url(target, version) if target else None
        section = _release_details(report, version, by_release[version], changelog.get(version), url, max_per_release)
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


def _release_details(report: DiffReport, version: str, changes: list, changelog: list[str] | None, url: str | None, limit: int) -> list[str]:
    lines = ["", f"<details><summary>{version}: {len(changes)} changes</summary>", ""]
    if changelog is not None:
        fixes = sum(1 for e in changelog if is_fix(e))
        where = f" · [read it]({url})" if url else ""
        lines += [f"Changelog: {len(changelog)} entries ({fixes} fixes){where}", ""]
    elif report.changelog_origin:
        lines += ["Changelog: *no section for this release*", ""]
    for change in sorted(changes, key=lambda c: c.kind)[:limit]:
        lines.append(f"- {KIND_TITLES.get(change.kind, change.kind)}: **{escape(report.label(change))}** — {status_word(change.status, change.before)} {when(change)}")
        code = code_diff(change, limit=24)
        diff = hunks(change)
        paths = structure_lines(change)
        if code:
            lines += ["", *code_block(code, "  "), ""]
        elif diff:
            lines.append("  " + "".join(_md_run(op, text, previous) for (previous, _), (op, text) in zip([("=", ""), *diff], diff, strict=False)))
        elif paths:
            lines.extend(f"  - `{_code(line)}`" for line in paths)
        elif change.status in ("changed", "transient"):
            lines.append(f"  `{_code(short(change.before))}` → `{_code(short(change.after))}`")
    if len(changes) > limit:
        lines.append(f"- … and {len(changes) - limit} more")
    return [*lines, "", "</details>"]


def _md_run(op: str, text: str, previous: str = "=") -> str:
    """A word-diff run, inert, marked so it reads without colour: ~~removed~~, **added** (a space
    between the two when one replaces the other); the spaces around it stay outside the marks."""
    if not text.strip():
        return " " if text else ""
    lead = " " if text[0].isspace() or (previous == "-" and op == "+") else ""
    trail = " " if text[-1].isspace() else ""
    core = escape(text)
    return lead + {"=": core, "-": f"~~{core}~~", "+": f"**{core}**", "…": f" *… {core}*"}[op] + trail


def _code(text: str) -> str:
    return visible_controls(text.replace("`", "'"))
