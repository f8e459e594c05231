"""The vendor's changelog: git / raw / HTML sources → versions and entries, and how they changed over time.

Three sources, because users meet the changelog in three places: the CHANGELOG.md file in a git
repository (its history tells *when* each line appeared and whether it was rewritten later), the same
file at a raw URL (cheap, current text only), and the rendered GitHub releases page (the only place some
vendors write notes). All three end as the same `Release` objects so the judge doesn't care which one
answered.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar, NamedTuple
from urllib.parse import urljoin

import git
import httpx
from bs4 import BeautifulSoup, Comment, Tag
from markdown_it import MarkdownIt
from markdown_it.token import Token
from rapidfuzz import fuzz

from . import versions
from .errors import ChangelogError

# ---------------------------------------------------------------------------------------------- model


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


# ---------------------------------------------------------------------------------------------- parse

# Forms seen in the wild: "2.1.109", "v2.1.109", "[2.1.109] - 2026-04-15", "2.1.0 (2026-01-07)".
# Anything else after the version means the heading is about something else, so it must not match.
_VERSION_HEADING = re.compile(
    r"""^(?:version\s+|release\s+)?
        \[?v?(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]?
        (?:\s*[-–—:]?\s*\(?(?P<date>\d{4}-\d{2}-\d{2})\)?)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# In HTML the version sits in a release title ("v2.1.109", "Claude Code 2.1.109"), so search, don't match.
_VERSION_IN_TITLE = re.compile(r"(?<![\w.])v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?![\w.])")

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def parse(text: str) -> list[Release]:
    """Releases in document order. Bullets (and prose paragraphs) under a version heading are its entries.

    A non-version heading deeper than the version heading ("### Fixed") stays inside the release; one at
    the same or a higher level ("## Unreleased") ends it. Text outside any version is ignored. Raises
    ChangelogError when the input is not text or holds no version heading, which is what a wrong URL, an
    HTML error page or a renamed file looks like.
    """
    if not isinstance(text, str):
        raise ChangelogError(f"changelog is not text (got {type(text).__name__})")
    if _UNSPLITTABLE.search(text):
        events = _events(text)
    else:
        events = tuple(event for chunk in _SPLIT.split(text) for event in _chunk_events(chunk))
    found: dict[str, tuple[str | None, list[Entry]]] = {}
    current: list[Entry] | None = None
    section_level = 0
    for event in events:
        if isinstance(event, Entry):
            if current is not None:
                current.append(event)
            continue
        level, title = event
        match = _VERSION_HEADING.match(title)
        if match:
            date, current = found.setdefault(match["version"], (match["date"], []))
            section_level = level
        elif level <= section_level:
            current = None
    if not found:
        raise ChangelogError("changelog has no version headings (expected e.g. '## 2.1.109')")
    return [Release(version, date, tuple(entries)) for version, (date, entries) in found.items()]


# A changelog is parsed section by section (split before every "#" heading at column 0) so that each
# commit re-parses only the sections it changed: 20x faster over a long history. Such a heading always
# ends any list, quote or paragraph, so splitting there changes nothing, unless a fenced code block, an
# HTML block or a link reference definition could reach across it: then the text is parsed whole.
_SPLIT = re.compile(r"^(?=#{1,6}(?:[ \t]|$))", re.MULTILINE)
_UNSPLITTABLE = re.compile(r"^ {0,3}(?:```|~~~|<|\[[^\]]+\]:)", re.MULTILINE)

_Event = Entry | tuple[int, str]  # an entry, or a top-level heading as (level, plain text)


@functools.lru_cache(maxsize=4096)
def _chunk_events(chunk: str) -> tuple[_Event, ...]:
    return _events(chunk)


def _events(text: str) -> tuple[_Event, ...]:
    """Top-level headings and entries in document order; nested bullets folded into their entry."""
    events: list[_Event] = []
    items: list[tuple[list[str], list[str]]] = []  # open list items: (own paragraphs, flattened children)
    tokens = _MARKDOWN.parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0:
            events.append((int(token.tag[1]), _plain(tokens[i + 1])))
        elif token.type == "list_item_open":
            items.append(([], []))
        elif token.type == "list_item_close":
            own, children = items.pop()
            entry = Entry(" ".join(own), tuple(children))
            if items:
                items[-1][1].extend([entry.text, *entry.children])
            else:
                events.append(entry)
        elif token.type == "inline" and tokens[i - 1].type == "paragraph_open":
            words = _plain(token)
            if items:
                items[-1][0].append(words)
            elif words:
                events.append(Entry(words))
    return tuple(events)


def _plain(inline: Token) -> str:
    """The words of an inline token: markup, links and HTML tags dropped, code and alt text kept."""
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain(child))
    return " ".join("".join(parts).split())


# ---------------------------------------------------------------------------------------------- git


class FileVersion(NamedTuple):
    """The changelog file as one commit left it."""

    sha: str
    date: datetime
    text: str


def safe_name(url: str) -> str:
    """A directory name for a repository URL: readable, and unique even when two URLs slug alike."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1]).strip("._-")[:60]
    return f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


_NO_PROMPT = {"GIT_TERMINAL_PROMPT": "0"}  # a wrong GitHub URL asks for a password; fail instead of hanging


def sync(url: str, cache_dir: Path) -> git.Repo:
    """A bare clone of `url` under `cache_dir/changelog/`, cloned the first time and fetched after.

    The clone is made beside its final place and renamed in, so an interrupted clone never leaves a
    half repository that later runs would trust.
    """
    dest = Path(cache_dir) / "changelog" / safe_name(url)
    try:
        if dest.exists():
            try:
                repo = git.Repo(dest)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                shutil.rmtree(dest)
            else:
                with repo.git.custom_environment(**_NO_PROMPT):
                    repo.git.fetch("origin", "+refs/heads/*:refs/heads/*", "--prune")
                return repo
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f"{dest.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        git.Repo.clone_from(url, partial, bare=True, env=_NO_PROMPT)
        try:
            partial.rename(dest)
        except OSError:  # another process finished its clone first: use theirs
            shutil.rmtree(partial, ignore_errors=True)
        return git.Repo(dest)
    except git.GitCommandError as exc:
        raise ChangelogError(f"cannot get changelog repository {url}: {_last_line(exc.stderr)}") from None


def _last_line(stderr: str | bytes | None) -> str:
    """Git's last words (gitpython wraps them as "stderr: '…'"): usually the one line that says why."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    lines = [re.sub(r"^\s*(?:stderr:\s*)?'?|'?\s*$", "", line) for line in (stderr or "").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else "git failed"


def file_versions(repo: git.Repo, path: str, after: str | None = None, rev: str = "HEAD") -> Iterator[FileVersion]:
    """Every commit that touched `path`, oldest first, with the file's text at that commit.

    With `after` (the last commit already folded) only newer commits are read, so a rerun costs nothing;
    if `after` is not in the history any more (a force-push), the whole history is walked again.
    """
    revs = rev
    if after is not None:
        try:
            if repo.is_ancestor(after, rev):
                revs = f"{after}..{rev}"
        except git.GitCommandError:
            pass
    try:
        for commit in repo.iter_commits(revs, paths=path, reverse=True):
            try:
                blob = commit.tree / path
            except KeyError:  # the commit deleted the file
                continue
            text = blob.data_stream.read().decode("utf-8", "replace")
            yield FileVersion(commit.hexsha, commit.committed_datetime, text)
    except git.GitCommandError as exc:
        raise ChangelogError(f"cannot read history of {path}: {_last_line(exc.stderr)}") from None


# ---------------------------------------------------------------------------------------------- raw URL


def fetch_text(client: httpx.Client, url: str) -> str:
    """The changelog's current text from a raw URL."""
    return _get(client, url).text


def _get(client: httpx.Client, url: str) -> httpx.Response:
    try:
        response = client.get(url, follow_redirects=True)
    except httpx.HTTPError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ChangelogError(f"cannot fetch changelog {url}: {reason}") from None
    if response.status_code != 200:
        raise ChangelogError(f"cannot fetch changelog {url}: HTTP {response.status_code}")
    return response


# ---------------------------------------------------------------------------------------------- HTML


def parse_releases_page(html: str) -> list[Release]:
    """Releases from a rendered releases page (GitHub's layout, but only loosely tied to it).

    Each release body is a `.markdown-body`; its release is the largest enclosing element holding no
    other body, and the version is the first heading or link in that element whose text carries one.
    Its entries are the body's top-level list items and the paragraphs outside lists, as in `parse`.
    """
    releases = _page_releases(BeautifulSoup(html, "html.parser"))
    if not releases:
        raise ChangelogError("releases page lists no releases (no version title with a notes body)")
    return releases


def _page_releases(soup: BeautifulSoup) -> list[Release]:
    releases: dict[str, Release] = {}
    for body in soup.select(".markdown-body"):
        container = body
        for parent in body.parents:
            if parent.name == "[document]" or len(parent.select(".markdown-body")) > 1:
                break
            container = parent
            if parent.name == "section":  # GitHub wraps each release in one; a lone release must not climb
                break  # to the page header and its "Latest: vX" link
        version = _release_version(container, body)
        if version is None or version in releases:
            continue
        stamp = container.select_one("relative-time[datetime], local-time[datetime], time[datetime]")
        date = str(stamp["datetime"])[:10] if stamp else None
        entries = tuple(
            _html_entry(block) if block.name == "li" else Entry(" ".join(block.get_text().split()))
            for block in body.find_all(["li", "p"])
            if block.find_parent("li") is None and block.get_text().strip()
        )
        releases[version] = Release(version, date, entries)
    return list(releases.values())


def _release_version(container: Tag, body: Tag) -> str | None:
    for title in container.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "a"]):
        if any(parent is body for parent in title.parents):
            continue
        match = _VERSION_IN_TITLE.search(title.get_text(" ", strip=True))
        if match:
            return match[1]
    return None


def _html_entry(li: Tag) -> Entry:
    return Entry(_own_text(li), tuple(_own_text(sub) for sub in li.find_all("li")))


def _own_text(li: Tag) -> str:
    """An item's words without its nested lists (those are its children)."""
    parts = []
    for child in li.children:
        if isinstance(child, Tag):
            if child.name not in ("ul", "ol"):
                parts.append(child.get_text())
        elif not isinstance(child, Comment):
            parts.append(str(child))
    return " ".join("".join(parts).split())


def fetch_releases(client: httpx.Client, url: str, pages: int = 1) -> list[Release]:
    """Releases from a releases page and up to `pages - 1` following pages (GitHub shows 10 a page).

    A release published between two page loads shifts the pages; the repeat it causes is dropped.
    """
    releases: dict[str, Release] = {}
    for _ in range(pages):
        response = _get(client, url)
        soup = BeautifulSoup(response.text, "html.parser")
        for release in _page_releases(soup):
            releases.setdefault(release.version, release)
        following = soup.select_one("a[rel~=next][href]")
        if following is None:
            break
        url = urljoin(str(response.url), str(following["href"]))
    if not releases:
        raise ChangelogError(f"releases page {url} lists no releases (no version title with a notes body)")
    return list(releases.values())


# ---------------------------------------------------------------------------------------------- history

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
            raise ChangelogError(f"changelog history is corrupt ({type(exc).__name__}: {exc}); rebuild it") from None


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
        late = [(None, section.first_sha, section.first_date)] if section.first_sha != history.baseline else []
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
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def entries_near(releases: Iterable[Release], version: str, window: int = 1) -> list[tuple[str, Entry]]:
    """The entries of `version` and of `window` versions on each side, in version order.

    Vendors often note a change one release early or late, so the judge looks for evidence next door
    too. A version without a section still gets its neighbours.
    """
    ordered = sorted(releases, key=lambda release: versions.parse(release.version))
    keys = [versions.parse(release.version) for release in ordered]
    target = versions.parse(version)
    at = bisect.bisect_left(keys, target)
    stop = at + window + (1 if at < len(keys) and keys[at] == target else 0)
    return [(release.version, entry) for release in ordered[max(0, at - window) : stop] for entry in release.entries]
