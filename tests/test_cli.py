"""The audit command end to end against a local fake registry: output, and every bad input as one line."""

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import targets
from auditor.cli import cli
from auditor.store import Store
from auditor.targets import ChangelogSource

from builders import LINUX, MAIN, NAMES_A, cli_js, fake_program, js_package, read_report, sri, tgz


def run(*args, capture: bool = False):
    """Invoke `audit`; diff and collect run without captures unless asked (these releases can't run)."""
    args = list(args)
    if not capture and args[0] in ("diff", "collect"):
        args.append("--no-capture")
    return CliRunner().invoke(cli, args)


def one_line_error(result) -> str:
    assert result.exit_code != 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_every_command_has_help():
    for name in cli.commands:
        assert run(name, "--help").exit_code == 0


SHARED = ("--db", "--target", "--platform", "--registry", "--cache-dir", "--cache-max")


def test_shared_options_work_on_every_command_and_show_their_env_var():
    for name, command in cli.commands.items():
        options = {o for p in command.params for o in p.opts}
        assert set(SHARED) <= options, name
        assert "env var: AUDITOR_DB" in " ".join(run(name, "--help").output.split()), name


def test_db_where_people_type_it(releases, env, tmp_path):
    """After the command (wins over the group's flag and the environment), before it, or from $AUDITOR_DB."""
    assert run("diff", "2.1.1", "2.1.2", "--db", str(tmp_path / "x.db")).exit_code == 0
    assert run("--db", str(tmp_path / "y.db"), "collect", "2.1.2", "--no-capture").exit_code == 0
    assert run("--db", str(tmp_path / "y.db"), "collect", "2.1.113", "--db", str(tmp_path / "z.db"), "--no-capture").exit_code == 0
    stored = {name: [r.version for r in Store.open(tmp_path / name).snapshots("claude-code")] for name in ("x.db", "y.db", "z.db")}
    assert stored == {"x.db": ["2.1.1", "2.1.2"], "y.db": ["2.1.2"], "z.db": ["2.1.113"]}
    assert not (env / "store.db").exists()  # $AUDITOR_DB was set, and every flag beat it
    assert run("collect", "2.1.1").exit_code == 0
    assert [r.version for r in Store.open(env / "store.db").snapshots("claude-code")] == ["2.1.1"]


def test_every_long_option_is_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    missing = sorted(
        f"{name} {opt}"
        for name, command in cli.commands.items()
        for param in command.params
        for opt in param.opts
        if opt.startswith("--") and not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", readme)
    )
    assert not missing


def test_an_unexpected_error_is_one_line_naming_the_command(releases, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("auditor.audit.diff_versions", broken)
    line = one_line_error(run("diff", "2.1.1", "2.1.2"))
    assert line == "Error: audit diff failed unexpectedly: ZeroDivisionError: division by zero (run with AUDITOR_DEBUG=1 for the traceback)"
    monkeypatch.setenv("AUDITOR_DEBUG", "1")
    assert isinstance(run("diff", "2.1.1", "2.1.2").exception, ZeroDivisionError)


def test_same_version_has_no_changes(releases):
    result = run("diff", "2.1.1", "2.1.1")
    assert result.exit_code == 0 and "No changes." in result.output


def test_renames_only_release_has_no_changes(releases):
    assert "No changes." in run("diff", "2.1.1", "2.1.2").output


def test_diff_across_the_packaging_switch_json(releases):
    result = run("diff", "2.1.1", "2.1.114", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert doc["schema_version"] == 2 and doc["from"] == "2.1.1" and doc["to"] == "2.1.114"
    assert doc["versions"] == ["2.1.1", "2.1.2", "2.1.113", "2.1.114"]
    got = {(c["kind"], c["key"]): c for c in doc["changes"]}
    cond = got[("section_condition", "anti_verbosity")]
    assert cond["after"] == "" and "opus-4-6" in cond["before"] and cond["introduced_in"] == "2.1.113"
    assert got[("flag", "tengu_quiet_flag")]["after"] == "true" and got[("flag", "tengu_quiet_flag")]["introduced_in"] == "2.1.114"
    assert got[("limit", "max_tokens")]["before"] == "32000" and got[("limit", "max_tokens")]["after"] == "64000"
    assert ("document", "prompt.md") in got  # the native binary embeds a prompt file
    assert all(set(c) >= {"kind", "key", "before", "after", "introduced_in", "removed_in"} for c in doc["changes"])


def test_text_and_markdown_reports(releases):
    text = run("diff", "2.1.1", "2.1.114").output
    assert "2.1.1 → 2.1.114" in text and "anti_verbosity" in text
    assert re.search(r"kind +┃ +added +┃ +changed +┃\n", text)  # the counts, in the columns some change fills
    md = run("diff", "2.1.1", "2.1.114", "--format", "markdown").stdout
    assert md.startswith("### claude-code 2.1.1 → 2.1.114") and "<details>" in md


def test_versions_and_show(releases):
    run("collect", "2.1.1")
    out = run("versions").output
    assert "2.1.114" in out and "any" in out
    assert "Length limits" in run("show", "2.1.1", "--section", "anti_verbosity").output
    assert "tengu_quiet_flag" in run("show", "2.1.114", "--kind", "flag").output


def test_unknown_version(releases):
    line = one_line_error(run("diff", "2.1.1", "2.1.60"))
    assert "has no version 2.1.60" in line and "nearest: 2.1.2, 2.1.113" in line


def test_unknown_package(npm, env):
    assert "no package named @anthropic-ai/claude-code" in one_line_error(run("collect", "2.1.1"))


def test_integrity_mismatch_keeps_nothing(npm, env):
    body = js_package(cli_js())
    npm.publish(MAIN, "2.1.1", body, integrity=sri(b"something else"))
    assert "sha512" in one_line_error(run("collect", "2.1.1"))
    assert not list((env / "cache").rglob("*.tgz"))


def test_corrupt_tarball(npm, env):
    npm.publish(MAIN, "2.1.1", b"\x1f\x8b this is not gzip" * 50)
    assert "corrupt package archive" in one_line_error(run("collect", "2.1.1"))
    assert Store.open(env / "store.db").snapshots("claude-code") == []


def test_truncated_download(npm, env):
    body = js_package(cli_js())
    npm.publish(MAIN, "2.1.1", body, served=body[: len(body) // 2])
    assert "2.1.1" in one_line_error(run("collect", "2.1.1"))


def test_binary_without_embedded_bundle(npm, env):
    npm.publish(MAIN, "2.1.113", tgz({"package/cli-wrapper.cjs": b"//"}))
    npm.publish(LINUX, "2.1.113", tgz({"package/claude": b"\x7fELF" + b"\0" * 5000}))
    assert "no embedded JavaScript bundle" in one_line_error(run("collect", "2.1.113"))


def test_rate_limited_then_success(releases, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    releases.faults[f"/{MAIN}"] = [(429, {"Retry-After": "1"})]
    assert run("collect", "2.1.1").exit_code == 0
    assert releases.hits.count(f"/{MAIN}") == 2
    assert slept == [1.0]  # the server's Retry-After, honoured without really waiting


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_ctrl_c_during_collect_then_resume(releases, env, monkeypatch, jobs):
    """Ctrl-C while snapshots are being saved (in whatever order the workers finish them): the store
    keeps whole snapshots only, and the next run collects the rest."""
    real = Store.save_snapshot
    calls = []

    def interrupt_second(self, **snapshot):
        calls.append(snapshot["version"])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, **snapshot)

    monkeypatch.setattr(Store, "save_snapshot", interrupt_second)
    result = run("collect", "2.1.1", "2.1.2", "2.1.113", "--jobs", jobs)
    assert result.exit_code == 130
    stored = Store.open(env / "store.db")
    [kept] = stored.snapshots("claude-code")
    assert kept.version == calls[0] and stored.facts(kept.id)["prompt_section"]
    monkeypatch.setattr(Store, "save_snapshot", real)
    assert run("collect", "2.1.1", "2.1.2", "2.1.113").exit_code == 0
    assert len(stored.snapshots("claude-code")) == 3


def test_second_collector_is_refused(releases, env):
    store = Store.open(env / "store.db")
    with store.writer():
        assert "is being written by" in one_line_error(run("collect", "2.1.1"))


def test_diff_captures_what_each_release_sends(npm, env, tmp_path):
    for version, extra in (("2.1.113", ""), ("2.1.114", "--effort low")):
        npm.publish(MAIN, version, tgz({"package/cli-wrapper.cjs": b"//"}))
        npm.publish(LINUX, version, fake_program(extra, cli_js()))
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "hello.toml").write_text('mode = "print"\nprompt = "Say hello."\nroute = "base-url"\n')
    result = run("diff", "2.1.113", "2.1.114", "--format", "json", "--scenario", "hello", "--scenarios-dir", str(scenarios), capture=True)
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert doc["scenarios"] == ["hello"]
    (change,) = [c for c in doc["changes"] if c["kind"] == "request_param"]
    assert change["key"] == "turn 0: output_config" and change["after"] == {"effort": "low"}
    assert change["scenario"] == "hello" and change["introduced_in"] == "2.1.114"
    stored = Store.open(env / "store.db")
    assert "sk-ant" not in str([stored.facts(r.id) for r in stored.snapshots("claude-code")])


def test_findings_lead_the_report_and_fail_on_sets_the_exit_code(releases):
    doc = read_report(run("diff", "2.1.1", "2.1.114", "--format", "json").stdout)
    verdicts = {f["title"]: f["verdict"] for f in doc["findings"]}
    guard = next(t for t in verdicts if "anti_verbosity" in t and "unconditional" in t)
    assert verdicts[guard] == "undocumented"
    assert all(set(f) >= {"id", "category", "severity", "verdict", "title", "evidence", "changelog_refs", "introduced_in", "removed_in", "confidence"} for f in doc["findings"])
    assert doc["recommendation"]["baseline"] == "2.1.1"
    text = run("diff", "2.1.1", "2.1.114").stdout
    assert text.index("Findings") < text.index("Changes") and "Changelog 2.1.2…2.1.114: " in text
    assert run("diff", "2.1.1", "2.1.114", "--fail-on", "undocumented").exit_code == 1
    assert run("diff", "2.1.1", "2.1.2", "--fail-on", "undocumented").exit_code == 0


def test_markdown_is_a_comment_with_a_findings_table(releases):
    md = run("diff", "2.1.1", "2.1.114", "--format", "markdown").stdout
    assert "| Verdict | Severity | Category | Finding | Release |" in md and "<details><summary>2.1.113:" in md
    assert "**Recommendation:**" in md


def test_pin_recommends_with_reasons_and_commands(releases):
    result = run("pin", "--from", "2.1.1", "--no-capture")
    assert result.exit_code == 0, result.output
    assert "npm install -g @anthropic-ai/claude-code@" in result.stdout and "Why not newer" in result.stdout
    assert "with confidence ≥ 0.50" in result.stdout.splitlines()[1]


def test_pin_min_confidence_overrides_the_policy(releases, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("min_confidence = 0.3\n")
    doc = json.loads(run("pin", "--from", "2.1.1", "--no-capture", "--policy", str(policy), "--format", "json").stdout)
    assert doc["policy"]["min_confidence"] == 0.3 and doc["blocking"]
    # Just above the surest blocking finding (the shipped calibration states it): nothing blocks.
    above = round(max(b["confidence"] for b in doc["blocking"]) + 0.005, 3)
    doc = json.loads(run("pin", "--from", "2.1.1", "--no-capture", "--policy", str(policy), "--min-confidence", str(above), "--format", "json").stdout)
    assert doc["policy"]["min_confidence"] == above and doc["blocking"] == []
    bad = run("pin", "--from", "2.1.1", "--min-confidence", "1.5")
    assert bad.exit_code == 2 and "'--min-confidence': 1.5 is not in the range 0<=x<=1" in bad.stderr


def test_malformed_changelog_is_one_line(releases, env):
    (env / "CHANGELOG.md").write_text("just some prose, no versions at all")
    assert "changelog" in one_line_error(run("diff", "2.1.1", "2.1.2")).lower()


def test_bad_rule_file_names_file_and_line(releases, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.toml").write_text('[[rule]]\nid = "x"\ncategory = "reasoning"\nseverity = "enormous"\n')
    line = one_line_error(run("diff", "2.1.1", "2.1.2", "--rules", str(rules)))
    assert "bad.toml:" in line and "severity" in line


def test_unreachable_changelog_still_reports_changes(releases, monkeypatch, tmp_path):
    monkeypatch.delenv("AUDITOR_CHANGELOG")
    offline = dataclasses.replace(
        targets.get("claude-code"),
        changelog=ChangelogSource(git_url=str(tmp_path / "no-such-repo.git"), raw_url=releases.url + "/no-such-changelog.md"),
    )
    monkeypatch.setattr(targets, "get", lambda name: offline)
    result = run("diff", "2.1.1", "2.1.114", "--format", "json")
    doc = read_report(result.stdout)
    assert result.exit_code == 0 and doc["changes"] and doc["findings"]
    assert {f["verdict"] for f in doc["findings"]} == {"unjudged"}  # weighed, not judged
    assert any(note.startswith("no changelog could be read (") for note in doc["notes"])
    assert "nothing can be judged" in one_line_error(run("pin", "--from", "2.1.1", "--no-capture"))


def test_changelog_from_a_releases_page(releases, monkeypatch):
    from test_changelog import _release_section, _releases_page

    page = _releases_page([_release_section("2.1.114", "2026-04-04T00:00:00Z", "<ul><li>Feature flag tengu_quiet_flag is on by default</li></ul>")])
    releases.blobs["/owner/repo/releases"] = page.encode()
    monkeypatch.setenv("AUDITOR_CHANGELOG", releases.url + "/owner/repo/releases")
    doc = read_report(run("diff", "2.1.113", "2.1.114", "--format", "json").stdout)
    assert doc["changelog"].endswith("/owner/repo/releases")
    flag = next(f for f in doc["findings"] if "tengu_quiet_flag" in f["title"])
    assert flag["verdict"] in ("documented", "partial") and flag["changelog_refs"][0]["version"] == "2.1.114"


@pytest.mark.parametrize(
    "args, words",
    [
        (("--db", "/etc/hostname/store.db", "versions"), "cannot use the store"),
        (("--cache-dir", "/etc/hostname/cache", "collect", "2.1.1", "--no-capture"), "cannot write to the download cache"),
    ],
)
def test_unusable_paths_are_one_line(releases, args, words):
    result = CliRunner().invoke(cli, list(args))
    assert words in one_line_error(result)


def test_unreadable_rule_and_policy_files_are_one_line(releases, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "latin1.toml").write_bytes('# caf\xe9\n'.encode("latin-1"))
    assert "latin1.toml: cannot read rule file" in one_line_error(run("diff", "2.1.1", "2.1.2", "--rules", str(rules)))
    policy = tmp_path / "policy.toml"
    policy.write_bytes(b"\xff\xfe")
    assert "policy.toml: cannot read policy" in one_line_error(run("pin", "--from", "2.1.1", "--no-capture", "--policy", str(policy)))


def test_versions_counts_collected_releases_not_captures(releases, env):
    run("collect", "2.1.1")
    Store.open(env / "store.db").save_snapshot(
        target="claude-code", version="2.1.2", platform="any", source="capture:print-default",
        origin="-p hi", extractor="2", published_at=None, facts={"capture": {"status": "ok"}},
    )
    out = " ".join(run("versions").stdout.split())
    assert "4 versions, 1 collected" in out


def test_collect_reports_progress_as_plain_lines_and_keeps_the_cache_under_its_cap(releases, env):
    result = run("collect", "2.1.1", "2.1.2", "2.1.113", "--jobs", "2", "--cache-max", "0")
    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("collected ")]
    assert len(progress) == 3 and progress[-1].startswith("collected ") and "(3/3 releases, 0s left)" in progress[-1]
    assert "(1/3 releases" in progress[0]
    assert run("cache").stdout.strip().endswith(": 0 tarballs, 0B of 4G cap")


def test_cache_shows_prunes_and_clears(releases, env, monkeypatch):
    assert run("collect", "2.1.1", "2.1.2").exit_code == 0
    shown = run("cache").stdout.strip()
    assert shown.startswith(f"{env / 'cache'}: 2 tarballs, ") and shown.endswith(" of 4G cap")
    monkeypatch.setenv("AUDITOR_CACHE_MAX", "1")
    assert run("cache").stdout.strip().endswith(" of 1B cap")
    assert run("cache", "--cache-max", "1G", "--prune").stdout.splitlines() == [
        "deleted 0 tarballs (0B)", f"{env / 'cache'}: 2 tarballs, {shown.split(', ')[1].split(' of')[0]} of 1G cap"]
    pruned = run("cache", "--prune").stdout.splitlines()
    assert pruned[0].startswith("deleted 2 tarballs (") and pruned[1].endswith(": 0 tarballs, 0B of 1B cap")
    assert run("collect", "2.1.113").exit_code == 0  # evicts as it goes: only what it is using survives a run
    monkeypatch.delenv("AUDITOR_CACHE_MAX")
    assert run("cache").stdout.strip().endswith(": 0 tarballs, 0B of 4G cap")
    run("collect", "2.1.114")
    assert run("cache", "--clear").stdout.startswith("deleted 1 tarballs")


@pytest.mark.parametrize(
    "args, words",
    [
        (("collect", "2.1.1", "--jobs", "0"), "Invalid value for '--jobs'"),
        (("collect", "2.1.1", "--cache-max", "lots"), "not a size: 'lots'"),
        (("cache", "--cache-max", "4X"), "not a size: '4X'"),
    ],
)
def test_bad_work_options(releases, args, words):
    result = run(*args)
    assert result.exit_code == 2 and words in result.output


@pytest.mark.parametrize("n", ["-1", "0"])  # were: every release but the oldest, every release
def test_collect_latest_below_one_is_refused(releases, env, n):
    result = run("collect", "--latest", n)
    assert result.exit_code == 2 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [f"Error: Invalid value for '--latest': {n} is not in the range x>=1."]
    assert not (env / "store.db").exists()


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("source", ["release", "proxy"])
def test_diff_with_the_ends_swapped_is_refused_before_any_work(releases, env, fmt, source):
    """A report reads forward in time; swapped silently, it said "removed" to someone reading 2.1.114 → 2.1.1."""
    result = run("diff", "2.1.114", "2.1.1", "--format", fmt, "--source", source)
    assert result.exit_code == 2 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == ["Error: 2.1.114 is newer than 2.1.1: a diff reads forward in time, older release first (audit diff 2.1.1 2.1.114)"]
    assert not (env / "store.db").exists()  # nothing collected, nothing opened


def test_show_prints_data_as_written(npm, env):
    npm.release("2.1.1", cli_js(NAMES_A, terse_text="Usage: /effort [low|medium|high], then [bold]stop[/bold]."), native=False)
    out = run("show", "2.1.1", "--kind", "prompt_section").output + run("show", "2.1.1", "--section", "anti_verbosity").output
    assert out.count("Usage: /effort [low|medium|high], then [bold]stop[/bold].") == 2


def test_malformed_packument_entries_are_named_and_the_rest_collected(releases, env):
    """Hostile: one malformed version key, publish time or manifest used to end `versions` and `collect`
    for every release ("failed unexpectedly: ValueError")."""
    doc = releases.packages[MAIN]
    doc["versions"]["not-a-version"] = {"name": MAIN}
    doc["versions"]["2.1.115"] = "not an object"
    doc["time"]["2.1.2"] = "the day after tomorrow"
    result = run("versions")
    assert result.exit_code == 0, result.output
    assert "2.1.114" in result.stdout and "not-a-version" not in result.stdout
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"warning: {MAIN} on {env_registry()}: skipped what is malformed: version 'not-a-version'")
    assert "2.1.115 (its manifest is not an object)" in warning and "publish time of 2.1.2" in warning
    result = run("collect", "--since", "2.1.1")
    assert result.exit_code == 0, result.output
    assert {r.version for r in Store.open(env / "store.db").snapshots("claude-code")} == {"2.1.1", "2.1.2", "2.1.113", "2.1.114"}


def env_registry() -> str:
    import os

    return os.environ["AUDITOR_REGISTRY"]


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--max-download", "100", "2.1.1: the tarball is larger than the 100B download cap (--max-download or $AUDITOR_MAX_DOWNLOAD raise it)"),
    ("--max-unpacked", "100", "2.1.1: the package unpacks to more than 100B (--max-unpacked or $AUDITOR_MAX_UNPACKED raise it)"),
    ("--max-files", "1", "2.1.1: the package holds more than 1 files (--max-files or $AUDITOR_MAX_FILES raise it)"),
])
def test_size_caps_are_options_and_one_line(releases, env, option, value, words):
    line = one_line_error(run("collect", "2.1.1", option, value))
    assert words in line
    assert Store.open(env / "store.db").snapshots("claude-code") == []
    assert run("collect", "2.1.1").exit_code == 0  # the defaults are far above a real release


def test_pin_accept_sets_a_finding_aside_and_candidates_show_what_each_release_brings(releases):
    before = json.loads(run("pin", "--from", "2.1.1", "--no-capture", "--format", "json").stdout)
    assert before["blocking"], before
    first = before["blocking"][-1]["step"]
    after = json.loads(run("pin", "--from", "2.1.1", "--no-capture", "--format", "json", "--accept", first).stdout)
    assert [a["finding"] for a in after["accepted"]] == [first] and first not in [b["step"] for b in after["blocking"]]
    assert after["policy"]["accept"] == {first: "accepted with --accept"}
    table = run("pin", "--from", "2.1.1", "--no-capture", "--candidates")
    assert table.exit_code == 0 and table.stdout.startswith("Candidates from 2.1.1, newest first.")
    assert "2.1.114" in table.stdout and "newest" in table.stdout and "Install and hold" not in table.stdout
    assert before["candidates"][0]["version"] == "2.1.114"


def test_pin_formats_for_the_bots(releases):
    renovate = json.loads(run("pin", "--from", "2.1.1", "--no-capture", "--format", "renovate").stdout)
    assert renovate["packageRules"][0]["matchPackageNames"] == ["@anthropic-ai/claude-code"]
    dependabot = run("pin", "--from", "2.1.1", "--no-capture", "--format", "dependabot").stdout
    assert dependabot.startswith("version: 2\n") and "      # auditor: " in dependabot


def test_pin_refuses_what_is_no_finding_id(releases):
    assert "is not a finding id" in one_line_error(run("pin", "--from", "2.1.1", "--no-capture", "--accept", "../etc/passwd"))


def test_a_reader_that_stops_reading_ends_the_run_quietly():
    code = ("import click\nfrom auditor.cli import AuditGroup\n@click.group(cls=AuditGroup)\ndef group(): pass\n"
            "@group.command()\ndef spill():\n    while True: click.echo('x' * 1000)\ngroup()")
    proc = subprocess.Popen([sys.executable, "-c", code, "spill"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout and proc.stderr
    proc.stdout.read(10)
    proc.stdout.close()  # as `| head` does
    assert proc.wait(timeout=120) == 141 and proc.stderr.read() == b""
