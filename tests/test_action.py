"""`audit action` end to end: a fake npm registry with four releases and a fake GitHub on loopback. Plus the
action.yml and workflow files, validated against GitHub's schemas."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML  # check-jsonschema's YAML reader (YAML 1.2: `on` stays a string)

from auditor import action, targets
from auditor.cli import cli
from auditor.store import Store

from builders import LINUX, NAMES_A, cli_js, fake_program, read_report

ROOT = Path(__file__).parent.parent


@pytest.fixture
def actions_env(env, github, monkeypatch):
    """The variables a GitHub runner sets, pointed at the fake GitHub."""
    for name, value in {
        "GITHUB_API_URL": github.url, "GITHUB_REPOSITORY": github.repository, "GITHUB_TOKEN": github.token,
        "GITHUB_OUTPUT": str(env / "output"), "GITHUB_STEP_SUMMARY": str(env / "summary.md"), "RUNNER_TEMP": str(env),
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "77",
    }.items():
        monkeypatch.setenv(name, value)
    return env


def run(*args):
    return CliRunner().invoke(cli, ["action", "--no-capture", *args])


def comments(github) -> dict[str, str]:
    """Comment bodies by the release their marker names."""
    return {re.match(r"<!-- auditor:claude-code:(\S+) -->", c["body"]).group(1): c["body"] for c in github.comments.values()}


def outputs(env: Path) -> dict[str, str]:
    lines = (env / "output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines[-5:])


def test_first_run_creates_the_issue_and_one_comment_a_rerun_updates_it(releases, github, actions_env):
    result = run("--until", "2.1.113")
    assert result.exit_code == 0, result.output
    assert [i["title"] for i in github.issues.values()] == ["Claude Code releases: what changed, and what the changelog didn't say"]
    assert list(comments(github)) == ["2.1.113"]
    body = comments(github)["2.1.113"]
    assert "Compared with 2.1.2" in body and "changelog section present" in body
    assert outputs(actions_env) == {"new_versions": '["2.1.113"]', "undocumented_count": outputs(actions_env)["undocumented_count"],
                                    "recommendation": outputs(actions_env)["recommendation"], "report_path": str(actions_env / "auditor-report"),
                                    "pin": "Stay on 2.1.2: no newer release qualifies."}
    assert read_report((actions_env / "auditor-report" / "2.1.113.json").read_text())["to"] == "2.1.113"
    assert (actions_env / "auditor-report" / "2.1.113.md").is_file()
    assert "Claude Code 2.1.113" in (actions_env / "summary.md").read_text()

    github.calls.clear()
    assert run("--until", "2.1.113").exit_code == 0  # nothing new since 2.1.113
    assert not any(c.startswith(("POST", "PATCH")) for c in github.calls)
    assert json.loads(outputs(actions_env)["new_versions"]) == []

    result = run("--baseline", "2.1.2", "--until", "2.1.113")  # asked again: the comment is edited, not repeated
    assert result.exit_code == 0, result.output
    assert [c for c in github.calls if c.startswith(("POST", "PATCH"))] == ["PATCH /repos/acme/tools/issues/comments/1001", "PATCH /repos/acme/tools/issues/1"]
    assert len(github.comments) == 1 and len(github.issues) == 1


def test_the_issue_leads_with_the_recommendation_edited_in_place(releases, github, actions_env):
    """The tracking issue's first lines are the current pin from its baseline (`--pin-from`): each run
    that reports a release edits the body; no comment is added for it; the `pin` output says it."""
    assert run("--until", "2.1.113", "--pin-from", "2.1.1").exit_code == 0
    body = github.issues[1]["body"]
    assert body.startswith("<!-- auditor:claude-code tracking issue -->\n**")
    assert "(from 2.1.1, releases up to 2.1.113 audited)" in body and "`npm install -g @anthropic-ai/claude-code@" in body
    first = outputs(actions_env)["pin"]
    assert first.startswith(("Pin @anthropic-ai/claude-code@", "Stay on ")) and "from 2.1.1" in body
    assert run("--until", "2.1.114", "--pin-from", "2.1.1").exit_code == 0
    assert len(github.issues) == 1 and list(comments(github)) == ["2.1.113", "2.1.114"]
    assert "releases up to 2.1.114 audited" in github.issues[1]["body"] and "up to 2.1.113" not in github.issues[1]["body"]
    assert action.tracking_marker("claude-code") in github.issues[1]["body"]  # still found by its marker


def test_a_comment_another_run_posted_meanwhile_is_edited_not_doubled(github):
    """Two runs that overlap (a manual one beside the scheduled one): the second asks again just before
    posting and edits what the first posted."""
    import httpx

    from auditor.github import GitHub

    bot = "github-actions[bot]"
    github.issues[1] = {"number": 1, "title": "t", "body": action.tracking_marker("claude-code"), "state": "open", "user": {"login": bot}}
    github.comments[1001] = {"id": 1001, "issue": 1, "body": "<!-- auditor:claude-code:2.1.113 -->\nfirst", "html_url": "u", "user": {"login": bot}}
    with httpx.Client() as client:
        gh = GitHub(client, github.repository, github.token, github.url)
        posted = action._post(gh, 1, "claude-code", "2.1.113", "<!-- auditor:claude-code:2.1.113 -->\nsecond", existing={}, me=bot)
    assert posted.id == 1001 and len(github.comments) == 1 and github.comments[1001]["body"].endswith("second")
    assert "POST /repos/acme/tools/issues/1/comments" not in github.calls


def test_a_newer_release_adds_its_own_comment(releases, github, actions_env):
    assert run("--until", "2.1.113").exit_code == 0
    result = run()  # up to the latest, 2.1.114
    assert result.exit_code == 0, result.output
    assert sorted(comments(github)) == ["2.1.113", "2.1.114"]
    assert "Compared with 2.1.113" in comments(github)["2.1.114"]
    store = Store.open(actions_env / "store.db")
    assert store.state(action.state_key("acme/tools", "claude-code")) == {"issue": 1, "reported": "2.1.114"}


def test_a_cold_cache_recovers_the_state_from_the_comments(releases, github, actions_env, monkeypatch):
    assert run("--until", "2.1.2").exit_code == 0
    monkeypatch.setenv("AUDITOR_DB", str(actions_env / "cold.db"))  # the cache was lost
    result = run()
    assert result.exit_code == 0, result.output
    assert sorted(comments(github)) == ["2.1.113", "2.1.114", "2.1.2"]  # each once: 2.1.2 was not reported again
    assert len(github.issues) == 1  # found by its marker, not created again
    github.calls.clear()
    monkeypatch.setenv("AUDITOR_DB", str(actions_env / "colder.db"))
    assert run().exit_code == 0
    assert not any(c.startswith(("POST", "PATCH")) for c in github.calls)


STRANGER = "mallory"


def writes(github) -> list[str]:
    return [c for c in github.calls if c.startswith(("POST", "PATCH"))]


@pytest.mark.parametrize("cache", ["warm", "cold"])
@pytest.mark.parametrize("marked", [
    "2.1.1 -->\n> **Capture failed:** before what was reported",  # past: would stop a cold cache's recovery there
    "2.1.113 -->",  # the next release: would be taken as reported, or its comment edited
    "2.1.114 -->",  # the latest
    "9.9.9 -->",  # not yet published
])
def test_a_strangers_marker_changes_nothing(releases, github, actions_env, monkeypatch, cache, marked):
    """Anyone can comment on a public tracking issue: their markers are not the Action's."""
    assert run("--baseline", "2.1.1", "--until", "2.1.2").exit_code == 0  # issue #1, the bot's comment on 2.1.2
    theirs = github.post_as(STRANGER, 1, "<!-- auditor:claude-code:" + marked + "\nsee my comment instead")
    before = dict(theirs)
    if cache == "cold":
        monkeypatch.setenv("AUDITOR_DB", str(actions_env / "cold.db"))
    github.calls.clear()
    result = run()
    assert result.exit_code == 0, result.output
    # 2.1.113 and 2.1.114, each its own comment, then the head of the Action's own issue (the pin)
    assert writes(github) == ["POST /repos/acme/tools/issues/1/comments"] * 2 + ["PATCH /repos/acme/tools/issues/1"]
    assert github.comments[theirs["id"]] == before
    mine = [c["body"].split("\n")[0] for c in github.comments.values() if c["user"]["login"] == github.login]
    assert mine == [f"<!-- auditor:claude-code:{v} -->" for v in ("2.1.2", "2.1.113", "2.1.114")]
    store = Store.open(Path(str(actions_env / ("cold.db" if cache == "cold" else "store.db"))))
    assert store.state(action.state_key("acme/tools", "claude-code")) == {"issue": 1, "reported": "2.1.114"}


def test_a_strangers_tracking_issue_is_not_used(releases, github, actions_env, monkeypatch):
    target = targets.get("claude-code")
    title, body = action.tracking_title(target.display_name), action.tracking_body(target)
    github.open_issue(title, body, login=STRANGER)  # #1, opened before the Action ever ran
    assert run("--until", "2.1.113").exit_code == 0
    (ours,) = [n for n, i in github.issues.items() if i["user"]["login"] == github.login]
    assert ours != 1 and {c["issue"] for c in github.comments.values()} == {ours}
    github.open_issue(title, body, login=STRANGER)  # a newer one, for a cold cache to find
    monkeypatch.setenv("AUDITOR_DB", str(actions_env / "cold.db"))
    github.calls.clear()
    assert run().exit_code == 0
    assert writes(github) == [f"POST /repos/acme/tools/issues/{ours}/comments", f"PATCH /repos/acme/tools/issues/{ours}"]  # on the Action's own issue


def test_a_strangers_issue_remembered_by_an_older_auditor_is_left(releases, github, actions_env):
    """An auditor before this one took any issue with the marker and kept its number (and what it said was
    reported there) in the store."""
    target = targets.get("claude-code")
    github.open_issue(action.tracking_title(target.display_name), action.tracking_body(target), login=STRANGER)
    Store.open(actions_env / "store.db").save_state(action.state_key("acme/tools", "claude-code"), {"issue": 1, "reported": "2.1.114"})
    assert run().exit_code == 0
    assert writes(github) == ["POST /repos/acme/tools/issues", "POST /repos/acme/tools/issues/2/comments", "PATCH /repos/acme/tools/issues/2"]  # its own
    assert Store.open(actions_env / "store.db").state(action.state_key("acme/tools", "claude-code")) == {"issue": 2, "reported": "2.1.114"}
    github.calls.clear()
    assert run("--issue", "1", "--until", "2.1.113").exit_code == 0  # an issue named is used, whoever opened it
    assert writes(github) == ["POST /repos/acme/tools/issues/1/comments"]  # its body, the stranger's words, is not edited


def test_a_personal_token_is_the_user_it_names(releases, github, actions_env):
    github.user_token, github.login = True, "octocat"
    assert run("--until", "2.1.113").exit_code == 0
    github.post_as(STRANGER, 1, "<!-- auditor:claude-code:2.1.113 -->")
    github.calls.clear()
    assert run("--baseline", "2.1.2", "--until", "2.1.113").exit_code == 0  # asked again: its own comment is edited
    assert writes(github) == ["PATCH /repos/acme/tools/issues/comments/1001", "PATCH /repos/acme/tools/issues/1"]


def test_a_token_that_posts_as_another_login_stops_and_names_it(releases, github, actions_env):
    """A GitHub App's installation token cannot read /user either, but posts as <app>[bot]: the next run
    would not know its comments, so the first says which login to name."""
    github.login = "release-bot[bot]"
    result = run("--until", "2.1.113")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == ("Error: the token posts as release-bot[bot], not github-actions[bot]: set the action's "
                                                      "`author` input (audit action --author release-bot[bot]) so that the next run knows its own comments")
    github.calls.clear()
    result = run("--until", "2.1.113", "--author", "release-bot[bot]")
    assert result.exit_code == 0, result.output
    assert writes(github) == [] and len(github.comments) == 1  # its issue and comment found: 2.1.113 is reported
    result = run("--author", "release-bot[bot]")
    assert result.exit_code == 0 and writes(github) == ["POST /repos/acme/tools/issues/1/comments", "PATCH /repos/acme/tools/issues/1"]


def test_dry_run_prints_and_calls_nothing(releases, github, actions_env, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    result = run("--until", "2.1.113", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!-- auditor:claude-code:2.1.113 -->\n### Claude Code 2.1.113")
    assert github.calls == [] and github.comments == {}
    assert Store.open(actions_env / "store.db").state(action.state_key("acme/tools", "claude-code")) is None


def test_failures_are_one_line(releases, github, actions_env, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    assert run().stderr.strip().splitlines() == ["Error: no GitHub token: pass the workflow's token (GITHUB_TOKEN, the action's `token` input), or use --dry-run"]
    monkeypatch.setenv("GITHUB_TOKEN", github.token)
    result = run("--issue", "99")
    assert result.exit_code == 1 and result.stderr.strip() == "Error: GitHub has no issue #99 in acme/tools (404), or the token cannot see it"
    github.faults["POST /repos/acme/tools/issues"] = [(403, {"X-Accepted-GitHub-Permissions": "issues=write"}, {"message": "Resource not accessible by integration"})]
    result = run()
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert result.exit_code == 1 and len(errors) == 1 and "needs the `issues: write` permission" in errors[0]
    assert github.comments == {}
    github.faults["POST /repos/acme/tools/issues"] = [(502, {}, {"message": f"proxy echo: token {github.token}"})]
    result = run()
    assert result.exit_code == 1 and github.token not in result.output and "proxy echo: token ***" in result.stderr


def test_a_failed_post_leaves_the_state_before_it(releases, github, actions_env):
    github.faults["POST /repos/acme/tools/issues/1/comments"] = [(502, {}, {"message": "Server Error"})]
    result = run("--baseline", "2.1.1", "--until", "2.1.113")
    assert result.exit_code == 1 and "GitHub answered POST /repos/acme/tools/issues/1/comments with 502 Server Error" in result.output
    state = Store.open(actions_env / "store.db").state(action.state_key("acme/tools", "claude-code"))
    assert state is None  # the issue was created, no comment was: nothing to remember
    result = run("--baseline", "2.1.1", "--until", "2.1.113")  # the next run posts everything, once
    assert result.exit_code == 0, result.output
    assert sorted(comments(github)) == ["2.1.113", "2.1.2"] and len(github.issues) == 1


def test_a_release_that_fails_to_capture_is_posted_saying_so_and_retried(releases, github, actions_env, monkeypatch):
    """2.1.114's program crashes under capture; 2.1.113's runs (both are the capture tests' fake CLI)."""
    for version, flags in (("2.1.113", ""), ("2.1.114", "--crash")):
        releases.publish(LINUX, version, fake_program(flags, cli_js(NAMES_A, unconditional=True, max_tokens=64000)))
    result = CliRunner().invoke(cli, ["action", "--until", "2.1.114", "--baseline", "2.1.2", "--scenario", "print-default"])
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: capture failed (2.1.114 print-default: ") and "2.1.113" not in last, last
    assert last.endswith("the comment says so, and the next run tries again")
    assert sorted(comments(github)) == ["2.1.113", "2.1.114"]
    assert "> **Capture failed:** 2.1.114 print-default: " in comments(github)["2.1.114"]
    assert "Capture failed" not in comments(github)["2.1.113"]
    state = Store.open(actions_env / "store.db").state(action.state_key("acme/tools", "claude-code"))
    assert state["reported"] == "2.1.113"  # not past the release whose captures are missing
    github.calls.clear()
    monkeypatch.setenv("AUDITOR_DB", str(actions_env / "cold.db"))  # a cold cache reads the same from the comments
    result = CliRunner().invoke(cli, ["action", "--until", "2.1.114", "--no-capture"])
    assert result.exit_code == 0, result.output
    (failed_id,) = [c["id"] for c in github.comments.values() if c["body"].startswith("<!-- auditor:claude-code:2.1.114 -->")]
    assert [c for c in github.calls if c.startswith(("POST", "PATCH"))] == [f"PATCH /repos/acme/tools/issues/comments/{failed_id}", "PATCH /repos/acme/tools/issues/1"]
    assert "Capture failed" not in comments(github)["2.1.114"]


def test_settings_come_from_the_environment_and_hide_the_token():
    settings = action.Settings.from_env({"GITHUB_REPOSITORY": "o/r", "GITHUB_TOKEN": "ghs_secret", "GITHUB_API_URL": "https://ghe.example/api/v3",
                                         "RUNNER_TEMP": "/tmp/r", "GITHUB_RUN_ID": "5"}, until="2.1.117", issue=None)
    assert settings.api_url == "https://ghe.example/api/v3" and settings.until == "2.1.117" and settings.baseline == "previous"
    assert settings.summary_url == "https://github.com/o/r/actions/runs/5" and settings.temp == Path("/tmp/r")
    assert "ghs_secret" not in repr(settings)


def test_which_releases_are_pending():
    published = ["2.1.1", "2.1.2", "2.1.3-beta.1", "2.1.3", "2.1.4"]
    assert action.pending(published, "2.1.4", "previous", None) == ["2.1.4"]  # a first run: only the newest
    assert action.pending(published, "2.1.4", "previous", "2.1.2") == ["2.1.3", "2.1.4"]
    assert action.pending(published, "2.1.4", "previous", "2.1.4") == []
    assert action.pending(published, "2.1.3", "2.1.1", "2.1.4") == ["2.1.2", "2.1.3"]  # an explicit baseline wins
    assert action.predecessor(published, "2.1.3") == "2.1.2" and action.predecessor(published, "2.1.1") is None


# -- action.yml and the workflows --------------------------------------------------------------------

def _yaml(text: str):
    return YAML(typ="safe").load(text)


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_workflows_and_action_match_githubs_schemas():
    for schema, files in (("vendor.github-workflows", WORKFLOWS), ("vendor.github-actions", [ROOT / "action.yml"])):
        done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in WORKFLOWS] == ["audit-releases.yml", "backfill.yml"]


def test_third_party_actions_are_pinned_by_commit():
    for path in [*WORKFLOWS, ROOT / "action.yml"]:
        uses = re.findall(r"uses:\s*(\S+)", path.read_text())
        assert uses, path
        for ref in uses:
            assert ref == "./" or re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"{path.name}: {ref}"


def test_release_workflow_is_scheduled_off_the_hour_with_least_permissions():
    doc = _yaml((ROOT / ".github/workflows/audit-releases.yml").read_text())
    triggers = doc["on"]
    assert all(not cron["cron"].startswith("0 ") for cron in triggers["schedule"]) and "workflow_dispatch" in triggers
    assert doc["permissions"] == {"issues": "write", "contents": "read"}
    assert doc["concurrency"]["group"] and doc["concurrency"]["cancel-in-progress"] is False
    backfill = _yaml((ROOT / ".github/workflows/backfill.yml").read_text())
    assert backfill["permissions"] == {"contents": "read"}
    assert "--shard" in str(backfill["jobs"]["collect"]) and "merge" in str(backfill["jobs"]["merge"])


def test_release_watcher_asks_npm_every_10_minutes_and_starts_the_auditor_only_for_something_new():
    doc = _yaml((ROOT / ".github/workflows/audit-releases.yml").read_text())
    assert [c["cron"] for c in doc["on"]["schedule"]] == ["3-59/10 * * * *"]
    steps = doc["jobs"]["audit"]["steps"]
    look, seen, *rest = steps
    assert "curl" in look["run"] and "pip " not in look["run"] and "audit " not in look["run"]  # no install, no auditor
    assert seen["with"]["lookup-only"] is True and "steps.look.outputs.fingerprint" in seen["with"]["key"]
    assert all("steps.seen.outputs.cache-hit != 'true'" in step["if"] for step in rest)  # nothing else runs when nothing is new
    remember = [s for s in rest if ".auditor-seen" in str(s)]
    assert remember and all(s["if"].startswith("success()") for s in remember)  # a failed report is tried again


def test_the_look_step_fingerprints_the_registry_state_and_sees_a_new_release(releases, tmp_path):
    """The watcher's first step, run as the runner runs it (bash, curl, python3 without the auditor),
    against the fake registry: the same state twice gives one fingerprint, a new release another."""
    look = _yaml((ROOT / ".github/workflows/audit-releases.yml").read_text())["jobs"]["audit"]["steps"][0]["run"]

    def fingerprint() -> str:
        out = tmp_path / "output"
        out.write_text("")
        env = {"PATH": "/usr/bin:/bin", "PACKAGE": "@anthropic-ai/claude-code", "REGISTRY": releases.url, "GITHUB_OUTPUT": str(out)}
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", look], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return out.read_text().strip()

    first = fingerprint()
    assert re.fullmatch(r"fingerprint=[0-9a-f]{16}", first) and fingerprint() == first
    releases.release("2.1.115", cli_js(NAMES_A), native=False)
    assert fingerprint() != first


def test_action_installs_a_wheel_of_itself_and_maps_every_input():
    doc = _yaml((ROOT / "action.yml").read_text())
    assert doc["runs"]["using"] == "composite"
    script = "\n".join(step.get("run", "") for step in doc["runs"]["steps"])
    assert "pip wheel" in script and "-e " not in script and "audit \"${args[@]}\"" in script
    flags = {o for p in cli.commands["action"].params for o in p.opts}
    for name in ("baseline", "until", "issue", "severity", "fail-on", "dry-run", "author", "pin-from"):
        assert f"--{name}" in flags and f"--{name}" in script, name
    assert set(doc["outputs"]) == {"new_versions", "undocumented_count", "recommendation", "report_path", "pin"}
    env = doc["runs"]["steps"][-1]["env"]  # the target is the CLI's global option, read from its variable
    assert env["AUDITOR_TARGET"] == "${{ inputs.target }}" and doc["inputs"]["target"]["default"] == "claude-code"
