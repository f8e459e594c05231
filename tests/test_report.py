"""Renderers: a markdown report must fit in a GitHub comment however large the range."""

from auditor.diff import Change
from auditor.report import DiffReport
from auditor.report.markdown import COMMENT_LIMIT, render

LONG = "You are an interactive agent that helps users with software engineering tasks. " * 20


def test_markdown_fits_a_comment_and_says_what_it_left_out():
    changes = [  # short values render as before → after, so this stays fast while being large
        Change(kind="limit", key=f"limit{i}", label=f"limit {i}", before=LONG, after=LONG + str(i),
               introduced_in=f"1.0.{i % 40}", changed_in=(f"1.0.{i % 40}",))
        for i in range(400)
    ]
    report = DiffReport("claude-code", "linux-x64", "1.0.0", "1.0.39", [f"1.0.{i}" for i in range(40)], changes)
    md = render(report)
    assert len(md) <= COMMENT_LIMIT < 65_536
    assert "left out to fit a comment; `--format json` has everything." in md


def test_small_markdown_is_whole():
    change = Change(kind="flag", key="tengu_x", label="tengu_x", before="false", after="true", introduced_in="1.0.1", changed_in=("1.0.1",))
    md = render(DiffReport("claude-code", "linux-x64", "1.0.0", "1.0.1", ["1.0.0", "1.0.1"], [change]))
    assert "<details><summary>1.0.1: 1 changes</summary>" in md and "left out" not in md
