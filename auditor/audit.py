"""An audit of a version range: make sure every release in it is collected (and captured), diff them,
judge the changes against the changelog, and recommend a version to pin."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from . import judge, pin
from .capture import Scenario
from .capture.facts import collapse
from .changelog_source import Changelog
from .collector import CAPTURE, STATIC, Collector, Progress
from .diff import diff_range
from .report import DiffReport
from .rules import Rule

DEFAULT_SCENARIOS = ("print-default", "print-opus", "two-turn", "interactive")


def diff_versions(
    collector: Collector, low: str, high: str, scenarios: list[Scenario] = (), progress: Progress | None = None
) -> DiffReport:
    """Collect what is missing from low..high (every published release between them), capture the
    scenarios, then diff the static facts and each scenario's captures along the range."""
    versions = collector.range(low, high)
    rows = collector.ensure(versions, progress, scenarios)
    changes = diff_range([(row.version, collector.store.facts(row.id)) for row in rows])
    for scenario in scenarios:
        captured = [(v, collector.captured(v, scenario.name)) for v in versions]
        series = [(v, collector.store.facts(row.id)) for v, row in captured if row]
        changes += collapse(diff_range(series, scenario=scenario.name))
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
    report.findings = judge.judge(report.changes, changelog.releases, rules, published, changelog.history, versions=report.versions)
    in_range = set(report.versions[1:])
    report.changelog = [(r.version, [e.full_text for e in r.entries]) for r in changelog.releases if r.version in in_range]
    facts = {v: collector.store.facts(collector.stored(v).id, kinds=pin.HOLD_KINDS) for v in report.versions}
    report.recommendation = pin.recommend(
        report.findings, published, report.from_version, policy, now or datetime.now(timezone.utc),
        audited=report.versions, facts=facts, package=collector.target.npm_package,
    )
    return report


__all__ = ["CAPTURE", "DEFAULT_SCENARIOS", "STATIC", "assess", "diff_versions"]
