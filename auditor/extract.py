"""JavaScript → the facts of a snapshot: prompt sections, long prompt strings, tools, model ids, betas,
env vars, feature flags, settings keys, numeric limits and the code that builds the API request.

Facts are `{kind: {key: value}}` with JSON-able values. Minified identifiers change on every build, so
no key or value may depend on one: keys come from string literals and property names, code is
alpha-renamed (`js.normalize_code`), and `${x}` in templates becomes the constant `x` holds or `${…}`.

The minifier writes one program many ways from build to build: a literal inline or bound to a name first
(`var qn="tengu_x";…gate(qn,!1)`), one bundle or thousands of chunks that import each other's top-level
names and reuse short ones locally. So a name stands for the literal it is bound to in the chunk that
declares it (imports followed), and a tool, flag, env var or section is read the same way either way.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

from . import catalog, js, kinds
from .bundle import Bundle, from_directory, unpack
from .limits import Limits
from .targets import Target

EXTRACTOR_VERSION = "14"  # bump when extraction changes: stored snapshots of an older extractor are re-collected

_IDENT = r"[A-Za-z_$][\w$]*"
_BUILDER_DEF = re.compile(
    r"function (" + _IDENT + r")\((" + _IDENT + r"),(" + _IDENT + r")\)\{return\{name:\2,compute:\3,cacheBreak:(!0|!1)\}\}"
)
# a named `function` keyword that is not the tail of another identifier or a property (`x.function`)
_NAMED_FUNCTION = re.compile(r"function(?<![A-Za-z0-9_$.]function)\*?\s*(" + _IDENT + r")\s*\(")
_METHOD_BEFORE = re.compile(r"[)\]]\??(\." + _IDENT + r")\($")
_ENV_CODE_PIECE = re.compile(r"_[A-Z][A-Z0-9_]*(?![\w$])")
_ENV_HEAD = re.compile(r"(?<![\w$])[A-Z][A-Z0-9]*$")
_CALLEE_BEFORE = re.compile(r"(?<![\w$.])(" + _IDENT + r")(\." + _IDENT + r")?(?:\?\.)?\($")
_FIRST_ARGUMENT = re.compile(r"\((" + _IDENT + r")[,)]")
_MEMBER = re.compile(r"(?<![\w$.])(" + _IDENT + r")\.(" + _IDENT + r")(?![\w$(])")
_REFERENCE = re.compile(r"(?<![\w$.])(" + _IDENT + r")(?![\w$]|=>|\s*=>)")
_ARROW_PARAMS = re.compile(r"\(([^()]*)\)=>|(" + _IDENT + r")=>")
_IMPORT = re.compile(r"import\s*\{([^{}]*)\}\s*from\s*\"([^\"]+)\"")
_IMPORTED_NAME = re.compile(r"([\w$]+)(?:\s+as\s+([\w$]+))?")
_EXPORT = re.compile(r"export\s*\{([^{}]*)\}")
_SECTION_PAIR = re.compile(r"\[\"([a-z][a-z0-9_-]{1,40})\",")
_CALL = re.compile(r"(?<![\w$.])(" + _IDENT + r")\(")
_HEADING_LITERAL = re.compile(r"# [A-Z]")  # at a literal's first character (begins with a literal: fast to search for)
_ENV = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
# a model id has a version number (claude-opus-4-7, claude-3-5-sonnet-…) or is a bare family alias
_BETA = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-20\d\d-\d\d-\d\d$")
# pieces that start with a literal, so the regex engine can skip through the source to them
_BETA_PIECE = re.compile(r"-20\d\d-\d\d-\d\d[\"']")
_ENV_PIECE = re.compile(r"_[A-Z][A-Z0-9_]*[\"']")
_BUILD_STAMP = re.compile(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z|\b[0-9a-f]{40}\b")
_SCRIPT_LINE = re.compile(r"\s*(?:#(?!#)|echo |export |if \[|then$|fi$|do$|done$|source |alias |unset |set -|[A-Z_][A-Z0-9_]*=)")
_METRICS = re.compile(r"# (?:TYPE|HELP) ")
_HEADING = re.compile(r"^# ([A-Z][^\n#]{2,60})(?:\n|$)")
_WORD = re.compile(r"[A-Za-z]{2,}")
_REQUEST_KEYS = ("max_tokens", "budget_tokens", "output_config", "context_management")
_EFFORT_WORDS = ("thinking", "effort")
_EFFORT_RETURN = re.compile(r"return\"(?:low|medium|high|xhigh|max)\"")
_NOTHING = re.compile(r"(?:null|void 0)[,}]")
# `key:123` is found by its `:digit` (fast to search for), then the key in front is checked.
_NUMBER_VALUE = re.compile(r":(\d[\d_]*(?:\.\d+)?(?:e\d+)?)(?![\w$.])")
_LIMIT_KEY = re.compile(r"[Tt]okens?|[Bb]udget|[Tt]hreshold|[Ll]imit|[Tt]urns|[Ww]indow")
_KEY_BEFORE = re.compile(r"(?<![\w$\"'])[A-Za-z_]+$")
_SETTINGS_ANCHOR = re.compile(r"apiKeyHelper:(?:\(\)=>)?[\w$]+(?:\.string)?\(\)\.optional\(\)")
# A settings value that is a zod object, inline (`y.object({`, or `Se({` where zod's functions are imported
# one by one; in a thunk, `()=>u({`, `()=>{let l=u({…});return …}`) or named (`sandbox:i9q().optional()`,
# with `i9q=xH(()=>y.object({…}))`, `permissions:igc(e)` with `function igc(e){return y.object({…})}`): its
# keys are settings too, if the object is built by the function that builds the schema's objects.
_OBJECT_VALUE = re.compile(r"\s*(?:\(\)=>)?(?:\{(?:let|const|var) " + _IDENT + r"=)?(" + _IDENT + r")(\." + _IDENT + r")?\(\{")
_SPREAD_OBJECT = re.compile(r"(?:\.\.\.|&&|\?|:)\{")  # `...{`, `...COND&&{`, `...COND?{…}:{`
_RETURNED_OBJECT = re.compile(r"\{return\s*(" + _IDENT + r")(\." + _IDENT + r")?\(\{")
_SCHEMA_BINDING = re.compile(r"(?<![\w$.])(" + _IDENT + r")=(?:[\w$]+\(\(\)=>)?(" + _IDENT + r")(\." + _IDENT + r")?$")
_JOIN = re.compile(r"\]\.join\([\"'`]")
_JOIN_REACH = 20_000  # characters from `].join(` back to its `[`: longer arrays are data, not lines of a text
_JOIN_DEPTH = 8  # joined arrays read inside one another: a deeper chain is a hostile program, not a prompt
_JUNCTION = re.compile(r"[\"'`]\+[\"'`]")  # `"…"+"…"`: two literals joined (the minifier writes no spaces)
_CHAIN = 200  # literals joined in one run: a longer one is a hostile program, not a message
_WHOLE_NAME = re.compile(_IDENT)
_META_MESSAGE = re.compile(r"isMeta:!0")
_REMINDER_REACH = 4_000  # characters from `isMeta:!0` back to the `{` of its message
# `sandbox:i9q()`, `sandbox:()=>i9q()`, `permissions:igc(e)`, in a wrapper that takes a thunk
# (`()=>deferred(()=>i9q())`) or the setting's optional value (`catching(i9q().optional(),…)`; an array's
# items, `array(i9q())`, are the user's)
_SCHEMA_CALL = re.compile(
    r"\s*(?:\(\)=>)?(?:[\w$]+\(\(\)=>|[\w$]+\((?=[\w$]+\([^()]*\)\.optional\(\)))?(" + _IDENT + r")\(([^()]*)\)(?![\w$])"
)
_GATED_SHAPE = re.compile(r"hape:\(\)=>\(\{")  # of `,shape:` / `{permissionsShape:` (begins with a literal: fast to search for)
_GATE_REACH = 20_000  # characters from a shape back to the brace of the feature that gates it (`{buildGate:…`)
_NESTED_DEPTH = 3  # `sandbox.network.deniedDomains`
_GATE_ARG = re.compile(r'^(?:\{safe:)?(!0|!1|null|void 0|-?\d[\d.e]*|"[^"]*"|\[\]|\{\})[),}]')  # `{safe:D,…}`: options
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_IDENT_TAIL = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.")
_FN_LIMIT = 200_000  # a "function" longer than this is a module wrapper, not a unit worth diffing
_FOLLOW_LIMIT = 30_000  # a called function longer than this is a program, not a text builder
_DECLARATION_REACH = 20_000  # from a declaration's schema key back to its `{`: its description comes first
_TOOL_FOLLOW = 3  # calls followed from a tool's prompt(): `prompt(){return a(m)}`, `a(m){return b(m)}`, …
# A built-in tool's input schema, `get inputSchema(){return X()}` with `X=lazy(()=>z.object({…}))`, and the
# schemas it builds on (`base().merge(e)`, `pick()` choosing one). The vendor's program is untrusted: calls are
# followed this deep, this many schemas read and this many parameters kept per tool (DesignSync's, the most, are 17).
_INPUT_SCHEMA = re.compile(r"get inputSchema\(\)\{return (" + _IDENT + r")\(\)\}")
_THUNK = re.compile(r"\(\(\)=>")  # `lazy(()=>…)`, found by its literal piece (fast); then what it is bound to:
_BOUND_TO = re.compile(r"(?<![\w$.])(" + _IDENT + r")=" + _IDENT + r"\Z")
_SCHEMA_FOLLOW = 3
_SCHEMAS_READ = 50
_TOOL_PARAMETERS = 100
_OBJECT_ARGUMENT = re.compile(r"(?:\(|&&|\.\.\.|\?)\{")  # `z.object({`, `.extend({`, `...gate&&{`: an object literal of keys
_PARAMETER_LINE = re.compile(r"^`([A-Za-z_$][\w$]{0,63})`: ", re.MULTILINE)  # as `_parameter_lines` writes them
_FN_WALK = 40  # nearest named functions tried as the enclosing one; text at module level has none
_PARAMETER_LIST = re.compile(r"\(([^()]*)\)\s*(?:=>\s*)?\{\Z")  # a body's parameter list, just before its `{`
_PARAMETER_LIST_REACH = 500
_BOUND_NAME = re.compile(r"(?<![\w$.])(" + _IDENT + r")(?![\w$]|\s*:)")  # a parameter's name, not a destructured key
_DECLARED = re.compile(r"(?:\b(?:let|const|var)\s+|,)(" + _IDENT + r")=(?!=)")


Facts = dict[str, dict[str, object]]


def extract(bundle: Bundle, target: Target, version: str) -> Facts:
    """All static facts of one release's bundle."""
    source = bundle.code
    scan = js.scan(source)
    ctx = _Context(source, scan, version, target.section_anchors, bundle.module_starts, [m.file for m in bundle.code_modules])
    facts: dict[str, dict[str, object]] = {kind: {} for kind in kinds.STATIC}
    sections, section_spans = _sections(ctx)
    facts["prompt_section"] = {name: text for name, (text, _) in sections.items()}
    facts["section_condition"] = {name: cond for name, (_, cond) in sections.items()}
    _literal_facts(ctx, target, facts, section_spans)
    facts["document"] = {name: ctx.clean(text) for name, text in bundle.documents.items() if text.strip()}
    facts["env"].update(dict.fromkeys(_env_reads(ctx, target), ""))
    facts["tool"] = _tools(ctx) | _declarations(ctx, target.declaration_keys)
    facts["setting"] = _settings(ctx)
    facts["limit"] = _limits(ctx)
    facts["request_code"] = _request_code(ctx)
    return facts


def from_package(tgz: Path, root: Path, entry_files: tuple[str, ...], target: Target, version: str,
                 limits: Limits | None = None) -> tuple[str, Facts]:
    """Unpack a release's package tarball into `root` (within `limits`) and extract its facts: (where the
    bundle was, facts). A target with a model catalogue is read from that (catalog.py)."""
    unpack(tgz, root, limits, label=version)
    if target.catalog is not None:
        return catalog.from_directory(root, target.binary_names, target.catalog, label=f"{target.npm_package}@{version}")
    found = from_directory(root, entry_files, target.binary_names, label=tgz.name)
    return found.origin, extract(found, target, version)


class _Context:
    """The source, its scan, and the lookups extraction shares: chunks and their imports, constants and
    function bodies."""

    def __init__(
        self,
        source: str,
        scan: js.Scan,
        version: str,
        anchors: tuple[str, ...] = (),
        module_starts: list[int] | None = None,
        module_files: list[str] | None = None,
    ):
        self.source = source
        self.module_starts = module_starts or [0]
        self.module_files = module_files or [""]
        self._clauses: tuple[list[list[tuple[int, str]]], dict[int, list[tuple[int, str]]]] | None = None
        self._imports: dict[int, dict[str, tuple[int, str]]] = {}
        self._exports: dict[int, dict[str, str]] = {}
        self.anchors = anchors
        self.scan = scan
        self.version = version
        self._bindings: dict[str, list[int]] | None = None
        self._schemas: dict[tuple[int, str], dict[str, list[int]]] = {}
        self._arrays: dict[int, tuple[str, int]] | None = None
        self._joining = 0  # joined arrays being read, one inside another
        self._values: dict[int, str] = {}
        self._functions: tuple[list[int], list[str]] | None = None
        self._by_name: dict[str, list[int]] | None = None
        self._bodies: dict[int, tuple[int, int] | None] = {}
        self._lazies: dict[str, list[int]] | None = None

    @property
    def bindings(self) -> dict[str, list[int]]:
        """Every `X="literal"` (or template) in code: name → where its literals start, in source order."""
        if self._bindings is None:
            found: dict[str, list[int]] = defaultdict(list)
            src = self.source
            templates = [start for start in self.scan.templates if _equals_before(src, start) >= 0]
            arrays = [start for start in self.arrays if _equals_before(src, start) >= 0]  # `X=[…].join("\n")`
            for start in sorted([*self.scan.assigned, *templates, *arrays]):
                equals = _equals_before(src, start)
                if src[equals - 1] not in "=!<>" and (name := _name_before(src, equals)):
                    found[name].append(start)
            self._bindings = found
        return self._bindings

    def maker(self, call: re.Match[str], group: int = 1) -> tuple[int, str]:
        """The function a call `name(…)` or `name.member(…)` calls (the name and `.member` matched as
        `group` and the next), the same however each chunk names it: a namespace's method by its name
        (`y.object`), a function by where it is declared (`Se`, imported as `c` elsewhere)."""
        member = call.group(group + 1)
        return (-1, member) if member else self.origin(call.group(group), call.start(group))

    def schemas(self, maker: tuple[int, str]) -> dict[str, list[int]]:
        """Every object a maker builds bound to a name in code (`X=y.object({`, `X=lazy(()=>Se({`): name
        → where its `{` opens. Found from the maker's calls (`.object({` anywhere, `Se({` in each chunk that
        declares or imports it, under its name there: literals, fast to search for), one pass."""
        if maker not in self._schemas:
            module, name = maker
            places = [(-1, name)] if module < 0 else [(module, name), *self.importers(module, name)]
            found: dict[str, list[int]] = defaultdict(list)
            src = self.source
            for where, local in places:
                lo, hi = (0, len(src)) if where < 0 else self.module_range(where)
                for m in re.compile(re.escape(local) + r"\(\{").finditer(src, lo, hi):
                    bound = _SCHEMA_BINDING.search(src, max(lo, m.start() - 80), m.end() - 2)
                    if bound and (bound.group(3) or bound.group(2)) == local and self.scan.in_opaque(bound.start()) is None:
                        found[bound.group(1)].append(m.end() - 1)
            self._schemas[maker] = found
        return self._schemas[maker]

    @property
    def arrays(self) -> dict[int, tuple[str, int]]:
        """Arrays of lines joined into one text, `[…].join("\n")` (the separator a literal): where each
        `[` opens → (the separator, where the `.join(…)` call ends). Found from `].join(`, one pass."""
        if self._arrays is None:
            src, scan, found = self.source, self.scan, {}
            for m in _JOIN.finditer(src):
                sep = scan.literal_at(m.end() - 1)
                if sep is None or sep.expressions or src[sep.end : sep.end + 1] != ")" or scan.in_opaque(m.start()) is not None:
                    continue
                bracket = scan.enclosing_open(m.start(), window=_JOIN_REACH)
                if bracket >= 0 and src[bracket] == "[":
                    found[bracket] = (sep.text, sep.end + 1)
            self._arrays = found
        return self._arrays

    def _value(self, start: int) -> str:
        """The text of the literal (or joined array) at start (cooked once)."""
        if start not in self._values:
            self._values[start] = js.PLACEHOLDER  # an array that names itself is not followed round
            if start in self.arrays:
                if self._joining < _JOIN_DEPTH:
                    self._joining += 1
                    try:
                        self._values[start] = self._joined(start)
                    finally:
                        self._joining -= 1
            else:
                lit = self.scan.literal_at(start)
                self._values[start] = lit.text if lit else ""
        return self._values[start]

    def _joined(self, bracket: int) -> str:
        """The text `[…].join(sep)` makes: literal items as they are, names of constants as their text,
        other items (spreads, calls) as `${…}`, or the prose they hold."""
        src, parts = self.source, []
        for a, b in self.scan.elements(bracket):
            while a < b and src[a].isspace():
                a += 1
            lit = self.scan.literal_at(a)
            if lit is not None and lit.end == b:
                parts.append(lit.text)
            elif _WHOLE_NAME.fullmatch(src, a, b) and (value := self.constant(src[a:b], a)) is not None:
                parts.append(value)
            else:
                parts.append(self.prose(a, b) or js.PLACEHOLDER)
        return self.arrays[bracket][0].join(parts)

    def module_index(self, pos: int) -> int:
        """Which code module holds pos (cli.js is one module)."""
        return max(bisect.bisect_right(self.module_starts, pos) - 1, 0)

    def module_range(self, module: int) -> tuple[int, int]:
        """A code module's [start, end) in the source."""
        end = self.module_starts[module + 1] if module + 1 < len(self.module_starts) else len(self.source)
        return self.module_starts[module], end

    @property
    def clauses(self) -> tuple[list[list[tuple[int, str]]], dict[int, list[tuple[int, str]]]]:
        """Every `import{a,b as c}from"/$bunfs/root/chunk-….js"` (a native build's chunks share top-level
        names), unparsed: per module, (module imported from, `a,b as c`); per module imported from,
        (importing module, `a,b as c`). A clause is parsed when a name in it is asked for."""
        if self._clauses is None:
            by_file = {f: i for i, f in enumerate(self.module_files) if f}
            per_module: list[list[tuple[int, str]]] = [[] for _ in self.module_starts]
            by_origin: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for m in _IMPORT.finditer(self.source):
                names, path = m.groups()
                origin = by_file.get(path[max(path.rfind("/"), path.rfind("\\")) + 1 :])
                if origin is not None and self.scan.in_opaque(m.start()) is None:
                    module = self.module_index(m.start())
                    per_module[module].append((origin, names))
                    by_origin[origin].append((module, names))
            self._clauses = (per_module, by_origin)
        return self._clauses

    def imports(self, module: int) -> dict[str, tuple[int, str]]:
        """A module's imports: local name → (module it comes from, name exported there)."""
        if module not in self._imports:
            self._imports[module] = {
                alias or name: (origin, name) for origin, names in self.clauses[0][module] for name, alias in _IMPORTED_NAME.findall(names)
            }
        return self._imports[module]

    def exported(self, module: int, name: str) -> str:
        """The local name behind `name` in a module's `export{local as name}`."""
        if module not in self._exports:
            self._exports[module] = {
                alias or local: local for m in _EXPORT.finditer(self.source, *self.module_range(module)) for local, alias in _IMPORTED_NAME.findall(m.group(1))
            }
        return self._exports[module].get(name, name)

    def origin(self, name: str, pos: int) -> tuple[int, str]:
        """Where the name used at pos is declared: (module, its name there), following
        `import{x as name}` (and re-exports) to the module that binds it."""
        module = self.module_index(pos)
        for _ in range(4):  # re-exports: a → b → c
            if name not in (table := self.imports(module)) or self._binds(module, name):
                break
            module, exported = table[name]
            name = self.exported(module, exported)
        return module, name

    def _binds(self, module: int, name: str) -> list[str]:
        bound = self.bindings.get(name)
        if not bound:
            return []
        start, end = self.module_range(module)
        return [self._value(at) for at in bound[bisect.bisect_left(bound, start) : bisect.bisect_left(bound, end)]]

    def importers(self, module: int, name: str) -> list[tuple[int, str]]:
        """Modules that import `name` from `module` (under any local name): [(module, local name)]."""
        self.exported(module, name)
        exports = self._exports[module]
        names = {exported for exported, local in exports.items() if local == name}
        if name not in exports:
            names.add(name)
        return list(dict.fromkeys(
            (importer, alias or exported)
            for importer, clause in self.clauses[1].get(module, [])
            if any(n in clause for n in names)  # the clause may name it: parse it
            for exported, alias in _IMPORTED_NAME.findall(clause)
            if exported in names
        ))

    def constant(self, name: str, pos: int) -> str | None:
        """The literal `name` stands for at pos: the one value it is bound to in the module that declares
        it (pos's own, or the one it is imported from). Every chunk of a native build, and every scope,
        reuses the same short names, so a binding anywhere else says nothing."""
        values = set(self._binds(*self.origin(name, pos)))
        return values.pop() if len(values) == 1 else None

    def constants_matching(self, pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
        """(name, where bound, value) of each constant whose whole value matches, once per module (the
        pattern is tried on the raw text, so that no other literal is cooked)."""
        src, out, seen = self.source, [], set()
        for name, bound in self.bindings.items():
            for at in bound:
                m = pattern.match(src, at + 1)
                if m and src[m.end()] == src[at] and (key := (name, self.module_index(at))) not in seen:
                    seen.add(key)
                    if self.constant(name, at) == m.group():
                        out.append((name, at, m.group()))
        return out

    def first_arguments(self, names: dict[str, set[int]]) -> dict[str, list[int]]:
        """Where each name is a call's first argument (`f(name,` / `f(name)`), looked for only in the
        modules given for it, in one pass over each module."""
        found: dict[str, list[int]] = defaultdict(list)
        wanted: dict[int, set[str]] = defaultdict(set)
        for name, modules in names.items():
            for module in modules:
                wanted[module].add(name)
        for module in sorted(wanted):
            here = wanted[module]
            for m in _FIRST_ARGUMENT.finditer(self.source, *self.module_range(module)):
                if m.group(1) in here and self.scan.in_opaque(m.start()) is None:
                    found[m.group(1)].append(m.start(1))
        return found

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

    def builder(self, name: str, pos: int) -> tuple[int, int] | None:
        """The code a call `name(…)` at pos runs to build its value: the thunk of `name=lazy(()=>…)` bound
        nearest before it in its module (one pass finds every such binding), or a function's body."""
        if self._lazies is None:
            self._lazies = defaultdict(list)
            for m in _THUNK.finditer(self.source):
                if bound := _BOUND_TO.search(self.source[max(0, m.start() - 80) : m.start()]):
                    self._lazies[bound.group(1)].append(m.start())  # the `(` of `lazy(`
        module, local = self.origin(name, pos)
        lo, hi = self.module_range(module)
        starts = self._lazies.get(local, [])
        here = starts[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]
        if not here:  # or a function: `function base(e){return z.object({…})}`, `function pick(){return gate()?a():b()}`
            return self.called(name, pos)
        before = [s for s in here if s < pos] or here
        opened = before[-1]
        closed = self.scan.match_bracket(opened)
        return (opened, closed) if closed > opened else None

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

    def prose(self, start: int, end: int, follow: int = 0, seen: set[int] | None = None, names: bool = True) -> str:
        """The text a code span produces, in source order: its natural-language literals, the constants
        it names that hold such text (`[...lines, NOTE]` with `var NOTE="…"` at module level), and with
        `follow`, the text of the functions it calls, that many calls deep (`prompt(){return build(m)}`)."""
        src, scan = self.source, self.scan
        pieces = [(lit.start, t) for lit in scan.literals(start, end) if _is_prose(t := self.text(lit), 3)]
        bindings, named = self.bindings if names else {}, set()
        local = _locals(src, start, end) if names or follow > 0 else set()
        for m in _REFERENCE.finditer(src, start, end) if names else ():
            name, at = m.group(1), m.start()
            if name in bindings and name not in local and name not in js.JS_WORDS and scan.in_opaque(at) is None and not _declared_or_key(src, at, m.end()):
                value = self.constant(name, at)
                if value is not None and value not in named and _is_prose(value, 3):  # once: `a?[X,…]:[X]`
                    named.add(value)
                    pieces.append((at, self.clean(value)))
        if follow > 0:
            seen = seen if seen is not None else {start}
            for m in _CALL.finditer(src, start, end):
                name, at = m.group(1), m.start()
                if name in js.JS_WORDS or name in local or scan.in_opaque(at) is not None or not (span := self.called(name, at)) or span[0] in seen:
                    continue
                seen.add(span[0])
                if text := self.prose(*span, follow - 1, seen):
                    pieces.append((at, text))
        pieces.sort(key=lambda piece: piece[0])
        return "\n".join(text for _, text in pieces)

    def called(self, name: str, pos: int) -> tuple[int, int] | None:
        """The body of the function a call at pos reaches: declared in the module that binds the name
        (imports followed), the definition nearest the call there; None for a large one (a module
        wrapper or a program, not a text builder)."""
        module, local = self.origin(name, pos)
        lo, hi = self.module_range(module)
        starts = self.function_starts(local)
        here = starts[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]
        if not here:
            return None
        span = self.body(min(here, key=lambda s: abs(s - pos)))
        return span if span and span[1] - span[0] <= _FOLLOW_LIMIT else None

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
        return self.constant(name, start) or "", None

    def normalize_condition(self, cond: str, near: int) -> str:
        """A condition, alpha-renamed, with short helper functions it calls inlined so that what they
        test (model names, server-side flags) is visible and comparable."""
        parts = [js.normalize_code(cond)]
        for name in dict.fromkeys(re.findall(r"(" + _IDENT + r")\(", cond)):
            span = self.function_named(name, near=near)
            if span and span[1] - span[0] <= 600:
                parts.append("where " + js.normalize_code(self.source[span[0] : span[1]]))
        return " ".join(parts)


def _locals(src: str, start: int, end: int) -> set[str]:
    """The names a function body at [start, end) binds itself: its parameters (`prompt({agents:q,getContext:_})`
    binds q and _) and its declarations (`let Y=…,A=[]`). A call of one, or a use, is no call or use of the
    module's function or constant of that name (the minifier reuses short names), so its text is not the tool's."""
    params = _PARAMETER_LIST.search(src, max(0, start - _PARAMETER_LIST_REACH), start + 1)
    found = {m.group(1) for m in _BOUND_NAME.finditer(params.group(1))} if params else set()
    return found | {m.group(1) for m in _DECLARED.finditer(src, start, end)}


def _env_reads(ctx: _Context, target: Target) -> set[str]:
    """Env var names used in code: `process.env.X`, and from 2.1.160 on `env.X` of a typed env object
    (`y8.CLAUDE_CODE_X`, whose schema lists `CLAUDE_CODE_X:()=>…`) — any receiver, any key."""
    src, found = ctx.source, set()
    for m in _ENV_CODE_PIECE.finditer(src):
        head = _ENV_HEAD.search(src, max(0, m.start() - 30), m.start())
        if head:
            name = head.group() + m.group()
            if name.startswith(target.identifier_prefixes) and _ENV.match(name) and ctx.scan.in_opaque(m.start()) is None:
                found.add(name)
    return found


def _equals_before(src: str, start: int) -> int:
    """Where the `=` just before `start` is (`X="…"`, or unminified `X = "…"`), or -1."""
    if src[start - 1] == "=":
        return start - 1
    return start - 2 if src[start - 2 : start] == "= " else -1


def _name_before(src: str, equals: int) -> str:
    """The identifier assigned by the `=` at `equals` (`X=`, `X =`, not `a.X=` nor `X==`), or ""."""
    start = equals - 1 if src[equals - 1 : equals] == " " else equals
    equals = start
    while start > 0 and src[start - 1] in _IDENT_CHARS:
        start -= 1
    name = src[start:equals]
    return name if name and not name[0].isdigit() and src[start - 1 : start] != "." else ""


def _declared_or_key(src: str, start: int, end: int) -> bool:
    """`name=` (assigned here, not read) or `{name:` (an object key, not a value)."""
    after = src[end : end + 2]
    return (after[:1] == "=" and after != "==") or (after[:1] == ":" and src[start - 1] in "{,")


def _is_prose(text: str, min_words: int) -> bool:
    gaps = text.count(" ") + text.count("\n")  # words end at line breaks too: `<tag>Text…\n\n${…}</tag>`
    if len(text) < 12 or gaps < min_words - 1:
        return False
    words = _WORD.findall(text)
    if len(words) < min_words:
        return False
    letters = sum(map(len, words)) + gaps
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
        if fn is None or any(a <= fn[0] < b or a <= lit.start < b for a, b in spans) or _script(lit.text):
            continue
        name = "# " + h.group(1).strip()
        if name not in sections and not _script(ctx.prose(*fn, names=False)):  # a shell script's lines are its own
            text = ctx.prose(*fn)
            sections[name] = (text, "")
            spans.append(fn)
    return sections, spans


def _script(text: str) -> bool:
    """Shell or metrics text (`# comment` lines, `echo … >> "$F"`, `# TYPE x gauge`): its `# ` lines are
    comments, not prompt headings. Told by the lines after the first: half of them or more look so."""
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and _METRICS.match(lines[0]):
        return True
    rest = lines[1:]
    return bool(rest) and sum(1 for line in rest if _SCRIPT_LINE.match(line)) * 2 >= len(rest)


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
        elif renderer := _renderer(ctx, start, end):  # `["guidance", show(y.guidance, R.guidance)]`
            text = _rendered_text(ctx, *renderer, spans)
        sections.setdefault(name, (text, ""))


def _renderer(ctx: _Context, start: int, end: int) -> tuple[int, int] | None:
    """Sections rendered through a shared helper, `show(decisions.x, R.x)` with `R=renderers(…)` and
    `function renderers(){return{x:(d)=>d?TEXT:null,…}}`: the span of the `x:` value, where the text is."""
    src = ctx.source
    members = list(_MEMBER.finditer(src, start, end))
    if not members:
        return None
    holder, key = members[-1].group(1), members[-1].group(2)  # the last `R.x` of the pair
    made = list(re.compile(r"(?<![\w$.])" + re.escape(holder) + r"=(" + _IDENT + r")\(").finditer(src, max(0, start - 5000), start))
    body = ctx.function_named(made[-1].group(1), near=made[-1].start()) if made else None  # the nearest `R=renderers(`
    if body is None:
        return None
    for k in re.compile(r"[{,]" + re.escape(key) + r":").finditer(src, *body):
        brace = ctx.scan.enclosing_open(k.start() + 1, window=k.start() - body[0] + 1)
        value = ctx.scan.object_keys(brace).get(key) if brace >= 0 and src[brace] == "{" else None
        if value:
            return value
    return None


def _rendered_text(ctx: _Context, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """A renderer's text: its own literals, else the constants and functions it names (whose spans
    join `spans`: their text is this section's, not a heading section's or a loose string's)."""
    spans.append((start, end))
    text = ctx.prose(start, end)
    if text:
        return text
    src, parts = ctx.source, []
    params = {p for m in _ARROW_PARAMS.finditer(src, start, end) for p in re.findall(_IDENT, m.group(1) or m.group(2) or "")}
    for m in _REFERENCE.finditer(src, start, end):
        name = m.group(1)
        if name in js.JS_WORDS or name in params:
            continue
        if (value := ctx.constant(name, m.start())) is not None:
            parts.append(ctx.clean(value))
        elif span := ctx.function_named(name, near=m.start()):
            parts.append(ctx.prose(*span))
            spans.append(span)
    return "\n".join(p for p in parts if p)


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
    model_piece, model_id = _model_patterns(target.vocabulary.model_prefix, target.vocabulary.model_families)
    for kind, piece, whole in (("model", model_piece, model_id.match), ("beta", _BETA_PIECE, _BETA.match), ("env", _ENV_PIECE, env_ok)):
        for m in piece.finditer(src):
            lit = scan.literal_containing(m.start())
            if lit is not None and not lit.expressions and whole(lit.text):
                facts[kind][lit.text] = ""
    if not target.vocabulary.flag_prefixes:  # no way to tell a feature flag's name from any other word
        flag_piece = re.compile(r"(?!)")
    else:
        flag_piece = re.compile("|".join(re.escape(p) for p in target.vocabulary.flag_prefixes) + r"\w+")
    gates: dict[tuple[int, str, str], list[tuple[str, str]]] = defaultdict(list)

    def read(name: str, quote: int, after: int) -> None:
        """A flag literal (or a name bound to one) ending just before `after`, maybe a call's first argument
        (of `gate(` or `store.read(`): grouped by the function called, wherever it is declared."""
        if callee := _CALLEE_BEFORE.search(src, max(0, quote - 60), quote):
            key = (*ctx.origin(callee.group(1), quote), callee.group(2) or "")
        elif method := _METHOD_BEFORE.search(src, max(0, quote - 60), quote):  # `store()?.cached(F,null)`
            key = (-1, "", method.group(1))
        else:
            return
        gates[key].append((name, src[after : after + 24]))

    for m in flag_piece.finditer(src):
        quote = m.start() - 1
        if src[quote] in "\"'" and src[m.end() : m.end() + 1] == src[quote] and scan.is_literal_start(quote):
            read(m.group(), quote, m.end() + 1)
    # `var qn="tengu_x";function jn(){return gate(qn,!1)}`: the same read through a name bound once
    readers = []  # (flag, [(module, name there)]): the module binding it and those importing it
    for name, at, value in ctx.constants_matching(flag_piece):
        home = ctx.module_index(at)
        readers.append((value, [(home, name), *ctx.importers(home, name)]))
    wanted: dict[str, set[int]] = defaultdict(set)
    for _, places in readers:
        for module, local in places:
            wanted[local].add(module)
    uses = ctx.first_arguments(wanted)
    for value, places in readers:
        for module, local in places:
            start, end = ctx.module_range(module)
            positions = uses.get(local, [])
            for pos in positions[bisect.bisect_left(positions, start) : bisect.bisect_left(positions, end)]:
                if ctx.constant(local, pos) == value:
                    read(value, pos, pos + len(local))
    facts["flag"].update(_flags(gates))
    skip = sorted(skip_spans)
    joined = []  # an array of lines joined into one text is that text, not its lines
    for bracket, (_, end) in ctx.arrays.items():
        text = ctx.clean(ctx._value(bracket))
        if _is_prose(text, 8) and not _inside(bracket, skip):
            facts["string"][_digest(text)] = text
            joined.append((bracket, end))
    for pieces in _concatenations(ctx):
        text = "".join(ctx.text(piece) for piece in pieces)
        if _is_prose(text, 8) and not _inside(pieces[0].start, skip):
            facts["string"][_digest(text)] = text
            joined.append((pieces[0].start, pieces[-1].end))
    skip = sorted(skip + joined)
    for lit in scan.literals(min_length=60):
        text = ctx.text(lit)
        if _is_prose(text, 8) and not _inside(lit.start, skip):
            facts["string"][_digest(text)] = text
    for text in _reminders(ctx):
        facts["string"][_digest(text)] = text


def _concatenations(ctx: _Context) -> list[list[js.Literal]]:
    """Literals joined by `+` into one text (`Agent '${a}' would be spawned with zero tools. ` + `Its tools list …`:
    the minifier keeps a long message's source lines apart), each as its pieces in order: the text is
    their whole, not its first line. Found by the junction's quotes (fast to search for), kept where both
    sides are literals the scan found, not a `"+"` inside a string."""
    src, scan = ctx.source, ctx.scan
    after: dict[int, js.Literal] = {}  # a piece's start → the piece that follows it
    pieces: dict[int, js.Literal] = {}
    for m in _JUNCTION.finditer(src):
        plus = m.start() + 1
        if scan.in_opaque(plus) is not None or not scan.is_literal_start(plus + 1) or scan.in_opaque(plus - 1) != plus:
            continue
        left, right = scan.literal_containing(plus - 1), scan.literal_at(plus + 1)
        if left is None or right is None:
            continue
        pieces[left.start], pieces[right.start] = left, right
        after[left.start] = right
    followers = {lit.start for lit in after.values()}
    chains = []
    for start in sorted(after.keys() - followers):  # each chain from its first piece
        chain = [pieces[start]]
        while (nxt := after.get(chain[-1].start)) is not None and len(chain) < _CHAIN:
            chain.append(nxt)
        chains.append(chain)
    return chains


@functools.cache
def _model_patterns(prefix: str, families: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A piece every model id of the target starts with (`claude-`: a literal the regex engine skips
    through the source to), and a whole id: one with a version number (claude-opus-4-7,
    claude-3-5-sonnet-…, gemini-2.5-pro) or a bare family alias (claude-opus). A target without a
    model prefix has no model ids found this way (the pieces match nothing)."""
    if not prefix:
        return re.compile(r"(?!)"), re.compile(r"(?!)")
    p = re.escape(prefix)
    aliases = "|".join(re.escape(f) for f in sorted(families)) or "(?!)"
    return re.compile(p + r"-[a-z0-9]"), re.compile(rf"^(?:[a-z]+\.)?{p}-(?:[a-z]+-)*\d[a-z0-9.@:-]*$|^{p}-(?:{aliases})$")


def _reminders(ctx: _Context) -> list[str]:
    """Texts the model is sent as a meta message (a system reminder), `{content:TEXT,isMeta:!0}`, however
    short or unlike prose: each is read by the model every time its event fires."""
    src, scan, out = ctx.source, ctx.scan, []
    for m in _META_MESSAGE.finditer(src):
        brace = scan.enclosing_open(m.start(), window=_REMINDER_REACH)
        if brace < 0 or src[brace] != "{" or scan.in_opaque(m.start()) is not None:
            continue
        if value := scan.object_keys(brace).get("content"):
            texts = [text for lit in scan.literals(*value) if " " in (text := ctx.text(lit)) and len(_WORD.findall(text)) > 1]
            out.extend(texts or [ctx.prose(*value, follow=1)])
    return [text for text in out if text]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return any(a <= pos < b for a, b in spans[max(0, i - 8) : i + 1])


def _flags(gates: dict[tuple[int, str, str], list[tuple[str, str]]]) -> dict[str, str]:
    """Feature flags are read through gate functions called `gate("flag", default)`; telemetry events go
    through functions whose second argument is an object (`log("event",{…})`). Classify each callee (the
    function called, wherever it is declared) by how it is mostly called; then every read through a gate
    counts, whatever its default (a literal gives the flag's value, `gate(F,x)` only its presence)."""
    values: dict[str, set[str]] = defaultdict(set)
    for calls in gates.values():
        payloads = [after for _, after in calls if after.startswith(",{") and not _GATE_ARG.match(after[1:])]
        if len(payloads) * 2 > len(calls):
            continue
        for name, after in calls:
            m = _GATE_ARG.match(after[1:]) if after.startswith(",") else None
            value = m.group(1) if m else ""
            values[name].add({"!0": "true", "!1": "false", "void 0": "undefined"}.get(value, value))
    flags = {}
    for name, found in values.items():
        literal = found - {""}
        flags[name] = "(several)" if len(literal) > 1 else next(iter(literal), "")
    return flags


def _tools(ctx: _Context) -> dict[str, object]:
    """Built-in tools: objects with `name:X … async prompt(){…}`; the prompt is the tool description the
    model reads, then its parameters (`_parameter_lines`). The name is the object's own `name` (before or
    after the prompt), else the last `name:` before it."""
    src, scan = ctx.source, ctx.scan
    tools: dict[str, object] = {}
    for m in re.finditer(r"async prompt\(([^)]*)\)\{", src):
        if scan.in_opaque(m.start()) is not None:
            continue
        tool = scan.enclosing_open(m.start(), window=_DECLARATION_REACH)
        fields = scan.object_keys(tool) if tool >= 0 and src[tool] == "{" else {}
        if "name" in fields:
            name = _name_value(ctx, *fields["name"])
        elif names := list(re.finditer(r"[{,]name:(" + _IDENT + r"|\"[^\"]+\")[,}]", src[max(0, m.start() - 1500) : m.start()])):
            raw = names[-1].group(1)
            name = raw.strip('"') if raw.startswith('"') else ctx.constant(raw, m.start())
        else:
            continue
        brace = m.end() - 1
        end = scan.match_bracket(brace)
        if not name or end < 0 or name in tools:
            continue
        tools[name] = "\n\n".join(t for t in (ctx.prose(brace, end, follow=_TOOL_FOLLOW), _parameter_lines(ctx, tool if fields else -1)) if t)
    return tools


def _parameter_lines(ctx: _Context, tool: int) -> str:
    """The parameters of the tool object opening at `tool` (-1: none), from the zod schema its
    `inputSchema` getter returns: one "`name`: description" line each, by name. The model reads them in
    the tool's schema even where no captured run offered the tool (gated, or fetched on demand), and a
    parameter that came or went (`mode` of the Agent tool) is a change of what the model can ask for."""
    end = ctx.scan.match_bracket(tool) if tool >= 0 else -1
    getter = _INPUT_SCHEMA.search(ctx.source, tool, end) if end > 0 else None
    if getter is None:
        return ""
    found: dict[str, str] = {}
    _schema_parameters(ctx, getter.group(1), getter.start(1), found, _SCHEMA_FOLLOW, set())
    return "\n".join(f"`{name}`: {found[name]}" for name in sorted(found))


def _schema_parameters(ctx: _Context, name: str, pos: int, found: dict[str, str], follow: int, seen: set[int]) -> None:
    """Into `found`, each key of the zod objects the schema `name` (called at `pos`) builds that has a
    `.describe("…")` of its own (an array's item object's keys too: the model fills them), first found
    first; with `follow`, the same for the schemas it calls (`base().merge(e)`)."""
    span = ctx.builder(name, pos)
    if span is None or span[0] in seen or len(seen) >= _SCHEMAS_READ:
        return
    seen.add(span[0])
    src, scan = ctx.source, ctx.scan
    start, end = span
    for m in _OBJECT_ARGUMENT.finditer(src, start, end):
        brace = m.end() - 1
        if scan.in_opaque(brace) is not None:
            continue
        for key, (lo, hi) in scan.object_keys(brace).items():
            if len(found) >= _TOOL_PARAMETERS:
                return
            if key in found:
                continue
            said = [lit for lit in _descriptions(ctx, lo, hi) if scan.enclosing_open(lit.start - 1, window=hi - brace) == brace]
            if said and (text := ctx.text(said[-1]).strip()):
                found[key] = " ".join(text.split())
    if follow > 0:
        for m in _CALL.finditer(src, start, end):
            if m.group(1) not in js.JS_WORDS and scan.in_opaque(m.start()) is None:
                _schema_parameters(ctx, m.group(1), m.start(), found, follow - 1, seen)


def _descriptions(ctx: _Context, start: int, end: int) -> list[js.Literal]:
    """The literals in [start, end) passed to a zod `.describe(…)`, in order."""
    return [lit for lit in ctx.scan.literals(start, end) if ctx.source.endswith("describe(", lit.start - 9, lit.start)]


def parameters(tool: str) -> list[str]:
    """The parameter names a tool's text lists (`_parameter_lines`): what the model may pass it."""
    return _PARAMETER_LINE.findall(tool)


def _declarations(ctx: _Context, keys: tuple[str, ...]) -> dict[str, object]:
    """Tools declared to the model as object literals `{name: N, description: D, KEY: {…}}` (KEY the
    target's, Gemini's `parametersJsonSchema`): name → the description and its parameters' descriptions.
    A name declared again with other words (a tool set per model family) is kept too, as `name (2)`, … in
    source order; the same words again are one tool."""
    if not keys:
        return {}
    src, scan = ctx.source, ctx.scan
    found: dict[str, object] = {}
    for m in re.finditer(r"(?<![\w$.])(?:" + "|".join(map(re.escape, keys)) + r")\s*:\s*\{", src):
        if scan.in_opaque(m.start()) is not None:
            continue
        brace = scan.enclosing_open(m.start(), window=_DECLARATION_REACH)
        fields = scan.object_keys(brace) if brace >= 0 and src[brace] == "{" else {}
        if "name" not in fields or "description" not in fields:
            continue
        name = _name_value(ctx, *fields["name"])
        key = next((k for k in fields if k in keys), "")
        if not name or not key:
            continue
        text = "\n".join(t for t in (ctx.prose(*fields["description"], follow=_TOOL_FOLLOW), ctx.prose(*fields[key])) if t)
        same = [k for k in found if k == name or k.startswith(f"{name} (")]
        if not any(found[k] == text for k in same):
            found[f"{name} ({len(same) + 1})" if same else name] = text
    return found


def _name_value(ctx: _Context, start: int, end: int) -> str | None:
    """The string a value span holds: a literal, or a constant's name."""
    raw = ctx.source[start:end].strip()
    if raw[:1] in "\"'`":
        lit = ctx.scan.literal_at(start + ctx.source[start:end].index(raw[0]))
        return lit.text if lit is not None and not lit.expressions else None
    return ctx.constant(raw, start) if re.fullmatch(_IDENT, raw) else None


def _settings(ctx: _Context) -> dict[str, object]:
    """Keys of the settings.json schema (a zod object), each with its description. The schema object is
    the one that declares `apiKeyHelper` as an optional zod value; the largest such object wins."""
    src, scan = ctx.source, ctx.scan
    best: dict[str, tuple[int, int]] = {}
    where = -1
    for m in _SETTINGS_ANCHOR.finditer(src):
        if scan.in_opaque(m.start()) is not None:
            continue
        brace = scan.enclosing_open(m.start(), window=50_000)
        if brace >= 0 and src[brace] == "{":
            keys = scan.object_keys(brace)
            if len(keys) > len(best):
                best, where = keys, brace
    if where >= 0:
        best = _schema_keys(ctx, where)
    maker = _object_maker(ctx, where, best)
    return _described(ctx, best, maker) | _more_settings(ctx, best, maker)


def _schema_keys(ctx: _Context, brace: int) -> dict[str, tuple[int, int]]:
    """A schema object's keys, and those of the object literals it spreads in, as they are or under a
    condition (`...{voiceEnabled:…}`, `...env.X&&{xaaIdp:…}`): settings all the same."""
    src, scan = ctx.source, ctx.scan
    keys = scan.object_keys(brace)
    for start, end in scan.elements(brace):
        if not src.startswith("...", start):
            continue
        for m in _SPREAD_OBJECT.finditer(src, start, end):
            inner = m.end() - 1
            if scan.in_opaque(inner) is None and scan.enclosing_open(inner, window=inner - brace) == brace:
                keys |= _schema_keys(ctx, inner)
    return keys


def _object_maker(ctx: _Context, brace: int, keys: dict[str, tuple[int, int]]) -> tuple[int, str] | None:
    """The function that builds zod objects (`y.object`, `Se`, `u`), whatever zod is called in this build:
    the one that builds most of the schema's objects, itself (`Se({…apiKeyHelper…})`) and its values
    (`sandbox:Se({…})`, `sandbox:()=>u({…})` in a schema of thunks, itself passed to no call)."""
    src = ctx.source
    called = [_CALLEE_BEFORE.search(src, max(0, brace - 60), brace)] if brace >= 0 else []
    called += [_OBJECT_VALUE.match(src, start, end) for start, end in keys.values()]
    makers = Counter(ctx.maker(m) for m in called if m)
    return makers.most_common(1)[0][0] if makers else None


def _more_settings(ctx: _Context, top: dict[str, tuple[int, int]], maker: tuple[int, str] | None) -> dict[str, object]:
    """Settings the schema object does not list itself: keys inside its object values, as dotted paths
    (`sandbox.network.deniedDomains`), and the keys of feature-gated shapes merged into it
    (`autoMode:{buildGate:…,shape:()=>({…}),permissionsShape:()=>({…})}`), with theirs."""
    src, scan = ctx.source, ctx.scan
    out = _nested_settings(ctx, top, maker)
    for m in _GATED_SHAPE.finditer(src):
        permissions = src[m.start() - 12 : m.start()] == "permissionsS"
        key = m.start() - (12 if permissions else 1)
        if src[key - 1] not in ",{" or src[key] not in "ps" or scan.in_opaque(key) is not None:
            continue
        feature = scan.enclosing_open(key, window=_GATE_REACH)
        if feature < 0 or src[feature] != "{" or "buildGate" not in scan.object_keys(feature):
            continue
        prefix = "permissions." if permissions else ""
        keys = _schema_keys(ctx, m.end() - 1)
        out |= _described(ctx, keys, maker, prefix) | _nested_settings(ctx, keys, maker, prefix)
    return out


def _nested_settings(
    ctx: _Context, keys: dict[str, tuple[int, int]], maker: tuple[int, str] | None, prefix: str = "", depth: int = 1
) -> dict[str, object]:
    """Keys of the settings that are objects, as dotted paths (`sandbox.network.deniedDomains`), each
    with its description: the changelog names them so, and a key added inside `sandbox` is a new setting."""
    out: dict[str, object] = {}
    for key, (start, end) in keys.items():
        brace = _schema_object(ctx, start, end, maker)
        if brace < 0:
            continue
        inner = _schema_keys(ctx, brace)
        out |= _described(ctx, inner, maker, f"{prefix}{key}.")
        if depth < _NESTED_DEPTH:
            out |= _nested_settings(ctx, inner, maker, f"{prefix}{key}.", depth + 1)
    return out


def _described(ctx: _Context, keys: dict[str, tuple[int, int]], maker: tuple[int, str] | None, prefix: str = "") -> dict[str, object]:
    """Each key (with `prefix`) → its value's `.describe("…")` text ("" without one); for an object
    value, its own description, not one of its keys'."""
    scan = ctx.scan
    out: dict[str, object] = {}
    for key, (start, end) in keys.items():
        inner = _schema_object(ctx, start, end, maker)
        after = max(start, scan.match_bracket(inner)) if start <= inner < end else start  # inline: after it
        described = _descriptions(ctx, after, end)
        out[prefix + key] = ctx.text(described[-1]) if described else ""
    return out


def _schema_object(ctx: _Context, start: int, end: int, maker: tuple[int, str] | None) -> int:
    """Where the zod object a settings value declares opens (its `{`), or -1: the value is no object
    built by `maker`, inline, bound to a name or returned by a function."""
    src = ctx.source
    if maker is None:
        return -1
    if m := _OBJECT_VALUE.match(src, start, end):
        return m.end() - 1 if ctx.maker(m) == maker else -1
    if (m := _SCHEMA_CALL.match(src, start, end)) is None:
        return -1
    module, name = ctx.origin(m.group(1), m.start(1))  # the chunk that binds it (each has its own short names)
    lo, hi = ctx.module_range(module)
    if not m.group(2) and (bound := _nearest([pos for pos in ctx.schemas(maker).get(name, []) if lo <= pos < hi], start)) >= 0:
        return bound  # a schema bound to a name is called with no arguments
    functions = [pos for pos in ctx.function_starts(name) if lo <= pos < hi]
    body = ctx.body(functions[0]) if len(functions) == 1 else None  # a local function's short name is reused
    returned = _RETURNED_OBJECT.match(src, body[0]) if body else None
    return returned.end() - 1 if returned and ctx.maker(returned) == maker else -1


def _nearest(positions: list[int], pos: int) -> int:
    """The position nearest pos, or -1: a module's scopes reuse its short names."""
    return min(positions, key=lambda at: abs(at - pos), default=-1)


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
    # an object key (`{max_tokens:` / `,max_tokens:`) or `return"high"`, in code; a key set to nothing
    # (`context_management:null` in a stub of the API's response message) sets no parameter
    places = [m.start() for m in _EFFORT_RETURN.finditer(src)]
    for key in _REQUEST_KEYS:
        needle = key + ":"
        pos = src.find(needle)
        while pos >= 0:
            if src[pos - 1] in "{," and not _NOTHING.match(src, pos + len(needle)):
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
