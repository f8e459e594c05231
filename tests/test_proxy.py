"""The recording proxy: streams pass through unchanged and unbuffered, Messages requests are recorded per
CLI version without secrets or message content, and failures stay one clear line. Loopback only."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from auditor.capture import FakeAPI
from auditor.capture.proxy import ProxyEvent, listen, make_app, running
from auditor.cli import cli
from auditor.errors import ProxyError
from auditor.store import Store

from builders import request_body

UA = {"user-agent": "claude-cli/2.1.117 (external, cli)"}
OAUTH = "sk-ant-oat01-" + "Qw3rTy" * 12
GATEWAY_KEY = "gwkey-" + "Zq9x" * 6  # no known shape: only the literal scrub can catch it in a body
COOKIE_VALUE = "cookievalue-7f3a9c1e55"
TOOLS = [
    {"name": "Read", "description": "Read a file.", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}},
    {"name": "Bash", "description": "Run a command.", "input_schema": {"type": "object"}},
]


def main_body(**changes: Any) -> dict[str, Any]:
    """A main-loop request shaped like Claude Code's, with private words and a stray secret in it."""
    return {
        "model": "claude-opus-4-1",
        "max_tokens": 32000,
        "stream": True,
        "thinking": {"type": "enabled", "budget_tokens": 31999},
        "metadata": {"user_id": "user_abc_account__session_6f1c2b7e-1111-4a2b-9c3d-123456789abc"},
        "system": [
            {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.117.a1b; cc_entrypoint=cli;"},
            {"type": "text", "text": f"You are Claude Code. Working directory: {Path.home()}/project", "cache_control": {"type": "ephemeral"}},
        ],
        "tools": TOOLS,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": f"PRIVATE-USER-WORDS my key is {GATEWAY_KEY}"}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "PRIVATE-THOUGHTS", "signature": "sig-PRIVATE"},
                {"type": "text", "text": "PRIVATE-ASSISTANT-WORDS"},
                {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"file_path": "/PRIVATE/path"}},
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "PRIVATE-FILE-TEXT"}]},
        ],
        **changes,
    }


SECRET_HEADERS = {**UA, "authorization": f"Bearer {OAUTH}", "x-api-key": GATEWAY_KEY, "cookie": f"sid={COOKIE_VALUE}"}


# -- a fake upstream that streams in timed chunks ----------------------------------------------------


def chunks(body: dict[str, Any]) -> list[bytes]:
    """The SSE events the fake upstream sends for a request: deterministic per nonce, of varying size."""
    nonce = body.get("nonce", 0)
    return [
        f"event: content_block_delta\ndata: {json.dumps({'nonce': nonce, 'i': i, 'text': 'x' * (40 + (nonce * 37 + i * 11) % 900)})}\n\n".encode()
        for i in range(body.get("chunks", 4))
    ]


class Upstream:
    """ASGI app streaming `chunks(body)`, `delay` seconds apart; notes when a client left mid-stream.
    With `body["hold"]`, it sends the first chunk and then waits until the client says it has it
    (`received_first`), so a proxy that buffers the stream is caught without measuring any time."""

    def __init__(self) -> None:
        self.left_early = threading.Event()
        self.received_first = threading.Event()
        self.held_until_received = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = await request_body(receive)
        body = json.loads(raw or b"{}")
        if body.get("gzip"):
            payload = gzip.compress(b"".join(chunks(body)))
            headers = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip"), (b"content-length", str(len(payload)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream"), (b"x-upstream", b"fake"), (b"request-id", b"req_1")]})
        finished = False

        async def watch() -> None:
            await receive()
            if not finished:
                self.left_early.set()

        watcher = asyncio.ensure_future(watch())
        for i, chunk in enumerate(chunks(body)):
            if self.left_early.is_set():
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if i == 0 and body.get("hold"):
                self.held_until_received = await asyncio.to_thread(self.received_first.wait, 10)
            await asyncio.sleep(body.get("delay", 0))
        finished = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        watcher.cancel()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored(store: Store, version: str = "2.1.117") -> dict[str, dict[str, Any]]:
    snapshot = store.find("claude-code", version, "proxy", "proxy")
    assert snapshot is not None, f"no proxy snapshot for {version}"
    return store.facts(snapshot.id)


def database_bytes(path: Path) -> bytes:
    """The database and its WAL/shared-memory files, as written on disk."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "auditor.db")


# -- forwarding ---------------------------------------------------------------------------------------


def test_stream_passes_through_unchanged_and_unbuffered(store):
    upstream = Upstream()
    body = {"nonce": 7, "chunks": 5, "hold": True}
    with running(upstream) as upstream_url, make_app(store, upstream=upstream_url) as app, running(app) as url:
        direct = httpx.post(upstream_url + "/v1/other", json={"nonce": 7, "chunks": 5})
        with httpx.Client(timeout=30) as client, client.stream("POST", url + "/v1/other?x=1", json=body) as response:
            received = []
            for chunk in response.iter_raw():
                received.append(chunk)
                upstream.received_first.set()
            headers = response.headers
    assert b"".join(received) == b"".join(chunks(body)) == direct.content
    assert [(k, v) for k, v in headers.multi_items() if k != "transfer-encoding"] == \
        [(k, v) for k, v in direct.headers.multi_items() if k != "transfer-encoding"]
    assert headers["x-upstream"] == "fake" and "server" not in headers  # the proxy adds no headers of its own
    assert upstream.held_until_received  # the first event reached the client while the upstream was still sending


def test_compressed_bodies_pass_through_still_compressed(store):
    with running(Upstream()) as upstream_url, make_app(store, upstream=upstream_url) as app, running(app) as url:
        with httpx.Client(timeout=10) as client, client.stream("POST", url + "/v1/other", json={"gzip": True, "nonce": 3}) as response:
            raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip" and int(response.headers["content-length"]) == len(raw)
    assert gzip.decompress(raw) == b"".join(chunks({"nonce": 3}))


def test_accepted_connections_have_nagle_off():
    """Without TCP_NODELAY, Nagle's algorithm holds each small SSE event ~40 ms on a kept-alive connection;
    asyncio (under uvicorn) sets it only on sockets made with proto TCP, which `listen` does. The time it
    saves is measured in benchmarks/bench_proxy.py."""
    sock = listen("127.0.0.1", 0)

    async def nodelay_of_accepted() -> int:
        accepted: asyncio.Future = asyncio.get_running_loop().create_future()
        server = await asyncio.start_server(
            lambda reader, writer: accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)),
            sock=sock,
        )
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            value = await asyncio.wait_for(accepted, 10)
            writer.close()
            return value

    assert asyncio.run(nodelay_of_accepted()) != 0


def test_client_hanging_up_mid_request_is_survived(store):
    events: list[ProxyEvent] = []
    with running(Upstream()) as upstream_url, make_app(store, upstream=upstream_url, on_request=events.append) as app, running(app) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(b"POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\nuser-agent: claude-cli/2.1.117\r\n\r\n{\"model\"")
            time.sleep(0.2)
        assert httpx.post(url + "/v1/messages", json={"chunks": 1}, headers=UA, timeout=10).status_code == 200
        app.flush()
    assert [(e.status, e.note, e.recorded) for e in events] == [(0, "client hung up", False), (200, "", True)]


def test_client_hanging_up_stops_the_upstream_stream(store):
    """Interrupting the CLI must end the upstream request too, or the model keeps generating (and billing)."""
    upstream = Upstream()
    with running(upstream) as upstream_url, make_app(store, upstream=upstream_url) as app, running(app) as url:
        with httpx.Client(timeout=10) as client:
            with client.stream("POST", url + "/v1/messages", json={"chunks": 100, "delay": 0.05}, headers=UA) as response:
                next(response.iter_raw())
        assert upstream.left_early.wait(2.0)
        app.flush()


def test_upstream_down_gives_502_json_and_the_proxy_keeps_serving(store):
    port = free_port()
    events: list[ProxyEvent] = []
    with make_app(store, upstream=f"http://127.0.0.1:{port}", on_request=events.append) as app, running(app) as url:
        response = httpx.post(url + "/v1/messages", json=main_body(), headers=UA, timeout=10)
        assert response.status_code == 502
        error = response.json()
        assert error["type"] == "error" and f"cannot reach http://127.0.0.1:{port}" in error["error"]["message"]
        with running(Upstream(), port=port):
            again = httpx.post(url + "/v1/messages", json={"chunks": 2}, headers=UA, timeout=10)
        assert again.status_code == 200 and again.content == b"".join(chunks({"chunks": 2}))
        app.flush()
    assert [e.status for e in events] == [502, 200]
    assert events[0].note.startswith("upstream unreachable: ConnectError") and events[0].recorded  # the CLI still sent it


# -- recording ----------------------------------------------------------------------------------------


def test_records_request_facts_without_secrets_or_content(store):
    events: list[ProxyEvent] = []
    with FakeAPI() as api, make_app(store, upstream=api.url, on_request=events.append) as app, running(app) as url:
        response = httpx.post(url + "/v1/messages?beta=true", json=main_body(), headers=SECRET_HEADERS, timeout=10)
        assert response.status_code == 200 and response.headers["content-type"] == "text/event-stream"
        assert b"message_stop" in response.content
        sent = api.messages()[0]
        assert sent.header("authorization") == f"Bearer {OAUTH}" and sent.header("x-api-key") == GATEWAY_KEY  # forwarded as is
        assert sent.query == {"beta": ["true"]} and sent.body == main_body()
        app.flush()
    facts = stored(store)
    params = facts["request_param"]
    assert params["main: model"] == "claude-opus-4-1" and params["main: max_tokens"] == 32000
    assert params["main: thinking"] == {"type": "enabled", "budget_tokens": 31999}
    assert params["main: metadata keys"] == ["user_id"]
    assert facts["system_block"]["main: block 1"] == "You are Claude Code. Working directory: <home>/project"
    assert facts["system_block"]["main: block 0"] == "x-anthropic-billing-header: cc_version={VERSION}.<hash>; cc_entrypoint=cli;"
    assert set(facts["tool_schema"]) == {"main: Read", "main: Bash"}
    assert facts["history"]["main: messages"] == ["user: text", "assistant: thinking(signed), text, tool_use", "user: tool_result"]
    assert facts["header"]["main: user-agent"] == "claude-cli/{VERSION} (external, cli)"
    assert facts["capture"] == {"main: requests seen": 1, "main: models seen": ["claude-opus-4-1"]}
    on_disk = database_bytes(store.path)
    for secret in (b"sk-ant", OAUTH.encode(), GATEWAY_KEY.encode(), COOKIE_VALUE.encode(), b"Bearer sk", b"PRIVATE"):
        assert secret not in on_disk, secret
    assert [str(e) for e in events] == ["POST /v1/messages 200 " + f"{events[0].seconds:.2f}s · v2.1.117 · main · claude-opus-4-1 · recorded"]


def test_keep_content_keeps_messages_but_still_no_secrets(store):
    with FakeAPI() as api, make_app(store, upstream=api.url, keep_content=True) as app, running(app) as url:
        httpx.post(url + "/v1/messages", json=main_body(), headers=SECRET_HEADERS, timeout=10)
        app.flush()
    content = stored(store)["history"]["main: content"]
    assert content[0]["content"][0]["text"] == "PRIVATE-USER-WORDS my key is <redacted>"
    assert content[1]["content"][1]["text"] == "PRIVATE-ASSISTANT-WORDS"
    on_disk = database_bytes(store.path)
    assert b"PRIVATE-FILE-TEXT" in on_disk
    for secret in (b"sk-ant", GATEWAY_KEY.encode(), COOKIE_VALUE.encode()):
        assert secret not in on_disk, secret


def test_roles_merge_latest_wins_and_counts_add_up(store):
    """A session's main, side and subagent requests all appear; each role holds its latest request whole."""
    events: list[ProxyEvent] = []
    side = {"model": "claude-haiku-4-5", "max_tokens": 512, "system": [{"type": "text", "text": "Write a title."}],
            "messages": [{"role": "user", "content": "PRIVATE"}]}
    other_version = {"user-agent": "claude-cli/2.1.118 (external, cli)"}
    with FakeAPI() as api, make_app(store, upstream=api.url, on_request=events.append) as app, running(app) as url:
        with httpx.Client(timeout=10) as client:
            client.post(url + "/v1/messages", json=main_body(), headers=UA)
            client.post(url + "/v1/messages", json=side, headers=UA)
            client.post(url + "/v1/messages", json=main_body(model="claude-sonnet-4-5", tools=TOOLS[:1]), headers=UA)
            client.post(url + "/v1/messages", json=main_body(tools=TOOLS[1:]), headers={**UA, "x-claude-code-agent-id": "a1b2c3"})
            client.post(url + "/v1/messages/count_tokens", json={"model": "claude-opus-4-1", "messages": []}, headers=UA)
            client.post(url + "/v1/messages", json=side, headers=other_version)
            client.post(url + "/v1/messages", json=side)  # no CLI version: forwarded, not recorded
            client.post(url + "/v1/messages", content=b"not json", headers=UA)
            client.get(url + "/v1/models", headers=UA)
        app.flush()
    facts = stored(store)
    assert facts["request_param"]["main: model"] == "claude-sonnet-4-5"
    assert set(facts["tool_schema"]) == {"main: Read", "subagent: Bash"}  # main's Bash went with its older request
    assert facts["system_block"]["auxiliary: block 0"] == "Write a title."
    assert facts["request_param"]["auxiliary: max_tokens"] == 512
    assert facts["capture"]["main: requests seen"] == 2
    assert facts["capture"]["main: models seen"] == ["claude-opus-4-1", "claude-sonnet-4-5"]
    assert facts["capture"]["count_tokens: requests seen"] == 1
    assert stored(store, "2.1.118")["capture"] == {"auxiliary: requests seen": 1, "auxiliary: models seen": ["claude-haiku-4-5"]}
    assert [(e.role, e.recorded) for e in events] == [
        ("main", True), ("auxiliary", True), ("main", True), ("subagent", True), ("count_tokens", True), ("auxiliary", True),
        (None, False), (None, False), (None, False)]
    assert "no Claude Code version" in events[6].note and "not a JSON object" in events[7].note
    assert (events[8].path, events[8].status, events[8].note) == ("/v1/models", 404, "")
    assert len(api.requests) == 9


def test_load_200_streams_8_at_a_time_nothing_lost(store):
    upstream = Upstream()
    events: list[ProxyEvent] = []

    async def load(url: str) -> list[tuple[int, bytes]]:
        gate = asyncio.Semaphore(8)
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=8)) as client:
            async def one(nonce: int) -> tuple[int, bytes]:
                async with gate:
                    body = {**main_body(), "nonce": nonce, "chunks": 3 + nonce % 5, "delay": 0.002}
                    async with client.stream("POST", url + "/v1/messages", json=body, headers=SECRET_HEADERS) as response:
                        return nonce, b"".join([chunk async for chunk in response.aiter_raw()])
            return await asyncio.gather(*(one(n) for n in range(200)))

    start = time.perf_counter()
    with running(upstream) as upstream_url, make_app(store, upstream=upstream_url, on_request=events.append) as app, running(app) as url:
        results = asyncio.run(load(url))
        app.flush(timeout=60)
    elapsed = time.perf_counter() - start
    for nonce, data in results:
        assert data == b"".join(chunks({"nonce": nonce, "chunks": 3 + nonce % 5})), nonce
    assert len(events) == 200 and all(e.recorded and e.status == 200 and not e.note for e in events)
    assert stored(store)["capture"]["main: requests seen"] == 200
    assert not upstream.left_early.is_set()
    assert elapsed < 60, elapsed
    assert b"sk-ant" not in database_bytes(store.path)


# -- starting and stopping ----------------------------------------------------------------------------


def test_clear_errors_before_serving(store, tmp_path):
    with listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ProxyError, match=f"port {port} on 127.0.0.1 is in use; choose another with --port"):
            listen("127.0.0.1", port)
    with pytest.raises(ProxyError, match="bad --upstream 'ftp://x'"):
        make_app(store, upstream="ftp://x")
    with pytest.raises(ProxyError, match="in-memory store"):
        make_app(Store.memory())


SERVE = """
import sys
from auditor.capture.proxy import serve
from auditor.store import Store
serve(Store.open(sys.argv[1]), port=0, upstream=sys.argv[2], on_ready=lambda url: print(url, flush=True),
      on_request=lambda event: print(event, flush=True))
print("stopped", flush=True)
"""


def test_serve_stops_cleanly_on_ctrl_c(tmp_path):
    db = tmp_path / "auditor.db"
    with FakeAPI() as api:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, str(db), api.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:"), url or proc.stderr.read()
            assert httpx.post(url + "/v1/messages", json=main_body(), headers=UA, timeout=10).status_code == 200
            assert "· recorded" in proc.stdout.readline()
            os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the recorder process gets it too
            out, err = proc.communicate(timeout=20)
        finally:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == "stopped" and "Traceback" not in err
    assert stored(Store.open(db))["capture"]["main: requests seen"] == 1


def children(pid: int) -> set[int]:
    """The processes `pid` started (Linux /proc), found before it ends: they are reparented after."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_gone(pids: set[int], seconds: float = 20) -> set[int]:
    deadline = time.monotonic() + seconds
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


AUDIT = "import sys; from auditor.cli import cli; sys.argv[0] = 'audit'; cli()"


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_killed_proxy_leaves_no_recorder_or_resource_tracker(tmp_path, how):
    """SIGTERM to `audit proxy` alone (as `kill PID`, systemd, docker stop) used to orphan the recorder
    process and multiprocessing's resource tracker, which kept proxy.db open. Now SIGTERM is Ctrl-C: the
    request is recorded, both children end, exit 0. Even after SIGKILL the recorder ends by itself."""
    db = tmp_path / "proxy.db"
    with FakeAPI() as api:
        proc = subprocess.Popen([sys.executable, "-c", AUDIT, "proxy", "--port", "0", "--upstream", api.url, "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            url = ""
            while not url:
                line = proc.stderr.readline()
                assert line, proc.stdout.read()
                url = line.split("ANTHROPIC_BASE_URL=")[1].split()[0] if "ANTHROPIC_BASE_URL=" in line else ""
            assert httpx.post(url + "/v1/messages", json=main_body(), headers=UA, timeout=10).status_code == 200
            assert "· recorded" in proc.stdout.readline()
            kids = children(proc.pid)
            assert len(kids) == 2  # the recorder and the resource tracker
            proc.send_signal(getattr(signal, how))
            _, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert wait_gone(kids) == set()
    assert proc.returncode == (0 if how == "SIGTERM" else -signal.SIGKILL), err
    assert "Traceback" not in err
    assert stored(Store.open(db))["capture"]["main: requests seen"] == 1


# -- what is stored of headers, and who may reach the proxy -------------------------------------------


def test_headers_outside_the_cli_s_own_are_stored_by_name_only(store):
    gateway_pass = "gw-pass-" + "Hn7t" * 5  # a header name that looks like no credential, so only the allow-list stops it
    headers = {**UA, "x-gateway-pass": gateway_pass, "x-team": "directory", "anthropic-beta": "oauth-2025-04-20,context-1m",
               "x-stainless-os": "Linux", "x-claude-code-session-id": "6f1c2b7e-1111-4a2b-9c3d-123456789abc"}
    body = main_body(messages=[{"role": "user", "content": [{"type": "text", "text": f"gateway says {gateway_pass}"}]}])
    with FakeAPI() as api, make_app(store, upstream=api.url, keep_content=True) as app, running(app) as url:
        assert httpx.post(url + "/v1/messages", json=body, headers=headers, timeout=10).status_code == 200
        assert api.messages()[0].header("x-gateway-pass") == gateway_pass  # forwarded as is
        app.flush()
    stored_headers = {k.removeprefix("main: "): v for k, v in stored(store)["header"].items()}
    assert stored_headers["x-gateway-pass"] == stored_headers["x-team"] == "<not stored>"
    assert stored_headers["anthropic-beta"] == ["context-1m", "oauth-2025-04-20"] and stored_headers["x-stainless-os"] == "Linux"
    assert stored_headers["x-claude-code-session-id"] == "<uuid>" and stored_headers["user-agent"] == "claude-cli/{VERSION} (external, cli)"
    assert gateway_pass.encode() not in database_bytes(store.path)  # nor in the stored content
    assert "Working directory: <home>/project" in stored(store)["system_block"]["main: block 1"]  # a short value is no secret: words stay


def test_a_host_other_than_loopback_needs_allow_remote_and_says_what_it_exposes(tmp_path, monkeypatch):
    db = ["--db", str(tmp_path / "proxy.db")]
    result = CliRunner().invoke(cli, ["proxy", "--host", "0.0.0.0", "--port", "0", *db])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: listening on 0.0.0.0 exposes this proxy to every machine that can reach it: it has no "
                                     "authentication, relays whatever they send to https://api.anthropic.com and records it into "
                                     "your store; pass --allow-remote to listen there anyway")
    served: list[dict[str, Any]] = []
    monkeypatch.setattr("auditor.capture.proxy.serve", lambda store, target, **kw: served.append(kw))  # nothing listens here
    result = CliRunner().invoke(cli, ["proxy", "--host", "0.0.0.0", "--allow-remote", *db])
    assert result.exit_code == 0 and served[0]["host"] == "0.0.0.0" and served[0]["allow_remote"] is True
    assert result.stderr.splitlines() == ["warning: listening on 0.0.0.0 exposes this proxy to every machine that can reach it: it has "
                                          "no authentication, relays whatever they send to https://api.anthropic.com and records it "
                                          "into your store"]
    for loopback in ("127.0.0.1", "::1", "localhost"):
        assert CliRunner().invoke(cli, ["proxy", "--host", loopback, *db]).stderr == ""
