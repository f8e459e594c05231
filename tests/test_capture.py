"""End-to-end capture against a fake CLI (tests/fixtures/capture/fake_cli.py): hermetic, no real Claude Code needed."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.capture import (
    ERROR,
    OK,
    UNSUPPORTED,
    Certificates,
    FakeAPI,
    Sandbox,
    Scenario,
    ScenarioResult,
    Turn,
    capture,
    capture_scenario,
)
from auditor.capture.facts import scenario_facts
from auditor.errors import CaptureError
from auditor.targets import get

FAKE_CLI = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_cli.py")]
TARGET = get("claude-code")
TWO_TURNS = (
    Turn(text="Reading.", thinking="I should read the file.", tool="Read", tool_input={"file_path": "{project}/README.md"}),
    Turn(text="A demo project."),
)


def print_scenario(*args: str, route: str = "base-url", turns: tuple[Turn, ...] = ()) -> Scenario:
    return Scenario(name="t", mode="print", prompt="Say hello.", args=args, route=route, turns=turns)


def run(scenario: Scenario, timeout: float = 20, certificates: Certificates | None = None) -> ScenarioResult:
    return capture_scenario(FAKE_CLI, TARGET, scenario, timeout=timeout, certificates=certificates)


def test_print_first_party_route_intercepts_the_real_host(certificates):
    result = run(print_scenario("--effort", "high", route="first-party"), certificates=certificates)
    assert result.status == OK, result.reason
    assert result.egress == []
    [request] = result.requests
    assert request["path"] == "/v1/messages" and request["query"] == {"beta": ["true"]}
    assert request["body"]["output_config"] == {"effort": "high"}
    assert request["headers"]["anthropic-beta"] == ["alpha-2024-01-01", "zeta-2025-01-01"]
    assert request["headers"]["x-api-key"] == "<redacted>"
    assert "host" not in request["headers"]


def test_print_base_url_route_and_normalization_is_stable():
    first, second = run(print_scenario()), run(print_scenario())
    assert first.status == OK, first.reason
    assert first.requests == second.requests
    [request] = first.requests
    system = request["body"]["system"]
    assert system[0]["text"] == "x-anthropic-billing-header: cc_version=1.0.0.<hash>; cch=<hash>;"
    assert system[1]["text"] == "cwd: <project>\nhome: <home>\nToday's date is <date>."
    assert json.loads(request["body"]["metadata"]["user_id"]) == {"device_id": "<hex64>", "session_id": "<uuid>"}
    assert request["headers"]["x-claude-code-session-id"] == "<uuid>"
    # The whole result is JSON and survives a round trip.
    assert ScenarioResult.from_dict(json.loads(json.dumps(first.to_dict()))) == first


def test_two_turns_send_thinking_and_tool_result_back():
    result = run(print_scenario(turns=TWO_TURNS))
    assert result.status == OK, result.reason
    assert [(r["turn"], r["reply"]) for r in result.requests] == [(0, "tool_use"), (1, "end_turn")]
    history = result.requests[1]["body"]["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert [b["type"] for b in history[1]["content"]] == ["thinking", "text", "tool_use"]
    assert history[1]["content"][2]["input"] == {"file_path": "<project>/README.md"}
    assert history[2]["content"][0]["content"].startswith("# demo")


def test_interactive_through_a_pty(certificates):
    scenario = Scenario(name="i", mode="interactive", prompt="Say hello.", turns=TWO_TURNS)
    result = run(scenario, certificates=certificates)
    assert result.status == OK, result.reason
    assert result.requests[0]["body"]["messages"][0]["content"][0]["text"] == "Say hello."
    assert len(result.requests) == 2


def test_crash_reports_exit_code_and_last_stderr_line():
    result = run(print_scenario("--crash"))
    assert result.status == ERROR
    assert result.reason == "python3.11 fake_cli.py exited with code 3: TypeError: boom in the fake CLI".replace(
        "python3.11", os.path.basename(sys.executable))


def test_hang_is_killed_with_its_whole_process_group(tmp_path):
    pidfile = tmp_path / "pids"
    started = time.monotonic()
    result = run(print_scenario("--hang", "--pidfile", str(pidfile)), timeout=1.5)
    assert time.monotonic() - started < 5
    assert result.status == ERROR
    assert result.reason == "python3 fake_cli.py hung: killed after 1.5s (it had made 0 Messages API calls; last output: (no output))".replace(
        "python3", os.path.basename(sys.executable))
    for pid in map(int, pidfile.read_text().split()):
        deadline = time.monotonic() + 2
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), f"process {pid} survived the timeout"


def _alive(pid: int) -> bool:
    """Running and not a zombie (a killed child of init lingers as one until reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(") ")[1][0] != "Z"


def test_program_that_never_calls_the_api():
    result = run(print_scenario("--no-api"))
    assert result.status == ERROR
    assert result.reason.endswith("exited without calling the API: nothing to do")


def test_program_that_cannot_start():
    result = capture_scenario(["/nonexistent/claude"], TARGET, print_scenario())
    assert result.status == ERROR and result.reason.startswith("cannot start claude:")


def test_rejected_flag_is_unsupported_not_a_crash():
    result = run(print_scenario("--effort", "xhigh"))
    assert result.status == UNSUPPORTED
    assert result.reason.startswith("not supported by this version: error: option '--effort <level>' argument")


def test_off_machine_attempts_are_recorded_and_refused():
    result = run(print_scenario("--egress"))
    assert result.status == OK, result.reason
    assert result.egress == ["CONNECT 192.0.2.1:443", "GET 192.0.2.1"]


def test_huge_request_body():
    result = run(print_scenario("--huge-mb", "20"))
    assert result.status == OK, result.reason
    assert len(result.requests[0]["body"]["padding"]) == 20 * 1024 * 1024


def test_environment_is_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_TEST_SECRET", "hunter2-very-secret")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-REAL-KEY-MUST-NOT-LEAK")
    dump = tmp_path / "env.json"
    assert run(print_scenario("--dump-env", str(dump))).status == OK
    env = json.loads(dump.read_text())
    assert "hunter2-very-secret" not in json.dumps(env) and "REAL-KEY" not in json.dumps(env)
    assert env["ANTHROPIC_API_KEY"].startswith("sk-ant-api03-auditor-fake-key-")
    assert env["ANTHROPIC_BASE_URL"].startswith("http://127.0.0.1:")
    assert env["HOME"].endswith("/home") and env["HTTPS_PROXY"] == env["ANTHROPIC_BASE_URL"]
    assert set(env) - set(TARGET.extra_env) <= {
        "PATH", "HOME", "TMPDIR", "LANG", "TERM", "SHELL", "GIT_CEILING_DIRECTORIES", "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
        "NO_PROXY", "no_proxy", "GIT_SSH_COMMAND", "LC_CTYPE",  # LC_CTYPE: Python's own UTF-8 coercion in the child
    }


def test_capture_runs_every_scenario_and_reports_progress():
    seen: list[tuple[str, str | None]] = []
    scenarios = [
        Scenario(name="a", mode="print", prompt="hi", route="base-url"),
        Scenario(name="b", mode="print", prompt="hi", args=("--crash",), route="base-url"),
    ]
    results = capture(FAKE_CLI, TARGET, scenarios, timeout=20, on_progress=lambda n, r: seen.append((n, r and r.status)))
    assert {n: r.status for n, r in results.items()} == {"a": OK, "b": ERROR}
    assert seen == [("a", None), ("a", OK), ("b", None), ("b", ERROR)]


def test_sandbox_seeds_claude_json_for_the_interactive_dialogs():
    with FakeAPI() as api, Sandbox(TARGET, api) as sandbox:
        config = json.loads((sandbox.home / ".claude.json").read_text())
        assert config["hasCompletedOnboarding"] is True
        assert config["customApiKeyResponses"]["approved"] == [sandbox.env("x")["ANTHROPIC_API_KEY"][-20:]]
        assert config["projects"][str(sandbox.project)]["hasTrustDialogAccepted"] is True
        root = sandbox.root
    assert not root.exists()


def test_interactive_hang_before_the_prompt_is_reported(tmp_path):
    with FakeAPI() as api, Sandbox(TARGET, api) as sandbox:
        program = [sys.executable, "-c", "import time; time.sleep(60)"]
        with pytest.raises(CaptureError, match=r"hung before showing its prompt: killed after 1s \(it had made 0 Messages API calls; last output: \(no output\)\)$"):
            sandbox.run_interactive(program, [], "hi", timeout=1, done=lambda: False)


def test_a_scenario_may_let_a_run_exit_non_zero_after_calling_the_api():
    """Auto mode exits 1 when its classifier could not check an action: with `exit_ok` the run is still a
    capture, how it ended a fact of its own; without it, an error. A run that never reached the API is an
    error either way."""
    failing = print_scenario("--fail-after")
    assert run(failing).status == ERROR
    result = run(replace(failing, exit_ok=True))
    assert result.status == OK and result.requests
    assert result.exited == "1: Error: auto mode could not check some actions in <project> (<redacted>), so they did not run."
    assert scenario_facts(result.to_dict(), "1.0.0")["capture"]["exited"] == result.exited
    assert run(replace(print_scenario("--crash"), exit_ok=True)).status == ERROR
