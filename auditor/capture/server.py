"""A loopback fake of a vendor's conversation API that records every request the CLI makes.

The API it speaks is a `Dialect`: Anthropic's Messages API (`MESSAGES`, here) by default, another
vendor's from its own module (gemini_api.py, responses.py, chat_completions.py) when the target says so (`Target.api`, `dialect()`).

The same server doubles as the CLI's HTTP(S) proxy: anything the CLI tries to send off the machine
arrives here as a CONNECT or absolute-URI request, is recorded as egress and refused, so nothing
leaves loopback and the attempt still shows up in the capture. Requests for an intercepted API host
are answered here, whether tunnelled (CONNECT) or sent as absolute URIs (some releases' profile call).
"""

from __future__ import annotations

import importlib
import json
import re
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from ..errors import CaptureError

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
TOOL_SEARCH = "ToolSearch"
CALL_ID, SEARCH_ID = "toolu_auditor_", "toolu_auditor_search_"
COMPACTION_PROMPT = "create a detailed summary"
SUMMARY = "<analysis>The user asked for files to be read.</analysis>\n<summary>The user asked for files to be read; they were read.</summary>"
_RESULT_ID = re.compile(r'"tool_use_id":\s*"(toolu_auditor_\d+(?:_\d+)?)"')
# A listing line under an `each` heading: "- name: what it does".
_LISTED = re.compile(r"- ([\w.:-]+): ")
MAX_EACH = 32  # calls one fan-out turn makes at most: the listing is the release's, so it is bounded here
# A Messages answer waits for the program's calls under way (FakeAPI docstring): this long without a new
# connection, and at most SETTLE_MAX in all.
SETTLE_QUIET, SETTLE_MAX = 0.02, 0.5


@dataclass(frozen=True)
class Turn:
    """What the fake API answers on one turn of the conversation.

    A thinking block is sent only when the request enabled thinking, and a tool call only when the
    request offered that tool, so side requests (titles, summaries) always get a plain text answer.
    """

    text: str = "Done."
    thinking: str | None = None
    tool: str | None = None
    tool_input: dict[str, Any] = field(default_factory=dict)
    also: tuple[str, ...] = ()  # the tool's names in other releases (Task before it became Agent)
    each: tuple[str, ...] = ()  # headings of a listing in the request: call the tool once per name listed ({name})


def substitute(value: Any, values: Mapping[str, str]) -> Any:
    """`value` (a tool input) with every `{key}` in its strings replaced by `values[key]`."""
    if isinstance(value, str):
        for key, text in values.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, dict):
        return {k: substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    return value


def _texts(body: dict[str, Any]) -> Iterable[str]:
    """What a request tells the model in words: its tools' descriptions and its messages' texts."""
    for tool in body.get("tools") or []:
        if isinstance(tool, dict) and isinstance(tool.get("description"), str):
            yield tool["description"]
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            yield content
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                yield block["text"]


def listed(body: dict[str, Any], headings: Iterable[str]) -> list[str]:
    """The names a request lists under any of `headings` (the "- name: …" lines right after a line holding the
    heading), in order, without repeats: the agent types or skills a release offers, read from what it sent
    rather than from a list kept here."""
    names: list[str] = []
    for text in _texts(body):
        for heading in headings:
            at = text.find(heading)
            while at != -1:
                lines = text[at:].split("\n")[1:]
                for line in lines[1:] if lines and not lines[0].strip() else lines:
                    match = _LISTED.match(line)
                    if match is None:
                        break
                    if match[1] not in names:
                        names.append(match[1])
                at = text.find(heading, at + len(heading))
    return names[:MAX_EACH]


@dataclass
class RecordedRequest:
    """One HTTP request as the CLI sent it; `reply` says what the fake answered (for waiting on turns)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: list[tuple[str, str]]
    body: Any
    body_bytes: int
    reply: str = ""
    lost: int = 0  # scripted tool calls answered earlier that this request's history no longer holds (compaction)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


@dataclass(frozen=True)
class Egress:
    """An attempt to reach a non-loopback address: through the proxy (CONNECT, an absolute URI), or seen by
    the seal (DNS, TCP, UDP, SSH)."""

    method: str
    target: str


@dataclass(frozen=True)
class Reply:
    """What the fake answers one conversation request: `label` (auditor's own, "end_turn" when the answer ends
    the turn, "tool_use" when it calls a tool) and a JSON body, or SSE `events` when the request asked to stream."""

    label: str
    body: dict[str, Any]
    events: list[bytes] | None = None


class Dialect(Protocol):
    """A vendor's conversation API as the fake serves it and as its requests become facts."""

    name: str  # as errors name it: "Messages API"

    def is_call(self, method: str, path: str) -> bool:
        """Whether a request is one of the conversation's (what `FakeAPI.messages()` returns)."""

    def turn(self, body: Any) -> int:
        """Which turn of the conversation a request is (the model's answers its history already holds)."""

    def rank(self, body: Any) -> int:
        """Where a request comes among those of its turn, before their content decides (lower first)."""

    def reply(self, record: RecordedRequest, script: list[Turn], answered: set[str], tokens: int) -> Reply:
        """The answer to one conversation request, following the script."""

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        """A normalized request (normalize.normalize_request) shaped as facts.py reads it: `body` with `model`,
        `system` blocks, `tools` named by `name`, `messages` of typed blocks, and its parameters."""


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def turn_index(body: Any) -> int:
    """Which turn of the conversation a /v1/messages body is: the number of assistant messages it already holds,
    not counting the fake's own tool-search detours.

    Counting history instead of requests keeps the script right when side requests interleave.
    """
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return 0
    return sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant" and not _is_detour(m))


def _is_detour(message: dict[str, Any]) -> bool:
    content = message.get("content")
    calls = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_use"] if isinstance(content, list) else []
    return bool(calls) and all(str(b.get("id", "")).startswith(SEARCH_ID) for b in calls)


def _search_detour(turn: Turn, offered: set[Any], index: int, messages: list[Any]) -> dict[str, Any] | None:
    """Releases that defer every tool behind ToolSearch (2.1.69–2.1.83) offer only it: a scripted call to a tool
    not offered yet is preceded by loading it, as the model would (`select:<name>`) — once: a tool still not
    offered after it was searched for is not there to call."""
    if not turn.tool or {turn.tool, *turn.also} & offered or TOOL_SEARCH not in offered:
        return None
    answered = next((m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "assistant"), None)
    if answered is not None and _is_detour(answered):
        return None
    return {"type": "tool_use", "id": f"{SEARCH_ID}{index:04d}", "name": TOOL_SEARCH, "input": {"query": f"select:{turn.tool}"}}


def asks_for_summary(body: dict[str, Any]) -> bool:
    """A compaction request: the client's own summary prompt closes the history (its last user message:
    some releases add a system message after it)."""
    messages = body.get("messages")
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"] if isinstance(messages, list) else []
    return bool(users) and COMPACTION_PROMPT in json.dumps(users[-1].get("content", ""))


def _replayed(body: dict[str, Any], index: int, answered: set[str]) -> bool:
    """The history lost a scripted call the client already answered (it was compacted or cut): the script
    does not start over, or a compacting client would loop."""
    call = f"{CALL_ID}{index:04d}"
    return any(a.startswith(call) for a in answered) and call not in json.dumps(body.get("messages", []))


def _taken(tool_input: dict[str, Any], tool: dict[str, Any]) -> dict[str, Any]:
    """The scripted input without the fields the offered tool's schema does not take (`run_in_background`
    for a release whose Agent tool has no such field): the call stays valid in every release."""
    schema = tool.get("input_schema")
    if not isinstance(schema, dict) or not isinstance(fields := schema.get("properties"), dict) or schema.get("additionalProperties") is not False:
        return tool_input
    return {k: v for k, v in tool_input.items() if k in fields}


def reply_blocks(body: Any, turns: list[Turn], answered: set[str] | None = None) -> list[dict[str, Any]]:
    """The content blocks answering one /v1/messages request, following the script. `answered` holds the
    scripted tool calls whose results the client has sent back so far."""
    index = turn_index(body)
    turn = turns[index] if index < len(turns) else Turn()
    body = body if isinstance(body, dict) else {}
    if asks_for_summary(body):
        return [{"type": "text", "text": SUMMARY}]
    if _replayed(body, index, answered or set()):
        turn = Turn()
    offered = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    detour = _search_detour(turn, offered, index, body.get("messages") or [])
    if detour is not None:
        return [detour]
    blocks: list[dict[str, Any]] = []
    thinking = body.get("thinking")
    if turn.thinking and isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        blocks.append({"type": "thinking", "thinking": turn.thinking, "signature": f"auditor-signature-{index}"})
    tool = next((name for name in (turn.tool, *turn.also) if name and name in offered), None)
    names = listed(body, turn.each) if tool and turn.each else []
    tool_input = _taken(turn.tool_input, next((t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name") == tool), {}))
    if tool and (names or not turn.each):
        if turn.text:
            blocks.append({"type": "text", "text": turn.text})
        if turn.each:  # one call per name, all in this message, as a model fanning out work does
            blocks += [{"type": "tool_use", "id": f"{CALL_ID}{index:04d}_{k:02d}", "name": tool, "input": substitute(tool_input, {"name": name})}
                       for k, name in enumerate(names)]
        else:
            blocks.append({"type": "tool_use", "id": f"{CALL_ID}{index:04d}", "name": tool, "input": tool_input})
    else:
        blocks.append({"type": "text", "text": turn.text or "Done."})
    return blocks


def _message(body: Any, blocks: list[dict[str, Any]], input_tokens: int = 12) -> dict[str, Any]:
    model = body.get("model") if isinstance(body, dict) else None
    # A detour gets its own id: the CLI merges consecutive assistant entries of one message id when it reloads a transcript.
    search = "search_" if _is_detour({"content": blocks}) else ""
    return {
        "id": f"msg_auditor_{search}{turn_index(body):04d}",
        "type": "message",
        "role": "assistant",
        "model": model or "claude-fake",
        "content": blocks,
        "stop_reason": "tool_use" if blocks[-1]["type"] == "tool_use" else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 8, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
    }


def sse_events(message: dict[str, Any]) -> list[bytes]:
    """A minimal but complete Messages SSE stream for a finished message."""
    start = {**message, "content": [], "stop_reason": None, "usage": {**message["usage"], "output_tokens": 1}}
    events = [_sse("message_start", {"type": "message_start", "message": start})]
    for i, block in enumerate(message["content"]):
        if block["type"] == "thinking":
            empty: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": block["thinking"]},
                      {"type": "signature_delta", "signature": block["signature"]}]
        elif block["type"] == "tool_use":
            empty = {**block, "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": json.dumps(block["input"])}]
        else:
            empty = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": block["text"]}]
        events.append(_sse("content_block_start", {"type": "content_block_start", "index": i, "content_block": empty}))
        events += [_sse("content_block_delta", {"type": "content_block_delta", "index": i, "delta": d}) for d in deltas]
        events.append(_sse("content_block_stop", {"type": "content_block_stop", "index": i}))
    events.append(_sse("message_delta", {
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": message["usage"],  # the whole usage, as the API sends it now: clients read input tokens here too
    }))
    events.append(_sse("message_stop", {"type": "message_stop"}))
    return events


class Messages:
    """Anthropic's Messages API (POST /v1/messages), whose requests already have the shape facts.py reads."""

    name = "Messages API"

    def is_call(self, method: str, path: str) -> bool:
        return method == "POST" and path == MESSAGES_PATH

    def turn(self, body: Any) -> int:
        return turn_index(body)

    def rank(self, body: Any) -> int:
        return 0  # content alone orders a turn's requests (as stored captures were ordered)

    def reply(self, record: RecordedRequest, script: list[Turn], answered: set[str], tokens: int) -> Reply:
        message = _message(record.body, reply_blocks(record.body, script, answered), tokens)
        stream = isinstance(record.body, dict) and bool(record.body.get("stream"))
        return Reply(str(message["stop_reason"]), message, sse_events(message) if stream else None)

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        return row


MESSAGES = Messages()
DIALECTS = {"messages": ("server", "MESSAGES"), "gemini": ("gemini_api", "GEMINI"), "responses": ("responses", "RESPONSES"),
             "chat": ("chat_completions", "CHAT")}
"""`Target.api` → the module of this package serving it, and its dialect's name there."""


def dialect(api: str) -> Dialect:
    """The dialect a target's API is spoken in (its module imported only when asked for)."""
    if api not in DIALECTS:
        raise CaptureError(f"no fake of the {api!r} API; known: {', '.join(sorted(DIALECTS))}")
    module, name = DIALECTS[api]
    found: Dialect = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    return found


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; everything is recorded instead."""

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send_json(self, status: int, data: Any, extra: dict[str, str] | None = None) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("request-id", "req_auditor")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":  # a body after a HEAD answer would corrupt the kept-alive connection
            self.wfile.write(payload)

    def setup(self) -> None:
        """Count the connection as under way until its first request; a tunnel's TLS inside holds the count
        its CONNECT took (`_intercept`)."""
        super().setup()
        self._first = True
        if not isinstance(self.connection, ssl.SSLSocket):
            self.server.opened()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._first:  # closed without a request
                self.server.delivered()

    def _handle(self) -> None:
        if self._first:
            self._first = False
            self.server.delivered()
        raw = self._read_body()
        url = urlsplit(self.path)
        if self.command == "CONNECT" and self.server.tls is not None and self.path.partition(":")[0] in self.server.intercept:
            self._intercept()
            return
        if self.command == "CONNECT" and self.path in self.server.own_addresses():
            self._tunnel()
            return
        if self.command == "CONNECT" or (url.scheme and url.hostname not in self.server.own_hosts | self.server.intercept):
            self.server.add_egress(Egress(self.command, self.path if self.command == "CONNECT" else url.netloc))
            self.close_connection = True
            self._send_json(403, {"error": "auditor sandbox: no traffic leaves this machine"}, {"Connection": "close"})
            return
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers=[(k.lower(), v) for k, v in self.headers.items()],
            body=body,
            body_bytes=len(raw),
        )
        self.server.add_request(record)
        try:
            self._answer(record)
        finally:
            self.server.touch()

    def _intercept(self) -> None:
        """Answer a CONNECT to an intercepted API host by terminating TLS here and serving the fake API inside."""
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        assert self.server.tls is not None
        self.server.opened()  # the request inside is under way through the handshake
        try:
            inner = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.server.delivered()
            return  # the client refused our certificate; it will report that itself
        _Handler(inner, self.client_address, self.server)

    def _tunnel(self) -> None:
        """Serve a CONNECT to this very server in the tunnel, in plain HTTP: a client whose proxy agent ignores
        NO_PROXY (Gemini CLI before 0.39) tunnels even its calls to the loopback base URL through the proxy."""
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        _Handler(self.connection, self.client_address, self.server)

    def _answer(self, record: RecordedRequest) -> None:
        """Reply, setting `record.reply` first so whoever sees the response also sees what it was."""
        if self.server.dialect.is_call(record.method, record.path):
            self.server.settle()
            delegated = self.server.subagent is not None and self.server.subagent(record)
            # A subagent answers its task in text: scripted tool calls are the main loop's (or a subagent offered
            # the agent tool would spawn another, and that one another).
            # With estimate_usage the reported size grows with the history, as a real one does (~4 bytes a token),
            # so the client's own context accounting (auto-compaction) can be reached.
            tokens = record.body_bytes // 4 if self.server.estimate_usage else 12
            script = [] if delegated else self.server.turns
            reply = self.server.dialect.reply(record, script, self.server.answered(record), tokens)
            record.reply = reply.label
            if reply.events is not None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("request-id", "req_auditor")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                for event in reply.events:
                    self.wfile.write(event)
                self.wfile.flush()
            else:
                self._send_json(200, reply.body)
        elif record.method == "POST" and record.path == COUNT_TOKENS_PATH:
            record.reply = "count_tokens"
            self._send_json(200, {"input_tokens": 42})
        elif record.method == "GET" and record.path in self.server.answers:
            record.reply = "200"
            self._send_json(200, self.server.answers[record.path])
        else:
            record.reply = "404"
            self._send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": f"auditor fake API: no {record.path}"}})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_CONNECT = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default (5) drops connections when the CLI opens several at once.
    request_queue_size = 64

    def __init__(self, turns: list[Turn], intercept: frozenset[str], tls: ssl.SSLContext | None, answers: Mapping[str, Any],
                 subagent: Callable[[RecordedRequest], bool] | None, dialect: Dialect) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.turns = turns
        self.dialect = dialect
        self.answers = answers
        self.subagent = subagent
        self.estimate_usage = False
        self.results: set[str] = set()
        self.intercept = intercept
        self.tls = tls
        self.own_hosts = {"127.0.0.1", "localhost"}
        self.requests: list[RecordedRequest] = []
        self.egress: list[Egress] = []
        self.lock = threading.Lock()
        self.last_activity = time.monotonic()
        self.undelivered = 0  # connections open that have not sent their first request yet
        self.last_opened = 0.0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up while being answered (it gave up on a request, or exited) is its own
        business, not the fake's error: no traceback on the user's terminal. Anything else is a bug: shown."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def own_addresses(self) -> set[str]:
        """`host:port` of this server, as a CONNECT names it."""
        return {f"{host}:{self.server_address[1]}" for host in self.own_hosts}

    def opened(self) -> None:
        with self.lock:
            self.undelivered += 1
            self.last_opened = time.monotonic()

    def delivered(self) -> None:
        with self.lock:
            self.undelivered -= 1

    def settle(self) -> None:
        """Wait until no connection is open without its first request and none opened for SETTLE_QUIET
        (at most SETTLE_MAX)."""
        deadline = time.monotonic() + SETTLE_MAX
        while time.monotonic() < deadline:
            with self.lock:
                if self.undelivered <= 0 and time.monotonic() - self.last_opened >= SETTLE_QUIET:
                    return
            time.sleep(0.005)

    def add_request(self, record: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(record)
            self.last_activity = time.monotonic()

    def add_egress(self, egress: Egress) -> None:
        with self.lock:
            self.egress.append(egress)
            self.last_activity = time.monotonic()

    def answered(self, record: RecordedRequest) -> set[str]:
        """Note the scripted calls this request answers, and how many answered before it a request offering
        tools lost (`record.lost`); returns all answered so far."""
        found = set(_RESULT_ID.findall(json.dumps(record.body)))
        with self.lock:
            if isinstance(record.body, dict) and record.body.get("tools"):
                record.lost = len(self.results - found)
            self.results |= found
            return set(self.results)

    def touch(self) -> None:
        """Note activity (a reply finished), for FakeAPI.idle_for."""
        with self.lock:
            self.last_activity = time.monotonic()


class FakeAPI:
    """Context manager running the fake API on 127.0.0.1 with an OS-chosen port.

    `requests` lists every request in arrival order; `egress` every refused off-machine attempt.
    Startup calls settle: a program makes some calls (its profile, settings) beside its first Messages
    request and exits once that is answered, so whether they were sent would be a race. A Messages answer
    therefore waits until every connection opened so far has sent its request and none opened for a moment
    (SETTLE_QUIET; SETTLE_MAX at most, for a connection opened and left idle): two captures of one release
    record the same calls.
    """

    def __init__(self, turns: list[Turn] | None = None, intercept: Iterable[str] = (), certificate: tuple[str, str] | None = None,
                 answers: Mapping[str, Any] | None = None, subagent: Callable[[RecordedRequest], bool] | None = None,
                 dialect: Dialect = MESSAGES) -> None:
        """`dialect` is the API it speaks (the Messages API unless told). `intercept` names hosts whose HTTPS traffic through the proxy is answered here (TLS terminated with
        `certificate`, a (cert file, key file) pair the client trusts) instead of being refused as egress.
        `answers` maps paths to the JSON a GET of them gets (an OAuth profile); other paths get a 404.
        `subagent` tells a subagent's requests: they get text, never the script's tool calls."""
        tls = None
        if certificate is not None:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(*certificate)
        self._server = _Server(list(turns or []), frozenset(intercept), tls, dict(answers or {}), subagent, dialect)
        self.dialect = dialect
        # Polled every 5 ms for shutdown: a capture waits that long, not 50 ms, for its server to stop.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.005,), name="auditor-fake-api", daemon=True)

    def __enter__(self) -> FakeAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def set_turns(self, turns: list[Turn], estimate_usage: bool = False) -> None:
        """Replace the reply script (the script may name sandbox paths only known after the server is up);
        `estimate_usage` reports input tokens as the request's bytes / 4 instead of a fixed small count."""
        self._server.turns = list(turns)
        self._server.estimate_usage = estimate_usage

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._server.lock:
            return list(self._server.requests)

    @property
    def egress(self) -> list[Egress]:
        with self._server.lock:
            return list(self._server.egress)

    def serve(self, conn: socket.socket) -> None:
        """Serve a connection accepted elsewhere (a sealed run's own loopback, seal.py) as if it came here."""
        self._server.process_request(conn, ("127.0.0.1", 0))

    def record_egress(self, method: str, target: str) -> None:
        """Record an attempt to leave the machine seen outside the proxy (a name looked up, a connection, ssh)."""
        self._server.add_egress(Egress(method, target))

    def messages(self) -> list[RecordedRequest]:
        """The recorded requests of the conversation (POST /v1/messages, or the dialect's), in arrival order."""
        return [r for r in self.requests if self.dialect.is_call(r.method, r.path)]

    def idle_for(self) -> float:
        """Seconds since the last request arrived or was answered."""
        with self._server.lock:
            return time.monotonic() - self._server.last_activity
