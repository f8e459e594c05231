"""The raw-URL source: the changelog file's current text over HTTP (cheap; no history)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import retry
from ..errors import ChangelogError
from ..npm import HttpClient

if TYPE_CHECKING:
    import httpx


def fetch_text(client: HttpClient, url: str) -> str:
    """The changelog's current text from a raw URL."""
    return get(client, url).text


def get(client: HttpClient, url: str) -> httpx.Response:
    """A 200 response for `url`, redirects followed, retried as every HTTP call is (retry.Policy);
    anything else is one ChangelogError line."""
    return retry.get(client, url, lambda reason: ChangelogError(f"cannot fetch changelog {url}: {reason}"))
