"""Codex's static extraction (catalog.py) of real releases against one pass over the binary's bytes, in the
same run.

    .venv/bin/python benchmarks/bench_catalog.py [--rounds 3] [--extract 0.169.1 0.171.0]

Each release's linux-x64 build comes from the download cache (downloaded once if missing) and is unpacked
once. Timed, best of the rounds: unpacking the package (what a collect pays first), reading the catalogue
from the binary (catalog.from_directory: find, decode, facts), and the baseline, one pass over the
binary's bytes (a search for bytes it does not hold, so every byte is looked at). Printed: the times and
extraction / one pass.
"""

from __future__ import annotations

import argparse
import mmap
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from auditor import bundle, catalog, targets
from auditor.collector import Collector
from auditor.npm import Cache, Registry, default_cache_dir
from auditor.store import Store

TARGET = targets.get("codex")
ABSENT = b"\xff\xfe\xfd auditor: not in any binary \xfd\xfe\xff"


def best(rounds: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def one_pass(path: Path) -> None:
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        assert data.find(ABSENT) == -1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--extract", nargs="+", default=["0.169.1", "0.171.0"], help="Codex releases to extract")
    opts = parser.parse_args()
    assert TARGET.catalog is not None
    cache = Cache(Path(os.environ.get("AUDITOR_CACHE") or default_cache_dir()))
    with tempfile.TemporaryDirectory() as tmp, httpx.Client(timeout=300) as client:
        collector = Collector(Store.memory(), Registry(client, cache), TARGET)
        for version in opts.extract:
            package = collector.package_for(version)
            tgz = collector.registry.tarball(package.name, package.version)
            root = Path(tmp) / version
            unpack = best(1, lambda tgz=tgz, root=root: bundle.unpack(tgz, root))
            origin, facts = catalog.from_directory(root, TARGET.binary_names, TARGET.catalog)
            binary = root / origin
            read = best(opts.rounds, lambda root=root: catalog.from_directory(root, TARGET.binary_names, TARGET.catalog))
            scan = best(opts.rounds, lambda binary=binary: one_pass(binary))
            print(f"{version}: binary {binary.stat().st_size / 1e6:.0f} MB, {len(facts['model'])} models, "
                  f"{sum(map(len, facts.values()))} facts; unpack {unpack:.2f} s; catalogue {read:.3f} s; "
                  f"one pass over the binary {scan:.3f} s; catalogue / one pass = {read / scan:.2f}x")


if __name__ == "__main__":
    main()
