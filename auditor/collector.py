"""Collect releases into the store: registry → package → bundle → facts. Idempotent and resumable."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import bundle, extract, versions
from .capture import Scenario, capture
from .capture.facts import CAPTURE_FORMAT, scenario_facts
from .errors import CaptureError, DownloadError, UnknownVersion
from .npm import Registry
from .store import SnapshotRow, Store
from .targets import Target

JS_PLATFORM = "any"  # releases that ship cli.js run everywhere
STATIC = "static"
CAPTURE = "capture:"  # + scenario name: one snapshot per version and scenario

Progress = Callable[[str, str, int, int | None], None]  # version, stage, done, total


@dataclass
class Collector:
    store: Store
    registry: Registry
    target: Target
    platform: str = "linux-x64"
    _published: dict[str, str | None] | None = field(default=None, init=False, repr=False)

    def published(self) -> dict[str, str | None]:
        """Published versions and their publish times (remembered in the store for offline use, once)."""
        if self._published is None:
            self._published = self.registry.versions(self.target.npm_package)
            self.store.save_releases(self.target.name, self._published)
        return self._published

    def resolve(self, version: str) -> str:
        """Check a version exists; UnknownVersion names the nearest ones otherwise."""
        self.registry.manifest(self.target.npm_package, version)
        return version

    def range(self, low: str, high: str) -> list[str]:
        """Every stable release from low to high inclusive, after checking both ends exist."""
        self.resolve(low)
        self.resolve(high)
        if versions.parse(low) > versions.parse(high):
            low, high = high, low
        return versions.between(self.published(), low, high)

    def latest(self, n: int) -> list[str]:
        stable = [v for v in self.published() if not versions.is_prerelease(v)]
        return versions.sort(stable)[-n:]

    def platform_for(self, version: str) -> str:
        return self.platform if self.target.ships_native(version) else JS_PLATFORM

    def stored(self, version: str) -> SnapshotRow | None:
        row = self.store.find(self.target.name, version, self.platform_for(version), STATIC)
        return row if row and row.extractor == extract.EXTRACTOR_VERSION else None

    def ensure(self, wanted: Iterable[str], progress: Progress | None = None) -> list[SnapshotRow]:
        """Snapshots for these versions, collecting whatever the store lacks (in version order)."""
        wanted = versions.sort(set(wanted))
        missing = [v for v in wanted if self.stored(v) is None]
        if missing:
            published = self.published()
            with self.store.writer():
                for version in missing:
                    if version not in published:
                        raise UnknownVersion(f"{self.target.npm_package} has no version {version}")
                    self.collect(version, published.get(version), progress)
        return [self.stored(v) for v in wanted]

    def collect(self, version: str, published_at: str | None, progress: Progress | None = None) -> SnapshotRow:
        """Download, locate the JavaScript, extract and store one release (one transaction)."""
        package, entry = self.package_for(version)

        def on_bytes(done: int, total: int | None) -> None:
            if progress:
                progress(version, "download", done, total)

        tgz = self.registry.tarball(package, version, on_progress=on_bytes)
        if progress:
            progress(version, "extract", 0, None)
        found = bundle.from_tarball(tgz, entry, self.target.binary_names)
        facts = extract.extract(found, self.target, version)
        platform = self.platform_for(version)
        self.store.save_snapshot(
            target=self.target.name,
            version=version,
            platform=platform,
            source=STATIC,
            origin=f"{package}@{version}:{found.origin}",
            extractor=extract.EXTRACTOR_VERSION,
            published_at=published_at,
            facts=facts,
        )
        if progress:
            progress(version, "stored", 1, 1)
        return self.store.find(self.target.name, version, platform, STATIC)

    def package_for(self, version: str) -> tuple[str, tuple[str, ...]]:
        """The npm package holding the program of this version, and the JS entry files to look for."""
        if self.target.ships_native(version):
            return self.target.platform_package.format(platform=self.platform), ()
        return self.target.npm_package, self.target.entry_files

    # -- captures ----------------------------------------------------------------------------------

    def captured(self, version: str, scenario: str) -> SnapshotRow | None:
        row = self.store.find(self.target.name, version, self.platform_for(version), CAPTURE + scenario)
        return row if row and row.extractor == CAPTURE_FORMAT else None

    def ensure_captures(self, wanted: Iterable[str], scenarios: list[Scenario], progress: Progress | None = None, force: bool = False) -> None:
        """Run the scenarios a version has no stored capture of (all of them when `force`)."""
        wanted = versions.sort(set(wanted))
        todo = {v: [s for s in scenarios if force or self.captured(v, s.name) is None] for v in wanted}
        todo = {v: s for v, s in todo.items() if s}
        if not todo:
            return
        published = self.published()
        with self.store.writer():
            for version, missing in todo.items():
                self.capture(version, missing, published.get(version), progress)

    def capture(self, version: str, scenarios: list[Scenario], published_at: str | None, progress: Progress | None = None) -> None:
        """Install the release in a temporary folder, run the scenarios against the fake API, store each."""

        def on_scenario(name: str, result) -> None:
            if progress:
                progress(version, f"capture {name}", 1 if result else 0, 1)

        with self.installed(version) as argv:
            results = capture(argv, self.target, scenarios, on_progress=on_scenario)
        for name, result in results.items():
            self.store.save_snapshot(
                target=self.target.name,
                version=version,
                platform=self.platform_for(version),
                source=CAPTURE + name,
                origin=" ".join(result.args),
                extractor=CAPTURE_FORMAT,
                published_at=published_at,
                facts=scenario_facts(result.to_dict(), version),
            )

    @contextmanager
    def installed(self, version: str) -> Iterator[list[str]]:
        """The release unpacked in a temporary folder; yields the command that runs it."""
        package, entry = self.package_for(version)
        tgz = self.registry.tarball(package, version)
        with tempfile.TemporaryDirectory(prefix="auditor-run-") as tmp:
            try:
                with tarfile.open(tgz, "r:gz") as tar:
                    tar.extractall(tmp, filter="data")
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise DownloadError(f"corrupt package archive {tgz.name}: {exc}") from None
            root = Path(tmp)
            if entry:
                node = shutil.which("node")
                if node is None:
                    raise CaptureError(f"node is needed to run {self.target.npm_package}@{version} (it ships cli.js)")
                yield [node, str(root / entry[0])]
                return
            for name in self.target.binary_names:
                binary = root / name
                if binary.exists():
                    os.chmod(binary, 0o755)
                    yield [str(binary)]
                    return
            raise CaptureError(f"{package}@{version} has no program to run ({', '.join(self.target.binary_names)})")
