"""npm registry client: full packuments, verified tarballs, and a content-addressed download cache.

Everything a release audit rests on comes through here, so nothing unverified reaches the cache:
tarballs are checked against the registry's `dist.integrity` before they are renamed into place,
and a failed, truncated or interrupted download leaves no file behind.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeAlias
from urllib.parse import quote

from . import scratch
from . import versions as semver
from .errors import DownloadError, IntegrityError, RegistryError, TooLarge, UnknownPackage, UnknownVersion
from .limits import Limits
from .retry import Policy
from .retry import Transient as _Transient
from .retry import describe as _describe
from .retry import permanent as _permanent
from .retry import raise_if_transient as _raise_if_transient

if TYPE_CHECKING:
    import httpx

DEFAULT_REGISTRY = "https://registry.npmjs.org"
DEFAULT_MAX_AGE = 600.0
"""Seconds a cached packument is trusted without asking the registry; new releases show up within this."""
DEFAULT_CACHE_MAX = 4 << 30
"""Bytes of tarballs the cache keeps: about 50 native releases; the whole history is ~15 GB."""

_HASHES = ("sha512", "sha384", "sha256", "sha1")  # strongest first, as npm's ssri picks them
_HEX = re.compile(r"[0-9a-f]+")
_STALE = 600.0
"""Seconds after which a partial download beside the tarballs (left by auditors before scratch.py) is
dead for sure: every read times out within a minute."""
_LISTED = 5  # malformed packument entries named one by one; the rest are counted
_CHUNK = 1 << 16

Progress = Callable[[int, int | None], None]
"""on_progress(done_bytes, total_bytes); total is None when the server sends no Content-Length."""


def default_cache_dir() -> Path:
    """Where downloads live unless told otherwise (--cache-dir / $AUDITOR_CACHE): the user's cache dir,
    never the work tree."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "auditor"


def parse_size(text: str) -> int:
    """Bytes from "4G", "500M", "1.5GB", "2GiB" or a plain number (binary units: 1K = 1024)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", text, re.I)
    if not m:
        raise ValueError(f"not a size: {text!r} (try 4G, 500M or a number of bytes)")
    return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))


def format_size(size: int) -> str:
    """Bytes for people, in the units parse_size reads: 3.9G, 512M, 12K."""
    for unit, scale in (("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + unit
    return f"{size}B"


@dataclass(frozen=True)
class Digest:
    """An expected content hash of a tarball; it names the tarball's file in the cache, so it is only
    ever a known algorithm and lowercase hex of that algorithm's exact length (ValueError otherwise):
    a registry's value never becomes a path of its own making."""

    algorithm: str
    hexdigest: str

    def __post_init__(self) -> None:
        if self.algorithm not in _HASHES:
            raise ValueError(f"unknown hash algorithm {self.algorithm[:20]!r}")
        size = hashlib.new(self.algorithm).digest_size * 2
        if len(self.hexdigest) != size or not _HEX.fullmatch(self.hexdigest):
            raise ValueError(f"not a {self.algorithm} digest ({size} hex digits): {self.hexdigest[:80]!r}")

    @classmethod
    def from_dist(cls, dist: dict) -> Digest | None:
        """The strongest hash in `dist.integrity` (SRI; algorithms it does not know are skipped, as SRI
        says), else the legacy sha1 `dist.shasum`; None when neither is given, ValueError when the one
        used is malformed."""
        integrity, shasum = dist.get("integrity"), dist.get("shasum")
        if integrity not in (None, ""):
            if not isinstance(integrity, str):
                raise ValueError("dist.integrity is not a string")
            found: dict[str, str] = {}
            for token in integrity.split():
                algorithm, _, b64 = token.partition("-")
                if algorithm in _HASHES:
                    try:
                        found.setdefault(algorithm, base64.b64decode(b64.split("?")[0], validate=True).hex())
                    except (binascii.Error, ValueError):
                        raise ValueError(f"malformed dist.integrity {token[:80]!r}") from None
            for algorithm in _HASHES:
                if algorithm in found:
                    return cls(algorithm, found[algorithm])
            raise ValueError(f"dist.integrity {integrity[:80]!r} names no hash auditor knows ({', '.join(_HASHES)})")
        if shasum in (None, ""):
            return None
        if not isinstance(shasum, str):
            raise ValueError("dist.shasum is not a string")
        return cls("sha1", shasum.lower())

    def matches(self, path: Path, limit: int) -> bool:
        """Whether `path` is a regular file (not a link, a device or a folder) of at most `limit` bytes
        holding exactly these bytes."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return False
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            os.close(fd)
            return False
        with os.fdopen(fd, "rb") as f:
            return hashlib.file_digest(f, self.algorithm).hexdigest() == self.hexdigest


@contextmanager
def atomic_write(path: Path, workdir: Path | None = None) -> Iterator[BinaryIO]:
    """Write `path` all-or-nothing: a temp file in `workdir` (default: beside it; same filesystem), fsync,
    rename.

    If the body of the `with` raises anything (KeyboardInterrupt included), the temp file is
    removed and `path` is untouched, so readers never see a partial file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=workdir or path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:  # a cache dir that is a file, read-only, full: one line, not a traceback
        raise DownloadError(f"cannot write to the download cache {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class Cache:
    """On-disk cache: tarballs addressed by their hash, packuments with their HTTP validators.

    Tarballs are kept up to `max_bytes` (least recently used go first). The cache records use itself,
    by setting a tarball's mtime whenever it hands it out (filesystem atime is often not updated). A
    tarball in use is held open under a shared flock (`hold`), and eviction only removes a file it can
    lock exclusively, so two processes sharing the cache never delete what the other is reading.
    """

    def __init__(self, root: Path, max_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = DEFAULT_CACHE_MAX if max_bytes is None else max_bytes

    def scratch(self) -> Path:
        """This process's folder for temporary files inside the cache's root (scratch.py)."""
        try:
            return scratch.folder(self.root)
        except OSError as exc:
            raise DownloadError(f"cannot write to the download cache {self.root}: {exc.strerror or exc}") from None

    def write(self, path: Path) -> AbstractContextManager[BinaryIO]:
        """Write a file of the cache all-or-nothing, its partial bytes in this process's scratch folder,
        where a killed run's leftovers are found and removed."""
        return atomic_write(path, self.scratch())

    def partials(self) -> list[CachedTarball]:
        """Partial downloads beside the cached files: only auditors before scratch.py wrote them there."""
        found = []
        for path in [*(self.root / "tarballs").glob("*/*/.*.part"), *(self.root / "packuments").glob("*/.*.part")]:
            with suppress(FileNotFoundError):
                st = path.stat()
                found.append(CachedTarball(path, st.st_size, st.st_mtime))
        return found

    def prune_partials(self, now: float) -> list[CachedTarball]:
        """Delete the partial downloads no writer can still be finishing (older than _STALE seconds)."""
        deleted = []
        for partial in self.partials():
            if now - partial.used > _STALE:
                with suppress(FileNotFoundError):
                    os.unlink(partial.path)
                    deleted.append(partial)
        return deleted

    def tarball_path(self, digest: Digest) -> Path:
        h = digest.hexdigest
        return self.root / "tarballs" / digest.algorithm / h[:2] / f"{h[2:]}.tgz"

    def packument_path(self, registry_url: str, package: str) -> Path:
        """Keyed by registry too: a mirror's packument points at the mirror's tarball URLs."""
        return self.root / "packuments" / quote(registry_url, safe="") / f"{quote(package, safe='@')}.json"

    def hold(self, path: Path) -> Lease | None:
        """Mark a cached tarball used and keep it from eviction until the lease is closed; None if it
        is not (or no longer) there."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits out an eviction that has it locked right now
        if os.fstat(fd).st_nlink == 0:  # evicted between open and lock
            os.close(fd)
            return None
        os.utime(path)
        return Lease(path, fd)

    def tarballs(self) -> list[CachedTarball]:
        """Every cached tarball, least recently used first."""
        found = []
        for path in (self.root / "tarballs").glob("*/*/*.tgz"):
            with suppress(FileNotFoundError):
                st = path.stat()
                found.append(CachedTarball(path, st.st_size, st.st_mtime))
        return sorted(found, key=lambda t: t.used)

    def evict(self, max_bytes: int | None = None) -> list[CachedTarball]:
        """Delete least recently used tarballs until they take at most `max_bytes` (default: the cap),
        skipping any held by a lease in this or another process. Returns what was deleted."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        cached = self.tarballs()
        total = sum(t.size for t in cached)
        deleted = []
        for tarball in cached:
            if total <= limit:
                break
            try:
                fd = os.open(tarball.path, os.O_RDONLY)
            except FileNotFoundError:
                total -= tarball.size
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # in use
            else:
                with suppress(FileNotFoundError):
                    os.unlink(tarball.path)
                total -= tarball.size
                deleted.append(tarball)
            finally:
                os.close(fd)
        return deleted


@dataclass(frozen=True)
class CachedTarball:
    path: Path
    size: int
    used: float
    """When the cache last handed it out (epoch seconds)."""


class Lease:
    """A cached tarball held open (shared flock) so that no cache eviction deletes it; close to release."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LazyClient:
    """An httpx.Client made when first used, with these arguments: a run that the caches answer
    neither imports httpx nor loads the CA certificates (~0.2 s together)."""

    def __init__(self, **options: Any) -> None:
        self._options = options

    @cached_property
    def client(self) -> httpx.Client:
        import httpx

        return httpx.Client(**self._options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()

    def __enter__(self) -> LazyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


HttpClient: TypeAlias = "httpx.Client | LazyClient"
"""What the registry and the changelog sources send with: a client, or one made when first used."""


class Registry:
    """Reads one npm registry through a caller-owned httpx.Client.

    `retries` is how many times a request is repeated after a 429, a 5xx or a transport error
    (so at most `retries + 1` requests), waiting `backoff * 2**n` seconds or the server's
    Retry-After (retry.Policy: the one policy of every HTTP call). `max_age` is how many seconds a
    packument cached on disk is used without asking the registry; 0 always revalidates (a cheap 304 when the
    registry sends ETag/Last-Modified), which is what a "look for new releases" run wants.
    Within one Registry each packument is fetched at most once. `limits` caps what a download may be;
    `malformed` names what was skipped of the packuments read (a bad version, manifest or time).
    """

    def __init__(
        self,
        client: HttpClient,
        cache: Cache,
        url: str = DEFAULT_REGISTRY,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] | None = None,
        max_age: float = DEFAULT_MAX_AGE,
        limits: Limits | None = None,
    ) -> None:
        self.client = client
        self.cache = cache
        self.url = url.rstrip("/")
        self._retry = Policy(retries, backoff, sleep=sleep).call
        self.max_age = max_age
        self.limits = limits or Limits()
        self.malformed: list[str] = []
        self._packuments: dict[str, dict] = {}

    def packument(self, package: str) -> dict:
        """The full packument (`versions`, `time`, `dist-tags`), from memory, disk or the registry, without
        what is malformed in it (named in `malformed`)."""
        if package not in self._packuments:
            doc, skipped = well_formed(self._load_packument(package))
            if skipped:
                more = f" and {len(skipped) - _LISTED} more" if len(skipped) > _LISTED else ""
                self.malformed.append(f"{package} on {self.url}: skipped what is malformed: {'; '.join(skipped[:_LISTED])}{more}")
            self._packuments[package] = doc
        return self._packuments[package]

    def versions(self, package: str) -> dict[str, str | None]:
        """Published version -> publish time (ISO 8601 from `time`), oldest version first."""
        doc = self.packument(package)
        times = doc.get("time") or {}
        return {v: times.get(v) for v in semver.sort(doc["versions"])}

    def manifest(self, package: str, version: str) -> dict:
        """One version's package.json as published; UnknownVersion names the nearest real ones."""
        published = self.packument(package)["versions"]
        if version in published:
            return published[version]
        raise UnknownVersion(f"{package} has no version {version} ({_nearest(version, list(published))})")

    def tarball(self, package: str, version: str, on_progress: Progress | None = None) -> Path:
        """The verified tarball of package@version in the cache, downloading it if needed. A file found in
        the cache is hashed before it is used: one that does not match is deleted and downloaded again."""
        dist = self.manifest(package, version).get("dist")
        dist = dist if isinstance(dist, dict) else {}
        try:
            url, digest = dist.get("tarball"), Digest.from_dist(dist)
        except ValueError as exc:
            raise RegistryError(f"{package}@{version}: the registry lists a bad hash for it: {exc}") from None
        if not isinstance(url, str) or not url or digest is None:
            raise RegistryError(f"{package}@{version}: the registry lists no tarball URL or hash for it")
        path = self.cache.tarball_path(digest)
        if os.path.lexists(path) and not digest.matches(path, self.limits.download):
            _remove(path)
        if not path.exists():
            self._retry(
                lambda: self._download(package, version, url, digest, path, on_progress),
                lambda reason: DownloadError(f"{package}@{version}: download failed: {reason} ({url})"),
            )
        return path

    def lease(self, package: str, version: str, on_progress: Progress | None = None) -> Lease:
        """The verified tarball, held so that the cache does not evict it until the lease is closed;
        downloaded (again) if it is missing or was evicted meanwhile."""
        while True:
            lease = self.cache.hold(self.tarball(package, version, on_progress))
            if lease is not None:
                return lease

    def _load_packument(self, package: str) -> dict:
        path = self.cache.packument_path(self.url, package)
        cached = _read_json(path)
        if cached is not None and time.time() - path.stat().st_mtime < self.max_age:
            return cached["packument"]

        url = f"{self.url}/{package.replace('/', '%2f')}"
        headers = {"Accept": "application/json"}
        if cached is not None:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]

        def fail(reason: str) -> RegistryError:
            return RegistryError(f"{package}: {reason} ({url})")

        response = self._retry(lambda: self._get(url, headers, fail), fail)
        if response.status_code == 304 and cached is not None:
            os.utime(path)  # revalidated: fresh for another max_age
            return cached["packument"]
        if response.status_code == 404:
            raise UnknownPackage(f"no package named {package} on {self.url}")
        if response.status_code != 200:
            raise fail(f"registry answered HTTP {response.status_code} {response.reason_phrase}")
        try:
            doc = response.json()
        except ValueError:
            raise fail("registry sent a packument that is not JSON") from None
        if not isinstance(doc, dict):
            raise fail("registry sent a packument that is not a JSON object")
        if not isinstance(doc.get("versions"), dict):
            if isinstance(doc.get("time"), dict) and "unpublished" in doc["time"]:
                raise UnknownPackage(f"{package} was unpublished from {self.url}")
            raise fail("registry sent a packument without versions")
        entry = {
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
            "packument": doc,
        }
        with self.cache.write(path) as f:
            f.write(json.dumps(entry).encode())
        return doc

    def _get(self, url: str, headers: dict[str, str], fail: Callable[[str], RegistryError]) -> httpx.Response:
        import httpx

        try:
            response = self.client.get(url, headers=headers, follow_redirects=True)
        except _permanent() as exc:
            raise fail(_describe(exc)) from exc
        except httpx.TransportError as exc:
            raise _Transient(_describe(exc)) from exc
        _raise_if_transient(response)
        return response

    def _download(
        self, package: str, version: str, url: str, digest: Digest, path: Path, on_progress: Progress | None
    ) -> None:
        """One attempt: stream into a temp file beside `path`, verify, rename into place."""
        import httpx

        what = f"{package}@{version}"
        try:
            with self.client.stream("GET", url, follow_redirects=True) as response:
                _raise_if_transient(response)
                if response.status_code != 200:
                    raise DownloadError(f"{what}: tarball answered HTTP {response.status_code} ({url})")
                total = _content_length(response)
                if total is not None and total > self.limits.download:
                    raise self._too_large(what, url)
                hasher, done = hashlib.new(digest.algorithm), 0
                with self.cache.write(path) as f:
                    for chunk in response.iter_bytes(_CHUNK):
                        if done + len(chunk) > self.limits.download:  # counted decoded: a gzip bomb stops here
                            raise self._too_large(what, url)
                        f.write(chunk)
                        hasher.update(chunk)
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress(done, total)
                    if total is not None and done != total:
                        raise _Transient(f"truncated: got {done} of {total} bytes")
                    if hasher.hexdigest() != digest.hexdigest:
                        raise IntegrityError(
                            f"{what}: tarball {digest.algorithm} is {hasher.hexdigest()[:16]}…, "
                            f"the registry says {digest.hexdigest[:16]}… ({url})"
                        )
        except _permanent() as exc:
            raise DownloadError(f"{what}: download failed: {_describe(exc)} ({url})") from exc
        except httpx.TransportError as exc:
            raise _Transient(_describe(exc)) from exc

    def _too_large(self, what: str, url: str) -> TooLarge:
        return TooLarge(f"{what}: the tarball is larger than the {format_size(self.limits.download)} download cap "
                        f"(--max-download or $AUDITOR_MAX_DOWNLOAD raise it) ({url})")


def _content_length(response: httpx.Response) -> int | None:
    """The size of the decoded body, when the server says it (not under a Content-Encoding)."""
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def well_formed(doc: dict) -> tuple[dict, list[str]]:
    """The packument without what cannot be used, and what that was: versions whose key is not a version
    number or whose manifest is not an object are dropped; a publish time that is not a date becomes
    unknown. One bad entry must not stop the work on every other release."""
    skipped: list[str] = []
    good: dict[str, dict] = {}
    for version, manifest in doc["versions"].items():
        if not semver.is_version(version):
            skipped.append(f"version {version[:60]!r} (not a version number)")
        elif not isinstance(manifest, dict):
            skipped.append(f"{version} (its manifest is not an object)")
        else:
            good[version] = manifest
    times = doc.get("time")
    if not isinstance(times, dict):
        skipped.append("the publish times (not an object)")
        times = {}
    dated: dict[str, Any] = {}
    for key, value in times.items():
        if key in good and not _is_date(value):
            skipped.append(f"the publish time of {key} ({str(value)[:40]!r}, not a date)")
        else:
            dated[key] = value
    if not skipped:
        return doc, []
    return {**doc, "versions": good, "time": dated}, skipped


def _is_date(value: object) -> bool:
    try:
        datetime.datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _remove(path: Path) -> None:
    """Delete a file in the cache that is not what its name says (a folder in its place too)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as exc:
        raise DownloadError(f"cannot replace {path} in the download cache: {exc.strerror or exc}") from None


def _nearest(version: str, published: list[str]) -> str:
    """The published versions just below and above `version`, for an error message."""
    if not published:
        return "it has no published versions"
    ordered = semver.sort(published)
    if not semver.is_version(version):
        return f"not a version number; newest: {ordered[-1]}"
    keys = [semver.parse(v) for v in ordered]
    i = bisect.bisect_left(keys, semver.parse(version))
    return "nearest: " + ", ".join(ordered[max(i - 1, 0) : i + 1])


def _read_json(path: Path) -> dict | None:
    """A cached packument entry, or None if missing or unreadable (it is then simply fetched again)."""
    try:
        entry = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    usable = isinstance(entry, dict) and isinstance(entry.get("packument"), dict) and isinstance(entry["packument"].get("versions"), dict)
    return entry if usable else None

