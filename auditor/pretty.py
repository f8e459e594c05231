"""Minified JavaScript as lines of code: what the reports, the TUI's diff viewer and the judge read
request code as (a diff of statements, not of a token soup)."""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import jsbeautifier

_TOKEN = re.compile(r"[\w$]+|\"(?:[^\"\\]|\\.)*\"")


class Kept(Protocol):
    """Where printed code is kept between runs (the store: Store.pretty / save_pretty)."""

    def pretty(self, key: str) -> str | None: ...

    def save_pretty(self, key: str, text: str) -> None: ...


_kept = threading.local()  # `store`: where the command running in this thread keeps printed code (`kept_in`)


@contextmanager
def kept_in(store: Kept) -> Iterator[None]:
    """While a command runs: keep what is printed in `store`, and read it back next run (a warm report
    prints nothing again). In this thread only: sqlite connections stay with the thread that opened them."""
    _kept.store = store
    try:
        yield
    finally:
        _kept.store = None


@functools.lru_cache(maxsize=256)
def pretty_code(text: str, width: int = 100) -> str:
    """The code one statement or property a line (a report shows a function in a finding and in its
    change, so each is beautified once, and once across runs where a store keeps it)."""
    key = hashlib.sha256(f"{jsbeautifier.__version__}\0{width}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()
    store: Kept | None = getattr(_kept, "store", None)
    if store is not None and (found := store.pretty(key)) is not None:
        return found
    options = jsbeautifier.default_options()
    options.indent_size = 2
    options.wrap_line_length = width
    printed = jsbeautifier.beautify(text, options)
    if store is not None:
        store.save_pretty(key, printed)
    return printed


def same_statements(before: str, after: str) -> bool:
    """Whether two versions of a function hold the same statements, reordered or re-punctuated (a
    refactor the minifier made, which sends nothing new)."""

    def statements(code: str) -> list[str]:
        return sorted(line.strip().rstrip(",;") for line in pretty_code(code).splitlines() if line.strip().rstrip(",;{}()[] "))

    # The same words in another order first: cheap, and false for nearly every real edit.
    return sorted(_TOKEN.findall(before)) == sorted(_TOKEN.findall(after)) and statements(before) == statements(after)
