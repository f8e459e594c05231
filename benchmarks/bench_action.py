"""The release watcher's cost: a run with nothing new (the workflow's look step: curl and stdlib Python,
against the same run's `audit action` start, which it replaces) and, with --full, a new release's whole
run (collect, 6 captures, diff, judge, comment) from a store holding only its predecessor. Wall and CPU
times with the machine's load (these machines are shared: compare the ratio, and the CPU time).

    AUDITOR_CHANGELOG=…/claude-code-changelog.bundle AUDITOR_CACHE=… \\
    .venv/bin/python benchmarks/bench_action.py --db STORE_WITH_PREVIOUS.db --release 2.1.332 [--rounds 3] [--full]

Targets (issue 19, part 4): nothing new ≤ 20 s, a new release ≤ 3 minutes on a 2-CPU machine. The
store is copied; its state is set to "reported up to the release before" (full) or "up to the release"
(nothing new), so neither run posts anything (`--dry-run`).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent


def look_script() -> str:
    """The workflow's first step, as the runner runs it."""
    with open(ROOT / ".github/workflows/audit-releases.yml", encoding="utf-8") as f:
        return YAML(typ="safe").load(f)["jobs"]["audit"]["steps"][0]["run"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU of the children) of one run; a failing run stops the benchmark with its error."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[:3])} … failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def with_state(db: Path, into: Path, reported: str) -> Path:
    from auditor.action import state_key
    from auditor.store import Store

    shutil.copy(db, into)
    Store.open(into).save_state(state_key("bench/watcher", "claude-code"), {"issue": 1, "reported": reported})
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a store holding the release before --release, captured")
    parser.add_argument("--release", required=True, help="the new release (its predecessor is what the store holds)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also time a new release's whole run (minutes)")
    args = parser.parse_args()
    audit = str(Path(sys.executable).with_name("audit"))
    env = {**os.environ, "GITHUB_REPOSITORY": "bench/watcher", "PACKAGE": "@anthropic-ai/claude-code",
           "REGISTRY": os.environ.get("AUDITOR_REGISTRY", "https://registry.npmjs.org")}
    with tempfile.TemporaryDirectory() as tmp:
        env["GITHUB_OUTPUT"] = str(Path(tmp) / "output")
        env["RUNNER_TEMP"] = tmp
        idle = with_state(args.db, Path(tmp) / "idle.db", args.release)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        look = min(timed(["bash", "-euo", "pipefail", "-c", look_script()], env) for _ in range(args.rounds))
        start = min(timed([audit, "--db", str(idle), "action", "--dry-run", "--issue", "1"], env) for _ in range(args.rounds))
        print(f"nothing new, the look step:         {look[0]:6.2f} s wall, {look[1]:5.2f} s CPU")
        print(f"nothing new, `audit action` start:  {start[0]:6.2f} s wall, {start[1]:5.2f} s CPU  (look/start {look[0] / start[0]:.2f})")
        if args.full:
            from auditor.action import predecessor
            from auditor.store import Store

            published = Store.open(idle).releases("claude-code")
            full = with_state(args.db, Path(tmp) / "full.db", predecessor(list(published), args.release) or args.release)
            wall, cpu = timed([audit, "--db", str(full), "action", "--dry-run", "--issue", "1", "--until", args.release], env)
            print(f"new release {args.release}, whole run: {wall:6.1f} s wall, {cpu:5.1f} s CPU  (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
