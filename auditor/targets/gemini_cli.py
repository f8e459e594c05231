"""Google's Gemini CLI (npm @google/gemini-cli).

Since 0.36.0 the package is one esbuild bundle split into chunks: `bundle/gemini.js` imports the
chunks that make the program (bundle.py follows them; the package also ships near-copies of the core
for its other entry points, which the CLI does not load). Earlier releases ran `dist/index.js` with
the prompts in a separate package (`@google/gemini-cli-core`), which is not read.

Channels are told by the version: a stable release has no prerelease suffix; previews are
`X.Y.Z-preview.N` and nightlies `X.Y.Z-nightly.YYYYMMDD.gHASH`, which auditor treats as prereleases.

Captures speak the Gemini API (capture/gemini_api.py) through GOOGLE_GEMINI_BASE_URL, so every built-in
scenario takes the base-url route; the default model goes through the CLI's model router first.

Release notes are not a CHANGELOG.md: `docs/changelogs/latest.md` (the current stable) and
`preview.md` are rewritten at each release, so their git history is the per-release record.
"""

from . import ChangelogSource, Hold, Target, Vocabulary

GEMINI_CLI = Target(
    name="gemini-cli",
    display_name="Gemini CLI",
    npm_package="@google/gemini-cli",
    command="gemini",
    entry_files=("package/bundle/gemini.js",),
    base_url_env="GOOGLE_GEMINI_BASE_URL",
    api_key_env="GEMINI_API_KEY",
    extra_env={"GEMINI_CLI_TRUST_WORKSPACE": "true"},
    changelog=ChangelogSource(
        git_url="https://github.com/google-gemini/gemini-cli.git",
        path="docs/changelogs/latest.md",
        pages=("docs/changelogs/latest.md", "docs/changelogs/preview.md"),
        html_url="https://github.com/google-gemini/gemini-cli/releases",
    ),
    identifier_prefixes=("GEMINI_", "GOOGLE_"),
    declaration_keys=("parametersJsonSchema",),
    # No env var stops the updater; `general.enableAutoUpdate` does (it replaced `general.disableAutoUpdate`,
    # which the CLI still migrates).
    hold=Hold(settings_file="~/.gemini/settings.json", setting="general.enableAutoUpdate"),
    # With an API key and a base URL alone it exits 41 ("Invalid auth method selected"): the auth method is
    # chosen in its settings. Usage statistics would go to another host.
    api="gemini",
    home_files={".gemini/settings.json": {
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "privacy": {"usageStatisticsEnabled": False},
    }},
    scenarios="gemini-cli",
    default_scenarios=("print-default", "print-pro", "print-flash", "yolo", "two-turn", "settings-model"),
    parent_files=("GEMINI.md", ".gemini"),
    vocabulary=Vocabulary(
        # With the default model its only side request is the router's, which its notes call routing
        # ("Update default auto routing", "bypass routing classifiers").
        roles={"side": "the model routing classifier"},
        fields={
            "temperature": "temperature", "topP": "top-p", "topK": "top-k", "thinkingLevel": "thinking level",
            "thinkingBudget": "thinking budget", "maxOutputTokens": "max output tokens", "model": "model",
        },
        model_prefix="gemini",
        model_families=frozenset(("pro", "flash", "flash-lite")),
        # "for Google AI Pro and Ultra subscribers"; Code Assist's Standard and Enterprise editions; the free tier.
        plans="pro|ultra|standard|enterprise|free", providers=r"vertex(?:\s+ai)?", captured_audience="a Gemini API key",
        effort_levels="minimal|low|medium|high",  # thinking levels
    ),
)

TARGET = GEMINI_CLI
