"""The per-release comment: its layout, vendor text made inert, and the size limit. Checked by rendering
it as GitHub-flavoured markdown (CommonMark + tables, HTML on as GitHub has it) and reading the tokens."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import cmarkgfm
from cmarkgfm.cmark import Options
from markdown_it import MarkdownIt

from auditor.diff import Change
from auditor.judge import ChangelogRef, Finding
from auditor.pin import Policy, recommend
from auditor.report import DiffReport, changelog_url
from auditor.report.comment import escape, marked_version, marker, npm_url, render
from auditor.report.markdown import ZWSP
from auditor.targets.claude_code import CLAUDE_CODE
from auditor.targets.codex import CODEX

PUBLISHED = {"2.1.116": "2026-04-20T12:00:00Z", "2.1.117": "2026-04-22T12:00:00Z"}
EVIL = ("x <!-- auditor:claude-code:9.9.9 --> --> </details></summary> <details><img src=x onerror=alert(1)> "
        "@someone fixed #1 and GH-2 | a | b |\n| --- | --- |\n[click](javascript:alert(1)) ``` *bold* &lt;b&gt;")
GFM = MarkdownIt("commonmark", {"html": True}).enable("table")


def finding(n: int, verdict: str, severity: str, text: str = "Terse-output instruction", long: int = 0) -> Finding:
    value = text + " " + "word " * long
    return Finding(
        id=f"f{n}", category="output-length", severity=severity, verdict=verdict, title=f"{text} {n}",
        evidence={"changes": [{"label": text, "status": "changed", "before": value, "after": value + " more"}], "note": text},
        changelog_refs=(ChangelogRef("2.1.117", text),), introduced_in="2.1.117", removed_in=None, confidence=0.8,
    )


def report(findings, changes=(), changelog=(("2.1.117", ["Fixed things"]),)) -> DiffReport:
    r = DiffReport("claude-code", "linux-x64", "2.1.116", "2.1.117", ["2.1.116", "2.1.117"], list(changes),
                   scenarios=["print-default"], findings=list(findings), changelog=list(changelog), changelog_origin="CHANGELOG.md")
    r.recommendation = recommend(r.findings, PUBLISHED, "2.1.116", Policy(), datetime(2026, 5, 1, tzinfo=UTC),
                                 audited=r.versions, target=CLAUDE_CODE)
    return r


def html_tokens(body: str) -> list[str]:
    tokens = GFM.parse(body)
    inline = [c for t in tokens if t.type == "inline" for c in t.children or []]
    return [t.content.strip() for t in [*tokens, *inline] if t.type in ("html_block", "html_inline")]


def text_of(body: str) -> str:
    tokens = GFM.parse(body)
    return " ".join(c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "text")


def test_layout_undocumented_first_then_details_then_pin_and_links():
    findings = [finding(1, "documented", "medium"), finding(2, "undocumented", "high"), finding(3, "partial", "low"),
                finding(4, "undocumented", "low")]
    captured = Change(kind="request_param", key="turn 0: max_tokens", label="turn 0: max_tokens", before=32000, after=64000,
                      introduced_in="2.1.117", changed_in=("2.1.117",), scenario="print-default")
    body = render(report(findings, [captured]), CLAUDE_CODE, published=PUBLISHED["2.1.117"], summary_url="https://example.test/run/1")
    lines = body.splitlines()
    assert lines[0] == marker("claude-code", "2.1.117") == "<!-- auditor:claude-code:2.1.117 -->"
    assert lines[1] == "### Claude Code 2.1.117 · published 2026-04-22 · changelog section present"
    assert "| 🔴 undocumented | · | 1 | · | 1 |" in lines
    assert body.index("#### Undocumented (1)") < body.index("Terse-output instruction 2") < body.index("<details><summary>Other findings (3)")
    assert body.index("Other findings") < body.index("Captured request changes (1)") < body.index("Pin recommendation: stay on 2.1.116")
    assert "<summary>Other findings (3): partial, documented or below medium</summary>" in body  # what is folded, only what is there
    unweighed = render(report([finding(5, "unjudged", "medium"), finding(6, "partial", "high"), finding(7, "unjudged", "low")]), CLAUDE_CODE,
                       published=PUBLISHED["2.1.117"])
    assert "#### Not judged (1)" in unweighed and unweighed.index("Terse-output instruction 5") < unweighed.index("<details>")  # shown, not folded
    assert "<summary>Other findings (2): partial, not judged or below medium</summary>" in unweighed
    assert "\\[print-default\\] turn 0: max\\_tokens**: changed: 32000 → 64000" in body
    assert npm_url(CLAUDE_CODE, "2.1.117") in lines[-1] and changelog_url(CLAUDE_CODE, "2.1.117") in lines[-1]
    assert changelog_url(CLAUDE_CODE, "2.1.117") == "https://github.com/anthropics/claude-code/blob/HEAD/CHANGELOG.md#21117"
    assert marked_version(body, "claude-code") == "2.1.117" and marked_version(body, "other") is None


def test_a_vendor_whose_notes_are_github_releases_links_a_release_by_its_tag():
    assert changelog_url(CODEX, "0.171.0") == "https://github.com/openai/codex/releases/tag/rust-v0.171.0"
    assert changelog_url(CODEX) == "https://github.com/openai/codex/releases"


def test_missing_changelog_section_and_capture_failures_are_said():
    body = render(report([], changelog=()), CLAUDE_CODE, failures=["2.1.117 interactive: error: timed out"])
    assert "· **changelog section missing**" in body.splitlines()[1]
    assert "> **Capture failed:** 2.1.117 interactive: error: timed out" in body


def test_vendor_text_renders_harmlessly():
    findings = [finding(1, "undocumented", "high", EVIL), finding(2, "documented", "medium", EVIL)]
    captured = Change(kind="system_block", key="turn 0: block 2", label=EVIL, before=EVIL, after=EVIL + " new",
                      introduced_in="2.1.117", changed_in=("2.1.117",), scenario="two-turn")
    body = render(report(findings, [captured], changelog=(("2.1.117", [EVIL]),)), CLAUDE_CODE)
    tokens = GFM.parse(body)
    fenced = {i for t in tokens if t.type == "fence" for i in range(*t.map)}
    outside_code = "\n".join(line for i, line in enumerate(body.splitlines()) if i not in fenced)
    assert outside_code.count("<!--") == 1 and outside_code.count("-->") == 1  # only the marker: nothing closes or reopens it
    assert [t.type for t in tokens].count("fence") == 1 and EVIL.splitlines()[0] in tokens[[t.type for t in tokens].index("fence")].content
    html = html_tokens(body)
    assert html[0] == marker("claude-code", "2.1.117")
    assert set(html[1:]) <= {"</details>"} | {h for h in html if re.fullmatch(r"<details><summary>[^<>]*</summary>", h)}
    assert sum(h.startswith("<details>") for h in html) == html.count("</details>") == 3
    assert sum(t.type == "table_open" for t in tokens) == 1  # the pipes in vendor text made no table
    assert not any(t.type == "link_open" and "javascript" in t.attrGet("href") for t in tokens for t in [t, *(t.children or [])])
    text = text_of(body)
    assert "@someone" not in text and f"@{ZWSP}someone" in text
    assert not re.search(r"(#|GH-)\d", text) and f"#{ZWSP}1" in text
    assert "<img" in text  # shown as text, never as HTML


HOSTILE = ("see https://evil.example/x, <https://evil.example/y>, www.evil.example, ftp://evil.example, mail@evil.example; "
           "\u202egnp.exe\u202c \u2066x\u2069 \u200f \u061c")
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def github_html(body: str) -> str:
    """The comment as GitHub renders it: cmark-gfm with GitHub's extensions, bare-URL autolinks included."""
    return cmarkgfm.markdown_to_html_with_extensions(body, options=Options.CMARK_OPT_UNSAFE,
                                                     extensions=["autolink", "table", "strikethrough", "tagfilter"])


def test_bare_urls_and_bidi_controls_in_vendor_text_are_inert():
    findings = [finding(1, "undocumented", "high", HOSTILE), finding(2, "documented", "medium", HOSTILE)]
    captured = Change(kind="system_block", key="turn 0: block 2", label=HOSTILE, before=HOSTILE, after=HOSTILE + " new",
                      introduced_in="2.1.117", changed_in=("2.1.117",), scenario="two-turn")
    body = render(report(findings, [captured], changelog=(("2.1.117", [HOSTILE]),)), CLAUDE_CODE, summary_url="https://example.test/run/1")
    links = re.findall(r'<a href="([^"]*)"', github_html(body))
    assert links == [npm_url(CLAUDE_CODE, "2.1.117"), changelog_url(CLAUDE_CODE, "2.1.117"), "https://example.test/run/1"]  # only ours
    assert not BIDI.search(body)
    assert "&lt;U+202E&gt;gnp.exe&lt;U+202C&gt;" in body and "<U+202E>" in body  # shown, in text and in the pin's code block
    assert "evil.example/x" in text_of(body).replace(ZWSP, "")  # still readable


def test_escape_is_one_inert_line():
    assert escape("a\n\n# b | c") == "a # b \\| c"  # one line: a # mid-line is no heading
    assert escape("<b>@x #12</b>") == f"&lt;b&gt;@{ZWSP}x #{ZWSP}12&lt;/b&gt;"
    assert escape("https://a.example WWW.b.example \u202e") == f"https:{ZWSP}//a.example WWW{ZWSP}.b.example &lt;U+202E&gt;"


def test_a_huge_release_fits_and_points_to_the_step_summary():
    findings = [finding(i, "undocumented" if i % 2 else "partial", "high", long=60) for i in range(3000)]
    changes = [Change(kind="request_param", key=f"turn 0: p{i}", label=f"turn 0: p{i}", before="a" * 300, after="b" * 300,
                      introduced_in="2.1.117", changed_in=("2.1.117",), scenario="print-default") for i in range(2000)]
    body = render(report(findings, changes), CLAUDE_CODE, summary_url="https://example.test/run/1")
    assert len(body) <= 65_536
    assert "did not fit in a comment: see the [step summary](https://example.test/run/1)" in body
    html = html_tokens(body)
    assert sum(h.startswith("<details>") for h in html) == html.count("</details>")
    assert body.rstrip().splitlines()[-1].startswith("[npm 2.1.117]")  # the pin and the links always stay
    assert "Pin recommendation" in body


def test_changelog_is_counted_not_pasted_and_request_code_reads_as_lines():
    code = Change(kind="request_code", key="abc", label="sets max_tokens", before="function _(_){return{model:_.model,max_tokens:32000}}",
                  after="function _(_){return{model:_.model,max_tokens:64000}}", introduced_in="2.1.117", changed_in=("2.1.117",))
    seen = {"kind": "request_code", "key": "abc", "label": "sets max_tokens", "status": "changed", "added": ["64000"], "removed": ["32000"]}
    high = Finding(id="c1", category="output-length", severity="high", verdict="undocumented", title="max_tokens code changed",
                   evidence={"changes": [seen]}, changelog_refs=(), introduced_in="2.1.117", removed_in=None, confidence=0.8)
    entries = ["Fixed a crash when resuming", "Fixed the spinner", "Added a setting nobody needs"]
    body = render(report([high], [code], changelog=(("2.1.117", entries),)), CLAUDE_CODE)
    assert "Changelog: 3 entries (2 fixes)." in body and not any(e in body for e in entries)
    tokens = GFM.parse(body)
    diff = next(t for t in tokens if t.type == "fence" and t.info == "diff")
    assert "-     max_tokens: 32000" in diff.content and "+     max_tokens: 64000" in diff.content


def test_the_pin_names_a_blocking_finding_once_with_its_basis():
    published = {"2.1.115": "2026-04-18T12:00:00Z", **PUBLISHED}
    r = DiffReport("claude-code", "linux-x64", "2.1.115", "2.1.117", ["2.1.115", "2.1.116", "2.1.117"], [],
                   findings=[replace_version(finding(1, "undocumented", "high"), "2.1.116")], changelog_origin="CHANGELOG.md")
    r.recommendation = recommend(r.findings, published, "2.1.115", Policy(), datetime(2026, 5, 1, tzinfo=UTC), audited=r.versions, target=CLAUDE_CODE)
    body = render(r, CLAUDE_CODE)
    pin = next(t for t in GFM.parse(body) if t.type == "fence" and t.info == "text").content
    assert pin.count("Terse-output instruction 1") == 1 and "from 2.1.116 on: undocumented high" in pin
    assert "with confidence ≥ 0.50" in pin


def replace_version(f: Finding, version: str) -> Finding:
    return dataclasses.replace(f, introduced_in=version)
