"""Collect releases into the store: registry → package → bundle → facts, and captures. Idempotent and
resumable, and parallel across releases.

The work of one release (a job) is: hold its tarball in the cache, unpack it, extract the static facts,
run the capture scenarios. A downloader thread fetches tarballs ahead of the workers; `jobs` worker
threads each take one release at a time; extraction is CPU-bound Python, so it runs in a child process
(which also gives its memory back when it ends), and captures spawn the real CLI. Only the calling
thread writes to the store: each finished snapshot in its own transaction, in whatever order they
finish, so Ctrl-C keeps whole snapshots only. A release's tarball stays leased until everything from
it is stored; then the cache may evict it.
"""

from __future__ import annotations

import os
import pickle
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from . import bundle, extract, versions
from .capture import Scenario, ScenarioResult, capture
from .capture.facts import compatible, scenario_facts, stamp
from .capture.sandbox import stop_runs
from .errors import AuditorError, Cancelled, CaptureError, StoreError, UnknownVersion
from .npm import Lease, Registry
from .store import SnapshotRow, Store
from .targets import Target

JS_PLATFORM = "any"  # releases that ship cli.js run everywhere
STATIC = "static"
CAPTURE = "capture:"  # + scenario name: one snapshot per version and scenario
_POLL = 0.2  # seconds between checks for Ctrl-C / a stop while waiting on a queue


@dataclass(frozen=True)
class Step:
    """What a collect is doing, for a progress display: `done` of `total` releases are finished, `stage`
    is what just started for `version` ("download", "waiting", "extract", "unpack", "capture NAME",
    "done"), and `eta` the seconds still expected (None until a release has finished)."""

    version: str
    stage: str
    done: int
    total: int
    eta: float | None


Progress = Callable[[Step], None]


class Package(NamedTuple):
    """An npm package version holding a release's program, and the JS entry files in it (none: a native build)."""

    name: str
    version: str
    entry_files: tuple[str, ...]

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Job:
    """What one release still needs: its static facts, and which scenarios' captures."""

    version: str
    static: bool
    scenarios: tuple[Scenario, ...]


def default_jobs() -> int:
    """Releases worked on at once: one per CPU."""
    return os.cpu_count() or 1


def eta(elapsed: float, done: int, total: int) -> float | None:
    """Seconds left if the remaining releases go as fast as the finished ones did."""
    return elapsed / done * (total - done) if done else None


@dataclass
class Collector:
    store: Store
    registry: Registry
    target: Target
    platform: str = "linux-x64"
    jobs: int = field(default_factory=default_jobs)
    channel: str = "stable"  # whose releases a range and the latest are (versions.channel)
    _published: dict[str, str | None] | None = field(default=None, init=False, repr=False)
    _unbuilt: dict[str, str | None] = field(default_factory=dict, init=False, repr=False)

    def published(self) -> dict[str, str | None]:
        """Published versions and their publish times (remembered in the store for offline use, once);
        a platform build published as a version of the main package is no release and is left out, and
        so is a release published without a build for this platform (`unbuilt`): nothing runs here."""
        if self._published is None:
            found = self.registry.versions(self.target.npm_package)
            builds = {v for v in found if self.target.is_build(v)}
            releases = {v: t for v, t in found.items() if v not in builds}
            self._unbuilt = {v: t for v, t in releases.items() if not self._built(v, builds)}
            self._published = {v: t for v, t in releases.items() if v not in self._unbuilt}
            self.store.save_releases(self.target.name, self._published)
        return self._published

    def _built(self, version: str, builds: set[str]) -> bool:
        """Whether a release has a build for this platform, where its builds are versions of the main
        package (Codex: `0.153.1` shipped no `0.153.1-linux-x64`); builds published as packages of their
        own are not listed in the main packument, so a release of such a target is taken as built."""
        if not self.target.ships_native(version) or self.target.platform_package != self.target.npm_package:
            return True
        return self.target.build(version, self.platform)[1] in builds

    def unbuilt(self, low: str, high: str) -> list[str]:
        """The releases between low and high published without a build for this platform (left out of ranges)."""
        self.published()
        return versions.between(self._unbuilt, low, high, self.channel)

    def resolve(self, version: str) -> str:
        """Check a version exists; UnknownVersion names the nearest ones otherwise."""
        if self.target.is_build(version):
            raise UnknownVersion(f"{self.target.npm_package}@{version} is a platform build of a release, not a release; name the release")
        if version in self.published() or version not in self._unbuilt:
            self.registry.manifest(self.target.npm_package, version)
            return version
        raise UnknownVersion(f"{self.target.npm_package}@{version} was published without a {self.platform} build: nothing of it runs on this platform")
        self.registry.manifest(self.target.npm_package, version)
        return version

    def range(self, low: str, high: str) -> list[str]:
        """Every release of the channel from low to high inclusive, after checking both ends exist."""
        self.resolve(low)
        self.resolve(high)
        if versions.parse(low) > versions.parse(high):
            low, high = high, low
        return versions.between(self.published(), low, high, self.channel)

    def latest(self, n: int) -> list[str]:
        """The newest n releases of the channel (none for n < 1: a slice from -0 or from a negative n would be nearly all)."""
        mine = [v for v in self.published() if versions.channel(v) == self.channel]
        return versions.sort(mine)[-n:] if n > 0 else []

    def platform_for(self, version: str) -> str:
        return self.platform if self.target.ships_native(version) else JS_PLATFORM

    def stored(self, version: str) -> SnapshotRow | None:
        row = self.store.find(self.target.name, version, self.platform_for(version), STATIC)
        return row if row and row.extractor == extract.EXTRACTOR_VERSION else None

    def captured(self, version: str, scenario: str) -> SnapshotRow | None:
        """The stored capture of this scenario, whichever version of the scenario took it (what is read)."""
        row = self.store.find(self.target.name, version, self.platform_for(version), CAPTURE + scenario)
        return row if row and compatible(row.extractor) else None

    def current(self, version: str, scenario: Scenario) -> bool:
        """Whether the stored capture was taken by this very scenario (else a collect redoes it)."""
        row = self.captured(version, scenario.name)
        return row is not None and row.extractor == stamp(scenario)

    def ensure(self, wanted: Iterable[str], progress: Progress | None = None, scenarios: Iterable[Scenario] = (),
               stop: threading.Event | None = None) -> list[SnapshotRow]:
        """Static snapshots of these versions, in version order, collecting whatever the store lacks —
        and the captures of `scenarios` it lacks, in the same pass (one download per release). Setting
        `stop` (from another thread) ends the run with Cancelled, keeping the snapshots already stored."""
        wanted = versions.sort(set(wanted))
        self.run(self.plan(wanted, static=True, scenarios=tuple(scenarios)), progress, stop)
        rows = [(v, self.stored(v)) for v in wanted]
        if lost := [v for v, row in rows if row is None]:
            raise StoreError(f"{', '.join(lost)} collected but not found in {self.store.path}")
        return [row for _, row in rows if row is not None]

    def ensure_captures(self, wanted: Iterable[str], scenarios: list[Scenario], progress: Progress | None = None, force: bool = False) -> None:
        """Run the scenarios a version has no stored capture of (all of them when `force`)."""
        self.run(self.plan(versions.sort(set(wanted)), static=False, scenarios=tuple(scenarios), force=force), progress)

    def plan(self, wanted: list[str], static: bool, scenarios: tuple[Scenario, ...], force: bool = False) -> list[Job]:
        """The work the store lacks for these versions (read from the store only)."""
        jobs = []
        for version in wanted:
            missing = tuple(s for s in scenarios if force or not self.current(version, s))
            needs_static = static and self.stored(version) is None
            if needs_static or missing:
                jobs.append(Job(version, needs_static, missing))
        return jobs

    def run(self, jobs: list[Job], progress: Progress | None = None, stop: threading.Event | None = None) -> None:
        """Do these jobs, `self.jobs` releases at a time, saving each snapshot as it is ready (until
        `stop` is set: then Cancelled, with whole snapshots only, as with Ctrl-C)."""
        if not jobs:
            return
        published = self.published()
        for job in jobs:
            if job.version not in published:
                raise UnknownVersion(f"{self.target.npm_package} has no version {job.version}")
        with self.store.writer(), _Pipeline(self, jobs, stop) as pipeline:
            started, done = time.monotonic(), 0

            def report(version: str, stage: str) -> None:
                if progress:
                    progress(Step(version, stage, done, len(jobs), eta(time.monotonic() - started, done, len(jobs))))

            for event in pipeline.events():
                kind, version = event[0], event[1]
                if kind == "stage":
                    report(version, event[2])
                elif kind == "static":
                    self._save_static(version, published.get(version), *event[2:])
                elif kind == "capture":
                    self._save_capture(version, published.get(version), *event[2:])
                else:  # "finished": everything from this release is stored; its tarball may go
                    event[2].close()
                    self.registry.cache.evict()
                    done += 1
                    report(version, "done")

    def _save_static(self, version: str, published_at: str | None, origin: str, facts: dict) -> None:
        self.store.save_snapshot(
            target=self.target.name,
            version=version,
            platform=self.platform_for(version),
            source=STATIC,
            origin=f"{self.package_for(version).spec}:{origin}",
            extractor=extract.EXTRACTOR_VERSION,
            published_at=published_at,
            facts=facts,
        )

    def _save_capture(self, version: str, published_at: str | None, result: ScenarioResult, scenario: Scenario) -> None:
        self.store.save_snapshot(
            target=self.target.name,
            version=version,
            platform=self.platform_for(version),
            source=CAPTURE + result.scenario,
            origin=" ".join(result.args),
            extractor=stamp(scenario),
            published_at=published_at,
            facts=scenario_facts(result.to_dict(), version),
        )

    def package_for(self, version: str) -> Package:
        """The npm package and version holding the program of this release, and the JS entry files to look for."""
        name, build = self.target.build(version, self.platform)
        return Package(name, build, () if self.target.ships_native(version) else self.target.entry_files)

    def lease(self, version: str, on_progress: Callable[[int, int | None], None] | None = None) -> Lease:
        """The verified tarball of this release's program, held in the cache (npm.Registry.lease)."""
        package = self.package_for(version)
        return self.registry.lease(package.name, package.version, on_progress)

    @contextmanager
    def installed(self, version: str) -> Iterator[list[str]]:
        """The release unpacked in a temporary folder; yields the command that runs it."""
        with self.lease(version) as lease, self.workdir() as tmp:
            bundle.unpack(lease.path, Path(tmp), self.registry.limits, label=version)
            yield self.program(version, Path(tmp))

    def workdir(self) -> tempfile.TemporaryDirectory:
        """A folder for one release's files, in this process's scratch folder inside the cache's root
        (scratch.py), so a killed run leaves nothing behind that the next run does not remove."""
        return tempfile.TemporaryDirectory(prefix="run-", dir=self.registry.cache.scratch())

    def program(self, version: str, root: Path) -> list[str]:
        """The command that runs the release unpacked at `root`."""
        package, _, entry = self.package_for(version)
        if entry:
            node = shutil.which("node")
            if node is None:
                raise CaptureError(f"node is needed to run {self.target.npm_package}@{version} (it ships cli.js)")
            return [node, str(root / entry[0])]
        for name in self.target.binary_names:
            binary = root / name
            if binary.exists():
                os.chmod(binary, 0o755)
                return [str(binary)]
        raise CaptureError(f"{package}@{version} has no program to run ({', '.join(self.target.binary_names)})")


class _Stopped(Exception):
    """Raised inside a worker to abandon its release once the run is stopping."""


class _Pipeline:
    """The threads and child processes of one run; `events()` yields what the caller must store."""

    def __init__(self, collector: Collector, jobs: list[Job], cancel: threading.Event | None = None) -> None:
        self.collector = collector
        self.cancel = cancel
        self.jobs = jobs
        self.width = max(1, min(collector.jobs, len(jobs)))
        self.events_q: queue.Queue = queue.Queue()
        self.ready: queue.Queue = queue.Queue(maxsize=self.width)  # downloaded ahead, waiting for a worker
        self.stop = threading.Event()
        self.children: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._guard, args=(self._download_all,), name="auditor-download")]
        self.threads += [threading.Thread(target=self._guard, args=(self._work,), name=f"auditor-job-{i}") for i in range(self.width)]

    def __enter__(self) -> _Pipeline:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop everything: kill extraction children and the programs captures are running, and release
        the tarballs of releases that were not finished."""
        self.stop.set()
        with self.lock:
            for child in self.children:
                child.kill()
        for thread in self.threads:
            while thread.is_alive():  # again and again: a worker may start a scenario's program just now
                stop_runs(t.ident for t in self.threads if t.ident is not None)
                thread.join(_POLL)
        for q in (self.ready, self.events_q):
            while True:
                try:
                    item = q.get_nowait()
                except queue.Empty:
                    break
                for part in item or ():
                    if isinstance(part, Lease):
                        part.close()

    def events(self) -> Iterator[tuple]:
        """("stage", version, stage) | ("static", version, origin, facts) | ("capture", version, result) |
        ("finished", version, lease), until every job finished; a worker's error is raised here."""
        finished = 0
        while finished < len(self.jobs):
            if self.cancel is not None and self.cancel.is_set():
                raise Cancelled("collect cancelled; what was stored before it stays (whole snapshots only)")
            try:
                event = self.events_q.get(timeout=_POLL)
            except queue.Empty:
                continue
            if event[0] == "error":
                raise event[1]
            if event[0] == "finished":
                finished += 1
            yield event

    def _post(self, *event: Any) -> None:
        self.events_q.put(event)

    def _guard(self, body: Callable[[], None]) -> None:
        try:
            body()
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the caller, which stops the run
            self._post("error", exc)

    def _download_all(self) -> None:
        """Lease tarballs in version order, at most `width` ahead of the workers."""
        c = self.collector
        for job in self.jobs:
            announced: list[bool] = []

            def on_bytes(done: int, total: int | None, version: str = job.version, announced: list[bool] = announced) -> None:
                if not announced:  # only a real download is worth showing, not a cache hit
                    announced.append(True)
                    self._post("stage", version, "download")

            lease = c.lease(job.version, on_progress=on_bytes)
            if announced:
                self._post("stage", job.version, "waiting")  # downloaded, until a worker is free
            if not self._hand_over((job, lease)):
                lease.close()
                return
        for _ in range(self.width):
            self._hand_over(None)

    def _hand_over(self, item: tuple[Job, Lease] | None) -> bool:
        """Queue work for the workers; False if the run stopped meanwhile."""
        while not self.stop.is_set():
            try:
                self.ready.put(item, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False

    def _work(self) -> None:
        while not self.stop.is_set():
            try:
                item = self.ready.get(timeout=_POLL)
            except queue.Empty:
                continue
            if item is None:
                return
            job, lease = item
            try:
                self._release(job, lease.path)
            except BaseException:
                lease.close()
                raise
            self._post("finished", job.version, lease)

    def _release(self, job: Job, tgz: Path) -> None:
        """One release: unpack and extract in a child process, then run the captures from the same folder."""
        c = self.collector
        entry = c.package_for(job.version).entry_files
        with c.workdir() as tmp:
            root = Path(tmp)
            limits = c.registry.limits
            if job.static:
                self._post("stage", job.version, "extract")
                found = self._in_child(job.version, extract.from_package, tgz, root, entry, c.target, job.version, limits)
                self._post("static", job.version, *found)
            else:
                self._post("stage", job.version, "unpack")
                self._in_child(job.version, bundle.unpack, tgz, root, limits, job.version)
            if not job.scenarios:
                return
            argv = c.program(job.version, root)

            by_name = {s.name: s for s in job.scenarios}

            def on_scenario(name: str, result: ScenarioResult | None) -> None:
                if result is not None:
                    self._post("capture", job.version, result, by_name[name])
                elif self.stop.is_set():
                    raise _Stopped
                else:
                    self._post("stage", job.version, f"capture {name}")

            capture(argv, c.target, list(job.scenarios), on_progress=on_scenario, release=root)

    def _in_child(self, version: str, fn: Callable, *args: Any) -> Any:
        """fn(*args) for a release in a child Python (killed if the run stops; Ctrl-C is the parent's)."""
        with self.lock:
            if self.stop.is_set():
                raise _Stopped
            child = subprocess.Popen(
                [sys.executable, "-P", "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True, env=_child_env(),
            )
            self.children.add(child)
        try:
            out, err = child.communicate(pickle.dumps((fn, args)))
        finally:
            with self.lock:
                self.children.discard(child)
        if self.stop.is_set():
            raise _Stopped
        if child.returncode != 0 or not out:
            last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise AuditorError(f"{version}: {fn.__name__} died in its child process (exit code {child.returncode}): {last[0]}")
        status, value = pickle.loads(out)
        if status == "error":
            raise value
        return value


def _child_env() -> dict[str, str]:
    """A child Python imports only the modules of the function it runs (the extractor: a few ms), and
    from this very installation: its folder leads the import path, and `-P` keeps the working directory
    (which may hold another checkout's `auditor/`) off it."""
    path = [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path))}


_CHILD = """
import pickle, sys
fn, args = pickle.load(sys.stdin.buffer)
try:
    result = ("ok", fn(*args))
except Exception as exc:
    result = ("error", exc)
try:
    data = pickle.dumps(result)
except Exception as exc:  # an exception that cannot be pickled
    data = pickle.dumps(("error", RuntimeError(f"{type(result[1]).__name__}: {result[1]}")))
sys.stdout.buffer.write(data)
"""
