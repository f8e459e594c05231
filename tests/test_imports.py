"""What `audit` imports before any command runs: heavy libraries load where they are used, so a warm
`audit diff` answered from the store and the caches does not pay for them."""

from __future__ import annotations

import subprocess
import sys

import pytest

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


# What a target is reaches these only as the `Target` they are handed (or `targets.get(name)`): none
# names a product's module, so a new target is a module in auditor/targets and a line in TARGETS.
GENERIC = ("auditor.extract", "auditor.catalog", "auditor.diff", "auditor.judge", "auditor.judgements", "auditor.pin",
           "auditor.report", "auditor.report.text", "auditor.report.markdown", "auditor.report.json", "auditor.report.comment",
           "auditor.tui.app")


def test_no_generic_module_imports_a_target_module() -> None:
    import ast
    from pathlib import Path

    from auditor import targets

    products = {f"auditor.targets.{m}" for m in targets.TARGETS.values()}
    root = Path(targets.__file__).parent.parent
    files = [root / "extract.py", root / "catalog.py", root / "diff.py", root / "judgements.py", root / "pin.py",
             *(root / "judge").rglob("*.py"), *(root / "report").rglob("*.py"), *(root / "tui").rglob("*.py")]
    named = []
    for path in files:
        package = ".".join(("auditor", *path.relative_to(root).parent.parts))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolved against the file's package
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])])
                modules = [base, *(f"{base}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            named += [f"{path.relative_to(root)}: {m}" for m in modules if m in products]
    assert named == []
    assert len(products) == 4  # claude_code, codex, gemini_cli and qwen_code: the test stands for all


@pytest.mark.parametrize(("target", "other"), [("codex", "claude_code"), ("claude-code", "codex"), ("gemini-cli", "claude_code"), ("claude-code", "gemini_cli"),
                                                  ("qwen-code", "gemini_cli")])
def test_a_report_of_one_target_loads_no_other_target(target: str, other: str) -> None:
    code = (
        f"import sys; import {', '.join(GENERIC)}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('auditor.targets.'))\n"
        "from rich.console import Console; from auditor.report import DiffReport, text, markdown\n"
        f"report = DiffReport(target={target!r}, platform='linux-x64', from_version='1.0.0', to_version='1.0.1', versions=['1.0.0', '1.0.1'], changes=[])\n"
        "text.render(report, Console(file=open('/dev/null', 'w'))); markdown.render(report)\n"
        "print(' '.join(loaded) or '-', ' '.join(sorted(m for m in sys.modules if m.startswith('auditor.targets.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "-"  # importing them loads no target
    assert f"auditor.targets.{other}" not in out[1:]  # rendering one target's report reads only that one
