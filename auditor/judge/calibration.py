"""A finding's confidence as a probability: the share of verdicts that were right, on the labelled
ranges, among findings whose verdict rests on the same basis (its verdict, how its rule matched, what
the entries said). The counts are fitted by `benchmarks/eval_judge.py --holdout --write-calibration
auditor/judge/calibration.json`, run once for ranges and once `--per-release` (as the Action judges),
and ship beside the judge as data; held out range by range, the same counting is what eval_judge's
leave-one-range-out reliability table measures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from ..errors import AuditorError

PRIOR = 25
"""Findings' worth of the share right of the findings a basis belongs to (its verdict; then its verdict and whose
notes, own or a neighbour's) that a basis starts from. Chosen held out range by range, every way of judging
pooled (`benchmarks/eval_judge.py --pooled … --choose-prior`), among 2–60: the fewest tenths of stated confidence
holding 10 findings off the share right by more than 10 points, then the lowest Brier (25 and 30 leave none off,
20 two, 35 one; their Brier differs in the fourth decimal). Chosen nested — each range's findings given the
prior chosen on the other ranges — the held-out tables leave none off either, though the prior chosen swings
from 2 to 60 from range to range: not a sharp optimum."""


@dataclass(frozen=True)
class Calibration:
    by_basis: dict[str, tuple[int, int]]  # basis key → (right, findings)
    fitted_on: tuple[str, ...] = ()  # the labelled ranges counted
    prior: int = PRIOR

    def probability(self, key: str) -> tuple[float, str]:
        """(probability the verdict is right, how it was counted): the share right of the findings with the key's
        first part (its verdict), Laplace-smoothed; then of those with its first two parts, counted from `prior`
        findings' worth of that; and so on to the basis. A basis of few findings, whose share swings from range
        to range, says little more than its group does; one of many speaks for itself."""
        parts = key.split("|")
        p, said = 0.5, []
        for depth in range(1, len(parts) + 1):
            group = [counts for k, counts in self.by_basis.items() if k.split("|")[:depth] == parts[:depth]]
            right, total = sum(r for r, _ in group), sum(t for _, t in group)
            p = (right + 1) / (total + 2) if depth == 1 else (right + self.prior * p) / (total + self.prior)
            said.append(f"{right} of {total} " + ("with this basis" if depth == len(parts) else "/".join(parts[:depth])))
        return round(p, 2), ", ".join(reversed(said)) + " right on labelled ranges"

    @classmethod
    def parse(cls, doc: Any) -> Calibration:
        """A table, or (as shipped) one per way of judging — ranges at once, release by release as the
        Action does — whose counts add up."""
        try:
            if "by_mode" in doc:
                parts = [cls.parse(part) for part in doc["by_mode"].values()]
                table: dict[str, tuple[int, int]] = {}
                for part in parts:
                    for key, (r, t) in part.by_basis.items():
                        table[key] = (table.get(key, (0, 0))[0] + r, table.get(key, (0, 0))[1] + t)
                return cls(table, tuple(sorted({name for part in parts for name in part.fitted_on})))
            table = {str(k): (int(v[0]), int(v[1])) for k, v in doc["by_basis"].items()}
            if any(not 0 <= r <= t for r, t in table.values()):
                raise ValueError("a count right exceeds its findings")
            return cls(table, tuple(str(r) for r in doc.get("fitted_on", ())))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise AuditorError(f"judge calibration table is malformed: {exc}") from None

    def as_json(self) -> dict[str, Any]:
        return {"fitted_on": list(self.fitted_on), "by_basis": {k: list(v) for k, v in sorted(self.by_basis.items())}}


@cache
def shipped() -> Calibration:
    """The table fitted on every labelled range, shipped with the package."""
    return Calibration.parse(json.loads(files(__package__).joinpath("calibration.json").read_text()))
