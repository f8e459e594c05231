"""Long ranges: `audit diff A B --no-capture` and `audit pin --from A` over a store that already holds
every release of the range, timed as the user runs them (a child process each, `/usr/bin/time -v`).

    .venv/bin/python benchmarks/bench_range.py --db /path/to/full.db [--from 2.1.109] [--to 2.1.332]
        [--rounds 3] [--profile] [--json] [--against OTHER_VENV/bin/python]

Targets (issue 7, part 4): the 200-release diff 2.1.109 → 2.1.332 in ≤ 20 s and ≤ 1 GB peak RSS, and
memory that grows with the changes, not with releases × facts. The machines are shared and noisy, so
each command is the best of --rounds, printed beside baselines measured in the same run: the
interpreter with auditor imported, and the diff of the range's first 10 releases. The store is copied
afresh before every run: a diff saves its judgement in the store, and a warm run would hide the
judge's cost (and may save the registry's release list). --profile adds a cProfile of the long
diff in this process: where the time goes (diff, judge, rendering), top 10 by own time.
--json also times the long diff with `--format json` (issue 16: ≤ 1 GB peak, a fraction of schema 1's
193 MB), with the size of what it wrote; --against runs that JSON diff with another installation too
(e.g. a wheel of main), in the same run, each round alternating between them.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import pstats
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from auditor import targets
from auditor.versions import between, parse

CHANGELOG = "/work/shared/data/claude-code-changelog.bundle"
TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds
    peak_mb: float
    out_mb: float = 0.0  # what it wrote on stdout

    def __str__(self) -> str:
        return f"{self.wall:6.1f} s wall, {self.cpu:6.1f} s cpu, peak RSS {self.peak_mb:6.0f} MB, output {self.out_mb:6.1f} MB"


def measure(argv: list[str], rounds: int, env: dict[str, str], before: Callable[[], None] = lambda: None) -> Run:
    """Best of `rounds` (by wall time) of one command, `before` run before each; fails loudly if the command does."""
    return min((measure_once(argv, env, before) for _ in range(rounds)), key=lambda r: r.wall)


def measure_once(argv: list[str], env: dict[str, str], before: Callable[[], None] = lambda: None) -> Run:
    """One run under `/usr/bin/time -v`, its output written to a file (never held here) and weighed."""
    before()
    with tempfile.TemporaryFile() as out:
        done = subprocess.run([TIME, "-v", *argv], stdout=out, stderr=subprocess.PIPE, text=True, env=env)
        size = out.seek(0, os.SEEK_END)
    if done.returncode not in (0, 1):  # 1: --fail-on style verdicts are not failures here
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return dataclasses.replace(_parse(done.stderr), out_mb=size / 1e6)


def _parse(report: str) -> Run:
    def field(name: str) -> str:
        found = re.search(rf"{re.escape(name)}: (.+)", report)
        if not found:
            raise SystemExit(f"{TIME} -v printed no {name!r}: is it GNU time?")
        return found.group(1).strip()

    clock = [float(part) for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    wall = sum(value * 60**i for i, value in enumerate(reversed(clock)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return Run(wall, cpu, int(field("Maximum resident set size (kbytes)")) / 1024)


def stored_versions(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT DISTINCT version FROM snapshots WHERE target = ? AND source = 'static'", [targets.DEFAULT])
        return [v for (v,) in rows]


def profile(db: Path, low: str, high: str) -> str:
    """Top 10 functions by own time of the long diff, with the time of its three stages."""
    from auditor.cli import cli

    profiler = cProfile.Profile()
    sink = io.StringIO()
    stdout, sys.stdout = sys.stdout, sink
    try:
        profiler.runcall(cli, ["--db", str(db), "diff", low, high, "--no-capture"], standalone_mode=False)
    finally:
        sys.stdout = stdout
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stages = {"diff_versions": "diff (store → changes)", "judge": "judge (changes → findings)", "render": "rendering"}
    for (path, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if name in stages and "auditor" in path:
            out.write(f"  {stages[name]}: {row[3]:.1f} s (under the profiler)\n")
    stats.sort_stats("tottime").print_stats(10)
    return out.getvalue()


def _audit(python: Path) -> str:
    """The `audit` installed beside an interpreter."""
    return shutil.which("audit", path=str(python.parent)) or "audit"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="a store holding every release of the range (copied first)")
    parser.add_argument("--from", dest="low", default="2.1.109")
    parser.add_argument("--to", dest="high", help="default: the newest stored release")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", action="store_true", help="also the long diff with --format json")
    parser.add_argument("--against", type=Path, action="append", default=[], metavar="PYTHON",
                        help="another installation's python: its long JSON diff too, rounds alternating (implies --json)")
    args = parser.parse_args()
    stored = stored_versions(args.db)
    high = args.high or max(stored, key=parse)
    versions = between(stored, args.low, high)
    if len(versions) < 11:
        raise SystemExit(f"{args.db} holds {len(versions)} releases from {args.low} to {high}; the baseline needs 11")
    os.environ.setdefault("AUDITOR_CHANGELOG", CHANGELOG)  # the judge needs the changelog, here and in the children
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"

        def fresh() -> None:
            with sqlite3.connect(args.db) as source, sqlite3.connect(db) as copy:
                source.backup(copy)

        fresh()
        audit = [_audit(Path(sys.executable)), "--db", str(db)]
        short, long = (versions[0], versions[10]), (versions[0], high)
        print(f"store {args.db}: {len(versions)} releases {versions[0]} … {high}; best of {args.rounds}")
        start = measure([sys.executable, "-c", "import auditor.cli, auditor.audit, auditor.judge"], args.rounds, env)
        ten = measure([*audit, "diff", *short, "--no-capture"], args.rounds, env, fresh)
        whole = measure([*audit, "diff", *long, "--no-capture"], args.rounds, env, fresh)
        pin = measure([*audit, "pin", "--from", versions[0], "--to", high, "--no-capture"], args.rounds, env, fresh)
        print(f"import auditor                        {start}")
        print(f"diff {short[0]} {short[1]} (11 releases)     {ten}")
        print(f"diff {long[0]} {long[1]} ({len(versions)} releases)   {whole}   target ≤ 20 s, ≤ 1024 MB")
        print(f"pin --from {versions[0]} --to {high}         {pin}")
        span = (len(versions) - 1) / 10
        print(
            f"long vs 11-release diff: {span:.1f}x the releases, {whole.cpu / ten.cpu:.1f}x the cpu, "
            f"{(whole.peak_mb - start.peak_mb) / max(ten.peak_mb - start.peak_mb, 1):.1f}x the memory above import"
        )
        if args.json or args.against:
            installs = [Path(sys.executable), *args.against]
            runs: dict[Path, list[Run]] = {python: [] for python in installs}
            for _ in range(args.rounds):  # alternating, so that each sees the same moments of the machine's load
                for python in installs:
                    argv = [_audit(python), "--db", str(db), "diff", *long, "--no-capture", "--format", "json"]
                    runs[python].append(measure_once(argv, env, fresh))
            for python, done in runs.items():
                print(f"diff {long[0]} {long[1]} --format json   {min(done, key=lambda r: r.wall)}   ({python})")
        if args.profile:
            fresh()
            print(profile(db, *long))


if __name__ == "__main__":
    main()
