"""Where a target's changelog comes from, in order: what the user named (`--changelog` or
`$AUDITOR_CHANGELOG`: a git URL, clone or bundle; a raw URL; a releases page (`…/releases`); a
CHANGELOG.md file), else the vendor's git repository, else its raw URL, else the copy fetched last time. Git sources also give the history of
every entry, folded incrementally and kept in the store."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import changelog
from .changelog import ChangelogHistory, Release
from .errors import ChangelogError
from .store import Store
from .targets import Target

ENV = "AUDITOR_CHANGELOG"
RELEASE_PAGES = 10  # a releases page lists 10; this reaches back ~100 releases


@dataclass
class Changelog:
    """Releases as parsed, the entries' git history (git sources only), where it came from. An empty
    `origin` means no source answered."""

    releases: list[Release]
    history: ChangelogHistory | None
    origin: str
    warning: str = ""


def load(target: Target, store: Store, client: httpx.Client, cache_dir: Path, source: str | None = None) -> Changelog:
    """The changelog from the first source that answers. When none does, an empty one whose warning
    says why: changes can still be reported, just not judged."""
    source = source or os.environ.get(ENV)
    candidates = [source] if source else [s for s in (target.changelog.git_url, target.changelog.raw_url) if s]
    errors = []
    for candidate in candidates:
        try:
            return _fetch(candidate, target, store, client, cache_dir)
        except ChangelogError as exc:
            errors.append(str(exc))
    for candidate in candidates:
        saved = store.changelog(candidate)
        if saved:
            text, history, fetched = saved
            return Changelog(
                changelog.parse(text),
                ChangelogHistory.from_dict(history) if history else None,
                candidate,
                warning=f"changelog unreachable ({errors[0]}); using the copy fetched {fetched}",
            )
    if source:  # the user named it: failing to read it is an error, not a silent downgrade
        raise ChangelogError(errors[0])
    return Changelog([], None, "", warning=f"no changelog could be read ({errors[0] if errors else 'no source'})")


def _fetch(source: str, target: Target, store: Store, client: httpx.Client, cache_dir: Path) -> Changelog:
    path = Path(source)
    if path.is_file() and not source.endswith(".bundle"):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ChangelogError(f"cannot read changelog {source}: {exc.strerror or exc}") from None
        return _saved(store, source, text, None)
    if source.startswith(("http://", "https://")) and "/releases" in source:
        releases = changelog.fetch_releases(client, source, pages=RELEASE_PAGES)
        return _saved(store, source, _markdown(releases), None)
    if source.startswith(("http://", "https://")) and not source.endswith(".git"):
        return _saved(store, source, changelog.fetch_text(client, source), None)
    repo = changelog.sync(str(path.resolve()) if path.exists() else source, cache_dir)
    saved = store.changelog(source)
    history = ChangelogHistory.from_dict(saved[1]) if saved and saved[1] else ChangelogHistory()
    changelog.update(history, changelog.file_versions(repo, target.changelog.path, after=history.last_commit))
    try:
        text = repo.git.show(f"HEAD:{target.changelog.path}")
    except Exception as exc:  # gitpython raises GitCommandError for a missing path
        raise ChangelogError(f"{source} has no {target.changelog.path}: {exc}".splitlines()[0]) from None
    return _saved(store, source, text, history)


def _markdown(releases: list[Release]) -> str:
    """Release notes from a releases page, written as a changelog (so the copy kept offline parses alike)."""
    return "\n\n".join(f"## {r.version}\n\n" + "\n".join(f"- {e.full_text}" for e in r.entries) for r in releases)


def _saved(store: Store, source: str, text: str, history: ChangelogHistory | None) -> Changelog:
    releases = changelog.parse(text)
    store.save_changelog(source, text, history.to_dict() if history else None)
    return Changelog(releases, history, source)
