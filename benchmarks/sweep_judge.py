"""Choose each of the judge's hand-set numbers by leave-one-range-out cross-validation on the labels.

    export AUDITOR_CHANGELOG=/work/shared/data/claude-code-changelog.bundle
    .venv/bin/python benchmarks/sweep_judge.py --db /tmp/me.db [--per-release] \\
        [--param RETRIEVED=0.2,0.3,0.4] [--param _COMMON=4,8,16] …

For every candidate value of a parameter (the others as shipped), every labelled range is judged as
eval_judge judges it (every default scenario; with --per-release release by release) and scored: the
verdicts right over real high/medium findings plus the entries recalled. For each range held out in
turn the value best on the other ranges is chosen and the held-out range scored with it; the pooled
held-out score is what that parameter's choice is worth on ranges it was not chosen on. The shipped
value is marked; a parameter whose held-out choice differs from it should move.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_judge

# The judge's hand-set numbers: where each lives (every module that imported it by name is patched).
PARAMS = {
    "RETRIEVED": "near rank: the share of an entry's BM25 weight the changed sentences must match",
    "RETRIEVED_ALONE": "a rank so near that retrieval alone names the change",
    "_COMMON": "entries: a name spelled in more of them singles out no change",
    "_HEAD": "letters: the shortest first word of a name that names it",
    "TOP": "retrieval: an entry must be among this many best of the whole changelog for a change's words",
    "_MESSAGE": "sentences: a text added or removed whole this short is about the names it spells (0: none is)",
}
DEFAULTS = {"RETRIEVED": "0.2,0.25,0.3,0.35,0.4", "RETRIEVED_ALONE": "0.6,0.7,0.8,0.9", "_COMMON": "4,6,8,12,16", "_HEAD": "3,4,5,6", "TOP": "3,5,8,12", "_MESSAGE": "0,1,2,3,5"}


@contextmanager
def patched(name: str, value: float) -> Iterator[None]:
    modules = [m for m in _modules() if hasattr(m, name)]
    saved = [getattr(m, name) for m in modules]
    for m in modules:
        setattr(m, name, type(saved[0])(value))
    try:
        yield
    finally:
        for m, old in zip(modules, saved, strict=True):
            setattr(m, name, old)


def _modules() -> tuple:
    """The modules a parameter may live in (or be imported into by name)."""
    from auditor import judge, retrieval
    from auditor.judge import features, index, severity

    return (judge, features, index, severity, retrieval)


def _inputs(collector, changelog, ranges: Sequence[eval_judge.RangeLabels], per_release: bool) -> dict[str, list[tuple]]:
    """Per range, what judging each span needs (computed once: only the judge runs per candidate)."""
    from auditor import audit, honoured, judgements
    from auditor.capture import load_scenarios

    scenarios = load_scenarios(None, list(eval_judge.DEFAULT_SCENARIOS))
    out: dict[str, list[tuple]] = {}
    for labels in ranges:
        versions = collector.range(labels.low, labels.high)
        spans = list(itertools.pairwise(versions)) if per_release else [(labels.low, labels.high)]
        out[labels.name] = []
        for low, high in spans:
            report = audit.diff_versions(collector, low, high, scenarios)
            kept, judged = honoured.split(report.changes)  # as audit.assess splits them
            sent = judgements.sent(collector.store, audit.heard(collector, report))
            out[labels.name].append((judged, report.versions, sent, kept))
    return out


def _score(inputs: list[tuple], labels: eval_judge.RangeLabels, changelog, rules, published, unjudged, vocabulary) -> int:
    from auditor import honoured
    from auditor import judge as judging

    findings = []
    for judged, versions, sent, kept in inputs:
        findings += judging.judge(judged, changelog.releases, rules, published, changelog.history, versions=versions, heard=sent,
                                  unjudged=unjudged, vocabulary=vocabulary)
        findings += honoured.findings(kept, changelog.releases, published, changelog.history, unjudged)
    result = eval_judge.score(findings, labels)
    return result.verdict_right + result.recalled


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a COPY of a store holding the labelled ranges")
    parser.add_argument("--changelog", default=os.environ.get("AUDITOR_CHANGELOG"))
    parser.add_argument("--labels", type=Path, default=eval_judge.LABELS)
    parser.add_argument("--per-release", action="store_true")
    parser.add_argument("--param", action="append", help="NAME=v1,v2,… (default: each of " + ", ".join(PARAMS) + ")")
    args = parser.parse_args(argv)
    if not args.changelog:
        parser.error("name the changelog with --changelog or $AUDITOR_CHANGELOG")
    grid = dict(p.split("=", 1) for p in args.param) if args.param else DEFAULTS
    if set(grid) - set(PARAMS):
        parser.error(f"unknown parameters {sorted(set(grid) - set(PARAMS))}; known: {', '.join(PARAMS)}")
    ranges = [eval_judge.load_labels(path) for path in sorted(args.labels.glob("*.toml"))]
    from auditor import audit
    from auditor.changelog import window

    with eval_judge.opened(args.db, args.changelog) as (collector, (changelog, rules, _)):
        published = audit.release_times(collector, changelog)
        unjudged = window.beyond(published, changelog)
        inputs = _inputs(collector, changelog, ranges, args.per_release)
        vocabulary = collector.target.vocabulary
        for name, values in grid.items():
            shipped = next(getattr(m, name) for m in _modules() if hasattr(m, name))
            candidates = [float(v) for v in values.split(",")]
            table: dict[float, dict[str, int]] = {}
            for value in candidates:
                with patched(name, value):
                    table[value] = {r.name: _score(inputs[r.name], r, changelog, rules, published, unjudged, vocabulary) for r in ranges}
            held = 0
            chosen = []
            for r in ranges:
                best = max(candidates, key=lambda v: (sum(s for n, s in table[v].items() if n != r.name), v == shipped))
                chosen.append(best)
                held += table[best][r.name]
            print(f"{name} ({PARAMS[name]}); shipped {shipped}")
            for value in candidates:
                mark = " (shipped)" if value == shipped else ""
                print(f"  {value:g}: {sum(table[value].values())} right+recalled over all ranges{mark}")
            print(f"  leave-one-range-out: chosen {', '.join(f'{v:g}' for v in chosen)}; held-out total {held}"
                  f" (the shipped value's: {sum(table[shipped].values()) if shipped in table else '—'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
