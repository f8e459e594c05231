"""Every kind of fact auditor records, described once: where it comes from, what to call it, and how the
judge and the reports treat it. Other modules derive their lists from this table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    captured: bool  # seen in a captured run (else found by static extraction)
    noun: str  # one of them, in a finding's title
    nouns: str  # several
    title: str  # a report's heading
    long_text: bool = False  # its values are texts shown as word diffs
    named: bool = False  # keyed by a name a changelog entry can spell out (an env var, a flag, a tool)
    user_facing: bool = False  # a name users set or see: its changelog entry should spell it out


KINDS = (
    Kind("prompt_section", False, "system-prompt section", "system-prompt sections", "System-prompt sections", long_text=True),
    Kind("section_condition", False, "section condition", "section conditions", "Section conditions (when a section is included)"),
    Kind("string", False, "prompt string", "prompt strings", "Prompt and tool texts", long_text=True),
    Kind("document", False, "embedded document", "embedded documents", "Embedded documents", long_text=True),
    Kind("tool", False, "tool", "tools", "Tools", long_text=True, named=True, user_facing=True),
    Kind("model", False, "model id", "model ids", "Model ids", named=True),
    Kind("beta", False, "API beta", "API betas", "API beta headers", named=True, user_facing=True),
    Kind("env", False, "env var", "env vars", "Environment variables", named=True, user_facing=True),
    Kind("flag", False, "feature flag", "feature flags", "Feature flags (default)", named=True),
    Kind("setting", False, "setting", "settings", "Settings keys", named=True, user_facing=True),
    Kind("limit", False, "numeric limit", "numeric limits", "Numeric limits", named=True),
    Kind("request_code", False, "request code", "request code", "Request-building code", long_text=True),
    Kind("request_param", True, "request parameter", "request parameters", "Request parameters (captured)"),
    Kind("system_block", True, "system prompt sent", "system prompt blocks sent", "System prompt sent (captured)", long_text=True),
    Kind("tool_schema", True, "tool sent", "tools sent", "Tools sent (captured)", long_text=True, named=True, user_facing=True),
    Kind("history", True, "conversation history resent", "conversation histories resent", "Conversation history resent (captured)"),
    Kind("header", True, "request header", "request headers", "Request headers (captured)"),
    Kind("capture", True, "captured run", "captured runs", "Capture runs"),
)

BY_NAME = {k.name: k for k in KINDS}
NAMES = tuple(k.name for k in KINDS)  # static facts first, then what captured runs really sent
STATIC = tuple(k.name for k in KINDS if not k.captured)
CAPTURED = tuple(k.name for k in KINDS if k.captured)
ORDER = {name: i for i, name in enumerate(NAMES)}
LONG_TEXT = frozenset(k.name for k in KINDS if k.long_text)
NAMED = frozenset(k.name for k in KINDS if k.named)
USER_FACING = frozenset(k.name for k in KINDS if k.user_facing)
TITLES = {k.name: k.title for k in KINDS}
NOUNS = {k.name: (k.noun, k.nouns) for k in KINDS}
