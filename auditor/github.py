"""A small GitHub REST client for the Action: the tracking issue and its comments, with who wrote them
(the Action trusts only its own). The httpx client is passed in (tests point it at a loopback fake);
every failure is a GitHubError that names what to fix, with the token never in it."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import retry
from .errors import GitHubError

if TYPE_CHECKING:
    import httpx

DEFAULT_API_URL = "https://api.github.com"
ACTIONS_BOT = "github-actions[bot]"  # who the workflow's own GITHUB_TOKEN posts as


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    url: str
    author: str = ""  # the login that wrote it ("" for a deleted account)


@dataclass
class GitHub:
    """Issues and comments of one repository, as the token allows."""

    client: httpx.Client
    repository: str  # owner/name
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    sleep: Callable[[float], None] | None = None  # between tries (retry.Policy); default time.sleep

    def __post_init__(self) -> None:
        if not self.token:
            raise GitHubError("no GitHub token: pass the workflow's token (GITHUB_TOKEN, the action's `token` input), or use --dry-run")
        if self.repository.count("/") != 1:
            raise GitHubError(f"GITHUB_REPOSITORY must be owner/name, not {self.repository!r}")

    # -- issues ------------------------------------------------------------------------------------

    def login(self) -> str:
        """Who the token acts as: the user GET /user names (a personal token); a workflow's GITHUB_TOKEN
        may not ask (403) and posts as github-actions[bot]."""
        try:
            return str(self._json("GET", "/user", dict, what="user of the token")["login"])
        except GitHubError as exc:
            if exc.status != 403:
                raise
            return ACTIONS_BOT

    def find_issue(self, marker: str, author: str) -> int | None:
        """The newest open issue that `author` opened with `marker` in its body (the tracking issue), if any:
        anyone can open an issue that carries the marker."""
        for issue in self._pages(f"/repos/{self.repository}/issues", {"state": "open", "sort": "created", "direction": "desc"}):
            if "pull_request" not in issue and marker in (issue.get("body") or "") and same_login(_author(issue), author):
                return issue["number"]
        return None

    def create_issue(self, title: str, body: str) -> int:
        return self._json("POST", f"/repos/{self.repository}/issues", dict, json={"title": title, "body": body})["number"]

    def update_issue(self, number: int, body: str) -> None:
        """Edit the issue's body in place (the tracking issue's head: the current recommendation)."""
        self._request("PATCH", f"/repos/{self.repository}/issues/{number}", json={"body": body}, what=f"issue #{number}")

    def check_issue(self, number: int) -> str:
        """Who opened the issue; fails with a clear line when it is not there (404) or is a pull request."""
        issue = self._json("GET", f"/repos/{self.repository}/issues/{number}", dict, what=f"issue #{number}")
        if "pull_request" in issue:
            raise GitHubError(f"#{number} in {self.repository} is a pull request, not an issue")
        return _author(issue)

    # -- comments ----------------------------------------------------------------------------------

    def comments(self, issue: int) -> list[Comment]:
        """Every comment on the issue, oldest first (all pages)."""
        return [self._comment(c) for c in self._pages(f"/repos/{self.repository}/issues/{issue}/comments", {}, what=f"issue #{issue}")]

    def create_comment(self, issue: int, body: str) -> Comment:
        return self._comment(self._json("POST", f"/repos/{self.repository}/issues/{issue}/comments", dict, json={"body": body},
                                        what=f"issue #{issue}"), body)

    def update_comment(self, comment_id: int, body: str) -> Comment:
        return self._comment(self._json("PATCH", f"/repos/{self.repository}/issues/comments/{comment_id}", dict, json={"body": body},
                                        what=f"comment {comment_id}"), body)

    def _comment(self, c: dict[str, Any], body: str = "") -> Comment:
        """A comment as GitHub sent it; its URL is printed, so it is redacted like an error."""
        return Comment(c["id"], c.get("body") or body, redact(str(c.get("html_url") or ""), self.token), _author(c))

    # -- transport ---------------------------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, str], what: str | None = None) -> Iterator[dict[str, Any]]:
        url: str | None = self.api_url.rstrip("/") + path
        query: dict[str, str] | None = {**params, "per_page": "100"}
        while url:
            response = self._request("GET", url, params=query, what=what)
            yield from self._document(response, list, "GET", url)
            url, query = response.links.get("next", {}).get("url"), None  # the next link carries the query
            if url and _origin(url) != _origin(self.api_url):
                raise GitHubError(redact(f"GitHub's next page of GET {response.url.path} is on another server ({_origin(url)}): "
                                         "not followed, the token would go there", self.token))

    def _json(self, method: str, path: str, kind: type, what: str | None = None, **kwargs: Any) -> Any:
        return self._document(self._request(method, path, what=what, **kwargs), kind, method, path)

    def _document(self, response: httpx.Response, kind: type, method: str, url: str) -> Any:
        """The JSON the API answers with, of the shape expected (an object or a list); anything else (an HTML
        page from a proxy or a login portal) is one line saying where it came from."""
        try:
            doc = response.json()
        except ValueError:
            doc = None
        if not isinstance(doc, kind):
            kind_of = response.headers.get("content-type", "no content type").split(";")[0]
            raise GitHubError(redact(f"GitHub answered {method} {_path(url)} with {response.status_code} {kind_of}, not the API's JSON: "
                                     "check GITHUB_API_URL (on GitHub Enterprise it ends in /api/v3)", self.token), response.status_code)
        return doc

    def _request(self, method: str, path_or_url: str, what: str | None = None, **kwargs: Any) -> httpx.Response:
        """One API call under retry.Policy. A rate limit is tried again whatever the method; a 5xx or a
        broken connection only for GET (a POST that timed out may have made its comment)."""
        import httpx  # where it is used: starting `audit` must not pay for it

        url = path_or_url if path_or_url.startswith("http") else self.api_url.rstrip("/") + path_or_url
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        idempotent = method == "GET"

        def attempt() -> httpx.Response:
            try:
                response = self.client.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                reason = f"cannot reach GitHub at {self.api_url}: {retry.describe(exc)}"
                if isinstance(exc, httpx.ConnectError) or (idempotent and isinstance(exc, httpx.TransportError)):
                    raise retry.Transient(reason) from exc
                raise GitHubError(reason) from None
            wait = _rate_limited(response)
            if wait is not None:
                raise retry.Transient(f"GitHub rate limit on {method} {_path(url)}", wait)
            if idempotent:
                retry.raise_if_transient(response)
            return response

        response = retry.Policy(sleep=self.sleep).call(attempt, lambda reason: GitHubError(f"{reason}; run again later"))
        if not response.is_success:  # a redirect too: the API never answers with one where auditor calls it
            raise GitHubError(_failure(method, url, response, what, self.repository, self.token), response.status_code)
        return response


def same_login(a: str, b: str) -> bool:
    """GitHub logins are case-insensitive."""
    return a.casefold() == b.casefold()


def _author(item: dict[str, Any]) -> str:
    return str((item.get("user") or {}).get("login") or "")


def redact(text: str, token: str) -> str:
    """Text from GitHub made fit to print: the token never (a proxy or server may echo it), no control
    characters (a terminal would obey them)."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text.replace(token, "***") if token else text)


def said(body: str, token: str) -> str:
    """What GitHub said in an error answer: its JSON `message` (else the body), on one line, redacted
    before it is cut to 200 characters (a cut must not leave half a token)."""
    try:
        message = str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError):
        message = body
    return " ".join(redact(message, token).split())[:200]


def _path(url: str) -> str:
    import httpx

    return httpx.URL(url).path


def _origin(url: str) -> str:
    import httpx

    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode()}"


def _rate_limited(response: httpx.Response) -> float | None:
    """Seconds to wait when GitHub says to slow down (a secondary limit: 403/429 with Retry-After, or a
    primary one: x-ratelimit-remaining 0 until x-ratelimit-reset); None when it did not."""
    if response.status_code not in (403, 429):
        return None
    now = time.time()
    asked = retry.retry_after(response.headers.get("retry-after"), now)
    if asked is not None:
        return asked
    if response.headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in response.headers:
        try:
            return max(0.0, float(response.headers["x-ratelimit-reset"]) - now)
        except ValueError:
            return retry.MAX_WAIT
    if "retry-after" in response.headers or "secondary rate limit" in response.text.lower():
        return retry.MAX_WAIT  # GitHub's advice when it gives no (usable) Retry-After: a minute
    return None


def _failure(method: str, url: str, response: httpx.Response, what: str | None, repository: str, token: str) -> str:
    """One line: what failed, and what the user can do about it, with what GitHub said (`said`)."""
    message = said(response.text, token)
    status = response.status_code
    where = redact(f"{method} {_path(url)}", token)  # a next page's URL is GitHub's to choose
    if response.is_redirect:
        return (f"GitHub answered {where} with a redirect ({status} to {redact(response.headers['location'], token)}), "
                "not the API: check GITHUB_API_URL (on GitHub Enterprise it ends in /api/v3)")
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
