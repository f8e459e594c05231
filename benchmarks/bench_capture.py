"""One capture ≤ 1.3× the time the same program takes to answer the same requests when run by hand
against the fake server (both measured in this run, interleaved; best and median of several rounds).
The capture is sealed (seal.py: own network and mount namespaces) where the machine allows; the same
capture unsealed is timed beside it, so what the seal costs shows on its own.

    .venv/bin/python benchmarks/bench_capture.py [--version 2.1.117] [--scenario print-default] [--rounds 7]

"By hand" is what a developer would do: the fake API (answering at once: no settling of startup calls)
and a prepared HOME are already up (for a plan or settings scenario: its credentials, settings and files
seeded, the profile answered), and only the
program's runs are timed — for a session scenario (resume-stale, long-session) the first run and each
follow-up with --continue/--resume, its large files written and its transcript aged in between, untimed.
The capture adds everything it needs on top: a fresh sandbox and fake server per scenario, the runs,
normalizing what was recorded and turning it into facts (history-integrity comparisons included).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

import httpx

from auditor import targets
from auditor.capture import Certificates, FakeAPI, Sandbox, Scenario, capture_scenario, load_scenarios, seal, server, session
from auditor.capture.facts import scenario_facts
from auditor.capture.runner import DEFAULT_API_HOST
from auditor.collector import Collector
from auditor.npm import Cache, Registry, default_cache_dir
from auditor.store import Store

TARGET = targets.get("claude-code")


def by_hand(argv: list[str], scenario: Scenario, certs: Certificates) -> float:
    """The scenario's runs in a prepared sandbox, timed alone, answered without waiting."""
    settle = server.SETTLE_QUIET, server.SETTLE_MAX
    server.SETTLE_QUIET = server.SETTLE_MAX = 0.0
    try:
        return _by_hand(argv, scenario, certs)
    finally:
        server.SETTLE_QUIET, server.SETTLE_MAX = settle


def _by_hand(argv: list[str], scenario: Scenario, certs: Certificates) -> float:
    plan = scenario.session or session.Session()
    api = FakeAPI(intercept=[DEFAULT_API_HOST], certificate=(str(certs.cert_file), str(certs.key_file)), answers=scenario.user.answers())
    with api, Sandbox(TARGET, api, certs.ca_file, scenario.user) as sandbox:
        api.set_turns(scenario.script({"project": str(sandbox.project), "home": str(sandbox.home)}), estimate_usage=plan.estimate_usage)
        session.prepare(sandbox.project, plan)
        spent = 0.0
        for i, prompt in enumerate((None, *plan.followups)):
            command = [*argv, *scenario.command_args()]
            if prompt is not None:
                if i == 1 and plan.idle_minutes:
                    session.age(sandbox.home, plan.idle_minutes)
                command = [*argv, *scenario.args, *session.resume_args(plan, sandbox.home), "-p", prompt]
            start = time.perf_counter()
            subprocess.run(command, env=sandbox.env(argv[0]), cwd=sandbox.project, capture_output=True, check=True, timeout=300)
            spent += time.perf_counter() - start
        return spent


def timed_capture(argv: list[str], scenario: Scenario, certs: Certificates, version: str, sealed: bool) -> float:
    """A whole capture (sandbox, runs, facts); unsealed as on a machine without namespaces."""
    probe = seal.isolation
    if not sealed:
        seal.isolation = lambda: f"{seal.OPEN}: benchmark"
    try:
        start = time.perf_counter()
        result = capture_scenario(argv, TARGET, scenario, timeout=300, certificates=certs)
        scenario_facts(result.to_dict(), version)
        spent = time.perf_counter() - start
    finally:
        seal.isolation = probe
    assert result.status == "ok", result.reason
    assert result.sandbox.startswith(seal.OPEN) != sealed, result.sandbox
    return spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", default="2.1.117")
    parser.add_argument("--scenario", default="print-default")
    parser.add_argument("--rounds", type=int, default=7)
    opts = parser.parse_args()
    (scenario,) = load_scenarios(names=[opts.scenario])
    hand: list[float] = []
    captured: list[float] = []
    unsealed: list[float] = []
    if seal.isolation() != seal.SEALED:
        print(f"this machine cannot seal a run ({seal.isolation()}): both captures below are open")
    with httpx.Client(timeout=120) as client:
        collector = Collector(Store.memory(), Registry(client, Cache(default_cache_dir())), TARGET)
        with collector.installed(opts.version) as argv, Certificates([DEFAULT_API_HOST]) as certs:
            for _ in range(opts.rounds):  # interleaved, so all see the same machine load
                hand.append(by_hand(argv, scenario, certs))
                captured.append(timed_capture(argv, scenario, certs, opts.version, sealed=seal.isolation() == seal.SEALED))
                unsealed.append(timed_capture(argv, scenario, certs, opts.version, sealed=False))
    for name, times in (("by hand", hand), ("capture", captured), ("unsealed", unsealed)):
        print(f"{name:8} best {min(times):.3f} s  median {statistics.median(times):.3f} s")
    print(f"capture / by hand: best {min(captured) / min(hand):.2f}x, median "
          f"{statistics.median(captured) / statistics.median(hand):.2f}x (target ≤ 1.3x) — {opts.version}, {opts.scenario}")
    print(f"sealed / unsealed capture: best {min(captured) / min(unsealed):.2f}x, median "
          f"{statistics.median(captured) / statistics.median(unsealed):.2f}x (what the seal costs)")


if __name__ == "__main__":
    main()
