"""The Codex target end to end against a local fake registry: platform builds published as versions of the
main package are builds, never releases; the model catalogue embedded in the binary becomes facts that
`audit diff` reports; a binary without a readable catalogue is one line."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from click.testing import CliRunner

from auditor import catalog, targets
from auditor.cli import cli
from auditor.collector import Collector
from auditor.errors import CatalogError, UnknownVersion
from auditor.npm import Cache, Registry
from auditor.store import Store

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
    """`--target codex`, its GitHub Releases (GitHub's API, in real life) answering 404 on the fake server."""
    monkeypatch.setenv("AUDITOR_TARGET", "codex")
    monkeypatch.delenv("AUDITOR_CHANGELOG")
    here = dataclasses.replace(TARGET, changelog=dataclasses.replace(TARGET.changelog, releases_url=npm.url + "/repos/openai/codex/releases"))
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


def test_a_release_published_without_this_platforms_build_is_left_out_of_ranges_and_said_so(codex, tmp_path):
    """Codex 0.153.1 shipped no linux-x64 build: a range across it skips it (and says so); asking for it is one line."""
    codex_release(codex, "0.171.1", codex_binary([codex_model("gpt-a")]), platforms=("darwin-arm64",))
    c = collector(codex, tmp_path)
    assert c.range("0.171.0", "0.172.0") == ["0.171.0", "0.172.0"] and "0.171.1" not in c.published()
    assert c.unbuilt("0.170.0", "0.172.0") == ["0.171.1"]
    with pytest.raises(UnknownVersion, match="published without a linux-x64 build"):
        c.resolve("0.171.1")
    result = run("diff", "0.171.0", "0.172.0", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert any("0.171.1 published without a linux-x64 build" in note for note in doc["notes"])
    assert run("diff", "0.171.0", "0.171.1").exit_code != 0


def test_diff_of_two_codex_releases_reports_the_changed_prompt_and_parameter(codex):
    result = run("diff", "0.170.0", "0.172.0", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = read_report(result.stdout)
    assert doc["target"] == "codex" and doc["versions"] == ["0.170.0", "0.171.0", "0.172.0"]
    got = {(c["kind"], c["key"]): c for c in doc["changes"]}
    mode = ("string", "gpt-b: model_messages.collaboration_modes.default")
    assert set(got) == {("prompt_section", "gpt-a"), ("setting", "gpt-a: default_verbosity"), mode}
    assert got[mode]["status"] == "changed" and got[mode]["label"] == mode[1]  # named by its key, not its first words
    prompt = got[("prompt_section", "gpt-a")]
    assert prompt["after"].endswith("Never run git push.") and prompt["introduced_in"] == "0.171.0"
    assert (got[("setting", "gpt-a: default_verbosity")]["before"], got[("setting", "gpt-a: default_verbosity")]["after"]) == ("low", "medium")
    text = run("diff", "0.170.0", "0.172.0").output
    assert "gpt-a" in text and "not judged (no verdicts, no pin)" in text and "no changelog could be read" in text
    # Weighed all the same: each finding has its severity, none a verdict, and there is no pin.
    assert doc["findings"] and {f["verdict"] for f in doc["findings"]} == {"unjudged"} and not doc.get("recommendation")
    assert all(f["severity"] in ("critical", "high", "medium", "low") for f in doc["findings"])
    assert "$AUDITOR_CHANGELOG_CODEX" in text  # the variable that names this CLI's changelog


def test_codex_changes_are_judged_against_its_github_releases(codex, tmp_path, monkeypatch):
    """A saved answer of GitHub's releases API named by $AUDITOR_CHANGELOG_CODEX: the verbosity its notes
    tell of is documented, the rewritten prompt they do not mention is not."""
    notes = [{"tag_name": f"rust-v{version}", "draft": False, "prerelease": False, "published_at": None, "body": body} for version, body in (
        ("0.172.0", "- Faster startup"), ("0.171.0", "## Changes\n\n- gpt-a now defaults to medium verbosity"), ("0.170.0", "- Older notes"))]
    (tmp_path / "codex-releases.json").write_text(json.dumps(notes))
    monkeypatch.setenv("AUDITOR_CHANGELOG_CODEX", str(tmp_path / "codex-releases.json"))
    doc = read_report(run("diff", "0.170.0", "0.172.0", "--format", "json").stdout)
    verdicts = {f["title"]: f["verdict"] for f in doc["findings"]}
    verbosity = next(t for t in verdicts if "verbosity" in t)
    prompt = next(t for t in verdicts if "gpt-a" in t and t != verbosity)
    assert verdicts[verbosity] in ("documented", "partial") and verdicts[prompt] == "undocumented", verdicts


def test_a_release_compared_with_itself_has_no_changes(codex):
    doc = read_report(run("diff", "0.171.0", "0.171.0", "--format", "json").stdout)
    assert doc["changes"] == []


def test_the_catalogue_becomes_facts_of_each_kind():
    found = catalog.facts(catalog.find(codex_binary([codex_model("gpt-a")]), TARGET.catalog), TARGET.catalog)
    assert found["model"] == {"gpt-a": "GPT-A"}
    assert found["prompt_section"]["gpt-a"].startswith("You are Codex")
    assert found["string"]["gpt-a: model_messages.collaboration_modes.default"].startswith("# Collaboration Mode")
    assert found["limit"]["gpt-a: context_window"] == "272000" and found["limit"]["gpt-a: truncation_policy.limit"] == "10000"
    assert found["flag"]["gpt-a: use_responses_lite"] == "true"
    assert found["setting"]["gpt-a: supported_reasoning_levels"][1] == {"effort": "high", "description": "Deep"}
    assert "gpt-a: guardian" not in found["setting"] and "gpt-a: slug" not in found["setting"]  # null is absent; the id is the key


BAD = {
    "missing": (codex_binary(None), "no model catalogue could be read"),
    "deep JSON": (codex_binary(None) + b'{"models": [{"slug": "gpt-a", "x": ' + b"[" * 100_000, "nested too deeply"),
    "cut short": (codex_binary(None) + b'{"models": [{"slug": "gpt-a", "x": tru', "not JSON"),
    "no models": (codex_binary(None) + b'{"models": []}', "not a list of models"),
    "bad slug": (codex_binary([{"slug": "../../etc"}]), "no usable 'slug'"),
    "twice": (codex_binary([codex_model("gpt-a"), codex_model("gpt-a")]), "gpt-a twice"),
    "deep model": (codex_binary([{"slug": "gpt-a", "x": json.loads('{"a": ' * 10 + "1" + "}" * 10)}]), "nested more than"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_binary_without_a_readable_catalogue_is_one_line(case):
    binary, why = BAD[case]
    with pytest.raises(CatalogError, match=why):
        catalog.facts(catalog.find(binary, TARGET.catalog, "codex"), TARGET.catalog)


def test_a_release_without_a_catalogue_fails_the_diff_in_one_line(npm, env, monkeypatch):
    offline(npm, monkeypatch)
    codex_release(npm, "0.170.0", codex_binary([codex_model("gpt-a")]))
    codex_release(npm, "0.171.0", codex_binary(None))
    result = run("diff", "0.170.0", "0.171.0")
    assert result.exit_code == 1 and result.output.splitlines()[-1] == (
        'Error: @openai/codex@0.171.0: no model catalogue could be read (no embedded {"models": [...]} in it)')


def test_a_catalogue_larger_than_the_first_window_is_read_whole():
    long = "Be careful.\n" * 200_000  # 2.4 MB: beyond the first 1 MB window
    found = catalog.facts(catalog.find(codex_binary([codex_model("gpt-a", prompt=long)]), TARGET.catalog), TARGET.catalog)
    assert found["prompt_section"]["gpt-a"] == long
