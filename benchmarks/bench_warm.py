"""A warm `audit diff`: every release of the range already in the store, the changelog read before.
Runs the installed `audit` as a user would (interpreter start included), best of N, next to the time of
`python -c "import auditor.cli"` measured in the same run (these machines are shared: compare ratios).

    AUDITOR_CHANGELOG=…/claude-code-changelog.bundle \\
    .venv/bin/python benchmarks/bench_warm.py --db COPY_OF_STORE.db [--rounds 5] [--range 2.1.109 2.1.117]

Targets (issue 7, part 3): ≤ 1.0 s for `audit diff A B --format json`, ≤ 0.4 s with `--no-capture`.
The store is used as it is (take a copy of a store being filled); the first, unmeasured run of each
command makes it warm (parsed changelog and judgement saved). Bytecode is written and used as in a
user's installation (pip compiles a wheel's modules when it installs them), even where
$PYTHONDONTWRITEBYTECODE is set: compiling the package from source costs ~0.15 s a run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

TARGETS = {"diff": 1.0, "diff --no-capture": 0.4}


def best(argv: list[str], rounds: int, env: dict[str, str]) -> float:
    """Best wall time of `rounds` runs; a failing run stops the benchmark with its error."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="A store holding every release of the range (with captures).")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--range", nargs=2, default=("2.1.109", "2.1.117"), metavar=("FROM", "TO"))
    args = parser.parse_args()
    if not args.db.is_file():
        sys.exit(f"{args.db}: no such store")
    if not os.environ.get("AUDITOR_CHANGELOG"):
        print("note: $AUDITOR_CHANGELOG is not set: nothing will be judged unless the vendor's repository answers", file=sys.stderr)
    audit = str(Path(sys.executable).with_name("audit"))
    env = {**os.environ, "AUDITOR_DB": str(args.db)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    commands = {
        "diff": [audit, "diff", *args.range, "--format", "json"],
        "diff --no-capture": [audit, "diff", *args.range, "--format", "json", "--no-capture"],
    }
    for argv in commands.values():
        best(argv, 1, env)  # warm: parsed changelog and judgement saved, bytecode written
    baseline = best([sys.executable, "-c", "import auditor.cli"], args.rounds, env)
    bare = best([sys.executable, "-c", "pass"], args.rounds, env)
    print(f"python -c pass:               {bare:.3f} s")
    print(f"python -c 'import auditor.cli': {baseline:.3f} s")
    for name, argv in commands.items():
        took = best(argv, args.rounds, env)
        verdict = "ok" if took <= TARGETS[name] else "over"
        print(f"audit {name} {' '.join(args.range)}: {took:.3f} s = {took / baseline:.2f}x import "
              f"(target ≤ {TARGETS[name]} s: {verdict})")


if __name__ == "__main__":
    main()
