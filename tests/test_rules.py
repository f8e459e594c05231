"""Rule files: loading, validation errors that name file and line, and what a rule matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import rules
from auditor.diff import Change
from auditor.errors import RuleError
from auditor.rules import observe

GOOD = """
[[rule]]
id = "terse"
category = "output-length"
severity = "high"
kinds = ["section_condition"]
key = 'verbos'
condition = "removed"
evidence = ["concise", "/shorter|brief/"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def change(kind="string", key="k", before=None, after=None, introduced_in="1.0.1", removed_in=None, changed_in=None, history=()) -> Change:
    return Change(kind, key, key, before, after, introduced_in, removed_in, tuple(changed_in or (introduced_in,)), history=history)


# ---------------------------------------------------------------------------------------------- loading


def test_loads_every_file_in_name_order(tmp_path):
    write(tmp_path, "20-b.toml", GOOD.replace('"terse"', '"b"'))
    write(tmp_path, "10-a.toml", GOOD.replace('"terse"', '"a"'))
    loaded = rules.load(tmp_path)
    assert [r.id for r in loaded] == ["a", "b"]
    assert [r.order for r in loaded] == [0, 1]
    assert loaded[0].source == f"{tmp_path / '10-a.toml'}:2"


def test_the_shipped_rule_set_loads_and_covers_every_category():
    shipped = rules.load()
    assert {r.category for r in shipped} == set(rules.CATEGORIES)
    assert len({r.id for r in shipped}) == len(shipped)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[[rule]]\nid = \"x\"\ncategory = \"safety\nseverity = \"low\"\n", 3, "invalid TOML"),
        (GOOD + "\n[[rule]]\nid = \"y\"\ncategory = \"safety\"\nseverity = \"low\"\nkinds = [\"env\"]\nsevrity = \"high\"\n", 16, "unknown key 'sevrity'"),
        (GOOD.replace("key = 'verbos'", "key = 'verbos('"), 7, "not a valid regular expression"),
        (GOOD.replace('severity = "high"', 'severity = "urgent"'), 5, "severity 'urgent' is not one of low, medium, high, critical"),
        (GOOD.replace('category = "output-length"', 'category = "vibes"'), 4, "category 'vibes'"),
        (GOOD.replace('kinds = ["section_condition"]', 'kinds = ["sections"]'), 6, "kinds 'sections'"),
        (GOOD.replace('condition = "removed"', 'condition = "gone"'), 8, "condition 'gone'"),
        (GOOD.replace('evidence = ["concise", "/shorter|brief/"]', 'evidence = ["/(unclosed/"]'), 9, "evidence is not a valid regular expression"),
        (GOOD.replace('id = "terse"', 'id = "Has Spaces"'), 3, "needs an id"),
        # "\b" in a double-quoted TOML string is a backspace: the regex would silently never match
        (GOOD.replace('evidence = ["concise", "/shorter|brief/"]', 'evidence = ["concise", "/\\bbrief\\b/"]'), 9, "control character"),
        (GOOD.replace("key = 'verbos'", 'key = "\\bverbos"'), 7, "write regexes in single quotes"),
        ('[[rule]]\nid = "x"\ncategory = "safety"\nseverity = "low"\n', 1, "matches every change"),
        ('title = "x"\n' + GOOD, 1, "unknown top-level key 'title'"),
        (GOOD.replace('evidence', 'title = "{nope}"\nevidence'), 9, "unknown field {nope}"),
    ],
)
def test_a_bad_rule_is_one_error_naming_file_and_line(tmp_path, text, line, words):
    write(tmp_path, "bad.toml", text)
    with pytest.raises(RuleError) as caught:
        rules.load(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'bad.toml'}:{line}: ")
    assert words in message
    assert "\n" not in message


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", GOOD)
    with pytest.raises(RuleError, match=r"b\.toml:2: rule id 'terse' already defined at .*a\.toml:2"):
        rules.load(tmp_path)


def test_missing_directory_is_a_rule_error(tmp_path):
    with pytest.raises(RuleError, match="not found"):
        rules.load(tmp_path / "nope")


# ---------------------------------------------------------------------------------------------- matching


def rule(text: str) -> rules.Rule:
    (parsed,) = rules.parse('[[rule]]\nid = "r"\ncategory = "other"\nseverity = "low"\n' + text)
    return parsed


def test_condition_dropped_is_distinguished_from_a_section_that_went_away():
    guard = '_(_) where {if(!_(_).includes("opus-4-6"))return!1}'
    dropped = change("section_condition", "anti_verbosity", guard, "")
    dropped_then_gone = change("section_condition", "x", guard, None, changed_in=("1.0.1", "1.0.3"), history=(("1.0.1", ""), ("1.0.3", None)))
    gone_with_section = change("section_condition", "x", guard, None)
    gated_then_dropped = change(
        "section_condition", "x", None, guard, "1.0.1", "1.0.4", ("1.0.1", "1.0.2", "1.0.4"), (("1.0.1", guard), ("1.0.2", ""), ("1.0.4", None))
    )
    assert observe(dropped).condition == "removed"
    assert observe(dropped_then_gone).condition == "removed"
    assert observe(gone_with_section).condition is None
    assert observe(gated_then_dropped).condition == "removed"  # a later step counts, not only the first
    assert observe(change("section_condition", "x", "", guard)).condition == "added"
    assert rule('condition = "removed"').matches(observe(dropped))


def test_structured_values_become_path_lines():
    before = {"description": "Runs a command.\nUse it sparingly.", "input_schema": {"required": ["cmd"]}}
    after = {"description": "Runs a command.\nUse it often.", "input_schema": {"required": ["cmd", "timeout"]}}
    seen = observe(change("tool_schema", "turn 0: Bash", before, after))
    assert "often" in seen.added_text and "sparingly" in seen.removed_text
    assert "input_schema.required: timeout" in seen.after
    assert rule('kinds = ["tool_schema"]\nadded = "timeout"').matches(seen)


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [("8192", "4096", "decreased"), ("10, 30", "30", "increased"), ("false", "true", "increased"), ("1, 256", "1, 256, 4096", "increased"), ('"off"', '"on"', None)],
)
def test_numeric_direction(before, after, direction):
    seen = observe(change("limit", "max_tokens", before, after))
    assert seen.direction == direction
    assert rule('kinds = ["limit"]\ndirection = "decreased"').matches(seen) is (direction == "decreased")


def test_text_patterns_see_what_appeared_and_disappeared_not_what_stayed():
    c = change("prompt_section", "tone", "Be helpful. Keep answers complete.", "Be helpful. Keep answers terse.")
    seen = observe(c)
    assert "terse" in seen.added_text and "complete" in seen.removed_text and "helpful" not in seen.added_text
    assert rule("text = 'terse'").matches(seen)
    assert rule("added = 'terse'").matches(seen) and not rule("removed = 'terse'").matches(seen)
    assert not rule("text = 'helpful'").matches(seen)
    assert rule("context = 'helpful'").matches(seen)


def test_code_is_diffed_by_tokens():
    before = 'function a(b){if(b==="max")return"high";return b}'
    after = 'function a(b){if(b==="max")return"high";if(b==="xhigh")return"high";return b}'
    seen = observe(change("request_code", "f", before, after))
    assert any('"xhigh"' in run for run in seen.added)


def test_key_status_kinds_and_exclude():
    env = observe(change("env", "CLAUDE_CODE_EFFORT_LEVEL", None, ""))
    assert rule('kinds = ["env"]\nkey = "effort"\nstatus = "added"').matches(env)
    assert not rule('kinds = ["env"]\nkey = "effort"\nstatus = ["removed"]').matches(env)
    assert not rule('kinds = ["flag"]\nkey = "effort"').matches(env)
    assert not rule('kinds = ["env"]\nexclude = "^CLAUDE_"').matches(env)


def test_evidence_words_match_whole_words_any_case_singular_or_plural_and_regexes_as_written():
    r = rule('kinds = ["env"]\nevidence = ["effort level", "/x?high/", "output tokens", "MAX_TOKENS"]')
    words, regex, tokens, name = r.evidence
    assert words.search("Default Effort  Level is now high") and words.search("effort levels")
    assert not words.search("effortless level") and not words.search("effort leveling")
    assert tokens.search("maximum output token limits") and tokens.search("Output tokens") and not tokens.search("output tokenizer")
    assert name.search("max_tokens") and not name.search("MAX_TOKENSS")  # an identifier is spelled as it is
    assert regex.search("now xhigh")


def test_inline_rule_tables_report_the_line_of_their_id(tmp_path):
    write(tmp_path, "inline.toml", 'rule = [\n  {id = "a", category = "safety", severity = "low", kinds = ["env"]},\n  {id = "b", category = "safety", severity = "meh", kinds = ["env"]},\n]\n')
    with pytest.raises(RuleError, match=r"inline\.toml:3: rule 'b': severity 'meh'"):
        rules.load(tmp_path)


# ---------------------------------------------------------------------------------------------- matcher


def test_fold_lists_every_non_ascii_character_re_matches_to_an_ascii_letter():
    import re
    import string

    every = "".join(map(chr, range(0x80, 0x110000)))
    assert not re.findall("[" + re.escape(string.digits + string.punctuation + " ") + "]", every, re.IGNORECASE)
    found = set(re.findall("[a-z]", every, re.IGNORECASE))
    assert {c: rules.folded(c) for c in found} == {c: next(a for a in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(a, c, re.I)) for c in found}


@pytest.mark.parametrize(
    "pattern, expected",
    [
        (r"\bcompact|context (?:window|usage)|summari[sz]e the", ("compact", "context ", "summari")),
        (r"Tengu_[a-z]+", ("tengu_",)),
        (r"ab|cde", None),  # an alternative with no 3-letter literal: search every text
        (r"abc|abd", None),  # the parser merges the shared prefix "ab": too short
        (r"(?:opus|sonnet) \d", ("opus", "sonnet")),
        (r"(?:≤|at most)\s*\d+ (?:words|lines)", ("words", "lines")),
        (r"(?:ab|cd) \d", None),
    ],
)
def test_literals_are_what_every_alternative_needs(pattern, expected):
    import re

    assert rules.literals(re.compile(pattern, re.I)) == expected


@pytest.mark.parametrize("text", ["a ſcalar here", "KELVIN: Kompact", "no match at all", "ıt's YAML", "İ"])
def test_matcher_finds_what_rules_match(text):
    shipped = rules.load()
    seen = observe(change("string", "k", None, text))
    assert rules.Matcher(shipped).matching(seen) == [r for r in shipped if r.matches(seen)]


@pytest.mark.parametrize("flag", ["reaches_model", "sent", "merge", "offered"])
def test_a_rules_flags_are_read_and_must_be_booleans(flag):
    (rule,) = rules.parse(f'[[rule]]\nid = "r"\ncategory = "other"\nseverity = "low"\nkinds = ["string"]\n{flag} = true\n')
    assert getattr(rule, flag)
    with pytest.raises(RuleError, match=f"{flag} must be true or false"):
        rules.parse(f'[[rule]]\nid = "r"\ncategory = "other"\nseverity = "low"\nkinds = ["string"]\n{flag} = "yes"\n')


def test_request_code_rules_do_not_see_what_a_template_literal_says():
    logger = 'function _(_){if(_()!=="verbose")return;_(`[API REQUEST DETAIL] ${_({thinking:_.thinking})}`,{level:"verbose"})}'
    (rule,) = rules.parse('[[rule]]\nid = "t"\ncategory = "reasoning"\nseverity = "high"\nkinds = ["request_code"]\ntext = "thinking"\n')
    assert not rule.matches(observe(Change("request_code", "k", "sets thinking", None, logger, "1.0.1")))
    builder = 'function _(_){return{model:_.model,thinking:{type:"adaptive"}}}'
    assert rule.matches(observe(Change("request_code", "k", "sets thinking", None, builder, "1.0.1")))


@pytest.mark.parametrize(
    ("text", "model_facing"),
    [
        ("Briefly acknowledge the goal; do not tell the user to run `/goal clear` after success.", True),
        ("You are a helpful agent that names sessions.", True),
        ("Tell us what went wrong so we can fix it.", False),
        ("Failed to tell the daemon to reload the user settings.", False),
        ("Subagent spawn limit reached. If more agents are needed, ask the user to raise the limit.", True),
        ("The user has requested reasoning effort level: high. Apply this to the current turn.", True),
        ("#!/usr/bin/env node\n// Sync what the user picked.", False),
        ("Shell: PowerShell (use PowerShell syntax). Bash is also available via the Bash tool for POSIX scripts.", True),
        ("Skill ${…} cannot be used with ${…} tool due to disable-model-invocation.", True),
        ("Read tool denied for this session", False),  # a status line about a tool, not an instruction naming one
        ("This tool is not available in your plan.", False),
        ("- Keep `old_string` minimal — usually 1-3 lines, only enough to be unique in the file.", True),  # a tool's parameter
        ("No AWS region found. Set `awsRegion` in the constructor or the `AWS_REGION` environment variable.", False),
    ],
)
def test_the_shipped_rules_take_a_string_telling_the_model_what_to_say_to_the_user_as_model_facing(text, model_facing):
    matcher = rules.Matcher(rules.load())
    seen = observe(Change("string", "s", " ".join(text.split())[:72], None, text, "1.0.1", None, ("1.0.1",)))  # labelled by its start, as stored
    assert any(rule.reaches_model for rule in matcher.matching(seen)) is model_facing


def test_a_run_that_reaches_fewer_hosts_is_no_new_outbound_traffic():
    """The shipped off-machine rule is about new traffic: hosts dropped send nothing new; one host added
    among them does. Calls to the API's own host are new traffic when they send data (a POST), not when
    they fetch its configuration (a metrics check: the vendor holds what a GET could tell it)."""
    matcher = rules.Matcher(rules.load())

    def rule_ids(key: str, before: list[str], after: list[str]) -> set[str]:
        return {r.id for r in matcher.matching(observe(Change("capture", key, key, before, after, "1.0.1")))}

    hosts = ["registry.npmjs.org", "storage.googleapis.com"]
    assert "off-machine-calls" not in rule_ids("off-machine attempts", hosts, hosts[1:])
    assert "off-machine-calls" in rule_ids("off-machine attempts", hosts[1:], hosts)
    assert "off-machine-calls" in rule_ids("off-machine attempts", hosts[:1], hosts[1:])  # one gone, another new
    calls = ["GET /api/claude_code/organizations/metrics_enabled", "GET /api/claude_code/settings"]
    assert rule_ids("other calls", calls[1:], calls) == set()  # reported low, as a change no rule matches
    assert "api-data-calls" in rule_ids("other calls", calls, [*calls, "POST /api/event_logging/batch"])
    assert "api-data-calls" not in rule_ids("other calls", [*calls, "POST /api/event_logging/batch"], calls)
    # The program under capture chooses its paths: a GET whose path spells a method sends nothing either.
    assert rule_ids("other calls", calls, [*calls, "GET /api/POST/put%20PATCH"]) == set()


def test_a_one_word_value_changes_as_a_whole():
    model = observe(Change("request_param", "turn 0: model", "turn 0: model", "gemini-3.1-flash-lite", "gemini-3.5-flash-lite", "1.0.2"))
    assert (model.added, model.removed) == (("gemini-3.5-flash-lite",), ("gemini-3.1-flash-lite",))  # not "5-flash-lite"
    prose = observe(Change("string", "s", "s", "Use the flash model.", "Use the pro model.", "1.0.2"))
    assert (prose.added, prose.removed) == (("pro",), ("flash",))
