"""The user's own setup, read to be put back into a capture sandbox: "what will MY configuration send?"

`--profile DIR` is a user's ~/.claude, `--project DIR` a repository (its CLAUDE.md, .claude/, .mcp.json).
Both are hostile input as far as this module knows, and hold secrets. So:

- only what shapes the requests is copied: settings.json (and a project's settings.local.json), CLAUDE.md
  (and CLAUDE.local.md), the Markdown files of agents/, skills/, commands/, rules/, output-styles/; never
  credentials, OAuth files, transcripts or history, which are simply not on that list;
- a settings `env` value whose name or shape says secret is dropped, so are the settings that run the
  user's commands (hooks, apiKeyHelper, statusLine …) or take the run out of the sandbox (ANTHROPIC_BASE_URL,
  proxies); strings shaped like keys and tokens inside copied files are replaced by `<redacted>`;
  `dropped` says what went, for the report's notes;
- links are followed only to files inside the folder they were found in; only regular UTF-8 files are
  read, each and all of them bounded in size and number;
- MCP servers (a project's .mcp.json, the `mcpServers` of the ~/.claude.json beside the profile, and the
  `--mcp-tools` file) become stubs answering `tools/list` with what the user's servers advertise
  (mcp_stub.py): nothing of theirs runs.

`--mcp-tools FILE` is JSON: `{"<server>": {"tools": [{"name", "description", "inputSchema"}, …],
"instructions": "…"}}` — for each server, what its `tools/list` answered (and, optionally, the instructions
its `initialize` gave). Servers named there and nowhere else are stubbed too.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import CaptureError
from .user import Honours, Plan, UserSetup

MAX_FILE = 256 * 1024  # bytes: a larger file is left out (and said so)
MAX_TOTAL = 4 * 1024 * 1024  # bytes read from one folder in all
MAX_FILES = 400  # files read from one folder
MAX_DEPTH = 6  # folders below an agents/, skills/ … folder
MAX_TOOLS = 500  # per MCP server
MAX_CONFIG = 32 * 1024 * 1024  # bytes: ~/.claude.json (it keeps every project's history; only mcpServers is read)
FOLDERS = ("agents", "skills", "commands", "rules", "output-styles")  # under ~/.claude and a project's .claude/
# Settings that run the user's commands, or point the CLI at their credentials or another host.
UNSAFE_SETTINGS = ("hooks", "apiKeyHelper", "awsAuthRefresh", "awsCredentialExport", "otelHeadersHelper", "statusLine",
                   "fileSuggestion", "forceLoginMethod", "forceLoginOrgUUID")
PLUGIN_SETTINGS = ("enabledPlugins", "extraKnownMarketplaces")  # plugins are not copied: the run would only try to fetch them
MAX_SERVERS = 20  # MCP servers stubbed (each stub is a process in every run)
# A name one of whose words (split at _ - .) says secret: GITHUB_TOKEN, DD_API_KEY, not MAX_MCP_OUTPUT_TOKENS.
_SECRET_NAME = re.compile(r"(?:^|[_.-])(?:API)?(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?|AUTH|COOKIE|PRIVATE|SESSION|BEARER|DSN|"
                          r"CERT)(?:$|[_.-])", re.IGNORECASE)
# What would take a run out of its sandbox (another API host, a proxy, other credentials or config).
_ESCAPING_ENV = re.compile(r"^(ANTHROPIC_BASE_URL|ANTHROPIC_BEDROCK_BASE_URL|ANTHROPIC_VERTEX_BASE_URL|CLAUDE_CODE_USE_BEDROCK|"
                           r"CLAUDE_CODE_USE_VERTEX|CLAUDE_CONFIG_DIR|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|[A-Z_]*PROXY)$", re.IGNORECASE)
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])(?:sk-[A-Za-z0-9_-]{16,}|sk_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|glpat-[A-Za-z0-9_-]{16,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|npm_[A-Za-z0-9]{30,}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
    r"|(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"  # user:password@ in a URL
)
_OPAQUE = re.compile(r"^[A-Za-z0-9+/=_.-]{24,}$")  # a long run of key-like characters, nothing else
_CREDENTIAL_FILE = re.compile(r"^\.?credentials|\.(pem|key|p12|pfx|keystore)$|^\.env(\.|$)|^id_(rsa|dsa|ecdsa|ed25519)|^\.(netrc|npmrc|pypirc)$",
                              re.IGNORECASE)
_SERVER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REDACTED = "<redacted>"


class ProfileError(CaptureError):
    """A profile, project or --mcp-tools file cannot be used; the message names it."""


def looks_secret(name: str, value: str) -> bool:
    """An env entry to drop: its name says secret, or its value is shaped like a key or token."""
    if _SECRET_NAME.search(name) or _TOKEN.search(value) or REDACTED in value:
        return True
    return bool(_OPAQUE.match(value)) and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def printable(text: str) -> str:
    """A name as it may be shown in a report: control characters (a terminal's escapes) as `?`."""
    return "".join(c if c.isprintable() else "?" for c in text)


def redact(text: str) -> tuple[str, int]:
    """`text` with every key- or token-shaped string replaced, and how many were."""
    return _TOKEN.subn(REDACTED, text)


@dataclass
class Profile:
    """What of a user's setup a capture puts back, and what was left out (one line each, for the notes)."""

    settings: dict[str, Any] = field(default_factory=dict)  # ~/.claude/settings.json, scrubbed
    home_files: dict[str, str] = field(default_factory=dict)  # relative to HOME: .claude/CLAUDE.md, .claude/agents/x.md …
    files: dict[str, str] = field(default_factory=dict)  # relative to the project: CLAUDE.md, .claude/…
    mcp: dict[str, dict[str, Any]] = field(default_factory=dict)  # server → {"tools": […], "instructions": …}
    dropped: list[str] = field(default_factory=list)

    def user(self, honours: tuple[Honours, ...] = (), plan: Plan | None = None) -> UserSetup:
        """The setup as a capture's user: an API key, or a subscriber of `plan`."""
        return UserSetup(plan=plan, settings=self.settings, files=self.files, home_files=self.home_files, mcp=self.mcp, honours=honours)

    def agents(self) -> dict[str, str]:
        """The user's agents that name a model in their front matter: agent name → model."""
        out = {}
        for path, text in sorted({**self.home_files, **self.files}.items()):
            if "/agents/" in f"/{path}" and path.endswith(".md"):
                front = _front_matter(text)
                if front.get("model") and front.get("model") != "inherit":
                    out[front.get("name") or PurePosixPath(path).stem] = front["model"]
        return out

    def markers(self) -> dict[str, dict[str, str]]:
        """What shows that a request carries each of the user's agents, skills, commands and CLAUDE.md files:
        kind → {name: a distinctive line of it (its description, else its first long line)}."""
        out: dict[str, dict[str, str]] = {}
        for path, text in sorted({**{f"~/{k}": v for k, v in self.home_files.items()}, **self.files}.items()):
            parts = PurePosixPath(path).parts
            kind: str | None = next((k for k in ("agents", "skills", "commands") if k in parts[:-1]), None)
            if kind is None and parts[-1] in ("CLAUDE.md", "CLAUDE.local.md"):
                kind = "CLAUDE.md"
            if kind is None or not path.endswith(".md") or (kind == "skills" and parts[-1] != "SKILL.md"):
                continue
            front = _front_matter(text)
            name = front.get("name") or (parts[-2] if kind == "skills" else parts[-1] if kind == "CLAUDE.md" else PurePosixPath(path).stem)
            if kind == "CLAUDE.md":
                name = path if path.startswith("~/") else f"./{path}"
            line = front.get("description") or next((ln.strip() for ln in _body(text).split("\n") if len(ln.strip()) >= 20), "")
            if line:
                out.setdefault(kind, {})[name] = line[:60]
        return out

    def honours(self) -> tuple[Honours, ...]:
        """What the main loop's requests must show of the settings: the model and effortLevel they name."""
        settings = {**self.settings, **_settings_of(self.files)}
        out = []
        if isinstance(settings.get("model"), str) and settings["model"] not in ("default", "opusplan"):  # those pick per mode
            out.append(Honours("model", "model", _alias(settings["model"])))
        if isinstance(settings.get("effortLevel"), str):
            out.append(Honours("effortLevel", "output_config.effort", settings["effortLevel"]))
        return tuple(out)


def _alias(model: str) -> str:
    """`opus[1m]` is asked for as opus: the request's model id names the family."""
    return model.split("[")[0]


def _settings_of(files: Mapping[str, str]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name in (".claude/settings.json", ".claude/settings.local.json"):
        if name in files:
            merged.update(json.loads(files[name]))
    return merged


def _body(text: str) -> str:
    """A Markdown file without its front matter."""
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        return "\n".join(lines[end + 1:])
    return text


def _front_matter(text: str) -> dict[str, str]:
    """`key: value` lines between the leading `---` lines of a Markdown file."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}
    out = {}
    for line in lines[1:]:
        if line.strip() == "---":
            break
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t")):
            out[key.strip()] = value.strip().strip("'\"")
    return out


class _Reader:
    """Reads text files under one root, bounded, never through a link that leaves it."""

    def __init__(self, root: Path, label: str, dropped: list[str], max_file: int = MAX_FILE) -> None:
        self.root = root
        self.max_file = max_file
        self.label = label
        self.dropped = dropped
        self.total = 0
        self.count = 0

    def read(self, path: Path, redacting: bool = True) -> str | None:
        """The text of one file under the root, or None (said in `dropped`) when it must not or cannot be copied;
        key-shaped strings redacted unless the caller only takes names from it."""
        name = path.relative_to(self.root).as_posix()
        if not name.isprintable():
            self.dropped.append(f"{self.label}/{printable(name)}: a name with control characters")
            return None
        if _CREDENTIAL_FILE.search(path.name):
            self.dropped.append(f"{self.label}/{name}: credentials (never copied)")
            return None
        real = os.path.realpath(path)
        if os.path.islink(path) and not Path(real).is_relative_to(self.root):
            self.dropped.append(f"{self.label}/{name}: a link to outside {self.label} (not followed)")
            return None
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as e:
            self.dropped.append(f"{self.label}/{name}: cannot read ({e.strerror})")
            return None
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                self.dropped.append(f"{self.label}/{name}: not a regular file")
                return None
            if info.st_size > self.max_file:
                self.dropped.append(f"{self.label}/{name}: larger than {self.max_file // 1024} KB")
                return None
            self.count += 1
            if self.count > MAX_FILES:
                raise ProfileError(f"{self.root}: more than {MAX_FILES} files to copy; is this a Claude Code profile?")
            data = f.read(self.max_file + 1)
        self.total += len(data)
        if self.total > max(MAX_TOTAL, self.max_file):
            raise ProfileError(f"{self.root}: more than {MAX_TOTAL // (1024 * 1024)} MB to copy; is this a Claude Code profile?")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.dropped.append(f"{self.label}/{name}: not UTF-8 text")
            return None
        text, redactions = redact(text) if redacting else (text, 0)
        if redactions:
            self.dropped.append(f"{self.label}/{name}: {redactions} key- or token-shaped string{'s' * (redactions != 1)} redacted")
        return text

    def tree(self, folder: Path, into: str, out: dict[str, str]) -> None:
        """Every Markdown file under `folder` (what the CLI reads of agents, skills, commands …; a skill's scripts
        and other files are not sent), not through links to folders nor into hidden folders or node_modules,
        as `into/relative path` → text."""
        if os.path.islink(folder) or not folder.is_dir():
            if os.path.islink(folder):
                self.dropped.append(f"{self.label}/{printable(folder.relative_to(self.root).as_posix())}: a linked folder (not followed)")
            return
        for top, dirs, files in os.walk(folder):
            depth = len(Path(top).relative_to(folder).parts)
            for d in list(dirs):
                if d.startswith(".") or d == "node_modules":
                    dirs.remove(d)
                elif os.path.islink(Path(top) / d) or depth >= MAX_DEPTH:
                    self.dropped.append(f"{self.label}/{printable((Path(top) / d).relative_to(self.root).as_posix())}: "
                                        f"{'a linked folder (not followed)' if os.path.islink(Path(top) / d) else 'too deep'}")
                    dirs.remove(d)
            dirs.sort()
            for name in sorted(f for f in files if f.endswith(".md")):
                path = Path(top) / name
                text = self.read(path)
                if text is not None:
                    out[f"{into}/{path.relative_to(folder).as_posix()}"] = text


def _root(path: Path, what: str) -> Path:
    try:
        real = Path(os.path.realpath(path))
        if not real.is_dir():
            raise ProfileError(f"{path}: not a folder ({what})")
        os.listdir(real)
    except OSError as e:
        raise ProfileError(f"{path}: cannot read ({what}): {e.strerror}") from None
    return real


def scrub_settings(raw: Any, where: str, dropped: list[str]) -> dict[str, Any]:
    """Settings without what runs the user's commands, without secret-looking or escaping `env` entries, and
    with any other key-shaped string redacted."""
    settings = _scrubbed(raw, where, dropped)
    text, redactions = redact(json.dumps(settings))
    if redactions:
        dropped.append(f"{where}: {redactions} key- or token-shaped string{'s' * (redactions != 1)} redacted")
    return dict(json.loads(text))


def _scrubbed(raw: Any, where: str, dropped: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: settings must be a JSON object")
    settings = {k: v for k, v in raw.items() if k not in UNSAFE_SETTINGS + PLUGIN_SETTINGS}
    dropped += [f"{where}: {k} (runs your commands or uses your credentials)" for k in raw if k in UNSAFE_SETTINGS]
    dropped += [f"{where}: {k} (plugins are not copied)" for k in raw if k in PLUGIN_SETTINGS]
    env = settings.get("env")
    if isinstance(env, dict):
        kept = {}
        for name, value in env.items():
            text = value if isinstance(value, str) else json.dumps(value)
            if looks_secret(name, text):
                dropped.append(f"{where}: env.{name} (looks like a secret)")
            elif _ESCAPING_ENV.match(name):
                dropped.append(f"{where}: env.{name} (would take the run out of the sandbox)")
            else:
                kept[name] = value
        settings["env"] = kept
    elif "env" in settings:
        del settings["env"]
        dropped.append(f"{where}: env (not an object)")
    return settings


def _json_file(reader: _Reader, path: Path, redacting: bool = True) -> Any:
    text = reader.read(path, redacting)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as e:
        raise ProfileError(f"{path}: not valid JSON ({e})") from None


def _servers(raw: Any, where: str) -> list[str]:
    """The names of the MCP servers an `mcpServers` object configures (their commands are never read)."""
    if raw is None:
        return []
    servers = raw.get("mcpServers") if isinstance(raw, dict) else None
    if servers is None:
        return []
    if not isinstance(servers, dict):
        raise ProfileError(f"{where}: mcpServers must be an object")
    return list(servers)


def mcp_tools(path: Path) -> dict[str, dict[str, Any]]:
    """An --mcp-tools file: server → {"tools": […], "instructions": "…"}, checked (see the module's docstring)."""
    try:
        if path.stat().st_size > MAX_TOTAL:
            raise ProfileError(f"{path}: larger than {MAX_TOTAL // (1024 * 1024)} MB")
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ProfileError(f"{path}: cannot read: {e.strerror}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise ProfileError(f'{path}: must be an object {{"<server>": {{"tools": [...]}}}}')
    out = {}
    for name, server in raw.items():
        where = f"{path}: {name!r}"
        if not _SERVER.match(name):
            raise ProfileError(f"{where}: a server name is letters, digits, '_' and '-' (at most 64)")
        if not isinstance(server, dict) or not isinstance(server.get("tools"), list):
            raise ProfileError(f'{where}: must be {{"tools": [...]}}, as the server\'s tools/list answered')
        if len(server["tools"]) > MAX_TOOLS:
            raise ProfileError(f"{where}: more than {MAX_TOOLS} tools")
        tools = []
        for i, tool in enumerate(server["tools"]):
            if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not _SERVER.match(tool["name"]):
                raise ProfileError(f"{where}: tools[{i}] needs a name of letters, digits, '_' and '-'")
            if not isinstance(tool.get("description", ""), str) or not isinstance(tool.get("inputSchema", {}), dict):
                raise ProfileError(f"{where}: tools[{i}]: description must be a string and inputSchema an object")
            tools.append({"name": tool["name"], "description": tool.get("description", ""),
                          "inputSchema": tool.get("inputSchema") or {"type": "object", "properties": {}}})
        instructions = server.get("instructions")
        if instructions is not None and not isinstance(instructions, str):
            raise ProfileError(f"{where}: instructions must be a string")
        out[name] = {"tools": tools, **({"instructions": instructions} if instructions else {})}
    return out


def load(profile: Path | None, project: Path | None, tools: Mapping[str, dict[str, Any]] | None = None,
         known: Mapping[str, list[dict[str, Any]]] | None = None) -> Profile:
    """Read a user's ~/.claude (`profile`) and a repository (`project`), either may be None. `tools` (from
    --mcp-tools) and `known` (server → tools seen by `audit proxy`) say what each MCP server's stub offers;
    `tools` wins."""
    out = Profile()
    servers: list[str] = []
    if profile is not None:
        root = _root(profile, "--profile")
        reader = _Reader(root, "profile", out.dropped)
        out.dropped += [f"profile/{p.name}: credentials (never copied)" for p in sorted(root.iterdir()) if _CREDENTIAL_FILE.search(p.name)]
        if (root / "settings.json").exists():
            out.settings = scrub_settings(_json_file(reader, root / "settings.json", redacting=False), "profile/settings.json",
                                          out.dropped)
        for name in ("CLAUDE.md",):
            if (root / name).exists() and (text := reader.read(root / name)) is not None:
                out.home_files[f".claude/{name}"] = text
        for folder in FOLDERS:
            reader.tree(root / folder, f".claude/{folder}", out.home_files)
        beside = profile.parent / (profile.name + ".json")  # ~/.claude.json: only its mcpServers' names are read
        if profile.name == ".claude" and beside.is_file():
            servers += _servers(_json_file(_Reader(beside.parent, "~", out.dropped, MAX_CONFIG), beside, redacting=False), str(beside))
    if project is not None:
        root = _root(project, "--project")
        reader = _Reader(root, "project", out.dropped)
        for name in ("CLAUDE.md", "CLAUDE.local.md", ".claude/CLAUDE.md"):
            if (root / name).exists() and (text := reader.read(root / name)) is not None:
                out.files[name] = text
        for name in ("settings.json", "settings.local.json"):
            if (root / ".claude" / name).exists():
                settings = scrub_settings(_json_file(reader, root / ".claude" / name, redacting=False),
                                          f"project/.claude/{name}", out.dropped)
                out.files[f".claude/{name}"] = json.dumps(settings, indent=2)
        for folder in FOLDERS:
            reader.tree(root / ".claude" / folder, f".claude/{folder}", out.files)
        if (root / ".mcp.json").exists():
            servers += _servers(_json_file(reader, root / ".mcp.json", redacting=False), "project/.mcp.json")
    tools = dict(tools or {})
    for i, name in enumerate(dict.fromkeys([*servers, *tools])):
        if not _SERVER.match(name):
            out.dropped.append(f"MCP server {printable(repr(name))}: a name the CLI would not accept")
        elif i >= MAX_SERVERS:
            out.dropped.append(f"MCP server {name}: more than {MAX_SERVERS} servers")
        elif name in tools:
            out.mcp[name] = tools[name]
        elif known and name in known:
            out.mcp[name] = {"tools": known[name]}
        else:
            out.mcp[name] = {"tools": []}
            out.dropped.append(f"MCP server {name}: no tools known (give them with --mcp-tools, or record a session with audit proxy)")
    return out
