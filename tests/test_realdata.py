"""Smoke test on real releases from the npm registry (the download cache is reused between runs).

2.1.112 ships cli.js and 2.1.113 the native binary: the diff must work across that switch and must not
drown in minifier noise. Skipped only when the registry cannot be reached at all.
"""

import json
import os
import re
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.npm import DEFAULT_REGISTRY
from auditor.store import Store

pytestmark = pytest.mark.realdata


@pytest.fixture
def real(tmp_path, monkeypatch):
    try:
        httpx.head(DEFAULT_REGISTRY, timeout=10)
    except httpx.TransportError:
        pytest.skip("npm registry unreachable")
    monkeypatch.setenv("AUDITOR_DB", str(tmp_path / "store.db"))
    monkeypatch.delenv("AUDITOR_REGISTRY", raising=False)
    if "AUDITOR_CACHE" in os.environ:
        monkeypatch.setenv("AUDITOR_CACHE", os.environ["AUDITOR_CACHE"])


def test_diff_real_releases_across_the_packaging_switch(real):
    result = CliRunner().invoke(cli, ["diff", "2.1.112", "2.1.114", "--format", "json", "--scenario", "print-default"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["versions"] == ["2.1.112", "2.1.113", "2.1.114"]
    by_version = {}
    for change in doc["changes"]:
        by_version.setdefault(change["introduced_in"], []).append(change)
    # 2.1.114's changelog is one line; a rebuild must not look like hundreds of changes
    assert len(by_version.get("2.1.114", [])) <= 10, by_version.get("2.1.114")
    # the switch to the native binary changes real things, and extraction still finds the prompt sections
    assert by_version.get("2.1.113")
    same = CliRunner().invoke(cli, ["diff", "2.1.113", "2.1.113", "--scenario", "print-default"])
    assert "No changes." in same.stdout
    # the real program ran against the fake API: what it sent is stored, and captured twice it is identical
    store = Store.open(Path(os.environ["AUDITOR_DB"]))
    captured = [r for r in store.snapshots("claude-code") if r.source == "capture:print-default"]
    assert len(captured) == 3
    facts = store.facts(captured[-1].id)
    assert facts["capture"]["status"] == "ok" and facts["request_param"]["turn 0: model"].startswith("claude-")
    again = CliRunner().invoke(cli, ["capture", "2.1.114", "--scenario", "print-default"])
    assert again.exit_code == 0, again.output
    assert store.facts(store.find("claude-code", "2.1.114", "linux-x64", "capture:print-default").id) == facts


def test_a_real_long_session_through_the_proxy_shows_its_own_trimming(real, tmp_path):
    """2.1.59 replaces old tool results with a pointer to a saved file once the context grows; the proxy
    (upstream: the capture's fake API) sees it as history changes, and stores no key byte."""
    import subprocess

    from auditor import sessions, targets
    from auditor.capture import FakeAPI, Sandbox, load_scenarios, session
    from auditor.capture.proxy import make_app, running
    from auditor.capture.sandbox import FAKE_API_KEY
    from auditor.collector import Collector
    from auditor.npm import Cache, LazyClient, Registry, default_cache_dir

    (scenario,) = load_scenarios(None, ["long-session"])
    db, target = tmp_path / "proxy.db", targets.get("claude-code")
    with LazyClient(timeout=120) as client:
        collector = Collector(Store.memory(), Registry(client, Cache(Path(os.environ.get("AUDITOR_CACHE") or default_cache_dir()))), target)
        with collector.installed("2.1.59") as argv, FakeAPI() as api, make_app(Store.open(db), upstream=api.url) as app, \
                running(app) as url, Sandbox(target, api) as sandbox:
            api.set_turns(scenario.script({"project": str(sandbox.project), "home": str(sandbox.home)}), estimate_usage=True)
            session.prepare(sandbox.project, scenario.session)
            env = {**sandbox.env(argv[0]), "ANTHROPIC_BASE_URL": url}
            subprocess.run([*argv, *scenario.command_args()], env=env, cwd=sandbox.project, capture_output=True, check=True, timeout=300)
            app.flush()
    [recorded] = sessions.recorded(Store.open(db), "claude-code")
    assert recorded.roles["main"]["history changes"]["tool result cleared"] >= 10
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("proxy.db*"))
    assert FAKE_API_KEY.encode() not in on_disk and FAKE_API_KEY[-20:].encode() not in on_disk and b"lorem ipsum" not in on_disk


# Consecutive releases whose facts must agree on everything both binaries contain. The default pair is
# the one the smoke test above already downloads; name others to check newer builds (each native release
# is 70–190 MB): AUDITOR_STABLE_PAIRS="2.1.330:2.1.331 2.1.331:2.1.332".
STABLE_PAIRS = os.environ.get("AUDITOR_STABLE_PAIRS", "2.1.113:2.1.114").split()


def in_code(kind: str, name: str, code: str) -> bool:
    """The oracle, a plain scan: is the name in this program's code as a tool, flag or env var can be?"""
    quoted = any(f"{q}{name}{q}" in code for q in "\"'`")
    if kind != "env":
        return quoted
    return quoted or re.search(r"[.{,]" + name + r"(?![\w$])", code) is not None


@pytest.mark.parametrize("pair", STABLE_PAIRS)
def test_consecutive_releases_agree_on_what_both_binaries_contain(real, tmp_path, pair):
    from auditor import bundle, extract, targets
    from auditor.collector import Collector
    from auditor.npm import Cache, Registry, default_cache_dir

    target = targets.get("claude-code")
    cache = Cache(Path(os.environ.get("AUDITOR_CACHE") or default_cache_dir()))
    with httpx.Client(timeout=300) as client:
        collector = Collector(Store.memory(), Registry(client, cache), target)
        found = {}
        for version in pair.split(":"):
            package = collector.package_for(version)
            root = tmp_path / version
            bundle.unpack(collector.registry.tarball(package.name, package.version), root)
            program = bundle.from_directory(root, package.entry_files, target.binary_names)
            found[version] = (extract.extract(program, target, version), program.code)
    (a, (facts_a, code_a)), (b, (facts_b, code_b)) = found.items()
    wrong = []
    for kind in ("tool", "flag", "env"):
        for name in set(facts_a[kind]) ^ set(facts_b[kind]):
            if in_code(kind, name, code_a) and in_code(kind, name, code_b):
                wrong.append(f"{kind} {name} {'removed' if name in facts_a[kind] else 'added'}")
    assert not wrong, f"{a} → {b}: in both binaries, yet reported added/removed: {sorted(wrong)}"
    for kind in ("tool", "flag", "env"):  # and the extraction found something to compare at all
        assert facts_a[kind] and facts_b[kind], kind


_GEMINI_NOTES = [parent / "shared" / "data" / "gemini-cli-changelogs.bundle" for parent in Path(__file__).resolve().parents]


def test_real_gemini_cli_releases(real, monkeypatch):
    """Two consecutive real Gemini CLI releases: its split bundle read once (the three copies of its core
    are one text), its tools and models found, the diff small, and judged against the notes' history."""
    notes = next((b for b in _GEMINI_NOTES if b.exists()), None)
    if notes is None:
        monkeypatch.delenv("AUDITOR_CHANGELOG", raising=False)
    else:
        monkeypatch.setenv("AUDITOR_CHANGELOG", str(notes))
    result = CliRunner().invoke(cli, ["--target", "gemini-cli", "diff", "0.52.0", "0.53.0", "--no-capture", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["versions"] == ["0.52.0", "0.53.0"] and 0 < len(doc["changes"]) <= 10, doc["changes"]
    if notes is not None:
        assert doc["findings"] and all(f["verdict"] != "unjudged" for f in doc["findings"])
    store = Store.open(Path(os.environ["AUDITOR_DB"]))
    facts = store.facts(store.find("gemini-cli", "0.53.0", "any", "static").id)
    assert {"run_shell_command", "read_file", "write_file", "replace", "glob"} <= set(facts["tool"])
    assert "gemini-2.5-pro" in facts["model"]
    assert sum("You are Gemini CLI, an interactive CLI agent" in text for text in facts["string"].values()) == 1
    same = CliRunner().invoke(cli, ["--target", "gemini-cli", "diff", "0.53.0", "0.53.0", "--no-capture"])
    assert "No changes." in same.stdout
