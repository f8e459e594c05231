"""The user's own setup in a capture (`audit diff --profile/--project/--mcp-tools`): what is copied and what
never is, MCP servers as stubs, the profile scenarios end to end, and where their captures are kept.

The end-to-end tests run the fake CLI (tests/fixtures/capture/fake_cli.py) as two releases: it reads
settings and agents from HOME as Claude Code does and asks the MCP servers of ~/.claude.json for their
tools; the newer one ignores the settings and defers the MCP tools.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from auditor import merge
from auditor.capture import OK, capture_scenario
from auditor.capture.mcp_stub import FOLDER, NOT_RUN
from auditor.capture.profile import ProfileError, load, mcp_tools
from auditor.cli import cli
from auditor.personal import scenarios
from auditor.store import Store, migrations
from auditor.targets import get

from builders import LINUX, MAIN, cli_js, fake_program, read_report, tgz

FAKE_CLI = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_cli.py")]
GH_TOKEN = "ghp_" + "Z9" * 18
OAUTH = "sk-ant-oat01-" + "Q" * 60
MARKER = "auditor-profile-marker-7d1c"  # in the user's CLAUDE.md: it may reach the profile table, nothing published
TOOLS = {"github": {"tools": [{"name": "create_issue", "description": "Create an issue.",
                               "inputSchema": {"type": "object", "properties": {"title": {"type": "string"}}}}],
                    "instructions": "GitHub tools."}}


def make_profile(root: Path) -> tuple[Path, Path, Path]:
    """A user's ~/.claude (with credentials, secrets and a private transcript beside what a capture needs),
    the ~/.claude.json naming an MCP server, a project, and an --mcp-tools file."""
    home = root / "home"
    claude = home / ".claude"
    (claude / "agents").mkdir(parents=True)
    (claude / "settings.json").write_text(json.dumps({
        "effortLevel": "high", "model": "haiku",
        "env": {"GITHUB_TOKEN": GH_TOKEN, "SOME_FLAG": "1", "OTHER": "sk-ant-api03-" + "x" * 40, "HTTPS_PROXY": "http://corp:3128"},
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "rm -rf ~"}]}]},
    }))
    (claude / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {"accessToken": OAUTH}}))
    (claude / "CLAUDE.md").write_text(f"# me\n{MARKER}\nmy key is {GH_TOKEN}\n")
    (claude / "agents" / "helper.md").write_text("---\nname: helper\ndescription: Helps.\nmodel: haiku\n---\nHelp.\n")
    (claude / "projects" / "-home-me").mkdir(parents=True)
    (claude / "projects" / "-home-me" / "s.jsonl").write_text('{"private": "transcript"}\n')
    (home / ".claude.json").write_text(json.dumps({"oauthAccount": {"emailAddress": "me@example.com"},
                                                   "mcpServers": {"github": {"command": "npx", "env": {"TOKEN": GH_TOKEN}}}}))
    project = root / "project"
    (project / ".claude" / "commands").mkdir(parents=True)
    (project / "CLAUDE.md").write_text("# project\nRun the tests with make test before committing.\n")
    (project / ".claude" / "commands" / "review.md").write_text("Review it.\n")
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {"db": {"command": "pg", "args": ["postgresql://u:hunter2@h/db"]}}}))
    tools = root / "tools.json"
    tools.write_text(json.dumps(TOOLS))
    return claude, project, tools


def everything(profile) -> str:
    return json.dumps([profile.settings, profile.home_files, profile.files, profile.mcp])


def test_credentials_tokens_and_secret_env_values_are_never_copied_and_what_went_is_said(tmp_path):
    claude, project, tools = make_profile(tmp_path)
    profile = load(claude, project, mcp_tools(tools))
    copied = everything(profile)
    for secret in (GH_TOKEN, OAUTH, "sk-ant-api03", "hunter2", "rm -rf", "corp:3128", "private", "me@example.com"):
        assert secret not in copied
    assert profile.settings == {"effortLevel": "high", "model": "haiku", "env": {"SOME_FLAG": "1"}}
    assert MARKER in profile.home_files[".claude/CLAUDE.md"] and "<redacted>" in profile.home_files[".claude/CLAUDE.md"]
    assert sorted(profile.home_files) == [".claude/CLAUDE.md", ".claude/agents/helper.md"]
    assert sorted(profile.files) == [".claude/commands/review.md", "CLAUDE.md"]
    dropped = "\n".join(profile.dropped)
    for said in ("profile/.credentials.json: credentials", "env.GITHUB_TOKEN (looks like a secret)", "env.OTHER (looks like a secret)",
                 "env.HTTPS_PROXY (would take the run out of the sandbox)", "hooks (runs your commands", "profile/CLAUDE.md: 1 key"):
        assert said in dropped
    assert sorted(profile.mcp) == ["db", "github"] and profile.mcp["github"] == TOOLS["github"] and profile.mcp["db"] == {"tools": []}
    assert "MCP server db: no tools known" in dropped


def test_a_link_out_of_the_profile_is_not_followed_and_one_inside_is(tmp_path):
    outside = tmp_path / "outside"
    (outside / "skills" / "x").mkdir(parents=True)
    (outside / "secret.md").write_text("outside-secret\n")
    (outside / "skills" / "x" / "SKILL.md").write_text("outside-skill\n")
    claude = tmp_path / ".claude"
    (claude / "agents").mkdir(parents=True)
    (claude / "agents" / "escape.md").symlink_to(outside / "secret.md")
    (claude / "agents" / "dots.md").symlink_to(Path("..") / ".." / "outside" / "secret.md")
    (claude / "agents" / "real.md").write_text("---\nname: real\n---\ninside\n")
    (claude / "agents" / "alias.md").symlink_to(claude / "agents" / "real.md")
    (claude / "skills").symlink_to(outside / "skills")
    (claude / "commands" / ".git").mkdir(parents=True)
    (claude / "commands" / ".git" / "HEAD.md").write_text("outside-of-interest\n")
    (claude / "commands" / "run.sh").write_text("outside-of-interest\n")
    os.mkfifo(claude / "commands" / "fifo.md")  # reading it would block: never opened as a file
    profile = load(claude, None)
    assert "outside" not in everything(profile)
    assert profile.home_files == {".claude/agents/alias.md": "---\nname: real\n---\ninside\n", ".claude/agents/real.md": "---\nname: real\n---\ninside\n"}
    dropped = "\n".join(profile.dropped)
    assert "agents/escape.md: a link to outside" in dropped and "agents/dots.md: a link to outside" in dropped
    assert "profile/skills: a linked folder (not followed)" in dropped and "commands/fifo.md: not a regular file" in dropped


def test_sizes_are_bounded(tmp_path, monkeypatch):
    import auditor.capture.profile as profile_

    claude = tmp_path / ".claude"
    (claude / "agents").mkdir(parents=True)
    (claude / "agents" / "big.md").write_text("x" * (profile_.MAX_FILE + 1))
    assert "agents/big.md: larger than" in "\n".join(load(claude, None).dropped)
    monkeypatch.setattr(profile_, "MAX_FILES", 3)
    for i in range(5):
        (claude / "agents" / f"a{i}.md").write_text("a")
    with pytest.raises(ProfileError, match="more than 3 files"):
        load(claude, None)


@pytest.mark.parametrize("text, words", [
    ("not json", "not valid JSON"),
    ('["x"]', "must be an object"),
    ('{"bad name!": {"tools": []}}', "a server name"),
    ('{"s": {"tools": [{"name": 3}]}}', "tools[0] needs a name"),
    ('{"s": {}}', 'must be {"tools": [...]}'),
])
def test_a_bad_mcp_tools_file_is_one_error_naming_it(tmp_path, text, words):
    path = tmp_path / "tools.json"
    path.write_text(text)
    with pytest.raises(ProfileError, match=r"tools\.json") as e:
        mcp_tools(path)
    assert words in str(e.value)


def test_the_mcp_stub_answers_initialize_and_tools_list_over_stdio_as_it_is_asked(tmp_path):
    """Run by path as the sandbox runs it (no auditor on its import path), one message at a time: a client
    waits for each answer before it sends the next."""
    from auditor.capture import mcp_stub

    home = tmp_path / "home"
    home.mkdir()
    (home / ".claude.json").write_text(json.dumps({"hasCompletedOnboarding": True}))
    mcp_stub.install(home, TOOLS)
    config = json.loads((home / ".claude.json").read_text())
    assert config["hasCompletedOnboarding"] is True
    spec = config["mcpServers"]["github"]
    assert spec["command"] == sys.executable and (home / FOLDER / "mcp_stub.py").exists()
    proc = subprocess.Popen([spec["command"], *spec["args"]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/", env={})
    assert proc.stdin is not None and proc.stdout is not None

    def ask(message: dict) -> dict:
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    try:
        hello = ask({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-03-26"}})
        assert hello["result"]["protocolVersion"] == "2025-03-26" and hello["result"]["serverInfo"]["name"] == "github"
        assert hello["result"]["instructions"] == "GitHub tools."
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\nnot json\n")
        assert ask({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}) == {"jsonrpc": "2.0", "id": 2, "result": {"tools": TOOLS["github"]["tools"]}}
        called = ask({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "create_issue", "arguments": {}}})
        assert called["result"] == {"content": [{"type": "text", "text": NOT_RUN}], "isError": True}
        assert ask({"jsonrpc": "2.0", "id": 4, "method": "resources/list"})["error"]["code"] == -32601
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0


def test_a_profile_scenario_offers_the_stubbed_mcp_tools_and_honours_the_settings_in_its_sandbox(tmp_path):
    claude, project, tools = make_profile(tmp_path)
    profile = load(claude, project, mcp_tools(tools))
    by_name = {s.name: s for s in scenarios(profile)}
    assert sorted(by_name) == ["profile-agent", "profile-print", "profile-two-turn"]
    result = capture_scenario(FAKE_CLI, get("claude-code"), by_name["profile-print"], timeout=30)
    assert result.status == OK, result.reason
    (request,) = result.requests
    names = [t["name"] for t in request["body"]["tools"]]
    assert "mcp__github__create_issue" in names and request["body"]["model"] == "claude-fake-haiku-4"
    assert result.honoured == {"model": 'yes (model: "claude-fake-haiku-4")', "effortLevel": 'yes (output_config.effort: "high")'}
    agent = capture_scenario(FAKE_CLI, get("claude-code"), by_name["profile-agent"], timeout=30)
    assert agent.status == OK and agent.honoured["agents' model"].startswith("yes"), agent.reason


@pytest.fixture
def personal(npm, env, tmp_path):
    """Two fake releases (the newer ignores settings and defers MCP tools) and a user's setup."""
    for version, extra in (("2.1.113", ""), ("2.1.114", "--ignore-settings --defer-mcp")):
        npm.publish(MAIN, version, tgz({"package/cli-wrapper.cjs": b"//"}))
        npm.publish(LINUX, version, fake_program(extra, cli_js()))
    return make_profile(tmp_path / "user")


def run_diff(*args: str):
    return CliRunner().invoke(cli, ["diff", "2.1.113", "2.1.114", "--scenario", "print-default", *args])


def test_diff_with_a_profile_leads_with_what_changed_for_it_and_keeps_it_out_of_the_published_tables(personal, env, tmp_path):
    claude, project, tools = personal
    result = run_diff("--format", "json", "--profile", str(claude), "--project", str(project), "--mcp-tools", str(tools))
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert doc["scenarios"] == ["profile-print", "profile-two-turn", "profile-agent", "print-default"]
    setup = doc["setup"]
    assert setup["no_longer_honoured"] == ["agents' model", "effortLevel", "model"]
    by_item = {(i["scenario"], i["item"]): i for i in setup["items"]}
    assert by_item[("profile-print", "effort")]["from"] == "high" and by_item[("profile-print", "effort")]["to"] == "(not sent)"
    assert (by_item[("profile-print", "MCP tools")]["from"], by_item[("profile-print", "MCP tools")]["to"]) == ("1 sent", "1 deferred")
    assert any(c["scenario"] == "profile-print" and c["key"] == "turn 0: output_config" for c in doc["changes"])
    agent = by_item[("profile-agent", "model")]  # the subagent's own request: its model from the agent's front matter, then not
    assert (agent["from"], agent["to"]) == ("claude-fake-haiku-4", "claude-fake-4")
    memory = by_item[("profile-print", "your CLAUDE.md in the request")]
    assert (memory["from"], memory["to"], memory["detail"]) == ("2 of 2", "0 of 2", "./CLAUDE.md: in → not in; ~/.claude/CLAUDE.md: in → not in")
    assert any("env.GITHUB_TOKEN" in line for line in setup["left_out"])
    assert GH_TOKEN not in result.stdout and OAUTH not in result.stdout

    store = Store.open(env / "store.db")
    assert not [r for r in store.snapshots("claude-code") if "profile" in r.source]
    assert MARKER not in "".join(str(list(store.db[t].rows)) for t in ("snapshots", "facts", "texts"))
    rows = list(store.db["profile_captures"].rows)
    assert sorted({(r["version"], r["scenario"]) for r in rows}) == [(v, s) for v in ("2.1.113", "2.1.114")
                                                                      for s in ("profile-agent", "profile-print", "profile-two-turn")]
    raw = (env / "store.db").read_bytes() + b"".join(p.read_bytes() for p in env.glob("store.db-wal"))
    assert GH_TOKEN.encode() not in raw and OAUTH.encode() not in raw
    # merged into another store (as shards and published stores are), nothing of it goes along
    other = Store.open(tmp_path / "other.db")
    with merge.opened(env / "store.db") as source:
        merge.merge(other, source)
    assert other.db["snapshots"].count > 0 and other.db["profile_captures"].count == 0

    again = run_diff("--profile", str(claude), "--project", str(project), "--mcp-tools", str(tools))
    assert again.exit_code == 0, again.output
    assert "as stored" in again.output and "no longer honoured" in again.output  # the same setup is not captured twice


@pytest.mark.parametrize("args, words", [
    (["--profile", "/nonexistent/.claude"], "/nonexistent/.claude: not a folder (--profile)"),
    (["--project", "{file}"], "not a folder (--project)"),
    (["--profile", "{dir}", "--mcp-tools", "{file}"], "not valid JSON"),
    (["--profile", "{bad_settings}"], "settings.json: not valid JSON"),
])
def test_a_bad_profile_is_one_line_and_a_non_zero_exit(releases, tmp_path, args, words):
    (tmp_path / "file").write_text("not json")
    (tmp_path / "bad" / ".claude").mkdir(parents=True)
    (tmp_path / "bad" / ".claude" / "settings.json").write_text("{oops")
    paths = {"file": tmp_path / "file", "dir": tmp_path, "bad_settings": tmp_path / "bad" / ".claude"}
    result = CliRunner().invoke(cli, ["diff", "2.1.1", "2.1.2", *(a.format(**paths) for a in args)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.output


@pytest.mark.parametrize("args, words", [
    (["--mcp-tools", "tools.json"], "--mcp-tools gives the tools"),
    (["--profile", ".", "--no-capture"], "not with --no-capture"),
    (["--profile", ".", "--source", "proxy"], "not with --no-capture or --source proxy"),
])
def test_profile_options_that_cannot_go_together_are_a_usage_error(args, words):
    result = CliRunner().invoke(cli, ["diff", "2.1.1", "2.1.2", *args])
    assert result.exit_code == 2 and words in result.output


def test_an_older_store_gains_the_profile_table(tmp_path):
    path = tmp_path / "s.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="create_profile_captures")
    assert "profile_captures" not in db.table_names()
    db.close()
    store = Store.open(path)
    store.save_profile_capture("claude-code", "1.0.0", "any", "profile-print", "setup-a", "3", {"capture": {"status": "ok"}})
    assert store.profile_capture("claude-code", "1.0.0", "any", "profile-print", "setup-a", "3") == {"capture": {"status": "ok"}}
    store.save_profile_capture("claude-code", "1.0.0", "any", "profile-agent", "setup-a", "3", {"system_block": {"0": MARKER * 400}})
    store.save_profile_capture("claude-code", "1.0.0", "any", "profile-two-turn", "setup-b", "3", {})
    assert store.profile_capture("claude-code", "1.0.0", "any", "profile-print", "setup-a", "3") is None  # only the last setup is kept
    store.close()
    assert MARKER.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))  # nor left in free pages


def test_mcp_tools_come_from_a_recorded_session_when_no_file_names_them(tmp_path):
    """`audit proxy` stored the newest session's tools (`main: mcp__github__create_issue`): a stub offers those."""
    from auditor.personal import recorded_tools

    store = Store.memory()
    schema = {"description": "Create an issue.", "input_schema": {"type": "object", "properties": {"title": {"type": "string"}}}}
    for version, tools in (("2.1.100", {"main: mcp__github__old_tool": schema}),
                           ("2.1.117", {"main: mcp__github__create_issue": schema, "main: Read": {"description": "Read."}})):
        store.save_snapshot(target="claude-code", version=version, platform="proxy", source="proxy", origin="proxy", extractor="3",
                            published_at=None, facts={"tool_schema": tools})
    known = recorded_tools(store, "claude-code")
    assert known == {"github": [{"name": "create_issue", "description": "Create an issue.",
                                 "inputSchema": schema["input_schema"]}]}
    claude, _, tools = make_profile(tmp_path)
    profile = load(claude, None, None, known)
    assert profile.mcp == {"github": {"tools": known["github"]}}
    assert load(claude, None, mcp_tools(tools), known).mcp["github"] == TOOLS["github"]  # the file wins


def test_settings_that_fetch_plugins_and_names_with_control_characters_stay_out(tmp_path):
    claude = tmp_path / ".claude"
    (claude / "agents").mkdir(parents=True)
    (claude / "settings.json").write_text(json.dumps({"enabledPlugins": {"x@market": True}, "model": "opusplan"}))
    (claude / "agents" / "evil\x1b[2J.md").write_text("---\nname: evil\n---\n")
    profile = load(claude, None)
    assert profile.settings == {"model": "opusplan"} and profile.home_files == {} and profile.honours() == ()
    dropped = "\n".join(profile.dropped)
    assert "enabledPlugins (plugins are not copied)" in dropped and "agents/evil?[2J.md: a name with control characters" in dropped
    assert "\x1b" not in dropped


def test_with_a_plan_the_setup_runs_as_its_subscriber(tmp_path):
    claude, project, _ = make_profile(tmp_path)
    profile = load(claude, project)
    assert {s.user.plan.name for s in scenarios(profile, plan="max") if s.user.plan} == {"max"}
    assert all(s.user.plan is None and s.user.settings == profile.settings for s in scenarios(profile))
