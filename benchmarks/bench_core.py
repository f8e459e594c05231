"""Performance targets of the core, measured on real releases, each as a ratio to a baseline measured in
the same run (these machines are shared and noisy: take the best of several rounds).

    .venv/bin/python benchmarks/bench_core.py [--rounds 5]

1. Static extraction ≤ 3× a one-pass regex scan of the same bundle's string literals (2.1.109's cli.js and
   the native 2.1.117 by default, `--extract` to name others; wall time, and CPU time, which other load on
   the machine disturbs less); peak memory of the extraction ≤ 400 MB. With `--against REV` the extractor
   of that git revision runs in the same rounds, alternating with this one, and the facts both find are
   compared (kinds with keys added, removed or changed):

    .venv/bin/python benchmarks/bench_core.py --extract 2.1.117 2.1.332 --against main --only extract
2. Locating the bundle in the 2.1.117 linux-x64 binary ≤ 1.5× reading the file.
3. Warm `audit diff` of two stored versions ≤ 1 s wall, interpreter start included.
4. Store growth ≤ 2 MB per additional consecutive version.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_extract import export

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
    package = collector.package_for(version)
    root = Path(tmp) / version
    bundle.unpack(reg.tarball(package.name, package.version), root)
    return root


_ROUND = """
import json, re, resource, sys, time
from pathlib import Path
from auditor import bundle, extract, targets
root, version, out = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
t = targets.get("claude-code")
found = bundle.from_directory(root, t.entry_files, t.binary_names)
source = found.code
pattern = re.compile(sys.argv[4], re.S)
times = {}
for name, fn in (("extract", lambda: extract.extract(found, t, version)), ("scan", lambda: [m.group() for m in pattern.finditer(source)])):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    times[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    if name == "extract":
        Path(out).write_text(json.dumps(result, sort_keys=True))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the bundle read and extracted
    del result
print(json.dumps([times, peak]))
"""


def _round(code: Path | None, root: Path, version: str, out: Path) -> tuple[dict[str, tuple[float, float]], float]:
    """One extraction, then one scan, in a fresh process, with the extractor at `code` (None: this
    checkout's): their (wall, CPU) times and the peak RSS in MB of reading the bundle and extracting."""
    env = {**os.environ, "PYTHONPATH": str(code)} if code else None
    done = subprocess.run([sys.executable, "-P", "-c", _ROUND, str(root), version, str(out), STRING_LITERALS.pattern],
                          stdout=subprocess.PIPE, env=env, check=True)
    times, peak = json.loads(done.stdout)
    return times, peak


def _facts_compared(old: Path, new: Path) -> str:
    """Per kind, keys added, removed and changed from the old extractor's facts to this one's."""
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    out = []
    for kind in sorted(set(a) | set(b)):
        x, y = a.get(kind, {}), b.get(kind, {})
        added, removed = len(y.keys() - x.keys()), len(x.keys() - y.keys())
        changed = sum(1 for k in x.keys() & y.keys() if x[k] != y[k])
        if added or removed or changed:
            out.append(f"{kind} +{added} -{removed} ~{changed}")
    return "; ".join(out) or "identical"


def bench_against(reg: Registry, rounds: int, version: str, revision: str) -> None:
    """This extractor and the one at a git revision, alternating in the same rounds (best of each)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = unpacked(reg, version, tmp)
        old_code = export(revision, Path(tmp) / "old")
        best_of: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
        peaks: dict[str, float] = {}
        outs = {"old": Path(tmp) / "old.json", "new": Path(tmp) / "new.json"}
        for _ in range(rounds):
            for label, code in (("old", old_code), ("new", None)):
                times, peak = _round(code, root, version, outs[label])
                peaks[label] = max(peaks.get(label, 0.0), peak)
                for name, pair in times.items():
                    kept = best_of[label].setdefault(name, [float("inf"), float("inf")])
                    best_of[label][name] = [min(kept[0], pair[0]), min(kept[1], pair[1])]
        facts = _facts_compared(outs["old"], outs["new"])
    for label, name in (("old", revision), ("new", "this checkout")):
        (scan_wall, scan_cpu), (ext_wall, ext_cpu) = best_of[label]["scan"], best_of[label]["extract"]
        print(f"extraction {version} by {name}: wall {ext_wall:.2f} s = {ext_wall / scan_wall:.2f}x, "
              f"CPU {ext_cpu:.2f} s = {ext_cpu / scan_cpu:.2f}x a regex scan ({scan_cpu:.2f} s CPU); "
              f"peak RSS {peaks[label]:.0f} MB")
    print(f"  facts {version}, {revision} → this checkout: {facts}")


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
    parser.add_argument("--against", metavar="REV", help="also run the extractor of this git revision, same rounds")
    parser.add_argument("--only", choices=["extract"], help="only the extraction benchmark")
    opts = parser.parse_args()
    rounds = opts.rounds
    with httpx.Client(timeout=120) as client:
        reg = registry(client)
        for version in opts.extract:
            if opts.against:
                bench_against(reg, rounds, version, opts.against)
            else:
                bench_extraction(reg, rounds, version)
        if opts.only != "extract":
            bench_locate(reg, rounds)
            bench_warm_diff_and_growth(reg, rounds)


if __name__ == "__main__":
    main()
