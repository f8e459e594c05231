"""The GitHub Releases changelog source against a loopback fake of GitHub's REST API (GitHub itself is
never asked): pages, the optional token and where it may go, what GitHub's answers may hold (bounded,
checked), the store's copy, a saved answer as a local file, and release dates from `published_at`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from auditor import changelog, dating
from auditor.changelog import releases, source
from auditor.errors import ChangelogError
from auditor.store import Store
from auditor.targets import ChangelogSource, Target

FIXTURE = Path(__file__).parent / "fixtures" / "changelog" / "github-releases.json"
RECORDED = FIXTURE.read_text()
PATH = "/repos/openai/codex/releases"
TOKEN = "ghp_" + "s3cr3t" * 6


def _target(url: str | None = None) -> Target:
    return Target("codex", "Codex CLI", "@openai/codex", "codex", ("bin/codex.js",),
                  changelog=ChangelogSource(releases_url=url, tag_prefix="rust-v"))


def _load(store: Store, tmp_path: Path, url: str | None = None, named: str | None = None) -> changelog.Changelog:
    with httpx.Client() as client:
        return changelog.load(_target(url), store, client, tmp_path / "cache", named)


def _release(n: int) -> dict:
    return {"tag_name": f"rust-v0.{n}.0", "draft": False, "prerelease": False, "published_at": f"2026-01-01T00:{n % 60:02d}:00Z",
            "body": f"- change number {n}", "assets": [{"name": "big"}]}


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL", "AUDITOR_CHANGELOG", "AUDITOR_CHANGELOG_CODEX"):
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------------------------------------- what a release says

def test_published_stable_releases_with_the_prefix_are_the_releases() -> None:
    found = releases.parse(RECORDED, "rust-v")
    assert [r.version for r in found] == ["0.171.0", "0.170.0"]  # no draft, prerelease, or other product's tag
    new = found[0]
    assert new.date == "2026-12-01T18:03:11+00:00" and found[1].entries == ()
    assert [e.text for e in new.entries] == [
        "Raised the default verbosity of gpt-a to medium (#28811)",
        "codex exec accepts --output-schema for structured output",
        "Fixed sandbox denials being reported twice",  # GitHub's "by @dev in …/pull/N" credit is not the change
        "Full Changelog: https://github.com/openai/codex/compare/rust-v0.170.0...rust-v0.171.0",
    ]
    assert new.entries[1].children == ("works with every model",)


def test_a_v_after_the_prefix_is_optional_and_no_prefix_reads_plain_tags() -> None:
    listed = json.dumps([{**_release(1), "tag_name": "v1.2.3"}, {**_release(2), "tag_name": "1.2.4"}, {**_release(3), "tag_name": "nightly"}])
    assert [r.version for r in releases.parse(listed)] == ["1.2.3", "1.2.4"]


GARBAGE = {
    "not JSON": ("<html>rate limited</html>", "is not JSON"),
    "an object": ('{"message": "Not Found"}', "not a list of GitHub releases"),
    "a number": ("[1]", "release 0 is not an object"),
    "tag not text": ('[{"tag_name": 7}]', "has a tag_name that is not str"),
    "draft not bool": ('[{"tag_name": "rust-v1.0.0", "draft": "no"}]', "has a draft that is not bool"),
    "bad date": ('[{"tag_name": "rust-v1.0.0", "published_at": "yesterday"}]', "published_at that is not a time"),
    "nothing stable": ('[{"tag_name": "rust-v1.0.0-alpha.1", "prerelease": true}]', "lists no published release tagged rust-vX.Y.Z"),
}


@pytest.mark.parametrize("case", GARBAGE)
def test_garbage_is_one_line(case: str) -> None:
    text, why = GARBAGE[case]
    with pytest.raises(ChangelogError, match=why) as caught:
        releases.parse(text, "rust-v")
    assert "\n" not in str(caught.value)


def test_bodies_and_entries_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(releases, "MAX_ENTRIES", 3)
    many = json.dumps([{**_release(1), "body": "\n".join(f"- entry {n}" for n in range(4))}])
    with pytest.raises(ChangelogError, match=r"'rust-v0\.1\.0' has more than 3 entries"):
        releases.parse(many, "rust-v")
    monkeypatch.setattr(releases, "MAX_BODY", 100)
    with pytest.raises(ChangelogError, match="notes of more than 100 characters"):
        releases.parse(json.dumps([{**_release(1), "body": "x" * 101}]), "rust-v")


# ---------------------------------------------------------------------------------------------- GitHub's API

def _pages(httpserver: HTTPServer, listed: list[dict], seen: list[Request] | None = None) -> str:
    """The API answering `listed` 100 a page, as GitHub does."""

    def answer(request: Request) -> Response:
        if seen is not None:
            seen.append(request)
        page, per_page = int(request.args["page"]), int(request.args["per_page"])
        return Response(json.dumps(listed[(page - 1) * per_page:page * per_page]), content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(answer)
    return httpserver.url_for(PATH)


def test_pages_are_read_until_a_short_page(httpserver: HTTPServer) -> None:
    seen: list[Request] = []
    url = _pages(httpserver, [_release(n) for n in range(400, 250, -1)] + json.loads(RECORDED), seen)
    with httpx.Client() as client:
        found = releases.parse(releases.fetch(client, url), "rust-v")
    assert len(found) == 152 and found[-1].version == "0.170.0"
    assert [(r.args["page"], r.args["per_page"]) for r in seen] == [("1", "100"), ("2", "100")]
    kept = json.loads(releases.fetch(httpx.Client(), url))
    assert set(kept[0]) == set(releases.FIELDS)  # GitHub's other fields (assets, authors) are not kept


def test_pages_stop_at_a_bound(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(releases, "MAX_PAGES", 3)
    seen: list[Request] = []
    url = _pages(httpserver, [_release(n) for n in range(2000, 0, -1)], seen)
    assert len(json.loads(releases.fetch(httpx.Client(), url))) == 300 and len(seen) == 3


def test_an_empty_first_page_is_no_changelog(httpserver: HTTPServer) -> None:
    url = _pages(httpserver, [])
    with pytest.raises(ChangelogError, match="lists no published release"):
        releases.parse(releases.fetch(httpx.Client(), url), "rust-v")


def test_a_page_larger_than_the_bound_is_not_read(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(releases, "MAX_PAGE_BYTES", 1000)
    url = _pages(httpserver, [{**_release(1), "body": "x" * 2000}])
    with pytest.raises(ChangelogError, match=r"page 1 is larger than 1,000 bytes"):
        releases.fetch(httpx.Client(), url)


def test_an_html_answer_is_one_line(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("<html>sign in</html>", content_type="text/html")
    with pytest.raises(ChangelogError, match=r"page 1 answered with text/html, not the API's JSON"):
        releases.fetch(httpx.Client(), httpserver.url_for(PATH))


def test_the_token_goes_to_githubs_api_only() -> None:
    env = {"GITHUB_TOKEN": TOKEN}
    assert releases.token_for("https://api.github.com/repos/o/r/releases", env) == TOKEN
    assert releases.token_for("https://api.github.com.evil.example/repos/o/r/releases", env) == ""
    assert releases.token_for("http://api.github.com/repos/o/r/releases", env) == ""  # never in clear
    enterprise = {**env, "GITHUB_API_URL": "https://ghe.example/api/v3"}
    assert releases.token_for("https://ghe.example/api/v3/repos/o/r/releases", enterprise) == TOKEN
    assert releases.token_for("https://ghe.example/other/repos/o/r/releases", enterprise) == ""
    assert releases.token_for("https://api.github.com/repos/o/r/releases", {}) == ""


def test_the_token_is_sent_as_a_bearer_and_never_stored(httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Request] = []
    url = _pages(httpserver, json.loads(RECORDED), seen)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/"))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    store = Store.open(tmp_path / "s.db")
    assert [r.version for r in _load(store, tmp_path, url).releases] == ["0.171.0", "0.170.0"]
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN.encode() not in (tmp_path / "s.db").read_bytes()
    monkeypatch.setenv("GITHUB_API_URL", "https://api.github.com")  # the fake is not GitHub's API: no token for it
    store.db.execute("UPDATE changelogs SET fetched_at = '2000-01-01T00:00:00+00:00'")
    _load(store, tmp_path, url)
    assert "Authorization" not in seen[-1].headers


@pytest.mark.parametrize(("status", "headers"), [(403, {"x-ratelimit-remaining": "0"}), (429, {"retry-after": "30"})])
def test_a_rate_limit_names_github_token(httpserver: HTTPServer, status: int, headers: dict) -> None:
    said = {"message": "API rate limit exceeded for 127.0.0.1."}
    httpserver.expect_request(PATH).respond_with_json(said, status=status, headers=headers)
    with pytest.raises(ChangelogError, match=r"rate limit stopped .* page 1 \(\d+\): set GITHUB_TOKEN") as caught:
        releases.fetch(httpx.Client(), httpserver.url_for(PATH))
    assert "\n" not in str(caught.value)
    assert len(httpserver.log) == 1  # not waited for: the error says what to do


def test_a_rejected_token_is_never_printed(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json({"message": f"Bad credentials {TOKEN}"}, status=401)
    with pytest.raises(ChangelogError, match="rejected GITHUB_TOKEN") as caught:
        releases.fetch(httpx.Client(), httpserver.url_for(PATH), TOKEN)
    assert TOKEN not in str(caught.value) and "***" in str(caught.value)


# ---------------------------------------------------------------------------------------------- as a changelog source

def test_source_kind_of_releases() -> None:
    assert source.kind("https://api.github.com/repos/openai/codex/releases") == "releases"
    assert source.kind("https://ghe.example/api/v3/repos/o/r/releases/") == "releases"
    assert source.kind("saved-releases.json") == "releases"
    assert source.kind("https://github.com/openai/codex/releases") == "page"


def test_the_target_reads_its_releases_keeps_them_and_asks_again_only_when_stale(httpserver: HTTPServer, tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # a 503 is tried again (retry.Policy), not waited for here
    url, store = _pages(httpserver, json.loads(RECORDED)), Store.memory()
    first = _load(store, tmp_path, url)
    assert first.origin == url and [r.version for r in first.releases] == ["0.171.0", "0.170.0"] and not first.warning
    assert _load(store, tmp_path, url).releases == first.releases and len(httpserver.log) == 1  # fresh: not asked again
    then = datetime.now(UTC) - timedelta(seconds=source.FRESH_FOR + 1)
    store.db.execute("UPDATE changelogs SET fetched_at = ?", [then.isoformat(timespec="seconds")])
    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    offline = _load(store, tmp_path, url)
    assert offline.releases == first.releases and offline.warning.startswith("changelog unreachable (cannot fetch GitHub releases")
    assert "using the copy fetched" in offline.warning


def test_without_github_or_a_copy_changes_go_unjudged_saying_why(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(PATH).respond_with_json({"message": "Not Found"}, status=404)
    loaded = _load(Store.memory(), tmp_path, httpserver.url_for(PATH))
    assert loaded.origin == "" and loaded.releases == []
    assert loaded.warning.startswith("no changelog could be read (GitHub releases") and "does not exist (404)" in loaded.warning


def test_a_saved_answer_is_a_changelog_without_github(tmp_path: Path) -> None:
    saved = tmp_path / "codex-releases.json"
    saved.write_text(RECORDED)
    loaded = _load(Store.memory(), tmp_path, "https://unreachable.invalid/repos/openai/codex/releases", str(saved))
    assert loaded.origin == str(saved) and [r.version for r in loaded.releases] == ["0.171.0", "0.170.0"]
    assert loaded.known_until is not None  # a local file knows what it knew when it was written
    saved.write_text("[1, 2")
    with pytest.raises(ChangelogError, match=r"codex-releases.json is not JSON"):
        _load(Store.memory(), tmp_path, None, str(saved))


def test_a_release_is_dated_by_its_publication_where_npm_is_wrong(tmp_path: Path) -> None:
    saved = tmp_path / "codex-releases.json"
    saved.write_text(RECORDED)
    loaded = _load(Store.memory(), tmp_path, None, str(saved))
    assert dating.changelog_dates(loaded) == {"0.171.0": "2026-12-01T18:03:11+00:00", "0.170.0": "2026-11-29T16:44:50+00:00"}
    # npm says 0.170.0 came out after 0.171.0 (a republished package): its GitHub release dates it
    dates = dating.date_releases({"0.170.0": "2027-02-01T00:00:00Z", "0.171.0": "2026-12-01T18:05:00Z"}, dating.changelog_dates(loaded))
    assert dates["0.170.0"].source == "changelog" and dates["0.170.0"].day == "2026-11-29"
    assert dates["0.171.0"].source == "npm"
