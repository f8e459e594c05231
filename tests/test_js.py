"""The lexer must find every literal exactly and never mistake code for text, or text for code."""

from auditor import js


def texts(source: str) -> list[str]:
    return [lit.text for lit in js.scan(source).literals()]


def test_strings_templates_regexes_and_comments():
    src = r"""a="x\"y";b='it\'s';c=`t ${d+"in"} ${`nest ${e}`} end`;f=/["'`]/g;g=h/2/i;// "not"
    /* 'nope' */ return/"re"/.test(x)"""
    assert texts(src) == ['x"y', "it's", "t ${…} ${…} end", "in", "nest ${…}"]


def test_braces_inside_template_expressions_are_code():
    src = "x=`a ${ {k:1}.k } b`;y='after'"
    assert texts(src) == ["a ${…} b", "after"]


def test_escapes_are_cooked_so_both_spellings_compare_equal():
    assert texts(r'a="\u2264 \u{1F600} \x41\n"') == texts(r'a="≤ 😀 A\n"') == ["≤ 😀 A\n"]
    assert texts(r'a="\ud83d\ude00"') == ["😀"]


def test_match_bracket_skips_brackets_in_literals():
    src = 'function f(){return"}"+`{`+/}/.source}g()'
    scan = js.scan(src)
    start = src.index("{")
    assert src[scan.match_bracket(start) :] == "g()"


def test_normalize_code_ignores_renames_but_not_literals_or_keys():
    a = 'function Xa(q,K){return{max_tokens:q?32000:K,effort:"high"}}'
    b = 'function Zz($,H){return{max_tokens:$?32000:H,effort:"high"}}'
    assert js.normalize_code(a) == js.normalize_code(b)
    assert js.normalize_code(a) != js.normalize_code(a.replace("32000", "16000"))
    assert js.normalize_code(a) != js.normalize_code(a.replace('"high"', '"medium"'))
    assert js.normalize_code(a) != js.normalize_code(a.replace("max_tokens", "max_output"))
    assert "max_tokens" in js.normalize_code(a)


def test_a_regex_after_a_spread_is_a_regex():
    # 2.1.331: `[...\/^[\\/]{2}\/.test(p)?…]` read as division put 400 KB of code into "strings"
    src = r"""l=[o,...//^[\\/]{2}/.test(p)?x.map((d)=>d.replace(/[\\/]+/g,"/")):[]];y="after" """.replace("//^", "/^")
    assert texts(src) == ["/", "after"]


def test_enclosing_open_reaches_further_only_when_needed_and_elements_split_at_top_level():
    far = "f([" + '"x(",' * 600 + "g(1,2),3])"
    s = js.scan(far)
    assert s.enclosing_open(far.index("g(1")) == 2  # 3,000 characters back, past brackets inside strings
    assert s.enclosing_open(far.index("g(1"), window=100) == -1
    items = s.elements(2)
    assert len(items) == 602 and far[slice(*items[-2])] == "g(1,2)"
