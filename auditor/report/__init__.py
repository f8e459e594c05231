"""Renderers of a diff report: text for terminals (rich), markdown for comments, versioned JSON."""

from __future__ import annotations

import difflib
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .. import kinds
from ..diff import Change, structure_diff, word_diff
from ..judge.describe import WORDS, status_word
from ..judge.finding import VERDICTS, short
from ..pretty import pretty_code
from ..rules import STATUSES, severity_rank
from ..targets import Target

SCHEMA_VERSION = 2  # 2: long texts written once, in `texts`, by digest (docs/json.md)

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
    setup: Any = None  # personal.Setup: what changed for the user's own setup (audit diff --profile), shown first

    def by_kind(self) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = {}
        for c in self.changes:
            out.setdefault(c.kind, []).append(c)
        return out

    def label(self, change: Change) -> str:
        """The change's name, with the scenario it was captured in."""
        return f"[{change.scenario}] {change.label}" if change.scenario else change.label

    def change(self, kind: str, key: str, scenario: str | None = None) -> Change | None:
        """The change a finding's evidence names (by kind, key and scenario)."""
        return next((c for c in self.changes if c.kind == kind and c.key == key and c.scenario == scenario), None)

    def counts(self, words: bool = False) -> dict[str, dict[str, int]]:
        """Changes per kind and status; `words`: per status as a reader is told it (`status_word`), so an
        edit reverted inside the range is not counted among facts that came and went."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            row = out.setdefault(c.kind, dict.fromkeys(WORDS if words else STATUSES, 0))
            row[status_word(c.status, c.before) if words else c.status] += 1
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
EDITS = 30  # edits of one text a report shows: a skill's prompt gains whole documents (claude-api: 600 KB)
EDIT_CHARS = 1200  # characters of one edit shown


def hunks(change: Change, context: int = CONTEXT_CHARS, edits: int = EDITS, edit_chars: int = EDIT_CHARS) -> list[tuple[str, str]]:
    """The word diff of a text change, equal runs trimmed to `context` characters around each edit; at
    most `edits` edits of at most `edit_chars` characters each, then ("…", "N more edits")."""
    before, after = change.before, change.after
    if not isinstance(before, str) or not isinstance(after, str):
        return []
    if change.kind == "request_code" or (change.kind not in LONG_TEXT_KINDS and change.kind != "section_condition"):
        return []  # a short value reads best as before → after; code as lines (code_diff)
    return text_hunks(before, after, context, edits, edit_chars)


def text_hunks(before: str, after: str, context: int = CONTEXT_CHARS, edits: int = EDITS, edit_chars: int = EDIT_CHARS) -> list[tuple[str, str]]:
    """`hunks` of two texts."""
    runs = word_diff(before, after)
    out: list[tuple[str, str]] = []
    shown = 0
    for i, (op, text) in enumerate(runs):
        if op != "=":
            if shown == edits:
                more = sum(1 for o, _ in runs[i:] if o != "=")
                out.append(("…", f"{more} more edit{'s' if more > 1 else ''}"))
                break
            shown += 1
            out.append((op, text if len(text) <= edit_chars else f"{text[:edit_chars]} … ({len(text) - edit_chars} more characters)"))
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


def code_diff(change: Change, context: int = 1, limit: int = 40, width: int = 100) -> list[tuple[str, str]]:
    """Changed request code as a line diff of the pretty-printed functions: ("=", line) around each
    edit (`context` lines), ("-", line), ("+", line), and ("…", "") between hunks; at most `limit`
    lines, then ("…", "N more changed lines")."""
    if change.kind != "request_code" or not isinstance(change.before, str) or not isinstance(change.after, str):
        return []
    a, b = pretty_code(change.before, width).splitlines(), pretty_code(change.after, width).splitlines()
    out: list[tuple[str, str]] = []
    end = 0
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if group[0][1] > end or out:
            out.append(("…", ""))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                out += [("=", line) for line in a[i1:i2]]
            else:
                out += [("-", line) for line in a[i1:i2]] + [("+", line) for line in b[j1:j2]]
        end = group[-1][2]
    if out and end < len(a):
        out.append(("…", ""))
    if len(out) > limit:
        more = sum(1 for op, _ in out[limit:] if op in "-+")
        out = out[:limit] + ([("…", f"{more} more changed lines")] if more else [])
    return out


def wrap_lines(lines: list[str], width: int) -> list[str]:
    """Lines longer than `width` wrapped at spaces, continuation lines indented two more than the
    line's own indent (a word longer than the width stays whole)."""
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")))
        out += textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent + "  ", break_long_words=False, break_on_hyphens=False)
    return out


WORD_MARKS = {"-": ("[-", "-]"), "+": ("{+", "+}")}  # git's --word-diff=plain, where colour is not shown


def marked(op: str, text: str) -> str:
    """A word-diff run readable without colour: deletions as [-old-], insertions as {+new+}; the
    whitespace around a run stays outside the marks."""
    if op not in WORD_MARKS or not text.strip():
        return text
    lead, core, trail = re.fullmatch(r"(\s*)(.*?)(\s*)", text, re.S).groups()  # type: ignore[union-attr]
    start, end = WORD_MARKS[op]
    return f"{lead}{start}{core}{end}{trail}"


@dataclass(frozen=True)
class ChangelogSummary:
    """The range's changelog in numbers: entries (and fixes) per release, releases without a section,
    and where to read it."""

    releases: list[tuple[str, int, int]]  # version, entries, of which fixes; releases with a section
    missing: list[str]  # releases of the range with no section
    url: str | None

    @property
    def entries(self) -> int:
        return sum(n for _, n, _ in self.releases)

    def headline(self) -> str:
        """`279 entries (193 fixes) in 13 of 14 releases; no section: 2.1.124`."""
        fixes = sum(f for _, _, f in self.releases)
        line = f"{self.entries} entr{'y' if self.entries == 1 else 'ies'}" + (f" ({fixes} fix{'es' if fixes != 1 else ''})" if fixes else "")
        if len(self.releases) + len(self.missing) > 1:
            line += f" in {len(self.releases)} of {len(self.releases) + len(self.missing)} releases"
        return line + (f"; no section: {', '.join(self.missing)}" if self.missing else "")

    def counts(self) -> str:
        """`2.1.122: 20 (12 fixes) · 2.1.123: 1 · …`."""
        return " · ".join(f"{v}: {n}" + (f" ({f} fix{'es' if f != 1 else ''})" if f else "") for v, n, f in self.releases)


_FIX = re.compile(r"^\s*(?:fixed|fixes|fix)\b", re.IGNORECASE)


def is_fix(entry: str) -> bool:
    """A changelog entry that reports a bug fix ("Fixed …"): counted apart in the summaries."""
    return bool(_FIX.match(entry))


def changelog_summary(report: DiffReport, target: Target | None = None) -> ChangelogSummary | None:
    """None when no changelog was read."""
    if not report.changelog_origin:
        return None
    listed = dict(report.changelog)
    releases = [(v, len(listed[v]), sum(1 for e in listed[v] if is_fix(e))) for v in report.versions[1:] if v in listed]
    missing = [v for v in report.versions[1:] if v not in listed]
    return ChangelogSummary(releases, missing, changelog_url(target) if target else None)


_API_RELEASES = re.compile(r"^https://api\.github\.com/repos/([\w.-]+)/([\w.-]+)/releases/?$")


def changelog_url(target: Target, version: str | None = None) -> str | None:
    """The vendor's CHANGELOG.md on GitHub, or a release's section of it (its heading's anchor); for a
    vendor whose notes are GitHub Releases, its releases page, or a release's own page (by its tag)."""
    where = target.changelog
    git = where.git_url
    if git and "github.com" in git:
        url = f"{git.removesuffix('.git')}/blob/HEAD/{quote(where.path)}"
        return f"{url}#{version.replace('.', '')}" if version else url
    if where.releases_url and (repo := _API_RELEASES.match(where.releases_url)):
        url = f"https://github.com/{repo[1]}/{repo[2]}/releases"
        return f"{url}/tag/{quote(where.tag_prefix + version)}" if version else url
    return None


_LEAF = 60  # characters of a structure's value shown whole; a longer text shows its changed words


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
                old, new = detail["old_value"], detail["new_value"]
                if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > _LEAF:  # a description: what changed in it
                    runs = text_hunks(old, new, context=_LEAF // 2, edits=4, edit_chars=2 * _LEAF)  # two words replaced
                    lines.append(f"{path}: " + "".join(f" … {text}" if op == "…" else marked(op, text) for op, text in runs))
                else:
                    lines.append(f"{path}: {short(old, _LEAF)} → {short(new, _LEAF)}")
            else:
                lines.append(f"{path}: {verb}" + (f" {short(detail, _LEAF)}" if detail is not None else ""))
    return lines[:limit] + ([f"… {len(lines) - limit} more"] if len(lines) > limit else [])


def ordered_findings(report: DiffReport) -> list:
    """Undocumented first, then partial, then documented; most severe first within each."""
    return sorted(report.findings, key=lambda f: (VERDICTS.index(f.verdict), -severity_rank(f.severity)))


def versions_of(finding) -> str:
    if finding.removed_in:
        return f"{finding.introduced_in} → {finding.removed_in}"
    return finding.introduced_in or ""


def evidence_code(report: DiffReport, change: dict, limit: int, width: int = 100) -> list[tuple[str, str]]:
    """For a finding's observed request-code change, the code diff of the full change in the report."""
    full = report.change(change.get("kind", ""), change.get("key", ""), change.get("scenario"))
    return code_diff(full, limit=limit, width=width) if full else []


Seen = tuple[str, list[tuple[str, str]]]  # a line about one observed change, and its code diff (request code)


def observed(finding, limit: int = 3) -> list[str]:
    """What was seen, one line per change: `added: …` / `removed: …` / `before → after`."""
    return [line for line, _ in seen(finding, None, limit)]


def seen(finding, report: DiffReport | None = None, limit: int = 3, code_lines: int = 14, width: int = 100) -> list[Seen]:
    """What was seen, one line per change: `added: …` / `removed: …` / `before → after`; for request
    code found in `report`, the pretty-printed lines that changed instead of loose tokens."""
    out: list[Seen] = []
    for change in finding.evidence.get("changes", [])[:limit]:
        name = (f"[{change['scenario']}] " if change.get("scenario") else "") + change["label"]
        code = evidence_code(report, change, code_lines, width) if report else []
        if code:
            out.append((f"{name}: {status_word(change['status'], change.get('before'))}", code))
        elif change.get("added") or change.get("removed"):
            parts = [f"+ {short(t, 90)}" for t in change.get("added", [])[:2]] + [f"- {short(t, 90)}" for t in change.get("removed", [])[:2]]
            out.append((f"{name}: " + " ".join(parts), []))
        elif "before" in change or "after" in change:
            out.append((f"{name}: {short(change.get('before'), 70)} → {short(change.get('after'), 70)}", []))
        else:
            out.append((f"{name}: {change['status']}", []))
    more = len(finding.evidence.get("changes", [])) - limit
    return out + ([(f"… {more} more changes", [])] if more > 0 else [])
