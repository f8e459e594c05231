"""Fit the judge's change ↔ entry match on the labelled ranges, with leave-one-range-out cross-validation.

Record linkage (Fellegi–Sunter, as Splink and dedupe practise it): every change the judge weighs is
paired with each entry of its window that shares something with it (`judge.Pair`, features in
`judge.FEATURES`); a pair is a match when the range's labels say that entry documents that change. A
logistic regression with an L2 penalty gives the probability that an entry describes the change.

    export AUDITOR_CHANGELOG=/work/shared/data/claude-code-changelog.bundle
    .venv/bin/python benchmarks/fit_judge.py --db /tmp/me.db [--per-release] [--write /tmp/linkage.json]

For each range held out in turn, the model is fitted on the others and scored on it, beside the judge's
hand-made rule on the very same pairs (same run): per labelled real change, whether the verdict is
right where an entry describes the change (the entry found), and where none does (none found); pooled
over the held-out folds. The threshold is chosen on the pooled held-out predictions; the reliability
table shows how the probabilities hold. `--write` saves the model fitted on every range.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_judge

from auditor.judge.features import FEATURES

L2 = 1.0  # the penalty on the weights (not the intercept): a few hundred pairs, a dozen features


@dataclass(frozen=True)
class Row:
    """One change–entry pair with its label: `change` identifies the labelled change within its range."""

    range: str
    change: tuple[str, str, str | None]
    features: tuple[float, ...]
    match: bool
    hand: bool  # the judge's hand-made rule said it mentions the change
    describes: bool  # the labels say some entry documents this change


def rows_of(pairs: Sequence, labels: eval_judge.RangeLabels) -> list[Row]:
    """The pairs whose change the labels call real, each a match when its entry is one the label names
    (documented/partial); changes labelled documented without naming the entry are left out."""
    out = []
    for pair in pairs:
        label = eval_judge.label_of(pair.change, labels.changes)
        if label is None or not label.real:
            continue
        describes = label.verdicts[0] in eval_judge.DESCRIBED
        if describes and not label.entries:
            continue
        match = describes and any(eval_judge._norm(e) in eval_judge._norm(pair.entry) for e in label.entries)
        key = (pair.change.kind, pair.change.key, pair.change.scenario)
        out.append(Row(labels.name, key, pair.features, match, pair.mentions, describes))
    return out


def fit(x: numpy.ndarray, y: numpy.ndarray, l2: float = L2) -> numpy.ndarray:
    """Logistic regression by Newton's method; the last weight is the intercept (not penalised)."""
    x = numpy.hstack([x, numpy.ones((len(x), 1))])
    w = numpy.zeros(x.shape[1])
    penalty = numpy.full(x.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + numpy.exp(-x @ w))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x.T * (p * (1 - p))) @ x + numpy.diag(penalty) + 1e-9 * numpy.eye(x.shape[1])
        step = numpy.linalg.solve(hessian, gradient)
        w -= step
        if float(numpy.abs(step).max()) < 1e-8:
            break
    return w


def predict(w: numpy.ndarray, x: numpy.ndarray) -> numpy.ndarray:
    return 1 / (1 + numpy.exp(-(x @ w[:-1] + w[-1])))


def verdicts(rows: Sequence[Row], said: Sequence[bool]) -> tuple[int, int, int, int]:
    """Per labelled change: (described and its entry found, described, not described and nothing found,
    not described). `said[i]`: whether the decision calls row i's entry a mention."""
    by_change: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        by_change.setdefault((row.range, row.change), []).append(i)
    found = described = quiet = undescribed = 0
    for members in by_change.values():
        if rows[members[0]].describes:
            described += 1
            found += any(said[i] and rows[i].match for i in members)
        else:
            undescribed += 1
            quiet += not any(said[i] for i in members)
    return found, described, quiet, undescribed


def reliability(p: numpy.ndarray, y: numpy.ndarray) -> list[str]:
    """Predicted probability against the share of matches, by tenth; and the Brier score."""
    lines = [f"Brier score {float(numpy.mean((p - y) ** 2)):.3f} over {len(p)} held-out pairs", "tenth      pairs  mean p  share matched"]
    for k in range(10):
        inside = (p >= k / 10) & ((p < (k + 1) / 10) | (k == 9))
        if inside.any():
            lines.append(f"{k / 10:.1f}–{(k + 1) / 10:.1f}  {int(inside.sum()):6d}  {float(p[inside].mean()):6.2f}  {float(y[inside].mean()):6.2f}")
    return lines


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "—"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a COPY of a store holding the labelled ranges")
    parser.add_argument("--changelog", default=os.environ.get("AUDITOR_CHANGELOG"), help="changelog source (default: $AUDITOR_CHANGELOG)")
    parser.add_argument("--labels", type=Path, default=eval_judge.LABELS)
    parser.add_argument("--per-release", action="store_true", help="pairs from release-by-release judging too (as the Action judges)")
    parser.add_argument("--write", type=Path, help="save the model fitted on every range here (JSON)")
    args = parser.parse_args(argv)
    if not args.changelog:
        parser.error("name the changelog with --changelog or $AUDITOR_CHANGELOG")
    ranges = [eval_judge.load_labels(path) for path in sorted(args.labels.glob("*.toml"))]
    rows = _rows(args, ranges)
    names = [r.name for r in ranges]
    x = numpy.array([r.features for r in rows], dtype=float)
    y = numpy.array([r.match for r in rows], dtype=float)
    held = numpy.zeros(len(rows))
    for name in names:
        out = numpy.array([r.range == name for r in rows])
        if out.all() or not out.any():
            continue
        held[out] = predict(fit(x[~out], y[~out]), x[out])
    threshold = max((t / 100 for t in range(5, 96)), key=lambda t: sum(verdicts(rows, list(held >= t))[::2]))
    print(f"{len(rows)} pairs of {len({(r.range, r.change) for r in rows})} labelled real changes in {len(names)} ranges; threshold {threshold:.2f} (pooled held-out)")
    print(f"{'range':22} {'described: entry found':>28} {'not described: none found':>28}")
    for name in [*names, "pooled"]:
        part = [i for i, r in enumerate(rows) if name == "pooled" or r.range == name]
        sub = [rows[i] for i in part]
        hand = verdicts(sub, [rows[i].hand for i in part])
        model = verdicts(sub, [bool(held[i] >= threshold) for i in part])
        print(f"{name:22} hand {_pct(hand[0], hand[1]):>12} model {_pct(model[0], model[1]):>12}   hand {_pct(hand[2], hand[3]):>12} model {_pct(model[2], model[3]):>12}")
    print("\n".join(reliability(held, y)))
    w = fit(x, y)
    print("weights (fitted on every range):")
    for name, weight in zip([*FEATURES, "intercept"], w, strict=True):
        print(f"  {name:18} {weight:+.2f}")
    if args.write:
        doc = {"features": list(FEATURES), "weights": [round(float(v), 4) for v in w[:-1]], "intercept": round(float(w[-1]), 4),
               "threshold": threshold, "l2": L2, "ranges": names, "pairs": len(rows)}
        args.write.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


def _rows(args: argparse.Namespace, ranges: Sequence[eval_judge.RangeLabels]) -> list[Row]:
    """The pairs the judge weighs over each labelled range (and release by release with --per-release)."""
    from auditor import audit, honoured, judgements
    from auditor import judge as judging
    from auditor.capture import load_scenarios
    from auditor.changelog import window

    out: list[Row] = []
    with eval_judge.opened(args.db, args.changelog) as (collector, (changelog, loaded, _)):
        published = audit.release_times(collector, changelog)
        unjudged = window.beyond(published, changelog)
        scenarios = load_scenarios(None, list(eval_judge.DEFAULT_SCENARIOS))
        for labels in ranges:
            versions = collector.range(labels.low, labels.high)
            spans = [(labels.low, labels.high)] + (list(itertools.pairwise(versions)) if args.per_release else [])
            for low, high in spans:
                report = audit.diff_versions(collector, low, high, scenarios)
                _, judged = honoured.split(report.changes)
                trace: list[judging.Pair] = []
                sent = judgements.sent(collector.store, audit.heard(collector, report))
                judging.judge(judged, changelog.releases, loaded, published, changelog.history, versions=report.versions, heard=sent,
                              unjudged=unjudged, trace=trace, vocabulary=collector.target.vocabulary)
                out += rows_of(trace, labels)
    return out

if __name__ == "__main__":
    sys.exit(main())
