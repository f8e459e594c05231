"""OpenAI's Codex CLI (npm @openai/codex).

The main package is a small JavaScript launcher; since 0.99.0 its `optionalDependencies` alias builds
of the same package (`@openai/codex-linux-x64` → `npm:@openai/codex@0.171.0-linux-x64`), each holding
a static Rust binary under the platform's Rust target triple. Its richest static source is the model
catalogue it embeds as JSON (`{"models": [...]}`): per model the instructions template, the other
texts the model is told, and the fields that shape its requests.
"""

from . import Catalog, ChangelogSource, Hold, Proxy, Target, Vocabulary

_TRIPLES = ("x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "x86_64-apple-darwin", "aarch64-apple-darwin")
_WINDOWS = ("x86_64-pc-windows-msvc", "aarch64-pc-windows-msvc")

SETUP = """add to ~/.codex/config.toml, then run codex as usual:
  model_provider = "auditor"
  [model_providers.auditor]
  name = "auditor proxy"
  base_url = "{url}/v1"
  env_key = "OPENAI_API_KEY"
  wire_api = "responses"
  supports_websockets = false
signed in with ChatGPT: base_url = "{url}" and requires_openai_auth = true instead of env_key,
  with --upstream https://chatgpt.com/backend-api/codex"""

CODEX = Target(
    name="codex",
    display_name="Codex CLI",
    npm_package="@openai/codex",
    command="codex",
    entry_files=("package/bin/codex.js",),
    platform_package="@openai/codex",
    platform_version="{version}-{platform}",
    native_since="0.99.0",
    # vendor/<triple>/bin/codex since about 0.150; vendor/<triple>/codex/codex before
    binary_names=(*(f"package/vendor/{t}/{d}/codex" for d in ("bin", "codex") for t in _TRIPLES),
                  *(f"package/vendor/{t}/{d}/codex.exe" for d in ("bin", "codex") for t in _WINDOWS)),
    base_url_env="OPENAI_BASE_URL",
    api_key_env="OPENAI_API_KEY",
    # Release notes are GitHub Releases (tags rust-vX.Y.Z; rust-v0.172.0-alpha.3 is a prerelease); the
    # repository's CHANGELOG.md only points there.
    changelog=ChangelogSource(releases_url="https://api.github.com/repos/openai/codex/releases", tag_prefix="rust-v"),
    identifier_prefixes=("CODEX_", "OPENAI_"),
    # The binary's config keys include `check_for_update_on_startup`: off, the CLI does not look for (or offer
    # to install) a newer release. It has no env var for that. The catalogue holds no config keys, so the
    # setting is not checked against a release's facts.
    hold=Hold(settings_file="~/.codex/config.toml", setting="check_for_update_on_startup", in_facts=False),
    parent_files=("AGENTS.md", "AGENTS.override.md", ".codex"),
    # "codex_exec/0.171.0 (Debian 12.0.0; x86_64) …"; the TUI says codex_cli_rs/, the IDE extension codex_vscode/
    user_agent_version=r"\bcodex[\w-]*/(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)",
    subagent_header="x-openai-subagent",  # review, compact, a spawned agent: what kind of subagent sent it
    # A session reaches the proxy as a provider of its own (Codex reads no base-URL env var), over plain HTTP: the
    # proxy relays no WebSocket. Each agent of a session has its own thread-id. Only a ChatGPT sign-in fetches the
    # remote model catalogue (0.171.0: `GET /models?client_version=…`, twice a session; with an API key, never).
    proxy=Proxy(
        upstream="https://api.openai.com",
        headers=r"originator|session-id|thread-id|version|x-codex-.*|x-openai-.*|openai-beta|x-client-request-id",
        session_header="thread-id",
        setup=SETUP,
    ),
    # Captures: `codex exec … PROMPT` against the fake Responses API, named as a provider in the sandbox's
    # ~/.codex/config.toml (OPENAI_BASE_URL is not read), over plain HTTP (no WebSocket).
    api="responses",
    prompt_flag="",
    home_files={".codex/config.toml": {
        "model_provider": "auditor",
        "model_providers": {"auditor": {"name": "auditor fake API", "base_url": "{url}/v1", "env_key": "OPENAI_API_KEY",
                                        "wire_api": "responses", "supports_websockets": False}},
    }},
    scenarios="codex",
    default_scenarios=("exec-default", "exec-two-turn", "exec-workspace-write", "exec-config-effort"),
    vocabulary=Vocabulary(
        audiences={"exec-workspace-write": "the workspace-write sandbox", "exec-config-effort": "model_reasoning_effort in config.toml"},
        plans="free|go|plus|pro|business|team|enterprise|edu", captured_audience="an API key on the OpenAI API",  # ChatGPT's plans
        effort_levels="minimal|low|medium|high|xhigh", coined_levels="xhigh",
        fields={
            "reasoning.effort": "reasoning effort", "text.verbosity": "verbosity", "tool_choice": "tool choice",
            "parallel_tool_calls": "parallel tool calls", "model": "model",
            "default_reasoning_level": "default reasoning effort", "supported_reasoning_levels": "reasoning efforts",
            "default_verbosity": "verbosity", "truncation_policy": "truncation", "context_window": "context window",
            "max_context_window": "maximum context window", "tool_mode": "tool mode", "apply_patch_tool_type": "apply_patch tool",
            "service_tiers": "service tiers",
        },
    ),
    catalog=Catalog(
        anchor=rb'\{\s*"models"\s*:\s*\[',
        list_key="models",
        id_key="slug",
        name_key="display_name",
        prompt_path="model_messages.instructions_template",
        refresh_path="/v1/models",
        offered="visibility=list",
        efforts="supported_reasoning_levels.effort",
    ),
)

TARGET = CODEX
