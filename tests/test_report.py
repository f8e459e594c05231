"""Renderers: a markdown report must fit in a GitHub comment however large the range; the JSON writes each
long text once and is written as it goes."""

import hashlib
import io
import json

from auditor.diff import Change
from auditor.report import DiffReport, hunks
from auditor.report import json as json_report
from auditor.report.markdown import COMMENT_LIMIT, render

from builders import read_report

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


# -- JSON ------------------------------------------------------------------------------------------------

def _json_report(changes: list[Change]) -> tuple[str, dict]:
    out = io.StringIO()
    json_report.write(DiffReport("claude-code", "linux-x64", "1.0.0", "1.0.3", ["1.0.0", "1.0.1", "1.0.2", "1.0.3"], changes), out)
    return out.getvalue(), read_report(out.getvalue())


def test_json_writes_each_long_text_once_and_every_reference_resolves():
    old, new, hostile = LONG, LONG + " Be brief.", '"}], "texts": {"x": "</script>\\u0000' + "é✓" * 40
    schema = {"description": LONG, "input_schema": {"type": "object"}}
    changes = [
        Change(kind="prompt_section", key="tone", label="tone", before=old, after=new, introduced_in="1.0.1",
               changed_in=("1.0.1", "1.0.2", "1.0.3"), history=(("1.0.1", hostile), ("1.0.2", old), ("1.0.3", new))),
        Change(kind="string", key="ab12", label="a string", before=None, after=new, introduced_in="1.0.2", changed_in=("1.0.2",)),
        Change(kind="flag", key="tengu_x", label="tengu_x", before="false", after="true", introduced_in="1.0.1", changed_in=("1.0.1",)),
        Change(kind="tool_schema", key="turn 0: Bash", label="Bash", before=None, after=schema, introduced_in="1.0.1", changed_in=("1.0.1",)),
    ]
    text, doc = _json_report(changes)
    assert doc["schema_version"] == 2
    assert [(c["before"], c["after"], [s["value"] for s in c["history"]]) for c in doc["changes"]] == [
        (c.before, c.after, [v for _, v in c.history]) for c in changes
    ]
    raw = json.loads(text)
    assert sorted(raw["texts"].values()) == sorted([old, new, hostile])  # each once, however often used
    assert raw["texts"] == {hashlib.sha256(t.encode()).hexdigest(): t for t in raw["texts"].values()}
    assert text.count("Be brief.") == 1
    tone, string, flag, tool = raw["changes"]
    assert set(tone) >= {"before_text", "after_text"} and not {"before", "after"} & set(tone)
    assert string["before"] is None and string["after_text"] == tone["after_text"]  # shared across changes
    assert (flag["before"], flag["after"]) == ("false", "true")  # short values in place
    assert tool["after"] == schema  # values other than strings in place
    assert list(raw).index("texts") < list(raw).index("changes")  # a streaming reader has them first


def test_json_is_written_as_it_goes():
    sizes: list[int] = []

    class Recorder(io.StringIO):
        def write(self, s: str) -> int:
            sizes.append(len(s))
            return super().write(s)

    changes = [Change(kind="string", key=f"k{i}", label=f"s{i}", before=f"{LONG} {i}", after=f"{LONG} {i + 1}",
                      introduced_in="1.0.1", changed_in=("1.0.1",)) for i in range(300)]
    out = Recorder()
    json_report.write(DiffReport("claude-code", "linux-x64", "1.0.0", "1.0.1", ["1.0.0", "1.0.1"], changes), out)
    assert len(sizes) > 2 * len(changes) and max(sizes) < len(LONG) + 200 < sum(sizes) / 100
    read_report(out.getvalue())


def test_json_of_a_lone_surrogate_is_valid_utf8():
    lone = "emoji cut in half: \ud83d" + "x" * 80  # a JavaScript string can hold half a pair
    change = Change(kind="string", key="k", label="s", before="\udfff", after=lone, introduced_in="1.0.1", changed_in=("1.0.1",))
    text, doc = _json_report([change])
    text.encode("utf-8")  # strict: no surrogate left in the output
    assert (doc["changes"][0]["before"], doc["changes"][0]["after"]) == ("\udfff", lone)
    assert doc["texts"] == {hashlib.sha256(lone.encode("utf-8", "surrogatepass")).hexdigest(): lone}


def test_json_writes_an_edited_document_as_the_lines_it_changes():
    lines = [f"{i}. Use the tool named in step {i} when the user asks for it, and say so.\r" for i in range(200)]
    steps = ["\n".join(lines)]
    for n in range(1, 6):  # five releases, each editing two lines and adding one
        lines = [*lines[:n], f"new line {n}", *lines[n + 1 : 150], f"{lines[150]} (edited {n})", *lines[151:]]
        steps.append("\n".join(lines) + "\n" * (n % 2))
    doc_change = Change(kind="document", key="guide.md", label="guide.md", before=steps[0], after=steps[-1], introduced_in="1.0.1",
                        changed_in=tuple(f"1.0.{n}" for n in range(1, 6)), history=tuple((f"1.0.{n}", steps[n]) for n in range(1, 6)))
    text, doc = _json_report([doc_change])
    assert [s["value"] for s in doc["changes"][0]["history"]] == steps[1:] and doc["changes"][0]["before"] == steps[0]
    written = list(json.loads(text)["texts"].values())
    assert written[0] == steps[0] and all(set(entry) == {"base", "lines"} for entry in written[1:])
    assert len(text) < 1.5 * len(steps[0])  # six versions of the document, hardly bigger than one


def test_a_long_text_diff_shows_its_first_edits_each_cut_and_says_how_many_it_left_out():
    """A skill's prompt gains whole documents between releases (claude-api's grew by 80 KB): a report
    shows its first edits, each cut short, and counts the rest, instead of thousands of lines."""
    words = [f"word{i}" for i in range(200)]
    edited = [w.upper() if i % 5 == 0 else w for i, w in enumerate(words)]  # 40 words replaced: 80 edits
    change = Change("prompt_section", "# Guide", "# Guide", " ".join(words), " ".join(edited), "1.0.1", None, ("1.0.1",))
    runs = hunks(change, edits=30)
    assert sum(op in "+-" for op, _ in runs) == 30 and runs[-1] == ("…", "50 more edits")
    assert sum(op in "+-" for op, _ in hunks(change, edits=100)) == 80
    doc = "\n".join(f"Line {i} of the guide." for i in range(300))
    grown = Change("prompt_section", "# Guide", "# Guide", doc, doc + "\n" + "More: " + "y" * 2000, "1.0.1", None, ("1.0.1",))
    (added,) = [text for op, text in hunks(grown, edit_chars=1200) if op == "+"]
    assert len(added) < 1300 and added.endswith("more characters)")
