"""The Codex target against a local fake registry: platform builds published as versions of the main
package are builds, never releases."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from click.testing import CliRunner

from auditor import targets
from auditor.cli import cli
from auditor.collector import Collector
from auditor.errors import UnknownVersion
from auditor.npm import Cache, Registry
from auditor.store import Store
from auditor.targets import ChangelogSource

from builders import CODEX, codex_binary, codex_model, codex_release, read_report

TARGET = targets.get("codex")


@pytest.fixture
def codex(npm, env, monkeypatch):
    """Three Codex releases (each with linux-x64 and darwin-arm64 builds) and an alpha: 0.171.0 rewrites
    gpt-a's prompt and raises its verbosity, and edits gpt-b's collaboration mode; 0.172.0 changes nothing."""
    offline(npm, monkeypatch)
    old = [codex_model("gpt-a"), codex_model("gpt-b", context_window=400000)]
    new = [codex_model("gpt-a", prompt="You are Codex, a coding agent.\nWork in the user's workspace.\nNever run git push.", verbosity="medium"),
           codex_model("gpt-b", context_window=400000, mode="# Collaboration Mode: Default\nAsk before any change.")]
    codex_release(npm, "0.170.0", codex_binary(old))
    codex_release(npm, "0.171.0-alpha.1", codex_binary(new))
    codex_release(npm, "0.171.0", codex_binary(new))
    codex_release(npm, "0.172.0", codex_binary(new, junk=b"\x00other bytes"))
    return npm


def run(*args: str):
    """`audit ARGS`, static only (a diff without --no-capture would run the fake binaries)."""
    return CliRunner().invoke(cli, [*args, "--no-capture"] if args[0] == "diff" else list(args))


def offline(npm, monkeypatch) -> None:
    """`--target codex`, its releases page (GitHub's, in real life) answering 404 on the fake server."""
    monkeypatch.setenv("AUDITOR_TARGET", "codex")
    monkeypatch.delenv("AUDITOR_CHANGELOG")
    here = dataclasses.replace(TARGET, changelog=ChangelogSource(html_url=npm.url + "/openai/codex/releases"))
    monkeypatch.setattr(targets, "get", lambda name: here)


def collector(npm, tmp_path) -> Collector:
    registry = Registry(httpx.Client(), Cache(tmp_path / "cache"), url=npm.url)
    return Collector(Store.open(tmp_path / "c.db"), registry, TARGET, jobs=1)


def test_platform_builds_are_never_releases(codex, tmp_path):
    c = collector(codex, tmp_path)
    assert list(c.published()) == ["0.170.0", "0.171.0-alpha.1", "0.171.0", "0.172.0"]
    assert c.range("0.170.0", "0.172.0") == ["0.170.0", "0.171.0", "0.172.0"]
    assert c.latest(5) == ["0.170.0", "0.171.0", "0.172.0"]
    assert set(c.store.releases("codex")) == set(c.published())
    with pytest.raises(UnknownVersion, match="platform build"):
        c.range("0.170.0", "0.171.0-linux-x64")
    assert c.package_for("0.171.0") == (CODEX, "0.171.0-linux-x64", ())
    listed = run("versions", "--all").output
    assert "0.171.0-alpha.1" in listed and "-linux-x64" not in listed and "-darwin-arm64" not in listed
