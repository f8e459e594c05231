"""The npm client against a local fake registry (pytest-httpserver) serving tarballs built here."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tarfile
import time
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from auditor.errors import DownloadError, IntegrityError, RegistryError, TooLarge, UnknownPackage, UnknownVersion
from auditor.limits import Limits
from auditor.npm import (
    DEFAULT_CACHE_MAX,
    Cache,
    Digest,
    LazyClient,
    Registry,
    default_cache_dir,
    format_size,
    parse_size,
)

PKG = "@fake/cli"
PATH = "/@fake/cli"  # werkzeug hands the handler the decoded path of /@fake%2fcli


def make_tarball(version: str, size: int = 4096) -> bytes:
    """A real npm-style .tgz: package/package.json plus a cli.js of `size` bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in {
            "package/package.json": json.dumps({"name": PKG, "version": version}).encode(),
            "package/cli.js": (f"// {version}\n".encode() + os.urandom(size)),
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


class FakeRegistry:
    """Publishes versions of PKG on an HTTPServer: a packument plus one tarball URL per version."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.tarballs: dict[str, bytes] = {}
        self.doc: dict = {
            "_id": PKG,
            "name": PKG,
            "dist-tags": {},
            "versions": {},
            "time": {"created": "2024-01-01T00:00:00.000Z"},
        }

    def publish(self, version: str, dist: dict | None = None, serve: bool = True) -> bytes:
        data = make_tarball(version)
        self.tarballs[version] = data
        path = self.tarball_path(version)
        self.doc["versions"][version] = {
            "name": PKG,
            "version": version,
            "dist": {"tarball": self.server.url_for(path), "integrity": sri(data), **(dist or {})},
        }
        self.doc["time"][version] = f"2025-01-{len(self.tarballs):02d}T00:00:00.000Z"
        self.doc["dist-tags"]["latest"] = version
        if serve:
            self.server.expect_request(path).respond_with_data(data, content_type="application/octet-stream")
        return data

    @staticmethod
    def tarball_path(version: str) -> str:
        return f"/tarballs/cli-{version}.tgz"

    def serve_packument(self, headers: dict[str, str] | None = None) -> None:
        self.server.expect_request(PATH).respond_with_json(self.doc, headers=headers)

    def requests_to(self, path: str) -> list[Request]:
        return [req for req, _ in self.server.log if req.path == path]


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeRegistry:
    return FakeRegistry(httpserver)


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as c:
        yield c


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def registry(client: httpx.Client, tmp_path: Path, httpserver: HTTPServer, slept: list[float]) -> Registry:
    return make_registry(client, tmp_path, httpserver, slept)


def make_registry(client, tmp_path, httpserver, slept, **kw) -> Registry:
    return Registry(client, Cache(tmp_path / "cache"), httpserver.url_for("/"), sleep=slept.append, **kw)


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    return message


def cached_tarballs(tmp_path: Path) -> list[Path]:
    """Every file under the tarball cache, temp files included."""
    return [p for p in (tmp_path / "cache" / "tarballs").rglob("*") if p.is_file()]


# --- packuments ---------------------------------------------------------------------------------


def test_packument_is_requested_once_with_encoded_name(fake, registry):
    fake.publish("1.0.0")
    fake.serve_packument()
    assert registry.packument(PKG)["versions"]["1.0.0"]["version"] == "1.0.0"
    assert registry.packument(PKG) is registry.packument(PKG)
    [req] = fake.requests_to(PATH)
    assert req.environ["RAW_URI"] == "/@fake%2fcli"
    assert req.headers["Accept"] == "application/json"


def test_conditional_request_reuses_cache_on_304(fake, client, tmp_path, httpserver, slept):
    fake.publish("1.0.0")
    etag, modified = '"abc"', "Wed, 01 Jan 2025 00:00:00 GMT"
    httpserver.expect_request(PATH, headers={"If-None-Match": etag, "If-Modified-Since": modified}).respond_with_data(
        "", status=304
    )
    fake.serve_packument(headers={"ETag": etag, "Last-Modified": modified})

    first = make_registry(client, tmp_path, httpserver, slept, max_age=0).packument(PKG)
    second = make_registry(client, tmp_path, httpserver, slept, max_age=0).packument(PKG)

    assert second == first
    statuses = [resp.status_code for req, resp in httpserver.log if req.path == PATH]
    assert statuses == [200, 304]


def test_fresh_disk_copy_skips_network_until_max_age(fake, client, tmp_path, httpserver, slept):
    fake.publish("1.0.0")
    fake.serve_packument()
    make_registry(client, tmp_path, httpserver, slept).packument(PKG)
    make_registry(client, tmp_path, httpserver, slept).packument(PKG)
    assert len(fake.requests_to(PATH)) == 1

    [path] = (tmp_path / "cache" / "packuments").rglob("*.json")
    old = time.time() - 601
    os.utime(path, (old, old))
    make_registry(client, tmp_path, httpserver, slept).packument(PKG)
    assert len(fake.requests_to(PATH)) == 2


def test_lazy_client_is_made_when_the_registry_must_ask(fake, tmp_path, httpserver, slept):
    fake.publish("1.0.0")
    fake.serve_packument()
    with LazyClient(timeout=5) as lazy:
        make_registry(lazy, tmp_path, httpserver, slept).packument(PKG)
        assert "client" in vars(lazy)
    assert lazy.client.is_closed
    with LazyClient(timeout=5) as lazy:  # a fresh disk copy answers: no client made, none to close
        assert make_registry(lazy, tmp_path, httpserver, slept).versions(PKG) == {"1.0.0": fake.doc["time"]["1.0.0"]}
    assert "client" not in vars(lazy)
    assert len(fake.requests_to(PATH)) == 1


def test_corrupt_packument_cache_is_fetched_again(fake, client, tmp_path, httpserver, slept):
    fake.publish("1.0.0")
    fake.serve_packument()
    make_registry(client, tmp_path, httpserver, slept).packument(PKG)
    [path] = (tmp_path / "cache" / "packuments").rglob("*.json")
    path.write_text("{not json")
    assert "1.0.0" in make_registry(client, tmp_path, httpserver, slept).packument(PKG)["versions"]
    assert len(fake.requests_to(PATH)) == 2


def test_versions_with_times_in_version_order(fake, registry):
    for v in ("1.9.0", "1.10.0", "1.2.0"):
        fake.publish(v)
    fake.doc["time"]["1.0.0"] = "2024-06-01T00:00:00.000Z"  # unpublished: in time, not in versions
    fake.doc["time"]["modified"] = "2025-02-01T00:00:00.000Z"
    fake.serve_packument()
    assert registry.versions(PKG) == {
        "1.2.0": "2025-01-03T00:00:00.000Z",
        "1.9.0": "2025-01-01T00:00:00.000Z",
        "1.10.0": "2025-01-02T00:00:00.000Z",
    }


def test_unknown_package(httpserver, registry):
    httpserver.expect_request("/@fake/nope").respond_with_json({"error": "Not found"}, status=404)
    with pytest.raises(UnknownPackage) as exc:
        registry.packument("@fake/nope")
    assert "@fake/nope" in one_line(exc)


def test_unpublished_package(fake, registry):
    fake.doc = {"name": PKG, "time": {"unpublished": {"time": "2025-01-01T00:00:00.000Z"}}}
    fake.serve_packument()
    with pytest.raises(UnknownPackage) as exc:
        registry.versions(PKG)
    assert PKG in one_line(exc)


def test_unknown_version_names_the_nearest(fake, registry):
    for v in ("2.1.58", "2.1.59", "2.1.61", "2.1.62"):
        fake.publish(v)
    fake.serve_packument()
    with pytest.raises(UnknownVersion) as exc:
        registry.manifest(PKG, "2.1.60")
    assert one_line(exc) == "@fake/cli has no version 2.1.60 (nearest: 2.1.59, 2.1.61)"
    with pytest.raises(UnknownVersion, match=r"2\.1\.99 \(nearest: 2\.1\.62\)$"):
        registry.tarball(PKG, "2.1.99")
    with pytest.raises(UnknownVersion, match=r"newest: 2\.1\.62"):
        registry.manifest(PKG, "latest")


# --- retries ------------------------------------------------------------------------------------


def test_429_honours_retry_after_then_succeeds(fake, httpserver, registry, slept):
    fake.publish("1.0.0")
    httpserver.expect_oneshot_request(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    fake.serve_packument()
    assert "1.0.0" in registry.versions(PKG)
    assert slept == [7.0]


def test_too_long_a_retry_after_is_not_waited(fake, httpserver, registry, slept):
    fake.publish("1.0.0")
    httpserver.expect_oneshot_request(PATH).respond_with_data("", status=503, headers={"Retry-After": "3600"})
    fake.serve_packument()
    with pytest.raises(RegistryError) as exc:
        registry.packument(PKG)
    assert "HTTP 503 SERVICE UNAVAILABLE; asked to wait 3600 s (more than 60), gave up after 1 try" in one_line(exc)
    assert slept == []


def test_5xx_exhausted_raises_after_backoff(httpserver, client, tmp_path, slept):
    httpserver.expect_request(PATH).respond_with_data("down", status=502)
    registry = make_registry(client, tmp_path, httpserver, slept, retries=3, backoff=0.5)
    with pytest.raises(RegistryError) as exc:
        registry.packument(PKG)
    message = one_line(exc)
    assert PKG in message and "502" in message and "4 tries" in message
    assert slept == [0.5, 1.0, 2.0]
    assert len(httpserver.log) == 4


def test_transport_errors_are_retried(tmp_path, slept):
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused\nby peer", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        registry = Registry(client, Cache(tmp_path), "http://registry.invalid", retries=2, sleep=slept.append)
        with pytest.raises(RegistryError) as exc:
            registry.packument(PKG)
    assert "ConnectError: connection refused by peer" in one_line(exc)
    assert len(calls) == 3 and slept == [0.5, 1.0]


def test_download_5xx_exhausted(fake, httpserver, client, tmp_path, slept):
    fake.publish("1.0.0", serve=False)
    fake.serve_packument()
    httpserver.expect_request(fake.tarball_path("1.0.0")).respond_with_data("", status=500)
    registry = make_registry(client, tmp_path, httpserver, slept, retries=1)
    with pytest.raises(DownloadError) as exc:
        registry.tarball(PKG, "1.0.0")
    assert "@fake/cli@1.0.0" in one_line(exc) and "2 tries" in str(exc.value)
    assert not isinstance(exc.value, IntegrityError)
    assert cached_tarballs(tmp_path) == []


# --- tarballs -----------------------------------------------------------------------------------


def test_tarball_is_verified_cached_and_not_downloaded_again(fake, client, tmp_path, httpserver, slept):
    data = fake.publish("1.0.0")
    fake.serve_packument()
    progress: list[tuple[int, int | None]] = []
    registry = make_registry(client, tmp_path, httpserver, slept)
    path = registry.tarball(PKG, "1.0.0", on_progress=lambda *a: progress.append(a))

    digest = hashlib.sha512(data).hexdigest()
    assert path.read_bytes() == data
    assert path == tmp_path / "cache" / "tarballs" / "sha512" / digest[:2] / f"{digest[2:]}.tgz"
    assert progress[-1] == (len(data), len(data))
    with tarfile.open(path) as tar:
        assert "package/cli.js" in tar.getnames()

    assert make_registry(client, tmp_path, httpserver, slept).tarball(PKG, "1.0.0") == path
    assert len(fake.requests_to(fake.tarball_path("1.0.0"))) == 1
    assert cached_tarballs(tmp_path) == [path]


def test_integrity_mismatch(fake, registry, tmp_path):
    fake.publish("1.0.0", dist={"integrity": sri(b"some other tarball")})
    fake.serve_packument()
    with pytest.raises(IntegrityError) as exc:
        registry.tarball(PKG, "1.0.0")
    message = one_line(exc)
    assert "@fake/cli@1.0.0" in message and hashlib.sha512(b"some other tarball").hexdigest()[:16] in message
    assert len(fake.requests_to(fake.tarball_path("1.0.0"))) == 1  # not retried: the bytes are wrong
    assert cached_tarballs(tmp_path) == []


def test_corrupt_bytes(fake, httpserver, registry, tmp_path):
    data = bytearray(fake.publish("1.0.0", serve=False))
    data[len(data) // 2] ^= 0xFF
    httpserver.expect_request(fake.tarball_path("1.0.0")).respond_with_data(bytes(data))
    fake.serve_packument()
    with pytest.raises(IntegrityError, match=r"^@fake/cli@1\.0\.0: tarball sha512 is "):
        registry.tarball(PKG, "1.0.0")
    assert cached_tarballs(tmp_path) == []


def test_sha1_shasum_when_no_integrity(fake, registry):
    fake.publish("1.0.0", dist={"integrity": None, "shasum": hashlib.sha1(b"x").hexdigest()})
    fake.publish("1.1.0", dist={"integrity": None})
    fake.doc["versions"]["1.1.0"]["dist"]["shasum"] = hashlib.sha1(fake.tarballs["1.1.0"]).hexdigest()
    fake.serve_packument()
    with pytest.raises(IntegrityError, match="sha1"):
        registry.tarball(PKG, "1.0.0")
    assert registry.tarball(PKG, "1.1.0").parent.parent.name == "sha1"


def short_response(data: bytes, sent: int) -> Response:
    """Promises all of `data` in Content-Length but sends only `sent` bytes, then the server closes."""
    response = Response(data[:sent], content_type="application/octet-stream")
    response.headers["Content-Length"] = str(len(data))  # after the body, which would reset it
    return response


def test_dropped_connection_is_retried_then_reported(fake, httpserver, registry, tmp_path, slept):
    data = fake.publish("1.0.0", serve=False)
    fake.serve_packument()
    # The server promises the whole tarball, sends half and closes the connection.
    httpserver.expect_request(fake.tarball_path("1.0.0")).respond_with_response(short_response(data, len(data) // 2))
    with pytest.raises(DownloadError) as exc:
        registry.tarball(PKG, "1.0.0")
    assert "@fake/cli@1.0.0" in one_line(exc) and "5 tries" in str(exc.value)
    assert slept == [0.5, 1.0, 2.0, 4.0]
    assert cached_tarballs(tmp_path) == []


def test_truncated_once_then_complete(fake, httpserver, registry, slept):
    data = fake.publish("1.0.0")
    fake.serve_packument()
    httpserver.expect_oneshot_request(fake.tarball_path("1.0.0")).respond_with_response(short_response(data, 100))
    assert registry.tarball(PKG, "1.0.0").read_bytes() == data
    assert slept == [0.5]


def test_short_body_is_caught_even_if_the_transport_misses_it(tmp_path, slept):
    """MockTransport does not police Content-Length, so this exercises the client's own check."""
    data = make_tarball("1.0.0")
    manifest = {"version": "1.0.0", "dist": {"tarball": "http://fake/cli.tgz", "integrity": sri(data)}}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cli.tgz":
            return httpx.Response(200, headers={"Content-Length": str(len(data))}, content=data[:-10])
        return httpx.Response(200, json={"name": PKG, "versions": {"1.0.0": manifest}})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        registry = Registry(client, Cache(tmp_path / "cache"), "http://fake", retries=0, sleep=slept.append)
        with pytest.raises(DownloadError, match=rf"truncated: got {len(data) - 10} of {len(data)} bytes") as exc:
            registry.tarball(PKG, "1.0.0")
    one_line(exc)
    assert cached_tarballs(tmp_path) == []


def test_keyboard_interrupt_mid_download_leaves_nothing(fake, registry, tmp_path):
    fake.publish("1.0.0")
    fake.serve_packument()

    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        registry.tarball(PKG, "1.0.0", on_progress=interrupt)
    assert cached_tarballs(tmp_path) == []
    assert registry.tarball(PKG, "1.0.0").exists()


def test_tarball_404_is_not_retried(fake, httpserver, registry, slept):
    fake.publish("1.0.0", serve=False)
    fake.serve_packument()
    httpserver.expect_request(fake.tarball_path("1.0.0")).respond_with_data("gone", status=404)
    with pytest.raises(DownloadError) as exc:
        registry.tarball(PKG, "1.0.0")
    message = one_line(exc)
    assert "@fake/cli@1.0.0" in message and "HTTP 404" in message
    assert slept == []


# --- small parts --------------------------------------------------------------------------------


def test_digest_prefers_the_strongest_hash():
    data = b"tarball"
    sha1 = "sha1-" + base64.b64encode(hashlib.sha1(data).digest()).decode()
    assert Digest.from_dist({"integrity": f"{sha1} {sri(data)}"}) == Digest("sha512", hashlib.sha512(data).hexdigest())
    assert Digest.from_dist({"integrity": f"md5-AAAA {sri(data)}"}) == Digest("sha512", hashlib.sha512(data).hexdigest())  # SRI: unknown skipped
    assert Digest.from_dist({"shasum": hashlib.sha1(data).hexdigest().upper()}) == Digest("sha1", hashlib.sha1(data).hexdigest())
    assert Digest.from_dist({}) is None


@pytest.mark.parametrize("dist", [
    {"shasum": "ab/../../../x"},
    {"shasum": "ABC"},
    {"shasum": "a" * 39 + "/"},
    {"shasum": "g" * 40},
    {"shasum": ["a" * 40]},
    {"integrity": "sha512-!!!"},
    {"integrity": "sha512-" + base64.b64encode(b"short").decode()},  # valid base64, not 64 bytes
    {"integrity": "md5-AAAA"},  # nothing it can check
    {"integrity": 12},
    {"integrity": "sha512-!!!", "shasum": "a" * 40},  # a broken integrity is not quietly replaced by the weaker sha1
])
def test_a_digest_is_only_hex_of_the_algorithms_exact_length(dist):
    """Hostile: a mirror's hash names a file in the cache, so anything but exact hex is refused."""
    with pytest.raises(ValueError):
        Digest.from_dist(dist)
    with pytest.raises(ValueError):
        Digest("sha1", "ab/../../../" + "a" * 28)


def test_a_shasum_that_walks_out_of_the_cache_is_refused_and_touches_nothing(fake, registry, tmp_path):
    """Hostile: `ab/../../../x` used to build a path outside the cache, make its folders, and take a file
    already there as the release unchecked."""
    planted = tmp_path / "x.tgz"
    planted.write_bytes(b"not the release")
    fake.publish("1.0.0", dist={"integrity": None, "shasum": "ab/../../../../x"})
    fake.serve_packument()
    with pytest.raises(RegistryError) as exc:
        registry.tarball(PKG, "1.0.0")
    assert "@fake/cli@1.0.0: the registry lists a bad hash for it: not a sha1 digest" in one_line(exc)
    made = {p.relative_to(tmp_path).parts[:2] for p in tmp_path.rglob("*")}
    assert made == {("x.tgz",), ("cache",), ("cache", "packuments"), ("cache", "tmp")}  # no tarballs/ folder, nothing outside
    assert planted.read_bytes() == b"not the release"
    assert fake.requests_to(fake.tarball_path("1.0.0")) == []


@pytest.mark.parametrize("plant", ["other bytes", "truncated", "symlink", "folder"])
def test_a_file_in_the_cache_is_hashed_before_it_is_used(fake, registry, tmp_path, plant):
    """Hostile: whatever sits at a tarball's cache path (written by another user, damaged, a link to
    elsewhere) is used only if its bytes hash to the registry's digest; otherwise it is replaced."""
    data = fake.publish("1.0.0")
    fake.serve_packument()
    path = registry.cache.tarball_path(Digest("sha512", hashlib.sha512(data).hexdigest()))
    path.parent.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.tgz"
    elsewhere.write_bytes(b"a file the cache must never write to")
    if plant == "other bytes":
        path.write_bytes(make_tarball("6.6.6"))
    elif plant == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif plant == "symlink":
        path.symlink_to(elsewhere)
    else:
        (path / "inside").mkdir(parents=True)
    assert registry.tarball(PKG, "1.0.0").read_bytes() == data
    assert not path.is_symlink() and elsewhere.read_bytes() == b"a file the cache must never write to"
    assert len(fake.requests_to(fake.tarball_path("1.0.0"))) == 1
    assert registry.tarball(PKG, "1.0.0") == path  # a good file is used as it is
    assert len(fake.requests_to(fake.tarball_path("1.0.0"))) == 1


def test_default_cache_dir_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "auditor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "auditor"


# --- the bounded cache ---------------------------------------------------------------------------


def published(fake, *versions: str) -> None:
    for version in versions:
        fake.publish(version)
    fake.serve_packument()


def test_eviction_goes_by_the_use_the_cache_recorded(fake, registry, tmp_path):
    published(fake, "1.0.0", "1.1.0", "1.2.0")
    paths = {v: registry.tarball(PKG, v) for v in ("1.0.0", "1.1.0", "1.2.0")}
    for i, v in enumerate(("1.0.0", "1.1.0", "1.2.0")):  # downloaded in this order, a second apart
        os.utime(paths[v], (0, 1000 + i))
    # reading a file changes nothing; using it through the cache makes it the most recently used
    paths["1.0.0"].read_bytes()
    registry.lease(PKG, "1.0.0").close()
    deleted = registry.cache.evict(paths["1.0.0"].stat().st_size + paths["1.2.0"].stat().st_size)
    assert [t.path for t in deleted] == [paths["1.1.0"]]
    assert [t.path for t in registry.cache.tarballs()] == [paths["1.2.0"], paths["1.0.0"]]


def test_a_held_tarball_is_never_evicted_and_an_evicted_one_comes_back_verified(fake, registry, tmp_path):
    published(fake, "1.0.0", "1.1.0")
    with registry.lease(PKG, "1.0.0") as held:
        other = registry.tarball(PKG, "1.1.0")
        assert [t.path for t in registry.cache.evict(0)] == [other]
        assert [t.path for t in registry.cache.tarballs()] == [held.path]
    assert registry.cache.evict(0) and registry.cache.tarballs() == []
    with registry.lease(PKG, "1.0.0") as again:
        assert again.path.read_bytes() == fake.tarballs["1.0.0"]
    assert len(fake.requests_to(fake.tarball_path("1.0.0"))) == 2


def test_a_lease_waits_out_an_eviction_and_downloads_again(fake, registry, tmp_path, monkeypatch):
    """The tarball is deleted between the download and the lock: the lease notices and fetches it again."""
    published(fake, "1.0.0")
    real_hold, holds = Cache.hold, []

    def evicted_first(self, path):
        if not holds:
            self.evict(0)
        holds.append(path)
        return real_hold(self, path)

    monkeypatch.setattr(Cache, "hold", evicted_first)
    with registry.lease(PKG, "1.0.0") as lease:
        assert lease.path.read_bytes() == fake.tarballs["1.0.0"]
    assert len(holds) == 2 and len(fake.requests_to(fake.tarball_path("1.0.0"))) == 2


def test_the_cache_cap_under_the_cap_deletes_nothing(fake, registry, tmp_path):
    published(fake, "1.0.0", "1.1.0")
    registry.tarball(PKG, "1.0.0")
    registry.tarball(PKG, "1.1.0")
    assert registry.cache.evict(1 << 20) == [] and len(registry.cache.tarballs()) == 2


@pytest.mark.parametrize(
    "text, size", [("4G", 4 << 30), ("500M", 500 << 20), ("1.5GB", 3 << 29), ("2GiB", 2 << 30), ("12k", 12 << 10), ("1000", 1000), (" 0 ", 0)]
)
def test_sizes(text, size):
    assert parse_size(text) == size


def test_bad_sizes_and_readable_sizes(monkeypatch):
    for bad in ("", "4X", "-1G", "G", "four"):
        with pytest.raises(ValueError, match="not a size"):
            parse_size(bad)
    assert [format_size(n) for n in (0, 1023, 12 << 10, 3 << 29, 4 << 30)] == ["0B", "1023B", "12K", "1.5G", "4G"]
    assert Cache(Path("x")).max_bytes == DEFAULT_CACHE_MAX == 4 << 30


# --- hostile sizes and packuments -------------------------------------------------------------------


def test_a_tarball_over_the_download_cap_is_one_line_and_leaves_nothing(fake, client, tmp_path, httpserver, slept):
    fake.publish("1.0.0")
    fake.serve_packument()
    registry = make_registry(client, tmp_path, httpserver, slept, limits=Limits(download=2048))
    with pytest.raises(TooLarge) as exc:
        registry.tarball(PKG, "1.0.0")
    assert "@fake/cli@1.0.0: the tarball is larger than the 2K download cap (--max-download" in one_line(exc)
    assert slept == [] and cached_tarballs(tmp_path) == []
    assert list((tmp_path / "cache" / "tmp").glob("*/*")) == []


def test_an_http_gzip_bomb_never_writes_past_the_cap(fake, httpserver, client, tmp_path, slept):
    """Hostile: 64 KB on the wire that httpx would inflate to 64 MB; no Content-Length to refuse up front."""
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    fake.publish("1.0.0", serve=False)
    httpserver.expect_request(fake.tarball_path("1.0.0")).respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    fake.serve_packument()
    registry = make_registry(client, tmp_path, httpserver, slept, limits=Limits(download=1 << 20))
    written: list[int] = []
    with pytest.raises(TooLarge, match="larger than the 1M download cap"):
        registry.tarball(PKG, "1.0.0", on_progress=lambda done, total: written.append(done))
    assert len(bomb) < 1 << 20 and max(written) <= 1 << 20
    assert cached_tarballs(tmp_path) == [] and [p for p in (tmp_path / "cache").rglob("*.part")] == []


def test_a_partial_download_lives_in_the_process_scratch_folder(fake, registry, tmp_path):
    fake.publish("1.0.0")
    fake.serve_packument()
    seen: list[list[Path]] = []
    path = registry.tarball(PKG, "1.0.0", on_progress=lambda *a: seen.append(list((tmp_path / "cache" / "tmp").glob("*/*.part"))))
    assert seen[0] and seen[0][0].parent.name.startswith(f"{os.getpid()}-")
    assert cached_tarballs(tmp_path) == [path]


def test_malformed_versions_times_and_manifests_are_skipped_and_named(fake, registry):
    """Hostile: one bad entry used to stop `versions` and `collect` for every release (ValueError)."""
    fake.publish("1.0.0")
    fake.publish("1.1.0")
    fake.publish("1.2.0")
    fake.doc["versions"]["not-a-version"] = {"name": PKG}
    fake.doc["versions"]["1.3.0"] = "not an object"
    fake.doc["time"]["1.1.0"] = "last tuesday"
    fake.doc["time"]["1.2.0"] = 12
    fake.serve_packument()
    assert registry.versions(PKG) == {"1.0.0": "2025-01-01T00:00:00.000Z", "1.1.0": None, "1.2.0": None}
    (line,) = registry.malformed
    assert line.startswith(f"{PKG} on {registry.url}: skipped what is malformed: ") and "\n" not in line
    for named in ("'not-a-version' (not a version number)", "1.3.0 (its manifest is not an object)",
                  "the publish time of 1.1.0 ('last tuesday', not a date)", "the publish time of 1.2.0 ('12', not a date)"):
        assert named in line
    assert registry.tarball(PKG, "1.2.0").exists()
    with pytest.raises(UnknownVersion, match=r"nearest: 1\.2\.0"):
        registry.manifest(PKG, "1.3.0")
    registry.versions(PKG)
    assert len(registry.malformed) == 1  # said once per packument


def test_many_malformed_entries_are_counted_not_listed(fake, registry):
    fake.publish("1.0.0")
    for i in range(50):
        fake.doc["versions"][f"bad-{i}"] = {}
    fake.serve_packument()
    assert list(registry.versions(PKG)) == ["1.0.0"]
    assert registry.malformed[0].endswith("and 45 more")


def test_a_packument_whose_times_are_not_an_object(fake, registry):
    fake.publish("1.0.0")
    fake.doc["time"] = ["2025-01-01"]
    fake.serve_packument()
    assert registry.versions(PKG) == {"1.0.0": None}
    assert "the publish times (not an object)" in registry.malformed[0]
