"""Builders for tests: synthetic releases (a minified-looking cli.js, a Bun-style native binary) and a local
fake npm registry that serves them under the real package names. Fixtures using them are in conftest.py."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

MAIN = "@anthropic-ai/claude-code"
LINUX = "@anthropic-ai/claude-code-linux-x64"

# A tiny program shaped like the real bundle. {names} are minified identifiers (they change between
# builds); everything else is what a release really says.
CLI_TEMPLATE = """#!/usr/bin/env node
var {tool}="Bash",{read}="Read";function {sec}(q,K){{return{{name:q,compute:K,cacheBreak:!1}}}}
function {gate}(q){{if(!q.includes("{model_gate}"))return!1;return {cfg}().clientDataCache?.quiet_salted_ember==="true"}}
function {terse}(q){{return"{terse_text}"}}
async function {build}(q,K){{let j=[...{guard}[{sec}("anti_verbosity",()=>{terse}(K))]:[],{sec}("language",()=>"Always respond in the language the user writes in, unless they ask otherwise."),{sec}("memory",()=>`# Memory\\nYou keep notes in ${{q}} for later sessions and update them as you learn.`)];return j}}
function {req}(q){{return{{model:q.model,max_tokens:{max_tokens},thinking:{{type:"enabled",budget_tokens:1024}},messages:q.messages}}}}
function {flag}(a,b){{return b}}function {flag2}(){{return {flag}("tengu_quiet_flag",{flag_default})}}
function {tel}(){{log("tengu_event_fired",{{a:1}});log("tengu_other_event",{{b:2}})}}
var {desc}="Reads a file from the local filesystem. Use absolute paths; the result is truncated after many lines.",{rx}=/["'`]{{2}}/g,{div}=10/2;
var {tool_obj}={{name:{read},maxResultSizeChars:1e5,async prompt(){{return"Read files from the local filesystem when the user asks you to look at them."}}}};
if(process.env.CLAUDE_CODE_FOO_MODE)console.log("claude-opus-4-6","interleaved-thinking-2025-05-14","\\u2264 works");
"""

NAMES_A = dict(tool="Aq", read="Bq", sec="iv", gate="OW6", cfg="D8", terse="mrY", build="eW", req="Rq1", flag="b8", flag2="Fz1", tel="Tl", desc="Dx", rx="Rx", div="Dv", tool_obj="To")
NAMES_B = dict(tool="K_", read="$q", sec="RV", gate="gH2", cfg="E6", terse="QB1", build="xZ", req="Lp4", flag="c9", flag2="Hh", tel="Ww", desc="Nn", rx="Qx", div="Uv", tool_obj="Zo")

BASE = dict(
    model_gate="opus-4-6",
    terse_text="Length limits: keep text between tool calls to at most 25 words, final answers short.",
    max_tokens=32000,
    flag_default="!1",
)


def cli_js(names: dict = NAMES_A, **changes) -> bytes:
    values = {**BASE, **changes}
    guard = "" if values.pop("unconditional", False) else f"...{names['gate']}(K)?"
    return CLI_TEMPLATE.format(**names, **values, guard=guard).encode()


def tgz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def bun_binary(modules: list[tuple[str, bytes, int]], prefix: bytes = b"\x7fELF" + b"\0" * 4092) -> bytes:
    """An executable-shaped file with a Bun module graph: records of 6 string pointers + 4 flag bytes,
    an Offsets record and the trailer — the layout of Claude Code's native releases."""
    data = bytearray()
    pointers = []
    for name, text, loader in modules:
        name_b = f"/$bunfs/root/{name}".encode()
        n_off = len(data)
        data += name_b + b"\0"
        t_off = len(data)
        data += text + b"\0"
        pointers.append((n_off, len(name_b), t_off, len(text), loader))
    table_off = len(data)
    for n_off, n_len, t_off, t_len, loader in pointers:
        data += struct.pack("<12I4B", n_off, n_len, t_off, t_len, 0, 0, 0, 0, 0, 0, 0, 0, 1, loader, 1, 0)
    table_len = len(data) - table_off
    offsets = struct.pack("<QIIIIII", len(data), table_off, table_len, 0, 0, 0, 0)
    return prefix + struct.pack("<Q", len(data) + 32 + 16) + bytes(data) + offsets + b"\n---- Bun! ----\n" + b"\0" * 64


def native_package(js: bytes) -> bytes:
    return tgz({"package/claude": bun_binary([("src/entrypoints/cli.js", js, 1), ("prompt-ab12cd34.md", b"# Prompt\nBe helpful.", 13)]), "package/package.json": b"{}"})


def fake_program(extra_args: str, js: bytes) -> bytes:
    """A native package whose `claude` runs the capture tests' fake CLI, shipped inside the package as a
    release's files are (a sealed run sees the package, not the test folder); a Bun graph after the
    script's `exec` line gives static extraction something to read (sh never reads past exec)."""
    fake = (Path(__file__).parent / "fixtures" / "capture" / "fake_cli.py").read_bytes()
    script = f'#!/bin/sh\nexec {sys.executable} "$(dirname "$0")/fake_cli.py" {extra_args} "$@"\n'.encode()
    return tgz({"package/claude": script + bun_binary([("cli.js", js, 1)]), "package/fake_cli.py": fake})


CODEX = "@openai/codex"
CODEX_BINARY = "package/vendor/x86_64-unknown-linux-musl/bin/codex"


def codex_model(slug: str, prompt: str = "You are Codex, a coding agent.\nWork in the user's workspace.", verbosity: str = "low",
                context_window: int = 272000, mode: str = "# Collaboration Mode: Default\nAsk before big changes.",
                visibility: str = "list") -> dict:
    """One model of a Codex catalogue, shaped like the real `models.json` entries (fewer fields)."""
    return {
        "slug": slug, "display_name": slug.upper(), "default_verbosity": verbosity, "tool_mode": "code_mode_only", "visibility": visibility,
        "truncation_policy": {"mode": "tokens", "limit": 10000}, "context_window": context_window, "use_responses_lite": True,
        "supported_reasoning_levels": [{"effort": "low", "description": "Fast"}, {"effort": "high", "description": "Deep"}],
        "guardian": None,
        "model_messages": {"instructions_template": prompt, "collaboration_modes": {"default": mode}},
    }


def codex_binary(models: list[dict] | None, junk: bytes = b"") -> bytes:
    """A Rust-binary-shaped file: bytes around an embedded, pretty-printed `{"models": [...]}` (as Codex embeds it)."""
    catalogue = b"" if models is None else json.dumps({"models": models}, indent=2).encode()
    return b"\x7fELF" + b"\0" * 4092 + b"models cache: cache hit" + catalogue + junk + b"\0\xff\xfe rust strings after"


def codex_program(models: list[dict], extra_args: str = "") -> bytes:
    """A `codex` that runs the capture tests' fake Codex (fixtures/capture/fake_codex.py, which must sit beside it:
    `codex_release(..., program=True)` ships it so), with `models` embedded after its `exec` line as the real
    binary embeds models.json (sh never reads past exec)."""
    script = f'#!/bin/sh\nexec {sys.executable} "$(dirname "$0")/fake_codex.py" "$0" {extra_args} "$@"\n'.encode()
    return script + codex_binary(models)


FAKE_CODEX = Path(__file__).parent / "fixtures" / "capture" / "fake_codex.py"


def codex_release(npm: FakeNpm, version: str, binary: bytes, platforms: tuple[str, ...] = ("linux-x64", "darwin-arm64"),
                  program: bool = False, binary_path: str = CODEX_BINARY) -> None:
    """A Codex release as npm has it: the launcher aliasing its platform builds, which are versions of the same package;
    with `program`, the fake Codex beside the binary (a sealed run sees the package, not the test folder)."""
    aliases = {f"{CODEX}-{p}": f"npm:{CODEX}@{version}-{p}" for p in platforms}
    npm.publish(CODEX, version, tgz({"package/bin/codex.js": b"// launcher", "package/package.json": b"{}"}), optional=aliases)
    files = {binary_path: binary, "package/package.json": b"{}"}
    if program:
        files[binary_path.rsplit("/", 1)[0] + "/fake_codex.py"] = FAKE_CODEX.read_bytes()
    for platform in platforms:
        npm.publish(CODEX, f"{version}-{platform}", tgz(files), latest=False)


def js_package(js: bytes) -> bytes:
    return tgz({"package/cli.js": js, "package/package.json": b"{}"})


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@dataclass
class FakeNpm:
    """A registry on a local HTTP server. `publish` adds a version; `faults` makes requests misbehave."""

    server: HTTPServer
    packages: dict[str, dict] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, list] = field(default_factory=dict)  # path -> list of (status, headers) served first
    hits: list[str] = field(default_factory=list)
    delays: dict[str, float] = field(default_factory=dict)  # path -> seconds to wait before answering (a slow download)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def publish(self, package: str, version: str, body: bytes, *, integrity: str | None = None, when: str | None = None, served: bytes | None = None,
                optional: dict[str, str] | None = None, latest: bool = True) -> None:
        doc = self.packages.setdefault(package, {"name": package, "versions": {}, "time": {}, "dist-tags": {}})
        path = f"/tarballs/{package.replace('/', '_')}-{version}.tgz"
        self.blobs[path] = body if served is None else served
        doc["versions"][version] = {
            "name": package,
            "version": version,
            "dist": {"tarball": self.url + path, "integrity": integrity or sri(body)},
        }
        if optional:
            doc["versions"][version]["optionalDependencies"] = optional
        doc["time"][version] = when or f"2026-04-{len(doc['versions']):02d}T00:00:00.000Z"
        if latest:
            doc["dist-tags"]["latest"] = version

    def release(self, version: str, js: bytes, native: bool) -> None:
        """Publish a Claude-Code-like release: the JS package, or a launcher plus a linux-x64 binary package."""
        if native:
            self.publish(MAIN, version, tgz({"package/cli-wrapper.cjs": b"//launcher", "package/package.json": b"{}"}))
            self.publish(LINUX, version, native_package(js))
        else:
            self.publish(MAIN, version, js_package(js))

    def handler(self, request: Request) -> Response:
        path = request.path
        self.hits.append(path)
        if path in self.delays:
            time.sleep(self.delays[path])
        queued = self.faults.get(path)
        if queued:
            status, headers = queued.pop(0)
            return Response(b"busy", status=status, headers=headers)
        if path in self.blobs:
            return Response(self.blobs[path], content_type="application/octet-stream")
        name = path.lstrip("/")
        if name in self.packages:
            return Response(json.dumps(self.packages[name]), content_type="application/json")
        return Response(json.dumps({"error": "Not found"}), status=404, content_type="application/json")


CHANGELOG = """# Changelog

## 2.1.114

- Feature flag for quieter output is now on by default (tengu_quiet_flag)

## 2.1.113

- Changed the CLI to spawn a native binary instead of bundled JavaScript
- Raised max_tokens for long answers

## 2.1.2

- Fixed a typo
"""


@dataclass
class FakeGitHub:
    """GitHub's REST API for one repository's issues and comments on a local HTTP server: pages of
    `per_page` with Link headers, a token check, and `faults` (method + path → [(status, headers, body)])
    served before the real answer. What the token writes is by `login`; GET /user answers 403 as it does
    for a workflow's GITHUB_TOKEN, or names `login` when `user_token` (a personal token). `post_as`
    writes as a stranger."""

    server: HTTPServer
    repository: str = "acme/tools"
    token: str = "ghs_test_token"
    login: str = "github-actions[bot]"
    user_token: bool = False
    per_page: int | None = None  # force small pages (the client asks for 100)
    issues: dict[int, dict] = field(default_factory=dict)
    comments: dict[int, dict] = field(default_factory=dict)
    faults: dict[str, list] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def issue_comments(self, number: int) -> list[dict]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def handler(self, request: Request) -> Response:
        call = f"{request.method} {request.path}"
        self.calls.append(call)
        queued = self.faults.get(call)
        if queued:
            status, headers, body = queued.pop(0)
            return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._json({"message": "Bad credentials"}, 401)
        prefix = f"/repos/{self.repository}/issues"
        path, body = request.path, request.get_json(silent=True) or {}
        if path == "/user" and request.method == "GET":
            return self._json({"login": self.login}) if self.user_token else self._json({"message": "Resource not accessible by integration"}, 403)
        if path == prefix and request.method == "GET":
            return self._page(request, [i for i in sorted(self.issues.values(), key=lambda i: -i["number"]) if i["state"] == "open"])
        if path == prefix and request.method == "POST":
            return self._json(self.open_issue(body["title"], body.get("body", "")), 201)
        rest = path.removeprefix(prefix + "/").split("/")
        if rest[0] == "comments" and request.method == "PATCH" and int(rest[1]) in self.comments:
            self.comments[int(rest[1])]["body"] = body["body"]
            return self._json(self.comments[int(rest[1])])
        if rest[0].isdigit() and int(rest[0]) in self.issues:
            number = int(rest[0])
            if len(rest) == 1 and request.method == "GET":
                return self._json(self.issues[number])
            if len(rest) == 1 and request.method == "PATCH":
                self.issues[number]["body"] = body["body"]
                return self._json(self.issues[number])
            if rest[1:] == ["comments"] and request.method == "GET":
                return self._page(request, sorted(self.issue_comments(number), key=lambda c: c["id"]))
            if rest[1:] == ["comments"] and request.method == "POST":
                return self._json(self.post_as(self.login, number, body["body"]), 201)
        return self._json({"message": "Not Found"}, 404)

    def open_issue(self, title: str, body: str, login: str | None = None) -> dict:
        number = max([*self.issues, *self.comments, 0]) + 1
        self.issues[number] = {"number": number, "title": title, "body": body, "state": "open", "user": {"login": login or self.login}}
        return self.issues[number]

    def post_as(self, login: str, issue: int, body: str) -> dict:
        cid = max([*self.issues, *self.comments, 0]) + 1000
        self.comments[cid] = {"id": cid, "issue": issue, "body": body, "user": {"login": login},
                              "html_url": f"{self.url}/{self.repository}/issues/{issue}#issuecomment-{cid}"}
        return self.comments[cid]

    def _page(self, request: Request, items: list[dict]) -> Response:
        size = self.per_page or int(request.args.get("per_page", 30))
        page = int(request.args.get("page", 1))
        response = self._json(items[(page - 1) * size : page * size])
        if page * size < len(items):
            args = {**request.args, "page": str(page + 1)}
            query = "&".join(f"{k}={v}" for k, v in args.items())
            response.headers["Link"] = f'<{self.url}{request.path}?{query}>; rel="next"'
        return response

    @staticmethod
    def _json(doc, status: int = 200) -> Response:
        return Response(json.dumps(doc), status=status, content_type="application/json")


def capture_result(model: str = "claude-sonnet-4-6", max_tokens: int = 32000, effort: str | None = None,
                   betas: tuple[str, ...] = ("claude-code-20250219",), tools: tuple[str, ...] = ("Bash", "Read"),
                   system: tuple[str, ...] = ("You are Claude Code.", "# Tone\nBe brief.")) -> dict:
    """A scenario's result as the capture runner reports it (ScenarioResult.to_dict()): one agent turn."""
    body: dict = {"model": model, "max_tokens": max_tokens, "thinking": {"type": "adaptive"}, "stream": True,
                  "system": [{"type": "text", "text": t} for t in system], "messages": [{"role": "user", "content": "hi"}],
                  "tools": [{"name": n, "description": f"The {n} tool.", "input_schema": {"type": "object"}} for n in tools]}
    if effort:
        body["output_config"] = {"effort": effort}
    return {"status": "ok", "requests": [{"body": body, "headers": {"anthropic-beta": list(betas)}}]}


REPORT_SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "report.schema.json").read_text())


def read_report(text: str) -> dict:
    """A JSON report as a reader of docs/json.md sees it: valid against docs/report.schema.json, each text
    (written whole or as line edits of an earlier one) matching its digest, every text reference resolving
    and every text referred to, then resolved in place (`before`, `after`, each history step's `value`),
    so a test asserts on values whether they were written in place or once in `texts`."""
    import jsonschema  # a dependency of check-jsonschema (the test extra)

    doc = json.loads(text)
    jsonschema.validate(doc, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
    texts: dict[str, str] = {}
    for key, entry in doc["texts"].items():  # each after the one it edits
        if isinstance(entry, dict):
            assert entry["base"] in texts, "a text edits one written after it"
            lines = texts[entry["base"]].split("\n")
            for start, end, new in reversed(entry["lines"]):
                lines[start:end] = new
            entry = "\n".join(lines)
        assert hashlib.sha256(entry.encode("utf-8", "surrogatepass")).hexdigest() == key
        texts[key] = entry
    used = set()

    def resolve(item: dict, name: str, ref: str) -> None:
        if ref in item:
            used.add(item[ref])
            item[name] = texts[item.pop(ref)]

    for change in doc["changes"]:
        resolve(change, "before", "before_text")
        resolve(change, "after", "after_text")
        for step in change["history"]:
            resolve(step, "value", "text")
    assert used == set(texts), "texts holds texts nothing refers to"
    return doc


ENV_VARS_RULE = """
[[rule]]
id = "env-vars"
category = "tools-permissions"
severity = "medium"
kinds = ["env"]
evidence = ["env", "/set(?:ting)?/"]
"""
"""A rule the judge tests share: env vars that change what the model gets (tools and permissions)."""


async def request_body(receive: Any) -> bytes:
    """An ASGI request's whole body, however many messages it came in (a fake upstream reads it so)."""
    raw = b""
    while True:
        message = await receive()
        raw += message.get("body", b"")
        if not message.get("more_body"):
            return raw
