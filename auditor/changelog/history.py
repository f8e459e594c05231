"""The changelog's history, folded commit by commit: when each section and entry appeared, how entries
were rewritten, moved or dropped; and the findings drawn from it (missing sections, late entries)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, NamedTuple

from .. import versions
from ..errors import ChangelogError
from .markdown import parse
from .model import Entry, Release


class FileVersion(NamedTuple):
    """The changelog file as one commit left it."""

    sha: str
    date: datetime
    text: str


# fuzz.ratio of an entry's old and new text at or above which a change is an edit of the same entry.
# Real rewrites ("Fixed X" → "Fixed X when Y") score 70+; different entries of one release rarely pass 60.
EDIT_SIMILARITY = 60.0


@dataclass(frozen=True)
class Edit:
    """A commit that rewrote an entry after it first appeared."""

    sha: str
    date: str
    old: str
    new: str


@dataclass
class EntryRecord:
    """One entry of one version across commits: when it appeared, how it was rewritten, if it was dropped."""

    text: str
    first_sha: str
    first_date: str
    edits: list[Edit] = field(default_factory=list)
    removed_sha: str | None = None
    removed_date: str | None = None
    moved_from: str | None = None  # the version it was taken from in the commit that added it here
    moved_to: str | None = None  # the version it went to in the commit that removed it here

    @property
    def original(self) -> str:
        """The text as first published, before any edit."""
        return self.edits[0].old if self.edits else self.text


@dataclass
class SectionRecord:
    """When a version's section first appeared (and whether the newest commit still has it)."""

    first_sha: str
    first_date: str
    removed_sha: str | None = None
    removed_date: str | None = None


@dataclass
class ChangelogHistory:
    """The changelog's history folded commit by commit; JSON-able so later runs fold only new commits.

    `baseline` is the first commit that parsed: sections and entries already in it have no known
    appearance date (they predate the history), so lateness is never measured for them.
    """

    FORMAT: ClassVar[int] = 1

    commits: list[str] = field(default_factory=list)
    baseline: str | None = None
    sections: dict[str, SectionRecord] = field(default_factory=dict)
    entries: dict[str, list[EntryRecord]] = field(default_factory=dict)

    @property
    def last_commit(self) -> str | None:
        return self.commits[-1] if self.commits else None

    def newest_date(self) -> str | None:
        """The date of the newest commit that changed what the file says (ISO)."""
        dates = [d for s in self.sections.values() for d in (s.first_date, s.removed_date) if d]
        dates += [d for records in self.entries.values() for r in records for d in (r.first_date, r.removed_date, *(e.date for e in r.edits)) if d]
        return max(dates, key=instant, default=None)

    def as_of(self, when: datetime) -> tuple[ChangelogHistory, list[Release]]:
        """The history as it stood at `when` (commits after it unfolded), and the releases the file held
        then: what a run on that day knew. Commits are known here by their dates only."""
        def before(stamp: str | None) -> bool:
            return stamp is not None and instant(stamp) <= when

        then = ChangelogHistory(baseline=self.baseline)
        for version, section in self.sections.items():
            if before(section.first_date):
                gone = before(section.removed_date)
                then.sections[version] = SectionRecord(section.first_sha, section.first_date, section.removed_sha if gone else None,
                                                       section.removed_date if gone else None)
        releases = []
        for version, records in self.entries.items():
            kept = []
            for record in records:
                if not before(record.first_date):
                    continue
                edits = [e for e in record.edits if before(e.date)]
                gone = before(record.removed_date)
                kept.append(EntryRecord(
                    edits[-1].new if edits else record.original, record.first_sha, record.first_date, edits,
                    record.removed_sha if gone else None, record.removed_date if gone else None, record.moved_from,
                    record.moved_to if gone else None,
                ))
            if kept:
                then.entries[version] = kept
            held = then.sections.get(version)
            if held is not None and held.removed_sha is None:
                texts = [r.text for r in kept if r.removed_sha is None]
                releases.append(Release(version, None, tuple(Entry(text) for text in texts)))
        return then, sorted(releases, key=lambda r: versions.parse(r.version), reverse=True)

    def edited(self) -> list[tuple[str, EntryRecord]]:
        """(version, entry) for every entry rewritten after it first appeared."""
        return [(version, record) for version, records in self.entries.items() for record in records if record.edits]

    def to_dict(self) -> dict:
        return {
            "format": self.FORMAT,
            "commits": list(self.commits),
            "baseline": self.baseline,
            "sections": {version: asdict(section) for version, section in self.sections.items()},
            "entries": {version: [asdict(record) for record in records] for version, records in self.entries.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> ChangelogHistory:
        if not isinstance(data, dict) or data.get("format") != cls.FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ChangelogError(f"changelog history has format {found!r}, expected {cls.FORMAT}; rebuild it")
        try:
            return cls(
                commits=list(data["commits"]),
                baseline=data["baseline"],
                sections={version: SectionRecord(**section) for version, section in data["sections"].items()},
                entries={
                    version: [
                        EntryRecord(**{**record, "edits": [Edit(**edit) for edit in record["edits"]]})
                        for record in records
                    ]
                    for version, records in data["entries"].items()
                },
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ChangelogError(f"changelog history is corrupt ({type(exc).__name__}: {exc}); rebuild it") from exc


def update(history: ChangelogHistory, file_versions: Iterable[FileVersion]) -> int:
    """Fold commits (oldest first) into `history` in place; commits already folded are not parsed again.

    Returns how many commits were folded. A commit whose file does not parse is recorded as seen but
    changes nothing, so one broken commit cannot make every entry look removed and re-added.
    """
    seen = set(history.commits)
    folded = 0
    for snapshot in file_versions:
        if snapshot.sha in seen:
            continue
        try:
            releases = parse(snapshot.text)
        except ChangelogError:
            releases = None
        if releases is not None:
            _fold(history, releases, snapshot.sha, snapshot.date.isoformat())
        history.commits.append(snapshot.sha)
        seen.add(snapshot.sha)
        folded += 1
    return folded


def _fold(history: ChangelogHistory, releases: list[Release], sha: str, date: str) -> None:
    if history.baseline is None:
        history.baseline = sha
    present = set()
    removed: dict[str, list[tuple[str, EntryRecord]]] = {}
    added: list[tuple[str, EntryRecord]] = []
    for release in releases:
        present.add(release.version)
        section = history.sections.get(release.version)
        if section is None:
            history.sections[release.version] = SectionRecord(sha, date)
        else:
            section.removed_sha = section.removed_date = None
        records = history.entries.setdefault(release.version, [])
        gone, new = _match(records, [entry.full_text for entry in release.entries], sha, date)
        for record in gone:
            removed.setdefault(record.text, []).append((release.version, record))
        added.extend((release.version, record) for record in new)
    for version, record in added:  # same text gone from one version and new in another: a move
        if removed.get(record.text):
            source, origin = removed[record.text].pop(0)
            record.moved_from, origin.moved_to = source, version
    for version, section in history.sections.items():
        if version not in present and section.removed_sha is None:
            section.removed_sha, section.removed_date = sha, date


def _match(
    records: list[EntryRecord], texts: list[str], sha: str, date: str
) -> tuple[list[EntryRecord], list[EntryRecord]]:
    """Carry a version's entries over to one commit: same text, else a similar text (an edit), else new.

    Returns the records this commit removed and the ones it added. Entries of a section that
    disappears altogether are left alone (the section's record notes it), and an entry that comes
    back with its exact old text is revived rather than counted as new.
    """
    unmatched: dict[str, list[EntryRecord]] = {}
    for record in records:
        if record.removed_sha is None:
            unmatched.setdefault(record.text, []).append(record)
    new_texts = []
    for text in texts:
        if unmatched.get(text):
            unmatched[text].pop(0)
        else:
            new_texts.append(text)
    old = [record for bucket in unmatched.values() for record in bucket]
    if not old and not new_texts:
        return [], []
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    if old and new_texts:
        from rapidfuzz import fuzz  # only a fold compares texts; a warm run folds nothing

        scored = (
            (fuzz.ratio(record.text, text, score_cutoff=EDIT_SIMILARITY), -abs(i - j), i, j)
            for i, record in enumerate(old)
            for j, text in enumerate(new_texts)
        )
        for score, _, i, j in sorted(scored, reverse=True):
            if not score:
                break
            if i in taken_old or j in taken_new:
                continue
            taken_old.add(i)
            taken_new.add(j)
            old[i].edits.append(Edit(sha, date, old[i].text, new_texts[j]))
            old[i].text = new_texts[j]
    gone = [record for i, record in enumerate(old) if i not in taken_old]
    for record in gone:
        record.removed_sha, record.removed_date = sha, date
    dropped_before: dict[str, list[EntryRecord]] = {}
    for record in records:
        if record.removed_sha is not None and record.removed_sha != sha:
            dropped_before.setdefault(record.text, []).append(record)
    added = []
    for j, text in enumerate(new_texts):
        if j in taken_new:
            continue
        if dropped_before.get(text):
            revived = dropped_before[text].pop(0)
            revived.removed_sha = revived.removed_date = revived.moved_to = None
        else:
            added.append(EntryRecord(text, sha, date))
    records.extend(added)
    return gone, added


# ---------------------------------------------------------------------------------------------- findings


def missing_versions(published: Iterable[str], releases: Iterable[Release]) -> list[str]:
    """Published versions with no changelog section, in version order: a release users got unannounced."""
    documented = {release.version for release in releases}
    return versions.sort({version for version in published if version not in documented})


@dataclass(frozen=True)
class Late:
    """Changelog text that appeared long after users could install the version it describes.

    `entry` is None when the whole section was late; otherwise it is an entry added to a section that
    already existed (its text when added).
    """

    version: str
    entry: str | None
    published: str
    appeared: str
    sha: str
    hours: float


def late_entries(history: ChangelogHistory, publish_times: Mapping[str, str], hours: float = 24.0) -> list[Late]:
    """Sections and entries whose first commit came more than `hours` after the npm publish time.

    Anything already present in the history's first commit is skipped: it predates the history, so
    when it really appeared is unknown. `publish_times` is npm's `time` map (extra keys are ignored).
    """
    found = []
    for version in versions.sort(v for v in publish_times if v in history.sections):
        published = instant(publish_times[version])
        section = history.sections[version]
        late: list[tuple[str | None, str, str]] = []
        if section.first_sha != history.baseline:
            late.append((None, section.first_sha, section.first_date))
        late += [
            (record.original, record.first_sha, record.first_date)
            for record in history.entries.get(version, ())
            if record.first_sha not in (history.baseline, section.first_sha)
        ]
        for entry, sha, appeared in late:
            delay = (instant(appeared) - published).total_seconds() / 3600
            if delay > hours:
                found.append(Late(version, entry, publish_times[version], appeared, sha, round(delay, 1)))
    return found


def instant(stamp: str) -> datetime:
    """An ISO timestamp as an aware datetime (git and npm stamps; naive ones are UTC)."""
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
