"""What every changelog source ends as: releases made of entries, and the loaded changelog."""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .history import ChangelogHistory


@dataclass(frozen=True)
class Entry:
    """One bullet of a release's notes; nested bullets stay with their parent, flattened in order."""

    text: str
    children: tuple[str, ...] = ()

    @property
    def full_text(self) -> str:
        """The bullet with its sub-bullets, as one string: what history compares and edits report."""
        return "\n".join([self.text, *(f"  - {child}" for child in self.children)])


@dataclass(frozen=True)
class Release:
    """One version's section: its version (no "v"), the date its heading gives if any, its entries."""

    version: str
    date: str | None
    entries: tuple[Entry, ...]


@dataclass
class Changelog:
    """Releases as parsed, the entries' git history (git sources only), where it came from. An empty
    `origin` means no source answered."""

    releases: list[Release]
    history: ChangelogHistory | None
    origin: str
    warning: str = ""
    known_until: str | None = None
    """When this copy last knew what the vendor wrote (ISO): the read of a remote source, a local
    repository's newest commit, a file's modification. A release published later is not judged."""

    @cached_property
    def digest(self) -> str:
        """What a judgement against this changelog is keyed by: its releases and the commits its
        history folded (the history is made of those, by the code that folded them)."""
        commits = self.history.commits if self.history else []
        return hashlib.sha256(pickle.dumps((self.releases, commits), protocol=5)).hexdigest()  # see judgements._key


def dump_releases(releases: list[Release]) -> str:
    """Releases as compact JSON: the parsed form the store keeps beside the text it came from."""
    return json.dumps(
        [[r.version, r.date, [[e.text, *e.children] for e in r.entries]] for r in releases],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def load_releases(data: str) -> list[Release]:
    """The inverse of `dump_releases`; ValueError when `data` is not its output."""
    rows = json.loads(data)
    if type(rows) is not list:
        raise ValueError("parsed changelog is not a list of releases")
    return [_release(row) for row in rows]


def _release(row: object) -> Release:
    if type(row) is not list or len(row) != 3 or type(row[0]) is not str or type(row[2]) is not list:
        raise ValueError("parsed changelog has a release that is not [version, date, entries]")
    version, date, entries = row
    return Release(version, date, tuple(_entry(item) for item in entries))


def _entry(item: object) -> Entry:
    if type(item) is not list or not item or type(item[0]) is not str:
        raise ValueError("parsed changelog has an entry that is not [text, *children]")
    return Entry(item[0], tuple(item[1:]))
