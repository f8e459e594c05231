"""Minified JavaScript as lines of code: what the reports, the TUI's diff viewer and the judge read
request code as (a diff of statements, not of a token soup)."""

from __future__ import annotations

import functools
import re

import jsbeautifier

_TOKEN = re.compile(r"[\w$]+|\"(?:[^\"\\]|\\.)*\"")


@functools.lru_cache(maxsize=256)
def pretty_code(text: str, width: int = 100) -> str:
    """The code one statement or property a line (a report shows a function in a finding and in its
    change, so each is beautified once)."""
    options = jsbeautifier.default_options()
    options.indent_size = 2
    options.wrap_line_length = width
    return jsbeautifier.beautify(text, options)


def same_statements(before: str, after: str) -> bool:
    """Whether two versions of a function hold the same statements, reordered or re-punctuated (a
    refactor the minifier made, which sends nothing new)."""

    def statements(code: str) -> list[str]:
        return sorted(line.strip().rstrip(",;") for line in pretty_code(code).splitlines() if line.strip().rstrip(",;{}()[] "))

    # The same words in another order first: cheap, and false for nearly every real edit.
    return sorted(_TOKEN.findall(before)) == sorted(_TOKEN.findall(after)) and statements(before) == statements(after)
