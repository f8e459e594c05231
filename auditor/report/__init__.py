"""Renderers of a diff report: text for terminals (rich), markdown for comments, versioned JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import kinds
from ..diff import Change, structure_diff, word_diff
from ..judge import STATUS_WORDS, VERDICTS, short
from ..rules import severity_rank

SCHEMA_VERSION = 1

KIND_TITLES = kinds.TITLES
LONG_TEXT_KINDS = kinds.LONG_TEXT


@dataclass
class DiffReport:
    """Everything a renderer needs about one `audit diff`."""

    target: str
    platform: str
    from_version: str
    to_version: str
    versions: list[str]
    changes: list[Change]
    scenarios: list[str] = field(default_factory=list)
    findings: list = field(default_factory=list)  # judge.Finding, most severe first
    changelog: list[tuple[str, list[str]]] = field(default_factory=list)  # entries of the range's releases
    changelog_origin: str | None = None
    recommendation: Any = None  # pin.Recommendation
    notes: list[str] = field(default_factory=list)

    def by_kind(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {}
        for c in self.changes:
            out.setdefault(c.kind, []).append(c)
        return out

    def label(self, change: Change) -> str:
        """The change's name, with the scenario it was captured in."""
        return f"[{change.scenario}] {change.label}" if change.scenario else change.label

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            row = out.setdefault(c.kind, {s: 0 for s in STATUS_WORDS})
            row[c.status] += 1
        return out


def when(change: Change) -> str:
    """`in 2.1.114`, `2.1.98 → back in 2.1.120`, with every step when it changed more than once."""
    steps = ""
    if change.kind not in LONG_TEXT_KINDS and (len(change.changed_in) > 2 or (len(change.changed_in) == 2 and not change.removed_in)):
        steps = " (" + "; ".join(f"{v}: {short(value, 40)}" for v, value in change.history) + ")"
    if change.removed_in:
        return f"{change.introduced_in} → back in {change.removed_in}{steps}"
    return "in " + ", ".join(change.changed_in) + steps


CONTEXT_CHARS = 60


def hunks(change: Change, context: int = CONTEXT_CHARS) -> list[tuple[str, str]]:
    """The word diff of a text change, equal runs trimmed to `context` characters around each edit."""
    before, after = change.before, change.after
    if not isinstance(before, str) or not isinstance(after, str):
        return []
    if change.kind not in LONG_TEXT_KINDS and change.kind != "section_condition":
        return []  # a short value reads best as before → after
    runs = word_diff(before, after, code=change.kind == "request_code")
    out: list[tuple[str, str]] = []
    for i, (op, text) in enumerate(runs):
        if op != "=":
            out.append((op, text))
            continue
        first, last = i == 0, i == len(runs) - 1
        if len(text) <= 2 * context:
            out.append(("=", text))
        elif first:
            out.append(("=", "…" + text[-context:]))
        elif last:
            out.append(("=", text[:context] + "…"))
        else:
            out.append(("=", text[:context] + " … " + text[-context:]))
    return out


def structure_lines(change: Change, limit: int = 12) -> list[str]:
    """For structured values (a tool's schema, a thinking config): one line per path deepdiff sees change."""
    before, after = change.before, change.after
    if not isinstance(before, (dict, list)) or not isinstance(after, (dict, list)):
        return []
    lines = []
    for kind, entries in structure_diff(before, after).items():
        verb = kind.replace("_", " ").replace("dictionary item", "key").replace("iterable item", "item")
        for path, detail in (entries.items() if isinstance(entries, dict) else ((p, None) for p in entries)):
            path = path.replace("root", "", 1) or "(whole)"
            if isinstance(detail, dict) and "old_value" in detail:
                lines.append(f"{path}: {short(detail['old_value'], 60)} → {short(detail['new_value'], 60)}")
            else:
                lines.append(f"{path}: {verb}" + (f" {short(detail, 60)}" if detail is not None else ""))
    return lines[:limit] + ([f"… {len(lines) - limit} more"] if len(lines) > limit else [])


def ordered_findings(report: DiffReport) -> list:
    """Undocumented first, then partial, then documented; most severe first within each."""
    return sorted(report.findings, key=lambda f: (VERDICTS.index(f.verdict), -severity_rank(f.severity)))


def versions_of(finding) -> str:
    if finding.removed_in:
        return f"{finding.introduced_in} → {finding.removed_in}"
    return finding.introduced_in or ""


def observed(finding, limit: int = 3) -> list[str]:
    """What was seen, one line per change: `added: …` / `removed: …` / `before → after`."""
    lines = []
    for change in finding.evidence.get("changes", [])[:limit]:
        name = (f"[{change['scenario']}] " if change.get("scenario") else "") + change["label"]
        if change.get("added") or change.get("removed"):
            parts = [f"+ {short(t, 90)}" for t in change.get("added", [])[:2]] + [f"- {short(t, 90)}" for t in change.get("removed", [])[:2]]
            lines.append(f"{name}: " + " ".join(parts))
        elif "before" in change or "after" in change:
            lines.append(f"{name}: {short(change.get('before'), 70)} → {short(change.get('after'), 70)}")
        else:
            lines.append(f"{name}: {change['status']}")
    more = len(finding.evidence.get("changes", [])) - limit
    return lines + ([f"… {more} more changes"] if more > 0 else [])
