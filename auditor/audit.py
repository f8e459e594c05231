"""An audit of a version range: make sure every release in it is collected (and captured), diff them,
judge the changes against the changelog, and recommend a version to pin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from . import judgements, pin, rules
from .capture import Scenario
from .capture.facts import collapse
from .changelog import Changelog
from .changelog import load as load_changelog
from .collector import CAPTURE, STATIC, Collector, Progress
from .diff import diff_refs
from .report import DiffReport
from .rules import Rule

DEFAULT_SCENARIOS = ("print-default", "print-opus", "two-turn", "interactive")


def diff_versions(
    collector: Collector, low: str, high: str, scenarios: Sequence[Scenario] = (), progress: Progress | None = None
) -> DiffReport:
    """Collect what is missing from low..high (every published release between them), capture the
    scenarios, then diff the static facts and each scenario's captures along the range."""
    versions = collector.range(low, high)
    rows = collector.ensure(versions, progress, scenarios)
    store = collector.store
    values = store.values()  # one reader for the whole report: a text shared by many releases is read once
    changes = diff_refs(((row.version, store.fact_refs(row.id)) for row in rows), values)
    for scenario in scenarios:
        captured = ((v, collector.captured(v, scenario.name)) for v in versions)
        series = ((v, store.fact_refs(row.id)) for v, row in captured if row)
        changes += collapse(diff_refs(series, values, scenario=scenario.name))
    return DiffReport(
        target=collector.target.name,
        platform=collector.platform,
        from_version=versions[0],
        to_version=versions[-1],
        versions=versions,
        changes=changes,
        scenarios=[s.name for s in scenarios],
    )


def assess(
    report: DiffReport,
    collector: Collector,
    changelog: Changelog,
    rules: Sequence[Rule],
    policy: pin.Policy,
    now: datetime | None = None,
) -> DiffReport:
    """Add findings (each change judged against the changelog) and a pin recommendation to a report."""
    published = collector.published()
    if changelog.warning:
        report.notes.append(changelog.warning)
    if not changelog.origin:
        report.notes.append("changes are listed without verdicts; name a changelog with --changelog or $AUDITOR_CHANGELOG")
        return report
    report.changelog_origin = changelog.origin
    report.findings = judgements.judge(collector.store, report.changes, changelog, rules, published, report.versions, heard(collector, report))
    in_range = set(report.versions[1:])
    report.changelog = [(r.version, [e.full_text for e in r.entries]) for r in changelog.releases if r.version in in_range]
    facts = {row.version: collector.store.facts(row.id, kinds=pin.HOLD_KINDS) for row in collector.ensure(report.versions)}  # all stored
    report.recommendation = pin.recommend(
        report.findings, published, report.from_version, policy, now or datetime.now(UTC),
        audited=report.versions, facts=facts, target=collector.target,
    )
    return report


SENT = ("system_block", "tool_schema", "history")  # captured kinds that hold what the model was sent


def heard(collector: Collector, report: DiffReport) -> list[int] | None:
    """Text ids of everything the range's captured runs sent the model (None: nothing was captured,
    so no prompt string can be told to be unheard)."""
    refs: set[int] = set()
    for version in report.versions:
        for scenario in report.scenarios:
            row = collector.captured(version, scenario)
            if row is not None:
                refs.update(ref for column in collector.store.fact_refs(row.id, SENT).values() for ref in column.values())
    return sorted(refs) if refs else None


Judging = tuple[Changelog, Sequence[Rule], pin.Policy]


def load_judging(
    collector: Collector, cache_dir: Path, changelog: str | None = None, rules_dir: Path | None = None, policy_file: Path | None = None
) -> Judging:
    """Changelog, rules and pin policy, read before any release is collected: bad input fails fast."""
    loaded_rules = rules.load(rules_dir)
    policy = pin.Policy.load(policy_file) if policy_file else pin.Policy()
    return load_changelog(collector.target, collector.store, collector.registry.client, cache_dir, changelog), loaded_rules, policy


def run(
    collector: Collector, low: str, high: str, scenarios: list[Scenario], judging: Judging,
    progress: Progress | None = None, now: datetime | None = None,
) -> DiffReport:
    """The whole audit of low..high: collect and capture what is missing, diff, judge, recommend."""
    return assess(diff_versions(collector, low, high, scenarios, progress), collector, *judging, now=now)


__all__ = ["CAPTURE", "DEFAULT_SCENARIOS", "STATIC", "Judging", "assess", "diff_versions", "load_judging", "run"]
