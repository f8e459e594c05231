"""Snapshot A vs B, walking every version between them: what changed, and what came and went inside.

Facts keyed by a stable name (a section name, a flag, an env var) are followed by key. Prompt strings
and request-building functions have no stable name — a one-word edit changes their digest — so each
step from one release to the next pairs what disappeared with what appeared by text similarity, and a
fact keeps its identity (its lineage) through the edits.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from . import js, kinds
from .extract import request_label

Facts = dict[str, dict[str, Any]]

# kind -> minimum similarity (0–100) for two texts to be one fact edited between releases; long texts
# may differ more (a rewritten paragraph in a long prompt is still that prompt)
FUZZY_KINDS = {"string": 75.0, "request_code": 60.0}
_CONTENT_KEY = re.compile(r"[0-9a-f]{12}")  # extract._digest: a key that names nothing but the text
LONG_TEXT, LONG_TEXT_CUTOFF = 200, 60.0
QUICK_EDGE, QUICK_MARGIN = 500, 20.0  # pairing's first pass: signature edge, and how far below the cutoff it keeps a pair
BLOCK_CHARS = 4000  # word_diff: an edited block larger than this is shown whole, not refined word by word
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
    former: tuple[str, str] | None = None  # (kind, key) it had before a rename or a move between kinds

    @property
    def moved(self) -> tuple[str, ...]:
        """The releases it moved in: came, changed, went."""
        return tuple(v for v in (self.introduced_in, *self.changed_in, self.removed_in) if v)

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
            "former": list(self.former) if self.former else None,
        }


Ref = int  # a fact's value by identity: a store text id, or an in-memory value's interned number
Refs = dict[str, dict[str, Ref]]  # kind -> key -> ref
Resolve = Callable[[Ref], Any]  # ref -> value


def diff_range(series: Sequence[tuple[str, Facts]], scenario: str | None = None) -> list[Change]:
    """Changes from the first to the last snapshot of `series` (version order), including facts that
    appeared and disappeared in between, each with the version it came (and went) in."""
    interned: dict[str, int] = {}
    values: list[Any] = []

    def ref(value: Any) -> int:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
        if text not in interned:
            interned[text] = len(values)
            values.append(value)
        return interned[text]

    refs = ((version, {kind: {key: ref(v) for key, v in facts.items()} for kind, facts in release.items()}) for version, release in series)
    return diff_refs(refs, values.__getitem__, scenario)


def diff_refs(releases: Iterable[tuple[str, Refs]], resolve: Resolve, scenario: str | None = None) -> list[Change]:
    """`diff_range` over a stream of releases whose facts are refs (equal refs, equal values), read one
    release at a time: values are resolved only for texts that are paired or changed, so memory grows
    with the changes in the range, not with its releases times their facts."""
    versions: list[str] = []
    follows: dict[str, _Follow] = {}
    for step, (version, release) in enumerate(releases):
        versions.append(version)
        for kind in release.keys() | follows.keys():
            if kind not in follows:
                follows[kind] = _Follow(FUZZY_KINDS.get(kind), resolve)
            follows[kind].step(step, release.get(kind, {}))
    if len(versions) < 2:
        return []
    changes: list[Change] = []
    for kind in sorted(follows, key=lambda k: (kinds.ORDER.get(k, 99), k)):
        for lineage in follows[kind].lineages:
            change = _change(kind, lineage, versions, resolve, scenario)
            if change:
                changes.append(change)
    return moved(changes)


MOVABLE = ("prompt_section", "string", "document")  # texts that can change name or kind and stay one text
MOVED = 95.0  # minimum similarity (0–100) of a text that went and one that came in one release to be one text
# A built-in tool that went and one that came in one release, this alike, are one tool renamed (Task → Agent in
# 2.1.63, 92% alike: the prompt names the tool by its new name): not a tool that came, whose entries name it.
RENAMED_TOOL = 85.0


def moved(changes: list[Change]) -> list[Change]:
    """A text that disappeared under one name (or kind) and reappeared under another in the same release,
    ≥ MOVED% the same, is one change: renamed (a section heading) or moved (a section's text now kept
    as a prompt string). The section's inclusion condition follows its section; a rename that changed
    neither text nor condition is still reported, once, as the rename. A request-building function
    rewritten beyond recognition (gone, and one of the same label new, in one release) is one edit, so
    that rules see what changed in it rather than all of both; so is a built-in tool renamed (RENAMED_TOOL)."""
    merged: dict[int, Change] = {}  # id of the added change -> the joined one
    dropped: set[int] = set()
    rewritten: dict[tuple[str, str | None, str | None], Change] = {}
    for c in changes:
        if c.kind == "request_code" and c.status == "removed":
            rewritten.setdefault((c.label, c.changed_in[-1], c.scenario), c)
    for c in changes:
        went = rewritten.pop((c.label, c.introduced_in, c.scenario), None) if c.kind == "request_code" and c.status == "added" else None
        if went is not None:
            merged[id(c)] = dataclasses.replace(_joined(went, c), former=None)
            dropped.add(id(went))
    renames: dict[tuple[str, str], str] = {}  # (old section key, release) -> new section key
    for a, b, release in _rejoined(*_gone_and_came(changes, MOVABLE), MOVED) + _rejoined(*_gone_and_came(changes, ("tool",)), RENAMED_TOOL):
        merged[id(b)] = _joined(a, b)
        dropped.add(id(a))
        if a.kind == b.kind == "prompt_section":
            renames[(a.key, release or "")] = b.key
    conditions = {(c.key, (c.changed_in[-1] if c.status == "removed" else c.introduced_in) or "", c.status): c for c in changes if c.kind == "section_condition"}
    for (old_key, release), new_key in renames.items():
        went, back = conditions.get((old_key, release, "removed")), conditions.get((new_key, release, "added"))
        if went is not None and back is not None:
            dropped.add(id(went))
            if went.before == back.after:
                dropped.add(id(back))
            else:
                merged[id(back)] = _joined(went, back)
    return [merged.get(id(c), c) for c in changes if id(c) not in dropped]


def _gone_and_came(changes: list[Change], movable: tuple[str, ...]) -> tuple[list[Change], list[Change]]:
    """The texts of these kinds that went, and those that came (`_rejoined` pairs them)."""
    gone = [c for c in changes if c.kind in movable and c.status == "removed" and isinstance(c.before, str)]
    came = [c for c in changes if c.kind in movable and c.status == "added" and isinstance(c.after, str)]
    return gone, came


def _rejoined(gone: list[Change], came: list[Change], cutoff: float) -> list[tuple[Change, Change, str | None]]:
    """Each text that went paired with one that came in the same release and scenario, at least `cutoff`%
    alike as they were then: (went, came, release)."""
    by_release: dict[str | None, tuple[list[Change], list[Change]]] = {}
    for c in gone:
        by_release.setdefault(c.changed_in[-1], ([], []))[0].append(c)
    for c in came:
        by_release.setdefault(c.introduced_in, ([], []))[1].append(c)
    pairs = []
    for release, (old, new) in by_release.items():
        if old and new:
            pairs += [(old[j], new[i], release) for i, j in _pair([_first(c) for c in new], [_last(c) for c in old], cutoff) if old[j].scenario == new[i].scenario]
    return pairs


def _first(came: Change) -> Any:
    """A text that came, as it came (it may have been edited later in the range)."""
    return came.history[0][1] if came.history else came.after


def _last(gone: Change) -> Any:
    """A text that went, as it was when it went (it may have been edited earlier in the range)."""
    return next((v for _, v in reversed(gone.history) if v is not None), gone.before)


def _joined(old: Change, new: Change) -> Change:
    """One change from a text's removal and its reappearance under another name or kind (the old
    lineage's edits before it went, then the new one's)."""
    history = (old.history or ((old.introduced_in or "", old.after),))[:-1] + (new.history or ((new.introduced_in or "", new.after),))
    return Change(
        kind=new.kind,
        key=new.key,
        label=new.label,
        before=old.before,
        after=new.after,
        introduced_in=old.introduced_in,
        changed_in=old.changed_in + new.changed_in[1:],
        scenario=new.scenario,
        history=history if len(history) > 1 else (),
        former=(old.kind, old.key),
    )


@dataclass(eq=False)
class _Lineage:
    """One fact followed through the releases (a fuzzy kind's fact keeps its lineage through edits)."""

    key: str  # the key it was first seen under
    points: list[tuple[int, str | None, Ref | None]] = field(default_factory=list)  # (step, key, ref) where it changed; key None: gone

    @property
    def holder(self) -> str | None:
        """The key it had in the latest release so far (None: absent there)."""
        return self.points[-1][1]

    def move(self, step: int, key: str | None, ref: Ref | None) -> None:
        if not self.points or self.points[-1][1:] != (key, ref):
            self.points.append((step, key, ref))


class _Follow:
    """The lineages of one kind, extended one release at a time. Each step maps every key of the release
    to a distinct lineage: the key's own if it stayed; the one it left if it came back and that lineage
    is free; a disappeared text's if similar enough (fuzzy kinds); else a new one. A step costs a dict
    lookup per fact plus work for what appeared, disappeared or changed."""

    def __init__(self, cutoff: float | None, resolve: Resolve):
        self.cutoff = cutoff
        self.resolve = resolve
        self.lineages: list[_Lineage] = []
        self.refs: dict[str, Ref] = {}  # the previous release's facts
        self.current: dict[str, _Lineage] = {}  # key in the previous release -> its lineage
        self.last: dict[str, _Lineage] = {}  # every key seen -> the lineage it was last in

    def step(self, step: int, column: dict[str, Ref]) -> None:
        previous, current = self.refs, self.current
        appeared = sorted(k for k in column if k not in previous)  # sorted: the same lineages whatever order facts are read in
        gone = sorted(k for k in previous if k not in column)
        for k, ref in column.items():
            if k in previous and previous[k] != ref:
                current[k].move(step, k, ref)
        found: dict[str, _Lineage] = {}
        claimed: set[_Lineage] = set()
        for k in appeared:  # a key that comes back resumes its lineage unless another key kept it
            lineage = self.last.get(k)
            if lineage is not None and lineage not in claimed and (lineage.holder is None or lineage.holder not in column):
                found[k] = lineage
                claimed.add(lineage)
        new = [k for k in appeared if k not in found]
        free = [k for k in gone if current[k] not in claimed]
        if self.cutoff is not None and new and free:
            for i, j in _pair([self.resolve(column[k]) for k in new], [self.resolve(previous[k]) for k in free], self.cutoff):
                found[new[i]] = current[free[j]]
                claimed.add(current[free[j]])
        for k in gone:
            if current[k] not in claimed:
                current[k].move(step, None, None)
            del current[k]
        for k in appeared:
            if k not in found:
                found[k] = _Lineage(key=k)
                self.lineages.append(found[k])
            found[k].move(step, k, column[k])
            current[k] = self.last[k] = found[k]
        self.refs = column


def _pair(new: list[Any], old: list[Any], cutoff: float) -> list[tuple[int, int]]:
    """Greedy best-first pairing (indexes into `new` and `old`) of texts above the similarity cutoff.
    Bounded three ways: a pair whose lengths alone keep it under the floor is never scored (the ratio
    is at most 2·shorter/(sum of lengths)); texts up to 2·QUICK_EDGE long are scored once, whole; a
    pair with a longer text is scored on short signatures (head and tail of QUICK_EDGE characters)
    first, and on the full ones only if that comes within QUICK_MARGIN of the floor."""
    floor = min(cutoff, LONG_TEXT_CUTOFF)
    share = floor / 100
    signatures = [_signature(v) for v in old]
    order = sorted(range(len(old)), key=lambda j: len(signatures[j]))
    full = [signatures[j] for j in order]
    quick = [_signature(old[j], QUICK_EDGE) for j in order]
    lengths = [len(text) for text in full]
    whole = bisect.bisect_right(lengths, 2 * QUICK_EDGE)  # full[:whole] are their own short signature
    candidates = []
    for i, value in enumerate(new):
        text = _signature(value)
        lo = bisect.bisect_left(lengths, len(text) * share / (2 - share))
        hi = bisect.bisect_right(lengths, len(text) * (2 - share) / share)
        scored = []
        if len(text) <= 2 * QUICK_EDGE:
            found = process.extract(text, full[lo : min(hi, whole)], scorer=fuzz.ratio, score_cutoff=floor, limit=None)
            scored += [(score, lo + k) for _, score, k in found]
            lo = max(lo, whole)
        if lo < hi:
            found = process.extract(_signature(value, QUICK_EDGE), quick[lo:hi], scorer=fuzz.ratio, score_cutoff=floor - QUICK_MARGIN, limit=None)
            scored += [(fuzz.ratio(text, full[lo + k], score_cutoff=floor), lo + k) for _, _, k in found]
        for score, k in scored:
            if score >= cutoff or (score >= floor and min(len(text), lengths[k]) >= LONG_TEXT):
                candidates.append((score, i, order[k]))
    candidates.sort(reverse=True)
    used_new, used_old, pairs = set(), set(), []
    for _, i, j in candidates:
        if i not in used_new and j not in used_old:
            used_new.add(i)
            used_old.add(j)
            pairs.append((i, j))
    return pairs


def _change(kind: str, lineage: _Lineage, versions: list[str], resolve: Resolve, scenario: str | None) -> Change | None:
    """The lineage as a change, if its value differs anywhere along the range. Refs are compared first;
    values are read only where refs differ (two texts may be equal values, e.g. reordered JSON keys)."""

    def value(ref: Ref | None) -> Any:
        return None if ref is None else resolve(ref)

    def same(a: Ref | None, b: Ref | None) -> bool:
        return a == b or value(a) == value(b)

    first = lineage.points[0][2] if lineage.points[0][0] == 0 else None
    steps: list[tuple[int, Ref | None]] = []  # (step, ref from then on) where the value really changed
    previous = first
    for step, _, ref in lineage.points:
        if step > 0 and not same(previous, ref):
            steps.append((step, ref))
        previous = ref
    if not steps:
        return None
    before, last = value(first), value(previous)
    transitions = tuple(versions[i] for i, _ in steps)
    if not same(first, previous):
        after, removed_in = last, None
    else:  # came and went inside the range: report the value it had while it was there
        after, removed_in = value(steps[0][1]), transitions[-1]
    return Change(
        kind=kind,
        key=lineage.key,
        label=label(kind, lineage.key, last if last is not None else after if after is not None else before),
        before=before,
        after=after,
        introduced_in=transitions[0],
        removed_in=removed_in,
        changed_in=transitions,
        scenario=scenario,
        history=tuple((versions[i], value(ref)) for i, ref in steps) if len(steps) > 1 else (),
    )


def keyed_by_text(kind: str, key: str) -> bool:
    """Whether a fact's key is only a digest of its text (a prompt string, request code), not a name (Codex's
    `gpt-5.5: model_messages.…`): such a key follows its lineage, not what the text is now."""
    return kind in FUZZY_KINDS and _CONTENT_KEY.fullmatch(key) is not None


def label(kind: str, key: str, value: Any) -> str:
    """A short human name for a fact: its key, unless the key is only a digest of its text (then the text's start)."""
    if kind == "request_code" and isinstance(value, str):
        return request_label(value)
    if keyed_by_text(kind, key) and isinstance(value, str):
        text = " ".join(value.split())
        return text[:72] + ("…" if len(text) > 72 else "")
    return key


def _signature(value: Any, edge: int = 1500) -> str:
    """What pairing compares: similarity is quadratic in length, and the head and tail of a long text
    identify it as well as the whole does."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 2 * edge else text[:edge] + text[-edge:]


def word_diff(before: str, after: str, code: bool = False) -> list[tuple[str, str]]:
    """Word-level (for code, token-level) diff as ("=", "-", "+", text) runs: what reports show and what
    rules match (`rules.text_diff`). Lines (prose) or statements (code) are aligned first and only the
    edited blocks are diffed word by word (code: token by token, space-joined), so a long prompt with a
    few edits diffs in linear time; an edited block over BLOCK_CHARS is shown whole. Remembered: a report
    diffs the same block once per scenario that sent it."""
    return list(_word_diff(before, after, code))


@functools.lru_cache(maxsize=64)
def _word_diff(before: str, after: str, code: bool) -> tuple[tuple[str, str], ...]:
    a, b = _units(before, code), _units(after, code)
    # Units the texts share at both ends are equal runs as they are: only the middle is aligned (a 23,000-line
    # document with one edited paragraph took difflib 13 s whole; its middle takes milliseconds).
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    out: list[tuple[str, str]] = [("=", _join(a[:head], code))] if head else []
    middle = _opcodes(a[head : len(a) - tail], b[head : len(b) - tail])
    for op, i1, i2, j1, j2 in ((op, i1 + head, i2 + head, j1 + head, j2 + head) for op, i1, i2, j1, j2 in middle):
        old, new = _join(a[i1:i2], code), _join(b[j1:j2], code)
        if op == "equal":
            out.append(("=", old))
        elif old and new and len(old) + len(new) < BLOCK_CHARS:
            out += _runs(_words(a[i1:i2], code), _words(b[j1:j2], code), " " if code else "")
        else:
            out += [("-", old), ("+", new)]
    if tail:
        out.append(("=", _join(a[len(a) - tail :], code)))
    return tuple(_merge(out))


LARGE_ALIGNMENT = 4_000_000  # units × units: above it, lines are aligned by rapidfuzz's LCS instead of difflib


def _opcodes(a: list, b: list) -> Sequence[tuple[str, int, int, int, int]]:
    """difflib's opcodes of two unit lists; for very long ones (documents of tens of thousands of lines,
    edited throughout: difflib took 9–13 s on one) a bit-parallel LCS, a delete beside an insert joined
    into a replace as difflib would say it. Prompts and code stay on difflib, whose alignment the rules
    were written against."""
    if len(a) * len(b) <= LARGE_ALIGNMENT:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out: list[tuple[str, int, int, int, int]] = []
    for op in Indel.opcodes(a, b):
        tag, i1, i2, j1, j2 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        if out and tag in ("insert", "delete") and out[-1][0] in ("insert", "delete", "replace") and out[-1][0] != tag:
            _, p1, _, q1, _ = out.pop()
            out.append(("replace", p1, i2, q1, j2))
        else:
            out.append((tag, i1, i2, j1, j2))
    return out


def _units(text: str, code: bool) -> list:
    """Lines of prose; statements of code (token tuples up to each `;`, `{` or `}`)."""
    if not code:
        return text.splitlines(keepends=True)
    units, current = [], []
    for token in js.code_tokens(text):
        current.append(_holes(token) if token.startswith("`") else token)
        if token in (";", "{", "}"):
            units.append(tuple(current))
            current = []
    if current:
        units.append(tuple(current))
    return units


def _holes(template: str) -> str:
    """A template literal with the code of each `${…}` hole normalized (identifiers renamed to `_`),
    braces inside a hole included: a minifier's renaming inside a template is no edit."""
    out, i = [], 0
    while (start := template.find("${", i)) >= 0:
        depth, j = 1, start + 2
        while j < len(template) and depth:
            depth += {"{": 1, "}": -1}.get(template[j], 0)
            j += 1
        if depth:
            break
        out.append(template[i : start + 2] + js.normalize_code(template[start + 2 : j - 1]) + "}")
        i = j
    return "".join(out) + template[i:]


def _join(units: list, code: bool) -> str:
    """Units back to text: prose as written; code as space-separated tokens, ending with a space so the
    next block reads apart."""
    return "".join(f"{token} " for unit in units for token in unit) if code else "".join(units)


def _words(units: list, code: bool) -> list[str]:
    """The words (with the whitespace between them) of prose lines; of code statements, the tokens,
    with string and template literals cut at their spaces: a one-word edit in a prompt held in a
    template literal is that word, not the whole literal."""
    if code:
        return " ".join(token for unit in units for token in unit).split(" ")
    return _WORDS.findall("".join(units))


def _runs(a: list[str], b: list[str], joiner: str) -> list[tuple[str, str]]:
    """Word (token) runs of one edited block; each run ends with `joiner`, so runs read apart."""
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", joiner.join(a[i1:i2]) + joiner))
        else:
            if i2 > i1:
                out.append(("-", joiner.join(a[i1:i2]) + joiner))
            if j2 > j1:
                out.append(("+", joiner.join(b[j1:j2]) + joiner))
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
