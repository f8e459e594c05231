"""What the judge hands out: a finding (one behavior change, or a changelog problem) with its verdict
and evidence, the entries it quotes, its order, its title, its id in each release it moved in (steps) and
what its evidence shows of each change."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .. import kinds
from .. import versions as vers
from ..diff import Change, keyed_by_text
from ..rules import Observed, Rule, severity_rank
from .describe import skill, status_word

VERDICTS = ("undocumented", "partial", "documented", "unjudged")
UNJUDGED_NOTE = "not judged: the changelog copy is older than this release, so it cannot say whether its notes tell of it"
NO_NOTES = "not judged: no changelog could be read, so nothing says whether the notes tell of it"
CHANGELOG_CATEGORY = "changelog"  # findings about the changelog itself, not about a change
_MAX_SHOWN = 8  # changes, runs and names listed in a finding's evidence


@dataclass(frozen=True)
class ChangelogRef:
    """A changelog entry quoted as evidence."""

    version: str
    entry: str

    def to_json(self) -> dict[str, str]:
        return {"version": self.version, "entry": self.entry}


@dataclass(frozen=True)
class Finding:
    """One behavior change (or changelog problem) with its verdict and the evidence for it."""

    id: str
    category: str
    severity: str
    verdict: str
    title: str
    evidence: dict[str, Any]
    changelog_refs: tuple[ChangelogRef, ...]
    introduced_in: str | None
    removed_in: str | None
    confidence: float
    rule: str | None = None
    changes: tuple[Change, ...] = field(default=(), repr=False, compare=False)
    steps: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # (release, id) of each release it moved in: _steps

    def present_in(self, version: str) -> bool:
        """Whether the behavior is in `version`: introduced at or before it and not reverted by then."""
        if self.introduced_in is None:
            return False
        key = vers.parse(version)
        if vers.parse(self.introduced_in) > key:
            return False
        return self.removed_in is None or key < vers.parse(self.removed_in)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "severity": self.severity,
            "verdict": self.verdict,
            "title": self.title,
            "evidence": self.evidence,
            "changelog_refs": [ref.to_json() for ref in self.changelog_refs],
            "introduced_in": self.introduced_in,
            "removed_in": self.removed_in,
            "confidence": self.confidence,
            "steps": [{"version": v, "id": i} for v, i in self.steps],
        }


def sort_key(finding: Finding) -> tuple:
    """Most severe first, then undocumented before partial before documented, then by version."""
    version = vers.parse(finding.introduced_in) if finding.introduced_in else (0, 0, 0, (1,))
    return (-severity_rank(finding.severity), VERDICTS.index(finding.verdict), version, finding.category, finding.title)


def _observation(seen: Observed, described: str) -> dict[str, Any]:
    change = seen.change
    out: dict[str, Any] = {
        "kind": change.kind,
        "key": change.key,
        "label": change.label,
        "described": described,
        "status": change.status,
        "changed_in": list(change.changed_in),
    }
    if change.scenario:
        out["scenario"] = change.scenario
    if change.former:
        out["former"] = {"kind": change.former[0], "key": change.former[1]}
    if change.status == "changed" or change.status == "transient" or seen.direction:
        out["before"] = short(change.before, 200)
        out["after"] = short(change.after, 200)
    if seen.added and (change.before not in (None, "")):
        out["added"] = [short(run, 200) for run in seen.added[:_MAX_SHOWN]]
    elif seen.added:
        out["after"] = short(change.after, 200)
    if seen.removed and (change.after not in (None, "")):
        out["removed"] = [short(run, 200) for run in seen.removed[:_MAX_SHOWN]]
    elif seen.removed:
        out["before"] = short(change.before, 200)
    if seen.direction:
        out["direction"] = seen.direction
    if seen.condition:
        out["condition"] = seen.condition
    return out


def _steps(primary: Rule | None, changes: list[Change], introduced: str | None, removed_in: str | None) -> tuple[tuple[str, str], ...]:
    """(release, id) for each release the finding's changes moved in, oldest first; the first id is the
    finding's. Each id is what a diff of that one release calls its change — the change's identity and
    the release, never the wording or the range — so one finding has one id in a range diff, a release's
    diff, the TUI and the Action's comment, and accepting it (auditor.pin) accepts that step only."""
    at = sorted({v for c in changes for v in c.changed_in} | ({introduced} if introduced else set()), key=vers.parse)
    merged = primary is not None and primary.merge and len(changes) > 1
    out = []
    for n, version in enumerate(at):
        moving = [c for c in changes if version in c.changed_in] or changes
        if merged and primary is not None:  # a merged group is the rule's changes of one release
            status = changes[0].status if n == 0 else _step_status(moving[0], version)
            basis = f"merge\0{primary.id}\0{version}\0{removed_in if n == 0 else None}\0{status}"
        else:
            basis = f"{_identity(moving[0], version)}\0{version}"
        out.append((version, hashlib.sha1(basis.encode()).hexdigest()[:12]))
    return tuple(out)


def _identity(change: Change, version: str) -> str:
    """A change's identity just before `version`: kind and key (before a rename: the old ones); for texts
    keyed by digest (prompt strings, request code), the digest of the text then (or after, for one
    added), since a lineage keeps the key it was first seen under, which a longer range sees earlier.
    Two texts named apart that say the same thing stay two findings."""
    kind, key = change.former or (change.kind, change.key)
    if keyed_by_text(kind, key):  # a named text (Codex's policy texts) is its name, like any other fact
        before, after = _around(change, version)
        text = before if before is not None else after
        if isinstance(text, str):
            key = hashlib.sha1(text.encode()).hexdigest()[:12]
    return f"{kind}\0{key}"


def _around(change: Change, version: str) -> tuple[Any, Any]:
    """The change's value just before and just after its step in `version`."""
    if not change.history:
        return change.before, change.after
    values = [change.before, *(value for _, value in change.history)]
    i = next((i for i, (v, _) in enumerate(change.history) if v == version), 0)
    return values[i], values[i + 1]


def _step_status(change: Change, version: str) -> str:
    before, after = _around(change, version)
    return "added" if before is None else "removed" if after is None else "changed"


def _title(primary: Rule | None, changes: list[Change], introduced: str | None, status: str | None = None, sender: str = "") -> str:
    """The finding's title; `status` says what happened to its first change when "added" or "removed"
    would not be true (a tool's schema sent once it is no longer deferred); `sender`, who sent a captured
    request when the notes name it ("side 0" says nothing to a reader; "the auto mode classifier" does)."""
    title = _titled(primary, changes, introduced, status)
    return f"{title} — {sender}" if sender else title


def _titled(primary: Rule | None, changes: list[Change], introduced: str | None, status: str | None = None) -> str:
    first = changes[0]
    statuses = {c.status for c in changes}
    status = status or (status_word(first.status, first.before) if len(statuses) == 1 else "rewritten" if statuses == {"added", "removed"} else "changed")
    if first.former is not None:
        kind, key = first.former
        status = f"renamed from {short(key, 60)}" if kind == first.kind else f"moved from {kinds.NOUNS.get(kind, (kind,))[0]} {short(key, 60)}"
    one, many = kinds.NOUNS.get(first.kind, (first.kind, first.kind))
    if len(changes) == 1 and (name := skill(first)):  # as notes name it: "the claude-api skill"
        return f"Prompt of the {name} skill {status}"
    if primary is not None and primary.title and not (primary.merge and len(changes) == 1):
        return primary.title.format(
            label=short(first.label, 80), key=first.key, kind=one, status=status, count=len(changes), version=introduced or ""
        )
    if len(changes) > 1 and primary is not None and primary.merge:
        return f"{len(changes)} {many} {status}"
    if first.scenario is not None:
        return f"{one[0].upper()}{one[1:]} ({short(first.label, 80)}) {status}"
    return f"{one[0].upper()}{one[1:]} {short(first.label, 80)}: {status}"


def short(value: Any, limit: int = 160) -> str:
    """A value on one line, cut to `limit` characters."""
    text = " ".join(str(value).split()) if value is not None else "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"
