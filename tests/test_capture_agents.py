"""Every agent the model can be: a scripted turn calls a tool once per name the release's own request lists
(agent types, skills), each subagent's requests are captured under its agent type, each skill's prompt and
the compaction request are facts; captures of one release agree."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.capture import OK, capture_scenario, load_scenarios
from auditor.capture.facts import scenario_facts
from auditor.capture.server import MAX_EACH, Turn, listed, reply_blocks
from auditor.targets import get

FAKE_CLI = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_cli.py")]
TARGET = get("claude-code")
AGENTS = "Available agent types and the tools they have access to:"


@pytest.fixture(scope="module")
def scenarios():
    return {s.name: s for s in load_scenarios(names=["agents", "skills", "compact", "plan-mode"])}


def facts_of(scenario, certificates, *flags: str) -> dict:
    result = capture_scenario([*FAKE_CLI, *flags], TARGET, scenario, timeout=30, certificates=certificates)
    assert result.status == OK, result.reason
    return scenario_facts(result.to_dict(), "1.0.0")


def body(description: str = "", messages: tuple[str, ...] = ()) -> dict:
    return {"tools": [{"name": "Agent", "description": description}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": m} for m in messages]}]}


def test_the_names_come_from_the_request_under_its_heading():
    tool = f"Launch an agent.\n\n{AGENTS}\n- general-purpose: Anything. (Tools: *)\n- Explore: Search.\n\nWhen using it, say so.\n- not-an-agent: after the list"
    assert listed(body(tool), ["Available agent types"]) == ["general-purpose", "Explore"]
    reminder = "<system-reminder>\nThe following skills are available:\n\n- simplify: Review.\n- loop: Repeat.\n- simplify: again\n</system-reminder>"
    assert listed(body(messages=("Hi.", reminder)), ["The following skills are available"]) == ["simplify", "loop"]  # once each
    assert listed(body("No agents here."), ["Available agent types"]) == []
    many = AGENTS + "\n" + "".join(f"- a{i}: x\n" for i in range(100))
    assert len(listed(body(many), ["Available agent types"])) == MAX_EACH  # the release's listing, bounded


def test_a_fan_out_turn_calls_the_tool_once_per_name_in_one_message_with_only_the_fields_it_takes():
    offered = {"name": "Agent", "description": f"{AGENTS}\n- Explore: Search.\n- Plan: Plan.\n",
               "input_schema": {"type": "object", "properties": {"subagent_type": {}, "prompt": {}}, "additionalProperties": False}}
    turn = Turn(text="Asking.", tool="Agent", each=("Available agent types",),
                tool_input={"subagent_type": "{name}", "prompt": "Ask {name}.", "run_in_background": False})
    blocks = reply_blocks({"tools": [offered], "messages": [{"role": "user", "content": "Go."}]}, [turn])
    assert [b.get("input") for b in blocks if b["type"] == "tool_use"] == [
        {"subagent_type": "Explore", "prompt": "Ask Explore."}, {"subagent_type": "Plan", "prompt": "Ask Plan."}]
    assert len({b["id"] for b in blocks if b["type"] == "tool_use"}) == 2
    unlisted = {**offered, "description": "Run an agent."}
    assert reply_blocks({"tools": [unlisted], "messages": [{"role": "user", "content": "Go."}]}, [turn]) == [{"type": "text", "text": "Asking."}]


def test_each_built_in_agent_type_has_its_own_requests(scenarios, certificates):
    facts = facts_of(scenarios["agents"], certificates)
    assert facts["capture"]["requests"] == ["turn 0 (claude-fake-4)", "turn 1 (claude-fake-4)",
                                            "subagent Explore 0 (claude-fake-haiku-4)", "subagent general-purpose 0 (claude-fake-4)"]
    assert facts["request_param"]["subagent Explore 0: model"] == "claude-fake-haiku-4"
    assert "subagent Explore 0: block 1" in facts["system_block"] and "subagent Explore 0: Read" in facts["tool_schema"]
    assert facts["message"]["subagent Explore 0: The auditor asks Explore: say in one sentence what README.md is about."]


def test_subagents_whose_task_follows_a_message_of_deferred_tools_are_told_from_the_main_loop(scenarios, certificates):
    facts = facts_of(scenarios["agents"], certificates, "--defer-tools")  # else each would fan out again, without end
    assert [r.split(" (")[0] for r in facts["capture"]["requests"]] == [
        "turn 0", "turn 1", "turn 2", "subagent Explore 0", "subagent general-purpose 0"]


def test_each_skill_adds_its_prompt_as_a_fact(scenarios, certificates):
    facts = facts_of(scenarios["skills"], certificates, "--skills")
    assert facts["message"]["turn 1: skill tidy"] == "# Tidy\n\nMake the changed code tidy."
    assert facts["message"]["turn 1: skill explain"] == "# Explain\n\nExplain what the code does."
    assert facts["message"]["turn 0: The following skills are available for use with the Skill tool:"].startswith("<system-reminder>")
    assert "turn 1: skill tidy" not in facts_of(scenarios["skills"], certificates)["message"]  # a release without skills: none called


def test_a_skill_that_asks_first_is_heard_because_the_scenario_allows_the_skill_tool(scenarios, certificates):
    """Print mode cannot ask, so it refuses a skill that asks permission first (2.1.234's claude-api,
    update-config, loop…); the scenario allows the Skill tool, so every skill's prompt is heard."""
    refused = replace(scenarios["skills"], args=())
    assert "turn 1: skill explain" not in facts_of(refused, certificates, "--skills")["message"]
    assert "turn 1: skill tidy" in facts_of(refused, certificates, "--skills")["message"]
    assert "turn 1: skill explain" in facts_of(scenarios["skills"], certificates, "--skills")["message"]


def test_the_compaction_request_is_its_own_role(scenarios, certificates):
    facts = facts_of(scenarios["compact"], certificates)
    assert [r.split(" (")[0] for r in facts["capture"]["requests"]] == ["turn 0", "turn 1", "compact 0", "turn 2"]
    assert "Your task is to create a detailed summary" in facts["message"]["compact 0: Your task is to create a detailed summary of the conversation so far."]
    assert facts["message"]["turn 2: What did we do so far?"] == "What did we do so far?"  # what the conversation holds after it


def test_plan_modes_instructions_are_heard(scenarios, certificates):
    facts = facts_of(scenarios["plan-mode"], certificates)
    assert "### Phase 1: Explore" in facts["message"]["turn 0: Plan mode is active. Do not edit files yet."]


@pytest.mark.parametrize(("name", "flags"), [("agents", ()), ("skills", ("--skills",)), ("compact", ()), ("plan-mode", ())])
def test_capturing_twice_gives_zero_changes(name, flags, scenarios, certificates):
    assert facts_of(scenarios[name], certificates, *flags) == facts_of(scenarios[name], certificates, *flags)


def test_texts_are_named_by_their_first_line_with_hashes_masked():
    hashed = "Base directory for this skill: /tmp/x/4464ad68b283abaacfa215fb1fc7a126/simplify\n\n# Simplify"
    first = [{"role": "user", "content": [{"type": "text", "text": "<system-reminder>\nToday is <date>.\n</system-reminder>"}, {"type": "text", "text": "Go."}]}]
    later = [*first, {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Skill", "input": {}}]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "Launching skill"},
                                          {"type": "text", "text": hashed}, {"type": "text", "text": "Again."}, {"type": "text", "text": "Again."}]}]
    requests = [{"turn": n, "body": {"tools": [{"name": "Read"}], "messages": m}, "headers": {}} for n, m in enumerate((first, later))]
    facts = scenario_facts({"status": "ok", "requests": requests}, "1.0.0")
    assert facts["message"] == {
        "turn 0: Today is <date>.": "<system-reminder>\nToday is <date>.\n</system-reminder>", "turn 0: Go.": "Go.",
        # a later turn: only what came after the model's last message, tool results left out
        "turn 1: Base directory for this skill: /tmp/x/<hash>/simplify": hashed.replace("4464ad68b283abaacfa215fb1fc7a126", "<hash>"),
        "turn 1: Again.": "Again.", "turn 1: Again. (2)": "Again."}


def test_a_skills_prompt_is_named_by_the_skill_whose_launch_it_follows():
    """Releases rewrite a skill's first line (claude-api's gained a "Base directory" line in 2.1.111): named by
    the skill its launch result names, its prompt is one fact across them, not one removed and one added."""
    call = {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": "Skill", "input": {"skill": n}} for i, n in enumerate(("a", "b"))]}

    def texts(results: list, *added: str) -> dict:
        messages = [{"role": "user", "content": "Go."}, call, {"role": "user", "content": [*results, *({"type": "text", "text": t} for t in added)]}]
        requests = [{"body": {"tools": [{"name": "Skill"}], "messages": m}, "headers": {}} for m in (messages[:1], messages)]
        return {k: v for k, v in scenario_facts({"status": "ok", "requests": requests}, "1.0.0")["message"].items() if k.startswith("turn 1")}

    launched = [{"type": "tool_result", "tool_use_id": "t0", "content": "Launching skill: a"},
                {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "Launching skill: b:sub"}]}]
    assert texts(launched, "# A\nfirst", "Base directory for this skill: /x/b\n# B") == {
        "turn 1: skill a": "# A\nfirst", "turn 1: skill b:sub": "Base directory for this skill: /x/b\n# B"}
    refused = [launched[0], {"type": "tool_result", "tool_use_id": "t1", "content": "Execute skill: b", "is_error": True}]
    assert texts(refused, "# A") == {"turn 1: skill a": "# A"}
    # the program's own words: a name that is no name (a path, an endless one) names nothing, the texts keep their titles
    for hostile in ("../../etc/passwd x", "a" * 10_000):
        claimed = [{"type": "tool_result", "tool_use_id": "t0", "content": f"Launching skill: {hostile}"}, launched[1]]
        assert set(texts(claimed, "# A", "# B")) == {"turn 1: # A", "turn 1: # B"}
    # a reminder beside them: which text is whose cannot be told, so each keeps its first line
    assert texts(launched, "# A", "# B", "<system-reminder>\nNote.\n</system-reminder>") == {
        "turn 1: # A": "# A", "turn 1: # B": "# B", "turn 1: Note.": "<system-reminder>\nNote.\n</system-reminder>"}


def test_a_request_that_forces_its_one_tool_is_a_side_request_not_a_turn():
    """An auto-mode classifier (2.1.71) offers one tool and forces it, for a structured verdict: a side
    query, not the agent loop, whatever tools it carries."""
    turn = {"body": {"tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "Go."}]}, "headers": {}}
    verdict = {"body": {"tools": [{"name": "classify_result"}], "tool_choice": {"type": "tool", "name": "classify_result"},
                        "messages": [{"role": "user", "content": "<transcript>Bash rm -rf build</transcript>"}]}, "headers": {}}
    free = {"body": {"tools": [{"name": "Bash"}], "tool_choice": {"type": "auto"}, "messages": [{"role": "user", "content": "Again."}]}, "headers": {}}
    facts = scenario_facts({"status": "ok", "requests": [turn, verdict, free]}, "1.0.0")
    assert [r.split(" (")[0] for r in facts["capture"]["requests"]] == ["turn 0", "side 0", "turn 1"]
