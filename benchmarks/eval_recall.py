"""How much of an independent dataset of Claude Code's prompt pieces static extraction finds (issue 17).

Piebald-AI/claude-code-system-prompts extracts, with its own tool, every model-facing text of each
release into `system-prompts/*.md` (one git tag per release, `v2.1.240`). A piece counts as found when
every stretch of its text between template holes (`${…}` there, `${…}` or a constant's text here) is in
some text fact of the store's snapshot of that release (runs of whitespace count as one space).

    git clone https://github.com/Piebald-AI/claude-code-system-prompts /tmp/piebald
    .venv/bin/python benchmarks/eval_recall.py --dataset /tmp/piebald/.git \\
        --db before=/tmp/old.db --db after=/tmp/new.db 2.1.117 2.1.240 [--missing]

Reports, per release and store, found/total by the dataset's category (Agent Prompt, System Reminder,
Tool Description, …) and by the piece's length, so that what short pieces lose is not hidden by the long.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from collections import defaultdict
from pathlib import Path

from auditor import kinds
from auditor.store import Store

BUCKETS = ((0, 60, "<60"), (60, 200, "60-200"), (200, 1000, "200-1k"), (1000, 1 << 40, "≥1k"))
_HEADER = re.compile(r"\A\s*<!--(.*?)-->\s*", re.S)
_NAME = re.compile(r"^name:\s*[\"']?([^\"':]+):", re.M)
_SPACE = re.compile(r"\s+")
TEXT_KINDS = (*(k for k in kinds.STATIC if k in kinds.LONG_TEXT), "setting")


def pieces(dataset: Path, version: str) -> list[tuple[str, str, str]]:
    """(file, category, body) of every piece of the release's tag."""
    tag = f"v{version}"
    git = ["git", f"--git-dir={dataset}"]
    names = subprocess.run([*git, "ls-tree", "--name-only", f"{tag}:system-prompts"], capture_output=True, text=True, check=True)
    out = []
    for name in names.stdout.split():
        if not name.endswith(".md"):
            continue
        text = subprocess.run([*git, "show", f"{tag}:system-prompts/{name}"], capture_output=True, text=True, check=True).stdout
        header = _HEADER.match(text)
        category = _NAME.search(header.group(1)) if header else None
        out.append((name, category.group(1).strip() if category else "?", text[header.end() :] if header else text))
    return out


def stretches(body: str) -> list[str]:
    """The text between template holes, whitespace collapsed; a hole's braces may nest and hold strings."""
    parts, depth, current, i = [], 0, [], 0
    while i < len(body):
        if depth == 0 and body.startswith("${", i):
            parts.append("".join(current))
            current, depth, i = [], 1, i + 2
            continue
        c = body[i]
        if depth:
            depth += {"{": 1, "}": -1}.get(c, 0)
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return [s for s in (_SPACE.sub(" ", p).strip() for p in parts) if s]


def corpus(store: Store, version: str) -> str:
    rows = [r for r in store.snapshots("claude-code", "static") if r.version == version]
    if not rows:
        raise SystemExit(f"no static snapshot of {version} in the store")
    facts = store.facts(rows[0].id, TEXT_KINDS)
    texts = [str(v) for kind in facts.values() for v in kind.values()]
    return "\x00".join(_SPACE.sub(" ", t) for t in texts)


def bucket(body: str) -> str:
    n = len(body.strip())
    return next(label for lo, hi, label in BUCKETS if lo <= n < hi)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("versions", nargs="+")
    parser.add_argument("--dataset", type=Path, required=True, help="git dir of Piebald-AI/claude-code-system-prompts")
    parser.add_argument("--db", action="append", required=True, help="LABEL=PATH of a store (several: side by side)")
    parser.add_argument("--missing", action="store_true", help="list the pieces each store misses")
    opts = parser.parse_args()
    stores = [(label, Store.open(Path(path))) for label, path in (d.split("=", 1) for d in opts.db)]
    for version in opts.versions:
        found = pieces(opts.dataset, version)
        texts = {label: corpus(store, version) for label, store in stores}
        rows: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        missing: dict[str, list[str]] = defaultdict(list)
        for name, category, body in found:
            need = stretches(body)
            for label, text in texts.items():
                ok = all(s in text for s in need)
                for key in (f"category {category}", f"length {bucket(body)}", "all"):
                    rows[key][label][0] += ok
                    rows[key][label][1] += 1
                if not ok:
                    missing[label].append(f"{name} ({len(body.strip())})")
        print(f"\n{version}: {len(found)} pieces")
        print(f"  {'':34}" + "".join(f"{label:>16}" for label, _ in stores))
        for key in sorted(rows, key=lambda k: (k == "all", k.startswith("length"), _order(k))):
            cells = "".join(f"{f'{n}/{t} {100 * n / t:.0f}%':>16}" for n, t in (rows[key][label] for label, _ in stores))
            print(f"  {key:34}{cells}")
        if opts.missing:
            for label, names in missing.items():
                print(f"  missing in {label}: " + ", ".join(names))


def _order(key: str) -> tuple[int, str]:
    labels = [label for _, _, label in BUCKETS]
    tail = key.partition(" ")[2]
    return (labels.index(tail), "") if key.startswith("length") else (0, tail)


if __name__ == "__main__":
    main()
