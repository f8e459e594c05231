"""Alibaba's Qwen Code (npm @qwen-code/qwen-code), a fork of Gemini CLI that speaks the OpenAI-compatible
Chat Completions API.

The package is one esbuild bundle: `cli.js` imports the chunks that make the program (bundle.py follows
them; releases before about 0.16 are `cli.js` alone). The `qwen` command is `cli-entry.js`, a launcher
that runs `cli.js` again with `--expose-gc`; captures run `cli.js` itself.

Captures speak the Chat Completions API (capture/chat_completions.py) through OPENAI_BASE_URL with
OPENAI_API_KEY. With only those two it refuses to run ("No auth type is selected"), so the sandbox's
`~/.qwen/settings.json` selects the OpenAI-compatible auth type; the model is then its default unless a
scenario names one. No folder-trust setting is needed. Usage statistics are switched off (they would go
to another host); what else tries to leave the machine (the update check) is recorded as an attempt.

Release notes are GitHub Releases (tags `v0.24.4`; the npm package ships none). The repository's
CHANGELOG.md is generated from them (stable releases only, `## [0.24.4](…) - 2026-09-22`): a copy of it
reads as well, but its repository is too large (1.2 GB) to clone for one file.
"""

from . import ChangelogSource, Hold, Target, Vocabulary

QWEN_CODE = Target(
    name="qwen-code",
    display_name="Qwen Code",
    npm_package="@qwen-code/qwen-code",
    command="qwen",
    entry_files=("package/cli.js",),
    base_url_env="OPENAI_BASE_URL",
    api_key_env="OPENAI_API_KEY",
    changelog=ChangelogSource(releases_url="https://api.github.com/repos/QwenLM/qwen-code/releases",
                              html_url="https://github.com/QwenLM/qwen-code/releases"),
    identifier_prefixes=("QWEN_", "OPENAI_"),
    # No env var stops the updater (QWEN_CODE_SKIP_UPDATE_CHECK_ONCE skips one check, for its own relaunch);
    # `general.enableAutoUpdate` does (it replaced `general.disableAutoUpdate`, which the CLI still migrates).
    hold=Hold(settings_file="~/.qwen/settings.json", setting="general.enableAutoUpdate"),
    api="chat",
    home_files={".qwen/settings.json": {
        "security": {"auth": {"selectedType": "openai"}},
        "privacy": {"usageStatisticsEnabled": False},
    }},
    scenarios="qwen-code",
    default_scenarios=("print-default", "two-turn", "yolo", "settings-model"),
    parent_files=("QWEN.md", "QWEN.local.md", "AGENTS.md", ".qwen"),
    vocabulary=Vocabulary(
        fields={
            "max_tokens": "max tokens", "temperature": "temperature", "top_p": "top-p", "model": "model",
            "stream_options": "stream options", "reasoning_effort": "reasoning effort",
        },
        captured_audience="an API key on an OpenAI-compatible API",
        effort_levels="low|medium|high",  # reasoning_effort
    ),
)

TARGET = QWEN_CODE
