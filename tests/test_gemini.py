"""The Gemini CLI target against a local fake registry: its program is `bundle/gemini.js` and the chunks it
imports (not the near-copies the package ships for other entry points); nightly and preview versions
are never stable releases."""

from __future__ import annotations

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


def gemini_package(rule: str, stale: str = "Always ask before editing any file in the workspace.") -> bytes:
    """A split bundle: the entry imports a chunk holding the prompt, which imports another; the package
    also holds an unreached near-copy of the core (another entry point's) with an older prompt, an
    exact copy of a chunk, and an import that points outside the package."""
    core = ("import { helper } from \"./chunk-BBBBBBBB.js\";\n"
            f"var prompt = `{PROMPT.format(rule=rule)} Use ${{helper}} when needed.`;\n"
            "export { prompt };\n")
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
    same = CliRunner().invoke(cli, ["diff", "0.61.0", "0.61.0", "--no-capture", "--format", "json"])
    assert same.exit_code == 0 and read_report(same.stdout)["changes"] == []
