"""What `audit` imports before any command runs: heavy libraries load where they are used, so a warm
`audit diff` answered from the store and the caches does not pay for them."""

from __future__ import annotations

import subprocess
import sys

# Each is needed by some command or source, none by starting the CLI: httpx (only when the registry
# or a changelog URL is asked), gitpython (a changelog repository), BeautifulSoup (a releases page),
# markdown-it (a changelog text not parsed before), deepdiff (structure diffs in text and markdown
# reports), uvicorn (the proxy), numpy (the judge's BM25; sqlite-utils would import it at start).
LAZY = ("httpx", "git", "bs4", "markdown_it", "deepdiff", "uvicorn", "numpy")


def test_starting_the_cli_imports_no_heavy_library() -> None:
    code = f"import sys, auditor.cli; print(' '.join(m for m in {LAZY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_numpy_hidden_from_sqlite_utils_still_imports_where_it_is_used() -> None:
    code = ("import sys, auditor.store, numpy; from auditor.retrieval import Ranker, tokens; "
            "print(numpy.zeros(2).sum(), 'numpy' in sys.modules, list(Ranker(['a compact summary', 'other']).view().relative(tokens('compact'), [0, 1])))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == ["0.0", "True", "[0]"]
