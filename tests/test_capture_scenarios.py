"""Scenario files: the built-ins load, user files override them, bad files give one line naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.capture import Scenario, ScenarioError, Turn, load_scenario, load_scenarios

BUILTINS = {"interactive", "interactive-base-url", "print-base-url", "print-default", "print-effort-high",
            "print-effort-xhigh", "print-haiku", "print-opus", "print-sonnet", "two-turn"}
BUILTINS |= {f"plan-{p}{o}" for p in ("pro", "max", "team", "enterprise") for o in ("", "-opus")}
BUILTINS |= {"settings-effort", "env-effort", "settings-model", "subagent-haiku"}
BUILTINS |= {"resume-stale", "resume-stale-id", "long-session", "idle-session"}  # sessions over time
BUILTINS |= {"agents", "skills", "compact", "plan-mode", "auto-mode"}  # every agent the model can be, plan and auto mode


def test_builtins_load():
    scenarios = {s.name: s for s in load_scenarios()}
    assert set(scenarios) == BUILTINS
    assert scenarios["print-opus"].command_args() == ["--model", "opus", "-p", "Say hello."]
    assert scenarios["interactive"].command_args() == [] and scenarios["interactive"].mode == "interactive"
    assert scenarios["print-base-url"].route == "base-url" and scenarios["print-default"].route == "first-party"
    two = scenarios["two-turn"]
    [first] = two.script({"project": "/p", "home": "/h"})[:1]
    assert first.tool == "Read" and first.tool_input == {"file_path": "/p/README.md"} and first.thinking
    # auto mode: the scripted model runs a command the classifier must judge, so its requests are heard
    auto = scenarios["auto-mode"]
    assert auto.command_args()[:2] == ["--permission-mode", "auto"] and auto.script({"project": "/p", "home": "/h"})[0].tool == "Bash"


def test_user_directory_adds_and_overrides(tmp_path: Path):
    (tmp_path / "print-opus.toml").write_text('mode = "print"\nprompt = "Other."\nargs = ["--model", "opus"]\n')
    (tmp_path / "mine.toml").write_text('mode = "interactive"\nprompt = "Hi."\n[[turns]]\ntext = "Yo."\n')
    scenarios = {s.name: s for s in load_scenarios(tmp_path)}
    assert set(scenarios) == BUILTINS | {"mine"}
    assert scenarios["print-opus"].prompt == "Other."
    assert scenarios["mine"] == Scenario(name="mine", mode="interactive", prompt="Hi.", turns=(Turn(text="Yo."),))
    assert [s.name for s in load_scenarios(tmp_path, names=["mine", "two-turn"])] == ["mine", "two-turn"]


@pytest.mark.parametrize(("text", "message"), [
    ('mode = "print"\nprompt = "x"\n[[turns]]\ntext = "t"\neach = ["Agents"]\n', "turns[0].each must be a list of headings, beside a tool"),
    ('mode = "print"\nprompt = "x"\n[[turns]]\ntool = "Agent"\neach = "Agents"\n', "turns[0].each must be a list of headings, beside a tool"),
    ('mode = "print"\nprompt = "x"\ncolour = 1\n', "unknown key 'colour'"),
    ('mode = "batch"\nprompt = "x"\n', "mode must be one of print, interactive (got 'batch')"),
    ('mode = "print"\n', "prompt must be a non-empty string"),
    ('mode = "print"\nprompt = "x"\nargs = "-v"\n', "args must be a list of strings"),
    ('mode = "print"\nprompt = "x"\nargs = ["-p", "y"]\n', "args must not contain -p/--print"),
    ('mode = "print"\nprompt = "x"\nroute = "lan"\n', "route must be one of first-party, base-url"),
    ('mode = "print"\nprompt = "x"\n[[turns]]\ntool_input = {a = 1}\n', "turns[0].tool_input needs a tool"),
    ('mode = "print"\nprompt = "x"\n[[turns]]\nsmile = 1\n', "turns[0] has unknown key 'smile'"),
    ('mode = "print"\nprompt = "x"\n[[turns]]\ntext = ""\n', "turns[0] needs text or a tool"),
    ('mode = "print\nprompt = "x"\n', "invalid TOML"),
    ('mode = "print"\nprompt = "x"\nexit_ok = "yes"\n', "exit_ok must be true or false"),
])
def test_invalid_files_give_one_line_naming_the_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_names_and_missing_things(tmp_path: Path):
    bad = tmp_path / "Bad Name.toml"
    bad.write_text('mode = "print"\nprompt = "x"\n')
    with pytest.raises(ScenarioError, match=r"Bad Name\.toml: scenario names"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'; known: "):
        load_scenarios(names=["nope"])
    with pytest.raises(ScenarioError, match="not a directory"):
        load_scenarios(tmp_path / "missing")
