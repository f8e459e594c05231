"""Recorded sessions: the proxy compares each request with its thread's previous one, counts what was sent,
`audit sessions` reports it and `audit diff --source proxy` compares two versions. No key or token bytes stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from auditor import sessions
from auditor.capture import FakeAPI
from auditor.capture.proxy import make_app, running
from auditor.cli import cli
from auditor.store import Store

KEY = "sk-ant-api03-" + "Kx7" * 30
TOKEN = "sk-ant-oat01-" + "Tq4" * 30
SESSION = "0b6f1c2e-2222-4a2b-9c3d-123456789abc"
BIG = "PRIVATE-FILE-LINE\n" * 300
TOOLS = [{"name": "Read", "description": "Read a file.", "input_schema": {"type": "object"}}]


def body(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"model": "claude-opus-4-7", "max_tokens": 64000, "stream": True, "thinking": {"type": "adaptive"},
            "output_config": {"effort": "xhigh"}, "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "system": [{"type": "text", "text": "You are Claude Code."}], "tools": TOOLS, "messages": messages, **extra}


def turn(n: int) -> list[dict[str, Any]]:
    """n exchanges: a user prompt, thinking + a Read call, its (large) result."""
    out: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": "PRIVATE-PROMPT"}]}]
    for i in range(n):
        out += [{"role": "assistant", "content": [{"type": "thinking", "thinking": f"PRIVATE-THOUGHT {i}", "signature": f"sig{i}"},
                                                  {"type": "tool_use", "id": f"toolu_{i}", "name": "Read", "input": {"file_path": f"/p/{i}"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": BIG}]}]
    return out


def trimmed(n: int) -> list[dict[str, Any]]:
    """What an idle-session release resends: earlier thinking stripped, earlier results cleared."""
    out = turn(n)
    for m in out[1:-2]:
        m["content"] = [b for b in m["content"] if b["type"] != "thinking"]
        m["content"] = [{**b, "content": "[Old tool result content cleared]"} if b["type"] == "tool_result" else b for b in m["content"]]
    return out


def headers(version: str, **extra: str) -> dict[str, str]:
    return {"user-agent": f"claude-cli/{version} (external, cli)", "x-api-key": KEY, "authorization": f"Bearer {TOKEN}",
            "anthropic-beta": "context-management-2025-06-27,interleaved-thinking-2025-05-14", "x-claude-code-session-id": SESSION, **extra}


def record(db: Path, requests: list[tuple[str, dict[str, Any], dict[str, str]]]) -> None:
    with FakeAPI() as api, make_app(Store.open(db), upstream=api.url) as app, running(app) as url, httpx.Client(timeout=10) as client:
        for version, sent, extra in requests:
            assert client.post(url + "/v1/messages?beta=true", json=sent, headers=headers(version, **extra)).status_code == 200
        app.flush()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "auditor.db"
    record(path, [
        ("2.1.117", body(turn(1)), {}),
        ("2.1.117", body(turn(2)), {}),
        ("2.1.117", body(trimmed(3)), {}),  # the release trimmed its own history
        ("2.1.117", body([{"role": "user", "content": "summary"}, {"role": "user", "content": "go on"}]), {}),  # compacted
        ("2.1.117", body(turn(1), model="claude-haiku-4-5"), {"x-claude-code-agent-id": "agent1"}),  # a subagent: its own thread
        ("2.1.117", {"model": "claude-haiku-4-5", "max_tokens": 512, "messages": [{"role": "user", "content": "title"}]}, {}),
        ("2.1.140", body(turn(1), max_tokens=128000), {}),
        ("2.1.140", body(turn(2), max_tokens=128000), {}),
    ])
    return path


def test_recorded_sessions_count_values_and_history_changes(db: Path):
    [old] = sessions.recorded(Store.open(db), "claude-code", "2.1.117")
    main = old.roles["main"]
    assert main["model"] == {"claude-opus-4-7": 4} and main["effort"] == {"xhigh": 4} and main["max_tokens"] == {"64000": 4}
    assert main["context_management"] == {'{"edits": [{"keep": "all", "type": "clear_thinking_20251015"}]}': 4}
    assert main["betas"] == {"context-management-2025-06-27": 4, "interleaved-thinking-2025-05-14": 4}
    assert main["history changes"] == {"history compacted": 1, "thinking stripped": 2, "tool result cleared": 2}
    assert old.latest["main"] == ["history compacted: message 0 (history), 7 → 2 messages"]
    assert old.roles["subagent"]["history changes"] == {} and old.roles["auxiliary"]["max_tokens"] == {"512": 1}
    [new] = sessions.recorded(Store.open(db), "claude-code", "2.1.140")
    assert new.roles["main"]["history changes"] == {}


def test_audit_sessions_and_diff_on_recorded_traffic(db: Path):
    runner = CliRunner()
    out = runner.invoke(cli, ["sessions", "--db", str(db), "--version", "2.1.117"])
    assert out.exit_code == 0, out.output
    assert "  main: 4 requests" in out.output and "history changes: thinking stripped ×2, tool result cleared ×2, history compacted ×1" in out.output
    assert "latest change: history compacted" in out.output
    out = runner.invoke(cli, ["diff", "2.1.117", "2.1.140", "--source", "proxy", "--db", str(db), "--format", "json"])
    assert out.exit_code == 0, out.output
    changed = {c["key"] for c in __import__("json").loads(out.output)["changes"]}
    assert "main: max_tokens" in changed and "main: max_tokens seen" in changed and "main: history changes seen" in changed
    assert not any("requests seen" in key or key.endswith(": messages") for key in changed)  # counters, session lengths: not changes
    missing = runner.invoke(cli, ["sessions", "--db", str(db), "--version", "2.1.999"])
    assert missing.exit_code == 1 and "no recorded sessions for 2.1.999" in missing.output and "`audit proxy`" in missing.output
    codex = runner.invoke(cli, ["--target", "codex", "sessions", "--db", str(db)])  # the hint names the proxy for that CLI
    assert codex.exit_code == 1 and "record some with `audit --target codex proxy`" in codex.output
    bad = runner.invoke(cli, ["diff", "2.1.117", "2.1.999", "--source", "proxy", "--db", str(db)])
    assert bad.exit_code == 1 and "no recorded traffic of 2.1.999; recorded: 2.1.117, 2.1.140" in bad.output


def test_no_key_token_or_words_reach_the_store(db: Path):
    on_disk = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for secret in (KEY.encode(), TOKEN.encode(), b"Kx7Kx7", b"Tq4Tq4", b"PRIVATE", SESSION.encode(), b"Old tool result"):
        assert secret not in on_disk, secret


def test_keep_content_quotes_the_placeholder(tmp_path: Path):
    path = tmp_path / "kept.db"
    with FakeAPI() as api, make_app(Store.open(path), upstream=api.url, keep_content=True) as app, running(app) as url:
        with httpx.Client(timeout=10) as client:
            for sent in (body(turn(2)), body(trimmed(2))):
                client.post(url + "/v1/messages", json=sent, headers=headers("2.1.117"))
        app.flush()
    [recorded] = sessions.recorded(Store.open(path), "claude-code")
    assert recorded.latest["main"] == [
        "thinking stripped: message 1 (assistant), 17 → 0 chars",  # "PRIVATE-THOUGHT 0"
        f'tool result cleared: message 2 (user), {len(BIG)} → 33 chars → "[Old tool result content cleared]"',
    ]
