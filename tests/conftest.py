"""Shared fixtures: a local fake npm registry, the CLI pointed at it, four synthetic releases."""

from __future__ import annotations

import re

import pytest
from pytest_httpserver import HTTPServer

from auditor.capture import Certificates

from builders import CHANGELOG, NAMES_A, NAMES_B, FakeGitHub, FakeNpm, cli_js


@pytest.fixture
def npm(httpserver: HTTPServer) -> FakeNpm:
    fake = FakeNpm(httpserver)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handler)
    return fake


@pytest.fixture
def env(tmp_path, monkeypatch, npm):
    """The CLI pointed at the fake registry, with its own cache, store and changelog."""
    monkeypatch.setenv("AUDITOR_REGISTRY", npm.url)
    monkeypatch.setenv("AUDITOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("AUDITOR_DB", str(tmp_path / "store.db"))
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG)
    monkeypatch.setenv("AUDITOR_CHANGELOG", str(tmp_path / "CHANGELOG.md"))
    return tmp_path


@pytest.fixture
def releases(npm, env):
    """Four releases: a rename-only rebuild, then the packaging switch with real behavior changes."""
    npm.release("2.1.1", cli_js(NAMES_A), native=False)
    npm.release("2.1.2", cli_js(NAMES_B), native=False)
    npm.release("2.1.113", cli_js(NAMES_A, unconditional=True, max_tokens=64000), native=True)
    npm.release("2.1.114", cli_js(NAMES_B, unconditional=True, max_tokens=64000, flag_default="!0"), native=True)
    return npm


@pytest.fixture
def github() -> FakeGitHub:
    """A fake GitHub REST API on its own loopback server (the npm one is `httpserver`)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    fake = FakeGitHub(server)
    server.expect_request(re.compile(".*")).respond_with_handler(fake.handler)
    yield fake
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def certificates():
    """A throwaway CA and certificate for the API host, shared by a module's captures."""
    with Certificates(["api.anthropic.com"]) as certs:
        yield certs
