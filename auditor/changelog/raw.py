"""The raw-URL source: the changelog file's current text over HTTP (cheap; no history)."""

from __future__ import annotations

import httpx

from ..errors import ChangelogError
from ..npm import HttpClient


def fetch_text(client: HttpClient, url: str) -> str:
    """The changelog's current text from a raw URL."""
    return get(client, url).text


def get(client: HttpClient, url: str) -> httpx.Response:
    """A 200 response for `url`, redirects followed; anything else is one ChangelogError line."""
    try:
        response = client.get(url, follow_redirects=True)
    except httpx.HTTPError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ChangelogError(f"cannot fetch changelog {url}: {reason}") from exc
    if response.status_code != 200:
        raise ChangelogError(f"cannot fetch changelog {url}: HTTP {response.status_code}")
    return response
