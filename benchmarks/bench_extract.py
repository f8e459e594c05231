"""Static extraction of real releases with this checkout against a baseline revision, in the same run.

    .venv/bin/python benchmarks/bench_extract.py [--baseline main] [--rounds 2] [--extract 2.1.162 2.1.330]

The baseline's `auditor/` is exported with `git archive` into a temporary folder. Each release's bundle is
located once (from the download cache) and handed to both extractors, alternating, each in a fresh
process; the best CPU time of the rounds is kept (CPU time is disturbed less than wall time by other
load on these shared machines). Target: this checkout ≤ 1.5× the baseline.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import httpx

from auditor import bundle, targets
from auditor.collector import Collector
from auditor.npm import Cache, Registry, default_cache_dir
from auditor.store import Store

TARGET = targets.get("claude-code")
HERE = Path(__file__).resolve().parent.parent
TIME_ONE = """
import pickle, sys, time
from auditor import extract, targets
program = pickle.load(open(sys.argv[1], "rb"))
started = time.process_time()
extract.extract(program, targets.get("claude-code"), sys.argv[2])
print(time.process_time() - started)
"""


def export(revision: str, into: Path) -> Path:
    """The baseline's package, as a folder to put first on PYTHONPATH."""
    archive = subprocess.run(["git", "-C", str(HERE), "archive", revision, "auditor"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def cpu_seconds(path: Path, pickled: Path, version: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(path)}
    done = subprocess.run([sys.executable, "-P", "-c", TIME_ONE, str(pickled), version], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--extract", nargs="+", default=["2.1.162", "2.1.330"], help="releases to extract")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, httpx.Client(timeout=300) as client:
        baseline = export(opts.baseline, Path(tmp) / "baseline")
        collector = Collector(Store.memory(), Registry(client, Cache(Path(os.environ.get("AUDITOR_CACHE") or default_cache_dir()))), TARGET)
        for version in opts.extract:
            package = collector.package_for(version)
            root = Path(tmp) / version
            bundle.unpack(collector.registry.tarball(package.name, package.version), root)
            program = bundle.from_directory(root, package.entry_files, TARGET.binary_names)
            pickled = Path(tmp) / f"{version}.pickle"
            pickled.write_bytes(pickle.dumps(bundle.Bundle(program.origin, program.modules)))
            best = {"baseline": float("inf"), "this": float("inf")}
            for _ in range(opts.rounds):
                best["baseline"] = min(best["baseline"], cpu_seconds(baseline, pickled, version))
                best["this"] = min(best["this"], cpu_seconds(HERE, pickled, version))
            print(f"extraction {version} ({len(program.code) / 1e6:.1f} MB, {len(program.modules)} modules): "
                  f"{best['this']:.2f} s CPU vs {opts.baseline} {best['baseline']:.2f} s = {best['this'] / best['baseline']:.2f}x (target ≤ 1.5x)")


if __name__ == "__main__":
    main()
