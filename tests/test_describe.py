"""Every change in words: the vendor's vocabulary for who got what."""

from auditor.diff import Change
from auditor.judge.describe import deferral, describe, listed, spoken
from auditor.targets import Vocabulary
from auditor.targets.claude_code import CLAUDE_CODE
from auditor.targets.codex import CODEX

VOCABULARY = CLAUDE_CODE.vocabulary


def change(kind, key, before, after, scenario=None):
    return Change(kind, key, key, before, after, "2.1.117", None, ("2.1.117",), scenario=scenario)


def test_a_request_parameter_in_the_vendors_words_with_its_audience():
    effort = change("request_param", "turn 0: output_config", {"effort": "medium"}, {"effort": "high"}, "plan-pro")
    assert describe(effort, VOCABULARY) == "Pro subscribers: effort high (was medium)"
    model = change("request_param", "turn 0: model", "claude-opus-4-6", "claude-opus-4-7", "plan-max")
    assert describe(model, VOCABULARY) == "Max subscribers: model Opus 4.7 (was Opus 4.6)"
    tokens = change("request_param", "turn 0: max_tokens", 32000, 64000)
    assert describe(tokens, VOCABULARY) == "max output tokens 64000 (was 32000)"
    budget = change("request_param", "subagent 0: thinking", None, {"type": "enabled", "budget_tokens": 31999}, "subagent-haiku")
    assert describe(budget, VOCABULARY) == "subagents: thinking enabled (was none); thinking budget tokens 31999 (was none)"


def test_a_beta_is_the_feature_it_names_and_other_kinds_their_noun():
    beta = change("beta", "context-hint-2026-04-09", None, "context-hint-2026-04-09")
    assert describe(beta, VOCABULARY) == "context hint beta added"
    # a beta whose name says its feature in other words than notes do: the API docs' name for it too
    ttl = change("beta", "extended-cache-ttl-2025-04-11", None, "extended-cache-ttl-2025-04-11")
    assert describe(ttl, VOCABULARY) == "extended cache ttl (1-hour prompt cache TTL) beta added"
    # the betas a captured request header gained and lost, each as the feature it names
    header = change("header", "turn 0: anthropic-beta", ["claude-code-20250219", "context-management-2025-06-27"],
                    ["claude-code-20250219", "redact-thinking-2026-02-12"], "interactive")
    assert describe(header, VOCABULARY) == "interactive sessions: redact thinking (thinking summaries redacted) beta added; context management (context editing: clearing tool results) beta removed"
    env = change("env", "CLAUDE_CODE_FORK_SUBAGENT", None, "")
    assert describe(env, VOCABULARY) == "env var CLAUDE_CODE_FORK_SUBAGENT added"
    assert spoken(env, VOCABULARY) == ""  # nothing beyond the changed text to match with


def test_a_flags_default_turned_on_or_off_says_so():
    assert describe(change("flag", "tengu_sedge_lantern", "false", "true"), VOCABULARY) == "feature flag tengu_sedge_lantern on by default (was false)"
    assert describe(change("flag", "tengu_sedge_lantern", "null", "true"), VOCABULARY) == "feature flag tengu_sedge_lantern on by default (was null)"
    assert describe(change("flag", "tengu_sedge_lantern", "true", "false"), VOCABULARY) == "feature flag tengu_sedge_lantern off by default (was true)"
    assert describe(change("flag", "tengu_sedge_lantern", "200", "400"), VOCABULARY) == "feature flag tengu_sedge_lantern changed"


def test_without_the_targets_vocabulary_fields_keep_their_own_names():
    effort = change("request_param", "turn 0: output_config", {"effort": "medium"}, {"effort": "high"}, "plan-pro")
    assert describe(effort, Vocabulary()) == "effort high (was medium)"


def test_a_named_subagents_parameter_says_whose_it_is():
    named = describe(change("request_param", "subagent Explore 0: max_tokens", 32000, 64000, "agents"), VOCABULARY)
    plain = describe(change("request_param", "turn 0: max_tokens", 32000, 64000, "agents"), VOCABULARY)
    assert named == f"the Explore subagent's {plain}" == "the Explore subagent's max output tokens 64000 (was 32000)"
    assert describe(change("request_param", "compact 0: max_tokens", 32000, 64000, "compact"), VOCABULARY) == plain


def test_a_codex_request_parameter_names_the_model_and_effort_of_its_run():
    vocabulary = CODEX.vocabulary
    effort = change("request_param", "gpt-5.5/high/turn 0: reasoning", {"effort": "medium"}, {"effort": "high"}, "exec-efforts")
    assert describe(effort, vocabulary) == "with gpt-5.5 at high effort: reasoning effort high (was medium)"
    verbosity = change("request_param", "turn 0: text", {"verbosity": "low"}, {"verbosity": "medium"}, "exec-workspace-write")
    assert describe(verbosity, vocabulary) == "the workspace-write sandbox: verbosity medium (was low)"


def test_a_reshaped_history_says_which_roles_messages_were_merged_or_split():
    merged = change("history", "turn 0: messages", ["user: text", "user: text", "assistant: text"], ["user: text, text", "assistant: text"])
    assert describe(merged, VOCABULARY) == "consecutive user messages merged into one"
    split = change("history", "turn 1: messages", ["user: text, tool_result"], ["user: text", "user: tool_result"])
    assert describe(split, VOCABULARY) == "a user message split into consecutive user messages"
    # Anything else (a message dropped, blocks of another kind) is no merge: said by its noun, as before.
    dropped = change("history", "turn 0: messages", ["user: text", "user: text"], ["user: text"])
    other = change("history", "turn 0: messages", ["user: text", "user: text"], ["user: text, image"])
    assert describe(dropped, VOCABULARY) == describe(other, VOCABULARY) == "conversation history resent turn 0: messages changed"


def test_a_captured_role_the_vendor_names_is_spoken_of_as_its_requests():
    vocabulary = Vocabulary(roles={"side": "the model router"})
    model = change("request_param", "side 0: model", "gemini-2.5-flash-lite", "gemini-3.1-flash-lite", "print-default")
    assert describe(model, vocabulary) == "the model router's model gemini-3.1-flash-lite (was gemini-2.5-flash-lite)"
    prompt = change("system_block", "side 0: block 0", "You route.", "You route requests.", "print-default")
    assert describe(prompt, vocabulary) == "the model router: system prompt sent side 0: block 0 changed"
    main = change("request_param", "turn 0: model", "a", "b", "print-default")
    assert describe(main, vocabulary) == "model b (was a)"  # the main loop's is nobody's in particular
    # A scenario's own name for its side requests comes first: an auto-mode run's are its classifier's,
    # another scenario's are titles and the like.
    scoped = Vocabulary(roles={"auto-mode side": "the auto mode classifier"})
    classifier = change("system_block", "side 0: block 1", "You are a monitor.", "You are a security monitor.", "auto-mode")
    assert describe(classifier, scoped) == "the auto mode classifier: system prompt sent side 0: block 1 changed"
    title = change("system_block", "side 0: block 1", "Name it.", "Name the session.", "interactive")
    assert describe(title, scoped) == "system prompt sent side 0: block 1 changed"
    assert CLAUDE_CODE.vocabulary.role("auto-mode", "side") == "the auto mode classifier" and CLAUDE_CODE.vocabulary.role("interactive", "side") == ""


def test_a_tool_schema_sent_once_its_name_leaves_a_list_of_names_is_no_longer_deferred():
    """The deferred tools are named in a message, their schemas fetched on demand: a schema that comes
    as its name leaves that list (same scenario, request and release) is no tool added."""
    listing = change("message", "turn 0: <available-deferred-tools>", "<available-deferred-tools>\nAgent\nWebFetch", "<available-deferred-tools>\nWebFetch", "print-default")
    sent = change("tool_schema", "turn 0: Agent", None, {"description": "Launch an agent"}, "print-default")
    known = listed([listing, sent])
    assert deferral(sent, known) == "no longer deferred"
    assert describe(sent, VOCABULARY, status=deferral(sent, known)) == "tool sent turn 0: Agent no longer deferred"
    gone = change("tool_schema", "turn 0: Glob", {"description": "Find files"}, None, "print-default")
    joined = change("message", "turn 0: <available-deferred-tools>", "<available-deferred-tools>", "<available-deferred-tools>\nGlob", "print-default")
    assert deferral(gone, listed([joined])) == "now deferred"
    # Another scenario's list, another request's, or a tool that was never listed: it came or went.
    assert deferral(change("tool_schema", "turn 0: Agent", None, {}, "two-turn"), known) == ""
    assert deferral(change("tool_schema", "subagent 0: Agent", None, {}, "print-default"), known) == ""
    assert deferral(change("tool_schema", "turn 0: Monitor", None, {}, "print-default"), known) == ""
