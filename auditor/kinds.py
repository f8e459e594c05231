"""Every kind of fact auditor records, described once: where it comes from, what to call it, and how the
judge and the reports treat it. Other modules derive their lists from this table."""

from __future__ import annotations

import re
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
    words: str = ""  # how release notes speak of a change of this kind (a regex, case-insensitive)


KINDS = (
    Kind("prompt_section", False, "system-prompt section", "system-prompt sections", "System-prompt sections", long_text=True, words=r"system prompt|\\bprompts?\\b|instruction"),
    Kind("section_condition", False, "section condition", "section conditions", "Section conditions (when a section is included)", words=r"system prompt|\\bprompts?\\b|instruction|\\bmodels?\\b"),
    Kind("string", False, "prompt string", "prompt strings", "Prompt and tool texts", long_text=True, words=r"\\bprompts?\\b|instruction|description|message|reminder"),
    Kind("document", False, "embedded document", "embedded documents", "Embedded documents", long_text=True, words=r"\\bskills?\\b|\\bdocs?\\b|documentation|guide"),
    Kind("tool", False, "tool", "tools", "Tools", long_text=True, named=True, user_facing=True, words=r"\\btools?\\b|description"),
    Kind("model", False, "model id", "model ids", "Model ids", named=True, words=r"\\bmodels?\\b|opus|sonnet|haiku"),
    Kind("beta", False, "API beta", "API betas", "API beta headers", named=True, user_facing=True, words=r"\\bbeta\\b|header"),
    Kind("env", False, "env var", "env vars", "Environment variables", named=True, user_facing=True, words=r"\\benv(?:ironment)?\\b|variable"),
    Kind("flag", False, "feature flag", "feature flags", "Feature flags (default)", named=True, words=r"feature|flag|rollout|experiment"),
    Kind("setting", False, "setting", "settings", "Settings keys", named=True, user_facing=True, words=r"\\bsettings?\\b|config"),
    Kind("limit", False, "numeric limit", "numeric limits", "Numeric limits", named=True, words=r"\\blimits?\\b|tokens|size|\\bmax"),
    Kind("request_code", False, "request code", "request code", "Request-building code", long_text=True, words=r"request|\\bapi\\b|effort|thinking|tokens|cach|context"),
    Kind("request_param", True, "request parameter", "request parameters", "Request parameters (captured)", words=r"\\bmodels?\\b|effort|thinking|tokens|context|beta"),
    Kind("system_block", True, "system prompt sent", "system prompt blocks sent", "System prompt sent (captured)", long_text=True, words=r"system prompt|\\bprompts?\\b|instruction"),
    Kind("message", True, "message text sent", "message texts sent", "Texts the CLI adds to the conversation (captured)", long_text=True, words=r"reminder|\\bskills?\\b|message|context|\\bprompts?\\b|instruction"),
    Kind("tool_schema", True, "tool sent", "tools sent", "Tools sent (captured)", long_text=True, named=True, user_facing=True, words=r"\\btools?\\b|description|schema"),
    Kind("history", True, "conversation history resent", "conversation histories resent", "Conversation history resent (captured)", words=r"thinking|context|history|compact|resum|conversation"),
    Kind("header", True, "request header", "request headers", "Request headers (captured)", named=True, words=r"header|beta"),
    Kind("capture", True, "captured run", "captured runs", "Capture runs", words=r"request"),
)

BY_NAME = {k.name: k for k in KINDS}
NAMES = tuple(k.name for k in KINDS)  # static facts first, then what captured runs really sent
STATIC = tuple(k.name for k in KINDS if not k.captured)
CAPTURED = tuple(k.name for k in KINDS if k.captured)
ORDER = {name: i for i, name in enumerate(NAMES)}
LONG_TEXT = frozenset(k.name for k in KINDS if k.long_text)
NAMED = frozenset(k.name for k in KINDS if k.named)
USER_FACING = frozenset(k.name for k in KINDS if k.user_facing)
WORDS = {k.name: re.compile(k.words, re.IGNORECASE) for k in KINDS}
TITLES = {k.name: k.title for k in KINDS}
NOUNS = {k.name: (k.noun, k.nouns) for k in KINDS}
