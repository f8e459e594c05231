"""`audit proxy`: a recording reverse proxy between a real Claude Code session and the Messages API.

Users run `ANTHROPIC_BASE_URL=http://127.0.0.1:8787 claude` and work as usual. Every request is
forwarded to the upstream API and the answer is streamed back unchanged, chunk by chunk as it
arrives (SSE is never buffered). POST /v1/messages and /v1/messages/count_tokens are also recorded,
per CLI version (read from the user-agent), as a `proxy` snapshot in the store.

Recording happens in a separate worker process, after the response finished: parsing multi-megabyte
bodies, normalizing and writing SQLite all hold Python's GIL or the disk, and none of that may delay a
stream that is still being forwarded. The event loop only hands the finished request to a queue.

How observations merge into one version's snapshot: each request gets a role — `main` (it offers
tools: the agent loop), `subagent` (it carries Claude Code's x-claude-code-agent-id header; older
releases don't send it, so their subagents count as `main`), `auxiliary` (no tools: titles, summaries,
quota checks) or `count_tokens`. The latest request of a role replaces all of that role's facts, so
the system blocks and tools stored for a role always come from one real request (merging key by key
could pair block 0 of one prompt with block 3 of another). Kind `capture` keeps, per role, the number
of requests seen and every model they asked for. Read-merge-write is one SQLite transaction, so two
proxies on one store lose nothing; the proxy does not take the collectors' lock (`Store.writer`): it
only writes its own snapshots, and may run for hours beside `audit collect`.

Never stored: credentials (any header named like auth/token/key/secret/cookie is redacted, and its
value is scrubbed from the body wherever it appears, besides the shape-based redaction of
`normalize`), the value of any header outside an allow-list of what the CLI and its SDK send
(anthropic-*, x-stainless-*, x-claude-code-*, user-agent, content-type, …: a gateway's password or
the user's own custom headers are stored by name only, a long value scrubbed from the body too),
and message content — the user's and the model's words. Only the shape of the history
is kept (`user: text, tool_result`) unless `keep_content`. System blocks and tool definitions are
kept: they are what this tool audits.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import logging
import multiprocessing
import queue
import re
import signal
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
import uvicorn

from .. import catalog, kinds, sessions, targets
from ..collector import STATIC
from ..errors import CatalogError, ProxyError
from ..store import Store
from ..targets import Proxy, Target
from . import history
from .facts import CAPTURE_FORMAT, CAPTURE_KINDS, request_facts
from .normalize import REDACTED, Volatiles, normalize_request
from .server import COUNT_TOKENS_PATH, RecordedRequest, dialect

DEFAULT_PORT = 8787
PLATFORM = SOURCE = "proxy"
# Requests of a dialect recorded beside its conversation's (Dialect.is_call), by the role they get.
SIDE_PATHS = {"messages": {COUNT_TOKENS_PATH: "count_tokens"}}
# Headers that describe one connection, not the request (RFC 9110 §7.6.1), plus Host (httpx sets the
# upstream's) and Expect (the proxy, not the client, talks to the upstream).
_HOP_BY_HOP = frozenset({
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection",
    b"te", b"trailer", b"transfer-encoding", b"upgrade", b"host", b"expect",
})
_CREDENTIAL_HEADER = re.compile(r"auth|token|secret|key|cookie|credential|signature|password", re.I)
# Headers whose values are stored: those every client sends, and the target's own (Proxy.headers), which is what this tool audits.
_COMMON_HEADERS = "user-agent|content-type|accept|accept-encoding|accept-language"
NOT_STORED = "<not stored>"
_MIN_UNKNOWN_SECRET = 16  # another header's value is scrubbed from bodies only when this long: a short one may be a word
_MIN_SECRET = 8  # shorter header values are redacted in the header only: scrubbing "abc" from prompts would mangle them
_ROLE_KINDS = tuple(k for k in CAPTURE_KINDS if k != "capture")  # what a role's latest request replaces
_SHAPE_KEYS = frozenset({"type", "cache_control", "signature", "data"})  # what facts._shape reads of a block
# Streams may pause for minutes while the model thinks; the CLI's own SDK waits 600 s.
_TIMEOUT = httpx.Timeout(600.0, connect=15.0)
_GRACE = 3  # seconds Ctrl-C waits for open streams before cutting them
_PARENT_CHECK = 1.0  # seconds between the recorder's checks that the proxy still lives
_THREADS = 512  # conversation threads whose last history (digests only) the recorder remembers

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
log = logging.getLogger(__name__)


class _ClientGone(Exception):
    """The client hung up while still sending its request."""


@dataclass(frozen=True)
class ProxyEvent:
    """One forwarded request, reported after it was recorded (or why it was not); `str()` is a log line."""

    method: str
    path: str
    status: int  # what the client got: 502 when the upstream was unreachable, 0 when it hung up before any answer
    seconds: float  # request start to response end
    version: str | None = None  # the CLI's, from its user-agent
    role: str | None = None
    model: str | None = None
    recorded: bool = False
    note: str = ""  # why not recorded, or what went wrong

    def __str__(self) -> str:
        parts = [f"{self.method} {self.path} {self.status or '-'} {self.seconds:.2f}s", self.version and f"v{self.version}",
                 self.role, self.model, "recorded" if self.recorded else "", self.note]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class _Finished:
    """What the event loop hands to the recorder: the request as sent, and how it ended."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes | None  # None: not a recorded path, or the request never fully arrived
    status: int
    seconds: float
    note: str = ""
    answer: bytes | None = None  # the upstream's answer as sent (still encoded): kept of a catalogue refresh only
    answer_headers: list[tuple[str, str]] = field(default_factory=list)  # its ETag and Content-Encoding


# -- the ASGI app -------------------------------------------------------------------------------------


class ProxyApp:
    """ASGI app forwarding everything to `upstream` and recording the conversation's requests (and which model
    catalogue the CLI got) into `store`.

    What is recorded is the target's dialect's business (`Dialect.is_call`, `SIDE_PATHS`, the catalogue's
    `refresh_path`); the rest is one path for every API. Use it as a context manager (or call `close`): the
    recorder process stops, after recording everything already finished.
    """

    def __init__(self, store: Store, target: str, upstream: str | None, keep_content: bool, on_request: Callable[[ProxyEvent], None] | None):
        if store.path is None:
            raise ProxyError("the proxy records into a store file (the recorder process opens it); got an in-memory store")
        spec = targets.get(target)
        proxy = _proxy(spec)
        self.target = spec.name
        self.upstream = _check_upstream(upstream or proxy.upstream, proxy.upstream)
        self._speaks = dialect(spec.api)
        self._side = SIDE_PATHS.get(spec.api, {})
        self._catalogue = spec.catalog.refresh_path if spec.catalog else ""
        self._client: httpx.AsyncClient | None = None
        self._recorder = _Recorder(store.path, self.target, self.upstream, keep_content, on_request)

    def __enter__(self) -> ProxyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Record what is still queued, then stop the recorder."""
        self._recorder.close()

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every request that has arrived so far has been answered, recorded and reported (tests)."""
        self._recorder.flush(timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._forward(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _records(self, method: str, path: str) -> bool:
        path = api_path(path)
        return self._speaks.is_call(method, path) or (method == "POST" and path in self._side)

    def _upstream_client(self) -> httpx.AsyncClient:
        """One pooled client per app, created on the running loop (keep-alive connections to the upstream)."""
        if self._client is None:
            self._client = httpx.AsyncClient(limits=httpx.Limits(max_connections=None, max_keepalive_connections=20))
        return self._client

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        self._recorder.begin()
        method, path = scope["method"], scope["path"]
        recorded = self._records(method, path)
        headers = _end_to_end(scope["headers"])
        chunks: list[bytes] = []
        answer: list[bytes] | None = None  # the upstream's answer, kept when it is a model catalogue
        answer_headers: list[tuple[str, str]] = []
        body_done = False

        async def body() -> Any:
            """The client's body, passed on as it arrives; kept too when the request will be recorded."""
            nonlocal body_done
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _ClientGone
                chunk = message.get("body", b"")
                if recorded:
                    chunks.append(chunk)
                if chunk:
                    yield chunk
                if not message.get("more_body"):
                    body_done = True
                    return

        has_body = any(k in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])
        stream = body() if has_body else None
        body_done = stream is None
        query = scope["query_string"]
        request = httpx.Request(
            method,
            self.upstream + (scope.get("raw_path") or path.encode()).decode("latin-1") + ("?" + query.decode("latin-1") if query else ""),
            headers=headers,
            content=stream,
            extensions={"timeout": _TIMEOUT.as_dict()},
        )
        status, note = 502, ""
        try:
            try:
                response = await self._upstream_client().send(request, stream=True)
            except httpx.HTTPError as exc:
                if stream is not None:  # read the rest: the request is still recorded, the connection stays usable
                    async for _ in stream:
                        pass
                reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
                note = f"upstream unreachable: {reason}"
                await _send_error(send, f"auditor proxy: cannot reach {self.upstream} ({reason})")
                return
            status = response.status_code
            if method == "GET" and api_path(path) == self._catalogue and status == 200:
                answer = []
                answer_headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in response.headers.raw
                                  if k.lower() in (b"etag", b"content-encoding")]
            try:
                note = await _relay(response, receive, send, answer)
            finally:
                await response.aclose()
        except _ClientGone:
            status, note = 0, "client hung up"
        finally:
            self._recorder.submit(_Finished(
                method, path, query.decode("latin-1"), [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
                b"".join(chunks) if recorded and body_done else None, status, time.perf_counter() - start, note,
                b"".join(answer) if answer is not None and not note else None, answer_headers,
            ))


async def _relay(response: httpx.Response, receive: Receive, send: Send, kept: list[bytes] | None = None) -> str:
    """Stream the upstream's answer to the client; stop reading it as soon as the client hangs up (so the
    upstream stops generating). Returns a note: empty when the response went through whole. With `kept`,
    the answer's chunks are kept there too, up to the size a catalogue may have (catalog.MAX_BYTES)."""
    await send({"type": "http.response.start", "status": response.status_code, "headers": _end_to_end(response.headers.raw)})
    outcome = "client hung up"
    async with anyio.create_task_group() as tasks:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            tasks.cancel_scope.cancel()

        tasks.start_soon(watch)
        try:
            size = 0
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if kept is not None:
                    size += len(chunk)
                    kept.append(chunk)
                    if size > catalog.MAX_BYTES:
                        kept.clear()
                        kept = None
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            outcome = ""
        except httpx.HTTPError as exc:
            # Too late for a 502: returning without finishing makes the server cut the connection, so the
            # client sees a broken stream instead of a complete-looking short one.
            outcome = f"upstream broke off: {type(exc).__name__}: {exc}".rstrip(": ")
        tasks.cancel_scope.cancel()
    return outcome


async def _send_error(send: Send, message: str) -> None:
    """A 502 shaped like the API's own errors, so the CLI shows the message."""
    payload = json.dumps({"type": "error", "error": {"type": "api_error", "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 502, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _end_to_end(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Headers minus hop-by-hop ones, including any the Connection header names."""
    named = {t.strip().lower() for k, v in headers if k.lower() == b"connection" for t in v.split(b",")}
    return [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP and k.lower() not in named]


def _proxy(target: Target) -> Proxy:
    if target.proxy is None:
        raise ProxyError(f"audit proxy cannot record {target.display_name} sessions (yet)")
    return target.proxy


def _check_upstream(upstream: str, example: str) -> str:
    """The upstream base URL without a trailing slash (paths are appended), or a one-line ProxyError."""
    try:
        url = httpx.URL(upstream)
    except httpx.InvalidURL as exc:
        raise ProxyError(f"bad --upstream {upstream!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ProxyError(f"bad --upstream {upstream!r}: give an http(s) URL such as {example}")
    return upstream.rstrip("/")


# -- recording ----------------------------------------------------------------------------------------


class _Recorder:
    """Hands finished requests to a worker process that records them, and reports each as a ProxyEvent."""

    def __init__(self, db_path: Path, target: str, upstream: str, keep_content: bool, on_request: Callable[[ProxyEvent], None] | None):
        context = multiprocessing.get_context("spawn")  # fork is unsafe beside the event loop's threads
        self._jobs: Any = context.Queue()
        self._results: Any = context.Queue()
        self._process = context.Process(
            target=_record_loop, args=(str(db_path), target, upstream, keep_content, self._jobs, self._results),
            name="auditor-proxy-recorder", daemon=True,
        )
        self._process.start()
        self._on_request = on_request
        self._counts = threading.Condition()
        self._begun = self._reported = 0
        self._reporter = threading.Thread(target=self._report, name="auditor-proxy-reporter", daemon=True)
        self._reporter.start()

    def begin(self) -> None:
        """Count a request as it arrives, so `flush` also waits for requests whose answer is still on its way."""
        with self._counts:
            self._begun += 1

    def submit(self, finished: _Finished) -> None:
        """Never blocks: the queue's feeder thread pickles and sends."""
        self._jobs.put(finished)

    def _report(self) -> None:
        while (events := self._results.get()) is not None:
            for event in events:
                if self._on_request is not None:
                    try:
                        self._on_request(event)
                    except Exception:  # a broken callback must not stop the accounting
                        log.exception("on_request failed")
            with self._counts:
                self._reported += len(events)
                self._counts.notify_all()

    def flush(self, timeout: float) -> None:
        with self._counts:
            if not self._counts.wait_for(lambda: self._reported >= self._begun, timeout):
                raise TimeoutError(f"recorded {self._reported} of {self._begun} requests in {timeout} s")

    def close(self) -> None:
        if not self._process.is_alive() and not self._reporter.is_alive():
            return
        self._jobs.put(None)
        self._process.join()
        self._results.put(None)  # after the worker's own results: it flushed them before exiting
        self._reporter.join()
        self._jobs.close()
        self._results.close()


def _record_loop(db_path: str, target: str, upstream: str, keep_content: bool, jobs: Any, results: Any) -> None:
    """The worker process: record whatever has queued up as one batch, until the None sentinel.

    Ctrl-C in a terminal, and a SIGTERM sent to the group, reach this process too; the proxy decides when
    recording ends. Should the proxy itself die without saying so (SIGKILL), this one ends too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    store = Store.open(Path(db_path))
    spec = targets.get(target)
    origin = f"audit proxy → {upstream}"
    threads: Threads = OrderedDict()
    running = True
    while running:
        try:
            batch = [jobs.get(timeout=_PARENT_CHECK)]
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                break
            continue
        while batch[-1] is not None:
            try:
                batch.append(jobs.get_nowait())
            except queue.Empty:
                break
        running = batch[-1] is not None
        finished = [job for job in batch if job is not None]
        if finished:
            results.put(_record_batch(store, spec, origin, finished, keep_content, threads))
    store.prune()  # each merge replaced its version's snapshot: drop the texts only the old ones used
    store.close()


@dataclass(frozen=True)
class _Observation:
    """One recorded request's facts, waiting to be merged into its version's snapshot."""

    role: str
    model: str | None
    facts: dict[str, dict[str, Any]]
    seen: dict[str, list[str]]  # per dimension, for the sessions counters (sessions.py)
    events: list[history.Event]  # what it dropped or altered of its thread's previous request
    note: str = ""  # what the event line says of it


Threads = OrderedDict[str, tuple[history.Message, ...]]


def _record_batch(store: Store, target: Target, origin: str, batch: list[_Finished], keep_content: bool,
                  threads: Threads | None = None) -> list[ProxyEvent]:
    """Record finished requests, one transaction per CLI version; one event per request, in order."""
    events: list[ProxyEvent] = []
    pending: dict[str, list[tuple[int, _Observation]]] = {}
    for finished in batch:
        event = ProxyEvent(finished.method, finished.path, finished.status, finished.seconds, _version(finished.headers, target), note=finished.note)
        if finished.body is not None or finished.answer is not None:
            try:
                if finished.answer is not None:
                    observed = _observe_catalogue(store, finished, event.version, target)
                else:
                    observed = _observe(finished, event.version, keep_content, target, OrderedDict() if threads is None else threads)
            except Exception as exc:  # an odd request must not stop the recorder
                observed = f"not recorded: {type(exc).__name__}: {exc}"
            if isinstance(observed, str):
                event = replace(event, note=_join(event.note, observed))
            else:
                event = replace(event, role=observed.role, model=observed.model, recorded=True, note=_join(event.note, observed.note))
                pending.setdefault(event.version or "", []).append((len(events), observed))
        events.append(event)
    for version, observations in pending.items():
        try:
            _merge_and_save(store, target.name, version, origin, [o for _, o in observations])
        except Exception as exc:  # a store error must not stop the proxy; the events say what was lost
            for index, _ in observations:
                events[index] = replace(events[index], recorded=False, note=_join(events[index].note, f"not recorded: {exc}"))
    return events


def _observe(finished: _Finished, version: str | None, keep_content: bool, target: Target, threads: Threads) -> _Observation | str:
    """One request's facts, or why it is not recorded."""
    if version is None:
        return f"not recorded: no {target.display_name} version in the user-agent"
    try:
        body = json.loads(finished.body or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return "not recorded: the body is not a JSON object"
    body = dialect(target.api).view({"body": body})["body"]  # a Responses request's input as messages, its instructions as system blocks
    role = _role(finished.path, body, finished.headers, target)
    messages = body["messages"] if isinstance(body.get("messages"), list) else []
    request = RecordedRequest(
        method=finished.method, path=finished.path, query=parse_qs(finished.query), headers=_redacted(finished.headers, _proxy(target)),
        body=body if keep_content else {**body, "messages": [_skeleton(m) for m in messages]}, body_bytes=len(finished.body or b""),
    )
    normalized = normalize_request(request, _volatiles(finished.headers, _proxy(target)))
    facts = request_facts(normalized, role, {kind: {} for kind in CAPTURE_KINDS}, version)
    if keep_content:
        facts["history"][f"{role}: content"] = normalized["body"].get("messages") or []
    model = normalized["body"].get("model")
    events = _history_events(version, body, finished.headers, messages, keep_content, threads, target)
    seen = sessions.observe(normalized["body"], finished.headers)
    return _Observation(role, model if isinstance(model, str) else None, facts, seen, events)


def _history_events(version: str, body: dict[str, Any], headers: list[tuple[str, str]], messages: list[Any], keep_content: bool,
                    threads: Threads, target: Target) -> list[history.Event]:
    """Compare with the previous request of the same thread and CLI version (kept as digests, never words; a
    placeholder's text only with keep_content), and remember this one in its place."""
    thread = history.thread_key(body, headers, _proxy(target).session_header, target.subagent_header or None)
    if thread is None:
        return []
    key = f"{version}|{thread}"
    current = history.digest(messages, markers=keep_content)
    previous = threads.pop(key, None)
    threads[key] = current
    while len(threads) > _THREADS:
        threads.popitem(last=False)
    return history.compare(previous, current) if previous is not None else []


def _observe_catalogue(store: Store, finished: _Finished, version: str | None, target: Target) -> _Observation | str:
    """Which model catalogue answered a refresh (catalog.answered), compared with the one the release embeds
    when the store holds its static facts; or why it is not recorded. Only the answer is read: the request's
    credentials are not even looked at."""
    if version is None:
        return f"not recorded: no {target.display_name} version in the user-agent"
    if target.catalog is None or not finished.answer:
        return f"not recorded: the catalogue was empty or larger than {catalog.MAX_BYTES >> 20} MB"
    headers = dict(finished.answer_headers)
    body = httpx.Response(200, headers=finished.answer_headers, stream=httpx.ByteStream(finished.answer)).read()  # its Content-Encoding undone
    static = next((row for row in store.snapshots(target.name, source=STATIC) if row.version == version), None)
    try:
        facts = catalog.answered(body, headers.get("etag"), target.catalog, store.facts(static.id, kinds.STATIC) if static else None)
    except CatalogError as exc:
        return f"not recorded: not a model catalogue ({exc})"
    models = facts[f"{catalog.SEEN}: models"]
    note = f"{len(models) if isinstance(models, dict) else 0} models, {facts[f'{catalog.SEEN}: embedded']}"
    return _Observation(catalog.SEEN, None, {"capture": facts}, {}, [], note)


def _merge_and_save(store: Store, target: str, version: str, origin: str, observations: list[_Observation]) -> None:
    """Merge the observations into the version's snapshot, in one transaction."""

    def merge_all(facts: dict[str, dict[str, Any]]) -> None:
        for observation in observations:
            _merge(facts, observation)

    def tally_all(facts: dict[str, dict[str, Any]]) -> None:
        for observation in observations:
            sessions.tally(facts, observation.role, observation.seen, observation.events)

    published = store.releases(target).get(version)
    store.update_snapshot(target=target, version=version, platform=PLATFORM, source=SOURCE, origin=origin, extractor=CAPTURE_FORMAT,
                          published_at=published, change=merge_all)
    if not any(observation.seen for observation in observations):  # catalogue refreshes only: no request to count
        return
    store.update_snapshot(target=target, version=version, platform=PLATFORM, source=sessions.SOURCE, origin=origin,
                          extractor=CAPTURE_FORMAT, published_at=published, change=tally_all)


def _merge(facts: dict[str, dict[str, Any]], observation: _Observation) -> None:
    """The role's latest request replaces the role's facts (the latest catalogue those of the catalogue); its
    request count and models seen (every catalogue's digest) accumulate."""
    role, model, new = observation.role, observation.model, observation.facts
    prefix = f"{role}: "
    for kind in _ROLE_KINDS:
        kept = {k: v for k, v in facts.get(kind, {}).items() if not k.startswith(prefix)}
        facts[kind] = kept | new.get(kind, {})
    capture = facts.setdefault("capture", {})
    capture.update(new.get("capture", {}))
    capture[f"{role}: requests seen"] = int(capture.get(f"{role}: requests seen", 0)) + 1
    if role == catalog.SEEN:
        digest = f"{role}: digests seen"
        capture[digest] = sorted({*capture.get(digest, []), new["capture"][f"{role}: digest"]})
    else:
        capture[f"{role}: models seen"] = sorted({*capture.get(f"{role}: models seen", []), *([model] if model else [])})


def _version(headers: list[tuple[str, str]], target: Target) -> str | None:
    agent = next((v for k, v in headers if k == "user-agent"), "")
    match = re.search(target.user_agent_version, agent) if target.user_agent_version else None
    return match.group(1) if match else None


def api_path(path: str) -> str:
    """A request's path as the API documents it: an upstream whose base URL ends in its own folder (Codex signed in
    with ChatGPT: `…/backend-api/codex`, then `/responses`) is sent the path without the version folder."""
    return path if path.startswith("/v1/") else "/v1" + path


def _role(path: str, body: dict[str, Any], headers: list[tuple[str, str]], target: Target) -> str:
    if side := SIDE_PATHS.get(target.api, {}).get(api_path(path)):
        return side
    if target.subagent_header and any(k == target.subagent_header for k, _ in headers):
        return "subagent"
    return "main" if body.get("tools") else "auxiliary"


@cache
def _stored_header(proxy: Proxy) -> re.Pattern[str]:
    return re.compile(f"{_COMMON_HEADERS}|{proxy.headers}", re.I)


def _redacted(headers: list[tuple[str, str]], proxy: Proxy) -> list[tuple[str, str]]:
    """Headers as they may be stored, before anything else sees them: credential-like ones redacted
    (normalize knows only the usual names), any the CLI itself does not send by name only."""
    stored = _stored_header(proxy)
    return [(k, REDACTED if _CREDENTIAL_HEADER.search(k) else v if stored.fullmatch(k) else NOT_STORED) for k, v in headers]


def _volatiles(headers: list[tuple[str, str]], proxy: Proxy) -> Volatiles:
    """This request's own credentials (scrubbed from the body wherever they appear), the user's home
    folder and today's dates. The proxy has no fixed key or port of its own: api_key maps REDACTED to itself."""
    secrets = {
        part
        for name, value in headers if _CREDENTIAL_HEADER.search(name)
        for part in [value.strip(), *re.split(r"[\s;,=]+", value)] if len(part) >= _MIN_SECRET
    } | {value.strip() for name, value in headers if not _stored_header(proxy).fullmatch(name) and _MIN_UNKNOWN_SECRET <= len(value.strip())}
    base = Volatiles.for_run(paths={"home": str(Path.home())}, port=0, api_key=REDACTED)
    return Volatiles(base.literals | dict.fromkeys(secrets, REDACTED))


def _skeleton(message: Any) -> dict[str, Any]:
    """A message without its words: role, block types and the markers facts._shape reports (signed, cached)."""
    if not isinstance(message, dict):
        return {}
    content = message.get("content")
    if isinstance(content, str):
        content = ""
    elif isinstance(content, list):
        content = [
            {k: REDACTED if k in ("signature", "data") and v else v for k, v in block.items() if k in _SHAPE_KEYS}
            if isinstance(block, dict) else {}
            for block in content
        ]
    return {"role": message.get("role"), "content": content}


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


# -- running ------------------------------------------------------------------------------------------


def make_app(store: Store, target: str = targets.DEFAULT, upstream: str | None = None, keep_content: bool = False,
             on_request: Callable[[ProxyEvent], None] | None = None) -> ProxyApp:
    """The proxy as an ASGI app (starts its recorder process; close it when done). `upstream`: the target's API by default."""
    return ProxyApp(store, target, upstream, keep_content, on_request)


def listen(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> socket.socket:
    """A listening socket, or a one-line ProxyError (port in use, address not on this machine)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        # proto must say TCP: asyncio sets TCP_NODELAY only on sockets that do (socket.create_server's say 0),
        # and without it Nagle's algorithm holds every small SSE event ~40 ms on a kept-alive connection.
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ProxyError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
        return sock
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ProxyError(f"port {port} on {host} is in use; choose another with --port") from None
        raise ProxyError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def exposure(host: str, upstream: str) -> str | None:
    """None when `host` is a loopback address (or a name for one); else, in one line, what listening
    there exposes."""
    try:
        addresses = {str(info[4][0]).split("%")[0] for info in socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)}
    except OSError:  # a name: what it resolves to
        try:
            addresses = {str(info[4][0]).split("%")[0] for info in socket.getaddrinfo(host, None)}
        except OSError:
            addresses = set()  # listen() says what is wrong with it
    if addresses and all(ipaddress.ip_address(a).is_loopback for a in addresses):
        return None
    return (f"listening on {host} exposes this proxy to every machine that can reach it: it has no authentication, "
            f"relays whatever they send to {upstream} and records it into your store")


def _config(app: Any) -> uvicorn.Config:
    # No server/date headers of our own: the client gets the upstream's headers unchanged.
    return uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", ws="none",
        server_header=False, date_header=False, timeout_graceful_shutdown=_GRACE,
    )


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def upstream_of(target: str) -> str:
    """The real API `audit proxy` forwards a target's requests to, unless told otherwise."""
    return _proxy(targets.get(target)).upstream


def setup(target: str, url: str) -> str:
    """How a user points the CLI at the proxy listening on `url`."""
    return _proxy(targets.get(target)).setup.replace("{url}", url)


def serve(store: Store, target: str = targets.DEFAULT, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          upstream: str | None = None, keep_content: bool = False,
          on_request: Callable[[ProxyEvent], None] | None = None, on_ready: Callable[[str], None] | None = None,
          allow_remote: bool = False) -> None:
    """Run the proxy until Ctrl-C; then let open streams finish (up to a few seconds), record everything
    finished, and return. `on_ready(url)` is called once the port is bound; `on_request(event)` after
    each request was recorded (from a background thread). A host other than loopback only with
    `allow_remote` (see `exposure`)."""
    upstream = upstream or upstream_of(target)
    exposed = exposure(host, upstream)
    if exposed and not allow_remote:
        raise ProxyError(f"{exposed}; pass --allow-remote to listen there anyway")
    sock = listen(host, port)
    with sock:
        upstream_url = httpx.URL(_check_upstream(upstream, upstream_of(target)))
        if upstream_url.host in ("127.0.0.1", "localhost", "::1", host) and upstream_url.port == sock.getsockname()[1]:
            raise ProxyError(f"--upstream {upstream} is this proxy itself")
        with make_app(store, target, upstream, keep_content, on_request) as app:
            if on_ready is not None:
                on_ready(_url(sock))
            with suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it already handled by shutting down
                uvicorn.Server(_config(app)).run(sockets=[sock])


@contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve an ASGI app (the proxy, or a fake upstream) in a background thread, as `serve` would; yields its base URL.

    For tests and for embedding: no Ctrl-C handling, the caller stops it by leaving the block."""
    sock = listen(host, port)
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="auditor-proxy-server", daemon=True)
    thread.start()
    url, deadline = _url(sock), time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise ProxyError(f"the server on {url} did not start")
        time.sleep(0.005)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=_GRACE + 5)
