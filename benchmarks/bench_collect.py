"""Collecting many releases with their captures: `--jobs 1` against the default (one job per CPU), each on
a fresh store with a warm download cache, in one run.

    .venv/bin/python benchmarks/bench_collect.py [--since 2.1.100] [--count 32] [--jobs 1 0]

Each run is `audit --db FRESH collect V1 … Vn` (default captures, default cache cap) as a subprocess.
Its download cache is a private folder of hard links to the shared cache's tarballs of those releases
(warm, and whatever the cap evicts there deletes nothing anyone else uses); TMPDIR is a private folder
too. Sampled every 0.25 s: memory of the whole process tree (summed RSS, and PSS, which shares pages
fairly between processes) and disk used by the cache and TMPDIR. Targets: the default ≥ 1.6× the
releases/min of `--jobs 1` on 2 CPUs; peak memory ≤ 1 GB.

Then, on the same cache: evict 2.1.117's tarball (`audit cache --clear`) and re-capture it
(`audit capture 2.1.117 --scenario print-default`): it must be downloaded again, verified, and run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from auditor import targets, versions
from auditor.collector import Collector
from auditor.npm import Cache, Registry, default_cache_dir, format_size
from auditor.store import Store

TARGET = targets.get("claude-code")
AUDIT = str(Path(sys.executable).with_name("audit"))
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Peaks:
    rss: int = 0
    pss: int = 0
    disk: int = 0
    cache: int = 0


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def memory(pids: list[int]) -> tuple[int, int]:
    """(summed RSS, summed PSS) in bytes."""
    rss = pss = 0
    for pid in pids:
        try:
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
                    break
        except (OSError, ValueError, IndexError):
            continue
    return rss, pss


def disk(folder: Path) -> int:
    """Bytes of disk blocks under a folder (hard links counted once)."""
    total, seen = 0, set()
    for dirpath, _, files in os.walk(folder):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_blocks * 512
    return total


def run(args: list[str], env: dict[str, str], cache: Path, tmp: Path) -> tuple[float, Peaks, subprocess.CompletedProcess]:
    peaks = Peaks()
    start = time.perf_counter()
    proc = subprocess.Popen([AUDIT, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = memory(descendants(proc.pid))
            cached = disk(cache)
            peaks.rss, peaks.pss = max(peaks.rss, rss), max(peaks.pss, pss)
            peaks.cache, peaks.disk = max(peaks.cache, cached), max(peaks.disk, cached + disk(tmp))
            done.wait(0.25)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if proc.returncode:
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    return time.perf_counter() - start, peaks, result


def warm_cache(shared: Cache, private: Path, collector: Collector, wanted: list[str]) -> None:
    """Hard-link the releases' tarballs (downloaded into the shared cache first if missing) into `private`."""
    shutil.rmtree(private, ignore_errors=True)
    shutil.copytree(shared.root / "packuments", private / "packuments")
    for version in wanted:
        package = collector.package_for(version)
        source = collector.registry.tarball(package.name, package.version)
        link = private / source.relative_to(shared.root)
        link.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, link)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", default="2.1.100")
    parser.add_argument("--count", type=int, default=32, help="releases from --since on")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 0], help="runs to make; 0 = the default")
    parser.add_argument("--recapture", default="2.1.117")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-collect-"))
    shared = Cache(default_cache_dir(), max_bytes=1 << 50)  # filling the shared cache evicts nothing from it
    with httpx.Client(timeout=120) as client:
        collector = Collector(Store.memory(), Registry(client, shared), TARGET)
        published = collector.published()
        wanted = versions.between(published, opts.since, versions.sort(published)[-1])[: opts.count]
        print(f"{len(wanted)} releases {wanted[0]}..{wanted[-1]}, default captures; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
        results = {}
        for jobs in opts.jobs:
            cache, tmp, db = work / "cache", work / "tmp", work / f"jobs{jobs}.db"
            warm_cache(shared, cache, collector, wanted)
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            env = {k: v for k, v in os.environ.items() if k not in ("AUDITOR_CACHE_MAX", "AUDITOR_REGISTRY")}
            env.update(AUDITOR_CACHE=str(cache), TMPDIR=str(tmp))
            args = ["--db", str(db), "collect", *wanted] + (["--jobs", str(jobs)] if jobs else [])
            elapsed, peaks, _ = run(args, env, cache, tmp)
            label = f"--jobs {jobs}" if jobs else f"default ({os.cpu_count()})"
            results[jobs] = len(wanted) / elapsed * 60
            print(f"{label:12} {elapsed:7.1f} s  {results[jobs]:5.2f} releases/min  peak memory ΣRSS {format_size(peaks.rss)} "
                  f"ΣPSS {format_size(peaks.pss)}  peak disk {format_size(peaks.disk)} (cache {format_size(peaks.cache)}, "
                  f"default cap)  load {os.getloadavg()[0]:.1f}")
        if 1 in results and 0 in results:
            print(f"speed-up default / --jobs 1: {results[0] / results[1]:.2f}x (target ≥ 1.6x on 2 CPUs)")
        if opts.recapture:
            _recapture(opts.recapture, env, cache, tmp, work)
    shutil.rmtree(work)


def _recapture(version: str, env: dict[str, str], cache: Path, tmp: Path, work: Path) -> None:
    """A capture whose tarball was evicted downloads it again (verified) and runs."""
    db = ["--db", str(work / "jobs0.db")]
    cleared = subprocess.run([AUDIT, *db, "cache", "--clear"], env=env, capture_output=True, text=True, check=True)
    _, _, result = run([*db, "capture", version, "--scenario", "print-default"], env, cache, tmp)
    after = subprocess.run([AUDIT, *db, "cache"], env=env, capture_output=True, text=True, check=True)
    print(f"re-capture after eviction: {cleared.stdout.strip()}; then `audit capture {version} --scenario print-default`:\n"
          f"  {result.stdout.strip()}\n  cache afterwards: {after.stdout.strip()}")


if __name__ == "__main__":
    main()
