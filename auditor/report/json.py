"""Versioned JSON, written as it goes: the whole history is ~20,000 changes whose long texts recur in
`before`, `after` and every step of `history` (and in other changes), so each long text is written once,
in `texts`, keyed by its digest, and nothing holds the whole document in memory. The format is a
contract: docs/json.md says what every field means and how a text reference resolves."""

from __future__ import annotations

import hashlib
import json as _json
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from ..diff import Change
from . import SCHEMA_VERSION, DiffReport

TEXT_MIN = 64  # characters: a string value this long is written once, in `texts`, and referred to by digest


def digest(text: str) -> str:
    """A text's key in `texts`: the SHA-256 of its UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Texts:
    """The long texts of a report's changes by digest, each hashed once (a text shared by many changes
    and steps is one object in memory, so it is known by its identity)."""

    def __init__(self) -> None:
        self.by_digest: dict[str, str] = {}
        self._digests: dict[int, tuple[str, str]] = {}  # id -> (the text, kept alive so its id is not reused; digest)

    def ref(self, value: Any) -> str | None:
        """The digest `value` is written as, or None when it is written as itself."""
        if not isinstance(value, str) or len(value) < TEXT_MIN:
            return None
        known = self._digests.get(id(value))
        if known is None:
            known = self._digests[id(value)] = (value, digest(value))
            self.by_digest.setdefault(known[1], value)
        return known[1]

    def add(self, changes: Iterable[Change]) -> None:
        for change in changes:
            for value in (change.before, change.after, *(v for _, v in change.history)):
                self.ref(value)


def change_json(change: Change, texts: Texts) -> dict[str, Any]:
    """A change as written: a long `before`/`after` as `before_text`/`after_text`, a long history value
    as the step's `text`, each the digest of a text in `texts`."""
    out: dict[str, Any] = {}
    for name, value in change.to_json().items():
        if name in ("before", "after") and (ref := texts.ref(value)):
            out[f"{name}_text"] = ref
        else:
            out[name] = value
    out["history"] = [{"version": v, "text": ref} if (ref := texts.ref(value)) else {"version": v, "value": value} for v, value in change.history]
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(value: Any) -> str:
    """Compact JSON, non-ASCII as itself; a lone surrogate (a JavaScript string can hold one) escaped as
    `\\udXXX`, as JSON allows, so that the output stays valid UTF-8."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", _json.dumps(value, ensure_ascii=False))


def _members(items: Iterable[tuple[str, Any]]) -> Iterator[str]:
    """An object's members one per line."""
    return (f"    {_dumps(k)}: {_dumps(v)}" for k, v in items)


def _elements(items: Iterable[Any]) -> Iterator[str]:
    """An array's elements one per line."""
    return (f"    {_dumps(v)}" for v in items)


def _write_block(out: TextIO, name: str, brackets: str, lines: Iterator[str], last: bool = False) -> None:
    """A top-level member whose value is written a line at a time (never joined into one string)."""
    out.write(f"  {_dumps(name)}: {brackets[0]}")
    first = True
    for line in lines:
        out.write(("\n" if first else ",\n") + line)
        first = False
    out.write(("" if first else "\n  ") + brackets[1] + ("\n" if last else ",\n"))


def write(report: DiffReport, out: TextIO) -> None:
    """The report as JSON on `out`, written as it goes: the header, `findings`, `texts` (before anything
    refers to them, so a streaming reader can resolve as it reads), then `changes`."""
    texts = Texts()
    texts.add(report.changes)
    header = {
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
        "recommendation": report.recommendation.to_json() if report.recommendation else None,
    }
    out.write("{\n")
    for name, value in header.items():
        out.write(f"  {_dumps(name)}: {_dumps(value)},\n")
    _write_block(out, "findings", "[]", _elements(f.to_json() for f in report.findings))
    _write_block(out, "texts", "{}", _members(texts.by_digest.items()))
    _write_block(out, "changes", "[]", _elements(change_json(c, texts) for c in report.changes), last=True)
    out.write("}\n")
