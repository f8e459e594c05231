"""The Qwen Code target against a local fake registry: its program is `cli.js` and the chunks it imports,
its prompt is judged by its own rule file, and its release notes give the verdicts, as GitHub Releases
(a saved answer of the API) or as the CHANGELOG.md generated from them (linked version headings with dates,
each pull request's title and author)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from auditor import bundle, targets
from auditor.cli import cli

from builders import read_report, tgz

TARGET = targets.get("qwen-code")
QWEN = "@qwen-code/qwen-code"


def qwen_package(rule: str) -> bytes:
    """cli.js imports a chunk holding the prompt; a chunk nothing imports (another entry point's) is not read."""
    prompt = (f"You are Qwen Code, a non-interactive CLI agent developed by Alibaba Group.\\n\\n# Core Mandates\\n\\n- {rule}"
              " Use ${toolName} to read files.")
    return tgz({
        "package/package.json": b'{"bin": {"qwen": "cli-entry.js"}}',
        "package/cli-entry.js": b'#!/usr/bin/env node\nawait import("./cli.js");\n',
        "package/cli.js": b'#!/usr/bin/env node\nimport { prompt } from "./chunks/chunk-AAAAAAAA.js";\nconsole.log(prompt);\n',
        "package/chunks/chunk-AAAAAAAA.js": f'var toolName = "read_file";\nvar prompt = `{prompt}`;\nexport {{ prompt }};\n'.encode(),
        "package/chunks/chunk-ZZZZZZZZ.js": b'var prompt = `You are Qwen Code, a desktop helper. Never run commands.`;\n',
    })


CHANGELOG = """# Changelog

All notable changes to [Qwen Code](https://github.com/QwenLM/qwen-code) are
documented in this file.

## [0.24.4](https://github.com/QwenLM/qwen-code/releases/tag/v0.24.4) - 2026-09-22

### Highlights

_See the complete change list below._

### Complete Change List

#### Features

- feat(core): tell the model to explain every shell command before running it in the system prompt ([#12408](https://github.com/QwenLM/qwen-code/pull/12408)) by @yiliang114

#### Bug Fixes

- fix(web-shell): keep mobile composer controls reachable ([#12462](https://github.com/QwenLM/qwen-code/pull/12462)) by @wenshao

**Full Changelog**: https://github.com/QwenLM/qwen-code/compare/v0.24.3...v0.24.4

## [0.24.3](https://github.com/QwenLM/qwen-code/releases/tag/v0.24.3) - 2026-09-21

### Complete Change List

- web-shell: restore mobile history navigation ([#12362](https://github.com/QwenLM/qwen-code/pull/12362)) by @wenshao
"""


def releases(changelog: str) -> list[dict]:
    """The GitHub Releases API's answer whose bodies the CHANGELOG.md sections were generated from."""
    sections = changelog.split("\n## ")[1:]
    return [{"tag_name": f"v{s[1:s.index(']')]}", "name": f"v{s[1:s.index(']')]}", "draft": False, "prerelease": False,
             "published_at": f"{s.split(' - ')[1][:10]}T12:00:00Z", "body": s.split("\n", 1)[1]} for s in sections]


@pytest.fixture(params=["releases", "changelog"])
def qwen(request, npm, env, monkeypatch):
    monkeypatch.setenv("AUDITOR_TARGET", "qwen-code")
    if request.param == "releases":
        notes = env / "qwen-releases.json"
        notes.write_text(json.dumps(releases(CHANGELOG)))
    else:
        notes = env / "QWEN-CHANGELOG.md"
        notes.write_text(CHANGELOG)
    monkeypatch.setenv("AUDITOR_CHANGELOG_QWEN_CODE", str(notes))
    npm.publish(QWEN, "0.24.3", qwen_package("Keep answers short and direct, always."))
    npm.publish(QWEN, "0.24.4", qwen_package("Explain every shell command before running it."))
    return npm


def test_the_program_is_cli_js_and_the_chunks_it_imports(tmp_path):
    (tmp_path / "p.tgz").write_bytes(qwen_package("Keep answers short."))
    bundle.unpack(tmp_path / "p.tgz", tmp_path / "root")
    found = bundle.from_directory(tmp_path / "root", TARGET.entry_files)
    assert [m.path for m in found.modules] == ["package/cli.js", "package/chunks/chunk-AAAAAAAA.js"]
    assert "desktop helper" not in found.code


def test_diff_of_two_qwen_releases_judges_the_prompt_change_against_its_changelog(qwen):
    result = CliRunner().invoke(cli, ["diff", "0.24.3", "0.24.4", "--no-capture", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert doc["target"] == "qwen-code" and doc["versions"] == ["0.24.3", "0.24.4"]
    [change] = [c for c in doc["changes"] if "You are Qwen Code" in str(c.get("after"))]
    assert "Explain every shell command" in str(change["after"])
    finding = next(f for f in doc["findings"] if change["key"] in str(f["evidence"]))
    assert finding["evidence"]["rule"] == "qwen-system-prompt" and finding["severity"] == "medium"  # Qwen Code's own rule file
    # The entry that says so, linked to its release by the heading's version (its link and date around it); the
    # rewritten rule it does not mention makes it partial.
    assert finding["verdict"] == "partial"
    [ref] = finding["changelog_refs"]
    assert ref["version"] == "0.24.4" and ref["entry"].startswith(
        "feat(core): tell the model to explain every shell command before running it in the system prompt (#12408)")
    same = CliRunner().invoke(cli, ["diff", "0.24.4", "0.24.4", "--no-capture", "--format", "json"])
    assert same.exit_code == 0 and read_report(same.stdout)["changes"] == []
