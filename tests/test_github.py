"""The GitHub REST client against a local fake: pages, comments, and every failure as one clear line."""

from __future__ import annotations

import httpx
import pytest

from auditor.errors import GitHubError
from auditor.github import GitHub
from auditor.retry import MAX_WAIT


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as c:
        yield c


def api(github, client, sleeps=None, token=None) -> GitHub:
    return GitHub(client, github.repository, github.token if token is None else token, github.url,
                  sleep=(sleeps.append if sleeps is not None else lambda s: None))


def test_issue_and_comments_over_several_pages(github, client):
    github.per_page = 2
    gh = api(github, client)
    number = gh.create_issue("Tracking", "<!-- marker -->\nhello")
    bodies = [f"comment {i}" for i in range(5)]
    ids = [gh.create_comment(number, b).id for b in bodies]
    assert [c.body for c in gh.comments(number)] == bodies
    assert sum(1 for call in github.calls if call.endswith("/comments") and call.startswith("GET")) == 3  # 2 + 2 + 1
    gh.update_comment(ids[1], "edited")
    assert [c.body for c in gh.comments(number)][1] == "edited"
    assert len(github.issue_comments(number)) == 5


def test_finds_the_tracking_issue_by_its_marker_not_a_pull_request(github, client):
    github.per_page = 1
    github.issues[1] = {"number": 1, "title": "pr", "body": "<!-- marker -->", "state": "open", "pull_request": {}}
    github.issues[2] = {"number": 2, "title": "other", "body": "unrelated", "state": "open"}
    github.issues[3] = {"number": 3, "title": "tracking", "body": "x <!-- marker --> y", "state": "open"}
    gh = api(github, client)
    assert gh.find_issue("<!-- marker -->") == 3
    assert gh.find_issue("<!-- other marker -->") is None


def test_no_token_is_one_clear_line(github, client):
    with pytest.raises(GitHubError, match="no GitHub token"):
        api(github, client, token="")


def test_the_token_never_shows(github, client):
    gh = api(github, client)
    assert github.token not in repr(gh)
    with pytest.raises(GitHubError) as failure:
        GitHub(client, github.repository, "wrong-secret", github.url).comments(1)
    assert "wrong-secret" not in str(failure.value)


def test_401_says_the_token_was_rejected(github, client):
    with pytest.raises(GitHubError, match=r"rejected the token \(401 Bad credentials\)"):
        GitHub(client, github.repository, "expired", github.url).create_issue("t", "b")


def test_403_names_the_permission(github, client):
    github.faults["POST /repos/acme/tools/issues"] = [
        (403, {"X-Accepted-GitHub-Permissions": "issues=write"}, {"message": "Resource not accessible by integration"})]
    with pytest.raises(GitHubError, match=r"needs the `issues: write` permission"):
        api(github, client).create_issue("t", "b")


def test_404_names_the_issue(github, client):
    with pytest.raises(GitHubError, match=r"no issue #42 in acme/tools \(404\)"):
        api(github, client).check_issue(42)


def test_secondary_rate_limit_waits_as_told_then_succeeds(github, client):
    limited = (403, {"Retry-After": "3"}, {"message": "You have exceeded a secondary rate limit"})
    github.faults["POST /repos/acme/tools/issues"] = [limited, limited]
    sleeps: list[float] = []
    assert api(github, client, sleeps).create_issue("t", "b") == 1
    assert sleeps == [3.0, 3.0]


def test_secondary_rate_limit_that_lasts_is_a_clear_error(github, client):
    limited = (429, {"Retry-After": "1"}, {"message": "You have exceeded a secondary rate limit"})
    github.faults["GET /repos/acme/tools/issues/1/comments"] = [limited] * 5
    sleeps: list[float] = []
    with pytest.raises(GitHubError, match=r"^GitHub rate limit on GET /repos/acme/tools/issues/1/comments, gave up after 5 tries; run again later$"):
        api(github, client, sleeps).comments(1)
    assert sleeps == [1.0] * 4
    github.faults["GET /repos/acme/tools/issues/1/comments"] = [(403, {"Retry-After": str(int(MAX_WAIT) + 1)}, {"message": "slow down"})]
    with pytest.raises(GitHubError, match=f"asked to wait {int(MAX_WAIT) + 1} s"):
        api(github, client, sleeps).comments(1)
    assert sleeps == [1.0] * 4  # too long a wait is not waited


def test_network_down_is_one_line(client):
    sleeps: list[float] = []
    with pytest.raises(GitHubError, match=r"^cannot reach GitHub at http://127\.0\.0\.1:9: ConnectError: .*, gave up after 5 tries; run again later$"):
        GitHub(client, "acme/tools", "t", "http://127.0.0.1:9", sleep=sleeps.append).comments(1)
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
