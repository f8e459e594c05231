"""One `-p` capture ≤ 1.3× the time the same program takes to answer the same request when run by hand
against the fake server (both measured in this run; best and median of several rounds).

    .venv/bin/python benchmarks/bench_capture.py [--version 2.1.117] [--rounds 7] [--scenario plan-max ...]

"By hand" is what a developer would do: the fake API and a prepared HOME are already up, and only the
program's run is timed. The capture adds everything it needs on top: a fresh sandbox and fake server
per scenario, the run, and normalizing what was recorded.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

import httpx

from auditor import targets
from auditor.capture import Certificates, FakeAPI, Sandbox, Scenario, capture_scenario, load_scenarios
from auditor.capture.runner import DEFAULT_API_HOST
from auditor.collector import Collector
from auditor.npm import Cache, Registry, default_cache_dir
from auditor.store import Store

TARGET = targets.get("claude-code")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", default="2.1.117")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scenario", action="append", help="Scenario to time (repeatable; default: print-default).")
    opts = parser.parse_args()
    with httpx.Client(timeout=120) as client:
        collector = Collector(Store.memory(), Registry(client, Cache(default_cache_dir())), TARGET)
        with collector.installed(opts.version) as argv, Certificates([DEFAULT_API_HOST]) as certs:
            for scenario in load_scenarios(names=opts.scenario or ["print-default"]):
                by_hand, captured = measure(argv, certs, scenario, opts.rounds)
                for name, times in (("by hand", by_hand), ("capture", captured)):
                    print(f"{name:8} best {min(times):.3f} s  median {statistics.median(times):.3f} s")
                print(f"capture / by hand: best {min(captured) / min(by_hand):.2f}x, median "
                      f"{statistics.median(captured) / statistics.median(by_hand):.2f}x (target ≤ 1.3x) — {opts.version}, {scenario.name}")


def measure(argv: list[str], certs: Certificates, scenario: Scenario, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of each run by hand (a prepared sandbox with the scenario's user, plan and settings in it) and
    of each capture, interleaved so both see the same machine load."""
    by_hand, captured = [], []
    api = FakeAPI(intercept=[DEFAULT_API_HOST], certificate=(str(certs.cert_file), str(certs.key_file)), answers=scenario.user.answers())
    with api, Sandbox(TARGET, api, certs.ca_file, scenario.user) as sandbox:
        api.set_turns(scenario.script({"project": str(sandbox.project), "home": str(sandbox.home)}))
        command = [*argv, *scenario.command_args()]
        for _ in range(rounds):
            start = time.perf_counter()
            subprocess.run(command, env=sandbox.env(argv[0]), cwd=sandbox.project, capture_output=True, check=True, timeout=120)
            by_hand.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = capture_scenario(argv, TARGET, scenario, timeout=120, certificates=certs)
            captured.append(time.perf_counter() - start)
            assert result.status == "ok", result.reason
    return by_hand, captured


if __name__ == "__main__":
    main()
