"""The reports people read: data printed as written (no rich markup eaten), 80 columns that stay
readable, request code as pretty-printed lines, word diffs marked where colour does not show, and the
changelog summarised instead of pasted."""

from __future__ import annotations

import io
import re

import cmarkgfm
from rich.console import Console

from auditor.diff import Change
from auditor.judge import ChangelogRef, Finding
from auditor.report import DiffReport, changelog_summary, code_diff, marked, wrap_lines
from auditor.report import markdown as markdown_report
from auditor.report import text as text_report

MARKUP = ["Usage: /effort [low|medium|high]", "[bold]loud[/bold] words", "[ghPrStatus] batch query failed", ":smile: face"]
LONG_TITLE = "Output-length instruction '# Text output (does not apply to tool calls)' now unconditional for every model"
CODE_BEFORE = 'function _(_){return{model:_.model,max_tokens:32000,messages:_.messages}}'
CODE_AFTER = 'function _(_){return{model:_.model,max_tokens:64000,thinking:{type:"enabled"},messages:_.messages}}'
ENTRIES = ["Fixed /effort [low|medium|high] picker", "Added a [bold] new thing", "Fixed a crash on exit", "Improved startup"]


def finding(title: str, severity: str = "high", changes: list | None = None, refs=()) -> Finding:
    return Finding(
        id=title[:12], category="output-length", severity=severity, verdict="undocumented", title=title,
        evidence={"changes": changes or [], "note": "no entry names it"}, changelog_refs=refs,
        introduced_in="1.0.1", removed_in=None, confidence=0.8,
    )


def build() -> DiffReport:
    prose = Change(kind="prompt_section", key="tone", label="tone [style]", before="Keep a [bold] short answer.\n",
                   after="Keep the [bold] shortest answers.\n", introduced_in="1.0.1", changed_in=("1.0.1",))
    code = Change(kind="request_code", key="abc123", label="sets max_tokens, thinking", before=CODE_BEFORE, after=CODE_AFTER,
                  introduced_in="1.0.1", changed_in=("1.0.1",))
    observed = {"kind": "request_code", "key": "abc123", "label": "sets max_tokens, thinking", "status": "changed",
                "added": [", thinking : { type : \"enabled\" }"], "removed": []}
    findings = [finding(t, "medium") for t in MARKUP]
    findings += [finding(LONG_TITLE), finding("Thinking handling in request code changed", changes=[observed],
                                              refs=(ChangelogRef("1.0.1", "Added [red]colour[/red] option"),))]
    return DiffReport("claude-code", "linux-x64", "1.0.0", "1.0.2", ["1.0.0", "1.0.1", "1.0.2"], [prose, code],
                      findings=findings, changelog=[("1.0.1", ENTRIES)], changelog_origin="CHANGELOG.md")


def printed(width: int, **console) -> str:
    out = io.StringIO()
    text_report.render(build(), Console(file=out, width=width, **console))
    return out.getvalue()


def test_markup_in_data_is_printed_as_written():
    for width in (80, 160):
        out = printed(width)
        for title in [*MARKUP, "tone [style]", "[bold]"]:
            assert title in out, (width, title)
        assert "Added [red]colour[/red] option" in out


def test_80_columns_fit_and_titles_get_the_room():
    out = printed(80)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80 and not any(line != line.rstrip() for line in lines)
    first = next(line for line in lines if "Output-length instruction" in line)
    assert len(first.strip()) > 60  # a list that wraps, not a column squeezed to a few characters
    joined = " ".join(" ".join(line.split()) for line in lines)
    assert LONG_TITLE in joined


def test_a_wide_console_gets_the_table():
    out = printed(160)
    row = next(line for line in out.splitlines() if "Output-length instruction" in line and line.startswith("│"))
    assert row.startswith("│ undocumented │ high") and len(max(out.splitlines(), key=len)) <= 160


def test_the_report_opens_with_the_undocumented_highs_one_line_each():
    lines = printed(160).splitlines()
    lead = lines.index(next(line for line in lines if line.startswith("Undocumented high findings")))
    assert lead < lines.index(next(line for line in lines if line.startswith("Findings:")))
    assert "Output-length instruction" in lines[lead + 1]


def test_word_diffs_are_marked_where_no_colour_shows():
    pipe = printed(100)  # a file: no terminal, no colour
    assert "Keep [-a-]{+the+} [bold] [-short-]{+shortest+} [-answer-]{+answers+}." in pipe
    no_color = re.sub(r"\x1b\[[0-9;]*m", "", printed(100, force_terminal=True, no_color=True))  # bold and strike stay
    assert "[-a-]{+the+}" in no_color
    colour = printed(100, force_terminal=True, color_system="truecolor")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", colour)
    assert "[-a-]" not in plain and "{+the+}" not in plain and "Keep athe [bold]" in plain and "\x1b[" in colour


def test_a_long_text_in_a_structure_shows_its_changed_words():
    """A captured tool's description edited mid-way: `path: old… → old…` would print the same prefix twice."""
    from auditor.report import structure_lines

    head = "Invoke a skill. A skill is a packaged set of instructions the user or project has set up for a task. "
    before = {"description": head + "Users may also ask for one by name.", "name": "Skill"}
    after = {"description": head + "A background skill returns only the agent's name. Users may also ask for one by name.", "name": "Skill"}
    (line,) = structure_lines(Change("tool_schema", "turn 0: Skill", "Skill", before, after, "1.0.2", changed_in=("1.0.2",)))
    assert line.startswith("['description']: …") and "{+A background skill returns only the agent's name.+}" in line
    assert "→" not in line
    short_value = {"name": "Skill", "strict": "no"}
    (short,) = structure_lines(Change("tool_schema", "turn 0: Skill", "Skill", short_value, {**short_value, "strict": "yes"}, "1.0.2", changed_in=("1.0.2",)))
    assert short == "['strict']: no → yes"


def test_request_code_is_shown_as_changed_lines_of_code():
    out = printed(100)
    assert "-     max_tokens: 32000," in out and "+     max_tokens: 64000," in out and '+     thinking: {' in out
    assert "_ ( _ )" not in out and ", thinking : {" not in out  # no token soup, in the change or the finding
    lines = code_diff(build().changes[1])
    assert ("-", "    max_tokens: 32000,") in lines and ("+", '      type: "enabled"') in lines


def test_changelog_is_summarised_not_pasted():
    report = build()
    summary = changelog_summary(report)
    assert summary is not None and summary.headline() == "4 entries (2 fixes) in 1 of 2 releases; no section: 1.0.2"
    out = printed(100)
    assert "Changelog 1.0.1…1.0.2: 4 entries (2 fixes) in 1 of 2 releases; no section: 1.0.2" in out
    assert "1.0.1: 4 (2 fixes)" in out and "https://github.com/anthropics/claude-code/blob/HEAD/CHANGELOG.md" in out
    assert "Fixed a crash on exit" not in out and "Improved startup" not in out


def test_markdown_marks_diffs_escapes_data_and_shows_code_as_a_diff_block():
    md = markdown_report.render(build())
    assert "Keep ~~a~~ **the** \\[bold\\] ~~short~~ **shortest** ~~answer~~ **answers**." in md
    assert "Usage: /effort \\[low\\|medium\\|high\\]" in md
    assert "```diff" in md and "-     max_tokens: 32000," in md and "+     max_tokens: 64000," in md
    assert "**Changelog** 1.0.1…1.0.2: 4 entries (2 fixes) in 1 of 2 releases; no section: 1.0.2" in md
    assert "Fixed a crash on exit" not in md and "Changelog: 4 entries (2 fixes) · [read it](" in md


def test_markdown_makes_no_link_of_a_bare_url_and_shows_bidi_controls():
    hostile = "go to https://evil.example/x or www.evil.example \u202eexe.txt\u202c"
    prose = Change(kind="prompt_section", key="tone", label=hostile, before="Keep it short.\n", after=f"Keep it short. {hostile}\n",
                   introduced_in="1.0.1", changed_in=("1.0.1",))
    value = Change(kind="env", key="X", label="X", before=hostile, after=hostile + " 2", introduced_in="1.0.1", changed_in=("1.0.1",))
    report = DiffReport("claude-code", "linux-x64", "1.0.0", "1.0.1", ["1.0.0", "1.0.1"], [prose, value],
                        findings=[finding(hostile)], changelog=[("1.0.1", [hostile])], changelog_origin="CHANGELOG.md")
    md = markdown_report.render(report)
    html = cmarkgfm.markdown_to_html_with_extensions(md, extensions=["autolink", "table", "strikethrough", "tagfilter"])
    assert "evil" not in " ".join(re.findall(r'<a href="([^"]*)"', html)) and 'href="https://github.com/anthropics/' in html
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", md) and md.count("U+202E") >= 4  # title, label, diff run, inline code


def test_marks_keep_spaces_outside_and_wrapping_keeps_indents():
    assert marked("-", " old words ") == " [-old words-] " and marked("+", "x") == "{+x+}" and marked("=", "same") == "same"
    wrapped = wrap_lines(["  from 2.1.5 on: " + "word " * 30, "short"], 40)
    assert all(len(line) <= 40 for line in wrapped) and wrapped[1].startswith("    word") and wrapped[-1] == "short"


def test_the_summary_counts_an_edit_reverted_apart_from_a_fact_that_came_and_went():
    """A fact there at both ends of the range, edited and edited back, changed and changed back: the table
    of counts, the TUI tree's counts and its leaves must not tell it as a fact that came and went."""
    reverted = Change("prompt_section", "# Tone", "# Tone", "Be brief.", "Be brief.", "1.0.1", "1.0.2", ("1.0.1", "1.0.2"))
    came = Change("prompt_section", "# Tips", "# Tips", None, "Use tips.", "1.0.1", "1.0.2", ("1.0.1", "1.0.2"))
    report = DiffReport("claude-code", "linux-x64", "1.0.0", "1.0.2", ["1.0.0", "1.0.1", "1.0.2"], [reverted, came, reverted])
    assert {w: n for w, n in report.counts(words=True)["prompt_section"].items() if n} == {"changed and changed back": 2, "came and went": 1}
    out = io.StringIO()
    Console(file=out, width=160).print(text_report.summary_table(report))
    header, row = (line for line in out.getvalue().splitlines() if line.startswith("┃") or line.startswith("│"))
    assert [c.strip() for c in header.split("┃")[2:-1]] == ["changed and changed back", "came and went"]
    assert [c.strip() for c in row.split("│")[2:-1]] == ["2", "1"]
    assert report.counts()["prompt_section"]["transient"] == 3  # the JSON summary keeps the statuses
    from auditor.tui.widgets.change_tree import leaf_label

    assert str(leaf_label(report, reverted)).startswith("changed and changed back # Tone")
    assert str(leaf_label(report, came)).startswith("came and went # Tips")
