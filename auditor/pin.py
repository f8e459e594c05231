"""Findings → the newest release a user can trust from their baseline, why not newer, and how to hold it.

A release qualifies when it is old enough (the policy's minimum age: fresh releases get hotfixes and
changelog edits) and no blocking finding is present in it: one introduced after the baseline, at or
before that release, and not reverted by then, whose verdict, severity and category the policy
blocks (by default: undocumented, high or worse) and whose confidence reaches the policy's minimum.
The decision is a pure function; loading the policy file is the only I/O here.

Why 0.6 by default: a finding's confidence is (how surely its rule applies) × (how surely its verdict
holds), see auditor.judge. Below 0.6 lie exactly the findings no rule decided (0.6 × at most 0.95)
and those where both factors are at their weakest: a rule that matched only words of the text and an
"undocumented" that rests on nearby entries having the evidence words without naming the change
(0.75 × 0.75). On the real 2.1.121 → 2.1.140 range those are the request-code findings where a field
name merely appears in a rewritten function; a rule that matched what the change is (0.9) keeps its
findings above the line even with the weakest verdict (0.68). 0.7 would drop those too: on the held
2.1.109 → 2.1.117 range every undocumented high finding (all real) is at 0.56 or 0.68.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import versions as vers
from .changelog import instant
from .errors import PolicyError, UnknownVersion
from .judge import CHANGELOG_CATEGORY, VERDICTS, Finding, sort_key
from .rules import CATEGORIES, SEVERITIES, severity_rank
from .targets import Target

_POLICY_KEYS = {"severity", "min_age_days", "ignore_categories", "verdicts", "min_confidence"}
_MAX_LISTED = 3  # findings named per skipped release (JSON reasons)
_MAX_BLOCKERS = 12  # blocking findings named in the text, each once
DEFAULT_MIN_CONFIDENCE = 0.6  # see the module docstring


@dataclass(frozen=True)
class Policy:
    """What blocks a release: verdicts, the lowest severity, categories not cared about, the lowest
    confidence a finding needs to count; minimum age."""

    severity: str = "high"
    min_age_days: float = 3.0
    ignore_categories: frozenset[str] = frozenset()
    verdicts: frozenset[str] = frozenset({"undocumented"})
    min_confidence: float = DEFAULT_MIN_CONFIDENCE

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
        }


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
    later release until it is reverted, so it is said once, with that span."""

    finding: Finding
    first: str
    last: str
    to_newest: bool  # still present in the newest audited release

    @property
    def span(self) -> str:
        if self.to_newest:
            return f"from {self.first} on" if self.first != self.last else f"in {self.first}"
        return f"{self.first}–{self.last} (reverted in {self.finding.removed_in})" if self.finding.removed_in else f"{self.first}–{self.last}"

    def describe(self) -> str:
        f = self.finding
        return f"{f.verdict} {f.severity} [{f.category}] {f.title} (confidence {f.confidence:.2f})"

    def to_json(self) -> dict[str, Any]:
        f = self.finding
        return {"finding": f.id, "title": f.title, "verdict": f.verdict, "severity": f.severity, "category": f.category,
                "confidence": f.confidence, "first": self.first, "last": self.last, "to_newest": self.to_newest}


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

    @property
    def stays(self) -> bool:
        return self.version == self.baseline

    def basis(self) -> str:
        """The policy the recommendation follows, and what it left out for want of confidence."""
        n = len(self.below_confidence)
        aside = f"; {n} such finding{'s' if n != 1 else ''} below it not counted (--min-confidence 0 counts them)" if n else ""
        basis = self.policy.basis()
        return basis[0].upper() + basis[1:] + aside + "."

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
        if self.skipped:
            out += ["", "Why not newer:", *(f"  {line}" for line in self.why_not())]
        out += ["", "Install and hold:"]
        out += [f"  {line}" for key in ("install", "hold_env", "hold_settings") if key in self.commands for line in self.commands[key].splitlines()]
        out += ["", "Renovate (renovate.json):", *(f"  {row}" for row in self.commands["renovate"].splitlines())]
        out += ["", "Dependabot (.github/dependabot.yml):", *(f"  {row}" for row in self.commands["dependabot"].splitlines())]
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
) -> Recommendation:
    """The newest release after `baseline` that the policy lets through, with a line per newer release.

    `published` maps versions to their dates: audit.assess passes dating.stamps (the earliest trustworthy
    evidence; npm's own time is wrong for some releases), so the minimum age is counted from those.
    `audited` is the range the findings cover (DiffReport.versions): releases beyond it are not
    recommended, since nothing is known about them. `facts` (version → snapshot facts) lets the hold
    commands use only the env vars and settings keys the chosen release really has.
    """
    if baseline not in published:
        raise UnknownVersion(f"{target.npm_package} has no published version {baseline}")
    floor = vers.parse(baseline)
    newer = [v for v in vers.sort(published) if vers.parse(v) > floor and not vers.is_prerelease(v)]
    covered = set(audited) if audited is not None else set(newer)
    unaudited = [v for v in newer if v not in covered]
    skipped: list[Skipped] = []
    if unaudited:
        span = unaudited[0] if len(unaudited) == 1 else f"{unaudited[0]}…{unaudited[-1]} ({len(unaudited)} releases)"
        reason = "not audited: outside the diffed range, nothing is known about it"
        skipped.append(Skipped(span, (reason,), conditions=(reason,)))
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
    commands, notes = _commands(target, chosen, (facts or {}).get(chosen))
    if chosen == baseline:
        notes = (f"no release after {baseline} passes the policy; staying on it.", *notes)
    return Recommendation(target.npm_package, baseline, chosen, policy, tuple(ordered), commands, notes, _blockers(blocking, passed), below)


def _blockers(blocking: list[Finding], passed: list[str]) -> tuple[Blocker, ...]:
    """Each blocking finding once, with the first and last of the passed-over releases it is in; newest
    first, then in the findings' order."""
    out = []
    for f in blocking:
        present = [v for v in passed if f.present_in(v)]
        if present:
            out.append(Blocker(f, present[0], present[-1], present[-1] == passed[-1]))
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
                conditions.append(f"published {_age(age)} ago (policy: at least {policy.min_age_days:g} days)")
    return conditions, [f for f in blocking if f.present_in(version)]


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
    settings = facts.get("setting", {}) if facts else None
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
    if hold.setting and settings is not None and hold.setting in settings:
        commands["hold_settings"] = commands.get("hold_settings", "") + f'\n# and: "{hold.setting}": false'
    elif hold.setting and settings is not None:
        notes.append(f"`{hold.setting}` is not a {hold.settings_file} key in {version}; the env var is what holds it.")
    commands["renovate"] = json.dumps({"packageRules": [{"matchPackageNames": [package], "allowedVersions": f"<={version}"}]}, indent=2)
    commands["dependabot"] = "\n".join(
        [
            "version: 2",
            "updates:",
            "  - package-ecosystem: npm",
            '    directory: "/"',
            "    schedule:",
            "      interval: weekly",
            "    ignore:",
            f'      - dependency-name: "{package}"',
            f'        versions: [">{version}"]',
        ]
    )
    commands["verify"] = f"{target.command} --version   # expect: {version} ({target.display_name})\nnpm ls -g {package}"
    notes.append(
        f"check `{target.command} --version` after a restart and again in a few days: a native install or another global copy on PATH can update itself past an npm pin."
    )
    return commands, tuple(notes)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"
