"""CHANGELOG.md text → releases. Every source ends here: a releases page is first written as markdown."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from ..errors import ChangelogError
from .model import Entry, Release

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

PARSER = "1"
"""Bump when `parse` gives different releases for the same text: parsed forms kept in the store are keyed by it."""

# Forms seen in the wild: "2.1.109", "v2.1.109", "[2.1.109] - 2026-04-15", "2.1.0 (2026-01-07)".
# Anything else after the version means the heading is about something else, so it must not match.
_VERSION_HEADING = re.compile(
    r"""^(?:version\s+|release\s+)?
        \[?v?(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]?
        (?:\s*[-–—:]?\s*\(?(?P<date>\d{4}-\d{2}-\d{2})\)?)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


@functools.cache
def _markdown() -> MarkdownIt:
    """The parser, built on first use: a warm run reads parsed releases from the store and needs none."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


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
            _, current = found.setdefault(match["version"], (match["date"], []))
            section_level = level
        elif level <= section_level:
            current = None
    if not found:
        raise ChangelogError("changelog has no version headings (expected e.g. '## 2.1.109')")
    return [Release(version, date, tuple(entries)) for version, (date, entries) in found.items()]


def entries(text: str) -> tuple[Entry, ...]:
    """The bullets and prose paragraphs of one release's notes on their own (a GitHub release's body),
    its headings ("## Bug fixes") set aside."""
    return tuple(event for event in _events(text) if isinstance(event, Entry))


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
    tokens = _markdown().parse(text)
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
