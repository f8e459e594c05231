"""An audit of a version range: make sure every release in it is collected (and captured), then diff."""

from __future__ import annotations

from .capture import Scenario
from .capture.facts import collapse
from .collector import CAPTURE, STATIC, Collector, Progress
from .diff import diff_range
from .report import DiffReport

DEFAULT_SCENARIOS = ("print-default", "print-opus", "two-turn", "interactive")


def diff_versions(
    collector: Collector, low: str, high: str, scenarios: list[Scenario] = (), progress: Progress | None = None
) -> DiffReport:
    """Collect what is missing from low..high (every published release between them), capture the
    scenarios, then diff the static facts and each scenario's captures along the range."""
    versions = collector.range(low, high)
    rows = collector.ensure(versions, progress)
    changes = diff_range([(row.version, collector.store.facts(row.id)) for row in rows])
    if scenarios:
        collector.ensure_captures(versions, list(scenarios), progress)
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


__all__ = ["CAPTURE", "DEFAULT_SCENARIOS", "STATIC", "diff_versions"]
