"""One retry policy for every HTTP call: the npm registry, changelog sources, published stores, GitHub.

A request that failed in a way another try can help (a transport error, 429, a 5xx, a rate limit) is
repeated, through tenacity, up to `retries` more times. Between tries it waits what the server asked
for in Retry-After (delta-seconds or an HTTP date), else `backoff * 2**n`. A server that asks for more
than `max_wait` seconds is not waited for: the call fails at once and says how long it was asked to
wait, rather than block an audit or hammer a server that said no. Nor is a host name that does not
resolve (offline, or a typo): the next source, or the saved copy, answers at once.
"""

from __future__ import annotations

import email.utils
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import httpx
    import tenacity

    from .npm import HttpClient

MAX_WAIT = 60.0
"""Seconds; GitHub's advice for a secondary rate limit, and the longest pause worth blocking an audit for."""

T = TypeVar("T")


class Transient(Exception):
    """A failure another try can help; `delay` is what the server asked for (Retry-After), if it did."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


@dataclass(frozen=True)
class Policy:
    """How often and how long to try again. `sleep` defaults to time.sleep, looked up when waiting (so a
    test that patches time.sleep waits for nothing, and can assert what was waited)."""

    retries: int = 4
    backoff: float = 0.5
    max_wait: float = MAX_WAIT
    sleep: Callable[[float], None] | None = None

    def call(self, attempt: Callable[[], T], fail: Callable[[str], Exception]) -> T:
        """`attempt()`, tried again while it raises Transient; when no try is left, or the server asks
        for too long a wait, `fail(reason)` is raised (reason: the last failure, and why it ended)."""
        import tenacity  # where it is used: starting `audit` must not pay for it

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(Transient), stop=self._stop, wait=self._wait,
            sleep=lambda seconds: (self.sleep or time.sleep)(seconds), reraise=True,
        )
        try:
            return retrying(attempt)
        except Transient as exc:
            tries = retrying.statistics.get("attempt_number", 1)
            if exc.delay is not None and exc.delay > self.max_wait:
                raise fail(f"{exc.reason}; asked to wait {exc.delay:.0f} s (more than {self.max_wait:.0f}), "
                           f"gave up after {_tries(tries)}") from None
            raise fail(f"{exc.reason}, gave up after {_tries(tries)}") from None

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        delay = _delay(state)
        exc = state.outcome.exception() if state.outcome else None
        return state.attempt_number > self.retries or (delay is not None and delay > self.max_wait) or _unknown_host(exc)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        delay = _delay(state)
        return delay if delay is not None else self.backoff * 2 ** (state.attempt_number - 1)


def _delay(state: tenacity.RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome else None
    return exc.delay if isinstance(exc, Transient) else None


def _unknown_host(exc: BaseException | None) -> bool:
    """Whether the failure goes back to a name the resolver says does not exist (not "try again")."""
    while exc is not None:
        if isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_NONAME:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _tries(n: int) -> str:
    return f"{n} {'try' if n == 1 else 'tries'}"


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait per a Retry-After header (delta-seconds or HTTP-date; never negative), None if
    absent or not one of those."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(email.utils.parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError):
        return None


def raise_if_transient(response: httpx.Response) -> None:
    """Transient for a 429 or a 5xx, with the server's Retry-After."""
    if response.status_code == 429 or response.status_code >= 500:
        delay = retry_after(response.headers.get("Retry-After"), time.time())
        raise Transient(f"HTTP {response.status_code} {response.reason_phrase}".rstrip(), delay)


def permanent() -> tuple[type[Exception], ...]:
    """httpx errors retrying cannot help: a bad URL scheme, a broken content-encoding, a redirect loop."""
    import httpx

    return (httpx.UnsupportedProtocol, httpx.DecodingError, httpx.TooManyRedirects)


def classified(exc: httpx.HTTPError, fail: Callable[[str], Exception]) -> Exception:
    """What to raise for an httpx error: Transient when another try can help (a transport error that is
    not `permanent`), else `fail(reason)`."""
    import httpx

    if isinstance(exc, httpx.TransportError) and not isinstance(exc, permanent()):
        return Transient(describe(exc))
    return fail(describe(exc))


def describe(exc: Exception) -> str:
    """An httpx exception as one line (some carry multi-line or empty messages)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def get(client: HttpClient, url: str, fail: Callable[[str], Exception], policy: Policy | None = None) -> httpx.Response:
    """GET `url` (redirects followed) under the policy: a 200 response, or `fail(reason)`."""
    import httpx

    def attempt() -> httpx.Response:
        try:
            response = client.get(url, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise classified(exc, fail) from exc
        raise_if_transient(response)
        return response

    response = (policy or Policy()).call(attempt, fail)
    if response.status_code != 200:
        raise fail(f"HTTP {response.status_code}")
    return response
