"""One retry policy for every HTTP call (registry, changelog, published stores, GitHub): Retry-After in
seconds or as an HTTP date, bounded, else backoff; what was waited is asserted, never really waited."""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import socket
import time

import httpx
import pytest
from click.testing import CliRunner

from auditor.changelog import raw
from auditor.cli import cli
from auditor.errors import ChangelogError, GitHubError
from auditor.github import GitHub
from auditor.retry import MAX_WAIT, Policy, Transient, retry_after
from auditor.store import Store


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    """time.sleep, recorded instead of slept (the default of every policy looks it up when waiting)."""
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    return waits


def test_retry_after_forms():
    now = 1_700_000_000.0
    assert retry_after("12", now) == 12.0
    assert retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == pytest.approx(30.0)
    assert retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    assert retry_after("3600", now) == 3600.0  # bounded by the policy, which then does not wait
    for bad in ("soon", "nan", "-5", "", None):
        assert retry_after(bad, now) is None


def failing(*failures: Transient):
    """An attempt that raises these, then returns "ok"; it counts its calls."""
    queue = list(failures)
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if queue:
            raise queue.pop(0)
        return "ok"

    return attempt, calls


def test_policy_waits_what_the_server_asked_else_backs_off():
    waits: list[float] = []
    attempt, calls = failing(Transient("HTTP 503", 7.0), Transient("reset"), Transient("HTTP 429", 0.0), Transient("reset"))
    assert Policy(sleep=waits.append).call(attempt, RuntimeError) == "ok"
    assert waits == [7.0, 1.0, 0.0, 4.0] and len(calls) == 5


def test_policy_gives_up_after_its_retries_or_at_once_when_asked_to_wait_too_long():
    waits: list[float] = []
    attempt, calls = failing(*[Transient("HTTP 502 Bad Gateway")] * 3)
    with pytest.raises(RuntimeError, match=r"^HTTP 502 Bad Gateway, gave up after 3 tries$"):
        Policy(retries=2, backoff=0.25, sleep=waits.append).call(attempt, RuntimeError)
    assert waits == [0.25, 0.5] and len(calls) == 3
    attempt, calls = failing(Transient("HTTP 429", 1.0), Transient("HTTP 429", MAX_WAIT + 1))
    with pytest.raises(RuntimeError, match=rf"^HTTP 429; asked to wait {MAX_WAIT + 1:.0f} s \(more than {MAX_WAIT:.0f}\), gave up after 2 tries$"):
        Policy(sleep=waits.append).call(attempt, RuntimeError)
    assert waits == [0.25, 0.5, 1.0] and len(calls) == 2


def test_the_changelog_is_retried_with_an_http_date_retry_after(httpserver, slept):
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    httpserver.expect_oneshot_request("/CHANGELOG.md").respond_with_data("", status=503, headers={"Retry-After": when})
    httpserver.expect_oneshot_request("/CHANGELOG.md").respond_with_data("", status=502)
    httpserver.expect_oneshot_request("/CHANGELOG.md").respond_with_data("## 2.1.1\n\n- Fixed it\n")
    with httpx.Client() as client:
        assert raw.fetch_text(client, httpserver.url_for("/CHANGELOG.md")) == "## 2.1.1\n\n- Fixed it\n"
    assert len(slept) == 2 and 18 <= slept[0] <= 20 and slept[1] == 1.0


def test_a_changelog_that_is_not_there_is_not_retried(httpserver, slept):
    httpserver.expect_request("/CHANGELOG.md").respond_with_data("", status=404)
    with httpx.Client() as client, pytest.raises(ChangelogError, match=r"^cannot fetch changelog http://\S+/CHANGELOG.md: HTTP 404$"):
        raw.fetch_text(client, httpserver.url_for("/CHANGELOG.md"))
    assert slept == [] and len(httpserver.log) == 1


def test_import_from_a_url_is_retried(tmp_path, httpserver, slept):
    store = Store.open(tmp_path / "pub.db")
    store.save_snapshot(target="claude-code", version="2.1.1", platform="any", source="static", origin="test", extractor="7",
                        published_at=None, facts={"env": {"X": 1}})
    store.close()
    data = gzip.compress((tmp_path / "pub.db").read_bytes())
    httpserver.expect_oneshot_request("/auditor.db.gz").respond_with_data("", status=429, headers={"Retry-After": "2"})
    httpserver.expect_oneshot_request("/auditor.db.gz").respond_with_data(data)
    httpserver.expect_oneshot_request("/auditor.db.gz.sha256").respond_with_data("", status=500)
    httpserver.expect_oneshot_request("/auditor.db.gz.sha256").respond_with_data(hashlib.sha256(data).hexdigest())
    result = CliRunner().invoke(cli, ["import", httpserver.url_for("/auditor.db.gz"), "--db", str(tmp_path / "mine.db")])
    assert result.exit_code == 0, result.output
    assert " 1 snapshots added" in result.stdout
    assert slept == [2.0, 0.5]


def test_github_retries_a_failed_get_but_never_a_post_that_may_have_been_made(github, slept):
    with httpx.Client(timeout=5) as client:
        gh = GitHub(client, github.repository, github.token, github.url)
        number = gh.create_issue("Tracking", "body")
        github.faults[f"GET /repos/acme/tools/issues/{number}/comments"] = [(502, {}, {"message": "Bad gateway"})]
        assert gh.comments(number) == []
        assert slept == [0.5]
        github.faults[f"POST /repos/acme/tools/issues/{number}/comments"] = [(502, {}, {"message": "Bad gateway"})]
        with pytest.raises(GitHubError, match=r"answered POST .* with 502"):
            gh.create_comment(number, "report")
        assert github.calls.count(f"POST /repos/acme/tools/issues/{number}/comments") == 1
        limited = (403, {"Retry-After": email.utils.formatdate(time.time() + 10, usegmt=True)}, {"message": "secondary rate limit"})
        github.faults[f"POST /repos/acme/tools/issues/{number}/comments"] = [limited]
        assert gh.create_comment(number, "report").body == "report"  # a rate limit said nothing was made: tried again
        assert len(slept) == 2 and 8 <= slept[1] <= 10


def test_a_host_name_that_does_not_resolve_is_not_tried_again(monkeypatch, slept):
    def unknown(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc

    with httpx.Client(transport=httpx.MockTransport(unknown)) as client, pytest.raises(ChangelogError) as caught:
        raw.fetch_text(client, "https://raw.example.invalid/CHANGELOG.md")
    assert str(caught.value).endswith("Name or service not known, gave up after 1 try") and slept == []
    attempt, _ = failing(Transient("ConnectError"))  # any other connection failure is tried again
    assert Policy().call(attempt, RuntimeError) == "ok" and slept == [0.5]
