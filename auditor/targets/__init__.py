"""What each audited CLI is. Adding a CLI means adding a module here and a line in TARGETS; nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import AuditorError


@dataclass(frozen=True)
class ChangelogSource:
    """Where the vendor publishes its changelog: a git repository holding a file, or a raw URL."""

    git_url: str | None = None
    path: str = "CHANGELOG.md"
    raw_url: str | None = None
    html_url: str | None = None


@dataclass(frozen=True)
class Hold:
    """How a user keeps a pinned version from updating itself: the env vars that switch the updater off
    (newest name last), the settings file they can go in, and the setting that does the same."""

    env: tuple[str, ...] = ()
    settings_file: str = ""
    setting: str = ""


@dataclass(frozen=True)
class Vocabulary:
    """How the vendor's notes speak of what auditor observes: who a capture scenario stands for (its
    plan, its route), its words for request fields, its model ids and families, the query sources of
    the conversation's own request (every other request-building function is a side query), and brand
    names spelled like identifiers."""

    audiences: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    main_sources: frozenset[str] = frozenset()
    main_prefixes: tuple[str, ...] = ()
    proper_nouns: frozenset[str] = frozenset()
    model_prefix: str = ""  # every model id starts with it ("claude-"): the ids name the families
    model_families: frozenset[str] = frozenset()  # those prose names without an id in sight


@dataclass(frozen=True)
class Target:
    """One CLI on npm.

    `native_since` is the first version whose main package is only a launcher and whose real
    program is a native executable in a per-platform package named `platform_package.format(platform=…)`.
    """

    name: str
    display_name: str
    npm_package: str
    command: str  # what users type to run it
    entry_files: tuple[str, ...]
    platform_package: str | None = None
    native_since: str | None = None
    binary_names: tuple[str, ...] = ()
    base_url_env: str = ""
    api_key_env: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    changelog: ChangelogSource = ChangelogSource()
    identifier_prefixes: tuple[str, ...] = ()
    flag_prefixes: tuple[str, ...] = ()
    section_anchors: tuple[str, ...] = ()  # names that identify the system prompt's list of sections
    hold: Hold = Hold()
    user_agent_version: str = ""  # regex: group 1 is the CLI's version in its requests' User-Agent
    subagent_header: str = ""  # a request header only subagents' requests carry
    parent_files: tuple[str, ...] = ()  # what the CLI loads from every folder above its project (seal.py keeps them out)
    vocabulary: Vocabulary = Vocabulary()

    def ships_native(self, version: str) -> bool:
        from ..versions import parse

        return self.native_since is not None and parse(version) >= parse(self.native_since)


def get(name: str) -> Target:
    from .claude_code import CLAUDE_CODE

    targets = {CLAUDE_CODE.name: CLAUDE_CODE}
    try:
        return targets[name]
    except KeyError:
        raise AuditorError(f"unknown target {name!r}; known: {', '.join(sorted(targets))}") from None


DEFAULT = "claude-code"
