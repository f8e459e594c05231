"""Snapshot A vs B, walking every version between them: what changed, and what came and went inside.

Facts keyed by a stable name (a section name, a flag, an env var) are followed by key. Prompt strings
and request-building functions have no stable name — a one-word edit changes their digest — so each
step from one release to the next pairs what disappeared with what appeared by text similarity, and a
fact keeps its identity (its lineage) through the edits.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from rapidfuzz import fuzz, process

from . import js
from .extract import FACT_KINDS, request_label

Facts = dict[str, dict[str, Any]]

# kind -> minimum similarity (0–100) for two texts to be one fact edited between releases; long texts
# may differ more (a rewritten paragraph in a long prompt is still that prompt)
FUZZY_KINDS = {"string": 75.0, "request_code": 60.0}
LONG_TEXT, LONG_TEXT_CUTOFF = 200, 60.0
KIND_ORDER = {k: i for i, k in enumerate(FACT_KINDS)}
_WORDS = re.compile(r"\s+|[\w'’-]+|[^\w\s]")


@dataclass(frozen=True)
class Change:
    """One fact that differs between the ends of a range, or that changed and changed back inside it."""

    kind: str
    key: str
    label: str
    before: Any
    after: Any
    introduced_in: str | None
    removed_in: str | None = None
    changed_in: tuple[str, ...] = ()
    scenario: str | None = None
    history: tuple[tuple[str, Any], ...] = ()  # (version, value from then on) for each change in the range

    @property
    def status(self) -> str:
        if self.removed_in is not None:
            return "transient"
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "status": self.status,
            "before": self.before,
            "after": self.after,
            "introduced_in": self.introduced_in,
            "removed_in": self.removed_in,
            "changed_in": list(self.changed_in),
            "history": [{"version": v, "value": value} for v, value in self.history],
            "scenario": self.scenario,
        }


@dataclass
class _Lineage:
    key: str
    values: list[Any] = field(default_factory=list)


def diff_range(series: Sequence[tuple[str, Facts]], scenario: str | None = None) -> list[Change]:
    """Changes from the first to the last snapshot of `series` (version order), including facts that
    appeared and disappeared in between, each with the version it came (and went) in."""
    if len(series) < 2:
        return []
    versions = [v for v, _ in series]
    changes: list[Change] = []
    kinds = sorted({k for _, facts in series for k in facts}, key=lambda k: (KIND_ORDER.get(k, 99), k))
    for kind in kinds:
        columns = [facts.get(kind, {}) for _, facts in series]
        for lineage in _lineages(kind, columns):
            change = _change(kind, lineage, versions, scenario)
            if change:
                changes.append(change)
    return changes


def _lineages(kind: str, columns: list[dict[str, Any]]) -> list[_Lineage]:
    """Follow each fact through the versions; for fuzzy kinds, pair edits by similarity."""
    cutoff = FUZZY_KINDS.get(kind)
    lineages: dict[str, _Lineage] = {}
    current: dict[str, str] = {}  # key in the previous version -> lineage id
    seen: dict[str, str] = {}  # every key ever seen -> lineage id (a fact that comes back keeps its id)
    for step, column in enumerate(columns):
        mapping: dict[str, str] = {}
        appeared = [k for k in column if k not in current]
        gone = [k for k in current if k not in column]
        for k in column:
            if k in current:
                mapping[k] = current[k]
        if cutoff is not None and appeared and gone:
            for new, old in _pair(column, [k for k in appeared if k not in seen], gone, step, columns, cutoff):
                mapping[new] = current[old]
        taken = set(mapping.values())
        for k in appeared:
            if k not in mapping:
                lid = seen.get(k, k)
                mapping[k] = lid if lid not in taken else k
                taken.add(mapping[k])
        for k, lid in mapping.items():
            lineage = lineages.setdefault(lid, _Lineage(key=lid, values=[None] * step))
            lineage.values.append(column[k])
            seen.setdefault(k, lid)
        for lineage in lineages.values():
            if len(lineage.values) < step + 1:
                lineage.values.append(None)
        current = mapping
    return list(lineages.values())


def _pair(column, appeared, gone, step, columns, cutoff) -> list[tuple[str, str]]:
    """Greedy best-first pairing of appeared and gone texts above the similarity cutoff."""
    previous = columns[step - 1]
    new_texts = [_signature(column[k]) for k in appeared]
    old_texts = [_signature(previous[k]) for k in gone]
    floor = min(cutoff, LONG_TEXT_CUTOFF)
    candidates = []
    for i, a in enumerate(new_texts):
        for _, score, j in process.extract(a, old_texts, scorer=fuzz.ratio, score_cutoff=floor, limit=None):
            if score >= cutoff or min(len(a), len(old_texts[j])) >= LONG_TEXT:
                candidates.append((score, i, j))
    candidates.sort(reverse=True)
    used_new, used_old, pairs = set(), set(), []
    for _, i, j in candidates:
        if i not in used_new and j not in used_old:
            used_new.add(i)
            used_old.add(j)
            pairs.append((appeared[i], gone[j]))
    return pairs


def _change(kind: str, lineage: _Lineage, versions: list[str], scenario: str | None) -> Change | None:
    values = lineage.values
    steps = [i for i in range(1, len(values)) if values[i] != values[i - 1]]
    transitions = [versions[i] for i in steps]
    if not transitions:
        return None
    first, last = values[0], values[-1]
    if first != last:
        before, after, removed_in = first, last, None
    else:  # came and went inside the range: report the value it had while it was there
        i = next(i for i in range(1, len(values)) if values[i] != first)
        before, after, removed_in = first, values[i], transitions[-1]
    return Change(
        kind=kind,
        key=lineage.key,
        label=label(kind, lineage.key, last if last is not None else after if after is not None else before),
        before=before,
        after=after,
        introduced_in=transitions[0],
        removed_in=removed_in,
        changed_in=tuple(transitions),
        scenario=scenario,
        history=tuple((versions[i], values[i]) for i in steps) if len(steps) > 1 else (),
    )


def label(kind: str, key: str, value: Any) -> str:
    """A short human name for a fact."""
    if kind == "request_code" and isinstance(value, str):
        return request_label(value)
    if kind in FUZZY_KINDS and isinstance(value, str):
        text = " ".join(value.split())
        return text[:72] + ("…" if len(text) > 72 else "")
    return key


def _signature(value: Any, edge: int = 1500) -> str:
    """What pairing compares: similarity is quadratic in length, and the head and tail of a long text
    identify it as well as the whole does."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 2 * edge else text[:edge] + text[-edge:]


def word_diff(before: str, after: str, code: bool = False) -> list[tuple[str, str]]:
    """Word-level (for code, token-level) diff as ("=", "-", "+", text) runs. Lines are matched first and
    words only inside changed lines, so a long prompt with a few edits diffs in linear time."""
    if code:
        return _runs(js.code_tokens(before), js.code_tokens(after), " ")
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", "".join(a[i1:i2])))
        else:
            out += _runs(_WORDS.findall("".join(a[i1:i2])), _WORDS.findall("".join(b[j1:j2])), "")
    return _merge(out)


def _runs(a: list[str], b: list[str], joiner: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", joiner.join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("-", joiner.join(a[i1:i2])))
            if j2 > j1:
                out.append(("+", joiner.join(b[j1:j2])))
    return out


def _merge(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join neighbouring runs of the same kind."""
    out: list[tuple[str, str]] = []
    for op, text in runs:
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif text:
            out.append((op, text))
    return out


def structure_diff(before: Any, after: Any) -> dict[str, Any]:
    """For structured values (captured request parameters, tool schemas): what deepdiff sees."""
    from deepdiff import DeepDiff  # only the text and markdown reports show structure diffs

    return DeepDiff(before, after, ignore_order=False, verbose_level=2).to_dict()
