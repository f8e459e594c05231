"""The Gemini CLI target against a local fake registry: its program is `bundle/gemini.js` and the chunks it
imports (not the near-copies the package ships for other entry points); nightly and preview versions
are never stable releases."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from click.testing import CliRunner

from auditor import bundle, targets
from auditor.cli import cli
from auditor.collector import Collector
from auditor.npm import Cache, Registry
from auditor.store import Store

from builders import read_report, tgz

TARGET = targets.get("gemini-cli")
GEMINI = "@google/gemini-cli"
PROMPT = "You are Gemini CLI, an interactive agent that helps users with software engineering tasks. {rule}"


def gemini_package(rule: str, stale: str = "Always ask before editing any file in the workspace.", extra: str = "") -> bytes:
    """A split bundle: the entry imports a chunk holding the prompt, which imports another; the package
    also holds an unreached near-copy of the core (another entry point's) with an older prompt, an
    exact copy of a chunk, and an import that points outside the package."""
    core = ("import { helper } from \"./chunk-BBBBBBBB.js\";\n"
            f"var prompt = `{PROMPT.format(rule=rule)} Use ${{helper}} when needed.`;\n"
            + (f"var extra = `{extra}`;\n" if extra else "") + "export { prompt };\n")
    return tgz({
        "package/package.json": b"{}",
        "package/bundle/gemini.js": b'#!/usr/bin/env node\nimport { prompt } from "./chunk-AAAAAAAA.js";\nimport "../../../etc/passwd.js";\n'
                                    b'const later = () => import("./chunk-CCCCCCCC.js");\nconsole.log(prompt);\n',
        "package/bundle/chunk-AAAAAAAA.js": core.encode(),
        "package/bundle/chunk-BBBBBBBB.js": b'var helper = "read_file";\nexport { helper };\n',
        "package/bundle/chunk-CCCCCCCC.js": b'import "./chunk-BBBBBBBB.js";\nimport "./chunk-DDDDDDDD.js";\n',
        "package/bundle/chunk-DDDDDDDD.js": b'var helper = "read_file";\nexport { helper };\n',  # same text as BBBBBBBB
        "package/bundle/chunk-ZZZZZZZZ.js": f"var prompt = `{PROMPT.format(rule=stale)}`;\n".encode(),
    })


def test_the_program_is_the_entry_and_the_chunks_it_imports(tmp_path):
    root = tmp_path / "root"
    (tmp_path / "p.tgz").write_bytes(gemini_package("Keep answers short and direct, always."))
    bundle.unpack(tmp_path / "p.tgz", root)
    found = bundle.from_directory(root, TARGET.entry_files)
    assert found.origin == "package/bundle/gemini.js"
    assert [m.path for m in found.modules] == ["package/bundle/gemini.js", "package/bundle/chunk-AAAAAAAA.js",
                                               "package/bundle/chunk-CCCCCCCC.js", "package/bundle/chunk-BBBBBBBB.js"]
    assert [m.name for m in found.modules][1] == "package/bundle/chunk.js"  # esbuild's hash dropped
    assert "Always ask before editing" not in found.code  # the other entry point's copy is not this program


@pytest.fixture
def gemini(npm, env, monkeypatch):
    """Stable 0.60.0 and 0.61.0 (a prompt rule rewritten), with a preview and a nightly between them."""
    monkeypatch.setenv("AUDITOR_TARGET", "gemini-cli")
    notes = env / "GEMINI-CHANGELOG.md"  # its own: the shared $AUDITOR_CHANGELOG is Claude Code's, set aside for this CLI
    notes.write_text("# Changelog\n\n## 0.62.0-preview.1\n\n- Fixed the footer\n\n## 0.61.0\n\n- Fixed the footer\n\n"
                     "## 0.61.0-preview.0\n\n- Fixed the footer\n\n## 0.60.0\n\n- Initial release\n")
    monkeypatch.setenv("AUDITOR_CHANGELOG_GEMINI_CLI", str(notes))
    old = gemini_package("Keep answers short and direct, always.")
    new = gemini_package("Explain every shell command before running it.")
    npm.publish(GEMINI, "0.60.0", old)
    npm.publish(GEMINI, "0.61.0-nightly.20260909.ged2ac40df", new, latest=False)
    npm.publish(GEMINI, "0.61.0-preview.0", new, latest=False)
    npm.publish(GEMINI, "0.61.0", new)
    return npm


def test_preview_and_nightly_versions_are_not_stable_releases(gemini, tmp_path):
    registry = Registry(httpx.Client(), Cache(tmp_path / "cache"), url=gemini.url)
    c = Collector(Store.open(tmp_path / "c.db"), registry, TARGET, jobs=1)
    assert len(c.published()) == 4
    assert c.latest(5) == ["0.60.0", "0.61.0"]
    assert c.range("0.60.0", "0.61.0") == ["0.60.0", "0.61.0"]


def test_diff_of_two_gemini_releases_reports_the_rewritten_prompt_once(gemini):
    result = CliRunner().invoke(cli, ["diff", "0.60.0", "0.61.0", "--no-capture", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert doc["target"] == "gemini-cli" and doc["versions"] == ["0.60.0", "0.61.0"]
    prompts = [c for c in doc["changes"] if "You are Gemini CLI" in str(c.get("after")) + str(c.get("before"))]
    assert len(prompts) == 1, doc["changes"]
    assert "Explain every shell command" in str(prompts[0]) and "Always ask before editing" not in str(doc)
    judged = next(f for f in doc["findings"] if prompts[0]["key"] in str(f["evidence"]))
    assert judged["evidence"]["rule"] == "gemini-system-prompt" and judged["severity"] == "medium"  # Gemini CLI's own rule file
    same = CliRunner().invoke(cli, ["diff", "0.61.0", "0.61.0", "--no-capture", "--format", "json"])
    assert same.exit_code == 0 and read_report(same.stdout)["changes"] == []


# ------------------------------------------------------------------------------------------ release notes

def latest(version: str, released: str, *prs: str) -> str:
    """`docs/changelogs/latest.md` as the release robot writes it."""
    changed = "\n".join(f"- {title} by @dev in\n  [#{n}](https://github.com/google-gemini/gemini-cli/pull/{n})" for n, title in enumerate(prs, 100))
    return (f"# Latest stable release: v{version}\n\nReleased: {released}\n\nFor most users, our latest stable release is the\n"
            "recommended release. Install it with:\n\n```\nnpm install -g @google/gemini-cli\n```\n\n"
            f"## Highlights\n\n- **Faster startup:** The CLI starts in half the time.\n\n## What's Changed\n\n{changed}\n\n"
            f"**Full Changelog**:\nhttps://github.com/google-gemini/gemini-cli/compare/v0.0.0...v{version}\n")


def preview(version: str, released: str, *prs: str) -> str:
    return latest(version, released, *prs).replace("# Latest stable release:", "# Preview release:")


def notes_bundle(tmp_path, commits: list[tuple[str, dict[str, str]]]):
    """A git bundle of the pages' history, one commit per (ISO date, {page: text})."""
    import git

    work = git.Repo.init(tmp_path / "notes", initial_branch="main")
    actor = git.Actor("gemini-cli-robot", "robot@example.com")
    for when, pages in commits:
        for name, text in pages.items():
            path = tmp_path / "notes" / "docs" / "changelogs" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            work.index.add([str(path)])
        stamp = f"{int(datetime.fromisoformat(when).timestamp())} +0000"
        work.index.commit(f"Changelog for {when}", author=actor, committer=actor, author_date=stamp, commit_date=stamp)
    work.git.bundle("create", str(tmp_path / "notes.bundle"), "--all")
    return tmp_path / "notes.bundle"


def test_each_commit_of_the_pages_adds_its_release(tmp_path):
    from auditor.changelog import ChangelogHistory, parse, repository

    url = notes_bundle(tmp_path, [
        ("2026-05-01T10:00:00+00:00", {"latest.md": latest("0.60.0", "April 30, 2026", "fix(cli): a crash on resize")}),
        ("2026-05-02T10:00:00+00:00", {"preview.md": preview("0.61.0-preview.0", "May 2, 2026", "feat(core): explain shell commands")}),
        ("2026-05-03T10:00:00+00:00", {"index.md": "# Gemini CLI release notes\n"}),  # not a page that names a release
        ("2026-05-08T10:00:00+00:00", {"latest.md": latest("0.61.0", "May 8, 2026", "feat(core): explain shell commands",
                                                           "chore(release): bump version to 0.61.0-nightly.20260509.gabc by @bot")}),
    ])
    history = ChangelogHistory()
    text, folded = repository.read(str(url), TARGET.changelog.path, tmp_path / "cache", history, None, TARGET.changelog.pages)
    assert folded == 3  # index.md's commit touches neither page
    releases = {r.version: r for r in parse(text)}
    assert list(releases) == ["0.61.0", "0.61.0-preview.0", "0.60.0"]
    assert releases["0.61.0"].date == "2026-05-08"
    assert [e.text for e in releases["0.61.0"].entries] == [
        "Faster startup: The CLI starts in half the time.", "feat(core): explain shell commands",
        "chore(release): bump version to 0.61.0-nightly.20260509.gabc by @bot"]  # no " in #N": not GitHub's suffix
    assert history.sections["0.60.0"].first_date.startswith("2026-05-01") and history.sections["0.61.0"].first_date.startswith("2026-05-08")
    assert history.newest_date().startswith("2026-05-08")


def test_diff_is_judged_against_the_pages_history_and_newer_releases_are_not(gemini, tmp_path, monkeypatch):
    gemini.publish(GEMINI, "0.62.0", gemini_package("Explain every shell command before running it.",
                                                     extra="When the user asks for a review, list the risks you see in the change first, then the fixes."), when="2026-05-20T00:00:00.000Z")
    url = notes_bundle(tmp_path, [
        ("2026-04-02T10:00:00+00:00", {"latest.md": latest("0.60.0", "April 1, 2026", "fix(cli): a crash on resize")}),
        ("2026-04-04T12:00:00+00:00", {"latest.md": latest("0.61.0", "April 4, 2026", "feat(core): explain every shell command before running it")}),
    ])
    monkeypatch.setenv("AUDITOR_CHANGELOG_GEMINI_CLI", str(url))
    result = CliRunner().invoke(cli, ["diff", "0.60.0", "0.62.0", "--no-capture", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    verdicts = {f["introduced_in"]: f["verdict"] for f in doc["findings"]}
    assert verdicts["0.61.0"] in ("documented", "partial", "undocumented") and verdicts["0.62.0"] == "unjudged"
    assert doc["changelog"]["source"] == str(url) if isinstance(doc["changelog"], dict) else doc["changelog"] == str(url)


@pytest.mark.parametrize("pages", [{"index.md": "# Gemini CLI release notes\n"}, {"latest.md": "# Latest stable release\n\nSoon.\n"}])
def test_pages_that_name_no_release_are_one_line(gemini, tmp_path, monkeypatch, pages):
    monkeypatch.setenv("AUDITOR_CHANGELOG_GEMINI_CLI", str(notes_bundle(tmp_path, [("2026-04-02T10:00:00+00:00", pages)])))
    result = CliRunner().invoke(cli, ["diff", "0.60.0", "0.61.0", "--no-capture"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and "Error:" in result.output, result.output


def test_a_broken_bundle_is_one_line(gemini, tmp_path, monkeypatch):
    (tmp_path / "broken.bundle").write_bytes(b"# v2 git bundle\nnot really\n")
    monkeypatch.setenv("AUDITOR_CHANGELOG_GEMINI_CLI", str(tmp_path / "broken.bundle"))
    result = CliRunner().invoke(cli, ["diff", "0.60.0", "0.61.0", "--no-capture"])
    assert result.exit_code != 0 and result.output.strip().count("\n") == 0 and "broken.bundle" in result.output, result.output


# ------------------------------------------------------------------------------------------ static facts

TOOLS = '''import { READ_FILE_TOOL_NAME } from "./chunk-BBBBBBBB.js";
var DEFAULT_MODEL = "gemini-2.5-pro";
var LEGACY_SET = {
  read_file: {
    name: READ_FILE_TOOL_NAME,
    description: `Reads and returns the content of a specified file.`,
    parametersJsonSchema: {
      type: "object",
      properties: { [PARAM_FILE_PATH]: { description: "The path to the file to read.", type: "string" } }
    }
  }
};
var MODERN_SET = {
  read_file: {
    name: READ_FILE_TOOL_NAME,
    description: `Reads a file. You MUST read only the lines you need.`,
    parametersJsonSchema: { type: "object", properties: {} }
  },
  again: {
    name: READ_FILE_TOOL_NAME,
    description: `Reads and returns the content of a specified file.`,
    parametersJsonSchema: {
      type: "object",
      properties: { [PARAM_FILE_PATH]: { description: "The path to the file to read.", type: "string" } }
    }
  }
};
var notATool = { name: "x", description: "a setting, not a declaration" };
export { LEGACY_SET, MODERN_SET };
'''


def test_tool_declarations_and_model_ids_of_an_unminified_bundle(tmp_path):
    from auditor import extract

    (tmp_path / "p.tgz").write_bytes(tgz({
        "package/bundle/gemini.js": b'import { LEGACY_SET } from "./chunk-AAAAAAAA.js";\n',
        "package/bundle/chunk-AAAAAAAA.js": TOOLS.encode(),
        "package/bundle/chunk-BBBBBBBB.js": b'var READ_FILE_TOOL_NAME = "read_file";\nexport { READ_FILE_TOOL_NAME };\n',
    }))
    bundle.unpack(tmp_path / "p.tgz", tmp_path / "root")
    facts = extract.extract(bundle.from_directory(tmp_path / "root", TARGET.entry_files), TARGET, "0.61.0")
    assert facts["tool"] == {
        "read_file": "Reads and returns the content of a specified file.\nThe path to the file to read.",
        "read_file (2)": "Reads a file. You MUST read only the lines you need.",
    }
    assert set(facts["model"]) == {"gemini-2.5-pro"}
    assert facts["flag"] == {}  # the target names no flag prefix: no word is taken for a feature flag


def test_a_target_s_own_rules_load_only_for_it(tmp_path):
    from auditor import rules

    shared = {r.id for r in rules.load()}
    assert {r.id for r in rules.load(None, "gemini-cli")} - shared == {"gemini-system-prompt"}
    assert {r.id for r in rules.load(None, "claude-code")} == shared
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.toml").write_text('[[rule]]\nid = "a"\ncategory = "other"\nseverity = "low"\nkinds = ["env"]\n')
    (tmp_path / "mine" / "gemini-cli").mkdir()
    (tmp_path / "mine" / "gemini-cli" / "b.toml").write_text('[[rule]]\nid = "b"\ncategory = "other"\nseverity = "high"\nkinds = ["tool"]\n')
    assert [r.id for r in rules.load(tmp_path / "mine", "gemini-cli")] == ["a", "b"]
    assert [r.id for r in rules.load(tmp_path / "mine", "codex")] == ["a"]


# ------------------------------------------------------------------------------------------ channels

def test_a_versions_channel_is_told_by_its_suffix():
    from auditor.versions import channel

    assert [channel(v) for v in ("0.61.0", "0.61.0-preview.0", "0.61.0-nightly.20260909.ged2ac40df", "1.0.0-rc.1")] == [
        "stable", "preview", "nightly", "rc"]


def test_channel_picks_the_releases_a_range_the_latest_and_the_pin_walk(gemini, tmp_path, monkeypatch):
    gemini.publish(GEMINI, "0.62.0-preview.1", gemini_package("Explain every shell command, briefly."), latest=False)
    registry = Registry(httpx.Client(), Cache(tmp_path / "cache"), url=gemini.url)
    store = Store.open(tmp_path / "c.db")
    nightly = Collector(store, registry, TARGET, jobs=1, channel="nightly")
    assert nightly.latest(5) == ["0.61.0-nightly.20260909.ged2ac40df"]
    preview = Collector(store, registry, TARGET, jobs=1, channel="preview")
    assert preview.range("0.60.0", "0.62.0-preview.1") == ["0.61.0-preview.0", "0.62.0-preview.1"]
    result = CliRunner().invoke(cli, ["diff", "0.61.0-preview.0", "0.62.0-preview.1", "--channel", "preview", "--no-capture", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert doc["versions"] == ["0.61.0-preview.0", "0.62.0-preview.1"]
    assert doc["recommendation"]["recommended"] in ("0.61.0-preview.0", "0.62.0-preview.1")  # a preview, never 0.61.0
    assert "briefly" in str(doc["changes"])
    monkeypatch.setenv("AUDITOR_CHANNEL", "beta")
    assert CliRunner().invoke(cli, ["diff", "0.60.0", "0.61.0", "--no-capture"]).exit_code == 2
