"""Anthropic's Claude Code (npm @anthropic-ai/claude-code)."""

from . import ChangelogSource, Hold, Proxy, Target, Vocabulary

CLAUDE_CODE = Target(
    name="claude-code",
    display_name="Claude Code",
    npm_package="@anthropic-ai/claude-code",
    command="claude",
    entry_files=("package/cli.js",),
    platform_package="@anthropic-ai/claude-code-{platform}",
    native_since="2.1.113",
    binary_names=("package/claude", "package/claude.exe"),
    base_url_env="ANTHROPIC_BASE_URL",
    api_key_env="ANTHROPIC_API_KEY",
    extra_env={
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
    },
    changelog=ChangelogSource(
        git_url="https://github.com/anthropics/claude-code.git",
        path="CHANGELOG.md",
        raw_url="https://raw.githubusercontent.com/anthropics/claude-code/main/CHANGELOG.md",
        html_url="https://github.com/anthropics/claude-code/releases",
    ),
    identifier_prefixes=("CLAUDE_CODE_", "ANTHROPIC_", "DISABLE_", "ENABLE_", "CLAUDE_", "MAX_THINKING", "MCP_", "BASH_"),
    section_anchors=("session_guidance", "env_info_simple", "doing_tasks"),
    hold=Hold(env=("DISABLE_AUTOUPDATER", "DISABLE_UPDATES"), settings_file="~/.claude/settings.json", setting="autoUpdates"),
    # some releases say claude-code/ instead of claude-cli/
    user_agent_version=r"\bclaude-(?:cli|code)/(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)",
    subagent_header="x-claude-code-agent-id",
    proxy=Proxy(
        upstream="https://api.anthropic.com",
        headers=r"anthropic-.*|x-stainless-.*|x-claude-code-.*|x-app|sec-fetch-mode|x-client-request-id",
        session_header="x-claude-code-session-id",
        setup="ANTHROPIC_BASE_URL={url} claude",
    ),
    parent_files=("CLAUDE.md", "CLAUDE.local.md", ".mcp.json", ".claude/agents", ".claude/skills", ".claude/commands", ".claude/rules"),
    # Onboarding done, the fake key approved (by its last 20 characters) and the project trusted: else the
    # interactive UI stops at those dialogs.
    home_files={".claude.json": {
        "hasCompletedOnboarding": True,
        "customApiKeyResponses": {"approved": ["{key_tail}"], "rejected": []},
        "projects": {"{project}": {"hasTrustDialogAccepted": True}},
    }},
    # API-key runs, and the two plans most users who were hurt are on (default model only; --plan adds opus).
    default_scenarios=("print-default", "print-opus", "two-turn", "interactive", "plan-pro", "plan-max", "agents", "skills", "compact", "plan-mode", "auto-mode"),
    vocabulary=Vocabulary(
        audiences={
            **{f"plan-{plan}": f"{plan.title()} subscribers" for plan in ("pro", "max", "team", "enterprise")},
            **{f"plan-{plan}-opus": f"{plan.title()} subscribers on Opus" for plan in ("pro", "max", "team", "enterprise")},
            "print-base-url": "a gateway (ANTHROPIC_BASE_URL)", "interactive-base-url": "a gateway (ANTHROPIC_BASE_URL)",
            "subagent-haiku": "subagents", "interactive": "interactive sessions",
        },
        fields={
            "effort": "effort", "max_tokens": "max output tokens", "thinking.type": "thinking", "budget_tokens": "thinking budget tokens",
            "context_management": "context management", "temperature": "temperature", "tool_choice": "tool choice", "model": "model",
            "speed": "fast mode", "service_tier": "service tier",
        },
        # Betas whose names say the feature in other words than notes do (the API's docs: "1-hour cache duration").
        betas={
            "extended-cache-ttl": "1-hour prompt cache TTL", "context-1m": "1M token context window",
            "context-management": "context editing: clearing tool results", "interleaved-thinking": "interleaved thinking between tool calls",
            "redact-thinking": "thinking summaries redacted",  # the API returns thinking blocks empty, summaries or not (showThinkingSummaries)
        },
        # The conversation's own request is the main thread's, the SDK's, compaction's or a subagent's;
        # other request builders (classifiers, namers, token counts) are side queries.
        main_sources=frozenset(("repl_main_thread", "sdk", "compact", "session_memory", "agent")),
        main_prefixes=("repl_main_thread", "agent:"),
        roles={"auto-mode side": "the auto mode classifier"},  # the requests an auto-mode run sends besides its own turns
        proper_nouns=frozenset(("WebFetch", "WebSearch")),
        model_prefix="claude",
        model_families=frozenset(("opus", "sonnet", "haiku")),
        # "Claude now …", "Claude's system prompt": the model; "Claude Code", "Claude Desktop", "claude.ai": products
        the_model=r"\bClaude(?!\s+(?:Code|Desktop|in\s+Chrome|Agent\s+SDK|API|Console|app)\b|\.ai\b)(?:'s)?\b|\bthe model\b",
        model_texts=r"\breminders?\b",  # `<system-reminder>` texts: every note naming a reminder speaks of one the model reads
        # Third-party providers and telemetry-disabled runs get no remote flags: a flag's default is what they run.
        on_defaults=r"\b(?:Bedrock|Vertex|Foundry|third-party providers?|DISABLE_TELEMETRY)\b|\btelemetry (?:is |was )?disabled\b",
        flag_prefixes=("tengu_",),
        plans="pro|max|team|enterprise|free", providers=r"bedrock|vertex(?:\s+ai)?|foundry", captured_audience="an API key on the Anthropic API",
        effort_levels="low|medium|high|xhigh|max", coined_levels="xhigh",
    ),
)

TARGET = CLAUDE_CODE
