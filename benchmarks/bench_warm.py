"""A warm `audit diff`: every release of the range already in the store, the changelog read before.
Runs the installed `audit` as a user would (interpreter start included), best of N, next to the time of
`python -c "import auditor.cli"` measured in the same run (these machines are shared: compare ratios).

    AUDITOR_CHANGELOG=…/claude-code-changelog.bundle \\
    .venv/bin/python benchmarks/bench_warm.py --db COPY_OF_STORE.db [--rounds 5] [--range 2.1.109 2.1.117]
        [--against OTHER_VENV/bin/python]

Targets (issue 7, part 3): ≤ 1.0 s for `audit diff A B --format json`, ≤ 0.4 s with `--no-capture`.
The store is used as it is (take a copy of a store being filled); the first, unmeasured run of each
command makes it warm (parsed changelog and judgement saved). Bytecode is written and used as in a
user's installation (pip compiles a wheel's modules when it installs them), even where
$PYTHONDONTWRITEBYTECODE is set: compiling the package from source costs ~0.15 s a run.
--against measures another installation too (e.g. a wheel of main), its runs interleaved with these
on a copy of the same store, so before and after share the machine's load; CPU seconds (user + system,
children included) are printed beside wall time, being less disturbed by other work on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TARGETS = {"diff": 1.0, "diff --no-capture": 0.4}


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{min(self.wall):.3f} s ({min(self.cpu):.3f} s cpu)"


def run(argv: list[str], env: dict[str, str], timing: Timing) -> None:
    """One run, its wall and CPU time added to `timing`; a failing run stops the benchmark with its error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timing.wall.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="A store holding every release of the range (with captures).")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--range", nargs=2, default=("2.1.109", "2.1.117"), metavar=("FROM", "TO"))
    parser.add_argument("--against", type=Path, action="append", default=[], metavar="PYTHON",
                        help="Another installation's python (its `audit` beside it), measured in the same run.")
    parser.add_argument("--no-capture-only", action="store_true", help="Only `audit diff --no-capture` (a store without captures).")
    args = parser.parse_args()
    if not args.db.is_file():
        sys.exit(f"{args.db}: no such store")
    if not os.environ.get("AUDITOR_CHANGELOG"):
        print("note: $AUDITOR_CHANGELOG is not set: nothing will be judged unless the vendor's repository answers", file=sys.stderr)
    names = [n for n in TARGETS if not args.no_capture_only or n.endswith("--no-capture")]
    installs = [Path(sys.executable), *args.against]
    with tempfile.TemporaryDirectory() as tmp:
        plans = []
        for i, python in enumerate(installs):
            db = Path(tmp) / f"store{i}.db"  # each its own copy: a run saves its judgement in the store
            with sqlite3.connect(args.db) as source, sqlite3.connect(db) as copy:
                source.backup(copy)
            env = {**os.environ, "AUDITOR_DB": str(db)}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            audit = str(python.with_name("audit"))
            commands = {"python -c pass": [str(python), "-c", "pass"], "import auditor.cli": [str(python), "-c", "import auditor.cli"]}
            for name in names:  # "diff" or "diff --no-capture"
                commands[name] = [audit, "diff", *args.range, "--format", "json", *name.split()[1:]]
                run(commands[name], env, Timing())  # warm: parsed changelog and judgement saved, bytecode written
            plans.append((python, env, commands, {name: Timing() for name in commands}))
        for _ in range(args.rounds):  # interleaved: every installation sees the same moments of the machine's load
            for _python, env, commands, timings in plans:
                for name, argv in commands.items():
                    run(argv, env, timings[name])
    for python, _env, _commands, timings in plans:
        print(f"{python} (best of {args.rounds}):")
        baseline = min(timings["import auditor.cli"].wall)
        span = " ".join(args.range)
        for name, timing in timings.items():
            label = f"audit {name} {span}" if name in TARGETS else name
            line = f"  {label:36} {timing}"
            if name in TARGETS:
                took = min(timing.wall)
                line += f" = {took / baseline:.2f}x import (target ≤ {TARGETS[name]} s: {'ok' if took <= TARGETS[name] else 'over'})"
            print(line)


if __name__ == "__main__":
    main()
