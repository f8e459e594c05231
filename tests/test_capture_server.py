"""The fake Messages API: what it answers, and what it records."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import time

from auditor.capture import FakeAPI, Turn

SCRIPT = [Turn(text="Let me look.", thinking="Think first.", tool="Read", tool_input={"file_path": "/x"}), Turn(text="Done here.")]
TOOLS = [{"name": "Read", "input_schema": {"type": "object"}}]


def post(api: FakeAPI, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
    conn.request("POST", path, body=body, headers={"content-type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.getheader("content-type") or "", data


def sse(data: bytes) -> list[dict]:
    events = []
    for chunk in data.decode().strip().split("\n\n"):
        name, payload = chunk.split("\n")
        assert name.startswith("event: ") and payload.startswith("data: ")
        event = json.loads(payload[6:])
        assert event["type"] == name[7:]
        events.append(event)
    return events


def test_stream_follows_the_script_turn_by_turn():
    with FakeAPI(SCRIPT) as api:
        body = {"model": "m", "stream": True, "thinking": {"type": "adaptive"}, "tools": TOOLS,
                "messages": [{"role": "user", "content": "hi"}]}
        status, ctype, data = post(api, "/v1/messages?beta=true", json.dumps(body).encode())
        events = sse(data)
        assert status == 200 and ctype == "text/event-stream"
        assert [e["type"] for e in events][:2] == ["message_start", "content_block_start"]
        assert [e["type"] for e in events][-2:] == ["message_delta", "message_stop"]
        starts = [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"]
        assert starts == ["thinking", "text", "tool_use"]
        assert events[-2]["delta"]["stop_reason"] == "tool_use"
        json_delta = next(e["delta"] for e in events if e["type"] == "content_block_delta" and e["delta"]["type"] == "input_json_delta")
        assert json.loads(json_delta["partial_json"]) == {"file_path": "/x"}

        body["messages"] += [{"role": "assistant", "content": []}, {"role": "user", "content": "result"}]
        events = sse(post(api, "/v1/messages", json.dumps(body).encode())[2])
        assert [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"] == ["text"]
        assert events[-2]["delta"]["stop_reason"] == "end_turn"
        assert [r.reply for r in api.messages()] == ["tool_use", "end_turn"]
        assert api.messages()[0].query == {"beta": ["true"]}


def test_side_requests_get_plain_text():
    """No thinking unless enabled, no tool call unless offered: a title request must not get a tool_use."""
    with FakeAPI(SCRIPT) as api:
        status, ctype, data = post(api, "/v1/messages", json.dumps({"model": "haiku", "messages": []}).encode())
        message = json.loads(data)
        assert status == 200 and ctype == "application/json"
        assert [b["type"] for b in message["content"]] == ["text"] and message["stop_reason"] == "end_turn"


def test_count_tokens_unknown_paths_and_bad_json_are_recorded():
    with FakeAPI() as api:
        assert json.loads(post(api, "/v1/messages/count_tokens", b"{}")[2]) == {"input_tokens": 42}
        status, _, data = post(api, "/api/hello", b"not json")
        assert status == 404 and json.loads(data)["type"] == "error"
        assert [(r.path, r.body, r.reply) for r in api.requests] == [
            ("/v1/messages/count_tokens", {}, "count_tokens"), ("/api/hello", None, "404")]
        assert api.messages() == []


def test_chunked_body_and_headers_are_recorded():
    with FakeAPI() as api:
        payload = json.dumps({"model": "m", "messages": []}).encode()
        with socket.create_connection(("127.0.0.1", api.port)) as s:
            s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Api-Key: k\r\n\r\n"
                      + f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 200")
        [request] = api.messages()
        assert request.body == {"model": "m", "messages": []} and request.header("x-api-key") == "k"


def test_proxy_requests_for_other_hosts_are_refused_and_recorded():
    with FakeAPI() as api:
        conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        conn.request("GET", "http://192.0.2.1/collect")
        assert conn.getresponse().status == 403
        conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        conn.request("CONNECT", "example.com:443")
        assert conn.getresponse().status == 403
        assert [(e.method, e.target) for e in api.egress] == [("GET", "192.0.2.1"), ("CONNECT", "example.com:443")]
        assert api.requests == []


def test_head_gets_headers_only_so_the_connection_stays_usable():
    """What follows the HEAD answer's headers on the connection must be the next answer, not a body."""
    with FakeAPI() as api, socket.create_connection(("127.0.0.1", api.port), timeout=5) as conn:
        body = json.dumps({"model": "m", "max_tokens": 1, "messages": []}).encode()
        conn.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        received = b""
        while received.count(b"\r\n\r\n") < 2:
            received += conn.recv(65536)
        head, rest = received.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.") and b" 404 " in head.split(b"\r\n")[0]
        assert rest.startswith(b"HTTP/1.") and b" 200 " in rest.split(b"\r\n")[0], rest[:80]


def test_a_client_that_hangs_up_while_answered_leaves_no_traceback(capfd):
    body = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode()
    with FakeAPI() as api:
        for _ in range(3):
            client = socket.create_connection(("127.0.0.1", api.port))
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
            client.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            client.close()
        deadline = time.monotonic() + 5
        while len(api.messages()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # the answers were written into the reset connections
    assert len(api.messages()) == 3
    assert "Traceback" not in capfd.readouterr().err
