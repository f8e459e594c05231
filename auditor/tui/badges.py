"""Badges on the timeline: how many undocumented findings each release brought against its predecessor,
by severity. Computed with the same calls as `audit diff prev release` (in a worker) and kept in the
store (table `tui_badges`) with a digest of what the verdicts depend on: the next start paints them at
once, and the worker recomputes only those whose changelog, rules or policy changed since."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .. import __version__
from ..report import DiffReport
from ..store import Store
from .model import ReleaseRow

TABLE = "tui_badges"
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Badge:
    """Undocumented findings of `version` against `predecessor`."""

    version: str
    predecessor: str
    high: int
    medium: int
    low: int

    @property
    def total(self) -> int:
        return self.high + self.medium + self.low

    def label(self) -> str:
        return " ".join(f"{n}{s[0].upper()}" for s, n in zip(SEVERITIES, (self.high, self.medium, self.low), strict=True) if n) or "—"


def count(report: DiffReport) -> Badge:
    undocumented = [f.severity for f in report.findings if f.verdict == "undocumented"]
    return Badge(report.to_version, report.from_version, *(undocumented.count(s) for s in SEVERITIES))


def pairs(rows: list[ReleaseRow]) -> list[tuple[str, str]]:
    """(predecessor, release) for each stored release whose predecessor is stored too, newest first:
    a badge never makes the TUI download anything."""
    return [(older.version, newer.version) for newer, older in pairwise(rows) if newer.static and older.static]


def judged_with(*inputs: object) -> str:
    """A digest of what verdicts depend on (changelog, rules, policy) and of this auditor's version; the
    same in every process (sets are sorted, patterns written out, so hash randomisation does not leak in)."""
    text = json.dumps([__version__, _stable(inputs)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _stable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted((_stable(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in value.items()}
    if isinstance(value, re.Pattern):
        return value.pattern
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return _stable(vars(value)) if hasattr(value, "__dict__") else repr(value)


def load(store: Store, target: str, platform: str) -> dict[str, tuple[Badge, str]]:
    """Saved badges and the digest each was judged with (one query: the timeline's first paint uses it)."""
    if TABLE not in store.db.table_names():
        return {}
    rows = store.db.execute(
        f"SELECT version, predecessor, high, medium, low, judged_with FROM {TABLE} WHERE target = ? AND platform = ?", [target, platform]
    ).fetchall()
    return {r[0]: (Badge(*r[:5]), r[5]) for r in rows}


def save(store: Store, target: str, platform: str, digest: str, badge: Badge) -> None:
    if store.read_only:
        return  # shown, and computed again at the next start
    with store.db.conn:
        store.db.table(TABLE).upsert(
            {"target": target, "platform": platform, "version": badge.version, "judged_with": digest,
             "predecessor": badge.predecessor, "high": badge.high, "medium": badge.medium, "low": badge.low},
            pk=("target", "platform", "version"),
        )
