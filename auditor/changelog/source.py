"""Where a target's changelog comes from, in order: what the user named (`--changelog` or
`$AUDITOR_CHANGELOG`), else the vendor's git repository, else its raw URL, else its GitHub Releases
(a vendor with none of those: its releases page), else the copy fetched last time. Git sources also give the history of every entry, folded incrementally and kept in the store.
A remote source (a URL) is asked at most every FRESH_FOR seconds.

The store keeps the text last read from each source with its parsed releases, so a run whose source
says the same as last time parses nothing (markdown-it is not even imported), and a history that folded
no new commit is not written again.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ChangelogError
from ..npm import DEFAULT_MAX_AGE
from .history import ChangelogHistory
from .markdown import PARSER, parse
from .model import Changelog, Release, dump_releases, load_releases

if TYPE_CHECKING:
    from ..npm import HttpClient
    from ..store import SavedChangelog, Store
    from ..targets import Target

ENV = "AUDITOR_CHANGELOG"
_REMOTE = re.compile(r"^(?!file:)[a-z][a-z0-9+.-]*://|^[\w.-]+@[\w.-]+:")  # a URL, or git's user@host:path
_API_RELEASES = re.compile(r"^https?://[^/]+(?:/.*)?/repos/[^/]+/[^/]+/releases/?$")  # GitHub's (or GitHub Enterprise's) API
RELEASE_PAGES = 10  # a releases page lists 10; this reaches back ~100 releases
FRESH_FOR = DEFAULT_MAX_AGE
"""Seconds a remote changelog is used as last read without asking its source again (a git fetch, an
HTTP GET): as long as a packument is trusted."""


def env_name(target: str) -> str:
    """The variable naming one target's changelog: AUDITOR_CHANGELOG_CODEX, AUDITOR_CHANGELOG_GEMINI_CLI."""
    return f"{ENV}_{re.sub(r'[^A-Za-z0-9]', '_', target).upper()}"


def load(target: Target, store: Store, client: HttpClient, cache_dir: Path, source: str | None = None,
         published: Callable[[], Iterable[str]] | None = None) -> Changelog:
    """The changelog from the first source that answers: `source` (--changelog), the target's own
    variable, `$AUDITOR_CHANGELOG`, the vendor's. When none does, an empty one whose warning says why:
    changes can still be reported, just not judged. `$AUDITOR_CHANGELOG` names one file for every
    target: one that names none of this target's `published` releases is another CLI's, and is set aside."""
    source = source or os.environ.get(env_name(target.name))
    shared = None if source else os.environ.get(ENV)
    if not shared:
        return _load(target, store, client, cache_dir, source)
    found = _load(target, store, client, cache_dir, shared)
    if published is None or {r.version for r in found.releases} & set(published()):
        return found
    found = _load(target, store, client, cache_dir, None)
    aside = (f"${ENV} ({shared}) names no release of {target.display_name}, so it was set aside: name this CLI's changelog"
             f" with ${env_name(target.name)} or --changelog")
    return replace(found, warning="; ".join(w for w in (aside, found.warning) if w))


def _load(target: Target, store: Store, client: HttpClient, cache_dir: Path, source: str | None) -> Changelog:
    """The changelog from `source`, else from the vendor's sources, else the copy fetched last time."""
    where = target.changelog
    # a vendor that keeps no changelog file publishes its notes only on a releases page
    candidates = [source] if source else [s for s in (where.git_url, where.raw_url, where.releases_url) if s] or [s for s in (where.html_url,) if s]
    errors = []
    for candidate in candidates:
        try:
            return _fetch(candidate, target, store, client, cache_dir)
        except ChangelogError as exc:
            errors.append(str(exc))
    for candidate in candidates:
        saved = store.changelog(candidate)
        if saved:
            history = ChangelogHistory.from_dict(saved.history) if saved.history else None
            read, parser = _parser(candidate, target)
            return Changelog(
                _parsed(saved.text, saved, parser) or read(saved.text),
                history,
                candidate,
                warning=f"changelog unreachable ({errors[0]}); using the copy fetched {saved.fetched_at}",
                known_until=_known_until(candidate, history, saved.fetched_at),
            )
    if source:  # the user named it: failing to read it is an error, not a silent downgrade
        raise ChangelogError(errors[0])
    return Changelog([], None, "", warning=f"no changelog could be read ({errors[0] if errors else 'no source'})")


def kind(source: str) -> str:
    """Which reader a source needs: "releases" (GitHub's API for a repository's releases, a URL ending
    in /repos/OWNER/REPO/releases, or a saved answer of it: a local .json file), "file" (a CHANGELOG.md
    on disk), "page" (an http(s) URL of a releases page: it has "/releases"), "raw" (any other http(s)
    URL not ending in .git), else "git" (a repository: a URL, a clone, or a bundle file)."""
    remote = _REMOTE.match(source) is not None
    if (source.endswith(".json") and not remote) or (remote and _API_RELEASES.search(source.split("?")[0])):
        return "releases"
    if Path(source).is_file() and not source.endswith(".bundle"):
        return "file"
    if source.startswith(("http://", "https://")) and not source.endswith(".git"):
        return "page" if "/releases" in source else "raw"
    return "git"


def _parser(source: str, target: Target) -> tuple[Callable[[str], list[Release]], str]:
    """How the text read from `source` becomes releases, and the name its parsed form is kept under in
    the store (a changelog's markdown, or a GitHub releases list read with the target's tag prefix)."""
    if kind(source) == "releases":
        from . import releases

        prefix = target.changelog.tag_prefix
        return (lambda text: releases.parse(text, prefix, source)), f"releases{releases.PARSER}.{PARSER}:{prefix}"
    return (lambda text: parse(text)), PARSER


def _fetch(source: str, target: Target, store: Store, client: HttpClient, cache_dir: Path) -> Changelog:
    """Read `source`, parse what it says unless the store has it parsed, and save what changed. A
    remote source read less than FRESH_FOR ago is not asked again."""
    saved = store.changelog(source)
    read, parser = _parser(source, target)
    if saved and _fresh(source, saved.fetched_at):
        releases = _parsed(saved.text, saved, parser)
        if releases is not None:
            history = ChangelogHistory.from_dict(saved.history) if saved.history else None
            return Changelog(releases, history, source, known_until=_known_until(source, history, saved.fetched_at))
    history = None
    history_changed = False
    match kind(source):
        case "file":
            text = _read_file(source)
        case "releases" if not _REMOTE.match(source):
            text = _read_file(source)
        case "releases":
            from . import releases as api

            text = api.fetch(client, source, api.token_for(source, os.environ))
        case "page":
            from . import page

            text = page.as_markdown(page.fetch_releases(client, source, pages=RELEASE_PAGES))
        case "raw":
            from . import raw

            text = raw.fetch_text(client, source)
        case _:
            from . import repository

            history = ChangelogHistory.from_dict(saved.history) if saved and saved.history else ChangelogHistory()
            path = Path(source)
            known = saved.text if saved and saved.history else None
            text, folded = repository.read(str(path.resolve()) if path.exists() else source, target.changelog.path, cache_dir, history, known,
                                           target.changelog.pages)
            history_changed = folded > 0 or not (saved and saved.history)
    releases = _parsed(text, saved, parser)
    if releases is not None and not history_changed:
        store.touch_changelog(source)
    else:
        releases = read(text)
        store.save_changelog(source, text, history.to_dict() if history else None, dump_releases(releases), parser)
    return Changelog(releases, history, source, known_until=_known_until(source, history, datetime.now(UTC).isoformat()))


def _known_until(source: str, history: ChangelogHistory | None, read_at: str) -> str | None:
    """Up to when a copy read at `read_at` knows what the vendor wrote: a remote source, until it was
    read; a local repository or bundle (a mirror of unknown age), until its newest commit; a local
    file, until it was last modified."""
    if _REMOTE.match(source) or kind(source) in ("page", "raw"):
        return read_at
    if history is not None:
        return history.newest_date()
    try:
        return datetime.fromtimestamp(Path(source).stat().st_mtime, UTC).isoformat()
    except OSError:
        return None


def _fresh(source: str, fetched_at: str) -> bool:
    """Whether the copy the store keeps of `source` still says what it does: a remote source read less
    than FRESH_FOR ago, or a local file (a CHANGELOG.md, a saved API answer, a git bundle) not modified
    since it was read. A clone's folder is always read: a new commit leaves the folder's time alone."""
    try:
        read = datetime.fromisoformat(fetched_at).timestamp()
    except ValueError:  # not a time (an imported store's): read it again
        return False
    if not _REMOTE.match(source):
        try:
            return Path(source).is_file() and Path(source).stat().st_mtime < read
        except OSError:
            return False
    return 0 <= time.time() - read < FRESH_FOR


def _read_file(source: str) -> str:
    try:
        return Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ChangelogError(f"cannot read changelog {source}: {exc.strerror or exc}") from exc


def _parsed(text: str, saved: SavedChangelog | None, parser: str) -> list[Release] | None:
    """The releases `text` holds, as saved when the store parsed this very text with this parser; None
    when it did not (or what it kept is unreadable)."""
    if saved and saved.text == text and saved.parser == parser and saved.parsed:
        try:
            return load_releases(saved.parsed)
        except ValueError:  # not what dump_releases wrote: it is parsed again and saved over
            return None
    return None
