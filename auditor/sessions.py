"""What real recorded sessions were sent, per CLI version: distributions of the request parameters and the
history-integrity events (`audit sessions`), and the diff of two versions on recorded traffic
(`audit diff --source proxy`).

The proxy keeps, beside each version's `proxy` snapshot (the latest request of each role, whole), a
`proxy:sessions` snapshot of counters: per role, how often each model, effort, max_tokens,
context_management, thinking mode and beta was sent, and how often each kind of history change
(history.py) happened. Counters grow with use, so a diff compares which values were seen, not how often.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import targets
from . import versions as versions_
from .capture import history
from .diff import diff_range
from .errors import AuditorError
from .report import DiffReport
from .store import Store

SOURCE = "proxy:sessions"
PLATFORM = "proxy"
RECORDED = "proxy"  # the proxy's own snapshots (proxy.SOURCE)
DIMENSIONS = ("model", "effort", "max_tokens", "context_management", "thinking", "betas")
EVENTS = "history changes"
LATEST = "latest history changes"
_COUNTERS = "capture"  # the kind holding the counters
_COUNTS = (" requests seen",)  # the proxy snapshot's own counters, dropped before diffing


class SessionsError(AuditorError):
    """Nothing recorded for what was asked."""


def observe(body: dict[str, Any], headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The values one request sent, per dimension (betas: each beta of the header)."""
    output = body.get("output_config")
    reasoning = body.get("reasoning")  # the Responses API's (Codex)
    effort = output.get("effort") if isinstance(output, dict) else reasoning.get("effort") if isinstance(reasoning, dict) else None
    thinking = body.get("thinking")
    betas = sorted({b.strip() for k, v in headers if k.lower() == "anthropic-beta" for b in v.split(",") if b.strip()})
    values = {
        "model": body.get("model"),
        "effort": effort,
        "max_tokens": body.get("max_tokens"),
        "context_management": body.get("context_management"),
        "thinking": thinking.get("type") if isinstance(thinking, dict) else thinking,
    }
    seen = {k: [_label(v)] for k, v in values.items()}
    seen["betas"] = betas or ["(none)"]
    return seen


def _label(value: Any) -> str:
    if value is None:
        return "(not sent)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def tally(facts: dict[str, dict[str, Any]], role: str, seen: dict[str, list[str]], events: list[history.Event]) -> None:
    """Add one request's values and history changes to a version's counters."""
    counters = facts.setdefault(_COUNTERS, {})
    for dimension, values in seen.items():
        key = f"{role}: {dimension}"
        counts = dict(counters.get(key, {}))
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        counters[key] = dict(sorted(counts.items()))
    key = f"{role}: {EVENTS}"
    counts = dict(counters.get(key, {}))
    for kind, n in history.counts(events).items():
        counts[kind] = counts.get(kind, 0) + n
    counters[key] = dict(sorted(counts.items()))
    if events:
        facts.setdefault("history", {})[f"{role}: {LATEST}"] = [str(e) for e in events]


@dataclass
class Recorded:
    """One version's recorded sessions: per role, each dimension's distribution and the history changes."""

    version: str
    roles: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    latest: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{self.version}"]
        for role, dimensions in sorted(self.roles.items()):
            requests = sum(dimensions.get("model", {}).values())
            out.append(f"  {role}: {requests} request{'s' * (requests != 1)}")
            for dimension in (*DIMENSIONS, EVENTS):
                counts = dimensions.get(dimension)
                if counts:
                    out.append(f"    {dimension}: " + ", ".join(f"{v} ×{n}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
            for line in self.latest.get(role, []):
                out.append(f"    latest change: {line}")
        return out


def recorded(store: Store, target: str, version: str | None = None) -> list[Recorded]:
    """Every version with recorded sessions (or only `version`), oldest first."""
    rows = [r for r in store.snapshots(target, source=SOURCE) if version is None or r.version == version]
    if not rows:
        which = f" for {version}" if version else ""
        command = "audit proxy" if target == targets.DEFAULT else f"audit --target {target} proxy"
        raise SessionsError(f"no recorded sessions{which}; record some with `{command}`")
    out = []
    for row in sorted(rows, key=lambda r: versions_.parse(r.version)):
        facts = store.facts(row.id)
        summary = Recorded(row.version)
        for key, counts in facts.get(_COUNTERS, {}).items():
            role, _, dimension = key.partition(": ")
            summary.roles.setdefault(role, {})[dimension] = dict(counts) if isinstance(counts, dict) else {}
        for key, lines in facts.get("history", {}).items():
            summary.latest[key.partition(": ")[0]] = [str(line) for line in lines] if isinstance(lines, list) else []
        out.append(summary)
    return out


def comparable(proxy: dict[str, dict[str, Any]], sessions: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A version's recorded facts without what only says how much was recorded: counters become the sorted
    values seen, request counts go, and so does the history of the latest request (its kinds of changes stay)."""
    facts = {kind: dict(entries) for kind, entries in proxy.items()}
    capture = facts.setdefault(_COUNTERS, {})
    for key in [k for k in capture if k.endswith(_COUNTS)]:
        del capture[key]
    for key, counts in sessions.get(_COUNTERS, {}).items():
        capture[f"{key} seen"] = sorted(counts)
    facts.pop("history", None)  # the shape of one latest request: how far its session had got, not the version
    return facts


def diff_recorded(store: Store, target: str, low: str, high: str) -> DiffReport:
    """Two versions (and every recorded version between them) compared on recorded traffic."""
    rows = {r.version: r for r in store.snapshots(target, source=RECORDED)}
    sessions = {r.version: r for r in store.snapshots(target, source=SOURCE)}
    for version in (low, high):
        if version not in rows:
            raise SessionsError(f"no recorded traffic of {version}; recorded: {', '.join(versions_.sort(rows)) or 'none'}")
    chosen = versions_.between(rows, low, high)
    series = [(v, comparable(store.facts(rows[v].id), store.facts(sessions[v].id) if v in sessions else {})) for v in chosen]
    return DiffReport(target=target, platform=PLATFORM, from_version=chosen[0], to_version=chosen[-1], versions=chosen,
                      changes=diff_range(series, scenario="proxy"), scenarios=["proxy"],
                      notes=["recorded traffic (audit proxy): per-session counters and ids left out; not judged against the changelog"])


__all__ = ["DIMENSIONS", "SOURCE", "Recorded", "SessionsError", "comparable", "diff_recorded", "observe", "recorded", "tally"]
