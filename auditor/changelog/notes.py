"""Release-notes pages a vendor rewrites at each release (Gemini CLI's `docs/changelogs/latest.md` and
`preview.md`) → one CHANGELOG.md-like text per commit, holding every release the pages have named so far.

Each page says one release: its title names the version ("# Latest stable release: v0.55.1", "# Preview
release: v0.57.0-preview.0"; a range title "v0.19.0 - v0.19.4" names the release it starts at), a
"Released: August 11, 2026" line dates it, and its bullets (Highlights, What's Changed) are the
entries. A What's Changed bullet is a pull request's title with GitHub's " by @user in #N" after it:
the title is the entry. Written as `## 0.55.1 - 2026-08-11` sections, the pages' history folds like a
CHANGELOG.md's: a release appears at the commit that first named it, and a later rewrite of its page
is an edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from .. import versions
from .history import FileVersion

_TITLE = re.compile(r"^#\s+(.*)$", re.M)
_VERSION = re.compile(r"\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\b")
_RELEASED = re.compile(r"^Released:\s*([A-Z][a-z]+ \d{1,2}, \d{4})\s*$", re.M)
_SUBHEADING = re.compile(r"^##\s+(.+?)\s*$")
_BULLET = re.compile(r"^[-*]\s")
# GitHub's generated notes: "Title by @user in [#123](…/pull/123)" or "… in https://…/pull/123" (or, once
# parsed from markdown, "… in #123"): the title is the entry
CREDIT = re.compile(r"\s+by\s+@[\w-]+(?:\[bot\])?\s+in\s+(?:\[#\d+\]\([^)\s]*\)|#\d+|https?://\S+)\s*$")


def section(page: str) -> tuple[str, str] | None:
    """A page as (its release's version, a `## version - date` section of its bullets); None when its
    title names no version (not a release page, or not yet written)."""
    title = _TITLE.search(page)
    found = _VERSION.search(title.group(1)) if title else None
    if title is None or found is None:
        return None
    version = found.group(1)
    heading = f"## {version}"
    if released := _RELEASED.search(page):
        try:
            heading += " - " + datetime.strptime(released.group(1), "%B %d, %Y").date().isoformat()
        except ValueError:  # "February 30": the release stays, undated
            pass
    return version, "\n\n".join([heading, *_blocks(page[title.end():])]) + "\n"


def _blocks(body: str) -> Iterator[str]:
    """The page's `##` headings (one level down) and its bullets, each bullet whole with its wrapped
    lines and sub-bullets; prose paragraphs (install instructions, "Full Changelog: …") are left out."""
    bullet: list[str] = []
    for line in [*body.splitlines(), ""]:
        if bullet and line.strip() and (line.startswith((" ", "\t")) and not _BULLET.match(line)):
            bullet.append(line)
            continue
        if bullet:
            yield CREDIT.sub("", "\n".join(bullet))
            bullet = []
        if _BULLET.match(line):
            bullet = [line]
        elif heading := _SUBHEADING.match(line):
            yield f"### {heading.group(1)}"


def changelog(sections: dict[str, str]) -> str:
    """The sections as one changelog, newest version first."""
    ordered = sorted(sections, key=_order, reverse=True)
    return "# Changelog\n\n" + "\n".join(sections[v] for v in ordered)


def _order(version: str) -> tuple:
    try:
        return versions.parse(version)
    except ValueError:
        return ()


def accumulate(commits: Iterable[tuple[str, datetime, list[str]]]) -> Iterator[FileVersion]:
    """Per commit (oldest first; sha, date, the pages' texts at it), the changelog of every release the
    pages named up to it: a release keeps the text its page last had."""
    sections: dict[str, str] = {}
    for sha, date, pages in commits:
        for page in pages:
            if (found := section(page)) is not None:
                sections[found[0]] = found[1]
        if sections:
            yield FileVersion(sha, date, changelog(sections))
