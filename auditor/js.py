"""A one-pass JavaScript lexer for minified bundles: string literals, templates, regexes and comments.

A full parser (tree-sitter) needs seconds for a 13 MB bundle; extraction only needs to know where
the string literals are, what they say, and which brackets are code. One regex-driven pass over the
text gives that at close to the speed of a plain regex scan, and everything else (brace matching,
finding a function's body, alpha-renaming identifiers) works on small slices afterwards.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

# Loops unrolled (`[^"\\]*(?:\\.[^"\\]*)*`, not `(?:[^"\\]|\\.)*`): the regex engine then runs through a
# string's text in one tight loop instead of trying an alternation at every character (3× faster).
_QUOTED = r""""[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"""
_CODE = re.compile(_QUOTED + r"[\"'`/]", re.S)
_CODE_NESTED = re.compile(_QUOTED + r"[\"'`/{}]", re.S)
_SIMPLE_HOLE = re.compile(r"[\w$.]+\}")
_TEMPLATE_TEXT = re.compile(r"[^`\\$]*(?:(?:\\.|\$(?!\{))[^`\\$]*)*", re.S)
_REGEX = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")
_BLOCK_COMMENT_END = re.compile(r"\*/")
_REGEX_AFTER_WORD = frozenset(
    "return typeof instanceof in of new delete void throw case do else yield await".split()
)
_REGEX_AFTER_CHAR = frozenset("(,=:[!&|?{};+-*%<>~^")
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_SIMPLE_ESCAPES.update(dict.fromkeys(("\n", "\r\n", "\r", "\u2028", "\u2029"), ""))  # line continuations
_SURROGATE = re.compile("[\ud800-\udfff]")
_IDENT_CHARS = re.compile(r"[\w$]+$")
PLACEHOLDER = "${…}"


def unescape(raw: str) -> str:
    """Cook a JS string body: the same text written as `≤` or `\\u2264` must compare equal."""
    if "\\" not in raw:
        return raw
    parts = _ESCAPE.split(raw)  # text, escape, text, escape, …, text
    simple = _SIMPLE_ESCAPES.get
    try:  # a dict look-up per escape, not a Python call: templates are full of `\n`
        parts[1::2] = [_code_point(e) if len(e) > 1 and e[0] in "ux" else simple(e, e) for e in parts[1::2]]
    except ValueError:  # out-of-range code points: keep the raw text
        return raw
    text = "".join(parts)
    if _SURROGATE.search(text):  # "\ud83d\ude00" is one character, written as a UTF-16 pair
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _code_point(escape: str) -> str:
    """`u2264`, `u{1F600}` or `x41` (what follows the backslash) as its character."""
    return chr(int(escape[2:-1] if escape[1] == "{" else escape[1:], 16))


@dataclass(slots=True)
class Literal:
    """A string or template literal; a template's `${…}` sources are kept in `expressions`."""

    start: int
    end: int
    text: str
    expressions: tuple[str, ...] = ()


@dataclass
class Scan:
    """What one pass over the source found: the spans that are not code (strings, templates, regexes,
    comments), in order, and the templates with their expressions."""

    source: str
    opaque_starts: list[int] = field(default_factory=list)
    opaque_ends: list[int] = field(default_factory=list)
    templates: dict[int, Literal] = field(default_factory=dict)
    assigned: list[int] = field(default_factory=list)  # quoted strings right after `=` (maybe `X="…"`)

    def in_opaque(self, pos: int) -> int | None:
        """If `pos` is inside a string/template/regex/comment, the end of that span."""
        i = bisect.bisect_right(self.opaque_starts, pos) - 1
        if i >= 0 and pos < self.opaque_ends[i]:
            return self.opaque_ends[i]
        return None

    def is_literal_start(self, pos: int) -> bool:
        i = bisect.bisect_left(self.opaque_starts, pos)
        return i < len(self.opaque_starts) and self.opaque_starts[i] == pos and self.source[pos] in "\"'`"

    def literal_containing(self, pos: int) -> Literal | None:
        """The string or template literal whose text contains `pos`."""
        i = bisect.bisect_right(self.opaque_starts, pos) - 1
        if i < 0 or pos >= self.opaque_ends[i]:
            return None
        start = self.opaque_starts[i]
        while self.source[start] == "}" and i > 0:  # a later piece of a template: find its opening piece
            i -= 1
            start = self.opaque_starts[i]
        return self.literal_at(start)

    def literal_at(self, start: int) -> Literal | None:
        """The string or template literal that begins exactly at `start`."""
        template = self.templates.get(start)
        if template is not None:
            return template
        i = bisect.bisect_left(self.opaque_starts, start)
        if i < len(self.opaque_starts) and self.opaque_starts[i] == start and self.source[start] in "\"'":
            end = self.opaque_ends[i]
            return Literal(start, end, unescape(self.source[start + 1 : end - 1]))
        return None

    def literals(self, start: int = 0, end: int | None = None, min_length: int = 0):
        """String and template literals in [start, end), in order; shorter ones skipped before cooking."""
        src = self.source
        lo = bisect.bisect_left(self.opaque_starts, start)
        hi = len(self.opaque_starts) if end is None else bisect.bisect_left(self.opaque_starts, end)
        templates = self.templates
        starts, ends = self.opaque_starts, self.opaque_ends
        for k in range(lo, hi):
            a, b = starts[k], ends[k]
            c = src[a]
            if c == "`":
                t = templates.get(a)
                if t is not None and t.end - a >= min_length:
                    yield t
            elif (c == '"' or c == "'") and b - a >= min_length:
                yield Literal(a, b, unescape(src[a + 1 : b - 1]))

    def enclosing_open(self, pos: int, window: int = 400_000) -> int:
        """Position of the innermost unclosed `(`, `[` or `{` within `window` characters before `pos`
        (skipping literals); -1 if none. Looked for close first: a wider reach only when needed."""
        reach = min(window, 1024)
        while True:
            found = self._open_within(max(0, pos - reach), pos)
            if found >= 0 or reach >= window or reach >= pos:
                return found
            reach = min(window, reach * 8)

    def _open_within(self, start: int, pos: int) -> int:
        found = [m for m in _BRACKETS.finditer(self.source, start, pos) if self.in_opaque(m.start()) is None]
        depth = 0
        for m in reversed(found):
            if m.group() in ")]}":
                depth += 1
            elif depth == 0:
                return m.start()
            else:
                depth -= 1
        return -1

    def object_keys(self, brace: int) -> dict[str, tuple[int, int]]:
        """Top-level keys of the object literal opening at `brace`, with the span of each value."""
        src = self.source
        end = self.match_bracket(brace)
        keys: dict[str, tuple[int, int]] = {}
        pos = brace + 1
        while 0 < pos < end - 1:
            m = _KEY.match(src, pos)
            stop = self._next_top_level_comma(pos, end - 1)
            if m:
                keys[m.group(1) or m.group(2)] = (m.end(), stop)
            pos = stop + 1
        return keys

    def elements(self, bracket: int) -> list[tuple[int, int]]:
        """Spans of the top-level items of the array literal opening at `bracket`."""
        end = self.match_bracket(bracket) - 1
        items: list[tuple[int, int]] = []
        pos = bracket + 1
        while 0 < pos < end:
            stop = self._next_top_level_comma(pos, end)
            items.append((pos, stop))
            pos = stop + 1
        return items

    def _next_top_level_comma(self, pos: int, end: int) -> int:
        src = self.source
        i = pos
        while i < end:
            m = _COMMA_OR_OPEN.search(src, i, end)
            if m is None:
                return end
            j = m.start()
            skip = self.in_opaque(j)
            if skip is not None:
                i = skip
            elif m.group() == ",":
                return j
            else:
                i = self.match_bracket(j)
                if i < 0:
                    return end
        return end

    def match_bracket(self, pos: int) -> int:
        """Position just after the bracket closing the one at `pos` (skipping literals); -1 if unbalanced."""
        src = self.source
        depth = 0
        i = pos
        while True:
            m = _BRACKETS.search(src, i)
            if not m:
                return -1
            j = m.start()
            skip = self.in_opaque(j)
            if skip is not None:
                i = skip
                continue
            if m.group() in "([{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return j + 1
            i = j + 1


_BRACKETS = re.compile(r"[()\[\]{}]")
_COMMA_OR_OPEN = re.compile(r"[,(\[{]")
_KEY = re.compile(r"\s*(?:([A-Za-z_$][\w$]*)|\"([^\"\\]+)\")\s*:")


def scan(source: str) -> Scan:
    """Lex `source` once."""
    result = Scan(source)
    _Lexer(source, result).code(0, nested=False)  # spans are appended in source order
    return result


class _Lexer:
    def __init__(self, source: str, out: Scan):
        self.src = source
        self.out = out

    def code(self, pos: int, nested: bool) -> int:
        """Lex code from `pos`; when `nested` (inside `${…}`), stop at the unmatched `}` and return its index.

        Whole quoted strings are matched in C; the inner loop only leaves the match iterator for the
        rarer tokens that need a decision (templates, slashes, braces of a nested expression)."""
        src, out = self.src, self.out
        starts, ends, assigned = out.opaque_starts, out.opaque_ends, out.assigned
        finder = _CODE_NESTED if nested else _CODE
        depth = 0
        while True:
            for m in finder.finditer(src, pos):
                i, pos = m.span()
                if pos - i > 1:  # a quoted string; its text is cooked only when someone asks
                    starts.append(i)
                    ends.append(pos)
                    if src[i - 1] == "=" or src[i - 2 : i] == "= ":  # minified, or not (`X = "…"`)
                        assigned.append(i)
                    continue
                c = src[i]
                if c == "{":
                    depth += 1
                elif c == "}":
                    if depth == 0:
                        return i
                    depth -= 1
                elif c == "`":
                    pos = self.template(i)
                    break
                elif c == "/":
                    end = self.slash(i)
                    if end > pos:  # a comment or regex literal was consumed
                        pos = end
                        break
                # a lone quote is an unterminated string: skip it
            else:
                return len(src)

    def template(self, start: int) -> int:
        src = self.src
        texts: list[str] = []
        expressions: list[str] = []
        j = start + 1
        span_start = start
        while True:
            m = _TEMPLATE_TEXT.match(src, j)
            assert m is not None  # the pattern matches the empty string too
            texts.append(unescape(m.group()))
            j = m.end()
            if j >= len(src):
                self._opaque(span_start, j)
                return j
            if src[j] == "`":
                self._opaque(span_start, j + 1)
                self.out.templates[start] = Literal(start, j + 1, PLACEHOLDER.join(texts), tuple(expressions))
                return j + 1
            simple = _SIMPLE_HOLE.match(src, j + 2)
            if simple:  # `${name}` / `${a.b}`: nothing inside that a later look-up could need
                expressions.append(src[j + 2 : simple.end() - 1])
                j = simple.end()
                continue
            # "${": the expression is code, which may hold literals of its own
            self._opaque(span_start, j + 2)
            close = self.code(j + 2, nested=True)
            expressions.append(src[j + 2 : close])
            j = close + 1
            span_start = close

    def slash(self, i: int) -> int:
        src = self.src
        nxt = src[i + 1 : i + 2]
        if nxt == "/":
            end = src.find("\n", i)
            end = len(src) if end < 0 else end
            self._opaque(i, end)
            return end
        if nxt == "*":
            m = _BLOCK_COMMENT_END.search(src, i + 2)
            end = len(src) if m is None else m.end()
            self._opaque(i, end)
            return end
        if self._regex_allowed(i):
            m = _REGEX.match(src, i)
            if m is not None:
                self._opaque(i, m.end())
                return m.end()
        return i + 1

    def _regex_allowed(self, i: int) -> bool:
        """A `/` starts a regex unless it follows a value (identifier, number, `)` or `]`); after a spread
        (`...`) it does: `[.../re/.test(s)?a:b]`."""
        src = self.src
        k = i - 1
        while k >= 0 and src[k] in " \t\r\n":
            k -= 1
        if k < 0:
            return True
        p = src[k]
        if p in _REGEX_AFTER_CHAR or p == "}" or src[k - 2 : k + 1] == "...":
            return True
        if p.isalnum() or p in "_$":
            m = _IDENT_CHARS.search(src, max(0, k - 12), k + 1)
            return m is not None and m.group() in _REGEX_AFTER_WORD
        return False

    def _opaque(self, start: int, end: int) -> None:
        self.out.opaque_starts.append(start)
        self.out.opaque_ends.append(end)


_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?P<tpl>`(?:[^`\\]|\\.)*`)"""
    r"""|(?P<num>\d[\w.]*)|(?P<id>[A-Za-z_$][\w$]*)"""
    r"""|(?P<p>===|!==|\*\*=|\.\.\.|>>>|&&=|\|\|=|\?\?=|[=!<>]=|&&|\|\||\?\?|\?\.|=>|\+\+|--|[-+*/%&|^]=|<<|>>|[^\s\w$])""",
    re.S,
)
_TEMPLATE_HOLE = re.compile(r"\$\{([^{}`]*)\}")
JS_WORDS = frozenset(
    """break case catch class const continue debugger default delete do else export extends finally for
    function if import in instanceof let new return super switch this throw try typeof var void while with
    yield async await of get set static null true false undefined NaN Infinity arguments require module
    exports process console Object Array String Number Boolean Math JSON Promise Date Error RegExp Map Set
    Symbol Buffer parseInt parseFloat isNaN globalThis""".split()
)


def normalize_code(code: str) -> str:
    """Code with every minified identifier replaced by `_`, so renames change nothing (and one new
    variable does not renumber all the others), while property names, keywords, literals and operators —
    the things that change behavior — stay. Strings are re-quoted from their cooked text so that `"…"`
    and `"\\u2026"` compare equal."""
    out: list[str] = []
    for tok in _normalized_tokens(code):
        if out and tok[0] in _WORDLIKE and out[-1][-1] in _WORDLIKE:
            out.append(" ")
        out.append(tok)
    return "".join(out)


def code_tokens(code: str) -> list[str]:
    """Tokens of (normalized) code, for word-level diffs."""
    return [m.group() for m in _TOKEN.finditer(code) if m.lastgroup != "ws"]


def _normalized_tokens(code: str) -> list[str]:
    out: list[str] = []
    prev = ""
    for m in _TOKEN.finditer(code):
        kind = m.lastgroup
        tok = m.group()
        if kind == "ws":
            continue
        if kind == "str":
            tok = json.dumps(unescape(tok[1:-1]), ensure_ascii=False)
        elif kind == "tpl":
            tok = _TEMPLATE_HOLE.sub(lambda h: "${" + normalize_code(h.group(1)) + "}", unescape(tok))
        elif kind == "id" and tok not in JS_WORDS and prev not in (".", "?."):
            if not (code[m.end() : m.end() + 1] == ":" and prev in ("{", ",")):
                tok = "_"
        out.append(tok)
        prev = tok
    return out


_WORDLIKE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
