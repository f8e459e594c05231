"""What the screens show, computed without Textual: release rows from the store, the scenarios a compare
can use without capturing anything new, and diff lines for the viewer. Pure where it can be."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import versions
from ..changelog.history import ChangelogHistory
from ..changelog.model import Release
from ..collector import CAPTURE, STATIC, Collector
from ..diff import Change, word_diff
from ..judge import Finding
from ..store import Store

Segment = tuple[str, str]  # ("=", "-", "+"), text without newlines


@dataclass(frozen=True)
class ReleaseRow:
    """One published release and what the store holds of it."""

    version: str
    published: str | None
    static: bool
    scenarios: tuple[str, ...]

    @property
    def date(self) -> str:
        return (self.published or "")[:10]


def release_rows(store: Store, target: str) -> list[ReleaseRow]:
    """Every stable release the store knows of (published ones and stored ones), newest first: two
    queries, no network, so the timeline paints at once."""
    published = store.releases(target)
    static: set[str] = set()
    scenarios: dict[str, set[str]] = {}
    for row in store.snapshots(target):
        if row.source == STATIC:
            static.add(row.version)
        elif row.source.startswith(CAPTURE):
            scenarios.setdefault(row.version, set()).add(row.source.removeprefix(CAPTURE))
        published.setdefault(row.version, row.published_at)
    stable = [v for v in published if not versions.is_prerelease(v)]
    return [
        ReleaseRow(v, published[v], v in static, tuple(sorted(scenarios.get(v, ()))))
        for v in reversed(versions.sort(stable))
    ]


def shared_scenarios(collector: Collector, a: str, b: str) -> list[str]:
    """Scenarios captured at both ends of a compare: what the user collected is compared, and the TUI
    never starts a capture run the user did not ask for."""
    names = {row.source.removeprefix(CAPTURE) for row in collector.store.snapshots(collector.target.name) if row.source.startswith(CAPTURE)}
    return sorted(n for n in names if collector.captured(a, n) and collector.captured(b, n))


def as_text(value: Any) -> str:
    """A fact value as diffable text (structured values as indented JSON-ish lines)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph some version of a text held in the range: the release it came in (None: there from the
    start) and the one it went in (None: still there at the end)."""

    text: str
    came: str | None
    went: str | None


def paragraphs(text: str) -> list[str]:
    """The prompts are not hard-wrapped: a line is a paragraph or a bullet, the unit an edit adds or drops."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def lineage(change: Change) -> list[Paragraph]:
    """Which paragraph of a long text came in which release and went in which, across every step of the
    range (`Change.history`), so a reader sees which release brought or took a sentence. Paragraphs keep
    the order of the texts they were in; one that came back is shown with its last stay."""
    states = [(None, change.before), *(change.history or ((change.introduced_in, change.after),))]
    order: list[str] = []
    came: dict[str, str | None] = {}
    went: dict[str, str | None] = {}
    held: set[str] = set()
    for version, value in states:
        now = paragraphs(as_text(value))
        for i, para in enumerate(now):
            if para not in came:
                order.insert(order.index(now[i - 1]) + 1 if i else 0, para)
            if para not in held:
                came[para], went[para] = version, None
        for para in held - set(now):
            went[para] = version
        held = set(now)
    return [Paragraph(p, came[p], went[p]) for p in order]


def diff_lines(before: str, after: str) -> list[list[Segment]]:
    """The word diff (auditor.diff.word_diff) cut into display lines; a line holding a `-` or `+`
    segment is a changed line."""
    lines: list[list[Segment]] = [[]]
    for op, text in word_diff(before, after):
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append([])
            if part:
                lines[-1].append((op, part))
    if lines and not lines[-1]:
        lines.pop()
    return lines


def is_changed(line: list[Segment]) -> bool:
    return any(op != "=" for op, _ in line)


def hunk_starts(lines: list[list[Segment]]) -> list[int]:
    """Index of the first line of each run of changed lines: where next/previous change jumps."""
    return [i for i, line in enumerate(lines) if is_changed(line) and (i == 0 or not is_changed(lines[i - 1]))]


Row = tuple[list[Segment], list[Segment], bool]  # old line, new line, changed


def side_by_side(before: str, after: str) -> list[Row]:
    """Old and new lines side by side: lines aligned by difflib, words within a replaced pair marked by
    auditor.diff.word_diff (old side keeps `-`, new side keeps `+`)."""
    a, b = before.splitlines(), after.splitlines()
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [([("=", line)], [("=", line)], False) for line in a[i1:i2]]
            continue
        old, new = a[i1:i2], b[j1:j2]
        for k in range(max(len(old), len(new))):
            if k < len(old) and k < len(new):
                runs = word_diff(old[k], new[k])
                rows.append(([r for r in runs if r[0] != "+"], [r for r in runs if r[0] != "-"], True))
            elif k < len(old):
                rows.append(([("-", old[k])], [], True))
            else:
                rows.append(([], [("+", new[k])], True))
    return rows


@dataclass(frozen=True)
class Chunks:
    """A diff ready to show: runs of unchanged and changed lines (unified: lists of segments; side by
    side: rows). Made off the UI thread: a 24K-character tool schema takes over half a second."""

    split: bool
    runs: list[tuple[bool, list]]

    @property
    def total(self) -> int:
        return sum(changed for changed, _ in self.runs)


def chunks(before: str, after: str, split: bool = False) -> Chunks:
    items: list = side_by_side(before, after) if split else diff_lines(before, after)
    changed = (lambda row: row[2]) if split else is_changed
    runs: list[tuple[bool, list]] = []
    for item in items:
        c = changed(item)
        if runs and runs[-1][0] == c:
            runs[-1][1].append(item)
        else:
            runs.append((c, [item]))
    return Chunks(split, runs)


def changelog_marks(versions: Iterable[str], documented: set[str], edited: set[str]) -> dict[str, str]:
    """Per release: `yes` (the changelog has its section), `edited` (entries rewritten after release),
    `none` (published with no section)."""
    return {v: "edited" if v in edited else "yes" if v in documented else "none" for v in versions}


@dataclass(frozen=True)
class LogEntry:
    """A changelog entry of the range: its text, when it was rewritten after release (last edit's
    date), and the findings (indices into the report's) that quote it as evidence."""

    text: str
    edited: str | None
    findings: tuple[int, ...]


@dataclass(frozen=True)
class LogRelease:
    """A release of the range as its changelog tells it: `yes`, `edited` or `none` (no section), its
    entries, and the undocumented findings introduced in it that no entry speaks for."""

    version: str
    status: str
    entries: tuple[LogEntry, ...]
    unexplained: tuple[int, ...]


def changelog_view(versions: Iterable[str], releases: Iterable[Release], history: ChangelogHistory | None, findings: Sequence[Finding]) -> list[LogRelease]:
    """The changelog of a compare's range, newest first, each entry linked to the findings it documents."""
    sections = {r.version: r for r in releases}
    edits = {(v, rec.text): rec.edits[-1].date for v, rec in (history.edited() if history else [])}
    quoted: dict[tuple[str, str], set[int]] = {}
    for i, f in enumerate(findings):
        for ref in f.changelog_refs:
            quoted.setdefault((ref.version, ref.entry), set()).add(i)
    out = []
    for version in reversed(list(versions)):
        section = sections.get(version)
        entries = []
        cited: set[int] = set()
        for e in section.entries if section else ():
            linked = {i for (v, text), ids in quoted.items() if v == version and text in (e.text, e.full_text) for i in ids}
            cited |= linked
            entries.append(LogEntry(e.full_text, edits.get((version, e.full_text)), tuple(sorted(linked))))
        unexplained = tuple(i for i, f in enumerate(findings) if f.introduced_in == version and f.verdict == "undocumented" and i not in cited)
        status = "none" if section is None else "edited" if any(e.edited for e in entries) else "yes"
        out.append(LogRelease(version, status, tuple(entries), unexplained))
    return out
