"""Findings → the newest release a user can trust from their baseline, why not newer, and how to hold it.

A release qualifies when it is old enough (the policy's minimum age: fresh releases get hotfixes and
changelog edits) and no blocking finding is present in it: one introduced after the baseline, at or
before that release, and not reverted by then, whose verdict, severity and category the policy
blocks (by default: undocumented, high or worse) and whose confidence reaches the policy's minimum.
The decision is a pure function; loading the policy file is the only I/O here.

Why 0.5 by default: a finding's confidence is the probability that its verdict is right, counted on
the labelled ranges per verdict basis (auditor.judge.calibration). A finding counts when its verdict is
more likely right than wrong. On the shipped table every "undocumented" basis is at 0.96 or above
(a "nearby entries have the evidence words but do not name it" verdict was right 610 times of 636),
so no undocumented high finding is dropped; below 0.5 lie the "partial" verdicts resting on a neighbouring
release's entry (4 of 18 right), which the default policy does not block on anyway.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import versions as vers
from .changelog import instant
from .errors import PolicyError, UnknownVersion
from .judge.finding import CHANGELOG_CATEGORY, VERDICTS, Finding, short, sort_key
from .rules import CATEGORIES, SEVERITIES, severity_rank
from .targets import Target

_POLICY_KEYS = {"severity", "min_age_days", "ignore_categories", "verdicts", "min_confidence", "accept"}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # a finding id: 12 hex digits (judge), `honours-…`
_MAX_LISTED = 3  # findings named per skipped release (JSON reasons)
_MAX_BLOCKERS = 12  # blocking findings named in the text, each once
DEFAULT_MIN_CONFIDENCE = 0.5  # see the module docstring


@dataclass(frozen=True)
class Policy:
    """What blocks a release: verdicts, the lowest severity, categories not cared about, the lowest
    confidence a finding needs to count; minimum age."""

    severity: str = "high"
    min_age_days: float = 3.0
    ignore_categories: frozenset[str] = frozenset()
    verdicts: frozenset[str] = frozenset({"undocumented"})
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    accept: Mapping[str, str] = field(default_factory=dict)  # finding (step) id → why it was accepted ("" if not said)

    def accepting(self, ids: Sequence[str], reason: str = "") -> Policy:
        """This policy with more findings accepted (`audit pin --accept`, `a` in the TUI)."""
        for i in ids:
            if not _ID.fullmatch(i):
                raise PolicyError(f"{i!r} is not a finding id (the 12 hex digits `audit diff` and `audit pin` show)")
        return replace(self, accept={**self.accept, **{i: self.accept.get(i) or reason for i in ids}})

    def would_block(self, finding: Finding) -> bool:
        """The finding is of a kind the policy blocks (whatever its confidence)."""
        return (
            finding.verdict in self.verdicts
            and severity_rank(finding.severity) >= severity_rank(self.severity)
            and finding.category not in self.ignore_categories
        )

    def blocks(self, finding: Finding) -> bool:
        return self.would_block(finding) and finding.confidence >= self.min_confidence

    def basis(self) -> str:
        """What the recommendation rests on, in one line."""
        verdicts = " or ".join(v for v in VERDICTS if v in self.verdicts)
        ignored = f", except {', '.join(sorted(self.ignore_categories))}" if self.ignore_categories else ""
        return f"based on {verdicts} findings, {self.severity} or worse{ignored}, with confidence ≥ {self.min_confidence:.2f}"

    @classmethod
    def load(cls, path: Path | str) -> Policy:
        """A policy from a TOML file; a bad file is one PolicyError line naming the file and line."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{path}: cannot read policy ({getattr(exc, 'strerror', None) or exc.__class__.__name__})") from None
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, name: str = "<policy>") -> Policy:
        """severity = "high", min_age_days = 3, ignore_categories = [...], verdicts = ["undocumented"]."""
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{name}: invalid TOML: {exc}") from None
        lines = text.splitlines()

        def fail(key: str, message: str) -> PolicyError:
            line = next((i + 1 for i, text in enumerate(lines) if text.split("=", 1)[0].strip().strip("\"'") == key), 1)
            return PolicyError(f"{name}:{line}: {message}")

        for key in doc:
            if key not in _POLICY_KEYS:
                raise fail(key, f"unknown policy key {key!r} (known: {', '.join(sorted(_POLICY_KEYS))})")
        severity = doc.get("severity", cls.severity)
        if severity not in SEVERITIES:
            raise fail("severity", f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        age = doc.get("min_age_days", cls.min_age_days)
        if isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0:
            raise fail("min_age_days", "min_age_days must be a number of days, 0 or more")
        confidence = doc.get("min_confidence", cls.min_confidence)
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
            raise fail("min_confidence", "min_confidence must be a number from 0 to 1")

        def names(key: str, allowed: Sequence[str], default: frozenset[str]) -> frozenset[str]:
            value = doc.get(key, sorted(default))
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(key, f"{key} must be a list of strings")
            wrong = [v for v in value if v not in allowed]
            if wrong:
                raise fail(key, f"{key}: {wrong[0]!r} is not one of {', '.join(allowed)}")
            return frozenset(value)

        return cls(
            severity=severity,
            min_age_days=float(age),
            accept=_accepted(doc.get("accept", []), fail),
            ignore_categories=names("ignore_categories", [*CATEGORIES, CHANGELOG_CATEGORY], frozenset()),
            verdicts=names("verdicts", VERDICTS, cls.verdicts),
            min_confidence=float(confidence),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "min_age_days": self.min_age_days,
            "ignore_categories": sorted(self.ignore_categories),
            "verdicts": sorted(self.verdicts),
            "min_confidence": self.min_confidence,
            "accept": dict(self.accept),
        }


def _accepted(value: Any, fail: Callable[[str, str], PolicyError]) -> dict[str, str]:
    """`accept = ["id", {id = "id", reason = "why"}, …]` → {id: reason}."""
    if not isinstance(value, list):
        raise fail("accept", 'accept must be a list of finding ids or {id = "…", reason = "…"} tables')
    out: dict[str, str] = {}
    for item in value:
        ident, reason = (item, "") if isinstance(item, str) else (item.get("id"), item.get("reason", "")) if isinstance(item, dict) else (None, "")
        extra = set(item) - {"id", "reason"} if isinstance(item, dict) else set()
        if not isinstance(ident, str) or not _ID.fullmatch(ident) or not isinstance(reason, str) or extra:
            raise fail("accept", f"accept: {item!r} is not a finding id or an {{id = \"…\", reason = \"…\"}} table")
        out[ident] = reason
    return out


def remember(path: Path, ids: Sequence[str], reason: str) -> None:
    """Add findings to a policy file's accept list (`a` in the TUI), keeping the file's comments and
    layout; the file is checked first and replaced whole, so a bad file is refused and left as it was."""
    import tomlkit  # only when a finding is accepted

    policy = Policy.load(path).accepting(ids, reason)  # a bad file or id: one PolicyError, nothing written
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    listed = doc.setdefault("accept", tomlkit.array())
    known = {item if isinstance(item, str) else item.get("id") for item in listed}
    for i in ids:
        if i not in known:
            entry = tomlkit.inline_table()
            entry.update({"id": i, "reason": policy.accept[i]} if policy.accept[i] else {"id": i})
            listed.append(entry)
    listed.multiline(True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    temp.replace(path)


@dataclass(frozen=True)
class Skipped:
    """A release newer than the recommendation, and why it was not chosen."""

    version: str
    reasons: tuple[str, ...]
    findings: tuple[str, ...] = ()  # ids of the blocking findings
    conditions: tuple[str, ...] = ()  # the reasons that are not findings (age, not audited)

    def line(self) -> str:
        return f"{self.version}: " + "; ".join(self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "reasons": list(self.reasons), "findings": list(self.findings)}


@dataclass(frozen=True)
class Blocker:
    """A blocking finding and the skipped releases it is in: one introduced in X blocks X and every
    later release until it is reverted, so it is said once, with that span. `step` is the id of its
    first step not accepted: the finding's own, or — when you accepted it and it changed again — the
    later change's, which accepting the finding did not accept."""

    finding: Finding
    first: str
    last: str
    to_newest: bool  # still present in the newest audited release
    step: str = ""

    @property
    def span(self) -> str:
        if self.to_newest:
            return f"from {self.first} on" if self.first != self.last else f"in {self.first}"
        return f"{self.first}–{self.last} (reverted in {self.finding.removed_in})" if self.finding.removed_in else f"{self.first}–{self.last}"

    @property
    def reopened(self) -> bool:
        """Accepted, then changed again (the new change blocks)."""
        return bool(self.step) and self.step != self.finding.id

    def describe(self) -> str:
        f = self.finding
        again = f"; changed again in {self.first} after you accepted {f.id}: accept {self.step} too to set it aside" if self.reopened else ""
        return f"{f.verdict} {f.severity} [{f.category}] {f.title} (id {self.step or f.id}, confidence {f.confidence:.2f}{again})"

    def to_json(self) -> dict[str, Any]:
        f = self.finding
        return {"finding": f.id, "step": self.step or f.id, "title": f.title, "verdict": f.verdict, "severity": f.severity, "category": f.category,
                "confidence": f.confidence, "first": self.first, "last": self.last, "to_newest": self.to_newest}


@dataclass(frozen=True)
class SetAside:
    """A finding the policy would block on that you accepted (the steps you accepted, and why)."""

    finding: Finding
    steps: tuple[str, ...]
    reason: str

    def line(self) -> str:
        f = self.finding
        why = f" — {self.reason}" if self.reason else ""
        return f"{f.id} {f.severity} [{f.category}] {f.title} (since {f.introduced_in}){why}"

    def to_json(self) -> dict[str, Any]:
        return {"finding": self.finding.id, "steps": list(self.steps), "title": self.finding.title, "reason": self.reason}


@dataclass(frozen=True)
class Candidate:
    """A release worth considering from the baseline, and the blocking findings you would take on with it."""

    version: str
    published: str | None
    age: timedelta | None  # since its (earliest trustworthy) publish date; None: unknown
    findings: tuple[Finding, ...]  # the open blocking findings in it, most severe first
    why: tuple[str, ...]  # newest, newest of its minor line, fewer blocking findings, recommended
    old_enough: bool

    def by_category(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.category] = counts.get(f.category, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def worst(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def to_json(self) -> dict[str, Any]:
        worst = self.worst
        return {
            "version": self.version,
            "published": self.published,
            "age_days": None if self.age is None else round(self.age.total_seconds() / 86400, 2),
            "old_enough": self.old_enough,
            "why": list(self.why),
            "blocking": len(self.findings),
            "by_category": self.by_category(),
            "worst": None if worst is None else {"finding": worst.id, "title": worst.title, "severity": worst.severity, "category": worst.category},
            "findings": [f.id for f in self.findings],
        }


@dataclass(frozen=True)
class Recommendation:
    """The version to pin (the baseline itself when nothing newer qualifies) and how to hold it."""

    package: str
    baseline: str
    version: str
    policy: Policy
    skipped: tuple[Skipped, ...]  # newest first
    commands: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    blockers: tuple[Blocker, ...] = ()  # newest first
    below_confidence: tuple[str, ...] = ()  # ids of findings that would block but for their confidence
    set_aside: tuple[SetAside, ...] = ()  # blocking findings you accepted
    candidates: tuple[Candidate, ...] = ()  # newest first

    @property
    def stays(self) -> bool:
        return self.version == self.baseline

    def basis(self) -> str:
        """The policy the recommendation follows, and what it left out for want of confidence."""
        n = len(self.below_confidence)
        aside = f"; {n} such finding{'s' if n != 1 else ''} below it not counted (--min-confidence 0 counts them)" if n else ""
        basis = self.policy.basis()
        n = len(self.set_aside)
        accepted = f"; {n} accepted finding{'s' if n != 1 else ''} set aside" if n else ""
        return basis[0].upper() + basis[1:] + aside + accepted + "."

    def why(self) -> str:
        """One line for a bot's config: what was chosen, on what basis, and what newer releases bring."""
        head = f"auditor: {self.package} stays on {self.version}" if self.stays else f"auditor: hold {self.package} at {self.version} (from {self.baseline})"
        basis = self.policy.basis()
        if not self.blockers:
            return f"{head}, {basis}."
        first = self.blockers[-1]
        n = len(self.blockers)
        f = first.finding
        return (f"{head}, {basis}; newer releases bring {n} blocking finding{'s' if n != 1 else ''}, the first in {first.first}: "
                f"{f.verdict} {f.severity} {f.category}, id {first.step or f.id} (audit pin --from {self.baseline} names them).")

    def renovate(self) -> str:
        """`--format renovate`: the packageRules entry, with why as its description."""
        return renovate_rule(self.package, self.version, self.why())

    def dependabot(self) -> str:
        """`--format dependabot`: the dependabot.yml with the matching ignore block, with why as a comment."""
        return dependabot_config(self.package, self.version, self.why())

    def accepted_lines(self) -> list[str]:
        """Which accepted findings were set aside, and why."""
        if not self.set_aside:
            return []
        return [f"Set aside ({len(self.set_aside)} accepted):", *(f"  {a.line()}" for a in self.set_aside)]

    def candidate_lines(self) -> list[str]:
        """The candidates as a table: release, age, the blocking findings you would take on (by
        category, the worst named), and why it is listed."""
        rows = [("release", "age", "blocking", "why listed", "by category", "worst")]
        for c in self.candidates:
            worst = c.worst
            rows.append((
                c.version + ("" if c.old_enough else " *"),
                "?" if c.age is None else age_text(c.age),
                str(len(c.findings)),
                ", ".join(c.why),
                ", ".join(f"{n} {cat}" for cat, n in c.by_category().items()) or "—",
                f"{worst.id} {worst.severity}: {short(worst.title, 70)}" if worst else "—",
            ))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        out = [f"Candidates from {self.baseline}, newest first. {self.basis()}"]
        out += ["  " + "  ".join(r[i].ljust(widths[i]) for i in range(5)) + f"  {r[5]}" for r in rows]
        if any(not c.old_enough for c in self.candidates):
            out.append(f"  * younger than the policy's {self.policy.min_age_days:g} days, or its publish time is unknown")
        return out

    def why_not(self) -> list[str]:
        """Why each newer release was not chosen, each reason said once: releases outside the range and
        too new by themselves, then each blocking finding with the releases it blocks."""
        out = [f"{s.version}: " + "; ".join(s.conditions) for s in self.skipped if s.conditions]
        spans: dict[str, list[Blocker]] = {}
        for b in self.blockers:
            spans.setdefault(b.span, []).append(b)
        listed = 0
        for span, group in spans.items():
            if listed >= _MAX_BLOCKERS:
                break
            shown = group[: _MAX_BLOCKERS - listed]
            listed += len(shown)
            if len(shown) == 1:
                out.append(f"{span}: {shown[0].describe()}")
            else:
                out += [f"{span}:", *(f"  {b.describe()}" for b in shown)]
        if len(self.blockers) > listed:
            out.append(f"… and {len(self.blockers) - listed} more blocking findings (--format json lists them)")
        return out

    def lines(self) -> list[str]:
        """Plain text for a terminal or a comment."""
        head = (
            f"Stay on {self.version}: no newer release qualifies."
            if self.stays
            else f"Pin {self.package}@{self.version} (from {self.baseline})."
        )
        out = [head, self.basis()]
        if self.set_aside:
            out += ["", *self.accepted_lines()]
        if self.skipped:
            out += ["", "Why not newer:", *(f"  {line}" for line in self.why_not())]
        out += ["", "Install and hold:"]
        out += [f"  {line}" for key in ("install", "hold_env", "hold_settings") if key in self.commands for line in self.commands[key].splitlines()]
        out += ["", "Renovate (renovate.json; --format renovate says why too):", *(f"  {row}" for row in renovate_rule(self.package, self.version).splitlines())]
        out += ["", "Dependabot (.github/dependabot.yml; --format dependabot says why too):",
                *(f"  {row}" for row in dependabot_config(self.package, self.version).splitlines())]
        out += ["", "Verify the pin holds:", *(f"  {row}" for row in self.commands["verify"].splitlines())]
        if self.notes:
            out += ["", *(f"Note: {n}" for n in self.notes)]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "baseline": self.baseline,
            "recommended": self.version,
            "stays_on_baseline": self.stays,
            "policy": self.policy.to_json(),
            "skipped": [s.to_json() for s in self.skipped],
            "blocking": [b.to_json() for b in self.blockers],
            "below_confidence": list(self.below_confidence),
            "accepted": [a.to_json() for a in self.set_aside],
            "candidates": [c.to_json() for c in self.candidates],
            "commands": dict(self.commands),
            "notes": list(self.notes),
        }


def recommend(
    findings: Sequence[Finding],
    published: Mapping[str, str | None],
    baseline: str,
    policy: Policy,
    now: datetime,
    *,
    audited: Sequence[str] | None = None,
    facts: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    target: Target,
    unjudged: Collection[str] = frozenset(),
    channel: str = "stable",
) -> Recommendation:
    """The newest release after `baseline` that the policy lets through, with a line per newer release.

    `published` maps versions to their dates: audit.assess passes dating.stamps (the earliest trustworthy
    evidence; npm's own time is wrong for some releases), so the minimum age is counted from those.
    `audited` is the range the findings cover (DiffReport.versions): releases beyond it are not
    recommended, since nothing is known about them. `facts` (version → snapshot facts) lets the hold
    commands use only the env vars and settings keys the chosen release really has. `unjudged`: releases
    newer than the changelog copy knows (`changelog.window.beyond`): never recommended, never blocking.
    Only releases of `channel` are candidates.
    """
    if baseline not in published:
        raise UnknownVersion(f"{target.npm_package} has no published version {baseline}")
    floor = vers.parse(baseline)
    newer = [v for v in vers.sort(published) if vers.parse(v) > floor and vers.channel(v) == channel]
    covered = set(audited) if audited is not None else set(newer)
    skipped: list[Skipped] = []
    for left, reason in (
        ([v for v in newer if v not in covered], "not audited: outside the diffed range, nothing is known about it"),
        ([v for v in newer if v in covered and v in unjudged], "not judged: the changelog copy is older than it, so its notes are unknown"),
    ):
        if left:
            span = left[0] if len(left) == 1 else f"{left[0]}…{left[-1]} ({len(left)} releases)"
            skipped.append(Skipped(span, (reason,), conditions=(reason,)))
            covered -= set(left)
    after = [f for f in findings if f.introduced_in and vers.parse(f.introduced_in) > floor]
    blocking = sorted((f for f in after if policy.blocks(f)), key=sort_key)
    chosen = baseline
    for version in reversed([v for v in newer if v in covered]):
        conditions, present = _why_not(version, published.get(version), blocking, policy, now)
        if not conditions and not present:
            chosen = version
            break
        skipped.append(Skipped(version, tuple(conditions + _listed(present)), tuple(f.id for f in present), tuple(conditions)))
    ordered = sorted(skipped, key=lambda s: vers.parse(s.version.split("…")[-1].split(" ")[0]), reverse=True)
    passed = [v for v in newer if v in covered and vers.parse(v) > vers.parse(chosen)]
    below = tuple(f.id for f in sorted(after, key=sort_key) if policy.would_block(f) and not policy.blocks(f) and any(f.present_in(v) for v in covered))
    aside = tuple(
        SetAside(f, tuple(i for _, i in steps(f) if i in policy.accept), next((policy.accept[i] for _, i in steps(f) if policy.accept.get(i)), ""))
        for f in blocking if any(i in policy.accept for _, i in steps(f))
    )
    commands, notes = _commands(target, chosen, (facts or {}).get(chosen))
    if chosen == baseline:
        notes = (f"no release after {baseline} passes the policy; staying on it.", *notes)
    picks = _candidates([v for v in newer if v in covered], published, blocking, policy, now, chosen)
    rec = Recommendation(target.npm_package, baseline, chosen, policy, tuple(ordered), commands, notes, _blockers(blocking, passed, policy),
                         below, aside, picks)
    commands.update(renovate=rec.renovate(), dependabot=rec.dependabot())  # with why, now that it is known
    return rec


def steps(finding: Finding) -> tuple[tuple[str, str], ...]:
    """(release, id) of each release the finding moved in (judge._steps); a finding made without them,
    one step: its own."""
    if finding.steps:
        return finding.steps
    return ((finding.introduced_in, finding.id),) if finding.introduced_in else ()


def open_step(finding: Finding, version: str, accept: Mapping[str, str]) -> str | None:
    """The id of the finding's first step at or before `version` that is not accepted, if the finding is
    present in `version` (None: absent, or every step so far accepted). Accepting a finding accepts the
    change you read; a later change of the same thing is a step of its own."""
    if not finding.present_in(version):
        return None
    key = vers.parse(version)
    return next((i for v, i in steps(finding) if i not in accept and vers.parse(v) <= key), None)


def _candidates(
    audited: list[str], published: Mapping[str, str | None], blocking: list[Finding], policy: Policy, now: datetime, chosen: str
) -> tuple[Candidate, ...]:
    """The releases worth considering, newest first: the newest, the newest of each minor line, every
    one where the count of open blocking findings drops, and the recommendation."""
    why: dict[str, list[str]] = {}
    if audited:
        why.setdefault(audited[-1], []).append("newest")
    lines: dict[tuple[int, ...], str] = {}
    for v in audited:
        lines[vers.parse(v)[:2]] = v
    for line, v in lines.items():
        why.setdefault(v, []).append(f"newest {'.'.join(map(str, line))}.x")
    open_in = {v: tuple(f for f in blocking if open_step(f, v, policy.accept)) for v in audited}
    previous = 0
    for v in audited:
        if len(open_in[v]) < previous:
            why.setdefault(v, []).append(f"fewer blocking ({previous} → {len(open_in[v])})")
        previous = len(open_in[v])
    if chosen in open_in:
        why.setdefault(chosen, []).insert(0, "recommended")
    out = []
    for v in sorted(why, key=vers.parse, reverse=True):
        stamp = published.get(v)
        age = _as_utc(now) - instant(stamp) if stamp else None
        old = policy.min_age_days <= 0 or (age is not None and age >= timedelta(days=policy.min_age_days))
        out.append(Candidate(v, stamp, age, open_in[v], tuple(why[v]), old))
    return tuple(out)


def _blockers(blocking: list[Finding], passed: list[str], policy: Policy) -> tuple[Blocker, ...]:
    """Each blocking finding once, with the first and last of the passed-over releases it is open in;
    newest first, then in the findings' order."""
    out = []
    for f in blocking:
        present = [(v, i) for v in passed if (i := open_step(f, v, policy.accept))]
        if present:
            out.append(Blocker(f, present[0][0], present[-1][0], present[-1][0] == passed[-1], present[0][1]))
    return tuple(sorted(out, key=lambda b: vers.parse(b.first), reverse=True))


def _why_not(version: str, stamp: str | None, blocking: list[Finding], policy: Policy, now: datetime) -> tuple[list[str], list[Finding]]:
    """(the reasons that are not findings, the blocking findings present) for one release."""
    conditions: list[str] = []
    if policy.min_age_days > 0:
        if stamp is None:
            conditions.append("publish time unknown, so its age cannot be checked")
        else:
            age = _as_utc(now) - instant(stamp)
            if age < timedelta(days=policy.min_age_days):
                conditions.append(f"published {age_text(age)} ago (policy: at least {policy.min_age_days:g} days)")
    return conditions, [f for f in blocking if open_step(f, version, policy.accept)]


def _listed(present: list[Finding]) -> list[str]:
    """A release's blocking findings as reasons (the JSON's per-release view)."""
    reasons = [f"{f.verdict} {f.severity} [{f.category}] {f.title} (since {f.introduced_in})" for f in present[:_MAX_LISTED]]
    if len(present) > _MAX_LISTED:
        reasons.append(f"and {len(present) - _MAX_LISTED} more blocking findings")
    return reasons


HOLD_KINDS = ("env", "setting")  # the facts the hold commands are checked against


def _commands(target: Target, version: str, facts: Mapping[str, Mapping[str, Any]] | None) -> tuple[dict[str, str], tuple[str, ...]]:
    """Paste-ready install / hold / verify commands; with the release's facts, only keys it really has."""
    package, hold = target.npm_package, target.hold
    env = facts.get("env", {}) if facts else None
    # A release whose settings were not read (Gemini CLI's are not extracted) says nothing about its keys.
    settings = (facts.get("setting") or None) if facts else None
    notes: list[str] = []
    hold_vars = list(hold.env)
    if env is not None:
        hold_vars = [v for v in hold.env if v in env]
        if hold.env and not hold_vars:
            notes.append(f"{version} reads none of {', '.join(hold.env)}: hold it with your package manager only.")
    elif hold.env:
        notes.append(f"hold commands not checked against {version}'s facts: collect it to see which of {', '.join(hold.env)} it reads.")
    commands = {"install": f"npm install -g {package}@{version}"}
    if hold_vars:
        commands["hold_env"] = "\n".join(f"export {v}=1  # in ~/.bashrc or ~/.zshrc" for v in hold_vars)
        block = json.dumps({"env": {v: "1" for v in hold_vars}}, indent=2)
        commands["hold_settings"] = f"# {hold.settings_file} (merge into the existing file)\n" + block
    if hold.setting and not hold.in_facts:  # a TOML file of the CLI's own, whose keys no fact lists
        commands["hold_settings"] = f"# {hold.settings_file} (at the top, before any [table])\n{hold.setting} = false"
        notes.append(f"`{hold.setting}` is not checked against {version}'s facts (they do not list {hold.settings_file} keys).")
    elif hold.setting and settings is not None and hold.setting not in settings:
        notes.append(f"`{hold.setting}` is not a {hold.settings_file} key in {version}; the env var is what holds it.")
    elif hold.setting and not hold.env:  # the setting is the only hold there is
        commands["hold_settings"] = f"# {hold.settings_file} (merge into the existing file)\n" + json.dumps(_nested(hold.setting, False), indent=2)
    elif hold.setting and settings is not None:
        commands["hold_settings"] = commands.get("hold_settings", "") + f'\n# and: "{hold.setting}": false'
    commands["renovate"] = renovate_rule(package, version)
    commands["dependabot"] = dependabot_config(package, version)
    commands["verify"] = f"{target.command} --version   # expect: {version} ({target.display_name})\nnpm ls -g {package}"
    notes.append(
        f"check `{target.command} --version` after a restart and again in a few days: a native install or another global copy on PATH can update itself past an npm pin."
    )
    return commands, tuple(notes)


def _nested(dotted: str, value: Any) -> dict[str, Any]:
    """`general.enableAutoUpdate` = false as the JSON a settings file holds: {"general": {"enableAutoUpdate": false}}."""
    head, _, rest = dotted.partition(".")
    return {head: _nested(rest, value) if rest else value}


def renovate_rule(package: str, version: str, why: str = "") -> str:
    """renovate.json's `packageRules` entry that holds the package at `version` (Renovate's JSON takes
    no comments: its `description` is the place for why)."""
    rule: dict[str, Any] = {"matchPackageNames": [package], "allowedVersions": f"<={version}"}
    if why:
        rule = {"description": _one_line(why), **rule}
    return json.dumps({"packageRules": [rule]}, indent=2, ensure_ascii=False)


def dependabot_config(package: str, version: str, why: str = "") -> str:
    """A .github/dependabot.yml holding the package at `version`: its `ignore` block, in the smallest
    whole file GitHub accepts (version, one npm update with a schedule), with why as a comment."""
    comment = [f"      # {_one_line(why)}"] if why else []
    return "\n".join([
        "version: 2",
        "updates:",
        "  - package-ecosystem: npm",
        '    directory: "/"',
        "    schedule:",
        "      interval: weekly",
        "    ignore:",
        *comment,
        f"      - dependency-name: {json.dumps(package)}",
        f"        versions: [{json.dumps('>' + version)}]",
    ])


def _one_line(text: str) -> str:
    """Text for a comment or a description: one line (vendor titles never break out of a YAML comment)."""
    return " ".join(text.split())


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age_text(delta: timedelta) -> str:
    """An age as people say it: hours under two days, then days."""
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"
