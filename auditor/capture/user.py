"""Who the user is and what they chose: a subscription plan, their settings, environment, project files.

Scenarios run with an API key, a fresh HOME and no settings unless they say otherwise. These keys of
a scenario file put the user back:

    plan = "max"                          # an OAuth subscriber of this plan instead of an API key
    rate_limit_tier = "default_claude_max_5x"   # optional; the plan's usual tier otherwise
    env = { CLAUDE_CODE_EFFORT_LEVEL = "high" } # added to the scrubbed environment
    settings = { effortLevel = "high" }   # the user's settings file (~/.claude/settings.json; the target's)
    files = { ".claude/agents/helper.md" = "..." }   # more files in the project folder

    [honours]                             # what the scenario set, checked in every captured request
    setting = "effortLevel"               # its name (searched for in the changelog)
    field = "output_config.effort"        # where it shows in the request body (dotted path)
    value = "high"                        # the value it must have ("model" fields: a part of the id)
    requests = "main"                     # "main" (the agent loop) or "subagent"

The credentials are throwaway strings shaped like the real ones and obviously fake; the fake API
answers the profile call with the plan, and nothing leaves loopback (see server.py).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import tomlkit

from ..errors import CaptureError
from . import mcp_stub

FAKE_OAUTH_TOKEN = "sk-ant-oat01-auditor-fake-oauth-token-" + "0" * 56 + "AA"
FAKE_REFRESH_TOKEN = "sk-ant-ort01-auditor-fake-refresh-token-" + "0" * 54 + "AA"
FAKE_SECRETS = (FAKE_OAUTH_TOKEN, FAKE_REFRESH_TOKEN)
# Far in the future (2100-01-01): the CLI never tries to refresh.
_EXPIRES_AT = 4102444800000
_SCOPES = ["user:inference", "user:profile", "user:sessions:claude_code"]
PROFILE_PATH = "/api/oauth/profile"


@dataclass(frozen=True)
class Plan:
    """A subscription as the CLI knows it: the type it stores, the profile's organization type, the usual tier."""

    name: str
    organization_type: str
    rate_limit_tier: str


# Only Max's tiers are named in the CLI's code (20x is the one some releases single out).
PLANS = {
    "pro": Plan("pro", "claude_pro", "default_claude_ai"),
    "max": Plan("max", "claude_max", "default_claude_max_20x"),
    "team": Plan("team", "claude_team", "default_claude_ai"),
    "enterprise": Plan("enterprise", "claude_enterprise", "default_claude_ai"),
}
KEYS = frozenset({"plan", "rate_limit_tier", "env", "settings", "files", "honours"})
REQUESTS = ("main", "subagent")
_HONOURS_KEYS = {"setting", "field", "value", "requests"}


class UserSetupError(CaptureError):
    """A scenario's plan, settings, env, files or honours table is invalid; the message names the file."""


@dataclass(frozen=True)
class Honours:
    """A setting the scenario set, and where the captured requests must show it."""

    setting: str
    field: str
    value: str
    requests: str = "main"

    def sent(self, body: dict[str, Any]) -> Any:
        """The value at `field` in a request body (None when absent)."""
        value: Any = body
        for part in self.field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def holds(self, sent: Any) -> bool:
        """A model is honoured when its id names the value (an alias like "haiku"), anything else when equal."""
        if self.field.split(".")[-1] == "model":
            return isinstance(sent, str) and self.value.lower() in sent.lower()
        return sent == self.value or str(sent) == self.value


@dataclass(frozen=True)
class UserSetup:
    """Who runs the CLI and what they chose; all empty (API_KEY_USER) is an API-key user who set nothing."""

    plan: Plan | None = None
    env: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    honours: tuple[Honours, ...] = ()
    home_files: dict[str, str] = field(default_factory=dict)  # more files in HOME (a profile's ~/.claude/agents/…)
    mcp: dict[str, dict[str, Any]] = field(default_factory=dict)  # MCP server name → what its stub answers (mcp_stub.py)

    def seed(self, home: Path, project: Path, settings_file: str) -> None:
        """Write the credentials, the user's settings (merged into what the sandbox put in `settings_file`, a
        path under ~), their files and MCP server stubs into a sandbox."""
        if self.plan:
            config = home / ".claude"
            config.mkdir(exist_ok=True)
            (config / ".credentials.json").write_text(json.dumps({"claudeAiOauth": self.oauth()}, indent=2))
        if self.settings:
            path = home / settings_file.removeprefix("~/")
            path.parent.mkdir(parents=True, exist_ok=True)
            toml = path.suffix == ".toml"  # Codex's config.toml
            seeded = (tomllib.loads(path.read_text()) if toml else json.loads(path.read_text())) if path.exists() else {}
            merged = _merged(seeded, self.settings)
            path.write_text(tomlkit.dumps(merged) if toml else json.dumps(merged, indent=2))
        for folder, files in ((project, self.files), (home, self.home_files)):
            for name, text in files.items():
                path = folder / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        if self.mcp:
            mcp_stub.install(home, self.mcp)

    def oauth(self) -> dict[str, Any]:
        assert self.plan is not None
        return {
            "accessToken": FAKE_OAUTH_TOKEN, "refreshToken": FAKE_REFRESH_TOKEN, "expiresAt": _EXPIRES_AT,
            "scopes": _SCOPES, "subscriptionType": self.plan.name, "rateLimitTier": self.plan.rate_limit_tier,
        }

    def answers(self) -> dict[str, Any]:
        """JSON the fake API answers GET requests with, by path: the OAuth profile of the plan (the
        managed-settings and policy calls a team plan makes get the 404 that means "none set")."""
        if self.plan is None:
            return {}
        return {
            PROFILE_PATH: {
                "account": {"uuid": "00000000-0000-4000-8000-000000000001", "email": "auditor@example.invalid",
                            "display_name": "auditor", "created_at": "2025-01-01T00:00:00Z"},
                "organization": {"uuid": "00000000-0000-4000-8000-000000000002", "organization_type": self.plan.organization_type,
                                 "rate_limit_tier": self.plan.rate_limit_tier, "has_extra_usage_enabled": False,
                                 "billing_type": "stripe_subscription"},
            },
            "/api/claude_code/organizations/metrics_enabled": {"metrics_logging_enabled": False},
        }

    def honoured(self, requests: list[dict[str, Any]]) -> dict[str, str]:
        """`{setting: "yes (field: value)" | "no (field: value sent)" | "not sent"}` over the captured requests
        the setting applies to (rows of ScenarioResult.requests); empty when the scenario sets nothing to check."""
        out = {}
        for h in self.honours:
            wanted = [r for r in requests if (r.get("caller") == "subagent") == (h.requests == "subagent") and r["body"].get("tools")]
            if not wanted:
                out[h.setting] = f"not sent (no {h.requests} request)"
                continue
            sent = [h.sent(r["body"]) for r in wanted]
            bad = [s for s in sent if not h.holds(s)]
            shown = json.dumps(bad[0] if bad else sent[0], sort_keys=True)
            out[h.setting] = f"{'no' if bad else 'yes'} ({h.field}: {shown})"
        return out


API_KEY_USER = UserSetup()  # what a scenario without these keys runs as


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` merged into `base`, tables key by key (a scenario's `model.name` keeps the sandbox's `security`)."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def parse(path: Path, raw: dict[str, Any]) -> UserSetup:
    """The user part of a scenario file (the keys in KEYS); any problem is one UserSetupError naming the file."""
    def fail(message: str) -> UserSetupError:
        return UserSetupError(f"{path}: {message}")

    plan = None
    if "plan" in raw:
        if raw["plan"] not in PLANS:
            raise fail(f"plan must be one of {', '.join(PLANS)} (got {raw['plan']!r})")
        plan = PLANS[raw["plan"]]
        if "rate_limit_tier" in raw:
            if not isinstance(raw["rate_limit_tier"], str) or not raw["rate_limit_tier"]:
                raise fail("rate_limit_tier must be a non-empty string")
            plan = Plan(plan.name, plan.organization_type, raw["rate_limit_tier"])
    elif "rate_limit_tier" in raw:
        raise fail("rate_limit_tier needs a plan")
    env = raw.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise fail("env must be a table of strings")
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        raise fail("settings must be a table")
    files = raw.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise fail("files must be a table of strings (path = text)")
    for name in files:
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
            raise fail(f"files: {name!r} must be a relative path inside the project")
    return UserSetup(plan=plan, env=dict(env), settings=dict(settings), files=dict(files), honours=_honours(raw.get("honours"), fail))


def _honours(raw: Any, fail: Any) -> tuple[Honours, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise fail("honours must be a table")
    unknown = sorted(set(raw) - _HONOURS_KEYS)
    if unknown:
        raise fail(f"honours has unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_HONOURS_KEYS))})")
    for key in ("setting", "field", "value"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise fail(f"honours.{key} must be a non-empty string")
    requests = raw.get("requests", "main")
    if requests not in REQUESTS:
        raise fail(f"honours.requests must be one of {', '.join(REQUESTS)} (got {requests!r})")
    return (Honours(raw["setting"], raw["field"], raw["value"], requests),)
