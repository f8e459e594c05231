"""A small GitHub REST client for the Action: the tracking issue and its comments. The httpx client is
passed in (tests point it at a loopback fake); every failure is a GitHubError that names what to fix."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import GitHubError

if TYPE_CHECKING:
    import httpx

DEFAULT_API_URL = "https://api.github.com"
MAX_RETRY_AFTER = 120  # seconds: a secondary limit asking for longer than this fails at once
RETRIES = 2


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    url: str


@dataclass
class GitHub:
    """Issues and comments of one repository, as the token allows."""

    client: httpx.Client
    repository: str  # owner/name
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if not self.token:
            raise GitHubError("no GitHub token: pass the workflow's token (GITHUB_TOKEN, the action's `token` input), or use --dry-run")
        if self.repository.count("/") != 1:
            raise GitHubError(f"GITHUB_REPOSITORY must be owner/name, not {self.repository!r}")

    # -- issues ------------------------------------------------------------------------------------

    def find_issue(self, marker: str) -> int | None:
        """The newest open issue whose body carries `marker` (the tracking issue), if any."""
        for issue in self._pages(f"/repos/{self.repository}/issues", {"state": "open", "sort": "created", "direction": "desc"}):
            if "pull_request" not in issue and marker in (issue.get("body") or ""):
                return issue["number"]
        return None

    def create_issue(self, title: str, body: str) -> int:
        return self._request("POST", f"/repos/{self.repository}/issues", json={"title": title, "body": body}).json()["number"]

    def update_issue(self, number: int, body: str) -> None:
        """Edit the issue's body in place (the tracking issue's head: the current recommendation)."""
        self._request("PATCH", f"/repos/{self.repository}/issues/{number}", json={"body": body}, what=f"issue #{number}")

    def check_issue(self, number: int) -> None:
        """Fails with a clear line when the issue is not there (404) or is a pull request."""
        issue = self._request("GET", f"/repos/{self.repository}/issues/{number}", what=f"issue #{number}").json()
        if "pull_request" in issue:
            raise GitHubError(f"#{number} in {self.repository} is a pull request, not an issue")

    # -- comments ----------------------------------------------------------------------------------

    def comments(self, issue: int) -> list[Comment]:
        """Every comment on the issue, oldest first (all pages)."""
        return [Comment(c["id"], c.get("body") or "", c.get("html_url", ""))
                for c in self._pages(f"/repos/{self.repository}/issues/{issue}/comments", {}, what=f"issue #{issue}")]

    def create_comment(self, issue: int, body: str) -> Comment:
        c = self._request("POST", f"/repos/{self.repository}/issues/{issue}/comments", json={"body": body}, what=f"issue #{issue}").json()
        return Comment(c["id"], c.get("body") or body, c.get("html_url", ""))

    def update_comment(self, comment_id: int, body: str) -> Comment:
        c = self._request("PATCH", f"/repos/{self.repository}/issues/comments/{comment_id}", json={"body": body},
                          what=f"comment {comment_id}").json()
        return Comment(c["id"], c.get("body") or body, c.get("html_url", ""))

    # -- transport ---------------------------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, str], what: str | None = None) -> Iterator[dict[str, Any]]:
        url: str | None = self.api_url.rstrip("/") + path
        query: dict[str, str] | None = {**params, "per_page": "100"}
        while url:
            response = self._request("GET", url, params=query, what=what)
            yield from response.json()
            url, query = response.links.get("next", {}).get("url"), None  # the next link carries the query

    def _request(self, method: str, path_or_url: str, what: str | None = None, **kwargs: Any) -> httpx.Response:
        import httpx  # where it is used: starting `audit` must not pay for it

        url = path_or_url if path_or_url.startswith("http") else self.api_url.rstrip("/") + path_or_url
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        for attempt in range(RETRIES + 1):
            try:
                response = self.client.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                raise GitHubError(f"cannot reach GitHub at {self.api_url}: {exc.__class__.__name__}: {exc}") from None
            wait = _retry_after(response)
            if wait is None:
                break
            if wait > MAX_RETRY_AFTER or attempt == RETRIES:
                raise GitHubError(
                    f"GitHub rate limit on {method} {_path(url)}: still limited after {attempt + 1} tries (asked to wait {wait:.0f}s); run again later"
                )
            self.sleep(wait)
        if response.status_code >= 400:
            raise GitHubError(_failure(method, url, response, what, self.repository))
        return response


def _path(url: str) -> str:
    import httpx

    return httpx.URL(url).path


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait when GitHub says to slow down (a secondary limit: 403/429 with Retry-After, or a
    primary one: x-ratelimit-remaining 0 until x-ratelimit-reset); None when it did not."""
    if response.status_code not in (403, 429):
        return None
    if "retry-after" in response.headers:
        try:
            return max(0.0, float(response.headers["retry-after"]))
        except ValueError:
            return 60.0
    if response.headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in response.headers:
        return max(0.0, float(response.headers["x-ratelimit-reset"]) - time.time())
    if "secondary rate limit" in response.text.lower():
        return 60.0  # GitHub's advice when it gives no Retry-After
    return None


def _failure(method: str, url: str, response: httpx.Response, what: str | None, repository: str) -> str:
    """One line: what failed, and what the user can do about it."""
    try:
        message = response.json().get("message", "")
    except ValueError:
        message = response.text[:200]
    status = response.status_code
    where = f"{method} {_path(url)}"
    if status == 401:
        return f"GitHub rejected the token (401 {message or 'Bad credentials'}) on {where}: pass a valid token"
    if status == 403:
        accepted = response.headers.get("x-accepted-github-permissions", "")
        needed = accepted.replace("=", ": ") if accepted else ("issues: write" if method != "GET" else "issues: read")
        return (f"GitHub refused {where} (403 {message}): the token needs the `{needed}` permission "
                f"(workflow `permissions:`) on {repository}")
    if status == 404:
        if what:
            return f"GitHub has no {what} in {repository} (404), or the token cannot see it"
        return f"GitHub has no {repository} (404 on {where}): check GITHUB_REPOSITORY and the token's access"
    if status == 410:
        return f"issues are turned off in {repository} (410 on {where})"
    if status == 422:
        return f"GitHub refused {where} (422 {message})"
    return f"GitHub answered {where} with {status} {message}".rstrip()
