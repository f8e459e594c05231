"""Markdown for a PR or issue comment: a summary table and collapsible details per kind."""

from __future__ import annotations

from . import KIND_TITLES, STATUS_WORDS, DiffReport, hunks, short, structure_lines, when


def render(report: DiffReport, max_per_kind: int = 60) -> str:
    lines = [f"### {report.target} {report.from_version} → {report.to_version}", ""]
    lines.append(f"{len(report.versions)} releases compared ({report.platform}); {len(report.changes)} changes.")
    lines.append("")
    if not report.changes:
        return "\n".join(lines)
    lines.append("| kind | " + " | ".join(STATUS_WORDS.values()) + " |")
    lines.append("|---|" + "---:|" * len(STATUS_WORDS))
    for kind, row in report.counts().items():
        lines.append(f"| {KIND_TITLES.get(kind, kind)} | " + " | ".join(str(row[s] or "") for s in STATUS_WORDS) + " |")
    for kind, changes in report.by_kind().items():
        lines += ["", f"<details><summary>{KIND_TITLES.get(kind, kind)} ({len(changes)})</summary>", ""]
        for change in changes[:max_per_kind]:
            lines.append(f"- **{_escape(report.label(change))}** — {STATUS_WORDS[change.status]} {when(change)}")
            diff = hunks(change)
            paths = structure_lines(change)
            if diff:
                lines.append("  " + "".join(_md_run(op, text) for op, text in diff))
            elif paths:
                lines.extend(f"  - `{_code(line)}`" for line in paths)
            elif change.status in ("changed", "transient"):
                lines.append(f"  `{_code(short(change.before))}` → `{_code(short(change.after))}`")
        if len(changes) > max_per_kind:
            lines.append(f"- … and {len(changes) - max_per_kind} more")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _md_run(op: str, text: str) -> str:
    text = _escape(" ".join(text.split()) if text.strip() else text)
    if not text.strip():
        return text
    return {"=": text, "-": f"~~{text}~~", "+": f"**{text}**"}[op]


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    return text.replace("`", "'")
