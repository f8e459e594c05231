"""How right the judge is, measured on labelled ranges: precision of high/medium findings, verdict
accuracy, recall of the changelog entries that describe a model-relevant change (issue 8).

    export AUDITOR_CHANGELOG=/work/shared/data/claude-code-changelog.bundle
    cp /work/data/r2.db /tmp/me.db      # diff saves its judgement in the store: use a copy
    .venv/bin/python benchmarks/eval_judge.py --db /tmp/me.db [--verbose] [--json] [--range 2.1.121-2.1.140]
        [--holdout]  [--skeleton]  [--per-release]

Each range is judged as `audit diff A B` judges it (the store's captures of every default scenario,
`--scenario` to change; the shipped rules; the changelog of --changelog or $AUDITOR_CHANGELOG), or with
--per-release as the Action judges it (each release against the one before, findings pooled), then its findings are scored
against tests/eval/<A>-<B>.toml. Ranges whose file says `split = "holdout"` (releases after 2.1.140,
kept for the generalisation check: never tune on them) are measured only with --holdout, and are not
part of the tuning total.

Label files (TOML, one per range; see the header of each file for the reasoning conventions):

    from = "2.1.121"
    to = "2.1.140"
    split = "tuning"                    # or "holdout"

    [[change]]                          # what a change found in the range is
    kind = "env"                        # the change's kind (required)
    key = "CLAUDE_CODE_FOO"             # exact key; or key_re = "regex" (re.search); digest keys are not
                                        # stable across extraction changes, so for those give text instead:
    text = "some words"                 # for strings / request code, a substring of its before or after text
                                        # (runs of whitespace count as one space)
    status = "added"                    # optional: added / removed / changed / transient
    scenario = "print-opus"             # optional: only the change seen in this capture scenario
    version = "2.1.166"                 # optional: only a change that moved in this release (of several)
    real = true                         # reaches the model / a user would notice it; false: noise
    verdict = "documented"              # for real ones: documented / partial / undocumented; a list when
                                        # two are defensible (the first is the preferred one)
    entry = "Added `FOO`"               # for documented / partial: a substring of the entry that says so
                                        # (a list: any of them)
    note = "why, where not obvious"

    [[entry]]                           # a changelog entry of the range that describes a model-relevant change
    version = "2.1.133"
    text = "Added `worktree.baseRef`"   # a substring of the entry (checked against the changelog)
    changes = [{ kind = "tool", key = "EnterWorktree" }]   # the changes that show it (same fields as above)
    unobservable = true                 # instead of changes: no release fact could show it (not counted)
    note = "..."

Scoring (pure functions below, tested in tests/test_eval_judge.py):
- A finding's labels are those of its changes; the first [[change]] whose fields all match a change
  labels it (so specific labels go first, generic ones last). A change the diff renamed or moved
  between kinds also matches the labels of its former kind and key. A high/medium finding none of
  whose changes is labelled is *unlabelled*: counted and listed, never silently scored. Findings
  about the changelog itself (no changes) are left out. A label that matches no change of the range
  is *stale* (counted, listed with -v): a key that moved, or a forward label for a regrouped diff.
- Precision: high/medium findings with a real change / labelled high/medium findings (high alone too).
- Verdict accuracy, over real high/medium findings: the finding's verdict equals the expected one
  (all its real changes' verdicts; documented mixed with undocumented expects partial), and when the
  label names the entry, the finding cites it. "Described": those expecting documented or partial.
  A finding whose label names entries none of which lies in a window of the releases its changes moved
  in is not scored for its verdict (`beyond`, listed): the judge may use only those windows, and a
  range's label applied release by release to a later edit of the same text says nothing of that step.
- Recall, over entries that are not unobservable: some high/medium finding has a change matching the
  entry's changes, gives documented or partial, and cites the entry. An entry whose showing findings'
  windows all lie outside its release (a label tying a behaviour to edits shipped releases away) is
  counted apart (`recall_beyond`), as such a verdict is: the judge may not cite it. "Observed" only asks for a
  finding of any severity with a matching change (the fact is there, whatever the verdict).
- Calibration: each run prints the reliability of the confidences stated, and held out (each range's
  findings against a table counted on the other ranges) for this way of judging alone. The shipped table
  pools both ways, so the figure that speaks for it pools them too: write each run's findings with
  `--write-keyed`, then `eval_judge.py --pooled range.json release.json` (judges nothing).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import os
import re
import sys
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from auditor import targets

DEFAULT_SCENARIOS = targets.get("claude-code").default_scenarios  # the labelled ranges are Claude Code's

LABELS = Path(__file__).resolve().parent.parent / "tests" / "eval"
HIGH_MEDIUM = ("high", "medium")
VERDICTS = ("documented", "partial", "undocumented")
DESCRIBED = ("documented", "partial")
_MATCH_FIELDS = ("kind", "key", "key_re", "text", "status", "scenario", "version")


class LabelError(Exception):
    """A label file that cannot be read as labels: a usage error."""


# ------------------------------------------------------------------------------------------ labels


@dataclass(frozen=True)
class Match:
    """Which changes a label is about: every field given must agree with the change."""

    kind: str
    key: str | None = None
    key_re: str | None = None
    text: str | None = None
    status: str | None = None
    scenario: str | None = None
    version: str | None = None  # a release the change moved in: one step of a text edited in several

    def __str__(self) -> str:
        parts = [f"{name}={value!r}" for name, value in asdict(self).items() if value is not None and name != "kind"]
        return f"{self.kind}({', '.join(parts)})"


@dataclass(frozen=True)
class ChangeLabel:
    match: Match
    real: bool
    verdicts: tuple[str, ...] = ()  # acceptable verdicts, the preferred first; none for noise
    entries: tuple[str, ...] = ()  # substrings of the entries that document it
    note: str = ""


@dataclass(frozen=True)
class EntryLabel:
    version: str
    text: str
    changes: tuple[Match, ...] = ()
    unobservable: bool = False
    note: str = ""


@dataclass(frozen=True)
class RangeLabels:
    low: str
    high: str
    split: str
    changes: tuple[ChangeLabel, ...]
    entries: tuple[EntryLabel, ...]

    @property
    def name(self) -> str:
        return f"{self.low}-{self.high}"


def _match(data: Any, where: str) -> Match:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise LabelError(f"{where}: a change matcher needs a kind")
    unknown = set(data) - set(_MATCH_FIELDS)
    if unknown:
        raise LabelError(f"{where}: unknown matcher fields {sorted(unknown)}")
    if not any(data.get(name) for name in ("key", "key_re", "text")):
        raise LabelError(f"{where}: give key, key_re or text")
    if data.get("key_re"):
        try:
            re.compile(data["key_re"])
        except re.error as exc:
            raise LabelError(f"{where}: key_re {data['key_re']!r}: {exc}") from None
    return Match(data["kind"], data.get("key"), data.get("key_re"), data.get("text"), data.get("status"), data.get("scenario"), data.get("version"))


def parse_labels(data: dict[str, Any], where: str = "labels") -> RangeLabels:
    """Labels from a parsed TOML document; LabelError names the first thing wrong."""
    try:
        low, high = str(data["from"]), str(data["to"])
    except KeyError as exc:
        raise LabelError(f"{where}: missing {exc.args[0]!r}") from None
    split = data.get("split", "tuning")
    if split not in ("tuning", "holdout"):
        raise LabelError(f"{where}: split must be tuning or holdout, not {split!r}")
    changes = []
    for i, item in enumerate(data.get("change", [])):
        at = f"{where}: change {i + 1}"
        match = _match({k: v for k, v in item.items() if k in _MATCH_FIELDS}, at)
        extra = set(item) - set(_MATCH_FIELDS) - {"real", "verdict", "entry", "note"}
        if extra:
            raise LabelError(f"{at}: unknown fields {sorted(extra)}")
        if not isinstance(item.get("real"), bool):
            raise LabelError(f"{at} ({match}): real must be true or false")
        verdicts = _strings(item.get("verdict"))
        if item["real"] and (not verdicts or not set(verdicts) <= set(VERDICTS)):
            raise LabelError(f"{at} ({match}): a real change needs a verdict in {VERDICTS}")
        named = _strings(item.get("entry"))
        if set(verdicts) & set(DESCRIBED) and not named:
            raise LabelError(f"{at} ({match}): a documented or partial change names its entry")
        changes.append(ChangeLabel(match, item["real"], verdicts if item["real"] else (), named, item.get("note", "")))
    entries = []
    for i, item in enumerate(data.get("entry", [])):
        at = f"{where}: entry {i + 1}"
        if not item.get("version") or not item.get("text"):
            raise LabelError(f"{at}: needs version and text")
        matches = tuple(_match(m, at) for m in item.get("changes", []))
        unobservable = bool(item.get("unobservable", False))
        if unobservable == bool(matches):
            raise LabelError(f"{at} ({item['text'][:40]!r}): give either changes or unobservable = true")
        entries.append(EntryLabel(str(item["version"]), item["text"], matches, unobservable, item.get("note", "")))
    return RangeLabels(low, high, split, tuple(changes), tuple(entries))


def _strings(value: Any) -> tuple[str, ...]:
    """A TOML string or list of strings as a tuple (empty when absent)."""
    if value is None or value == "":
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def load_labels(path: Path) -> RangeLabels:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabelError(f"{path}: {exc}") from None
    return parse_labels(data, str(path))


# ------------------------------------------------------------------------------------------ matching


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def matches(match: Match, change: Any) -> bool:
    """Whether a change (anything with kind, key, status, scenario, before, after) is the one meant. A
    change renamed or moved between kinds (its `former` kind and key, where the diff records one)
    matches a label of its old name too."""
    names = [(change.kind, change.key)]
    if former := getattr(change, "former", None):
        names.append(tuple(former))
    if not any(_names(match, kind, key) for kind, key in names):
        return False
    if match.status is not None and change.status != match.status:
        return False
    if match.scenario is not None and change.scenario != match.scenario:
        return False
    if match.version is not None and match.version not in change.moved:
        return False
    if match.text is not None:
        want = _spaced(match.text)
        return any(want in _spaced(_text(value)) for value in (change.before, change.after) if value is not None)
    return True


@functools.lru_cache(maxsize=4096)
def _spaced(text: str) -> str:
    """Runs of whitespace as one space: label texts are written on one line, facts keep their newlines."""
    return " ".join(text.split())


def _names(match: Match, kind: str, key: str) -> bool:
    return kind == match.kind and (match.key is None or key == match.key) and (match.key_re is None or re.search(match.key_re, key) is not None)


def label_of(change: Any, labels: Sequence[ChangeLabel]) -> ChangeLabel | None:
    return next((label for label in labels if matches(label.match, change)), None)


def _norm(text: str) -> str:
    return " ".join(text.replace("`", "").split()).casefold()


def cites(finding: Any, entry_text: str) -> bool:
    """Whether the finding quotes the entry (the label holds a substring of it)."""
    want = _norm(entry_text)
    return any(want in _norm(ref.entry) for ref in finding.changelog_refs)


def expected_verdict(verdicts: Iterable[str]) -> str:
    """One verdict for a finding of several real changes: documented and undocumented together are partial."""
    found = set(verdicts)
    if len(found) == 1:
        return found.pop()
    return "partial" if found & set(DESCRIBED) else "undocumented"


def acceptable(real: Sequence[ChangeLabel]) -> tuple[str, set[str]]:
    """The preferred verdict of a finding of these real changes, and every verdict its labels allow."""
    preferred = expected_verdict(label.verdicts[0] for label in real)
    return preferred, {expected_verdict(combo) for combo in itertools.product(*(label.verdicts for label in real))}


# ------------------------------------------------------------------------------------------ scoring


@dataclass
class Score:
    """One range's (or the total's) counts; ratios are computed when printed."""

    findings: int = 0  # high/medium findings about changes
    unlabelled: int = 0
    labelled: int = 0
    real: int = 0
    high_labelled: int = 0
    high_real: int = 0
    verdict_total: int = 0
    verdict_right: int = 0
    described_total: int = 0
    described_right: int = 0
    entries: int = 0
    recalled: int = 0
    observed: int = 0
    unobservable: int = 0
    stale_labels: int = 0  # change labels no change of the range matches (a key that moved?)
    beyond: int = 0  # real findings whose labelled entries no window of theirs holds: their verdict is not scored
    recall_beyond: int = 0  # entries no window of the findings showing them holds: the judge may not cite them
    misses: list[str] = field(default_factory=list)
    stated: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, verdict right) of each real finding judged
    keyed: list[Keyed] = field(default_factory=list)  # (range, basis_key, verdict right): for calibrating

    def add(self, other: Score) -> None:
        for name, value in vars(other).items():
            if isinstance(value, list):
                getattr(self, name).extend(value)
            else:
                setattr(self, name, getattr(self, name) + value)

    def ratios(self) -> dict[str, float | None]:
        return {
            "precision": _ratio(self.real, self.labelled),
            "precision_high": _ratio(self.high_real, self.high_labelled),
            "verdict_accuracy": _ratio(self.verdict_right, self.verdict_total),
            "verdict_accuracy_described": _ratio(self.described_right, self.described_total),
            "recall": _ratio(self.recalled, self.entries),
            "observed_share": _ratio(self.observed, self.entries),
        }

    def line(self) -> str:
        return (
            f"{self.findings} high/medium findings ({self.unlabelled} unlabelled); "
            f"precision {_pct(self.real, self.labelled)}, high {_pct(self.high_real, self.high_labelled)}; "
            f"verdicts {_pct(self.verdict_right, self.verdict_total)}, where an entry describes the change "
            f"{_pct(self.described_right, self.described_total)}; "
            f"recall {_pct(self.recalled, self.entries)} (observed {_pct(self.observed, self.entries)}; "
            f"{self.unobservable} unobservable entries not counted, {self.recall_beyond} beyond the windows of the findings showing them); "
            f"{self.stale_labels} change labels matched nothing; "
            f"{self.beyond} verdicts not scored (the labelled entry is beyond the finding's windows)"
        )


def reliability(stated: Sequence[tuple[float, bool]]) -> list[str]:
    """Stated confidence against the share of verdicts right, by tenth (with the mean confidence stated in
    it), and the Brier score: whether a finding's confidence is a probability a reader can take at its word."""
    if not stated:
        return []
    brier = sum((p - right) ** 2 for p, right in stated) / len(stated)
    lines = [f"calibration: Brier score {brier:.3f} over {len(stated)} real high/medium findings", "  confidence  findings  right  stated"]
    for k in range(10):
        inside = [(p, right) for p, right in stated if k / 10 <= p < (k + 1) / 10 or (k == 9 and p == 1.0)]
        if inside:
            right_share, mean = sum(r for _, r in inside) / len(inside), sum(p for p, _ in inside) / len(inside)
            lines.append(f"  {k / 10:.1f}–{(k + 1) / 10:.1f}    {len(inside):8d}  {right_share:5.0%}  {mean:6.0%}")
    return lines


def basis_key(finding: Any) -> str:
    """What a finding's verdict rested on (the judge's `verdict.basis`): the key its confidence is counted under."""
    return str(finding.evidence.get("basis_key", finding.verdict))


Keyed = tuple[str, str, bool]  # (range, basis key, verdict right): one scored finding, for calibrating
PRIORS = (2, 5, 10, 15, 20, 25, 30, 35, 40, 50, 60)  # the calibration priors --choose-prior weighs


def calibration(keyed: Sequence[Keyed], prior: int | None = None) -> Any:
    """The judge's calibration table counted from scored findings: per basis, how many were right."""
    from auditor.judge.calibration import PRIOR, Calibration

    counts: dict[str, tuple[int, int]] = {}
    for _, key, right in keyed:
        r, t = counts.get(key, (0, 0))
        counts[key] = (r + right, t + 1)
    return Calibration(counts, tuple(sorted({r for r, _, _ in keyed})), PRIOR if prior is None else prior)


def held_out(
    ways: Mapping[str, Sequence[Keyed]], among: Collection[str], prior: int | None = None, priors: Mapping[str, int] | None = None,
) -> dict[str, list[tuple[float, bool]]]:
    """Each way of judging's findings of the ranges `among`, each with the probability of its basis in a
    table counted on the other ranges of `among`, every way pooled (the shipped table pools them), with
    `prior` (or each range's own from `priors`)."""
    out: dict[str, list[tuple[float, bool]]] = {way: [] for way in ways}
    for name in among:
        table = calibration([k for keyed in ways.values() for k in keyed if k[0] != name and k[0] in among], (priors or {}).get(name, prior))
        for way, keyed in ways.items():
            out[way] += [(table.probability(key)[0], right) for r, key, right in keyed if r == name]
    return out


def loro_calibration(keyed: Sequence[Keyed], pooled_with: Sequence[Keyed] = ()) -> list[str]:
    """The calibration measured leave-one-range-out: each range's findings get the probability of their
    basis in a table counted on the other ranges — of this way of judging, and of `pooled_with` (the other
    way's findings: the shipped table pools both, so that is the table a user's verdict gets). The Brier
    score and reliability of those held-out probabilities."""
    if not keyed:
        return []
    held = held_out({"this": keyed, "other": pooled_with}, {r for r, _, _ in (*keyed, *pooled_with)})["this"]
    return ["leave-one-range-out " + line for line in reliability(held)[:1]] + reliability(held)[1:]


def tenths_off(stated: Sequence[tuple[float, bool]]) -> int:
    """The tenths of stated confidence holding 10 findings or more whose share right is more than 10 points off."""
    tenths: dict[int, list[tuple[float, bool]]] = {}
    for p, right in stated:
        tenths.setdefault(min(int(p * 10), 9), []).append((p, right))
    return sum(len(v) >= 10 and abs(sum(r for _, r in v) - sum(p for p, _ in v)) > 0.1 * len(v) for v in tenths.values())


def _brier(stated: Sequence[tuple[float, bool]]) -> float:
    return sum((p - right) ** 2 for p, right in stated) / len(stated) if stated else 0.0


def prior_scores(ways: Mapping[str, Sequence[Keyed]], among: Collection[str]) -> dict[int, tuple[int, float]]:
    """Per calibration prior, held out range by range on `among`: (tenths off in every way, summed Brier)."""
    out = {}
    for prior in PRIORS:
        held = held_out(ways, among, prior)
        out[prior] = (sum(tenths_off(h) for h in held.values()), round(sum(_brier(h) for h in held.values()), 4))
    return out


def choose_prior(ways: Mapping[str, Sequence[Keyed]]) -> list[str]:
    """The calibration prior chosen held out (fewest tenths off, then lowest Brier), and the same choice
    nested: each range held out, the prior chosen on the others, its findings given the table of the others
    with that prior — whether the choosing, not only the value chosen, holds on a range it did not see."""
    ranges = sorted({r for keyed in ways.values() for r, _, _ in keyed})
    scores = prior_scores(ways, ranges)
    lines = ["prior  tenths off  Brier (summed over ways)", *(f"{p:5d}  {off:10d}  {b:.4f}" for p, (off, b) in scores.items())]
    lines.append(f"chosen: {min(scores, key=lambda p: scores[p])}")
    chosen = {}
    for name in ranges:
        inner = prior_scores(ways, [r for r in ranges if r != name])
        chosen[name] = min(inner, key=lambda p: inner[p])
    nested = held_out(ways, ranges, priors=chosen)
    lines.append("nested (chosen without the range held out): " + ", ".join(f"{name} {p}" for name, p in chosen.items()))
    for way, held in nested.items():
        lines += [f"{way} (nested):", *reliability(held)]
    return lines


def read_keyed(paths: Sequence[Path]) -> dict[str, list[Keyed]]:
    """`--write-keyed` files, by file name."""
    ways = {}
    for path in paths:
        try:
            ways[path.name] = [(str(r), str(k), bool(ok)) for r, k, ok in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError) as exc:  # unreadable, not JSON, or not a list of triples
            raise LabelError(f"{path}: not a --write-keyed file ({exc})") from None
    return ways


def pooled_reliability(paths: Sequence[Path]) -> list[str]:
    """For each way of judging's findings (`--write-keyed` files, range and release), the held-out
    reliability of the shipped table: counted on the other ranges of every way."""
    ways = read_keyed(paths)
    out = []
    for name, keyed in ways.items():
        others = [k for n, ks in ways.items() if n != name for k in ks]
        out += [f"{name} (the shipped table: every way of judging pooled):", *loro_calibration(keyed, others)]
    return out


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def _describe(finding: Any) -> str:
    keys = ", ".join(sorted({f"{c.kind}:{c.key}" for c in finding.changes}))[:120]
    return f"[{finding.severity}/{finding.verdict}] {finding.title[:90]} ({keys})"


def score(findings: Sequence[Any], labels: RangeLabels, knows: Callable[[Any, str], bool] | None = None) -> Score:
    """Precision, verdicts and recall of one range's findings against its labels. `knows(finding, entry)`:
    whether an entry the label names lies in a window of the releases the finding's changes moved in. A
    verdict uses only those (the changelog as it stood then): a label written for a range, applied release
    by release to a step whose window cannot hold its entry (a text edited again, later), says nothing
    of that step's verdict, which is then not scored (`beyond`); precision still counts it."""
    result = Score()
    used: set[int] = set()
    for finding in findings:
        if finding.severity not in HIGH_MEDIUM or not finding.changes:
            continue
        result.findings += 1
        found = [label for label in (label_of(c, labels.changes) for c in finding.changes) if label is not None]
        used.update(id(label) for label in found)
        if not found:
            result.unlabelled += 1
            result.misses.append(f"{labels.name} unlabelled: {_describe(finding)}")
            continue
        real = [label for label in found if label.real]
        high = finding.severity == "high"
        result.labelled += 1
        result.high_labelled += high
        if not real:
            result.misses.append(f"{labels.name} noise: {_describe(finding)}")
            continue
        result.real += 1
        result.high_real += high
        want, allowed = acceptable(real)
        named = [entry for label in real for entry in label.entries]
        if named and "undocumented" not in allowed and knows is not None and not any(knows(finding, e) for e in named):
            result.beyond += 1
            result.misses.append(f"{labels.name} beyond: {_describe(finding)}: its label cites {named[0][:60]!r}, in no window of its releases")
            continue
        right = finding.verdict in allowed and (finding.verdict == "undocumented" or not named or any(cites(finding, e) for e in named))
        result.verdict_total += 1
        result.verdict_right += right
        result.stated.append((finding.confidence, right))
        result.keyed.append((labels.name, basis_key(finding), right))
        if want in DESCRIBED:
            result.described_total += 1
            result.described_right += right
        if not right:
            why = f"want {'/'.join(sorted(allowed, key=VERDICTS.index))}" + (f" citing {named[0][:60]!r}" if named and want != "undocumented" else "")
            if finding.verdict != "undocumented" and finding.changelog_refs:  # what it took for a mention
                why += f"; cites {finding.changelog_refs[0].version} {finding.changelog_refs[0].entry[:60]!r}"
            result.misses.append(f"{labels.name} verdict: {_describe(finding)}: {why}")
    used.update(id(label) for f in findings for c in f.changes if (label := label_of(c, labels.changes)))
    stale = [label for label in labels.changes if id(label) not in used]
    result.stale_labels = len(stale)
    result.misses.extend(f"{labels.name} stale label: {label.match} matches no change" for label in stale)
    for entry in labels.entries:
        if entry.unobservable:
            result.unobservable += 1
            continue
        showing = [f for f in findings if any(matches(m, c) for m in entry.changes for c in f.changes)]
        if showing and knows is not None and not any(knows(f, entry.text) for f in showing):
            result.recall_beyond += 1  # the changes it tells of shipped outside its window: no verdict may cite it
            result.misses.append(f"{labels.name} recall beyond: {entry.version} {entry.text[:80]!r}: in no window of the findings showing it")
            continue
        result.entries += 1
        result.observed += bool(showing)
        if any(f.severity in HIGH_MEDIUM and f.verdict in DESCRIBED and cites(f, entry.text) for f in showing):
            result.recalled += 1
        else:
            state = "no finding shows it" if not showing else "shown as " + "; ".join(_describe(f) for f in showing[:2])
            result.misses.append(f"{labels.name} recall: {entry.version} {entry.text[:80]!r}: {state}")
    return result


def check_entries(labels: RangeLabels, entries_by_version: dict[str, list[str]]) -> list[str]:
    """Label texts that no changelog entry holds (a typo would silently lower recall)."""
    everything = [_norm(text) for texts in entries_by_version.values() for text in texts]
    wanted = [(e.version, e.text) for e in labels.entries] + [("", text) for c in labels.changes for text in c.entries]
    problems = []
    for version, text in wanted:
        pool = [_norm(t) for t in entries_by_version.get(version, [])] if version else everything
        if not any(_norm(text) in t for t in pool):
            problems.append(f"{labels.name}: no changelog entry{' of ' + version if version else ''} contains {text!r}")
    return problems


# ------------------------------------------------------------------------------------------ running


# What users get: `audit diff` and the Action capture these by default. The first three label files were
# made on the first four; changes only the plan-* scenarios see are unlabelled there (counted and listed with
# -v, never scored).


def judge_range(collector: Any, judging: Any, low: str, high: str, scenario_names: Sequence[str] = DEFAULT_SCENARIOS) -> list[Any]:
    """The findings `audit diff low high --scenario …` shows (captures from the store)."""
    from auditor import audit
    from auditor.capture import load_scenarios

    scenarios = load_scenarios(None, list(scenario_names))
    return list(audit.run(collector, low, high, scenarios, judging).findings)


def judge_releases(collector: Any, judging: Any, low: str, high: str, scenario_names: Sequence[str] = DEFAULT_SCENARIOS) -> list[Any]:
    """The findings of every release of low..high judged against the one before it, as the Action posts
    them (`audit diff prev V` for each V), pooled."""
    versions = collector.range(low, high)
    return [f for prev, version in itertools.pairwise(versions) for f in judge_range(collector, judging, prev, version, scenario_names)]


def skeleton(findings: Sequence[Any], labels: RangeLabels) -> str:
    """TOML stubs for the changes of unlabelled high/medium findings: where labelling starts."""
    out, seen = [], set()
    for finding in findings:
        if finding.severity not in HIGH_MEDIUM:
            continue
        for change in finding.changes:
            if label_of(change, labels.changes) or (change.kind, change.key) in seen:
                continue
            seen.add((change.kind, change.key))
            out.append(f"# [{finding.severity}/{finding.verdict}] {finding.title[:100]}")
            digest = change.kind in ("string", "request_code")
            key = f'text = {json.dumps(_text(change.after or change.before)[:60], ensure_ascii=False)}' if digest else f"key = {json.dumps(change.key, ensure_ascii=False)}"
            out.append(f'[[change]]\nkind = "{change.kind}"\n{key}\nreal = \nverdict = ""\n')
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a COPY of a store holding the ranges (judgements are saved in it)")
    parser.add_argument("--changelog", default=os.environ.get("AUDITOR_CHANGELOG"), help="changelog source (default: $AUDITOR_CHANGELOG)")
    parser.add_argument("--labels", type=Path, default=LABELS, help="folder of label files (default: tests/eval)")
    parser.add_argument("--range", dest="ranges", action="append", help="only this range (A-B, a label file's name); repeatable")
    parser.add_argument("--holdout", action="store_true", help="also measure the holdout ranges (later releases; do not tune on them)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss, one line each")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--scenario", dest="scenarios", action="append", help=f"capture scenario to judge with (default: {', '.join(DEFAULT_SCENARIOS)})")
    parser.add_argument("--per-release", action="store_true", help="judge release by release, as the Action does (pooled), not the range at once")
    parser.add_argument("--cut-check", action="store_true", help="judge each range also with the changelog as it stood when its last window closed: verdicts must not change")
    parser.add_argument("--skeleton", action="store_true", help="print TOML stubs for unlabelled high/medium changes instead")
    parser.add_argument("--write-calibration", type=Path, help="write the calibration table counted on the ranges measured, as this way of judging's part (range, or release with --per-release) of the file (the judge ships auditor/judge/calibration.json)")
    parser.add_argument("--write-keyed", type=Path, help="write each scored finding's (range, basis, right) as JSON, for --pooled")
    parser.add_argument("--pooled", type=Path, nargs="+", metavar="KEYED", help="judge nothing: the held-out reliability of the shipped table, which pools every way of judging (--write-keyed files of range and release runs)")
    parser.add_argument("--choose-prior", action="store_true", help="with --pooled: choose the calibration's prior held out, and check the choosing nested")
    args = parser.parse_args(argv)
    if args.choose_prior and not args.pooled:
        parser.error("--choose-prior weighs the findings of --pooled KEYED files")
    if args.pooled:
        try:
            print("\n".join(pooled_reliability(args.pooled)))
            if args.choose_prior:
                print("\n".join(choose_prior(read_keyed(args.pooled))))
        except LabelError as exc:
            parser.error(str(exc))
        return 0
    # What is written comes at the end of a long run: a folder that is not there, or a calibration file that
    # is not one, is said before anything is judged.
    for path in filter(None, (args.write_keyed, args.write_calibration)):
        if not path.parent.is_dir():
            parser.error(f"no folder {path.parent} to write {path.name} in")
    if args.write_calibration and args.write_calibration.exists():
        try:
            if not isinstance(json.loads(args.write_calibration.read_text()), dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            parser.error(f"{args.write_calibration}: not a calibration file ({exc})")
    if args.db is None:
        parser.error("the following arguments are required: --db")
    if not args.changelog:
        parser.error("name the changelog with --changelog or $AUDITOR_CHANGELOG")
    if not args.db.is_file():
        parser.error(f"no store at {args.db}")
    try:
        ranges = [load_labels(path) for path in sorted(args.labels.glob("*.toml"))]
    except LabelError as exc:
        parser.error(str(exc))
    if args.ranges:
        unknown = set(args.ranges) - {r.name for r in ranges}
        if unknown:
            parser.error(f"no label file for {sorted(unknown)} in {args.labels}")
        ranges = [r for r in ranges if r.name in args.ranges]
    elif not args.holdout:
        ranges = [r for r in ranges if r.split == "tuning"]
    if not ranges:
        parser.error(f"no label files in {args.labels}")

    from auditor.errors import AuditorError

    try:
        results = _measure(args, ranges, parser)
    except AuditorError as exc:
        raise SystemExit(f"eval_judge: {exc}") from None
    if args.skeleton:
        return 0
    total, pooled = Score(), Score()
    for labels, result in results:
        pooled.add(result)
        if labels.split == "tuning":
            total.add(result)
    if args.json:
        doc = {
            "ranges": [{"range": labels.name, "split": labels.split, **_counts(result)} for labels, result in results],
            "tuning_total": _counts(total),
            "all_ranges": _counts(pooled),
        }
        print(json.dumps(doc, indent=2))
    else:
        for labels, result in results:
            print(f"{labels.name} ({labels.split}): {result.line()}")
        print(f"tuning total: {total.line()}")
        if len(results) > 1:
            print(f"all ranges: {pooled.line()}")
        print("\n".join(reliability(pooled.stated)))
        print("\n".join(loro_calibration(pooled.keyed)))
        if args.verbose:
            for _, result in results:
                print("\n".join(result.misses))
    if args.write_keyed:
        args.write_keyed.write_text(json.dumps(pooled.keyed) + "\n")
    if args.write_calibration:
        path = args.write_calibration
        doc = json.loads(path.read_text()) if path.is_file() else {}
        modes = doc.get("by_mode", {})
        modes["release" if args.per_release else "range"] = calibration(pooled.keyed).as_json()
        path.write_text(json.dumps({"by_mode": modes}, indent=1, sort_keys=True) + "\n")
    return 0


@contextlib.contextmanager
def opened(db: Path, changelog: str) -> Iterator[tuple[Any, Any]]:
    """(collector, judging) over a store, as `audit diff` makes them: the default target, the shipped
    rules, the changelog named (eval_judge and fit_judge judge alike)."""
    from auditor import audit, targets
    from auditor.collector import Collector
    from auditor.npm import DEFAULT_CACHE_MAX, Cache, LazyClient, Registry, default_cache_dir
    from auditor.store import Store

    cache_dir = default_cache_dir()
    with LazyClient(timeout=60.0) as client:
        collector = Collector(Store.open(db), Registry(client, Cache(cache_dir, DEFAULT_CACHE_MAX)), targets.get(targets.DEFAULT), "linux-x64", 1)
        yield collector, audit.load_judging(collector, cache_dir, changelog)


def _measure(args: argparse.Namespace, ranges: Sequence[RangeLabels], parser: argparse.ArgumentParser) -> list[tuple[RangeLabels, Score]]:
    """Judge each range from the store and score it (or print its skeleton)."""
    from auditor import audit
    from auditor.changelog import window

    with opened(args.db, args.changelog) as (collector, judging):
        changelog = judging[0]
        entries = {r.version: [e.full_text for e in r.entries] for r in changelog.releases}
        calendar = window.Calendar(audit.release_times(collector, changelog))

        normed = [(version, _norm(text)) for version, texts in entries.items() for text in texts]

        @functools.cache
        def sections(entry: str) -> frozenset[str]:
            return frozenset(version for version, text in normed if _norm(entry) in text)

        def knows(finding: Any, entry: str) -> bool:
            steps = {v for c in finding.changes for v in c.moved}
            return any(calendar.window(m).holds(version) for m in steps for version in sections(entry))
        results: list[tuple[RangeLabels, Score]] = []
        for labels in ranges:
            problems = check_entries(labels, entries)
            if problems:
                parser.error("\n".join(problems))
            judged = judge_releases if args.per_release else judge_range
            findings = judged(collector, judging, labels.low, labels.high, args.scenarios or DEFAULT_SCENARIOS)
            if args.cut_check:
                cut = as_it_stood(changelog, labels.high, audit.release_times(collector, changelog))
                if cut is None:
                    print(f"{labels.name}: cut-check skipped (its last window has not closed, or the changelog has no history)")
                else:
                    again = judged(collector, (cut, *judging[1:]), labels.low, labels.high, args.scenarios or DEFAULT_SCENARIOS)
                    differ = sorted(set(map(_verdict_of, findings)) ^ set(map(_verdict_of, again)))
                    print(f"{labels.name}: cut-check {'identical' if not differ else 'DIFFERS'} ({len(findings)} findings"
                          f"{'' if not differ else ': ' + '; '.join(map(str, differ[:6]))})")
            if args.skeleton:
                print(f"# {labels.name}\n{skeleton(findings, labels)}")
                continue
            results.append((labels, score(findings, labels, knows)))
    return results


def as_it_stood(changelog: Any, version: str, published: dict[str, str | None]) -> Any:
    """The changelog as it stood when `version`'s window closed (None: still open, or no git history)."""
    from datetime import UTC, datetime

    from auditor.changelog import Changelog, window

    closes = window.window(version, published).closes
    if changelog.history is None or closes == float("inf"):
        return None
    when = datetime.fromtimestamp(closes, UTC)
    history, releases = changelog.history.as_of(when)
    return Changelog(releases, history, changelog.origin, known_until=when.isoformat())


def _verdict_of(finding: Any) -> tuple:
    """What the cut-check compares: a finding about changes, its verdict, severity, confidence and entries."""
    return (finding.id, finding.verdict, finding.severity, finding.confidence, tuple(r.entry for r in finding.changelog_refs)) if finding.changes else ()


def _counts(result: Score) -> dict[str, Any]:
    counts = {name: value for name, value in vars(result).items() if name not in ("misses", "stated", "keyed")}
    return {**counts, **result.ratios(), "misses": result.misses}


if __name__ == "__main__":
    sys.exit(main())
