"""An audit of a version range: make sure every release in it is collected, then diff them."""

from __future__ import annotations

from .collector import Collector, Progress
from .diff import diff_range
from .report import DiffReport


def diff_versions(collector: Collector, low: str, high: str, progress: Progress | None = None) -> DiffReport:
    """Collect what is missing from low..high (every published release between them), then diff."""
    versions = collector.range(low, high)
    rows = collector.ensure(versions, progress)
    series = [(row.version, collector.store.facts(row.id)) for row in rows]
    return DiffReport(
        target=collector.target.name,
        platform=collector.platform,
        from_version=versions[0],
        to_version=versions[-1],
        versions=versions,
        changes=diff_range(series),
    )
