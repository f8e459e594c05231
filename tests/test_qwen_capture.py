"""Qwen Code captures end to end against a fake `qwen` (tests/fixtures/capture/fake_qwen.py) speaking the Chat
Completions API to the fake: its auth setting, the scenarios, facts, settings, a program that misbehaves, and
the dialect itself."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from auditor.capture import ERROR, OK, FakeAPI, Sandbox, capture, capture_scenario, load_scenarios
from auditor.capture.chat_completions import CHAT
from auditor.capture.facts import scenario_facts
from auditor.capture.server import RecordedRequest, Turn, dialect
from auditor.targets import get

FAKE_QWEN = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_qwen.py")]
TARGET = get("qwen-code")


def builtin(name: str):
    [scenario] = load_scenarios(None, [name], TARGET.scenarios)
    return scenario


def run(name: str, program: list[str] = FAKE_QWEN, timeout: float = 20):
    return capture_scenario(program, TARGET, builtin(name), timeout=timeout)


def test_print_mode_becomes_facts_with_the_memory_extractor_after_the_answer():
    result = run("print-default")
    assert result.status == OK, result.reason
    assert [(r["path"], r["turn"], r["reply"]) for r in result.requests] == [
        ("/chat/completions", 0, "end_turn"), ("/chat/completions", 1, "end_turn")]
    facts = scenario_facts(result.to_dict(), "9.0.0")
    assert facts["capture"]["requests"] == ["turn 0 (qwen9-max)", "turn 1 (qwen9-max)"]
    assert facts["system_block"] == {"turn 0: block 0": "You are Fake Qwen Code, working in <project>. Approval mode: default."}
    assert facts["tool_schema"]["turn 0: read_file"] == {
        "description": "Reads a file.", "parameters": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}}
    params = facts["request_param"]
    assert (params["turn 0: model"], params["turn 0: max_tokens"], params["turn 0: stream_options"]) == ("qwen9-max", 64000, {"include_usage": True})
    assert facts["header"]["turn 0: authorization"] == "<redacted>"
    assert facts["header"]["turn 0: user-agent"] == "QwenCode/{VERSION} (linux; x64)"
    # The extractor's request resends the answer, and says what it wants in words of the CLI's own.
    assert facts["history"]["turn 1: messages"] == ["user: text, text", "assistant: text", "user: text"]
    assert facts["message"]["turn 1: Save what is worth remembering."] == "Save what is worth remembering."
    assert facts["capture"]["sandbox"] == "sealed" and facts["capture"]["off-machine attempts"] == []


def test_two_turns_call_read_file_and_send_its_result_back_by_id():
    result = run("two-turn")
    assert result.status == OK, result.reason
    assert [(r["turn"], r["reply"]) for r in result.requests] == [(0, "tool_use"), (1, "end_turn")]
    history = result.requests[1]["body"]["messages"]
    assert [(m["role"], [b["type"] for b in m["content"]]) for m in history] == [
        ("user", ["text", "text"]), ("assistant", ["text", "tool_use"]), ("tool", ["tool_result"])]
    call, answer = history[1]["content"][1], history[2]["content"][0]
    assert call == {"type": "tool_use", "id": "call_auditor_0000", "name": "read_file", "input": {"file_path": "<project>/README.md"}}
    assert answer["tool_use_id"] == "call_auditor_0000" and answer["content"].startswith("# demo")
    facts = scenario_facts(result.to_dict(), "9.0.0")
    assert "turn 1: history changes" not in facts["history"]  # the call and its result pair up: nothing dropped


def test_whole_answers_are_served_when_the_cli_does_not_stream():
    result = run("two-turn", [*FAKE_QWEN, "--no-stream"])
    assert result.status == OK, result.reason
    assert [(r["turn"], r["reply"]) for r in result.requests] == [(0, "tool_use"), (1, "end_turn")]


def test_approval_mode_changes_the_tools_and_the_prompt():
    facts = scenario_facts(run("yolo").to_dict(), "9.0.0")
    assert sorted(k.removeprefix("turn 0: ") for k in facts["tool_schema"]) == ["list_directory", "read_file", "run_shell_command", "write_file"]
    assert facts["system_block"]["turn 0: block 0"].endswith("Approval mode: yolo.")


def test_a_setting_no_longer_honoured_shows_in_the_capture():
    honoured = scenario_facts(run("settings-model").to_dict(), "9.0.0")["capture"]["honours model.name"]
    ignored = scenario_facts(run("settings-model", [*FAKE_QWEN, "--ignore-model"]).to_dict(), "9.0.0")["capture"]["honours model.name"]
    assert honoured == 'yes (model: "qwen3-coder-plus")'
    assert ignored == 'no (model: "qwen9-max")'


def test_the_sandbox_selects_the_openai_auth_type_and_merges_the_scenarios_settings():
    with FakeAPI(dialect=CHAT) as api, Sandbox(TARGET, api, None, builtin("settings-model").user) as sandbox:
        settings = json.loads((sandbox.home / ".qwen" / "settings.json").read_text())
        env = sandbox.env(sys.executable)
    assert settings == {"security": {"auth": {"selectedType": "openai"}}, "privacy": {"usageStatisticsEnabled": False},
                        "model": {"name": "qwen3-coder-plus"}}
    assert env["OPENAI_BASE_URL"] == api.url and "fake" in env["OPENAI_API_KEY"]


def test_capturing_twice_gives_the_same_facts():
    facts = [scenario_facts(run(name).to_dict(), "9.0.0") for name in ("print-default", "two-turn") for _ in range(2)]
    assert all(f["capture"]["status"] == "ok" for f in facts)
    assert facts[0] == facts[1] and facts[2] == facts[3]


def test_every_builtin_scenario_captures():
    scenarios = load_scenarios(None, None, TARGET.scenarios)
    assert {s.name for s in scenarios} == set(TARGET.default_scenarios)
    results = capture(FAKE_QWEN, TARGET, scenarios, timeout=20)
    assert {name: r.status for name, r in results.items()} == {s.name: OK for s in scenarios}


def test_a_qwen_that_crashes_hangs_or_never_calls_is_one_line():
    crashed = run("print-default", [*FAKE_QWEN, "--crash"])
    assert crashed.status == ERROR
    assert crashed.reason == f"{os.path.basename(sys.executable)} fake_qwen.py --crash exited with code 1: TypeError: boom in the fake Qwen Code"
    hung = run("print-default", [*FAKE_QWEN, "--hang"], timeout=1.5)
    assert hung.status == ERROR
    assert hung.reason == (f"{os.path.basename(sys.executable)} fake_qwen.py --hang hung: killed after 1.5s"
                           " (it had made 0 Chat Completions API calls; last output: (no output))")
    silent = run("print-default", [*FAKE_QWEN, "--no-api"])
    assert silent.status == ERROR and silent.reason.endswith("exited without calling the API: nothing to do")


@pytest.mark.parametrize(("path", "call"), [
    ("/chat/completions", True), ("/v1/chat/completions", True), ("/compatible-mode/v1/chat/completions", True),
    ("/v1/responses", False), ("/v1/chat/completions/x", False), ("/v1/messages", False),
])
def test_a_call_is_a_post_to_chat_completions_under_any_base_path(path, call):
    assert dialect("chat").is_call("POST", path) is call
    assert not CHAT.is_call("GET", path)


def test_the_stream_carries_text_then_each_indexed_tool_call_then_the_finish_and_usage():
    body = {"model": "m", "stream": True, "stream_options": {"include_usage": True}, "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "read_file", "parameters": {}}}]}
    reply = CHAT.reply(RecordedRequest("POST", "/chat/completions", {}, [], body, 0), [Turn(text="Reading.", tool="read_file", tool_input={"file_path": "x"})], set(), 30)
    assert reply.label == "tool_use" and reply.events is not None and reply.events[-1] == b"data: [DONE]\n\n"
    chunks = [json.loads(e.decode().removeprefix("data: ")) for e in reply.events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert [c["choices"][0]["delta"] if c["choices"] else c["usage"] for c in chunks] == [
        {"role": "assistant", "content": "Reading."},
        {"tool_calls": [{"index": 0, "id": "call_auditor_0000", "type": "function", "function": {"name": "read_file", "arguments": '{"file_path": "x"}'}}]},
        {},
        {"prompt_tokens": 30, "completion_tokens": 8, "total_tokens": 38}]
    assert chunks[2]["choices"][0]["finish_reason"] == "tool_calls"


def test_a_tool_not_offered_is_not_called_and_a_whole_answer_has_no_stream():
    body = {"model": "m", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]}
    reply = CHAT.reply(RecordedRequest("POST", "/v1/chat/completions", {}, [], body, 0), [Turn(text="Reading.", tool="read_file")], set(), 12)
    assert reply.label == "end_turn" and reply.events is None
    assert reply.body["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "Reading."}, "finish_reason": "stop"}]


def test_the_turn_counts_the_models_messages_and_the_view_reads_the_messages_shape():
    body = {"model": "m", "temperature": 0.3, "messages": [
        {"role": "system", "content": "You are Q."}, {"role": "system", "content": [{"type": "text", "text": "More."}]},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "reasoning_content": "hmm", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"file_path": "a"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "text of a"}],
        "tools": [{"type": "function", "function": {"name": "read_file", "description": "Reads.", "parameters": {"type": "object"}, "strict": True}}]}
    assert CHAT.turn(body) == 1 and CHAT.turn({"messages": [{"role": "user", "content": "hi"}]}) == 0
    view = CHAT.view({"path": "/chat/completions", "body": body})["body"]
    assert view["system"] == [{"type": "text", "text": "You are Q."}, {"type": "text", "text": "More."}]
    assert view["tools"] == [{"name": "read_file", "description": "Reads.", "parameters": {"type": "object"}, "strict": True}]
    assert view["temperature"] == 0.3 and view["model"] == "m"
    assert view["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm"},
                                          {"type": "tool_use", "id": "c1", "name": "read_file", "input": {"file_path": "a"}}]},
        {"role": "tool", "content": [{"type": "tool_result", "tool_use_id": "c1", "content": "text of a"}]}]


def test_the_pin_installs_qwen_code_and_holds_it_with_its_settings_key():
    from datetime import UTC, datetime

    from auditor.pin import Policy, recommend

    published = {"0.24.3": "2026-09-21T18:40:37+00:00", "0.24.4": "2026-09-22T19:48:56+00:00"}
    facts = {"0.24.4": {"env": {"OPENAI_API_KEY": ""}}}
    rec = recommend([], published, "0.24.3", Policy(), datetime(2026, 10, 1, tzinfo=UTC), target=TARGET, facts=facts)
    assert rec.commands["install"] == "npm install -g @qwen-code/qwen-code@0.24.4"
    comment, _, block = rec.commands["hold_settings"].partition("\n")
    assert comment == "# ~/.qwen/settings.json (merge into the existing file)"
    assert json.loads(block) == {"general": {"enableAutoUpdate": False}}
    assert "hold_env" not in rec.commands
    assert rec.commands["verify"].startswith("qwen --version")
