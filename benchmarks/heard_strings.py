"""Prompt strings no captured request holds, and how many a set of scenarios now hears.

    .venv/bin/python benchmarks/heard_strings.py --db NEW.db 2.1.121 2.1.140 \\
        [--baseline-db OLD.db] [--baseline print-default,print-opus,…] [--scenario agents,skills,compact,…] [-v]

The judge grades a changed prompt string or embedded document low when no captured run of its range sent
it (severity.Heard): UI, telemetry or documentation text. Strings only a subagent, a skill or compaction
sends are graded low the same way until a scenario makes the CLI send them. This counts the range's
string/document changes that the baseline's captures (its store and scenarios: what users got before)
do not hold, then how many of them the new scenarios' captures (in --db, with their own defaults) hold.
Both stores must hold the range's captures (run `audit diff LOW HIGH` on each first); nothing is collected here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from auditor import audit, judgements, targets
from auditor.collector import CAPTURE, STATIC
from auditor.diff import diff_refs
from auditor.judge.severity import _UNHEARD, Heard
from auditor.store import Store
from auditor.versions import between

TARGET, PLATFORM = "claude-code", "linux-x64"


def sent(store: Store, versions: list[str], scenarios: list[str]) -> Heard:
    """What the scenarios' stored captures of these releases sent the model (whatever their capture format),
    read as the judge reads it (judgements.sent)."""
    refs: set[int] = set()
    for version in versions:
        for scenario in scenarios:
            row = store.find(TARGET, version, PLATFORM, CAPTURE + scenario)
            if row is not None:
                refs.update(ref for column in store.fact_refs(row.id, audit.SENT).values() for ref in column.values())
    return judgements.sent(store, sorted(refs)) or Heard([])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("low")
    parser.add_argument("high")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--baseline-db", type=Path)
    parser.add_argument("--baseline", default="print-default,print-opus,two-turn,interactive,plan-pro,plan-max")
    parser.add_argument("--scenario", default=",".join(targets.get("claude-code").default_scenarios))
    parser.add_argument("-v", "--verbose", action="store_true")
    opts = parser.parse_args()
    new_store = Store.open(opts.db)
    old_store = Store.open(opts.baseline_db) if opts.baseline_db else new_store
    rows = {row.version: row for row in new_store.snapshots(TARGET, STATIC)}
    versions = between(list(rows), opts.low, opts.high)
    changes = [c for c in diff_refs(((v, new_store.fact_refs(rows[v].id)) for v in versions), new_store.values()) if c.kind in _UNHEARD]
    before = sent(old_store, versions, opts.baseline.split(","))
    after = sent(new_store, versions, opts.scenario.split(","))

    def heard(change, by: Heard) -> bool:
        return any(isinstance(v, str) and by.holds(v) for v in (change.before, change.after))

    unheard = [c for c in changes if not heard(c, before)]
    now = [c for c in unheard if heard(c, after)]
    print(f"{opts.low}..{opts.high}: {len(changes)} prompt-string/document changes; {len(unheard)} unheard by the baseline's captures; "
          f"{len(now)} of those now heard ({len(now) / max(1, len(unheard)):.0%})")
    for change in now if opts.verbose else []:
        text = change.after if isinstance(change.after, str) else change.before
        print(f"  {change.status:8} {change.kind:8} {' '.join(str(text).split())[:110]}")


if __name__ == "__main__":
    main()
