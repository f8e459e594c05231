"""Normalization: volatile values become placeholders, secrets disappear, and nothing static is touched."""

from __future__ import annotations

import datetime as dt

from auditor.capture import RecordedRequest, Volatiles, normalize_request, normalize_text, normalize_value

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
VOLATILES = Volatiles.for_run(
    paths={"project": "/tmp/auditor-capture-ab12/project", "home": "/tmp/auditor-capture-ab12/home", "sandbox": "/tmp/auditor-capture-ab12"},
    port=40329, api_key="sk-ant-api03-auditor-fake-key-000AA", now=NOW,
)
SAMPLE = {
    "system": [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.117.765; cc_entrypoint=sdk-cli; cch=a7c08;"},
        {"type": "text", "text": "Primary working directory: /tmp/auditor-capture-ab12/project\nToday's date is 2026-11-23.",
         "cache_control": {"type": "ephemeral"}},
    ],
    "memory": "/tmp/auditor-capture-ab12/home/.claude/projects/-tmp-auditor-capture-ab12-project/memory/",
    "metadata": {"user_id": '{"device_id":"' + "ab" * 32 + '","session_id":"493be5d4-001a-41f8-887e-c85cb3000235"}'},
    "static": "Example: merge freeze begins 2026-03-05; beta interleaved-thinking-2026-11-23 stays.",
    "secrets": ["Bearer abcdefghijklmnop", "ghp_" + "a" * 36, "sk-ant-oat01-realtoken123", "AKIAABCDEFGHIJKLMNOP"],
    "api_token": "plain-looking-value",
    "at": "2026-11-23T11:09:22.605Z",
    "base": "http://127.0.0.1:40329/v1",
}


def test_volatile_values_become_placeholders():
    out = normalize_value(SAMPLE, VOLATILES)
    assert out["system"][0]["text"] == "x-anthropic-billing-header: cc_version=2.1.117.<hash>; cc_entrypoint=sdk-cli; cch=<hash>;"
    assert out["system"][1]["text"] == "Primary working directory: <project>\nToday's date is <date>."
    assert out["system"][1]["cache_control"] == {"type": "ephemeral"}
    assert out["memory"] == "<home>/.claude/projects/<project-slug>/memory/"
    assert out["metadata"]["user_id"] == '{"device_id":"<hex64>","session_id":"<uuid>"}'
    assert out["at"] == "<timestamp>" and out["base"] == "http://127.0.0.1:<port>/v1"


def test_static_text_that_looks_volatile_is_kept():
    assert normalize_value(SAMPLE, VOLATILES)["static"] == SAMPLE["static"]


def test_secrets_are_redacted():
    out = normalize_value(SAMPLE, VOLATILES)
    assert out["secrets"] == ["Bearer <redacted>", "<redacted>", "<redacted>", "<redacted>"]
    assert out["api_token"] == "<redacted>"
    assert normalize_text("key sk-ant-api03-auditor-fake-key-000AA end", VOLATILES) == "key <redacted> end"


def test_normalization_is_idempotent():
    once = normalize_value(SAMPLE, VOLATILES)
    assert normalize_value(once, VOLATILES) == once


def test_two_runs_with_different_volatiles_normalize_the_same():
    other = Volatiles.for_run(
        paths={"project": "/tmp/auditor-capture-zz99/project", "home": "/tmp/auditor-capture-zz99/home", "sandbox": "/tmp/auditor-capture-zz99"},
        port=51111, api_key="sk-ant-api03-auditor-fake-key-000AA", now=NOW + dt.timedelta(days=1),
    )
    text = "cwd /tmp/auditor-capture-{} on {} at 127.0.0.1:{} session {}"
    a = normalize_text(text.format("ab12/project", "2026-11-23", 40329, "493be5d4-001a-41f8-887e-c85cb3000235"), VOLATILES)
    b = normalize_text(text.format("zz99/project", "2026-11-24", 51111, "00000000-1111-2222-3333-444444444444"), other)
    assert a == b == "cwd <project> on <date> at 127.0.0.1:<port> session <uuid>"


def test_headers_are_sorted_redacted_and_betas_split():
    request = RecordedRequest(
        method="POST", path="/v1/messages", query={"beta": ["true"]},
        headers=[("x-api-key", "sk-ant-api03-real"), ("anthropic-beta", "b-2025-01-01, a-2024-01-01"),
                 ("authorization", "Bearer x"), ("host", "127.0.0.1:40329"), ("content-length", "12"),
                 ("x-claude-code-session-id", "493be5d4-001a-41f8-887e-c85cb3000235"), ("anthropic-beta", "c-2026-01-01"),
                 ("x-claude-code-prev-tool-durations", "Read=14,Bash=1203")],
        body={"model": "m"}, body_bytes=12,
    )
    out = normalize_request(request, VOLATILES)
    assert out["headers"] == {
        "anthropic-beta": ["a-2024-01-01", "b-2025-01-01", "c-2026-01-01"],
        "authorization": "<redacted>",
        "x-api-key": "<redacted>",
        "x-claude-code-prev-tool-durations": "Read=<n>,Bash=<n>",
        "x-claude-code-session-id": "<uuid>",
    }
    assert out["query"] == {"beta": ["true"]} and out["body"] == {"model": "m"}


def test_a_plan_files_random_name_becomes_a_placeholder():
    text = "No plan file exists yet. You should create your plan at /tmp/h/.claude/plans/plan-how-to-add-curried-newell.md using the Write tool."
    assert normalize_text(text, VOLATILES).endswith("/.claude/plans/<plan>.md using the Write tool.")
    assert normalize_text("see plans/README.md", VOLATILES) == "see plans/README.md"  # not a generated name


def test_a_long_text_seen_clean_is_not_scanned_again_but_one_with_a_secret_always_is():
    """The long texts a release sends in every scenario are scanned once a process; a text that differs by a
    key is a different text, redacted every time, and only clean texts are remembered (by digest)."""
    from auditor.capture import normalize

    clean = "You are a coding agent. " * 40
    leaked = clean + "Use sk-ant-api03-abcdefghijklmnop to call the API."
    assert normalize_text(clean, Volatiles()) == clean == normalize_text(clean, Volatiles())
    for _ in range(2):
        assert "sk-ant-api03" not in normalize_text(leaked, Volatiles()) and "<redacted>" in normalize_text(leaked, Volatiles())
    assert all(len(key) == 16 for key in normalize._PLAIN)  # digests, never the texts
