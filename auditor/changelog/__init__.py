"""The vendor's changelog: sources → versions and entries, and how they changed over time.

Users meet the changelog in three places, one module each: the CHANGELOG.md file in a git repository
(`repository`: its history tells *when* each line appeared and whether it was rewritten later), the same file
at a raw URL (`raw`: cheap, current text only), the rendered releases page (`page`), and GitHub's
releases API or a saved answer of it (`releases`: the only place some vendors write notes). All end as the same `Release` objects (`model`), parsed from markdown
(`markdown`), so the judge doesn't care which one answered. `source` picks the source and keeps what
was parsed; `history` folds the git history and finds what it tells.

Only the light modules are imported here: a source's module, with gitpython, httpx or BeautifulSoup,
is imported when that source is read.
"""

from .history import ChangelogHistory, FileVersion, Late, instant, late_entries, missing_versions, update
from .markdown import parse
from .model import Changelog, Entry, Release
from .source import load

__all__ = [
    "Changelog", "ChangelogHistory", "Entry", "FileVersion", "Late", "Release",
    "instant", "late_entries", "load", "missing_versions", "parse", "update",
]  # fmt: skip
