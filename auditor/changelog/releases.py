"""The GitHub Releases source: a repository's releases as its REST API lists them
(`GET /repos/OWNER/REPO/releases`), or a saved response of that API in a JSON file, which works without
GitHub. Some vendors write their notes only there (Codex: tags `rust-v0.171.0`).

A published release whose tag is the target's prefix and a stable version is a `Release`: its body's
bullets and paragraphs are the entries (markdown, parsed as a changelog's are; GitHub's "by @user in #N"
credit dropped) and `published_at` dates it. Drafts, prereleases ("rust-v0.172.0-alpha.3") and other tags
are not releases. What the store keeps is the list reduced to the fields read, as JSON: a copy read
offline parses alike.

Everything GitHub sends is bounded (bytes a page, pages, characters a body, entries a release) and
checked for shape; what is wrong is one ChangelogError line. A token (`$GITHUB_TOKEN`, optional: it
raises the rate limit) goes only to GitHub's API, never into a message or the store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import retry, versions
from ..errors import ChangelogError
from . import markdown, notes
from .history import instant
from .model import Entry, Release

if TYPE_CHECKING:
    import httpx

    from ..npm import HttpClient

PARSER = "1"
"""Bump when `parse` gives different releases for the same text (the store keys parsed forms by it)."""
DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100
MAX_PAGES = 10
"""1000 releases: Codex publishes about one stable release and several prereleases a day."""
MAX_PAGE_BYTES = 16 << 20
"""A page of 100 releases is about 1 MB with GitHub's own fields; its bodies are at most 125,000 characters each."""
MAX_BODY = 200_000
MAX_ENTRIES = 2_000
FIELDS = ("tag_name", "published_at", "draft", "prerelease", "body")
_TYPES: dict[str, tuple[type, ...]] = {"tag_name": (str,), "published_at": (str, type(None)), "draft": (bool,),
                                       "prerelease": (bool,), "body": (str, type(None))}


def token_for(url: str, env: Mapping[str, str]) -> str:
    """`$GITHUB_TOKEN` when `url` is on GitHub's API (`$GITHUB_API_URL`, else api.github.com); "" for any
    other server, which must never receive it."""
    import httpx

    api = httpx.URL(env.get("GITHUB_API_URL") or DEFAULT_API_URL)
    there = httpx.URL(url)
    same = (there.scheme, there.host, there.port) == (api.scheme, api.host, api.port)
    return env.get("GITHUB_TOKEN", "") if same and there.path.startswith(api.path.rstrip("/") + "/") else ""


def fetch(client: HttpClient, url: str, token: str = "") -> str:
    """Every release the API lists at `url`, page by page (100 a page) until a short or empty page, at
    most MAX_PAGES; as the JSON text `parse` reads."""
    found: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        listed = shaped(_get(client, url, page, token), f"{_where(url)} page {page}")
        found += listed
        if len(listed) < PER_PAGE:
            break
    return dump(found)


def dump(found: list[dict[str, Any]]) -> str:
    return json.dumps(found, ensure_ascii=False, separators=(",", ":"))


def shaped(doc: object, where: str) -> list[dict[str, Any]]:
    """The releases of one API answer (a JSON list of release objects), reduced to FIELDS; anything
    else is a ChangelogError naming `where` and what is wrong."""
    if not isinstance(doc, list):
        raise ChangelogError(f"{where} is not a list of GitHub releases (got {type(doc).__name__})")
    out = []
    for n, item in enumerate(doc):
        if not isinstance(item, dict):
            raise ChangelogError(f"{where}: release {n} is not an object (got {type(item).__name__})")
        kept = {key: item.get(key, False if key in ("draft", "prerelease") else None) for key in FIELDS}
        for key, value in kept.items():
            if not isinstance(value, _TYPES[key]):
                raise ChangelogError(f"{where}: release {n} has a {key} that is not {_TYPES[key][0].__name__} (got {type(value).__name__})")
        if len(kept["body"] or "") > MAX_BODY:
            raise ChangelogError(f"{where}: release {str(kept['tag_name'])[:80]!r} has notes of more than {MAX_BODY} characters")
        out.append(kept)
    return out


def parse(text: str, tag_prefix: str = "", where: str = "GitHub releases") -> list[Release]:
    """The releases in a JSON list of GitHub release objects (newest first, as the API lists them)."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ChangelogError(f"{where} is not JSON ({exc})") from None
    found: dict[str, Release] = {}
    for item in shaped(doc, where):
        version = _version(item["tag_name"], tag_prefix)
        if item["draft"] or item["prerelease"] or version is None or version in found:
            continue
        found[version] = Release(version, _date(item["published_at"], item["tag_name"], where), _entries(item, where))
    if not found:
        raise ChangelogError(f"{where} lists no published release tagged {tag_prefix or ''}X.Y.Z")
    return list(found.values())


def _version(tag: str, prefix: str) -> str | None:
    """The stable version a tag names (`rust-v0.171.0` with prefix `rust-v` → 0.171.0; a "v" is
    optional after any prefix); None for another tag or a prerelease."""
    if not tag.startswith(prefix):
        return None
    rest = tag[len(prefix):]
    rest = rest[1:] if rest.startswith("v") else rest
    return rest if versions.is_version(rest) and rest == rest.strip() and not versions.is_prerelease(rest) else None


def _date(stamp: str | None, tag: str, where: str) -> str | None:
    if stamp is None:
        return None
    try:
        return instant(stamp).isoformat()
    except ValueError:
        raise ChangelogError(f"{where}: release {tag[:80]!r} has a published_at that is not a time ({stamp[:40]!r})") from None


def _entries(item: dict[str, Any], where: str) -> tuple[Entry, ...]:
    found = markdown.entries(item["body"] or "")
    if len(found) > MAX_ENTRIES:
        raise ChangelogError(f"{where}: release {item['tag_name'][:80]!r} has more than {MAX_ENTRIES} entries")
    return tuple(Entry(notes.CREDIT.sub("", e.text), tuple(notes.CREDIT.sub("", c) for c in e.children)) for e in found)


def _where(url: str) -> str:
    import httpx

    return f"GitHub releases {httpx.URL(url).copy_with(query=None)}"


def _get(client: HttpClient, url: str, page: int, token: str) -> object:
    """One page of the API's answer as JSON, read at most MAX_PAGE_BYTES; failures that another try can
    help (a 5xx, a broken connection) are tried again (retry.Policy)."""
    import httpx

    where = f"{_where(url)} page {page}"
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    def fail(reason: str) -> ChangelogError:
        return ChangelogError(f"cannot fetch {where}: {reason}")

    def attempt() -> tuple[httpx.Response, bytes]:
        try:
            with client.stream("GET", url, params={"per_page": str(PER_PAGE), "page": str(page)}, headers=headers,
                               follow_redirects=True) as response:
                if response.status_code != 429:  # GitHub's rate limit: said at once, with what to do (_refused)
                    retry.raise_if_transient(response)
                return response, _bounded(response, MAX_PAGE_BYTES if response.status_code == 200 else 64 << 10, where)
        except httpx.HTTPError as exc:
            raise retry.classified(exc, fail) from exc

    response, body = retry.Policy().call(attempt, fail)
    if response.status_code != 200:
        raise ChangelogError(_refused(response, body, where, token))
    try:
        return json.loads(body)
    except ValueError:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise ChangelogError(f"{where} answered with {kind}, not the API's JSON") from None


def _bounded(response: httpx.Response, limit: int, where: str) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ChangelogError(f"{where} is larger than {limit:,} bytes: not read")
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(response: httpx.Response, body: bytes, where: str, token: str) -> str:
    """One line for a page GitHub did not give: what it said (shortened, the token redacted) and what
    the user can do."""
    from ..github import said as github_said

    said = github_said(body.decode("utf-8", "replace"), token)
    status = response.status_code
    if status == 429 or (status == 403 and (response.headers.get("x-ratelimit-remaining") == "0" or "rate limit" in said.lower())):
        fix = ("GITHUB_TOKEN's limit is spent: try again later" if token else
               "set GITHUB_TOKEN (any GitHub token raises the limit) or name a saved releases JSON with --changelog")
        return f"GitHub's rate limit stopped {where} ({status}): {fix}"
    if status == 401:
        return f"GitHub rejected GITHUB_TOKEN on {where} (401 {said or 'Bad credentials'}): unset it or pass a valid token"
    if status == 404:
        return f"{where} does not exist (404): check the repository's name"
    return f"cannot fetch {where}: HTTP {status} {said}".rstrip()
