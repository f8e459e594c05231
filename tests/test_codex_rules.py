"""Codex's rule files (rules/codex/): a change to what shapes its requests — reasoning effort, verbosity,
truncation, context window, tool mode, sandbox and approval texts — gets its category and severity, and
the rule that gave them, from a rule file loaded only for --target codex."""

from __future__ import annotations

import pytest

from auditor import rules
from auditor.changelog import Entry, Release
from auditor.diff import Change
from auditor.judge import judge
from auditor.targets.codex import CODEX

PUBLISHED = {"0.170.0": "2026-11-18T03:45:45+00:00", "0.171.0": "2026-11-20T00:51:29+00:00"}
NOTES = [Release("0.171.0", None, (Entry("Fixed a crash when resuming a thread"),)), Release("0.170.0", None, ())]
ENVIRONMENT = ('<environment_context>\n  <cwd><project></cwd>\n  <filesystem><permission_profile type="managed"><file_system type="restricted">'
               '<entry access="read"><special>:root</special></entry><entry access="{access}"><path><project></path></entry>'
               "</file_system></permission_profile></filesystem>\n</environment_context>")

CASES = {
    # kind, key, before, after, scenario → rule, category, severity
    "effort sent": ("request_param", "turn 0: reasoning", {"effort": "medium", "context": "all_turns"}, {"effort": "low", "context": "all_turns"},
                    "exec-default", "codex-effort-sent", "reasoning", "high"),
    "default effort": ("setting", "gpt-a: default_reasoning_level", "medium", "low", None, "codex-default-effort", "reasoning", "high"),
    "effort levels": ("setting", "gpt-a: supported_reasoning_levels", [{"effort": "low"}, {"effort": "xhigh"}], [{"effort": "low"}], None,
                      "codex-effort-levels", "reasoning", "medium"),
    "verbosity sent": ("request_param", "turn 0: text", {"verbosity": "low"}, {"verbosity": "medium"}, "exec-default",
                       "codex-verbosity-sent", "output-length", "high"),
    "default verbosity": ("setting", "gpt-a: default_verbosity", "low", "medium", None, "codex-default-verbosity", "output-length", "high"),
    "truncation tighter": ("limit", "gpt-a: truncation_policy.limit", "10000", "5000", None, "codex-truncation-tighter", "context", "high"),
    "truncation looser": ("limit", "gpt-a: truncation_policy.limit", "10000", "20000", None, "codex-truncation-looser", "context", "medium"),
    "truncation mode": ("setting", "gpt-a: truncation_policy.mode", "bytes", "tokens", None, "codex-truncation-mode", "context", "medium"),
    "tool mode": ("setting", "gpt-a: tool_mode", "direct", "code_mode", None, "codex-tool-mode", "tools-permissions", "high"),
    "apply_patch": ("setting", "gpt-a: apply_patch_tool_type", "freeform", "function", None, "codex-tool-mode", "tools-permissions", "high"),
    "approval text": ("string", "gpt-a: model_messages.approvals.on_request", "Ask before running commands outside the workspace.",
                      "Ask before running commands that write outside the workspace.", None, "codex-approval-text", "tools-permissions", "high"),
    "guardian text": ("string", "gpt-a: model_messages.guardian_v2.classifier_instructions", "Deny destructive commands.",
                      "Deny destructive commands unless the user asked for them.", None, "codex-approval-text", "tools-permissions", "high"),
    "confirmation added": ("string", "gpt-a: model_messages.confirmation_policies.browser_use", None, "Confirm before submitting a form.", None,
                           "codex-approval-text-added", "tools-permissions", "medium"),
    "sandboxed review": ("flag", "gpt-a: requires_sandboxed_review", "true", "false", None, "codex-review-switches", "tools-permissions", "high"),
    "sandbox sent": ("message", "turn 0: <environment_context>", ENVIRONMENT.format(access="write"), ENVIRONMENT.format(access="read"),
                     "exec-workspace-write", "codex-sandbox-sent", "tools-permissions", "high"),
}


def _judged(case: str, loaded: list[rules.Rule]):
    kind, key, before, after, scenario, *_ = CASES[case]
    change = Change(kind, key, key, before, after, "0.171.0", None, ("0.171.0",), scenario=scenario)
    (finding,) = [f for f in judge([change], NOTES, loaded, PUBLISHED, vocabulary=CODEX.vocabulary) if f.category != "changelog"]
    return finding


@pytest.mark.parametrize("case", CASES)
def test_a_codex_change_gets_its_category_and_severity_from_codex_rules(case: str) -> None:
    *_, rule, category, severity = CASES[case]
    finding = _judged(case, rules.load(None, "codex"))
    assert (finding.rule, finding.category, finding.severity) == (rule, category, severity)
    assert finding.verdict == "undocumented"  # the notes say nothing of it


def test_codex_rules_are_codex_only() -> None:
    shared = {r.id for r in rules.load()}
    own = {r.id for r in rules.load(None, "codex")} - shared
    assert own and all(rule.startswith("codex-") for rule in own)
    assert not {r.id for r in rules.load(None, "claude-code")} & own and not {r.id for r in rules.load(None, "gemini-cli")} & own


@pytest.mark.parametrize(("before", "after"), [(None, "high"), ("high", None)])
def test_a_model_that_comes_or_goes_is_not_a_change_to_one_in_use(before: str | None, after: str | None) -> None:
    """A model the catalogue gains or drops brings or takes its defaults: not a change users of a model they kept meet."""
    change = Change("setting", "gpt-new: default_reasoning_level", "gpt-new: default_reasoning_level", before, after, "0.171.0", None, ("0.171.0",))
    (finding,) = [f for f in judge([change], NOTES, rules.load(None, "codex"), PUBLISHED) if f.category != "changelog"]
    assert finding.rule != "codex-default-effort" and finding.severity == "low"


def test_the_notes_can_document_a_codex_change() -> None:
    told = [Release("0.171.0", None, (Entry("Lowered the default reasoning effort of gpt-a to low"),)), Release("0.170.0", None, ())]
    kind, key, before, after, *_ = CASES["default effort"]
    change = Change(kind, key, key, before, after, "0.171.0", None, ("0.171.0",))
    (finding,) = [f for f in judge([change], told, rules.load(None, "codex"), PUBLISHED) if f.category != "changelog"]
    assert finding.verdict in ("documented", "partial") and finding.rule == "codex-default-effort"
