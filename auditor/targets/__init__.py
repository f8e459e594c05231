"""What each audited CLI is. Adding a CLI means adding a module here and a line in TARGETS; nothing else.

A target's module is imported only when `get` asks for it: the rest of auditor reads a target through
the `Target` it is handed, never by importing a product's module.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import AuditorError


@dataclass(frozen=True)
class ChangelogSource:
    """Where the vendor publishes its changelog: a git repository holding a file, or a raw URL. A vendor
    that rewrites release-notes pages at each release instead names them as `pages`: their git history
    is the changelog (changelog/notes.py). One that writes notes only on GitHub Releases names the API's
    list of them (`releases_url`, …/repos/OWNER/REPO/releases) and what its tags put before the version
    (`tag_prefix`: "rust-v" for rust-v0.171.0; a "v" after it is optional)."""

    git_url: str | None = None
    path: str = "CHANGELOG.md"
    pages: tuple[str, ...] = ()
    raw_url: str | None = None
    html_url: str | None = None
    releases_url: str | None = None
    tag_prefix: str = ""


@dataclass(frozen=True)
class Hold:
    """How a user keeps a pinned version from updating itself: the env vars that switch the updater off
    (newest name last), the settings file they can go in, and the setting that does the same."""

    env: tuple[str, ...] = ()
    settings_file: str = ""
    setting: str = ""
    in_facts: bool = True  # whether a release's static facts list its settings (the setting is checked against them)


@dataclass(frozen=True)
class Vocabulary:
    """How the vendor's notes speak of what auditor observes: who a capture scenario stands for (its
    plan, its route), what a captured request role is (Gemini CLI's only side request is its model
    router's), its words for request fields, its model ids and families, the query sources of
    the conversation's own request (every other request-building function is a side query), brand
    names spelled like identifiers, how its notes name the model (`the_model`), the texts it reads (`model_texts`),
    the users a feature flag's shipped default reaches (`on_defaults`), how its flags' names begin, and the plans and providers its notes
    limit a change to (`plans`, `providers`), which the captured runs' own audience is not, and its effort levels."""

    audiences: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # a captured request's role ("side", or "auto-mode side" in one scenario) → what the notes call it
    fields: dict[str, str] = field(default_factory=dict)
    betas: dict[str, str] = field(default_factory=dict)  # an API beta (its name without the date) → the feature, as the API's docs name it
    main_sources: frozenset[str] = frozenset()
    main_prefixes: tuple[str, ...] = ()
    proper_nouns: frozenset[str] = frozenset()
    model_prefix: str = ""  # every model id starts with it ("claude-"): the ids name the families
    model_families: frozenset[str] = frozenset()  # those prose names without an id in sight
    the_model: str = ""  # a regex: how the notes speak of the model as the one acting or told ("Claude now …", "Claude's system prompt")
    model_texts: str = ""  # a regex: how the notes name texts the model reads, besides its system prompt ("the reminder shown after compaction")
    # A regex: how the notes name the users who never fetch remote feature flags and so run on the defaults the
    # program ships ("users with telemetry disabled (Bedrock, Vertex, Foundry)"): a flag turned on by default reaches them.
    on_defaults: str = ""
    # How its feature flags' names begin in code (`tengu_`): the words after it name the feature ("mcp auto
    # background"); none, and no flag is found.
    flag_prefixes: tuple[str, ...] = ()
    # Regex alternatives (no capturing groups): the plans and the providers the notes limit a change to ("for Max
    # plan users", "on Bedrock"); and who a captured run is, which neither limit covers.
    plans: str = ""
    providers: str = ""
    captured_audience: str = "an API key"
    # Regex alternatives: the reasoning-effort levels its notes name (read bare where they speak of effort, quoted
    # elsewhere), and those no English word spells, read anywhere ("xhigh").
    effort_levels: str = ""
    coined_levels: str = ""

    def role(self, scenario: str | None, role: str) -> str:
        """What the notes call a captured request's role: its scenario's own name for it first (the side
        requests of an auto-mode run are its classifier's), then the target's."""
        return self.roles.get(f"{scenario} {role}") or self.roles.get(role, "")


@dataclass(frozen=True)
class Catalog:
    """A model catalogue embedded in a native binary as JSON: found at the first match of `anchor` (a
    regex over bytes), a list of models under `list_key`, each named by its `id_key` (shown as its
    `name_key`); the text at `prompt_path` (dotted) is the model's system prompt."""

    anchor: bytes
    list_key: str
    id_key: str
    name_key: str = ""
    prompt_path: str = ""
    refresh_path: str = ""  # where the CLI asks for a newer catalogue: a capture answers it with the embedded one
    offered: str = ""  # `field=value`: the models users are offered (a matrix scenario's models)
    efforts: str = ""  # `list.key`: the reasoning efforts a model allows (a matrix scenario's efforts)


@dataclass(frozen=True)
class Proxy:
    """How `audit proxy` stands between the CLI and its vendor's API: the real API it forwards to (`upstream`),
    the request headers whose values it stores (a regex over names: what the CLI and its SDK send; any
    other header is stored by name only), the header naming the conversation a request continues, and how
    a user points the CLI at the proxy ("{url}" filled in)."""

    upstream: str
    headers: str
    session_header: str = ""
    setup: str = ""


@dataclass(frozen=True)
class Target:
    """One CLI on npm.

    `native_since` is the first version whose main package is only a launcher and whose real program is
    a native executable in a per-platform build: package `platform_package`, version `platform_version`
    (both formatted with `platform=` and `version=`). Claude Code publishes builds as packages of their
    own (`@anthropic-ai/claude-code-linux-x64@2.1.113`); Codex as prerelease-suffixed versions of the
    main package (`@openai/codex@0.171.0-linux-x64`), which are builds of a release, never releases.
    A target with a `catalog` has its static facts read from that (catalog.py), not from JavaScript.
    """

    name: str
    display_name: str
    npm_package: str
    command: str  # what users type to run it
    entry_files: tuple[str, ...]
    platform_package: str | None = None
    platform_version: str = "{version}"
    native_since: str | None = None
    binary_names: tuple[str, ...] = ()
    base_url_env: str = ""
    api_key_env: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    changelog: ChangelogSource = ChangelogSource()
    identifier_prefixes: tuple[str, ...] = ()
    section_anchors: tuple[str, ...] = ()  # names that identify the system prompt's list of sections
    hold: Hold = Hold()
    user_agent_version: str = ""  # regex: group 1 is the CLI's version in its requests' User-Agent
    subagent_header: str = ""  # a request header only subagents' requests carry
    proxy: Proxy | None = None  # what `audit proxy` needs to record real sessions (None: it cannot)
    parent_files: tuple[str, ...] = ()  # what the CLI loads from every folder above its project (seal.py keeps them out)
    vocabulary: Vocabulary = Vocabulary()
    catalog: Catalog | None = None
    declaration_keys: tuple[str, ...] = ()  # the key of a tool declaration's parameter schema in code (extract.py)
    # Captures: the API the fake speaks (capture/server.py `DIALECTS`), the JSON (or, by suffix, TOML) files a
    # sandbox HOME starts with ("{project}", "{key_tail}", the fake key's last 20 characters, and "{url}", the fake
    # API's, filled in; a scenario's settings merge into `hold.settings_file`), and the built-in scenarios (the
    # folder of capture/scenarios/, "" its top).
    api: str = "messages"
    prompt_flag: str = "-p"  # the flag before a print-mode prompt ("": the prompt comes last)
    home_files: Mapping[str, Any] = field(default_factory=dict)
    scenarios: str = ""
    default_scenarios: tuple[str, ...] = ()

    def ships_native(self, version: str) -> bool:
        from ..versions import parse

        return self.native_since is not None and parse(version) >= parse(self.native_since)

    def build(self, version: str, platform: str) -> tuple[str, str]:
        """The npm package and version holding the program of this release on `platform`."""
        if self.ships_native(version) and self.platform_package:
            return (self.platform_package.format(platform=platform, version=version),
                    self.platform_version.format(platform=platform, version=version))
        return self.npm_package, version

    def is_build(self, version: str) -> bool:
        """Whether a version published under the main package is a platform build of a release (Codex's
        `0.171.0-linux-x64`, `0.162.0-alpha.15-win32-arm64`), not a release of its own."""
        if self.platform_package != self.npm_package:
            return False
        pattern = re.escape(self.platform_version).replace(r"\{version\}", _VERSION).replace(r"\{platform\}", _PLATFORM)
        return re.fullmatch(pattern, version) is not None


_VERSION = r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?"  # a prerelease's own tag has no "-": what follows it is the platform
_PLATFORM = r"[a-z0-9]+-[a-z0-9]+"


TARGETS = {"claude-code": "claude_code", "codex": "codex", "gemini-cli": "gemini_cli", "qwen-code": "qwen_code"}
"""Target name → its module in this package (which defines TARGET)."""


def get(name: str) -> Target:
    try:
        module = TARGETS[name]
    except KeyError:
        raise AuditorError(f"unknown target {name!r}; known: {', '.join(sorted(TARGETS))}") from None
    target: Target = importlib.import_module(f"{__name__}.{module}").TARGET
    return target


DEFAULT = "claude-code"
