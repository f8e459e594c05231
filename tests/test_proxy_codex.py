"""`audit proxy --target codex`: Codex's Responses API requests are recorded per Codex version with the
Claude proxy's guarantees (no keys, no words without --keep-content, streams untouched), and the model
catalogue a session fetched is recorded as which catalogue it was. A local fake upstream only."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from auditor import catalog, targets
from auditor.capture.proxy import ProxyEvent, make_app, running
from auditor.capture.responses import reply_items, sse_events
from auditor.capture.server import Turn
from auditor.cli import cli
from auditor.store import Store

from builders import codex_model, request_body

CODEX = targets.get("codex")
VERSION = "0.171.0"
UA = {"user-agent": f"codex_cli_rs/{VERSION} (Debian 12.0.0; x86_64) xterm-256color (codex_cli_rs; {VERSION})",
      "originator": "codex_cli_rs"}
API_KEY = "sk-proj-" + "Vb8nM2" * 10
ACCOUNT = "acct-" + "Hq4e" * 6  # a header no credential pattern names: only the allow-list keeps its value out
INSTRUCTIONS = "You are Codex, a coding agent based on GPT-5.\n\nWork in the user's workspace."
TOOLS = [{"type": "namespace", "name": "functions", "description": "", "tools": [
    {"type": "function", "name": "exec_command", "description": "Runs a command in a PTY.", "strict": False,
     "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}]},
    {"type": "web_search", "external_web_access": False}]
MODELS = [codex_model("gpt-a", prompt=INSTRUCTIONS), codex_model("gpt-b", prompt="You are the other model.")]
SECRET_HEADERS = {**UA, "authorization": f"Bearer {API_KEY}", "chatgpt-account-id": ACCOUNT,
                  "session-id": "6f1c2b7e-1111-4a2b-9c3d-123456789abc", "thread-id": "7a2d3c8f-2222-4b3c-8d4e-23456789abcd"}


def responses_body(**changes: Any) -> dict[str, Any]:
    """A turn shaped like Codex's ("responses lite": instructions and tools inside `input`), with private words in it."""
    return {
        "model": "gpt-a", "stream": True, "store": False, "tool_choice": "auto", "parallel_tool_calls": True,
        "reasoning": {"effort": "medium", "summary": "auto"}, "include": ["reasoning.encrypted_content"],
        "text": {"verbosity": "low"}, "prompt_cache_key": "6f1c2b7e-1111-4a2b-9c3d-123456789abc",
        "client_metadata": {"x-codex-installation-id": "0b9c8d7e-3333-4c4d-9e5f-3456789abcde"},
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": INSTRUCTIONS}]},
            {"type": "additional_tools", "tools": TOOLS},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": f"PRIVATE-USER-WORDS my key is {API_KEY}"}]},
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "PRIVATE-THOUGHTS"}], "encrypted_content": "PRIVATE-ENC"},
            {"type": "function_call", "call_id": "call_1", "name": "exec_command", "arguments": '{"cmd": "cat /PRIVATE/path"}'},
            {"type": "function_call_output", "call_id": "call_1", "output": "PRIVATE-FILE-TEXT"},
        ],
        **changes,
    }


class Upstream:
    """The Responses API as Codex's provider: POST /v1/responses streams the events of a final answer (with
    `hold`, it sends the first and waits until the client says it has it); GET /v1/models answers `catalogue`,
    gzipped, with its `etag`. Keeps the headers each request arrived with."""

    def __init__(self, models: list[dict[str, Any]] = MODELS, etag: str = 'W/"catalogue-1"') -> None:
        self.models, self.etag = models, etag
        self.hold = False
        self.received_first = threading.Event()
        self.held_until_received = False
        self.seen: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = await request_body(receive)
        self.seen.append((f"{scope['method']} {scope['path']}", {k.decode(): v.decode() for k, v in scope["headers"]}))
        if scope["path"] == "/v1/models":
            payload = gzip.compress(json.dumps({"models": self.models}).encode())
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"), (b"content-encoding", b"gzip"), (b"etag", self.etag.encode()),
                (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream"), (b"x-request-id", b"req_1")]})
        for i, event in enumerate(events(json.loads(raw))):
            await send({"type": "http.response.body", "body": event, "more_body": True})
            if i == 0 and self.hold:
                self.held_until_received = await asyncio.to_thread(self.received_first.wait, 10)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def events(body: dict[str, Any]) -> list[bytes]:
    return sse_events(body, reply_items(body, Turn(text="PRIVATE-ANSWER"), 1), 1)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "auditor.db")


def stored(store: Store, version: str = VERSION) -> dict[str, dict[str, Any]]:
    snapshot = store.find("codex", version, "proxy", "proxy")
    assert snapshot is not None, f"no proxy snapshot for {version}"
    return store.facts(snapshot.id)


def database_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def embedded(store: Store, version: str, models: list[dict[str, Any]]) -> None:
    """The static facts `audit collect` stores of a release whose binary embeds `models`."""
    assert CODEX.catalog is not None
    store.save_snapshot(target="codex", version=version, platform="linux-x64", source="static", origin="test", extractor="test",
                        published_at=None, facts=catalog.facts(models, CODEX.catalog))


# -- the conversation -------------------------------------------------------------------------------


def test_a_responses_request_is_recorded_under_its_codex_version_without_keys_or_words(store):
    upstream = Upstream()
    reported: list[ProxyEvent] = []
    with running(upstream) as upstream_url, make_app(store, "codex", upstream_url, on_request=reported.append) as app, running(app) as url:
        response = httpx.post(url + "/v1/responses", json=responses_body(), headers=SECRET_HEADERS, timeout=10)
        assert response.status_code == 200 and b"response.completed" in response.content
        assert upstream.seen[0][1]["authorization"] == f"Bearer {API_KEY}"  # forwarded as is
        app.flush()
    facts = stored(store)
    params = facts["request_param"]
    assert params["main: model"] == "gpt-a" and params["main: reasoning"] == {"effort": "medium", "summary": "auto"}
    assert params["main: text"] == {"verbosity": "low"} and params["main: client_metadata keys"] == ["x-codex-installation-id"]
    assert facts["system_block"] == {"main: block 0": INSTRUCTIONS}  # the developer message: the model's instructions
    assert set(facts["tool_schema"]) == {"main: functions.exec_command", "main: web_search"}
    assert facts["history"]["main: messages"] == ["user: text", "assistant: thinking(signed)", "assistant: tool_use", "user: tool_result"]
    headers = {k.removeprefix("main: "): v for k, v in facts["header"].items()}
    assert headers["user-agent"] == "codex_cli_rs/{VERSION} (Debian 12.0.0; x86_64) xterm-256color (codex_cli_rs; {VERSION})"
    assert headers["originator"] == "codex_cli_rs" and headers["thread-id"] == "<uuid>"
    assert headers["authorization"] == "<redacted>" and headers["chatgpt-account-id"] == "<not stored>"
    assert facts["capture"] == {"main: requests seen": 1, "main: models seen": ["gpt-a"]}
    on_disk = database_bytes(store.path)
    for secret in (API_KEY.encode(), ACCOUNT.encode(), b"sk-proj", b"PRIVATE"):
        assert secret not in on_disk, secret
    assert [(e.version, e.role, e.model, e.recorded) for e in reported] == [(VERSION, "main", "gpt-a", True)]
    sessions = CliRunner().invoke(cli, ["sessions", "--target", "codex", "--db", str(store.path)])
    assert sessions.exit_code == 0 and "medium" in sessions.stdout  # the effort Codex asked for, as `audit sessions` reads it


def test_keep_content_keeps_codex_s_words_but_not_its_key(store):
    with running(Upstream()) as upstream_url, make_app(store, "codex", upstream_url, keep_content=True) as app, running(app) as url:
        httpx.post(url + "/v1/responses", json=responses_body(), headers=SECRET_HEADERS, timeout=10)
        app.flush()
    content = stored(store)["history"]["main: content"]
    assert content[0]["content"][0]["text"] == "PRIVATE-USER-WORDS my key is <redacted>"
    assert b"PRIVATE-FILE-TEXT" in database_bytes(store.path) and API_KEY.encode() not in database_bytes(store.path)


def test_the_stream_passes_through_unchanged_and_unbuffered_while_it_is_recorded(store):
    upstream = Upstream()
    upstream.hold = True
    body = responses_body()
    with running(upstream) as upstream_url, make_app(store, "codex", upstream_url) as app, running(app) as url:
        with httpx.Client(timeout=30) as client, client.stream("POST", url + "/v1/responses", json=body, headers=SECRET_HEADERS) as response:
            received = []
            for chunk in response.iter_raw():
                received.append(chunk)
                upstream.received_first.set()
        app.flush()
    assert b"".join(received) == b"".join(events(body))
    assert response.headers["x-request-id"] == "req_1" and "server" not in response.headers
    assert upstream.held_until_received  # the first event reached Codex while the upstream was still sending
    assert stored(store)["capture"]["main: requests seen"] == 1


def test_a_subagent_s_request_is_its_own_role(store):
    with running(Upstream()) as upstream_url, make_app(store, "codex", upstream_url) as app, running(app) as url:
        httpx.post(url + "/v1/responses", json=responses_body(), headers={**UA, "x-openai-subagent": "review"}, timeout=10)
        app.flush()
    assert stored(store)["capture"] == {"subagent: requests seen": 1, "subagent: models seen": ["gpt-a"]}


# -- which catalogue the session used -----------------------------------------------------------------


def test_the_catalogue_a_session_fetched_is_recorded_as_which_one_it_was(store):
    embedded(store, VERSION, MODELS)
    reported: list[ProxyEvent] = []
    with running(Upstream()) as upstream_url, make_app(store, "codex", upstream_url, on_request=reported.append) as app, running(app) as url:
        response = httpx.get(url + f"/v1/models?client_version={VERSION}", headers=SECRET_HEADERS, timeout=10)
        assert response.json() == {"models": MODELS}  # decoded by the client: the gzip went through as it came
        app.flush()
    capture = stored(store)["capture"]
    assert capture["catalogue: etag"] == 'W/"catalogue-1"'
    assert capture["catalogue: digest"] == capture["catalogue: digests seen"][0] and len(capture["catalogue: digest"]) == 16
    assert list(capture["catalogue: models"]) == ["gpt-a", "gpt-b"]
    assert capture["catalogue: embedded"] == "same as the release's embedded catalogue"
    assert capture["catalogue: requests seen"] == 1
    on_disk = database_bytes(store.path)
    assert API_KEY.encode() not in on_disk and ACCOUNT.encode() not in on_disk and INSTRUCTIONS.encode() not in on_disk
    assert [(e.role, e.recorded, e.note) for e in reported] == [("catalogue", True, "2 models, same as the release's embedded catalogue")]


def test_a_different_catalogue_later_shows_as_a_change(store):
    changed = [codex_model("gpt-a", prompt=INSTRUCTIONS + "\nNever push."), codex_model("gpt-c", prompt="A new model.")]
    embedded(store, VERSION, MODELS)
    embedded(store, "0.172.0", MODELS)
    later = {**UA, "user-agent": "codex_cli_rs/0.172.0 (Debian 12.0.0; x86_64)"}
    with running(Upstream()) as first_url, make_app(store, "codex", first_url) as app, running(app) as url:
        httpx.get(url + "/v1/models", headers=UA, timeout=10)
        app.flush()
    with running(Upstream(changed, 'W/"catalogue-2"')) as second_url, make_app(store, "codex", second_url) as app, running(app) as url:
        httpx.get(url + "/v1/models", headers=later, timeout=10)
        app.flush()
        assert stored(store, "0.172.0")["capture"]["catalogue: embedded"] == \
            "differs from the release's embedded catalogue: adds gpt-c; drops gpt-b; changes gpt-a"
        result = CliRunner().invoke(cli, ["diff", VERSION, "0.172.0", "--source", "proxy", "--target", "codex", "--db", str(store.path),
                                          "--format", "json"])
        assert result.exit_code == 0, result.output
        changes = {c["key"]: c for c in json.loads(result.stdout)["changes"]}
        assert (changes["catalogue: etag"]["before"], changes["catalogue: etag"]["after"]) == ('W/"catalogue-1"', 'W/"catalogue-2"')
        assert changes["catalogue: embedded"]["before"] == "same as the release's embedded catalogue"
        assert set(changes) == {"catalogue: etag", "catalogue: digest", "catalogue: models", "catalogue: embedded", "catalogue: digests seen"}
        httpx.get(url + "/v1/models", headers=UA, timeout=10)  # the older release, another day: its catalogue changed too
        app.flush()
    older = stored(store)["capture"]
    assert older["catalogue: etag"] == 'W/"catalogue-2"' and len(older["catalogue: digests seen"]) == 2  # both catalogues it got


def test_signed_in_with_chatgpt_codex_s_paths_have_no_version_folder_and_are_recorded_alike(store):
    """Codex signed in with ChatGPT sends `/responses` and `/models` under a base URL of the vendor's own folder."""
    embedded(store, VERSION, MODELS)
    with running(Upstream()) as upstream_url, make_app(store, "codex", upstream_url + "/v1") as app, running(app) as url:
        assert httpx.get(url + "/models", headers=SECRET_HEADERS, timeout=10).status_code == 200
        assert httpx.post(url + "/responses", json=responses_body(), headers=SECRET_HEADERS, timeout=10).status_code == 200
        app.flush()
    capture = stored(store)["capture"]
    assert capture["catalogue: embedded"] == "same as the release's embedded catalogue" and capture["main: requests seen"] == 1


def test_an_answer_that_is_no_catalogue_is_forwarded_not_recorded(store):
    reported: list[ProxyEvent] = []
    with running(Upstream()) as upstream_url, make_app(store, "codex", upstream_url, on_request=reported.append) as app, running(app) as url:
        upstream_models = httpx.get(url + "/v1/models", headers={"user-agent": "curl/8.0"}, timeout=10)
        app.flush()
    assert upstream_models.status_code == 200 and store.find("codex", VERSION, "proxy", "proxy") is None
    assert [(e.recorded, e.note) for e in reported] == [(False, "not recorded: no Codex CLI version in the user-agent")]


def test_a_target_the_proxy_cannot_record_says_so(store):
    result = CliRunner().invoke(cli, ["proxy", "--target", "gemini-cli", "--port", "0", "--db", str(store.path)])
    assert result.exit_code == 1 and result.stderr.strip() == "Error: audit proxy cannot record Gemini CLI sessions (yet)"
