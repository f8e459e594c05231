"""Sessions over time against the fake CLI: resumed after idle hours, long enough to compact, tools behind ToolSearch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from auditor.capture import OK, Scenario, Turn, capture_scenario, load_scenario, load_scenarios
from auditor.capture.facts import scenario_facts
from auditor.capture.sandbox import PROJECT_FILES
from auditor.capture.session import Session, SessionError, age, large_file, transcripts
from auditor.targets import get

FAKE_CLI = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_cli.py")]
TARGET = get("claude-code")


def read(path: str, thinking: str = "Reading.") -> Turn:
    return Turn(text="Reading.", thinking=thinking, tool="Read", tool_input={"file_path": "{project}/" + path})


RESUMED = Scenario(
    name="resumed", mode="print", prompt="Read README.md.", route="base-url",
    turns=(read("README.md", "First thought."), Turn(text="A demo."), read("hello.py", "Second thought."), Turn(text="Prints hello.")),
    session=Session(followups=("Now hello.py.",), idle_minutes=180),
)


def facts_of(scenario: Scenario, timeout: float = 30) -> dict:
    result = capture_scenario(FAKE_CLI, TARGET, scenario, timeout=timeout)
    assert result.status == OK, result.reason
    return scenario_facts(result.to_dict(), "1.0.0")


def test_an_idle_resumed_session_shows_what_the_release_dropped():
    facts = facts_of(RESUMED)
    changes = facts["history"]["turn 2: history changes"]
    assert changes == [
        "thinking stripped: message 1 (assistant), 14 → 0 chars",
        f'tool result cleared: message 2 (user), {len(PROJECT_FILES["README.md"])} → 33 chars → "[Old tool result content cleared]"',
    ]
    assert facts["history"]["turn 2: resent"] == "5 messages; thinking 0 (0 chars); tool results 1 (33 chars)"
    assert facts_of(RESUMED) == facts  # captured twice: zero changes


def test_a_fresh_resume_keeps_everything_and_resume_by_id_works():
    for how in ("continue", "resume"):
        fresh = Scenario(**{**RESUMED.__dict__, "session": Session(followups=("Now hello.py.",), resume=how)})
        facts = facts_of(fresh)
        assert not any(k.endswith("history changes") for k in facts["history"]), how
        assert facts["history"]["turn 2: resent"].startswith("5 messages; thinking 1 (14 chars); tool results 1")


def test_a_long_session_reaches_compaction_and_stops_replaying_the_script():
    turns = (*tuple(read(f"big-{i:02d}.txt") for i in range(1, 7)), Turn(text="Done."))
    long = Scenario(name="long", mode="print", prompt="Read them.", args=("--compact-at", "40000"), route="base-url", turns=turns,
                    session=Session(large_files=6, file_kb=40, estimate_usage=True))
    facts = facts_of(long)
    changes = {k: v for k, v in facts["history"].items() if k.endswith("history changes")}
    assert list(changes.values()) == [["history compacted: message 0 (history), 12 → 1 messages"]]
    assert facts_of(long) == facts


def test_tools_deferred_behind_tool_search_are_loaded_first():
    scenario = Scenario(name="t", mode="print", prompt="Read.", args=("--defer-tools",), route="base-url",
                        turns=(read("README.md"), Turn(text="A demo.")))
    facts = facts_of(scenario)
    assert facts["capture"]["requests"] == ["turn 0 (claude-fake-4)", "turn 1 (claude-fake-4)", "turn 2 (claude-fake-4)"]
    assert facts["history"]["turn 2: messages"][-2:] == ["assistant: thinking(signed), text, tool_use", "user: tool_result"]


def test_age_moves_transcripts_into_the_past(tmp_path: Path):
    folder = tmp_path / ".claude" / "projects" / "-p"
    folder.mkdir(parents=True)
    (folder / "s.jsonl").write_text('{"timestamp": "2026-01-01T12:00:00.000Z", "message": {"timestamp": "x"}}\nnot json\n')
    assert age(tmp_path, 90) == 1 and transcripts(tmp_path) == [folder / "s.jsonl"]
    first, second = (folder / "s.jsonl").read_text().splitlines()
    assert json.loads(first) == {"timestamp": "2026-01-01T10:30:00.000Z", "message": {"timestamp": "x"}} and second == "not json"


def test_builtin_session_scenarios_and_bad_tables(tmp_path: Path):
    scenarios = {s.name: s for s in load_scenarios(None, ["resume-stale", "long-session"])}
    assert scenarios["resume-stale"].session.idle_minutes >= 61 and len(scenarios["resume-stale"].session.followups) == 3
    assert scenarios["long-session"].session.estimate_usage and len(scenarios["long-session"].turns) > scenarios["long-session"].session.large_files
    assert large_file("a", 2) == large_file("a", 2) and len(large_file("a", 2)) == 2048 // 80 * 80
    for body, message in [
        ('mode = "interactive"\nprompt = "x"\n[session]\nfollowups = ["y"]\n', "resume in print mode"),
        ('mode = "print"\nprompt = "x"\n[session]\nresume = "later"\n', "resume must be one of"),
        ('mode = "print"\nprompt = "x"\n[session]\nidle_minutes = -1\n', "whole number"),
        ('mode = "print"\nprompt = "x"\n[session]\nnap = 1\n', "unknown key 'nap'"),
    ]:
        (tmp_path / "bad.toml").write_text(body)
        with pytest.raises(SessionError, match=message):
            load_scenario(tmp_path / "bad.toml")


@pytest.mark.parametrize("name", ["resume-stale", "resume-stale-id", "long-session"])
def test_builtin_session_scenarios_run_and_twice_give_the_same_facts(name: str):
    from dataclasses import replace

    (scenario,) = load_scenarios(None, [name])
    scenario = replace(scenario, route="base-url")
    facts = facts_of(scenario, timeout=60)
    turns = [r for r in facts["capture"]["requests"] if r.startswith("turn")]
    assert len(turns) == len(scenario.turns)  # every scripted turn reached, across every run
    assert facts_of(scenario, timeout=60) == facts
