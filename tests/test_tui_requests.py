"""The requests view: what each capture scenario sent, per release and A → B (pure fields, then Pilot)."""

from __future__ import annotations

import pytest
from test_tui import SIZE, loaded, tui  # noqa: F401  (the fixture store and app factory)

from auditor.capture import load_scenarios
from auditor.capture.facts import scenario_facts, stamp
from auditor.collector import CAPTURE
from auditor.tui.requests import Field, request_fields, requests
from auditor.tui.screens.diff import DiffScreen
from auditor.tui.screens.requests import RequestsScreen, field_changes
from auditor.tui.widgets.request_tree import FieldRef, RequestTree

from builders import capture_result

OLD = capture_result(max_tokens=32000, betas=("claude-code-20250219", "old-beta-1"), tools=("Bash", "Glob", "Read"))
NEW = capture_result(max_tokens=64000, effort="high", betas=("claude-code-20250219", "new-beta-2"), tools=("Bash", "Read"),
                     system=("You are Claude Code.", "# Tone\nBe brief, and kind."))


def facts(result: dict) -> dict:
    return scenario_facts(result, "2.1.1")


def test_fields_read_effort_betas_tools_and_blocks():
    fields = request_fields(facts(NEW))["turn 0"]
    assert list(fields) == ["model", "max_tokens", "thinking", "effort", "betas", "tools", "system blocks"]  # the order people read
    assert fields["effort"] == "high" and fields["max_tokens"] == "64000" and fields["thinking"] == '{"type": "adaptive"}'
    assert fields["betas"] == ("claude-code-20250219", "new-beta-2") and fields["tools"] == ("Bash", "Read")
    assert fields["system blocks"][1].startswith("block 1 · 26 chars · # Tone")


def test_before_after_marks_what_changed_field_by_field():
    (turn,) = requests(facts(NEW), facts(OLD))
    by = {f.name: f for f in turn.fields}
    assert turn.status == "changed" and not by["model"].changed and not by["thinking"].changed
    assert (by["max_tokens"].before, by["max_tokens"].after) == ("32000", "64000") and by["max_tokens"].changed
    assert (by["effort"].before, by["effort"].after) == (None, "high")
    assert by["betas"].items() == [(" ", "claude-code-20250219"), ("+", "new-beta-2"), ("-", "old-beta-1")]
    assert by["tools"].items() == [(" ", "Bash"), (" ", "Read"), ("-", "Glob")]
    marks = [m for m, _ in by["system blocks"].items()]
    assert marks == [" ", "~"] and "(was: 16 chars)" in by["system blocks"].items()[1][1]
    (alone,) = requests(facts(NEW))
    assert alone.status == "same" and not any(f.changed for f in alone.fields)
    assert Field("tools", None, ("A",), False).items() == [(" ", "A")]


def save(collector, version: str, scenario: str, result: dict) -> None:
    collector.store.save_snapshot(target=collector.target.name, version=version, platform=collector.platform_for(version),
                                  source=CAPTURE + scenario, origin="test", extractor=stamp(*load_scenarios(names=[scenario])), published_at=None,
                                  facts=scenario_facts(result, version))


@pytest.fixture
def captured(tui):  # noqa: F811
    with tui.open_collector() as collector:
        save(collector, "2.1.1", "print-default", OLD)
        save(collector, "2.1.2", "print-default", NEW)
        save(collector, "2.1.2", "interactive", NEW)
    return tui


async def tree_of(pilot) -> RequestTree:
    for _ in range(100):
        await pilot.pause(0.05)
        if pilot.app.screen.query(RequestTree):
            return pilot.app.screen.query_one(RequestTree)
    raise AssertionError("the requests never showed")


def labels(node, depth: int = 0) -> list[str]:
    out = [("  " * depth) + str(node.label)]
    if node.is_expanded:
        for child in node.children:
            out += labels(child, depth + 1)
    return out


@pytest.mark.anyio
async def test_r_on_the_timeline_shows_what_the_highlighted_release_sent(captured):
    with captured() as app:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("down")  # 2.1.113 → 2.1.2
            await pilot.press("r")
            assert isinstance(app.screen, RequestsScreen) and app.screen.b == "2.1.2" and app.screen.a is None
            tree = await tree_of(pilot)
            shown = "\n".join(labels(tree.root))
            assert "interactive" in shown and "print-default" in shown
            assert "max_tokens         64000" in shown and "effort             high" in shown
            await pilot.press("escape")
            await pilot.press("up", "r")  # 2.1.113 has no captures: says how to get them
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "No captures of 2.1.113" in str(app.screen.query_one("#requests").render())


@pytest.mark.anyio
async def test_r_on_a_compare_shows_before_after_and_enter_opens_a_block_diff(captured):
    with captured(compare=("2.1.1", "2.1.2")) as app:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("r")
            tree = await tree_of(pilot)
            shown = "\n".join(labels(tree.root))
            assert "max_tokens         32000 → 64000" in shown and "effort             — → high" in shown
            assert "- old-beta-1" in shown and "+ new-beta-2" in shown and "- Glob" in shown
            assert "not captured in 2.1.1" in shown  # interactive was captured in 2.1.2 only
            block = next(n for n in _walk(tree.root) if str(n.label).startswith("~ block 1"))
            tree.move_cursor(block)
            await pilot.press("enter")
            assert isinstance(app.screen, DiffScreen)
            (change,) = app.screen.changes
            assert (change.before, change.after) == ("# Tone\nBe brief.", "# Tone\nBe brief, and kind.") and change.scenario == "print-default"
            title = str(app.screen.query_one("#diff-title").render())
            assert "[print-default] turn 0: block 1" in title and "in 2.1.2" in title  # the scenario is text, not markup


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def test_a_fields_diff_is_made_of_the_stored_values_that_differ():
    before, after = {"s": facts(OLD)}, {"s": facts(NEW)}
    fields = {f.name: f for f in requests(facts(NEW), facts(OLD))[0].fields}
    tools = field_changes(FieldRef("s", "turn 0", fields["tools"]), before, after, "2.1.2")
    assert [(c.key, c.status) for c in tools] == [("turn 0: Glob", "removed")]
    (effort,) = field_changes(FieldRef("s", "turn 0", fields["effort"]), before, after, "2.1.2")
    assert (effort.key, effort.before, effort.after) == ("turn 0: output_config", None, {"effort": "high"})
    (betas,) = field_changes(FieldRef("s", "turn 0", fields["betas"]), before, after, "2.1.2")
    assert betas.kind == "header" and "new-beta-2" in betas.after
    assert field_changes(FieldRef("s", "turn 0", fields["model"]), before, after, "2.1.2") == []
