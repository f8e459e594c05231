"""The changelog's own findings: releases published with no section, entries rewritten after their
release, sections and entries that appeared late."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from .. import versions as vers
from ..changelog import ChangelogHistory, Release, instant, late_entries, missing_versions
from ..diff import Change
from ..rules import Rule, severity_rank
from ..rules import text_diff as _text_diff
from .finding import CHANGELOG_CATEGORY, ChangelogRef, Finding, short


def _span(versions: Sequence[str] | None, published: Mapping[str, str | None] | None, changes: Sequence[Change]) -> list[str]:
    """The releases after the baseline that the changelog findings are about."""
    if versions:
        return [v for v in versions[1:] if not vers.is_prerelease(v)]
    moved = [v for c in changes for v in c.changed_in]
    if not moved or not published:
        return vers.sort(set(moved))
    low, high = min(moved, key=vers.parse), max(moved, key=vers.parse)
    return vers.between(published, low, high)


def _changelog_finding(
    kind: str,
    version: str,
    subject: str,
    severity: str,
    verdict: str,
    title: str,
    note: str,
    confidence: float,
    refs: tuple[ChangelogRef, ...] = (),
    extra: dict[str, Any] | None = None,
) -> Finding:
    """A finding about the changelog itself; its id follows what it is about (kind, version, entry)."""
    return Finding(
        id=hashlib.sha1(f"{kind}\0{version}\0{subject}".encode()).hexdigest()[:12],
        category=CHANGELOG_CATEGORY,
        severity=severity,
        verdict=verdict,
        title=title,
        evidence={"rule": None, "note": note, **(extra or {})},
        changelog_refs=refs,
        introduced_in=version,
        removed_in=None,
        confidence=confidence,
    )


def _missing_sections(span: list[str], releases: Sequence[Release], newest: str | None) -> list[Finding]:
    out = []
    for version in missing_versions(span, releases):
        behind = newest is not None and vers.parse(version) > vers.parse(newest)
        note = (
            f"the changelog's newest section is {newest}: it may simply not be updated yet"
            if behind
            else "users could install this release with no release notes at all"
        )
        title = f"{version} was published with no changelog section"
        out.append(_changelog_finding("changelog-missing", version, "", "medium", "undocumented", title, note, 0.6 if behind else 0.95))
    return out


def _rewrites(history: ChangelogHistory, span: list[str], published: Mapping[str, str | None], rules: Sequence[Rule]) -> list[Finding]:
    """Entries edited after their release was published (or, without a publish time, after they first appeared)."""
    wanted = set(span)
    weighty = [p for rule in rules if severity_rank(rule.severity) >= severity_rank("high") for p in rule.evidence]
    out = []
    for version, record in history.edited():
        if version not in wanted:
            continue
        when = published.get(version)
        edits = [edit for edit in record.edits if when is None or instant(edit.date) > instant(when)]
        if not edits:
            continue
        added, removed = _text_diff(edits[0].old, edits[-1].new)
        texts = edits[0].old + "\n" + edits[-1].new
        severity = "medium" if any(p.search(texts) for p in weighty) else "low"
        note = f"first published as: {short(edits[0].old, 300)}"
        out.append(
            _changelog_finding(
                "changelog-edit", version, record.original, severity, "partial", f"{version} changelog entry rewritten after release",
                note, 0.9, (ChangelogRef(version, edits[-1].new),),
                {"added": [short(a, 200) for a in added], "removed": [short(r, 200) for r in removed], "edits": [e.sha for e in edits]},
            )
        )
    return out


def _late(history: ChangelogHistory, span: list[str], published: Mapping[str, str | None]) -> list[Finding]:
    wanted = set(span)
    times = {v: t for v, t in published.items() if t and v in wanted}
    out = []
    for late in late_entries(history, times):
        what = "section" if late.entry is None else "entry"
        note = f"the {what} appeared {late.hours:g} h after the release was published ({late.appeared}, commit {late.sha[:10]})"
        refs = (ChangelogRef(late.version, late.entry),) if late.entry else ()
        title = f"{late.version} changelog {what} added {late.hours:g} h after release"
        out.append(_changelog_finding("changelog-late", late.version, late.entry or "", "low", "partial", title, note, 0.9, refs))
    return out
