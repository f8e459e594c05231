"""Smoke test on real releases from the npm registry (the download cache is reused between runs).

2.1.112 ships cli.js and 2.1.113 the native binary: the diff must work across that switch and must not
drown in minifier noise. Skipped only when the registry cannot be reached at all.
"""

import json
import os
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
