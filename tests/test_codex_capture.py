"""Codex captures end to end against a fake `codex` (fixtures/capture/fake_codex.py) speaking the Responses API
to the fake: the provider comes from the sandbox's config.toml, the catalogue refresh is answered with the
binary's own, the request's parameters, developer messages and namespaced tools become facts, a user's
config.toml setting is checked as honoured, and a codex that hangs or crashes is one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import tomllib

import pytest
from click.testing import CliRunner
from test_codex import offline

from auditor import audit, catalog, pin, targets
from auditor.capture import ERROR, OK, UNSUPPORTED, FakeAPI, Sandbox, Scenario, capture, capture_scenario, load_scenarios
from auditor.capture.facts import scenario_facts, summary
from auditor.cli import cli

from builders import FAKE_CODEX, codex_model, codex_program, codex_release, read_report

TARGET = targets.get("codex")
CLAUDE_CODE = targets.get("claude-code")
PROMPT = "You are Codex, a coding agent.\nWork in the user's workspace.\nAsk before you push."
MODELS = [codex_model("gpt-a", prompt=PROMPT), codex_model("gpt-b", prompt="You are the other model."),
          codex_model("gpt-hidden", prompt="A model for reviews only.", visibility="hide")]


def program(tmp_path, extra_args: str = "", models: list[dict] = MODELS) -> list[str]:
    """A release's `codex` in its own folder, the fake beside it."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    codex = folder / "codex"
    codex.write_bytes(codex_program(models, extra_args))
    codex.chmod(0o755)
    shutil.copy(FAKE_CODEX, folder / "fake_codex.py")
    return [str(codex)]


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    return {s.name: s for s in load_scenarios(builtin=TARGET.scenarios)}


def test_codex_has_its_own_scenarios_and_claude_code_keeps_its_own(scenarios):
    assert set(TARGET.default_scenarios) <= set(scenarios)
    assert not set(scenarios) & {s.name for s in load_scenarios()}
    assert scenarios["exec-default"].command_args(TARGET.prompt_flag) == ["exec", "--skip-git-repo-check", "Say hello."]


def test_exec_request_becomes_facts_with_the_catalogue_prompt_pinned(tmp_path, scenarios):
    result = capture_scenario(program(tmp_path), TARGET, scenarios["exec-default"], timeout=20)
    assert result.status == OK, result.reason
    assert result.other_calls == ["GET /v1/models"]  # the refresh, answered with the binary's own catalogue
    facts = scenario_facts(result.to_dict(), "0.171.0")
    params = facts["request_param"]
    assert params["turn 0: model"] == "gpt-a"
    assert params["turn 0: reasoning"] == {"effort": "low"} and params["turn 0: text"] == {"verbosity": "low"}
    assert (params["turn 0: tool_choice"], params["turn 0: parallel_tool_calls"], params["turn 0: store"]) == ("auto", False, False)
    assert params["turn 0: include"] == ["reasoning.encrypted_content"]
    assert params["turn 0: client_metadata keys"] == ["session_id"]
    assert facts["system_block"]["turn 0: block 0"] == PROMPT
    assert facts["system_block"]["turn 0: block 1"] == "<permissions instructions>sandbox_mode is read-only</permissions instructions>"
    assert set(facts["tool_schema"]) == {"turn 0: functions.exec", "turn 0: functions.wait", "turn 0: web_search", "turn 0: collaboration.spawn_agent"}
    assert facts["tool_schema"]["turn 0: web_search"] == {"type": "web_search", "external_web_access": False}
    assert facts["tool_schema"]["turn 0: functions.exec"]["type"] == "custom"
    headers = facts["header"]
    assert headers["turn 0: authorization"] == "<redacted>"
    assert headers["turn 0: x-codex-turn-metadata"] == '{"session_id": "<uuid>", "turn_started_at_unix_ms": <unix-ms>}'
    assert facts["history"]["turn 0: messages"] == ["user: text", "user: text"]
    assert facts["capture"]["requests"] == ["turn 0 (gpt-a)"]


def test_the_sandbox_names_the_fake_as_codexs_provider_in_config_toml():
    with FakeAPI() as api, Sandbox(TARGET, api) as sandbox:
        config = tomllib.loads((sandbox.home / ".codex" / "config.toml").read_text())
        assert config["model_provider"] == "auditor"
        assert config["model_providers"]["auditor"] == {
            "name": "auditor fake API", "base_url": f"{api.url}/v1", "env_key": "OPENAI_API_KEY", "wire_api": "responses",
            "supports_websockets": False}
        assert sandbox.env("codex")["OPENAI_API_KEY"].startswith("sk-ant-api03-auditor-fake-key-")
        assert not (sandbox.home / ".claude.json").exists()


def test_two_turns_run_the_tool_call_and_send_its_output_back(tmp_path, scenarios):
    result = capture_scenario(program(tmp_path), TARGET, scenarios["exec-two-turn"], timeout=20)
    assert result.status == OK, result.reason
    assert [(r["turn"], r["reply"]) for r in result.requests] == [(0, "tool_use"), (1, "end_turn")]
    call, output = (m["content"][0] for m in result.requests[1]["body"]["messages"][-2:])  # as the dialect shapes it
    assert (call["type"], call["name"], call["id"]) == ("tool_use", "exec", "call_auditor_0000")
    assert call["input"].startswith("text(await tools.exec_command(")
    assert output == {"type": "tool_result", "tool_use_id": "call_auditor_0000", "content": f"ran {call['input']}"}
    facts = scenario_facts(result.to_dict(), "0.171.0")
    assert facts["history"]["turn 1: messages"] == ["user: text", "user: text", "assistant: tool_use", "user: tool_result"]


def test_two_turns_call_exec_command_where_the_model_has_no_exec_tool(tmp_path, scenarios):
    result = capture_scenario(program(tmp_path, "--no-code-mode"), TARGET, scenarios["exec-two-turn"], timeout=20)
    assert result.status == OK, result.reason
    call = result.requests[1]["body"]["messages"][-2]["content"][0]
    assert (call["type"], call["name"], json.loads(call["input"])) == ("tool_use", "exec_command", {"cmd": "cat README.md"})


def test_the_sandbox_mode_reaches_what_the_model_is_told(tmp_path, scenarios):
    result = capture_scenario(program(tmp_path), TARGET, scenarios["exec-workspace-write"], timeout=20)
    assert result.status == OK, result.reason
    facts = scenario_facts(result.to_dict(), "0.171.0")
    assert facts["system_block"]["turn 0: block 1"] == "<permissions instructions>sandbox_mode is workspace-write</permissions instructions>"


def test_a_config_toml_setting_is_checked_as_honoured(tmp_path, scenarios):
    honoured = capture_scenario(program(tmp_path), TARGET, scenarios["exec-config-effort"], timeout=20)
    assert honoured.status == OK, honoured.reason
    assert honoured.honoured == {"model_reasoning_effort": 'yes (reasoning.effort: "high")'}
    ignored = capture_scenario(program(tmp_path, "--ignore-config-effort"), TARGET, scenarios["exec-config-effort"], timeout=20)
    assert ignored.honoured == {"model_reasoning_effort": 'no (reasoning.effort: "low")'}


def test_capturing_twice_records_the_same_requests(tmp_path, scenarios):
    chosen = [scenarios[n] for n in (*TARGET.default_scenarios, "exec-models")]
    first, second = (capture(program(tmp_path), TARGET, chosen, timeout=20) for _ in range(2))
    for name in first:
        assert first[name].status == OK, first[name].reason
        assert scenario_facts(first[name].to_dict(), "0.171.0") == scenario_facts(second[name].to_dict(), "0.171.0")


def test_the_tui_is_driven_through_a_terminal(tmp_path, scenarios):
    result = capture_scenario(program(tmp_path), TARGET, scenarios["tui"], timeout=20)
    assert result.status == OK, result.reason
    [request] = result.requests
    assert request["body"]["messages"][-1]["content"] == [{"type": "text", "text": "Say hello."}]
    assert result.args == ["--no-daemon"]


def test_a_codex_that_crashes_is_one_line(tmp_path, scenarios):
    result = capture_scenario(program(tmp_path, "--crash"), TARGET, scenarios["exec-default"], timeout=20)
    assert result.status == ERROR
    assert result.reason == "codex exited with code 101: fake codex crashed"


def test_a_codex_that_hangs_is_killed_and_one_line(tmp_path, scenarios):
    started = time.monotonic()
    result = capture_scenario(program(tmp_path, "--hang"), TARGET, scenarios["exec-default"], timeout=1.5)
    assert time.monotonic() - started < 10
    assert result.status == ERROR
    assert result.reason == "codex hung: killed after 1.5s (it had made 0 Responses API calls; last output: (no output))"


def test_a_flag_the_release_lacks_is_unsupported(tmp_path):
    scenario = Scenario(name="x", mode="print", prompt="hi", args=("exec", "--skip-git-repo-check", "--full-auto"), route="base-url")
    result = capture_scenario(program(tmp_path), TARGET, scenario, timeout=20)
    assert result.status == UNSUPPORTED
    assert result.reason == "not supported by this version: error: unexpected argument '--full-auto' found"


def test_audit_diff_reports_a_config_setting_no_longer_honoured(npm, env, monkeypatch, tmp_path):
    """Two releases through the CLI: the second stops reading model_reasoning_effort from config.toml, and its
    notes (a local changelog) do not say so."""
    offline(npm, monkeypatch)
    codex_release(npm, "0.170.0", codex_program(MODELS), platforms=("linux-x64",), program=True)
    codex_release(npm, "0.171.0", codex_program(MODELS, "--ignore-config-effort"), platforms=("linux-x64",), program=True)
    notes = tmp_path / "CHANGELOG.md"
    notes.write_text("# Changelog\n\n## 0.171.0\n\n- Faster startup.\n\n## 0.170.0\n\n- First release.\n")
    result = CliRunner().invoke(cli, ["diff", "0.170.0", "0.171.0", "--format", "json", "--scenario", "exec-config-effort",
                                      "--changelog", str(notes)])
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    changed = {(c["scenario"], c["kind"], c["key"]): (c["before"], c["after"]) for c in doc["changes"]}
    effort = changed[("exec-config-effort", "request_param", "turn 0: reasoning")]
    assert effort == ({"effort": "high"}, {"effort": "low"})
    lost = [f for f in doc["findings"] if f["evidence"].get("type") == "setting no longer honoured"]
    assert [(f["evidence"]["setting"], f["verdict"], f["introduced_in"]) for f in lost] == [("model_reasoning_effort", "undocumented", "0.171.0")]


def test_the_pin_installs_codex_with_npm_and_holds_it_with_its_config_setting():
    commands, notes = pin._commands(TARGET, "0.171.0", {"setting": {}, "env": {}})
    assert commands["install"] == "npm install -g @openai/codex@0.171.0"
    assert commands["hold_settings"] == "# ~/.codex/config.toml (at the top, before any [table])\ncheck_for_update_on_startup = false"
    assert "hold_env" not in commands
    assert tomllib.loads(commands["hold_settings"]) == {"check_for_update_on_startup": False}
    assert any("not checked against 0.171.0's facts" in n for n in notes)


def test_the_fake_codex_refuses_a_sandbox_without_the_provider(tmp_path):
    """The fake behaves as the real one does without config.toml: it would go to the real host, so the sandbox's
    provider settings are what makes a capture possible (not a property of the fake)."""
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    done = subprocess.run([*program(tmp_path), "exec", "--skip-git-repo-check", "hi"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "wss://api.openai.com" in done.stderr


def test_the_report_says_a_remote_catalogue_can_change_prompts_between_releases(npm, env, monkeypatch):
    offline(npm, monkeypatch)
    codex_release(npm, "0.170.0", codex_program(MODELS), platforms=("linux-x64",))
    doc = read_report(CliRunner().invoke(cli, ["diff", "0.170.0", "0.170.0", "--format", "json", "--no-capture"]).stdout)
    [note] = [n for n in doc["notes"] if "model catalogue" in n]
    assert note.startswith("Codex CLI can fetch a newer model catalogue from its vendor") and "between releases" in note
    assert audit.remote_catalog(CLAUDE_CODE) == []


def test_audit_pin_for_codex_prints_its_install_and_hold_or_why_it_cannot_judge(npm, env, monkeypatch, tmp_path):
    offline(npm, monkeypatch)
    for version in ("0.170.0", "0.171.0"):
        codex_release(npm, version, codex_program(MODELS), platforms=("linux-x64",))
    refused = CliRunner().invoke(cli, ["pin", "--from", "0.170.0", "--to", "0.171.0", "--no-capture"])
    assert refused.exit_code == 1
    [error] = [line for line in refused.output.splitlines() if line.startswith("Error:")]
    assert error.startswith("Error: no changelog could be read (GitHub releases") and error.endswith("so nothing can be judged; name one with --changelog")
    notes = tmp_path / "CHANGELOG.md"
    notes.write_text("# Changelog\n\n## 0.171.0\n\n- Faster startup.\n\n## 0.170.0\n\n- First release.\n")
    pinned = CliRunner().invoke(cli, ["pin", "--from", "0.170.0", "--to", "0.171.0", "--no-capture", "--changelog", str(notes)])
    assert pinned.exit_code == 0, pinned.output
    assert "npm install -g @openai/codex@0.171.0" in pinned.output
    assert "# ~/.codex/config.toml (at the top, before any [table])\n  check_for_update_on_startup = false" in pinned.output


def test_the_matrix_runs_come_from_the_catalogue_the_release_offers():
    assert catalog.variants(MODELS, TARGET.catalog, "models") == [("gpt-a", {"model": "gpt-a"}), ("gpt-b", {"model": "gpt-b"})]
    assert [label for label, _ in catalog.variants(MODELS, TARGET.catalog, "efforts")] == ["gpt-a/low", "gpt-a/high", "gpt-b/low", "gpt-b/high"]
    odd = [{"slug": "../x", "visibility": "list"}, {"slug": "gpt-c", "visibility": "list", "supported_reasoning_levels": [{"effort": "a/b"}, 7, {"effort": "max"}]}]
    assert catalog.variants(odd, TARGET.catalog, "efforts") == [("gpt-c/max", {"model": "gpt-c", "effort": "max"})]


def test_a_matrix_scenario_captures_each_model_and_effort_as_one_snapshot(tmp_path, scenarios):
    results = capture(program(tmp_path), TARGET, [scenarios["exec-models"], scenarios["exec-efforts"]], timeout=20)
    models, efforts = results["exec-models"], results["exec-efforts"]
    assert models.status == OK and efforts.status == OK, (models.reason, efforts.reason)
    facts = scenario_facts(models.to_dict(), "0.171.0")
    assert facts["capture"]["requests"] == ["gpt-a/turn 0 (gpt-a)", "gpt-b/turn 0 (gpt-b)"]
    assert facts["system_block"]["gpt-a/turn 0: block 0"] == PROMPT
    assert facts["system_block"]["gpt-b/turn 0: block 0"] == "You are the other model."
    assert "gpt-b/turn 0: functions.exec" in facts["tool_schema"] and not facts["history"].get("gpt-b/turn 0: history changes")
    assert summary(facts).startswith("ok           runs=2 requests=2 tools=8")
    facts = scenario_facts(efforts.to_dict(), "0.171.0")
    assert {k: v for k, v in facts["request_param"].items() if k.endswith(": reasoning")} == {
        f"{m}/{e}/turn 0: reasoning": {"effort": e} for m in ("gpt-a", "gpt-b") for e in ("low", "high")}


def test_a_matrix_scenario_of_a_release_without_a_catalogue_is_unsupported(tmp_path, scenarios):
    [result] = capture(program(tmp_path, models=[]), TARGET, [scenarios["exec-models"]], timeout=20).values()
    assert result.status == UNSUPPORTED and result.reason == "no models to run: this release has no readable model catalogue"


def test_a_release_with_its_binary_in_the_older_folder_is_read_and_captured(npm, env, monkeypatch):
    """Before about 0.150 the build kept its binary at vendor/<triple>/codex/codex (0.130.0), not bin/codex."""
    offline(npm, monkeypatch)
    codex_release(npm, "0.130.0", codex_program(MODELS), platforms=("linux-x64",), program=True,
                  binary_path="package/vendor/x86_64-unknown-linux-musl/codex/codex")
    result = CliRunner().invoke(cli, ["capture", "0.130.0", "--scenario", "exec-default"])
    assert result.exit_code == 0, result.output
    assert "0.130.0  exec-default           ok           model=gpt-a" in result.output
