"""Versioned JSON, written as it goes: the whole history is ~47,000 changes whose long texts recur in
`before`, `after` and every step of `history` (and in other changes), so each long text is written once,
in `texts`, keyed by its digest, and nothing holds the whole document in memory. A text that is the next
step of another (an embedded document edited release after release) is written as the lines it
changes in that one, when that is less than half its size. The format is a contract: docs/json.md says
what every field means and how a text reference resolves."""

from __future__ import annotations

import difflib
import hashlib
import json as _json
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from ..diff import Change
from ..pin import Recommendation
from . import SCHEMA_VERSION, DiffReport

TEXT_MIN = 64  # characters: a string value this long is written once, in `texts`, and referred to by digest


def digest(text: str) -> str:
    """A text's key in `texts`: the SHA-256 of its UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


Edit = tuple[int, int, list[str]]  # base lines [start, end) replaced by these lines


def line_edits(base: str, text: str) -> list[Edit]:
    """`text` as edits of `base`, both split into lines at "\\n" (and nothing else, so that every
    language splits them alike), in order: applied from the last to the first, each replacing base lines
    [start, end) by its lines, they turn `base` into `text`. Common first and last lines are set aside
    before difflib aligns the rest: an edited document is mostly both."""
    a, b = base.split("\n"), text.split("\n")
    head, most = 0, min(len(a), len(b))
    while head < most and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < most - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle = difflib.SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail])
    return [(head + i1, head + i2, b[head + j1 : head + j2]) for op, i1, i2, j1, j2 in middle.get_opcodes() if op != "equal"]


class Texts:
    """The long texts of a report's changes by digest, each hashed once (a text shared by many changes
    and steps is one object in memory, so it is known by its identity), as they are written: the text,
    or {"base": digest, "lines": edits} for one written as the lines it changes in an earlier text."""

    def __init__(self) -> None:
        self.by_digest: dict[str, str | dict[str, Any]] = {}
        self._digests: dict[int, tuple[str, str]] = {}  # id -> (the text, kept alive so its id is not reused; digest)

    def ref(self, value: Any, base: tuple[str, str] | None = None) -> str | None:
        """The digest `value` is written as, or None when it is written as itself. A text not seen
        before is kept as its edits of `base` (digest, text: one already kept) when they are less than
        half its size."""
        if not isinstance(value, str) or len(value) < TEXT_MIN:
            return None
        known = self._digests.get(id(value))
        if known is None:
            known = self._digests[id(value)] = (value, digest(value))
            if known[1] not in self.by_digest:
                self.by_digest[known[1]] = self._written(value, base)
        return known[1]

    @staticmethod
    def _written(text: str, base: tuple[str, str] | None) -> str | dict[str, Any]:
        if base is None or "\n" not in text:
            return text
        edits = line_edits(base[1], text)
        size = sum(16 + sum(len(line) + 4 for line in new) for _, _, new in edits)
        return {"base": base[0], "lines": edits} if size < len(text) // 2 else text

    def add(self, changes: Iterable[Change]) -> None:
        """Every long text of these changes, a change's steps in order (each may be kept as its edits of
        the one before)."""
        for change in changes:
            previous = None
            for value in (change.before, *(v for _, v in change.history), change.after):
                ref = self.ref(value, previous)
                if ref is not None:
                    previous = (ref, value)


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
    """The report as JSON on `out`, written as it goes: the header, `findings`, `texts` (each text after
    the one it edits, and all before anything refers to them, so a streaming reader can resolve as it
    reads), then `changes`."""
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
        "setup": report.setup.to_json() if report.setup else None,
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


PIN_SCHEMA_VERSION = 1  # the pin's JSON is versioned on its own (README, "Pin JSON")


def render_pin(rec: Recommendation) -> str:
    """`audit pin --format json`: the recommendation object of the report's JSON, versioned on its own
    (a contract: see README, "Pin JSON")."""
    return _json.dumps({"schema_version": PIN_SCHEMA_VERSION, **rec.to_json()}, indent=2, ensure_ascii=False)
