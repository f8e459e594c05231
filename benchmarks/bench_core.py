"""Performance targets of the core, measured on real releases, each as a ratio to a baseline measured in
the same run (these machines are shared and noisy: take the best of several rounds).

    .venv/bin/python benchmarks/bench_core.py [--rounds 5]

1. Static extraction ≤ 3× a one-pass regex scan of the same bundle's string literals (2.1.109's cli.js and
   the native 2.1.117 by default; wall time, and CPU time, which other load on the machine disturbs less);
   peak memory of the extraction ≤ 400 MB.
2. Locating the bundle in the 2.1.117 linux-x64 binary ≤ 1.5× reading the file.
3. Warm `audit diff` of two stored versions ≤ 1 s wall, interpreter start included.
4. Store growth ≤ 2 MB per additional consecutive version.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from auditor import bundle, extract, targets
from auditor.collector import Collector
from auditor.npm import Cache, Registry, default_cache_dir
from auditor.store import Store

STRING_LITERALS = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`", re.S)
TARGET = targets.get("claude-code")


def best(fn, rounds: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(rounds):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def registry(client: httpx.Client) -> Registry:
    return Registry(client, Cache(default_cache_dir(), max_bytes=1 << 50))  # a benchmark evicts nothing


def unpacked(reg: Registry, version: str, tmp: str) -> Path:
    collector = Collector(Store.memory(), reg, TARGET)
    package, _ = collector.package_for(version)
    root = Path(tmp) / version
    bundle.unpack(reg.tarball(package, version), root)
    return root


def bench_extraction(reg: Registry, rounds: int, version: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = unpacked(reg, version, tmp)
        found = bundle.from_directory(root, TARGET.entry_files, TARGET.binary_names)
        source = found.code
        scan = lambda: [m.group() for m in STRING_LITERALS.finditer(source)]  # noqa: E731
        run = lambda: extract.extract(found, TARGET, version)  # noqa: E731
        ratios = []
        for clock in (time.perf_counter, time.process_time):
            baseline, extraction = best(scan, rounds, clock), best(run, rounds, clock)
            ratios.append(f"{extraction:.3f} s vs {baseline:.3f} s = {extraction / baseline:.2f}x")
        peak = _child_peak_mb(
            "from auditor import bundle, extract, targets; from pathlib import Path; "
            f"t = targets.get('claude-code'); b = bundle.from_directory(Path({str(root)!r}), t.entry_files, t.binary_names); "
            f"extract.extract(b, t, {version!r})"
        )
    print(f"extraction {version} {found.origin} ({len(source) / 1e6:.1f} MB): wall {ratios[0]}, CPU {ratios[1]} "
          f"a regex scan (target ≤ 3x); peak RSS {peak:.0f} MB (target ≤ 400)")


def bench_locate(reg: Registry, rounds: int) -> None:
    tgz = reg.tarball("@anthropic-ai/claude-code-linux-x64", "2.1.117")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["tar", "xzf", str(tgz), "-C", tmp, "package/claude"], check=True)
        binary = Path(tmp) / "package" / "claude"
        read = best(lambda: binary.read_bytes(), rounds)
        locate = best(lambda: bundle.from_binary(binary), rounds)
        size = binary.stat().st_size / 1e6
    print(f"locate bundle in 2.1.117 binary ({size:.0f} MB): {locate:.3f} s vs read {read:.3f} s "
          f"= {locate / read:.2f}x (target ≤ 1.5x)")


def bench_warm_diff_and_growth(reg: Registry, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        store = Store.open(db)
        collector = Collector(store, reg, TARGET)
        sizes = []
        for version in ("2.1.109", "2.1.110", "2.1.111", "2.1.112"):
            collector.ensure([version])
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes.append(db.stat().st_size)
        growth = [(b - a) / 1e6 for a, b in itertools.pairwise(sizes)]
        print(f"store: first version {sizes[0] / 1e6:.1f} MB, then +{', +'.join(f'{g:.2f}' for g in growth)} MB "
              f"per consecutive version (target ≤ 2 MB)")
        env = {**os.environ, "AUDITOR_DB": str(db), "AUDITOR_CACHE_MAX": "1T"}  # evicts nothing from the shared cache
        cmd = [str(Path(sys.executable).with_name("audit")), "diff", "2.1.109", "2.1.112", "--format", "json"]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # warm
        warm = best(lambda: subprocess.run(cmd, env=env, check=True, capture_output=True), rounds)
        start_only = best(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), rounds)
    print(f"warm `audit diff 2.1.109 2.1.112` (4 stored releases): {warm:.2f} s wall incl. interpreter start "
          f"(bare interpreter {start_only:.2f} s; target ≤ 1 s)")


def _child_peak_mb(code: str) -> float:
    """Peak RSS of a fresh process running `code`, so this process's own memory doesn't count."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-c", code], check=True)
    return max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--extract", nargs="+", default=["2.1.109", "2.1.117"], help="releases to extract")
    opts = parser.parse_args()
    rounds = opts.rounds
    with httpx.Client(timeout=120) as client:
        reg = registry(client)
        for version in opts.extract:
            bench_extraction(reg, rounds, version)
        bench_locate(reg, rounds)
        bench_warm_diff_and_growth(reg, rounds)


if __name__ == "__main__":
    main()
