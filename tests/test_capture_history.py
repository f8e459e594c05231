"""history.py: what a request drops or alters of the previous request's messages (pure functions)."""

from __future__ import annotations

from auditor.capture import history
from auditor.capture.history import compare, digest, integrity, thread_key


def user(*blocks):
    return {"role": "user", "content": list(blocks)}


def assistant(*blocks):
    return {"role": "assistant", "content": list(blocks)}


def text(value, **extra):
    return {"type": "text", "text": value, **extra}


def thinking(value):
    return {"type": "thinking", "thinking": value, "signature": "sig"}


def call(ref):
    return {"type": "tool_use", "id": ref, "name": "Read", "input": {"file_path": "/p/a"}}


def result(ref, content):
    return {"type": "tool_result", "tool_use_id": ref, "content": content}


BIG = "line of a file\n" * 200
TURN = [user(text("Read a.")), assistant(thinking("I will read a."), call("t1")), user(result("t1", BIG))]


def kinds(before, after):
    return [(e.kind, e.index) for e in compare(digest(before), digest(after))]


def test_a_history_that_only_grows_has_no_events():
    grown = [*TURN, assistant(thinking("Done reading."), text("It is a file.")), user(text("Thanks."))]
    assert kinds(TURN, grown) == []


def test_moved_cache_markers_and_blocks_appended_to_the_last_message_are_not_changes():
    marked = [*TURN[:2], user({**result("t1", BIG), "cache_control": {"type": "ephemeral"}})]
    merged = [*TURN[:2], user(result("t1", BIG), text("And now b."))]
    assert kinds(marked, TURN) == [] and kinds(TURN, merged) == []


def test_thinking_stripped_with_its_size():
    stripped = [TURN[0], assistant(call("t1")), TURN[2]]
    [event] = compare(digest(TURN), digest(stripped))
    assert (event.kind, event.index, event.role, event.before, event.after) == (history.STRIPPED, 1, "assistant", 14, 0)
    assert str(event) == "thinking stripped: message 1 (assistant), 14 → 0 chars"


def test_tool_result_cleared_quotes_the_placeholder_and_truncated_keeps_the_head():
    cleared = [*TURN[:2], user(result("t1", "[Old tool result content cleared]"))]
    [event] = compare(digest(TURN), digest(cleared))
    assert event.kind == history.CLEARED and (event.before, event.after) == (len(BIG), 33)
    assert event.marker == "[Old tool result content cleared]"
    truncated = [*TURN[:2], user(result("t1", BIG[:500] + "… [truncated]"))]
    [event] = compare(digest(TURN), digest(truncated))
    assert event.kind == history.TRUNCATED and event.after == 513 and event.marker == ""


def test_markers_can_be_refused():
    cleared = [*TURN[:2], user(result("t1", "[cleared]"))]
    [event] = compare(digest(TURN), digest(cleared, markers=False))
    assert event.kind == history.CLEARED and event.marker == ""


def test_dropped_messages_and_a_compaction():
    long = [*TURN, assistant(text("ok")), user(text("more")), assistant(text("ok2")), user(text("again"))]
    one_dropped = [*long[:3], *long[5:]]
    assert kinds(long, one_dropped) == [(history.DROPPED, 3), (history.DROPPED, 4)]
    compacted = [user(text("This session is being continued from a previous conversation.")), user(text("again"))]
    [event] = compare(digest(long), digest(compacted))
    assert (event.kind, event.before, event.after) == (history.COMPACTED, 7, 2)


def test_rewritten_text_and_system_reminders():
    before = [user(text("<system-reminder>\nctx\n</system-reminder>"), text("Read a.")), assistant(text("ok")), user(text("next"))]
    after = [user(text("Read a.")), assistant(text("ok, fine")), user(text("next"))]
    assert kinds(before, after) == [(history.REMINDER_DROPPED, 0), (history.TEXT_CHANGED, 1)]


def test_integrity_follows_each_thread_separately():
    body = {"tools": [{"name": "Read"}], "messages": []}
    main, agent = thread_key(body, {"x-claude-code-session-id": "s"}), thread_key(body, {"x-claude-code-session-id": "s", "x-claude-code-agent-id": "a"})
    assert main != agent and thread_key({"messages": []}, {}) is None
    stripped = [TURN[0], assistant(call("t1")), TURN[2]]
    events = integrity([(main, TURN), (agent, [user(text("sub"))]), (None, []), (main, stripped)])
    assert [[e.kind for e in es] for es in events] == [[], [], [], [history.STRIPPED]]


def test_old_releases_name_the_session_in_metadata():
    body = {"tools": [{"name": "Read"}], "metadata": {"user_id": "user_abc_account__session_1234"}}
    assert thread_key(body, {}).startswith("1234|")
    assert thread_key({**body, "metadata": {"user_id": '{"session_id": "5678"}'}}, {}).startswith("5678|")


def test_resent_summarises_sizes():
    assert history.resent(TURN) == f"3 messages; thinking 1 (14 chars); tool results 1 ({len(BIG)} chars)"


def test_shipped_rules_judge_history_changes():
    from auditor import rules
    from auditor.diff import Change

    matcher = rules.Matcher(rules.load())

    def ids(events):
        change = Change(kind="history", key="turn 2: history changes", label="turn 2: history changes", before=None, after=events,
                        introduced_in="2.0.0", scenario="resume-stale")
        return {r.id for r in matcher.matching(rules.observe(change))}

    assert "history-thinking-stripped" in ids(["thinking stripped: message 1 (assistant), 14 → 0 chars"])
    assert "history-trimmed" in ids(['tool result cleared: message 2 (user), 68 → 33 chars'])
    assert not {"history-trimmed", "history-thinking-stripped"} & ids(["system reminder dropped: message 1 (user), 504 → 0 chars"])
