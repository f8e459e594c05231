"""The releases-page source: notes scraped from a rendered releases page (GitHub's layout, loosely),
the only place some vendors write them."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Comment, Tag

from ..errors import ChangelogError
from ..npm import HttpClient
from .model import Entry, Release
from .raw import get

# In HTML the version sits in a release title ("v2.1.109", "Claude Code 2.1.109"), so search, don't match.
_VERSION_IN_TITLE = re.compile(r"(?<![\w.])v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?![\w.])")


def parse_releases_page(html: str) -> list[Release]:
    """Releases from a rendered releases page.

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


def fetch_releases(client: HttpClient, url: str, pages: int = 1) -> list[Release]:
    """Releases from a releases page and up to `pages - 1` following pages (GitHub shows 10 a page).

    A release published between two page loads shifts the pages; the repeat it causes is dropped.
    """
    releases: dict[str, Release] = {}
    for _ in range(pages):
        response = get(client, url)
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


def as_markdown(releases: list[Release]) -> str:
    """Release notes from a releases page, written as a changelog (so the copy kept offline parses alike)."""
    return "\n\n".join(f"## {r.version}\n\n" + "\n".join(f"- {e.full_text}" for e in r.entries) for r in releases)
