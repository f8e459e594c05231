"""Performance targets of `audit tui`, as ratios to a baseline measured in the same run (best of N:
these machines are shared and noisy).

    AUDITOR_CHANGELOG=…/claude-code-changelog.bundle .venv/bin/python benchmarks/bench_tui.py \\
        --db COPY_OF_A_STORE.db [--compare 2.1.109 2.1.117] [--rounds 5]

1. First paint of the timeline (process start → first frame, headless) ≤ 1.5 s and ≤ 2× the wall time
   of `audit versions` on the same store (process start → table printed). Use a store with ≥ 200
   stored releases (a consistent copy: see the README).
2. No key press blocks the UI for more than 100 ms while browsing a real compare: the longest single
   step of the event loop (one callback: a handler, a layout, a frame) while each key of a scripted walk
   is handled, in wall time and in the UI thread's CPU time (judged by the latter: on a loaded shared
   machine a step's wall time includes waiting for a core) (findings, detail pane, changes, a diff, next change, side by side, the pin panel). The
   time until the app is idle again is printed too; it includes animations (a tab's underline), during
   which the UI keeps responding.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

FIRST_PAINT = """
import sys
from auditor.tui import app as tui_app

def run(app):
    async def painted(pilot):
        await pilot.pause()
        print("painted", len(pilot.app.screen.query_one("ReleaseTable").releases), flush=True)
        import os; os._exit(0)
    app.run(headless=True, auto_pilot=painted, size=(120, 40))
    return 0

tui_app.run = run
from auditor.cli import cli
cli(["--db", sys.argv[1], "tui"])
"""


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def audit_versions(db: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of `audit versions`."""
    start, used = time.perf_counter(), cpu()
    subprocess.run([sys.executable, "-c", "from auditor.cli import cli; cli()", "--db", str(db), "versions"], check=True, capture_output=True)
    return time.perf_counter() - start, cpu() - used


def first_paint(db: Path) -> tuple[float, float, str]:
    """(wall, CPU) seconds from starting `audit tui` to its first frame, and how many releases it lists."""
    start, used = time.perf_counter(), cpu()
    child = subprocess.Popen([sys.executable, "-c", FIRST_PAINT, str(db)], stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    child.wait()
    if not line.startswith("painted"):
        raise SystemExit(f"the TUI did not paint: {line!r}")
    return elapsed, cpu() - used, line.split()[1]


def bench_first_paint(db: Path, rounds: int) -> None:
    stored = subprocess.run(["sqlite3", str(db), "select count(*) from snapshots where source = 'static'"], capture_output=True, text=True).stdout.strip()
    versions, versions_cpu = min(audit_versions(db) for _ in range(rounds))
    paint, paint_cpu, rows = min(first_paint(db) for _ in range(rounds))
    verdict = "ok" if paint <= 1.5 and paint <= 2 * versions else "OVER"
    print(f"first paint of the timeline ({rows} releases, {stored} stored): {paint:.2f} s (CPU {paint_cpu:.2f} s) vs `audit versions` "
          f"{versions:.2f} s (CPU {versions_cpu:.2f} s) = {paint / versions:.2f}× (targets ≤ 1.5 s, ≤ 2×) {verdict}")


class LongestStep:
    """Times every callback the event loop runs (asyncio.Handle._run); `longest` (wall) and `busiest`
    (CPU time of the UI thread: on a shared, loaded machine the wall time of a step also counts the time
    other processes held the CPU) since the last reset."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.busiest = 0.0
        original = asyncio.events.Handle._run
        watch = self

        def timed(handle):
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(handle)
            finally:
                watch.longest = max(watch.longest, time.perf_counter() - start)
                watch.busiest = max(watch.busiest, time.thread_time() - cpu)

        asyncio.events.Handle._run = timed


async def walk(db: Path, a: str, b: str) -> list[tuple[str, float, float, float]]:
    """Press keys through a real compare: (key, longest loop step, time until idle, most CPU in one step) for each."""
    import click

    from auditor import cli as audit_cli
    from auditor.npm import DEFAULT_CACHE_MAX, DEFAULT_REGISTRY
    from auditor.tui.app import AuditorApp
    from auditor.tui.screens.compare import CompareScreen

    ctx = click.Context(audit_cli.cli, obj={"db": db, "target": "claude-code", "platform": "linux-x64", "registry": DEFAULT_REGISTRY, "cache_dir": None, "cache_max": DEFAULT_CACHE_MAX})
    times: list[tuple[str, float, float, float]] = []
    steps = LongestStep()
    with audit_cli._collector(ctx) as collector:
        app = AuditorApp(collector, lambda: audit_cli._collector(ctx), lambda c: audit_cli._judging(ctx, c, None, None, None), compare=(a, b))
        async with app.run_test(size=(100, 30)) as pilot:
            while not (isinstance(app.screen, CompareScreen) and app.screen.report is not None):
                await pilot.pause(0.2)
            await app.workers.wait_for_complete()  # the badges: measure key handling, not the shared CPU
            keys = ["down"] * 15 + ["pagedown", "up", "g", *["down", "enter"] * 6, "up", "up", "enter", "n", "n", "s", "n", "p", "escape", "f", "p", "c", "escape"]
            for key in keys:
                where = type(app.screen).__name__
                await pilot.pause()
                steps.longest, steps.busiest, start = 0.0, 0.0, time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                times.append((f"{key} on {where}", steps.longest, time.perf_counter() - start, steps.busiest))
    return times


def bench_keys(db: Path, a: str, b: str) -> None:
    times = asyncio.run(walk(db, a, b))
    key, worst, _, _ = max(times, key=lambda t: t[1])
    cpu_key, _, _, cpu = max(times, key=lambda t: t[3])
    idle_key, _, idle, _ = max(times, key=lambda t: t[2])
    median = sorted(t[1] for t in times)[len(times) // 2]
    print(f"key presses while browsing {a} → {b}: {len(times)} keys; longest event-loop step: median {median * 1000:.0f} ms, "
          f"worst {worst * 1000:.0f} ms ({key}), worst in UI-thread CPU {cpu * 1000:.0f} ms ({cpu_key}) (target ≤ 100 ms) "
          f"{'ok' if cpu <= 0.1 else 'OVER'}; slowest until idle {idle * 1000:.0f} ms ({idle_key})")
    for key, step, until_idle, busy in sorted(times, key=lambda t: -t[3])[:5]:
        print(f"  {busy * 1000:5.0f} ms CPU, {step * 1000:5.0f} ms wall step, {until_idle * 1000:5.0f} ms to idle  {key}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True, help="a copy of a store (never one being collected into)")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="also time key presses on this compare (needs its releases stored)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("AUDITOR_CHANGELOG"):
        print("note: AUDITOR_CHANGELOG is not set; compares will carry no verdicts", file=sys.stderr)
    bench_first_paint(args.db, args.rounds)
    if args.compare:
        bench_keys(args.db, *args.compare)


if __name__ == "__main__":
    main()
