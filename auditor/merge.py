"""Merging stores: shards collected on separate runners become one store, and a published store can be
imported instead of collecting the history again. Whole snapshots only (each copied in one transaction),
texts stored once, nothing overwritten: a snapshot both stores hold with different facts is a conflict,
reported and left as it was."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import retry, versions
from .errors import MergeError, StoreError
from .store import SnapshotRow, Store

if TYPE_CHECKING:
    import httpx

DIGEST_SUFFIX = ".sha256"
_HEX = re.compile(r"\b[0-9a-fA-F]{64}\b")


@dataclass
class MergeResult:
    """What one merge did: snapshots added, already there (same facts), and conflicts (kept as they were)."""

    added: list[SnapshotRow] = field(default_factory=list)
    same: list[SnapshotRow] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    releases: int = 0
    skipped: list[str] = field(default_factory=list)  # malformed rows of the source, not copied

    def line(self, source: str) -> str:
        return (f"{source}: {len(self.added)} snapshots added, {len(self.same)} already here, "
                f"{len(self.conflicts)} conflicts, {self.releases} release dates added"
                + (f", {len(self.skipped)} malformed rows skipped" if self.skipped else ""))


def _key(row: SnapshotRow) -> str:
    return f"{row.target} {row.version} {row.platform} {row.source}"


def merge(into: Store, source: Store) -> MergeResult:
    """Copy into `into` every snapshot of `source` it lacks; compare the ones it has. The source is data
    from elsewhere: a snapshot or release date of the wrong shape is skipped and named, not copied."""
    result = MergeResult()
    with into.writer():
        for row in source.all_snapshots():
            try:
                facts = _checked(row, source)
            except ValueError as exc:
                result.skipped.append(f"snapshot {row.id!r}: {exc}")
                continue
            mine = into.find(row.target, row.version, row.platform, row.source)
            if mine is None:
                into.copy_snapshot(row, facts)
                result.added.append(row)
            elif mine.extractor != row.extractor:
                result.conflicts.append(f"{_key(row)}: extracted by {mine.extractor} here, {row.extractor} there (kept {mine.extractor})")
            elif (mine_facts := into.facts(mine.id)) != facts:
                result.conflicts.append(f"{_key(row)}: {_differing(mine_facts, facts)} differ (kept this store's)")
            else:
                result.same.append(row)
        known = into.all_releases()
        for target, published in source.all_releases().items():
            bad = {v: t for v, t in published.items() if not (_is_text(target) and _is_version(v) and _is_time(t))}
            result.skipped += [f"release {target!r} {v!r}: published at {t!r}" for v, t in bad.items()]
            new = {v: t for v, t in published.items() if v not in known.get(target, {}) and v not in bad}
            if new:
                into.save_releases(target, new)
                result.releases += len(new)
    return result


def _checked(row: SnapshotRow, source: Store) -> dict[str, dict[str, object]]:
    """The row's facts, if the row and its facts have the shapes this auditor writes; a ValueError that
    says what is wrong (values quoted: they may hold terminal escapes) otherwise."""
    fields = {"target": row.target, "version": row.version, "platform": row.platform, "source": row.source,
              "extractor": row.extractor, "collected_at": row.collected_at}  # origin is free text (a capture's command line)
    wrong = next((name for name, value in fields.items() if not _is_text(value)), None)
    if wrong or not isinstance(row.origin, str):
        raise ValueError(f"its {wrong} is {fields[wrong]!r}" if wrong else f"its origin is {row.origin!r}")
    if not _is_version(row.version):
        raise ValueError(f"{row.version!r} is not a version")
    if not _is_time(row.published_at):
        raise ValueError(f"{_key(row)}: published at {row.published_at!r}, not a time")
    try:
        facts = source.facts(row.id)
    except (ValueError, StoreError, sqlite3.Error) as exc:  # a text that is not JSON, a fact without its text
        raise ValueError(f"{_key(row)}: {' '.join(str(exc).split())[:200]}") from None
    odd = next(((kind, key) for kind, entries in facts.items() for key in entries if not (_is_text(kind) and _is_text(key))), None)
    if odd:
        raise ValueError(f"{_key(row)}: a fact named {odd[0]!r} {odd[1]!r}")
    return facts


def _is_text(value: object) -> bool:
    """A non-empty string with nothing a terminal would act on."""
    return isinstance(value, str) and value.isprintable() and bool(value.strip())


def _is_version(value: object) -> bool:
    return isinstance(value, str) and versions.is_version(value)


def _is_time(value: object) -> bool:
    """None, or an ISO 8601 time (as the registry's `time` gives them)."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _differing(a: dict[str, dict[str, object]], b: dict[str, dict[str, object]]) -> str:
    keys = {(k, n) for facts in (a, b) for k, entries in facts.items() for n in entries}
    differ = sorted(f"{k}:{n}" for k, n in keys if a.get(k, {}).get(n) != b.get(k, {}).get(n))
    return f"{len(differ)} facts ({', '.join(differ[:3])}{', …' if len(differ) > 3 else ''})"


@contextmanager
def opened(path: Path, name: str | None = None) -> Iterator[Store]:
    """Another store, read for merging as data (Store.source: read-only, never migrated, its triggers and
    views never run); a file that is not one, or one a newer auditor made, is a MergeError naming it
    (`name`, default its path)."""
    if not path.is_file():
        raise MergeError(f"no store at {name or path}")
    try:
        store = Store.source(path, name)
    except StoreError as exc:
        raise MergeError(str(exc)) from None
    try:
        yield store
    finally:
        store.close()


# -- import ----------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_digest(text: str, where: str) -> str:
    """The hex digest of a `.sha256` file (sha256sum's `HEX  name`) or of a bare `--sha256` value."""
    found = _HEX.search(text)
    if not found:
        raise MergeError(f"{where} holds no sha256 digest")
    return found.group(0).lower()


@contextmanager
def fetched(client: httpx.Client, source: str, digest: str | None = None) -> Iterator[Path]:
    """A published store (URL or file, optionally .gz) as a local file whose sha256 matches `digest`, or
    the one published beside it (`SOURCE.sha256`). Nothing is merged from bytes that were not verified."""
    if digest is not None:
        digest = parse_digest(digest, "--sha256")
    with tempfile.TemporaryDirectory(prefix="auditor-import-") as tmp:
        local = Path(tmp) / Path(source.split("?")[0]).name
        if source.startswith(("http://", "https://")):
            _download(client, source, local)
            if digest is None:
                digest = parse_digest(_get(client, source + DIGEST_SUFFIX).text, source + DIGEST_SUFFIX)
        else:
            if not Path(source).is_file():
                raise MergeError(f"no store at {source}")
            shutil.copyfile(source, local)
            if digest is None:
                beside = Path(source + DIGEST_SUFFIX)
                if not beside.is_file():
                    raise MergeError(f"{source} has no {beside.name} beside it; give its digest with --sha256")
                digest = parse_digest(beside.read_text(errors="replace"), str(beside))
        actual = sha256(local)
        if actual != digest:
            raise MergeError(f"{source} does not match its digest (sha256 {actual}, expected {digest}); nothing imported")
        if local.suffix == ".gz":
            plain = local.with_suffix("")
            try:
                with gzip.open(local) as src, open(plain, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (OSError, EOFError) as exc:
                raise MergeError(f"{source} is not a gzip file: {exc}") from None
            local = plain
        yield local


def _get(client: httpx.Client, url: str) -> httpx.Response:
    return retry.get(client, url, lambda reason: MergeError(f"cannot download {url}: {reason}"))


def _download(client: httpx.Client, url: str, dest: Path) -> None:
    """Stream `url` into `dest`, each try from the start (retry.Policy)."""
    import httpx

    def fail(reason: str) -> MergeError:
        return MergeError(f"cannot download {url}: {reason}")

    def attempt() -> None:
        try:
            with client.stream("GET", url, follow_redirects=True) as response:
                retry.raise_if_transient(response)
                if response.status_code != 200:
                    raise fail(f"HTTP {response.status_code}")
                with open(dest, "wb") as f:
                    for chunk in response.iter_bytes(1 << 20):
                        f.write(chunk)
        except httpx.HTTPError as exc:
            raise retry.classified(exc, fail) from exc

    retry.Policy().call(attempt, fail)
