"""Who runs the CLI in a capture: plan subscribers, user settings and env, a subagent, and what the requests must honour.

Runs the fake CLI (tests/fixtures/capture/fake_cli.py), which reads credentials, settings and agent
files the way Claude Code does; `--ignore-settings` plays a release that stopped honouring them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from auditor.capture import FAKE_API_KEY, OK, FakeAPI, capture_scenario, load_scenario, load_scenarios
from auditor.capture.facts import scenario_facts
from auditor.capture.user import FAKE_SECRETS, PLANS, PROFILE_PATH, Honours, UserSetupError
from auditor.diff import diff_range
from auditor.store import Store
from auditor.targets import get

FAKE_CLI = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_cli.py")]
TARGET = get("claude-code")
NEW = ["plan-max", "plan-pro-opus", "settings-effort", "env-effort", "settings-model", "subagent-haiku"]


@pytest.fixture(scope="module")
def scenarios():
    return {s.name: s for s in load_scenarios(names=NEW)}


def run(scenario, certificates, *flags: str):
    result = capture_scenario([*FAKE_CLI, *flags], TARGET, scenario, timeout=30, certificates=certificates)
    assert result.status == OK, result.reason
    return result


def test_a_max_subscriber_sends_its_oauth_token_not_a_key_and_gets_the_plans_default(scenarios, certificates):
    result = run(scenarios["plan-max"], certificates)
    [request] = result.requests
    assert request["body"]["model"] == "claude-fake-opus-4"  # from the profile the fake API answered
    assert request["headers"]["authorization"] == "<redacted>" and "x-api-key" not in request["headers"]
    assert "oauth-2025-04-20" in request["headers"]["anthropic-beta"]
    assert result.other_calls == [f"GET {PROFILE_PATH}"] and result.egress == []


def test_other_plans_and_opus(scenarios, certificates):
    assert run(scenarios["plan-pro-opus"], certificates).requests[0]["body"]["model"] == "opus"


@pytest.mark.parametrize("name", NEW)
def test_capturing_twice_gives_zero_changes(name, scenarios, certificates):
    facts = [scenario_facts(run(scenarios[name], certificates).to_dict(), "1.0.0") for _ in range(2)]
    assert facts[0] == facts[1]
    assert diff_range([("1.0.0", facts[0]), ("1.0.1", facts[1])]) == []


@pytest.mark.parametrize(("name", "setting", "honoured", "ignored"), [
    ("settings-effort", "effortLevel", 'yes (output_config.effort: "low")', "no (output_config.effort: null)"),
    ("env-effort", "CLAUDE_CODE_EFFORT_LEVEL", 'yes (output_config.effort: "low")', "no (output_config.effort: null)"),
    ("settings-model", "model", 'yes (model: "claude-fake-haiku-4")', 'no (model: "claude-fake-4")'),
    ("subagent-haiku", "subagent model", 'yes (model: "claude-fake-haiku-4")', 'no (model: "claude-fake-4")'),
])
def test_what_a_scenario_set_is_checked_in_its_requests(name, setting, honoured, ignored, scenarios, certificates):
    assert run(scenarios[name], certificates).honoured == {setting: honoured}
    result = run(scenarios[name], certificates, "--ignore-settings")
    assert result.honoured == {setting: ignored}
    assert scenario_facts(result.to_dict(), "1.0.0")["capture"][f"honours {setting}"] == ignored


def test_the_subagents_own_request_is_captured_under_its_role(scenarios, certificates):
    result = run(scenarios["subagent-haiku"], certificates)
    assert [(r["turn"], r.get("caller"), r.get("agent"), r["body"]["model"]) for r in result.requests] == [
        (0, None, None, "claude-fake-4"), (1, None, None, "claude-fake-4"), (0, "subagent", "haiku-helper", "claude-fake-haiku-4")]
    facts = scenario_facts(result.to_dict(), "1.0.0")
    role = "subagent haiku-helper 0"  # named by the agent type the script handed the task to
    assert facts["capture"]["requests"] == ["turn 0 (claude-fake-4)", "turn 1 (claude-fake-4)", f"{role} (claude-fake-haiku-4)"]
    assert facts["request_param"][f"{role}: model"] == "claude-fake-haiku-4"
    assert {k for k in facts["tool_schema"] if k.startswith(role)} == {f"{role}: Read", f"{role}: Agent"}  # and it did not call it
    assert f"{role}: block 1" in facts["system_block"]
    assert facts["message"][f"{role}: Say in one sentence what README.md is about."] == "Say in one sentence what README.md is about."


def test_no_token_or_key_bytes_reach_the_store(scenarios, certificates, tmp_path):
    store = Store.open(tmp_path / "s.db")
    for name in ("plan-max", "plan-pro-opus", "subagent-haiku"):
        result = run(scenarios[name], certificates)
        store.save_snapshot(target="claude-code", version="1.0.0", platform="any", source=f"capture:{name}", origin="",
                            extractor="t", published_at=None, facts=scenario_facts(result.to_dict(), "1.0.0"))
        assert not any(secret in json.dumps(result.to_dict()) for secret in (*FAKE_SECRETS, FAKE_API_KEY))
    store.db.conn.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (*FAKE_SECRETS, FAKE_API_KEY):
        for piece in (secret, secret[-20:], secret[14:40]):  # whole, the tail the CLI remembers keys by, the middle
            assert piece.encode() not in data


def test_credentials_settings_and_files_are_seeded(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('mode = "print"\nprompt = "x"\nplan = "max"\nrate_limit_tier = "default_claude_max_5x"\n'
                    'settings = { effortLevel = "high" }\nenv = { A = "1" }\nfiles = { "a/b.md" = "hi" }\n')
    user = load_scenario(path).user
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    user.seed(home, project, "~/.claude/settings.json")
    oauth = json.loads((home / ".claude" / ".credentials.json").read_text())["claudeAiOauth"]
    assert oauth["subscriptionType"] == "max" and oauth["rateLimitTier"] == "default_claude_max_5x"
    assert oauth["accessToken"] in FAKE_SECRETS and "fake" in oauth["accessToken"]
    assert json.loads((home / ".claude" / "settings.json").read_text()) == {"effortLevel": "high"}
    assert (project / "a" / "b.md").read_text() == "hi"
    assert user.env == {"A": "1"}
    assert user.answers()[PROFILE_PATH]["organization"]["organization_type"] == "claude_max"


def test_every_plan_has_both_builtin_scenarios():
    scenarios = {s.name: s for s in load_scenarios()}
    for plan in PLANS:
        default, opus = scenarios[f"plan-{plan}"], scenarios[f"plan-{plan}-opus"]
        assert default.user.plan == opus.user.plan == PLANS[plan]
        assert default.args == () and opus.args == ("--model", "opus")


@pytest.mark.parametrize(("text", "message"), [
    ('plan = "free"\n', "plan must be one of pro, max, team, enterprise (got 'free')"),
    ('rate_limit_tier = "x"\n', "rate_limit_tier needs a plan"),
    ('env = { A = 1 }\n', "env must be a table of strings"),
    ('settings = "x"\n', "settings must be a table"),
    ('files = { "/etc/passwd" = "x" }\n', "files: '/etc/passwd' must be a relative path inside the project"),
    ('files = { "../x" = "x" }\n', "files: '../x' must be a relative path inside the project"),
    ('[honours]\nsetting = "a"\nfield = "b"\n', "honours.value must be a non-empty string"),
    ('[honours]\nsetting = "a"\nfield = "b"\nvalue = "c"\nrequests = "all"\n', "honours.requests must be one of main, subagent"),
    ('[honours]\nsetting = "a"\nfield = "b"\nvalue = "c"\ncolour = 1\n', "honours has unknown key 'colour'"),
    ('[[turns]]\ntext = "x"\nalso = ["Task"]\n', "turns[0].also must be a list of tool names, beside a tool"),
])
def test_bad_user_keys_are_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text('mode = "print"\nprompt = "x"\n' + text)
    with pytest.raises(Exception) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: {message}" or str(info.value).startswith(f"{path}: {message}")
    assert isinstance(info.value, UserSetupError) or "turns" in message


def test_honours_models_by_alias_and_other_fields_by_value():
    model = Honours("model", "model", "haiku")
    assert model.holds("claude-haiku-4-5-20251001") and not model.holds("claude-sonnet-4-6") and not model.holds(None)
    effort = Honours("effortLevel", "output_config.effort", "low")
    assert effort.sent({"output_config": {"effort": "low"}}) == "low" and effort.sent({}) is None
    assert effort.holds("low") and not effort.holds("medium")


def test_a_plan_that_cannot_run_says_so_in_one_line(scenarios, certificates):
    result = capture_scenario([*FAKE_CLI, "--crash"], TARGET, scenarios["plan-max"], timeout=30, certificates=certificates)
    assert result.status == "error"
    assert result.reason.startswith("as a max subscriber: ") and result.reason.endswith("exited with code 3: TypeError: boom in the fake CLI")
    assert "\n" not in result.reason


def test_the_profile_call_is_answered_also_as_an_absolute_uri_through_the_proxy():
    """Some releases send the profile call to the proxy as `GET https://api.anthropic.com/...` (no tunnel)."""
    import http.client

    setup = load_scenarios(names=["plan-team"])[0].user
    with FakeAPI(intercept=["api.anthropic.com"], answers=setup.answers()) as api:
        connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
        connection.request("GET", f"https://api.anthropic.com{PROFILE_PATH}")
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["organization"]["organization_type"] == "claude_team"
        connection.request("GET", "https://elsewhere.example/x")
        assert connection.getresponse().status == 403
    assert [e.target for e in api.egress] == ["elsewhere.example"]


def test_the_capture_summary_line_says_whether_the_setting_was_honoured(scenarios, certificates):
    from auditor.capture.facts import summary

    facts = scenario_facts(run(scenarios["settings-effort"], certificates, "--ignore-settings").to_dict(), "1.0.0")
    assert summary(facts).endswith(" effortLevel=no")
