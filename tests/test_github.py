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
    bot = {"login": "github-actions[bot]"}
    github.issues[1] = {"number": 1, "title": "pr", "body": "<!-- marker -->", "state": "open", "pull_request": {}, "user": bot}
    github.issues[2] = {"number": 2, "title": "other", "body": "unrelated", "state": "open", "user": bot}
    github.issues[3] = {"number": 3, "title": "tracking", "body": "x <!-- marker --> y", "state": "open", "user": bot}
    github.issues[4] = {"number": 4, "title": "tracking", "body": "<!-- marker -->", "state": "open", "user": {"login": "mallory"}}
    github.issues[5] = {"number": 5, "title": "tracking", "body": "<!-- marker -->", "state": "open", "user": None}  # a deleted account
    gh = api(github, client)
    assert gh.find_issue("<!-- marker -->", "GitHub-Actions[bot]") == 3  # newer ones are a stranger's; logins ignore case
    assert gh.find_issue("<!-- marker -->", "mallory") == 4
    assert gh.find_issue("<!-- other marker -->", "github-actions[bot]") is None


def test_who_the_token_acts_as(github, client):
    gh = api(github, client)
    assert gh.login() == "github-actions[bot]"  # a workflow's token may not read /user (403)
    github.user_token, github.login = True, "octocat"
    assert gh.login() == "octocat"
    with pytest.raises(GitHubError, match=r"rejected the token \(401"):  # any other failure is one
        GitHub(client, github.repository, "wrong", github.url).login()
    number = gh.create_issue("t", "b")
    github.post_as("mallory", number, "hi")
    mine = gh.create_comment(number, "mine")
    assert [(c.author, c.body) for c in gh.comments(number)] == [("mallory", "hi"), ("octocat", "mine")] and mine.author == "octocat"


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


ECHO = "you sent Authorization: Bearer {token}\n\x1b[2Jand more"


@pytest.mark.parametrize("status", [401, 403, 404, 422, 500, 502])
def test_what_github_says_is_printed_without_the_token(github, client, status):
    """A server or proxy that echoes the request: the token never reaches the message, nor does a control
    character or a second line; cut messages are cut after the token is replaced."""
    github.faults["POST /repos/acme/tools/issues"] = [(status, {}, {"message": ECHO.format(token=github.token)})]
    with pytest.raises(GitHubError) as failure:
        api(github, client).create_issue("t", "b")
    line = str(failure.value)
    assert github.token not in line and "\n" not in line and "\x1b" not in line
    assert "Bearer ***" in line or status == 404  # a 404 names what is missing instead
    assert failure.value.status == status
    github.faults["POST /repos/acme/tools/issues"] = [(500, {}, {"message": "x" * 195 + github.token})]
    with pytest.raises(GitHubError) as failure:
        api(github, client).create_issue("t", "b")
    assert github.token[:5] not in str(failure.value) and "x" * 195 + "***" in str(failure.value)


def test_a_comment_url_that_echoes_the_token_is_redacted(github, client):
    gh = api(github, client)
    number = gh.create_issue("t", "b")
    github.faults[f"POST /repos/acme/tools/issues/{number}/comments"] = [
        (201, {}, {"id": 7, "body": "b", "html_url": f"https://x.test/?{github.token}", "user": {"login": "github-actions[bot]"}})]
    assert gh.create_comment(number, "b").url == "https://x.test/?***"


def test_a_redirect_or_a_page_that_is_not_the_api_is_one_line(github, client):
    github.faults["GET /repos/acme/tools/issues/1"] = [(302, {"Location": "https://login.example/sso"}, {})]
    with pytest.raises(GitHubError, match=r"^GitHub answered GET /repos/acme/tools/issues/1 with a redirect \(302 to https://login\.example/sso\), "
                                          r"not the API: check GITHUB_API_URL"):
        api(github, client).check_issue(1)
    for answer in ((200, {}, ["a", "list"]), (200, {}, "<html>portal</html>")):
        github.faults["POST /repos/acme/tools/issues"] = [answer]
        with pytest.raises(GitHubError, match=r"^GitHub answered POST /repos/acme/tools/issues with 200 application/json, not the API's JSON"):
            api(github, client).create_issue("t", "b")
    github.faults["GET /repos/acme/tools/issues"] = [(200, {}, {"message": "an object, not a page"})]
    with pytest.raises(GitHubError, match="not the API's JSON"):
        api(github, client).find_issue("<!-- m -->", "github-actions[bot]")


def test_a_next_page_on_another_server_is_not_followed(github, client):
    gh = api(github, client)
    number = gh.create_issue("t", "b")
    github.faults[f"GET /repos/acme/tools/issues/{number}/comments"] = [
        (200, {"Link": '<https://elsewhere.example/steal?page=2>; rel="next"'}, [])]
    with pytest.raises(GitHubError, match=r"next page of GET /repos/acme/tools/issues/\d+/comments is on another server "
                                          r"\(https://elsewhere\.example\): not followed"):
        gh.comments(number)
