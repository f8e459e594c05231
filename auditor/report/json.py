"""Versioned JSON: `schema_version`, `target`, `from`, `to`, `changes[]` (see README for the schema)."""

from __future__ import annotations

import json as _json

from ..pin import Recommendation
from . import SCHEMA_VERSION, DiffReport


def render(report: DiffReport) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "target": report.target,
        "platform": report.platform,
        "from": report.from_version,
        "to": report.to_version,
        "versions": report.versions,
        "scenarios": report.scenarios,
        "changelog": report.changelog_origin,
        "notes": report.notes,
        "summary": report.counts(),
        "findings": [f.to_json() for f in report.findings],
        "recommendation": report.recommendation.to_json() if report.recommendation else None,
        "changes": [c.to_json() for c in report.changes],
    }
    return _json.dumps(doc, indent=2, ensure_ascii=False)


def render_pin(rec: Recommendation) -> str:
    """`audit pin --format json`: the recommendation object of the report's JSON, versioned on its own
    (a contract: see README, "Pin JSON")."""
    return _json.dumps({"schema_version": SCHEMA_VERSION, **rec.to_json()}, indent=2, ensure_ascii=False)
