"""JavaScript → the facts of a snapshot: prompt sections, long prompt strings, tools, model ids, betas,
env vars, feature flags, settings keys, numeric limits and the code that builds the API request.

Facts are `{kind: {key: value}}` with JSON-able values. Minified identifiers change on every build, so
no key or value may depend on one: keys come from string literals and property names, code is
alpha-renamed (`js.normalize_code`), and `${x}` in templates becomes the constant `x` holds or `${…}`.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

from . import js, kinds
from .bundle import Bundle, from_directory, unpack
from .targets import Target

EXTRACTOR_VERSION = "6"  # bump when extraction changes: stored snapshots of an older extractor are re-collected

_IDENT = r"[A-Za-z_$][\w$]*"
_BUILDER_DEF = re.compile(
    r"function (" + _IDENT + r")\((" + _IDENT + r"),(" + _IDENT + r")\)\{return\{name:\2,compute:\3,cacheBreak:(!0|!1)\}\}"
)
# a named `function` keyword that is not the tail of another identifier or a property (`x.function`)
_NAMED_FUNCTION = re.compile(r"function(?<![A-Za-z0-9_$.]function)\*?\s*(" + _IDENT + r")\s*\(")
_CONST_BEFORE = re.compile(r"(?<![\w$.])(" + _IDENT + r")=$")
_PROCESS_ENV = re.compile(r"process\.env\.([A-Z][A-Z0-9_]{2,})")
_CALLEE_BEFORE = re.compile(r"(?<![\w$.])(" + _IDENT + r")\($")
_SECTION_PAIR = re.compile(r"\[\"([a-z][a-z0-9_-]{1,40})\",")
_CALL = re.compile(r"(?<![\w$.])(" + _IDENT + r")\(")
_HEADING_LITERAL = re.compile(r"# [A-Z]")  # at a literal's first character (begins with a literal: fast to search for)
_ENV = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
# a model id has a version number (claude-opus-4-7, claude-3-5-sonnet-…) or is a bare family alias
_MODEL_ID = re.compile(r"^(?:[a-z]+\.)?claude-(?:[a-z]+-)*\d[a-z0-9.@:-]*$|^claude-(?:opus|sonnet|haiku)$")
_BETA = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-20\d\d-\d\d-\d\d$")
# pieces that start with a literal, so the regex engine can skip through the source to them
_MODEL_PIECE = re.compile(r"claude-[a-z0-9]")
_BETA_PIECE = re.compile(r"-20\d\d-\d\d-\d\d[\"']")
_ENV_PIECE = re.compile(r"_[A-Z][A-Z0-9_]*[\"']")
_BUILD_STAMP = re.compile(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z|\b[0-9a-f]{40}\b")
_HEADING = re.compile(r"^# ([A-Z][^\n#]{2,60})(?:\n|$)")
_WORD = re.compile(r"[A-Za-z]{2,}")
_REQUEST_KEYS = ("max_tokens", "budget_tokens", "output_config", "context_management")
_EFFORT_WORDS = ("thinking", "effort")
_EFFORT_RETURN = re.compile(r"return\"(?:low|medium|high|xhigh|max)\"")
# `key:123` is found by its `:digit` (fast to search for), then the key in front is checked.
_NUMBER_VALUE = re.compile(r":(\d[\d_]*(?:\.\d+)?(?:e\d+)?)(?![\w$.])")
_LIMIT_KEY = re.compile(r"[Tt]okens?|[Bb]udget|[Tt]hreshold|[Ll]imit|[Tt]urns|[Ww]indow")
_KEY_BEFORE = re.compile(r"(?<![\w$\"'])[A-Za-z_]+$")
_SETTINGS_ANCHOR = re.compile(r"apiKeyHelper:(?:\(\)=>)?[\w$]+(?:\.string)?\(\)\.optional\(\)")
# A settings value that is a zod object, inline (`y.object({`) or a schema bound to a name and called
# (`sandbox:i9q().optional()`, with `i9q=xH(()=>y.object({…}))`): its keys are settings too.
_OBJECT_VALUE = re.compile(r"\s*(?:\(\)=>)?[\w$]+\.object\(\{")
_SCHEMA_CALL = re.compile(r"\s*(?:\(\)=>)?(" + _IDENT + r")\(\)(?![\w$])")
_GATED_SHAPE = re.compile(r"[,{](permissionsS|s)hape:\(\)=>\(\{")
_GATE_REACH = 20_000  # characters from a shape back to the brace of the feature that gates it (`{buildGate:…`)
_NESTED_DEPTH = 3  # `sandbox.network.deniedDomains`
_GATE_ARG = re.compile(r'^(?:!0|!1|null|void 0|-?\d[\d.e]*|"[^"]*"|\[\]|\{\})\)')
_IDENT_TAIL = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.")
_FN_LIMIT = 200_000  # a "function" longer than this is a module wrapper, not a unit worth diffing
_FN_WALK = 40  # nearest named functions tried as the enclosing one; text at module level has none


Facts = dict[str, dict[str, object]]


def extract(bundle: Bundle, target: Target, version: str) -> Facts:
    """All static facts of one release's bundle."""
    source = bundle.code
    scan = js.scan(source)
    ctx = _Context(source, scan, version, target.section_anchors)
    facts: dict[str, dict[str, object]] = {kind: {} for kind in kinds.STATIC}
    sections, section_spans = _sections(ctx)
    facts["prompt_section"] = {name: text for name, (text, _) in sections.items()}
    facts["section_condition"] = {name: cond for name, (_, cond) in sections.items()}
    _literal_facts(ctx, target, facts, section_spans)
    facts["document"] = {name: ctx.clean(text) for name, text in bundle.documents.items() if text.strip()}
    for name in set(_PROCESS_ENV.findall(source)):
        if name.startswith(target.identifier_prefixes):
            facts["env"][name] = ""
    facts["tool"] = _tools(ctx)
    facts["setting"] = _settings(ctx)
    facts["limit"] = _limits(ctx)
    facts["request_code"] = _request_code(ctx)
    return facts


def from_package(tgz: Path, root: Path, entry_files: tuple[str, ...], target: Target, version: str) -> tuple[str, Facts]:
    """Unpack a release's package tarball into `root` and extract its facts: (where the bundle was, facts)."""
    unpack(tgz, root)
    found = from_directory(root, entry_files, target.binary_names, label=tgz.name)
    return found.origin, extract(found, target, version)


class _Context:
    """The source, its scan, and the lookups extraction shares: constants and function bodies."""

    def __init__(self, source: str, scan: js.Scan, version: str, anchors: tuple[str, ...] = ()):
        self.source = source
        self.anchors = anchors
        self.scan = scan
        self.version = version
        self._constants: dict[str, str] | None = None
        self._functions: tuple[list[int], list[str]] | None = None
        self._by_name: dict[str, list[int]] | None = None
        self._bodies: dict[int, tuple[int, int] | None] = {}

    @property
    def constants(self) -> dict[str, str]:
        """Identifiers bound to exactly one string value (`X="Bash"`), used to fill `${X}` in templates."""
        if self._constants is None:
            values: dict[str, set[str]] = defaultdict(set)
            src = self.source
            for start in self.scan.assigned:
                if src[start - 2] not in "=!<>":
                    m = _CONST_BEFORE.search(src, max(0, start - 40), start)
                    if m:
                        lit = self.scan.literal_at(start)
                        if lit is not None and lit.end - start < 200:
                            values[m.group(1)].add(lit.text)
            self._constants = {k: next(iter(v)) for k, v in values.items() if len(v) == 1}
        return self._constants

    def text(self, lit: js.Literal) -> str:
        """A literal's text. Template holes stay `${…}`: minified names are reused across scopes and
        modules, so filling a hole from a same-named constant elsewhere would invent text."""
        return self.clean(lit.text)

    def clean(self, text: str) -> str:
        """Replace the release's own version number, which differs in every release by construction."""
        return text.replace(self.version, "{VERSION}") if self.version in text else text

    def clean_code(self, code: str) -> str:
        """Code also carries the build's timestamp and source commit (an inlined build-info object)."""
        return _BUILD_STAMP.sub(lambda m: "{BUILD_TIME}" if "T" in m.group() else "{GIT_SHA}", self.clean(code))

    @property
    def functions(self) -> tuple[list[int], list[str]]:
        """Positions and names of every named `function` in code, in order (built once)."""
        if self._functions is None:
            src, starts, names = self.source, [], []
            in_opaque = self.scan.in_opaque
            for m in _NAMED_FUNCTION.finditer(src):
                start = m.start()
                if in_opaque(start) is None:
                    starts.append(start)
                    names.append(m.group(1))
            self._functions = (starts, names)
        return self._functions

    def function_starts(self, name: str) -> list[int]:
        if self._by_name is None:
            self._by_name = defaultdict(list)
            for start, fn in zip(*self.functions, strict=True):
                self._by_name[fn].append(start)
        return self._by_name.get(name, [])

    def body(self, fn_start: int) -> tuple[int, int] | None:
        """The `{…}` span of the function whose `function` keyword is at fn_start."""
        if fn_start not in self._bodies:
            span = None
            paren = self.source.find("(", fn_start)
            close = self.scan.match_bracket(paren)
            if close > 0:
                brace = self.source.find("{", close)
                end = self.scan.match_bracket(brace)
                if end > 0 and end - brace < _FN_LIMIT:
                    span = (brace, end)
            self._bodies[fn_start] = span
        return self._bodies[fn_start]

    def function_named(self, name: str, near: int | None = None) -> tuple[int, int] | None:
        """The body of the function with this (minified) name: the only one, or — since each module
        of a native build has its own short names — the definition nearest to `near`."""
        starts = self.function_starts(name)
        if len(starts) > 1 and near is not None:
            starts = [min(starts, key=lambda s: abs(s - near))]
        return self.body(starts[0]) if len(starts) == 1 else None

    def enclosing_function(self, pos: int) -> tuple[int, int] | None:
        """The innermost named `function` whose body contains pos."""
        starts = self.functions[0]
        i = bisect.bisect_left(starts, pos) - 1
        stop = max(-1, i - _FN_WALK)
        while i > stop and pos - starts[i] < _FN_LIMIT:
            span = self.body(starts[i])
            if span and span[0] < pos < span[1]:
                return (starts[i], span[1])
            i -= 1
        return None

    def prose(self, start: int, end: int) -> str:
        """The natural-language literals of a code span joined: the text a prompt function produces."""
        return "\n".join(t for t in (self.text(lit) for lit in self.scan.literals(start, end)) if _is_prose(t, 3))

    def resolve_text(self, expr: str, start: int, end: int) -> tuple[str, tuple[int, int] | None]:
        """Text produced by an expression such as `()=>fn(K)`, `()=>CONST` or `()=>"literal"`."""
        text = self.prose(start, end)
        if text:
            return text, None
        m = re.search(r"=>\s*(" + _IDENT + r")\s*(\()?", expr)
        if not m:
            return "", None
        name = m.group(1)
        if m.group(2):
            span = self.function_named(name, near=start)
            return (self.prose(*span), span) if span else ("", None)
        return self.constants.get(name, ""), None

    def normalize_condition(self, cond: str, near: int) -> str:
        """A condition, alpha-renamed, with short helper functions it calls inlined so that what they
        test (model names, server-side flags) is visible and comparable."""
        parts = [js.normalize_code(cond)]
        for name in dict.fromkeys(re.findall(r"(" + _IDENT + r")\(", cond)):
            span = self.function_named(name, near=near)
            if span and span[1] - span[0] <= 600:
                parts.append("where " + js.normalize_code(self.source[span[0] : span[1]]))
        return " ".join(parts)


def _is_prose(text: str, min_words: int) -> bool:
    if len(text) < 12 or text.count(" ") < min_words - 1:
        return False
    words = _WORD.findall(text)
    if len(words) < min_words:
        return False
    letters = sum(map(len, words)) + text.count(" ")
    return letters >= 0.6 * len(text)


def _sections(ctx: _Context) -> tuple[dict[str, tuple[str, str]], list[tuple[int, int]]]:
    """Named system-prompt sections (`section("name", ()=>…)`) with their inclusion condition, and
    heading sections (`# Tone and style`) from the functions that write them."""
    src, scan = ctx.source, ctx.scan
    sections: dict[str, tuple[str, str]] = {}
    spans: list[tuple[int, int]] = []
    builders = [m.group(1) for m in _BUILDER_DEF.finditer(src)]
    if builders:
        call = re.compile(r"(" + "|".join(re.escape(b) for b in builders) + r")\(\"([^\"]+)\",")
        for m in call.finditer(src):
            if src[m.start() - 1] in _IDENT_TAIL or scan.in_opaque(m.start()) is not None:
                continue
            end = scan.match_bracket(m.end(1))
            if end < 0:
                continue
            expr = src[m.end() : end - 1]
            text, fn_span = ctx.resolve_text(expr, m.end(), end - 1)
            if fn_span:
                spans.append(fn_span)
            spans.append((m.end(), end))
            sections[m.group(2)] = (text, _condition(ctx, m.start()))
    _tuple_sections(ctx, sections, spans)
    for hm in _HEADING_LITERAL.finditer(src):
        if src[hm.start() - 1] not in "\"'`":
            continue
        lit = scan.literal_at(hm.start() - 1)
        h = _HEADING.match(lit.text) if lit else None
        if lit is None or not h:
            continue
        fn = ctx.enclosing_function(lit.start)
        if fn is None or any(a <= fn[0] < b or a <= lit.start < b for a, b in spans):
            continue
        name = "# " + h.group(1).strip()
        if name not in sections:
            sections[name] = (ctx.prose(*fn), "")
            spans.append(fn)
    return sections, spans


def _tuple_sections(ctx: _Context, sections: dict[str, tuple[str, str]], spans: list[tuple[int, int]]) -> None:
    """Newer releases list sections as `[["intro", intro(o)], ["session_guidance", render(…)], …]`.
    An array of such pairs that names one of the target's anchor sections is the prompt's section list;
    a pair whose value calls a function used by no other pair takes that function's text."""
    src, scan = ctx.source, ctx.scan
    chosen: list[tuple[str, int, int]] = []
    arrays: set[int] = set()
    for anchor in ctx.anchors:
        for m in re.finditer(re.escape(f'["{anchor}",'), src):
            array = scan.enclosing_open(m.start(), window=20_000)
            if array < 0 or array in arrays or scan.in_opaque(m.start()) is not None:
                continue
            arrays.add(array)
            end = scan.match_bracket(array)
            for pair in _SECTION_PAIR.finditer(src, array, end):
                if scan.enclosing_open(pair.start(), window=pair.start() - array + 1) == array:
                    close = scan.match_bracket(pair.start())
                    chosen.append((pair.group(1), pair.end(), close - 1))
    callees = Counter(first.group(1) for _, start, end in chosen if (first := _CALL.search(src, start, end)))
    for name, start, end in chosen:
        call = _CALL.search(src, start, end)  # the first call: `["doing_tasks", style ? render(o) : null]`
        text = ""
        if call and callees[call.group(1)] == 1 and (span := ctx.function_named(call.group(1), near=start)):
            text = ctx.prose(*span)
            spans.append(span)
        sections.setdefault(name, (text, ""))


def _condition(ctx: _Context, call_start: int) -> str:
    """The guard in `...COND?[section(…)]:[]` (or its negation for `...COND?[]:[section(…)]`)."""
    src = ctx.source
    before = src[max(0, call_start - 6) : call_start]
    if before.endswith("?["):
        q, negate = call_start - 2, False
    elif before.endswith("?[]:["):
        q, negate = call_start - 5, True
    else:
        return ""
    dots = src.rfind("...", max(0, q - 400), q)
    if dots < 0:
        return "?"
    cond = ctx.normalize_condition(src[dots + 3 : q], near=q)
    return f"not ({cond})" if negate else cond


def _literal_facts(ctx: _Context, target: Target, facts: dict, skip_spans: list[tuple[int, int]]) -> None:
    """Model ids, betas, env vars, flags (with defaults) and long prompt strings. The short kinds are found
    by searching the source for a piece of them (fast) and kept when the literal holding it is all one."""
    src, scan = ctx.source, ctx.scan
    env_ok = lambda text: text.startswith(target.identifier_prefixes) and _ENV.match(text)  # noqa: E731
    for kind, piece, whole in (("model", _MODEL_PIECE, _MODEL_ID.match), ("beta", _BETA_PIECE, _BETA.match), ("env", _ENV_PIECE, env_ok)):
        for m in piece.finditer(src):
            lit = scan.literal_containing(m.start())
            if lit is not None and not lit.expressions and whole(lit.text):
                facts[kind][lit.text] = ""
    flag_piece = re.compile("|".join(re.escape(p) for p in target.flag_prefixes) + r"\w+")
    gates: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for m in flag_piece.finditer(src):
        quote = m.start() - 1
        if src[quote] in "\"'" and src[m.end() : m.end() + 1] == src[quote] and scan.is_literal_start(quote):
            callee = _CALLEE_BEFORE.search(src, max(0, quote - 40), quote)
            if callee:
                gates[callee.group(1)].append((m.group(), src[m.end() + 1 : m.end() + 25]))
    facts["flag"].update(_flags(gates))
    skip = sorted(skip_spans)
    for lit in scan.literals(min_length=60):
        text = ctx.text(lit)
        if _is_prose(text, 8) and not _inside(lit.start, skip):
            facts["string"][_digest(text)] = text


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return any(a <= pos < b for a, b in spans[max(0, i - 8) : i + 1])


def _flags(gates: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """Feature flags are read through gate functions called `gate("flag", default)`; telemetry events go
    through functions whose second argument is an object. Classify each callee by how it is called."""
    flags: dict[str, str] = {}
    for calls in gates.values():
        defaults = [(name, after) for name, after in calls if after.startswith(")") or (after.startswith(",") and _GATE_ARG.match(after[1:]))]
        if len(defaults) * 2 < len(calls):
            continue
        for name, after in defaults:
            m = _GATE_ARG.match(after[1:]) if after.startswith(",") else None
            value = m.group(0)[:-1] if m else ""
            value = {"!0": "true", "!1": "false", "void 0": "undefined"}.get(value, value)
            if flags.get(name, value) != value:
                value = "(several)"
            flags[name] = value
    return flags


def _tools(ctx: _Context) -> dict[str, object]:
    """Built-in tools: objects with `name:X … async prompt(){…}`; the prompt is the tool description the
    model reads."""
    src = ctx.source
    tools: dict[str, object] = {}
    for m in re.finditer(r"async prompt\(([^)]*)\)\{", src):
        if ctx.scan.in_opaque(m.start()) is not None:
            continue
        window = src[max(0, m.start() - 1500) : m.start()]
        names = list(re.finditer(r"[{,]name:(" + _IDENT + r"|\"[^\"]+\")[,}]", window))
        if not names:
            continue
        raw = names[-1].group(1)
        name = raw.strip('"') if raw.startswith('"') else ctx.constants.get(raw)
        if not name:
            continue
        brace = m.end() - 1
        end = ctx.scan.match_bracket(brace)
        if end < 0:
            continue
        body = src[brace:end]
        text = ctx.prose(brace, end)
        if not text:
            call = re.search(r"return\s*(" + _IDENT + r")\s*(\()?", body)
            if call and call.group(2):
                span = ctx.function_named(call.group(1), near=m.start())
                text = ctx.prose(*span) if span else ""
            elif call:
                text = ctx.constants.get(call.group(1), "")
        tools.setdefault(name, text)
    return tools


def _settings(ctx: _Context) -> dict[str, object]:
    """Keys of the settings.json schema (a zod object), each with its description. The schema object is
    the one that declares `apiKeyHelper` as an optional zod value; the largest such object wins."""
    src, scan = ctx.source, ctx.scan
    best: dict[str, tuple[int, int]] = {}
    for m in _SETTINGS_ANCHOR.finditer(src):
        if scan.in_opaque(m.start()) is not None:
            continue
        brace = scan.enclosing_open(m.start(), window=50_000)
        if brace >= 0 and src[brace] == "{":
            keys = scan.object_keys(brace)
            if len(keys) > len(best):
                best = keys
    return _described(ctx, best) | _more_settings(ctx, best)


def _more_settings(ctx: _Context, top: dict[str, tuple[int, int]]) -> dict[str, object]:
    """Settings the schema object does not list itself: keys inside its object values, as dotted paths
    (`sandbox.network.deniedDomains`), and the keys of feature-gated shapes merged into it
    (`autoMode:{buildGate:…,shape:()=>({…}),permissionsShape:()=>({…})}`), with theirs."""
    src, scan = ctx.source, ctx.scan
    out = _nested_settings(ctx, top)
    for m in _GATED_SHAPE.finditer(src):
        feature = scan.enclosing_open(m.start(), window=_GATE_REACH)
        if scan.in_opaque(m.start()) is not None or feature < 0 or src[feature] != "{" or "buildGate" not in scan.object_keys(feature):
            continue
        prefix = "permissions." if m.group(1) == "permissionsS" else ""
        keys = scan.object_keys(m.end() - 1)
        out |= _described(ctx, keys, prefix) | _nested_settings(ctx, keys, prefix)
    return out


def _nested_settings(ctx: _Context, keys: dict[str, tuple[int, int]], prefix: str = "", depth: int = 1) -> dict[str, object]:
    """Keys of the settings that are objects, as dotted paths (`sandbox.network.deniedDomains`), each
    with its description: the changelog names them so, and a key added inside `sandbox` is a new setting."""
    out: dict[str, object] = {}
    for key, (start, end) in keys.items():
        brace = _schema_object(ctx, start, end)
        if brace < 0:
            continue
        inner = ctx.scan.object_keys(brace)
        out |= _described(ctx, inner, f"{prefix}{key}.")
        if depth < _NESTED_DEPTH:
            out |= _nested_settings(ctx, inner, f"{prefix}{key}.", depth + 1)
    return out


def _described(ctx: _Context, keys: dict[str, tuple[int, int]], prefix: str = "") -> dict[str, object]:
    """Each key (with `prefix`) → its value's `.describe("…")` text ("" without one); for an object
    value, its own description, not one of its keys'."""
    src, scan = ctx.source, ctx.scan
    out: dict[str, object] = {}
    for key, (start, end) in keys.items():
        inner = _schema_object(ctx, start, end)
        after = max(start, scan.match_bracket(inner)) if inner >= 0 else start
        described = [lit for lit in scan.literals(after, end) if src[lit.start - 10 : lit.start].endswith("describe(")]
        out[prefix + key] = ctx.text(described[-1]) if described else ""
    return out


def _schema_object(ctx: _Context, start: int, end: int) -> int:
    """Where the zod object a settings value declares opens (its `{`), or -1: the value is no object."""
    src = ctx.source
    if m := _OBJECT_VALUE.match(src, start, end):
        return m.end() - 1
    if (m := _SCHEMA_CALL.match(src, start, end)) is None:
        return -1
    name = re.escape(m.group(1))
    bound = re.compile(name + r"=(?:[\w$]+\(\(\)=>)?[\w$]+\.object\(\{")  # begins with a literal: fast to search for
    found = [d.end() - 1 for d in bound.finditer(src) if src[d.start() - 1] not in _IDENT_TAIL and ctx.scan.in_opaque(d.start()) is None]
    return min(found, key=lambda pos: abs(pos - start), default=-1)  # each module of a native build has its own short names


def _limits(ctx: _Context) -> dict[str, object]:
    """Numeric literals bound to token/budget/threshold/limit-like keys: every distinct value per key."""
    src = ctx.source
    seen: dict[str, set[str]] = defaultdict(set)
    for m in _NUMBER_VALUE.finditer(src):
        key = _KEY_BEFORE.search(src, max(0, m.start() - 40), m.start())
        if key and _LIMIT_KEY.search(key.group(0)) and ctx.scan.in_opaque(m.start()) is None:
            seen[key.group(0)].add(m.group(1))
    return {k: ", ".join(sorted(v, key=lambda x: float(x.replace("_", "")))) for k, v in seen.items()}


def _request_code(ctx: _Context) -> dict[str, object]:
    """Functions that set request parameters (or return an effort level), alpha-renamed. Keyed by a
    digest: the diff pairs versions of one function by similarity, the label says what it sets."""
    src = ctx.source
    # an object key (`{max_tokens:` / `,max_tokens:`) or `return"high"`, in code
    places = [m.start() for m in _EFFORT_RETURN.finditer(src)]
    for key in _REQUEST_KEYS:
        needle = key + ":"
        pos = src.find(needle)
        while pos >= 0:
            if src[pos - 1] in "{,":
                places.append(pos)
            pos = src.find(needle, pos + 1)
    found: set[tuple[int, int]] = set()
    for pos in places:
        if ctx.scan.in_opaque(pos) is None and (fn := ctx.enclosing_function(pos)):
            found.add(fn)
    out: dict[str, object] = {}
    for start, end in found:
        code = ctx.clean_code(js.normalize_code(src[start:end]))
        out[_digest(code)] = code
    return out


def request_label(code: str) -> str:
    """What a request-building function sets, for people: `sets max_tokens, thinking`."""
    keys = [k for k in _REQUEST_KEYS + _EFFORT_WORDS if k in code]
    if _EFFORT_RETURN.search(code):
        keys.append("effort level")
    return "sets " + ", ".join(keys) if keys else "request code"


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]
