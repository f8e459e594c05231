"""What the changelog said about a release, as it stood then.

A verdict on a release reads its window: the release's own section and one published release on each
side (vendors note a change a release early or late), with every changelog section in between. It
reads them as they stood when the window closed — the next release's publication plus a day — so
that a verdict never uses an entry written or rewritten later: a replay of history a year on reaches
the verdict a run on the day did. `Corpus` holds every text an entry ever had, each with the time it
was there; `known` picks those of one moment.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from .. import versions as vers
from .history import ChangelogHistory, EntryRecord, instant
from .model import Changelog, Entry, Release

GRACE = timedelta(hours=24)
"""An entry written within a day of the window's last release still belongs to it (late_entries' bound)."""


@dataclass(frozen=True)
class Window:
    """The versions whose sections speak of `version` (`low` ≤ v ≤ `high`), and when their words were
    final (`closes`, a POSIX time; infinity while the next release is not out)."""

    version: str
    low: str
    high: str
    closes: float

    def holds(self, version: str) -> bool:
        return vers.parse(self.low) <= vers.parse(version) <= vers.parse(self.high)


def window(version: str, published: Mapping[str, str | None] | None, sections: Sequence[str] = ()) -> Window:
    """`version`'s window: one published release on each side (stable releases only); without publish
    times, the neighbouring changelog sections, and never closed."""
    return Calendar(published, sections).window(version)


class Calendar:
    """The releases in order, sorted once: a judgement asks for the windows of thousands of changes."""

    def __init__(self, published: Mapping[str, str | None] | None, sections: Sequence[str] = ()):
        self.published = published or {}
        self._ordered = vers.sort(v for v in self.published if not vers.is_prerelease(v))
        self._sections = sections
        self._keys = [vers.parse(v) for v in self._ordered]

    def window(self, version: str) -> Window:
        """`version`'s window (see `window`)."""
        ordered, keys = self._ordered, self._keys
        if not ordered:
            ordered = vers.sort(set(self._sections) | {version})
            keys = [vers.parse(v) for v in ordered]
        at = vers.parse(version)
        i = bisect.bisect_left(keys, at)
        j = i + 1 if i < len(keys) and keys[i] == at else i
        low = ordered[i - 1] if i > 0 else version
        high = ordered[j] if j < len(ordered) else version
        stamp = self.published.get(high) if high != version else None
        closes = (instant(stamp) + GRACE).timestamp() if stamp else math.inf
        return Window(version, low, high, closes)


def beyond(published: Mapping[str, str | None], copy: Changelog) -> frozenset[str]:
    """The releases a changelog copy cannot know: with no section of their own in it, and published
    less than GRACE before it last knew what the vendor wrote (their notes may still have been on the
    way: release bots write them after npm publishes). Whatever their notes say, this copy cannot, so
    they are not judged (neither documented nor undocumented). A release whose section it has is judged,
    though the notes were often committed an hour before npm published it."""
    if copy.known_until is None:
        return frozenset()
    horizon = instant(copy.known_until)
    sections = {release.version for release in copy.releases}
    return frozenset(
        v for v, stamp in published.items() if stamp and not vers.is_prerelease(v) and instant(stamp) + GRACE > horizon and v not in sections
    )


@dataclass(frozen=True)
class Text:
    """One text an entry had, and when (POSIX times; `since` -inf: already in the history's first
    commit, or no history; `until` inf: still there)."""

    version: str
    entry: Entry
    since: float
    until: float


class Corpus:
    """Every text every entry had: the current ones (dated by the history where it holds them) and,
    from the history, earlier wordings and entries since removed. Without a history, the current
    texts, always there."""

    def __init__(self, releases: Sequence[Release], history: ChangelogHistory | None):
        self.texts: list[Text] = []
        records: dict[tuple[str, str], list[EntryRecord]] = {}
        for version, held in (history.entries.items() if history else ()):
            for record in held:
                records.setdefault((version, record.text), []).append(record)
        for release in releases:
            for entry in release.entries:
                same = records.get((release.version, entry.full_text))
                if same and history is not None:
                    self.texts += _texts(history, release.version, same.pop(0), entry)
                else:
                    self.texts.append(Text(release.version, entry, -math.inf, math.inf))
        if history is not None:
            for (version, _), rest in records.items():  # removed since, or moved to another section
                self.texts += [text for record in rest for text in _texts(history, version, record, None)]
        self._keys = [vers.parse(text.version) for text in self.texts]
        self.sections = vers.sort({text.version for text in self.texts})

    def said(self, version: str, published: Mapping[str, str | None] | None) -> list[Text]:
        """The texts of `version`'s window, as they stood when it closed."""
        at = window(version, published, self.sections)
        return [self.texts[i] for i in self.known(at) if at.holds(self.texts[i].version)]

    def known(self, at: Window) -> list[int]:
        """The indexes of the texts the changelog held when `at` closed, in sections up to its last release."""
        high = vers.parse(at.high)
        return [i for i, text in enumerate(self.texts) if text.since <= at.closes and (at.closes < text.until or text.until == math.inf) and self._keys[i] <= high]


def _texts(history: ChangelogHistory, version: str, record: EntryRecord, current: Entry | None) -> list[Text]:
    """An entry's wordings over time, until it or its section was removed; the last one is `current`
    where the changelog still has it."""
    start = -math.inf if record.first_sha == history.baseline else _time(record.first_date)
    wordings = [(start, record.original)] + [(_time(edit.date), edit.new) for edit in record.edits]
    section = history.sections.get(version)
    ends = [record.removed_date, section.removed_date if section else None]
    end = min((_time(stamp) for stamp in ends if stamp), default=math.inf)
    out = []
    for n, (since, text) in enumerate(wordings):
        until = wordings[n + 1][0] if n + 1 < len(wordings) else end
        if since < until:
            last = n + 1 == len(wordings)
            out.append(Text(version, current if last and current is not None else Entry(text), since, until))
    return out


def _time(stamp: str) -> float:
    return instant(stamp).timestamp()
