"""Gemini CLI captures end to end against a fake `gemini` (tests/fixtures/capture/fake_gemini.py) speaking the
Gemini API to the fake: the router, the scenario matrix, facts, settings, and a program that misbehaves."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from auditor.capture import ERROR, OK, FakeAPI, Sandbox, capture, capture_scenario, load_scenarios
from auditor.capture.facts import scenario_facts
from auditor.capture.gemini_api import GEMINI, plainest
from auditor.capture.server import RecordedRequest, Turn
from auditor.targets import get

FAKE_GEMINI = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_gemini.py")]
TARGET = get("gemini-cli")


def builtin(name: str):
    [scenario] = load_scenarios(None, [name], TARGET.scenarios)
    return scenario


def run(name: str, program: list[str] = FAKE_GEMINI, timeout: float = 20):
    return capture_scenario(program, TARGET, builtin(name), timeout=timeout, release=Path(FAKE_GEMINI[1]).parent)


def test_the_default_model_goes_through_the_router_whose_prompt_and_choice_are_facts():
    result = run("print-default")
    assert result.status == OK, result.reason
    paths = sorted(r["path"] for r in result.requests)
    assert paths == ["/v1beta/models/gemini-flash-9:streamGenerateContent", "/v1beta/models/gemini-lite-9:generateContent"]
    facts = scenario_facts(result.to_dict(), "9.0.0")
    # The router heard "simple" (the plainest answer fitting its schema) once, and chose flash.
    assert facts["capture"]["requests"] == ["turn 0 (gemini-flash-9)", "side 0 (gemini-lite-9)"]
    assert facts["system_block"]["side 0: block 0"].startswith("You are a Task Routing AI.")
    assert facts["request_param"]["side 0: responseJsonSchema"]["required"] == ["complexity_reasoning", "complexity_score"]
    # The conversation's request: its system instruction, each function declaration, its generation config.
    assert facts["system_block"]["turn 0: block 0"] == (
        "You are Fake Gemini CLI, working in <project>. You are in **Default** mode.\nYour home is <home>. A skill: <release>/skills/creator/SKILL.md\n"
        "<available_skills>\n  <skill>\n    <name>antigravity-support</name>\n  </skill>\n  <skill>\n    <name>skill-creator</name>\n  </skill>\n"
        "</available_skills>")
    assert sorted(k for k in facts["tool_schema"]) == ["turn 0: list_directory", "turn 0: read_file"]
    assert facts["tool_schema"]["turn 0: read_file"]["description"] == "Reads a file."
    params = facts["request_param"]
    assert (params["turn 0: model"], params["turn 0: temperature"], params["turn 0: topP"], params["turn 0: topK"]) == ("gemini-flash-9", 1, 0.95, 64)
    assert params["turn 0: thinkingConfig"] == {"includeThoughts": True, "thinkingLevel": "HIGH"}
    assert facts["header"]["turn 0: x-goog-api-key"] == "<redacted>"
    assert facts["header"]["turn 0: user-agent"] == "GeminiCLI/{VERSION}/gemini-flash-9 (linux; x64)"
    assert facts["capture"]["sandbox"] == "sealed" and facts["capture"]["off-machine attempts"] == []


def test_capturing_twice_gives_the_same_facts():
    """The fake lists its skills in a random order each run, as the real one's file glob does."""
    facts = [scenario_facts(run(name).to_dict(), "9.0.0") for name in ("two-turn", "yolo") for _ in range(3)]
    assert all(f["capture"]["status"] == "ok" for f in facts)
    assert facts[0] == facts[1] == facts[2] and facts[3] == facts[4] == facts[5]


def test_two_turns_call_read_file_then_answer_in_text():
    result = run("two-turn")
    assert result.status == OK, result.reason
    main = [r for r in result.requests if r["body"].get("tools")]
    assert [(r["turn"], r["reply"]) for r in main] == [(0, "tool_use"), (1, "end_turn")]
    history = main[1]["body"]["messages"]
    assert [(m["role"], [b["type"] for b in m["content"]]) for m in history] == [
        ("user", ["text", "text"]), ("assistant", ["text", "functionCall"]), ("user", ["functionResponse"])]
    assert history[1]["content"][1]["input"] == {"name": "read_file", "args": {"file_path": "<project>/README.md"}}
    assert history[2]["content"][0]["input"]["response"]["output"].startswith("# demo")
    facts = scenario_facts(result.to_dict(), "9.0.0")
    assert facts["history"]["turn 1: messages"] == ["user: text, text", "assistant: text, functionCall", "user: functionResponse"]
    # What the CLI adds to the conversation is its own words (the date as a sentence says it normalized); the
    # model's answers are not, nor what a tool returned.
    said = {"Today's date is <date>.": "Today's date is <date>.\nWorkspace: <project>",
            "Read README.md and summarize it in one sentence.": "Read README.md and summarize it in one sentence."}
    assert facts["message"] == {f"{role}: {title}": text for role in ("turn 0", "side 0") for title, text in said.items()}


def test_model_flag_and_approval_mode_change_the_request():
    flash, pro, yolo = run("print-flash"), run("print-pro"), run("yolo")
    assert [r["body"]["model"] for r in flash.requests] == ["gemini-flash-9"]  # no router: the model was chosen
    assert [r["body"]["model"] for r in pro.requests] == ["gemini-pro-9"]
    tools = scenario_facts(yolo.to_dict(), "9.0.0")["tool_schema"]
    assert sorted(k.removeprefix("turn 0: ") for k in tools) == ["activate_skill", "list_directory", "read_file", "run_shell_command", "write_file"]
    assert "**Yolo** mode" in scenario_facts(yolo.to_dict(), "9.0.0")["system_block"]["turn 0: block 0"]


def test_a_setting_no_longer_honoured_shows_in_the_capture():
    honoured = scenario_facts(run("settings-model").to_dict(), "9.0.0")["capture"]["honours model.name"]
    remapped = scenario_facts(run("settings-model", [*FAKE_GEMINI, "--remap"]).to_dict(), "9.0.0")["capture"]["honours model.name"]
    assert honoured == 'yes (model: "gemini-2.5-flash")'
    assert remapped == 'no (model: "gemini-flash-10")'


def test_the_sandbox_chooses_the_auth_method_and_merges_the_scenarios_settings():
    with FakeAPI(dialect=GEMINI) as api, Sandbox(TARGET, api, None, builtin("settings-model").user) as sandbox:
        settings = json.loads((sandbox.home / ".gemini" / "settings.json").read_text())
        env = sandbox.env(sys.executable)
        assert not (sandbox.home / ".claude.json").exists()
    assert settings == {"security": {"auth": {"selectedType": "gemini-api-key"}}, "privacy": {"usageStatisticsEnabled": False},
                        "model": {"name": "gemini-2.5-flash"}}
    assert env["GOOGLE_GEMINI_BASE_URL"] == api.url and env["GEMINI_CLI_TRUST_WORKSPACE"] == "true" and "fake" in env["GEMINI_API_KEY"]


def test_every_builtin_scenario_captures():
    scenarios = load_scenarios(None, None, TARGET.scenarios)
    assert {s.name for s in scenarios} >= set(TARGET.default_scenarios)
    results = capture(FAKE_GEMINI, TARGET, scenarios, timeout=20)
    assert {name: r.status for name, r in results.items()} == {s.name: OK for s in scenarios}


def test_a_gemini_that_crashes_or_hangs_is_one_line():
    crashed = run("print-default", [*FAKE_GEMINI, "--crash"])
    assert crashed.status == ERROR
    assert crashed.reason == f"{os.path.basename(sys.executable)} fake_gemini.py --crash exited with code 1: TypeError: boom in the fake Gemini CLI"
    hung = run("print-default", [*FAKE_GEMINI, "--hang"], timeout=1.5)
    assert hung.status == ERROR
    assert hung.reason == f"{os.path.basename(sys.executable)} fake_gemini.py --hang hung: killed after 1.5s (it had made 0 Gemini API calls; last output: (no output))"
    silent = run("print-default", [*FAKE_GEMINI, "--no-api"])
    assert silent.status == ERROR and silent.reason.endswith("exited without calling the API: nothing to do")


@pytest.mark.parametrize(("schema", "value"), [
    ({"type": "OBJECT", "properties": {"score": {"type": "INTEGER", "minimum": 1}, "why": {"type": "STRING"}}}, {"score": 1, "why": "auditor"}),
    ({"type": "object", "properties": {"model_choice": {"type": "string", "enum": ["flash", "pro"]}}}, {"model_choice": "flash"}),
    ({"anyOf": [{"type": "boolean"}, {"type": "string"}]}, False),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, [1, 1]),
    ({"properties": {"next_speaker": {"enum": ["user", "model"]}}}, {"next_speaker": "user"}),
])
def test_a_json_schema_is_answered_with_its_plainest_value(schema, value):
    assert plainest(schema) == value


def test_the_turn_counts_the_models_tool_calls_not_a_canned_setup_answer():
    setup = {"role": "model", "parts": [{"text": "Got it. Thanks for the context!"}]}
    called = {"role": "model", "parts": [{"functionCall": {"name": "read_file", "args": {}}}]}
    assert GEMINI.turn({"contents": [{"role": "user", "parts": [{"text": "ctx"}]}, setup]}) == 0
    assert GEMINI.turn({"contents": [setup, called, {"role": "user", "parts": [{"functionResponse": {}}]}]}) == 1
    body = {"contents": [setup], "tools": [{"functionDeclarations": [{"name": "read_file"}]}]}
    record = RecordedRequest("POST", "/v1beta/models/m:streamGenerateContent", {"alt": ["sse"]}, [], body, 0)
    reply = GEMINI.reply(record, [Turn(text="Reading.", tool="read_file", tool_input={"file_path": "x"})], set(), 12)
    assert reply.label == "tool_use" and reply.events is not None
    parts = json.loads(reply.events[0].decode().removeprefix("data: "))["candidates"][0]["content"]["parts"]
    assert parts == [{"text": "Reading."}, {"functionCall": {"name": "read_file", "args": {"file_path": "x"}}}]


def test_the_pin_holds_gemini_cli_with_its_settings_key():
    from datetime import UTC, datetime

    from auditor.pin import Policy, recommend

    published = {"0.55.1": "2026-08-01T12:00:00+00:00", "0.56.0": "2026-08-10T12:00:00+00:00"}
    facts = {"0.56.0": {"env": {"GEMINI_API_KEY": ""}}}  # Gemini CLI's settings are not extracted: not checked against
    rec = recommend([], published, "0.55.1", Policy(), datetime(2026, 9, 1, tzinfo=UTC), target=TARGET, facts=facts)
    assert rec.commands["install"] == "npm install -g @google/gemini-cli@0.56.0"
    comment, _, block = rec.commands["hold_settings"].partition("\n")
    assert comment == "# ~/.gemini/settings.json (merge into the existing file)"
    assert json.loads(block) == {"general": {"enableAutoUpdate": False}}
    assert "hold_env" not in rec.commands and not any("env var" in n for n in rec.notes)
    assert rec.commands["verify"].startswith("gemini --version")


def test_the_conversations_request_comes_before_its_routers_whatever_they_hold():
    from auditor.capture.runner import _ordered

    router = RecordedRequest("POST", "/v1beta/models/lite:generateContent", {}, [], {"contents": []}, 0, reply="json")
    main = RecordedRequest("POST", "/v1beta/models/flash:streamGenerateContent", {}, [], {"contents": [], "tools": [{"functionDeclarations": [{"name": "x"}]}]}, 0)
    rows = _ordered([router, main], [{"body": {"a": "router"}}, {"body": {"b": "main"}}], lambda r: False, GEMINI)
    assert [r["body"] for r in rows] == [{"b": "main"}, {"a": "router"}]  # content alone would put the router first


def test_the_skills_activate_skill_lists_in_the_order_its_glob_found_them_are_sorted():
    def row(*skills: str) -> dict:
        quoted = ", ".join(f"'{s}'" for s in skills)
        tool = {"name": "activate_skill", "description": f"Activates a skill by name (Available: {quoted}). Use it.",
                "parametersJsonSchema": {"type": "object", "properties": {"name": {"type": "string", "enum": list(skills)}}}}
        return {"path": "/v1beta/models/m:generateContent", "body": {"contents": [], "tools": [{"functionDeclarations": [tool]}]}}

    one, other = GEMINI.view(row("skill-creator", "antigravity-support")), GEMINI.view(row("antigravity-support", "skill-creator"))
    assert one == other
    [tool] = one["body"]["tools"]
    assert tool["description"] == "Activates a skill by name (Available: 'antigravity-support', 'skill-creator'). Use it."
    assert list(tool) == ["name", "description", "parametersJsonSchema"]


def test_todays_date_as_a_sentence_says_it_is_volatile():
    import datetime as dt

    from auditor.capture.normalize import Volatiles, normalize_text

    volatiles = Volatiles.for_run(paths={}, port=1, api_key="k" * 30, now=dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC))
    text = "Today's date is Sunday, December 6, 2026 (formatted according to the user's locale). Due: December 7, 2026. Not November 6, 2026."
    assert normalize_text(text, volatiles) == "Today's date is <date> (formatted according to the user's locale). Due: <date>. Not November 6, 2026."


def test_a_gemini_that_tunnels_its_base_url_through_the_proxy_is_served_in_the_tunnel():
    result = run("print-default", [*FAKE_GEMINI, "--tunnel"])
    assert result.status == OK, result.reason
    assert result.egress == []  # a CONNECT to the fake itself is no attempt to leave
    assert sorted(r["body"]["model"] for r in result.requests) == ["gemini-flash-9", "gemini-lite-9"]
