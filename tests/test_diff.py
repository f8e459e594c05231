"""The range diff: direct changes, changes that came and went, and edits followed by similarity."""

from auditor.diff import diff_range, word_diff
from auditor.js import code_tokens
from auditor.rules import text_diff

PROMPT = "You are an interactive agent that helps users with software engineering tasks. Be careful and thorough."


def series(*columns):
    return [(f"1.0.{i}", facts) for i, facts in enumerate(columns)]


def test_identical_snapshots_have_no_changes():
    f = {"flag": {"tengu_x": "false"}, "string": {"a1": PROMPT}}
    assert diff_range(series(f, f, f)) == []


def test_added_removed_changed_with_the_version_they_came_in():
    changes = diff_range(series({"env": {"A": ""}, "flag": {"f": "false"}}, {"env": {"A": ""}, "flag": {"f": "false"}}, {"env": {"B": ""}, "flag": {"f": "true"}}))
    got = {(c.kind, c.key): (c.status, c.introduced_in) for c in changes}
    assert got == {("env", "A"): ("removed", "1.0.2"), ("env", "B"): ("added", "1.0.2"), ("flag", "f"): ("changed", "1.0.2")}


def test_change_that_came_and_went_inside_the_range():
    on, off = {"section_condition": {"anti_verbosity": ""}}, {"section_condition": {"anti_verbosity": "_(_)"}}
    (change,) = diff_range(series(off, on, on, off))
    assert change.status == "transient"
    assert (change.before, change.after, change.introduced_in, change.removed_in) == ("_(_)", "", "1.0.1", "1.0.3")


def test_an_edited_string_is_one_change_not_a_removal_and_an_addition():
    edited = PROMPT.replace("careful and thorough", "concise and direct")
    (change,) = diff_range(series({"string": {"k1": PROMPT}}, {"string": {"k2": edited}}))
    assert change.status == "changed" and change.before == PROMPT and change.after == edited
    runs = word_diff(change.before, change.after)
    assert ("-", "careful") in runs and ("+", "concise") in runs


def test_an_edit_survives_several_releases_and_keeps_its_identity():
    v1 = PROMPT + " Always run the tests."
    (change,) = diff_range(series({"string": {"a": PROMPT}}, {"string": {"b": v1}}, {"string": {"c": v1 + " Twice."}}))
    assert change.changed_in == ("1.0.1", "1.0.2") and change.after.endswith("Twice.")


def test_unrelated_texts_are_not_paired():
    other = "Completely different words about network sockets and timeouts in the client library."
    changes = diff_range(series({"string": {"a": PROMPT}}, {"string": {"b": other}}))
    assert sorted(c.status for c in changes) == ["added", "removed"]


def test_a_text_that_comes_back_is_a_transient_change():
    changes = diff_range(series({"string": {"a": PROMPT}}, {"string": {}}, {"string": {"a": PROMPT}}))
    assert [(c.status, c.introduced_in, c.removed_in) for c in changes] == [("transient", "1.0.1", "1.0.2")]


def test_every_step_of_a_change_is_kept():
    cond = lambda c: {"section_condition": {"anti_verbosity": c}}  # noqa: E731
    (change,) = diff_range(series(cond("gated"), cond(""), cond("gated"), cond("other")))
    assert change.status == "changed" and change.changed_in == ("1.0.1", "1.0.2", "1.0.3")
    assert change.history == (("1.0.1", ""), ("1.0.2", "gated"), ("1.0.3", "other"))


def test_a_text_that_comes_back_beside_its_edit_is_a_new_fact_not_a_second_value_of_the_edited_one():
    edited = PROMPT.replace("careful", "very careful")
    changes = diff_range(series({"string": {"a": PROMPT}}, {"string": {"b": edited}}, {"string": {"a": PROMPT, "b": edited}}))
    got = sorted((c.status, c.before, c.after, c.changed_in) for c in changes)
    assert got == [("added", None, PROMPT, ("1.0.2",)), ("changed", PROMPT, edited, ("1.0.1",))]


def test_code_is_diffed_statement_then_token_and_inside_a_literal_word_by_word():
    before = 'function f(q){let a=q.x;return g(`Use max effort on hard tasks`,a)}'
    after = 'function f(q){let a=q.x;return g(`Use high effort on hard tasks`,a)}'
    runs = word_diff(before, after, code=True)
    assert [(op, text.strip()) for op, text in runs if op != "="] == [("-", "max"), ("+", "high")]
    assert "".join(text for op, text in runs if op != "+") == "".join(f"{token} " for token in code_tokens(before))  # runs read apart


def test_rules_match_exactly_the_runs_a_report_shows_and_a_rewritten_long_block_is_shown_whole():
    rewritten = "\n".join(f"Line {i}: the old guidance about tool use number {i}." for i in range(120))
    replaced = "\n".join(f"Row {i}: entirely new wording for the permission model, item {i}." for i in range(120))
    before, after = f"{PROMPT}\n{rewritten}\nKeep going.\nBe careful.\n", f"{PROMPT}\n{replaced}\nKeep going.\nBe very careful.\n"
    runs = word_diff(before, after)
    assert ("-", rewritten + "\n") in runs and ("+", replaced + "\n") in runs  # over BLOCK_CHARS: not shredded into words
    assert ("+", " very") in runs  # a small edit next to it is still refined word by word
    added, removed = text_diff(before, after)
    assert added == tuple(t.strip() for op, t in runs if op == "+") and removed == tuple(t.strip() for op, t in runs if op == "-")



# ---------------------------------------------------------------------------------------------- lineage across names and kinds


SECTION = PROMPT + " Never push to a shared branch without asking. Check the git status before committing anything."


def test_a_renamed_section_is_one_change_with_its_former_name_and_its_condition_follows_it():
    old = {"prompt_section": {"session_guidance": SECTION}, "section_condition": {"session_guidance": "_(_)"}}
    new = {"prompt_section": {"# Session guidance": SECTION + " Ask."}, "section_condition": {"# Session guidance": "_(_)"}}
    (change,) = diff_range(series(old, new))
    assert (change.kind, change.key, change.status, change.former) == ("prompt_section", "# Session guidance", "changed", ("prompt_section", "session_guidance"))
    assert (change.before, change.after) == (SECTION, SECTION + " Ask.")


def test_a_tool_renamed_is_one_change_compared_as_it_was_when_it_went_and_came():
    """Task became Agent in one release (its prompt now names it Agent: 92% alike): one tool renamed, not a
    tool that went and one that came, whose entries name it. Compared as the texts were at the rename, not at
    the range's ends: the new one was edited a lot after it came. Two different tools are two changes."""
    task = "Launch a new agent to handle complex, multi-step tasks autonomously. Use the Task tool to delegate work. " * 3
    agent = task.replace("Task tool", "Agent tool")
    grown = agent + " `isolation`: Isolation mode, a worktree or a remote session. " * 12
    (change,) = diff_range(series({"tool": {"Task": task}}, {"tool": {"Agent": agent}}, {"tool": {"Agent": grown}}))
    assert (change.key, change.status, change.former, change.before, change.after) == ("Agent", "changed", ("tool", "Task"), task, grown)
    other = "Reads a file from the local filesystem, with an offset and a limit for long files, as numbered lines."
    changes = diff_range(series({"tool": {"Task": task}}, {"tool": {"Read": other}}))
    assert sorted((c.key, c.status, c.former) for c in changes) == [("Read", "added", None), ("Task", "removed", None)]


def test_a_section_moved_into_a_prompt_string_is_one_change_and_a_different_text_is_not():
    (change,) = diff_range(series({"prompt_section": {"git_safety": SECTION}}, {"string": {"d1": SECTION}}))
    assert (change.kind, change.former, change.before, change.after) == ("string", ("prompt_section", "git_safety"), SECTION, SECTION)
    other = "Completely different words about network sockets and timeouts in the client library, long enough."
    changes = diff_range(series({"prompt_section": {"git_safety": SECTION}}, {"string": {"d1": other}}))
    assert sorted((c.kind, c.status, c.former) for c in changes) == [("prompt_section", "removed", None), ("string", "added", None)]


def test_a_request_function_rewritten_beyond_recognition_is_one_edit_of_that_function():
    before = 'function a(q){return{model:q.model,max_tokens:q.max}}'
    after = 'async function b(r,s){let t=await s(r.session,r.attempt);if(!t)throw Error(r.id);return{model:r.m,max_tokens:t}}'
    (change,) = diff_range(series({"request_code": {"k1": before}}, {"request_code": {"k2": after}}))
    assert (change.status, change.before, change.after, change.former) == ("changed", before, after, None)


def test_identifiers_renamed_inside_a_template_literal_are_no_edit():
    before = 'function _(_){_(`[DETAIL] ${yH({model:H.model,thinking:H.thinking})}`,{level:"verbose"})}'
    after = before.replace("yH", "qZ").replace("H.", "K.")
    assert [op for op, _ in word_diff(before, after, code=True)] == ["="]
    edited = word_diff(before, after.replace("thinking:K.thinking", "effort:K.effort"), code=True)
    assert [t for op, t in edited if op != "="] == ["${_({model:_.model,thinking:_.thinking})}` ", "${_({model:_.model,effort:_.effort})}` "]


def test_word_diff_of_a_long_document_edited_throughout_keeps_both_texts():
    """Past LARGE_ALIGNMENT the lines are aligned by an LCS (difflib took seconds on such a document): the
    runs still give back both texts exactly, and an edit is still a word run."""
    from auditor.diff import LARGE_ALIGNMENT, word_diff

    lines = [f"Line {i} of the manual: keep answers short.\n" if i % 7 else "\n" for i in range(3000)]
    edited = list(lines)
    for i in range(5, 3000, 400):
        edited[i] = edited[i].replace("short", "brief")
    edited[1200:1200] = ["A new paragraph about tools.\n"]
    del edited[2500:2503]
    assert len(lines) * len(edited) > LARGE_ALIGNMENT
    runs = word_diff("".join(lines), "".join(edited))
    assert "".join(t for op, t in runs if op != "+") == "".join(lines)
    assert "".join(t for op, t in runs if op != "-") == "".join(edited)
    assert ("-", "short") in runs and ("+", "brief") in runs and sum(op == "+" for op, _ in runs) <= 12
