"""One capture ≤ 1.3× the time the same program takes to answer the same requests when run by hand
against the fake server (both measured in this run, interleaved; best and median of several rounds).
The capture is sealed (seal.py: own network and mount namespaces) where the machine allows; the same
capture unsealed is timed beside it, so what the seal costs shows on its own.

    .venv/bin/python benchmarks/bench_capture.py [--version 2.1.117] [--scenario print-default] [--rounds 7]
    .venv/bin/python benchmarks/bench_capture.py --target gemini-cli --version 0.57.0 --scenario two-turn
        [--profile ~/.claude] [--project DIR] [--mcp-tools FILE]

With --profile/--project the scenario's profile twin (print-default → profile-print, two-turn →
profile-two-turn, subagent-haiku → profile-agent: auditor/personal.py) is captured in the same rounds, and
its time is set beside the bare scenario's capture: what putting the user's setup back costs.

Gemini CLI's scenarios take the base-url route: by hand is `gemini -p` with GOOGLE_GEMINI_BASE_URL at the
fake (speaking the Gemini API, router included) and the sandbox's settings.json.

"By hand" is what a developer would do: the fake API (answering at once: no settling of startup calls)
and a prepared HOME are already up (for a plan or settings scenario: its credentials, settings and files
seeded, the profile answered), and only the
program's runs are timed — for a session scenario (resume-stale, long-session) the first run and each
follow-up with --continue/--resume, its large files written and its transcript aged in between, untimed;
for one with `later` prompts (idle-session) the one stream-json run, each prompt written once the turn
before has its result, with nothing preloaded (the bare program: its clock cannot move). The capture
adds everything it needs on top: a fresh sandbox (removed in the background, as a collect removes it) and fake server per scenario, the runs (libfaketime
preloaded and its file rewritten between turns, for `later` prompts), normalizing what was recorded and
turning it into facts (history-integrity comparisons included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from auditor import personal, targets
from auditor.capture import Certificates, FakeAPI, Sandbox, Scenario, capture_scenario, clock, load_scenarios, seal, server, session
from auditor.capture.facts import scenario_facts
from auditor.capture.profile import load, mcp_tools
from auditor.capture.runner import DEFAULT_API_HOST, agent_of
from auditor.capture.sandbox import remove_now
from auditor.collector import Collector
from auditor.npm import Cache, Registry, default_cache_dir
from auditor.store import Store

TARGET = targets.get("claude-code")  # --target changes it
# A capture's sandbox is removed in the background, as `capture_release` removes it for a collect.
REMOVER = ThreadPoolExecutor(1, thread_name_prefix="bench-sandbox-removal")


def by_hand(argv: list[str], scenario: Scenario, certs: Certificates, clocked: bool = False) -> float:
    """The scenario's runs in a prepared sandbox, timed alone, answered without waiting (`clocked`: libfaketime
    preloaded and moved as a capture does)."""
    settle = server.SETTLE_QUIET, server.SETTLE_MAX
    server.SETTLE_QUIET = server.SETTLE_MAX = 0.0
    try:
        return _by_hand(argv, scenario, certs, clocked)
    finally:
        server.SETTLE_QUIET, server.SETTLE_MAX = settle


def _by_hand(argv: list[str], scenario: Scenario, certs: Certificates, clocked: bool) -> float:
    plan = scenario.session or session.Session()
    agent = agent_of(TARGET, scenario)
    dialect = server.dialect(TARGET.api)
    if scenario.route == "first-party":
        api = FakeAPI(intercept=[DEFAULT_API_HOST], certificate=(str(certs.cert_file), str(certs.key_file)), answers=scenario.user.answers(),
                      subagent=lambda r: agent(r) is not None, dialect=dialect)
    else:
        api = FakeAPI(answers=scenario.user.answers(), subagent=lambda r: agent(r) is not None, dialect=dialect)
    with api, Sandbox(TARGET, api, certs.ca_file if scenario.route == "first-party" else None, scenario.user) as sandbox:
        api.set_turns(scenario.script({"project": str(sandbox.project), "home": str(sandbox.home)}), estimate_usage=plan.estimate_usage)
        session.prepare(sandbox.project, plan)
        if plan.later:
            moves = clock.Clock(clock.library(), sandbox.root, plan.idle_later) if clocked else None
            return stream_by_hand(argv, scenario, sandbox, moves)
        spent = 0.0
        for i, prompt in enumerate((None, *plan.followups)):
            command = [*argv, *scenario.command_args(TARGET.prompt_flag)]
            if prompt is not None:
                if i == 1 and plan.idle_minutes:
                    session.age(sandbox.home, plan.idle_minutes)
                command = [*argv, *scenario.args, *session.resume_args(plan, sandbox.home), "-p", prompt]
            start = time.perf_counter()
            subprocess.run(command, env=sandbox.env(argv[0]), cwd=sandbox.project, capture_output=True, check=True, timeout=300)
            spent += time.perf_counter() - start
        return spent


def stream_by_hand(argv: list[str], scenario: Scenario, sandbox: Sandbox, moves: clock.Clock | None) -> float:
    """One stream-json run given the scenario's prompts in turn, each once the turn before has its result
    (and, with `moves`, the clock moved before each later one)."""
    assert scenario.session is not None
    sandbox.extra_env.update(moves.env() if moves else {})
    start = time.perf_counter()
    proc = subprocess.Popen([*argv, *scenario.command_args()], env=sandbox.env(argv[0]), cwd=sandbox.project,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    for i, prompt in enumerate(scenario.prompts()):
        if moves and i:
            moves.advance(scenario.session.later[i - 1].idle_minutes)
        proc.stdin.write(json.dumps({"type": "user", "message": {"role": "user", "content": prompt}}).encode() + b"\n")
        proc.stdin.flush()
        while json.loads(proc.stdout.readline() or b'{"type": "result"}').get("type") != "result":
            pass
    proc.stdin.close()
    proc.wait(timeout=300)
    spent = time.perf_counter() - start
    if moves:
        moves.release(proc.pid)
    return spent


def timed_capture(argv: list[str], scenario: Scenario, certs: Certificates, version: str, sealed: bool,
                  facts: list[dict[str, Any]] | None = None) -> float:
    """A whole capture (sandbox, runs, facts, appended to `facts`); unsealed as on a machine without namespaces."""
    probe = seal.isolation
    if not sealed:
        seal.isolation = lambda: f"{seal.OPEN}: benchmark"
    try:
        start = time.perf_counter()
        result = capture_scenario(argv, TARGET, scenario, timeout=300, certificates=certs, remove=lambda folder: REMOVER.submit(remove_now, folder))
        found = scenario_facts(result.to_dict(), version)
        spent = time.perf_counter() - start
    finally:
        seal.isolation = probe
    assert result.status == "ok", result.reason
    assert result.sandbox.startswith(seal.OPEN) != sealed, result.sandbox
    if facts is not None:
        facts.append({kind: values for kind, values in found.items()})
    return spent


def differing(runs: list[dict[str, Any]]) -> list[str]:
    """Facts (kind: key) on which the captures of one release disagree: each must be none."""
    keys = {(kind, key) for run in runs for kind, values in run.items() for key in values}
    return sorted(f"{kind}: {key}" for kind, key in keys if len({json.dumps(run.get(kind, {}).get(key), sort_keys=True) for run in runs}) > 1)


def main() -> None:
    global TARGET
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="claude-code")
    parser.add_argument("--version", default="2.1.117")
    parser.add_argument("--scenario", default="print-default")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--project", type=Path)
    parser.add_argument("--mcp-tools", type=Path)
    opts = parser.parse_args()
    TARGET = targets.get(opts.target)
    (scenario,) = load_scenarios(names=[opts.scenario], builtin=TARGET.scenarios)
    twin = None
    if opts.profile or opts.project:
        setup = load(opts.profile, opts.project, mcp_tools(opts.mcp_tools) if opts.mcp_tools else None)
        twin = next(s for s in personal.scenarios(setup) if personal.BASES[s.name] == opts.scenario)
    profiled: list[float] = []
    hand: list[float] = []
    captured: list[float] = []
    clocked: list[float] = []  # sessions with `later` prompts: by hand, with the clock preloaded and moved
    unsealed: list[float] = []
    facts: list[dict[str, Any]] = []
    if seal.isolation() != seal.SEALED:
        print(f"this machine cannot seal a run ({seal.isolation()}): both captures below are open")
    with httpx.Client(timeout=120) as client:
        collector = Collector(Store.memory(), Registry(client, Cache(default_cache_dir())), TARGET)
        with collector.installed(opts.version) as argv, Certificates([DEFAULT_API_HOST]) as certs:
            for _ in range(opts.rounds):  # interleaved, so all see the same machine load
                hand.append(by_hand(argv, scenario, certs))
                if scenario.session and scenario.session.later:
                    clocked.append(by_hand(argv, scenario, certs, clocked=True))
                captured.append(timed_capture(argv, scenario, certs, opts.version, sealed=seal.isolation() == seal.SEALED, facts=facts))
                unsealed.append(timed_capture(argv, scenario, certs, opts.version, sealed=False))
                if twin is not None:
                    profiled.append(timed_capture(argv, twin, certs, opts.version, sealed=seal.isolation() == seal.SEALED))
    for name, times in (("by hand", hand), ("clocked", clocked), ("capture", captured), ("unsealed", unsealed), ("profiled", profiled)):
        if times:
            print(f"{name:8} best {min(times):.3f} s  median {statistics.median(times):.3f} s")
    if clocked:
        print(f"by hand with the clock moved / bare: best {min(clocked) / min(hand):.2f}x, median "
              f"{statistics.median(clocked) / statistics.median(hand):.2f}x (what libfaketime costs)")
    print(f"capture / by hand: best {min(captured) / min(hand):.2f}x, median "
          f"{statistics.median(captured) / statistics.median(hand):.2f}x (target ≤ 1.3x) — {TARGET.name} {opts.version}, {opts.scenario}")
    apart = differing(facts)
    print(f"facts that differ between the {len(facts)} sealed captures: {len(apart)}{': ' + ', '.join(apart[:5]) if apart else ''}")
    print(f"sealed / unsealed capture: best {min(captured) / min(unsealed):.2f}x, median "
          f"{statistics.median(captured) / statistics.median(unsealed):.2f}x (what the seal costs)")

    if twin is not None:
        print(f"{twin.name} / {opts.scenario} capture: best {min(profiled) / min(captured):.2f}x, median "
              f"{statistics.median(profiled) / statistics.median(captured):.2f}x (what the user's setup costs)")


if __name__ == "__main__":
    main()
