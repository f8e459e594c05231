"""Findings remembered by what they were judged from, so a warm `audit diff` does not judge again.

A judgement is a pure function of the changes, the changelog (its text and history), the rules, the
publish times, the audited versions, and of the code that judges. The key is one digest of them all:
the code as the package's own source files, so that any edit to it (a rule matcher, the text diff, a
threshold) judges afresh instead of trusting findings an older judge made. Findings are kept as JSON
in the store, the newest few judgements only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import extract
from . import judge as judging
from .judge import ChangelogRef, Finding
from .rules import Rule, leaves
from .rules import digest as rules_digest
from .targets import Vocabulary

if TYPE_CHECKING:
    from .changelog import Changelog
    from .diff import Change
    from .store import Store


def judge(
    store: Store,
    changes: Sequence[Change],
    changelog: Changelog,
    rules: Sequence[Rule],
    published: Mapping[str, str | None],
    versions: Sequence[str],
    heard: Sequence[int] | None = None,
    unjudged: frozenset[str] = frozenset(),
    vocabulary: Vocabulary | None = None,
    offered: frozenset[str] = frozenset(),
) -> list[Finding]:
    """`judge.judge` of these inputs, from the store when the same inputs were judged before.
    `heard`: text ids of what the captured runs sent (read only when judging: the ids are the key);
    `unjudged`: releases newer than the changelog copy knows."""
    key = _key(changes, changelog, rules, published, versions, heard, unjudged, offered)
    saved = store.judgement(key)
    if saved is not None:
        try:
            return load(saved, changes)
        except (ValueError, KeyError, TypeError, IndexError):  # not what dump wrote: judge again, save over it
            pass
    findings = judging.judge(
        changes, changelog.releases, rules, published, changelog.history, versions=versions, heard=sent(store, heard), unjudged=unjudged,
        vocabulary=vocabulary, offered=offered,
    )
    store.save_judgement(key, dump(findings, changes))
    return findings


def sent(store: Store, heard: Sequence[int] | None) -> judging.Heard | None:
    """What the captured runs sent, from the value ids `audit.heard` gives (None: nothing captured)."""
    if heard is None:
        return None
    values = store.values()
    values.load(heard)
    scalars = [leaf for ref in heard for leaf in leaves(values(ref))]
    return judging.Heard(
        [v for v in scalars if isinstance(v, str)], [float(v) for v in scalars if isinstance(v, (int, float)) and not isinstance(v, bool)],
        {name for ref in heard for name in _parameters(values(ref))},
    )


def _parameters(value: Any) -> Iterator[str]:
    """The parameter names of the tools the model is offered: the keys of each captured schema's
    `properties`, and the parameters a built-in tool's extracted text lists (`extract.parameters`)."""
    if isinstance(value, str):
        yield from extract.parameters(value)
    elif isinstance(value, dict):
        for key, v in value.items():
            if key == "properties" and isinstance(v, dict):
                yield from (k for k in v if isinstance(k, str))
            yield from _parameters(v)
    elif isinstance(value, list):
        for v in value:
            yield from _parameters(v)


def dump(findings: Sequence[Finding], changes: Sequence[Change]) -> str:
    """Findings as JSON; each names its changes by their place in `changes`."""
    place = {id(change): i for i, change in enumerate(changes)}
    return json.dumps(
        [{**f.to_json(), "rule": f.rule, "change_indexes": [place[id(c)] for c in f.changes]} for f in findings],
        ensure_ascii=False,
    )


def load(data: str, changes: Sequence[Change]) -> list[Finding]:
    """The inverse of `dump`, given the same changes."""
    return [
        Finding(
            id=f["id"],
            category=f["category"],
            severity=f["severity"],
            verdict=f["verdict"],
            title=f["title"],
            evidence=f["evidence"],
            changelog_refs=tuple(ChangelogRef(r["version"], r["entry"]) for r in f["changelog_refs"]),
            introduced_in=f["introduced_in"],
            removed_in=f["removed_in"],
            confidence=f["confidence"],
            rule=f["rule"],
            changes=tuple(changes[i] for i in f["change_indexes"]),
            steps=tuple((s["version"], s["id"]) for s in f["steps"]),
        )
        for f in json.loads(data)
    ]


def _key(
    changes: Sequence[Change], changelog: Changelog, rules: Sequence[Rule], published: Mapping[str, str | None], versions: Sequence[str],
    heard: Sequence[int] | None = None,
    unjudged: frozenset[str] = frozenset(),
    offered: frozenset[str] = frozenset(),
) -> str:
    inputs = hashlib.sha256()
    for part in (
        code_digest(),
        changelog.digest,
        rules_digest(rules),
        json.dumps(published, sort_keys=True),
        json.dumps(list(versions)),
        json.dumps(None if heard is None else sorted(heard)),
        json.dumps(sorted(unjudged)),
        json.dumps(sorted(offered)),
    ):
        inputs.update(part.encode("utf-8", "surrogatepass"))
        inputs.update(b"\0")
    # Pickled, the changes hash 10x faster than as JSON. Equal bytes mean equal changes; the same changes
    # pickled differently (other object sharing) would only miss the cache, never hit a wrong entry.
    inputs.update(pickle.dumps(list(changes), protocol=5))
    return inputs.hexdigest()


@functools.cache
def code_digest() -> str:
    """A digest of the package's Python source and the judge's data (its calibration table): which code a
    judgement was made by."""
    return source_digest(Path(__file__).resolve().parent)


def source_digest(package: Path) -> str:
    code = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *package.rglob("judge/*.json")]):
        code.update(str(path.relative_to(package)).encode())
        code.update(path.read_bytes())
    return code.hexdigest()
