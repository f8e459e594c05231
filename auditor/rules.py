"""Rule files: which changes matter, how much, and which changelog words count as evidence.

Rules live in TOML files (`rules/*.toml`) so that users can tune them without Python. Each `[[rule]]`
table matches changes by kind, key pattern, text pattern, status, numeric direction and section
condition; every criterion given must hold. A rule names a category and a severity and lists the
changelog words (or `/regexes/`) that count as evidence for what it matches. A bad rule file is one
`RuleError` line naming the file and the line, never a traceback.

This module also says what a rule can see of a change (`Observed`): the text that appeared and
disappeared (the word diff reports show, `diff.word_diff`), which way a number moved, and whether a
prompt section's inclusion condition was added or dropped.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import string
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from . import js, kinds
from .diff import Change, word_diff
from .errors import RuleError

KINDS = kinds.NAMES

CATEGORIES = {
    "reasoning": "reasoning effort / thinking",
    "model-routing": "model routing",
    "output-length": "output length / verbosity",
    "context": "context retention / compaction",
    "tools-permissions": "tools / permissions",
    "cost": "cost / tokens",
    "telemetry-privacy": "telemetry / privacy",
    "safety": "safety",
    "other": "other",
}
SEVERITIES = ("low", "medium", "high", "critical")
STATUSES = ("added", "removed", "changed", "transient")
DIRECTIONS = ("increased", "decreased")
CONDITIONS = ("added", "removed", "changed")
TITLE_FIELDS = ("label", "key", "kind", "status", "count", "version")

_PATTERN_KEYS = ("key", "text", "added", "removed", "context")
_KEYS = {
    "id", "description", "category", "severity", "title", "kinds", "status", "direction", "condition",
    "evidence", "merge", "exclude", "reaches_model", "sent", "offered", *_PATTERN_KEYS,
}  # fmt: skip
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_RULE_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
_TOML_LINE = re.compile(r"at line (\d+)")


def severity_rank(severity: str) -> int:
    """Position of a severity in low < medium < high < critical."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Observed:
    """What rules see of one change: the text that appeared and disappeared, and how it moved."""

    change: Change
    before: str
    after: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    direction: str | None
    condition: str | None
    parameters: re.Pattern | None = None  # the parameter names of the tools the captured requests offered

    @cached_property
    def offered(self) -> bool:
        """Whether its text (before or after) names a parameter of a tool the model is offered."""
        return self.parameters is not None and any(self.parameters.search(t) for t in (self.before, self.after) if t)

    @cached_property
    def added_text(self) -> str:
        return "\n".join(self.added)

    @cached_property
    def removed_text(self) -> str:
        return "\n".join(self.removed)

    @cached_property
    def folded_added(self) -> str:
        return folded(self.added_text)

    @cached_property
    def folded_removed(self) -> str:
        return folded(self.removed_text)


@dataclass(frozen=True)
class Rule:
    """One `[[rule]]` table. Unset criteria match anything; patterns are case-insensitive."""

    id: str
    category: str
    severity: str
    source: str  # "file:line", for messages
    order: int  # load order: breaks severity ties
    title: str | None = None
    kinds: frozenset[str] = frozenset()
    status: frozenset[str] = frozenset()
    key: re.Pattern | None = None
    text: re.Pattern | None = None
    added: re.Pattern | None = None
    removed: re.Pattern | None = None
    context: re.Pattern | None = None
    exclude: re.Pattern | None = None
    direction: str | None = None
    condition: str | None = None
    evidence: tuple[re.Pattern, ...] = ()
    merge: bool = False
    reaches_model: bool = False  # what it matches is sent to the model even where no capture shows it
    # What it matches is a request field (a max_tokens cap): the captures show what the conversation sends
    # for it, so a number no captured request holds is another request's (a side query's).
    sent: bool = False
    own: bool = False  # from the target's own folder: in its CLI's words, it beats a shared rule of equal weight
    # Its text names a parameter of a tool the model is offered (`subagent_type`, as the captured requests'
    # tool schemas spell it): the CLI wrote it for the model, whatever its words (`Observed.offered`).
    offered: bool = False

    @property
    def structural(self) -> bool:
        """Matches on what a change is (kind, key, condition, direction), not only on words in it:
        such matches are more certain."""
        return self.specific or (bool(self.kinds) and not (self.text or self.added or self.removed or self.context))

    @property
    def specific(self) -> bool:
        """Picks out particular facts (by key, condition or direction), not a whole kind or words."""
        return self.key is not None or self.condition is not None or self.direction is not None

    def patterns(self) -> tuple[re.Pattern, ...]:
        return tuple(p for p in (self.key, self.text, self.added, self.removed, self.context) if p is not None)

    def matches(self, seen: Observed) -> bool:
        change = seen.change
        if self.kinds and change.kind not in self.kinds:
            return False
        if self.status and change.status not in self.status:
            return False
        if self.exclude and (self.exclude.search(change.key) or self.exclude.search(change.label)):
            return False
        if self.direction and seen.direction != self.direction:
            return False
        if self.condition and seen.condition != self.condition:
            return False
        if self.key and not (self.key.search(change.key) or self.key.search(change.label)):
            return False
        if self.text and not (self.text.search(seen.added_text) or self.text.search(seen.removed_text)):
            return False
        if self.added and not self.added.search(seen.added_text):
            return False
        if self.removed and not self.removed.search(seen.removed_text):
            return False
        if self.context and not (self.context.search(seen.before) or self.context.search(seen.after)):
            return False
        if self.offered and not seen.offered:
            return False
        return True


def folded(text: str) -> str:
    """A text as `literals` are looked up in: lower case, and the non-ASCII letters that `re` matches
    to an ASCII letter when ignoring case (ı İ ſ K; tests check this list against `re`) made that
    letter, so that it holds every ASCII literal a case-insensitive pattern could match in the text.
    (str.replace: str.translate is 10x slower on long texts.)"""
    if text.isascii():
        return text.lower()
    return text.replace("İ", "i").lower().replace("ı", "i").replace("ſ", "s")  # "K".lower() is "k"


def literals(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Lower-case ASCII strings of which one is in the `folded` text wherever `pattern` matches: per
    alternative, its longest literal run of 3 characters or more, else what a group in it needs. None
    when some alternative needs no such string, or the pattern cannot be read (then only searching tells)."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # the parser `re.compile` uses (private: typeshed omits it)

        return _needs(_parser.parse(pattern.pattern, pattern.flags).data)
    except Exception:  # a private module: whatever changes in it, fall back to searching
        return None


def prefilter(pattern: re.Pattern) -> re.Pattern | None:
    """`literals` as one case-sensitive search of a `folded` text (None: no prefilter)."""
    found = literals(pattern)
    return None if found is None else _search(found)


def _search(found: tuple[str, ...]) -> re.Pattern:
    """One case-sensitive search for any of these strings."""
    return re.compile("|".join(map(re.escape, sorted(set(found)))))


def _words(rule: Rule) -> tuple[re.Pattern, ...]:
    """A rule's patterns searched in the changed text."""
    return tuple(p for p in (rule.text, rule.added, rule.removed) if p is not None)


def could_match(needs: re.Pattern | None, folded_text: str) -> bool:
    """Whether a pattern with this `prefilter` could match the text `folded_text` was folded from."""
    return needs is None or (bool(folded_text) and needs.search(folded_text) is not None)


def _needs(items: Any) -> tuple[str, ...] | None:
    """`literals` of a parsed pattern (a sequence of `re._parser` items)."""
    from re import _constants as sre  # type: ignore[attr-defined]  # private, as _parser

    if len(items) == 1 and items[0][0] is sre.BRANCH:
        out: list[str] = []
        for alternative in items[0][1][1]:
            found = _needs(alternative)
            if found is None:
                return None
            out.extend(found)
        return tuple(out)
    best = run = ""
    nested = None
    for op, arg in items:
        run = run + chr(arg).lower() if op is sre.LITERAL and arg < 128 else ""
        best = max(best, run, key=len)
        if nested is None and op is sre.BRANCH:  # (?:a|b) inside the alternative
            nested = _needs([(op, arg)])
        elif nested is None and op is sre.SUBPATTERN and not arg[1] and not arg[2]:  # a group that sets no flags
            nested = _needs(arg[3])
    return (best,) if len(best) >= 3 else nested


class Matcher:
    """Rules indexed by the kind and status of change they accept, so that a change is tested only
    against the rules that can match it (a long range has ~45,000 changes, ~70 rules); a word pattern
    is searched only in texts that hold one of its `literals` (searching ignoring case is slow: a
    long range has 16 MB of changed text), and most texts hold none of any candidate rule's: one
    search of them all rules those rules out together."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = tuple(rules)
        self._for: dict[tuple[str, str], tuple[tuple[Rule, ...], tuple[Rule, ...], re.Pattern | None]] = {}
        self._literals = {p: literals(p) for rule in self.rules for p in _words(rule)}
        self._needs = {p: None if found is None else _search(found) for p, found in self._literals.items()}

    def candidates(self, kind: str, status: str) -> tuple[Rule, ...]:
        """The rules whose kinds and status admit such a change, in load order."""
        return self._group(kind, status)[0]

    def _group(self, kind: str, status: str) -> tuple[tuple[Rule, ...], tuple[Rule, ...], re.Pattern | None]:
        """(candidates, those with no word pattern, one search for every literal of the others' word
        patterns — None when one of them has no literals)."""
        found = self._for.get((kind, status))
        if found is None:
            rules = tuple(rule for rule in self.rules if (not rule.kinds or kind in rule.kinds) and (not rule.status or status in rule.status))
            wordless = tuple(rule for rule in rules if not _words(rule))
            needed = [self._literals[p] for rule in rules for p in _words(rule)]
            known = [n for n in needed if n is not None]
            anyone = _search(tuple(lit for n in known for lit in n)) if needed and len(known) == len(needed) else None
            found = self._for[(kind, status)] = (rules, wordless, anyone)
        return found

    def matching(self, seen: Observed) -> list[Rule]:
        """The rules that match, in load order."""
        rules, wordless, anyone = self._group(seen.change.kind, seen.change.status)
        if anyone is not None and not (could_match(anyone, seen.folded_added) or could_match(anyone, seen.folded_removed)):
            rules = wordless
        return [rule for rule in rules if self._may_match(rule, seen) and rule.matches(seen)]

    def _may_match(self, rule: Rule, seen: Observed) -> bool:
        """False when a word pattern of the rule cannot match: no text holds any of its literals."""
        if rule.text is not None and not (self._may(rule.text, seen.folded_added) or self._may(rule.text, seen.folded_removed)):
            return False
        if rule.added is not None and not self._may(rule.added, seen.folded_added):
            return False
        return rule.removed is None or self._may(rule.removed, seen.folded_removed)

    def _may(self, pattern: re.Pattern, text: str) -> bool:
        return could_match(self._needs[pattern], text)


# ---------------------------------------------------------------------------------------------- observe


def observe(change: Change, parameters: re.Pattern | None = None) -> Observed:
    """The parts of a change rules match against (pure; the diff is the expensive part); `parameters`: the
    parameter names of the tools the model is offered (`Heard.parameters`)."""
    before, after = fact_text(change.before), fact_text(change.after)
    code = change.kind == "request_code"
    old, new = (_untemplated(before), _untemplated(after)) if code else (before, after)
    added: tuple[str, ...]
    removed: tuple[str, ...]
    if not before:
        added, removed = ((new,) if new else ()), ()
    elif not after:
        added, removed = (), (old,)
    elif not any(c.isspace() for c in before + after):  # one word each (a model id): what changed is the whole of it
        added, removed = (new,), (old,)
    else:
        added, removed = text_diff(old, new, code=code)
    return Observed(change, before, after, added, removed, _direction(change), _condition(change), parameters)


def _untemplated(code: str) -> str:
    """Code with each template literal emptied: what it says is a message or a log line (`[API REQUEST
    DETAIL] ${…thinking…}`), not the request being built, and request-code rules match the request."""
    return " ".join("``" if token.startswith("`") else token for token in js.code_tokens(code))


def fact_text(value: Any) -> str:
    """A fact's value as text: structured values (captured parameters, tool schemas, message shapes)
    become one `path: value` line each, with their prose kept readable for text patterns."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return "\n".join(_lines(value, ""))


def leaves(value: Any) -> Iterator[object]:
    """The scalars inside a captured value (a system block's text, a tool's description and schema,
    messages, a request parameter's numbers)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v)
    else:
        yield value


def _lines(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _lines(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for i, item in enumerate(value):
            yield from _lines(item, f"{path}[{i}]")
    elif isinstance(value, list):
        yield from (f"{path}: {v}" if path else str(v) for v in value)
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        yield f"{path}: {text}" if path else text


def text_diff(before: str, after: str, code: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(added runs, removed runs) between two texts: the `+` and `-` runs of `diff.word_diff`, the diff
    reports show, so a rule matches exactly the words a reader sees marked."""
    runs = word_diff(before, after, code=code)
    return tuple(t.strip() for op, t in runs if op == "+" and t.strip()), tuple(t.strip() for op, t in runs if op == "-" and t.strip())


_NUMBER = re.compile(r"^-?\d[\d_]*(?:\.\d+)?(?:e\d+)?$")


def _numbers(text: str) -> list[float] | None:
    """`"10, 30"` → [10, 30]; `true`/`false` → 1/0; None unless every item is a number."""
    items = [item.strip().strip('"') for item in text.split(",")]
    out = []
    for item in items:
        if item in ("true", "false"):
            out.append(1.0 if item == "true" else 0.0)
        elif _NUMBER.match(item):
            out.append(float(item.replace("_", "")))
        else:
            return None
    return out or None


def _direction(change: Change) -> str | None:
    """Which way a numeric value moved: by its largest number, then by its smallest."""
    if not isinstance(change.before, str) or not isinstance(change.after, str):
        return None
    a, b = _numbers(change.before), _numbers(change.after)
    if a is None or b is None:
        return None
    for x, y in ((max(a), max(b)), (min(a), min(b))):
        if x != y:
            return "increased" if y > x else "decreased"
    return None


def _condition(change: Change) -> str | None:
    """For a section condition, the weightiest step in the range: "removed" (its guard was dropped: the
    section now goes to everyone), else "added" (a section became conditional), else "changed". Every
    step counts (a guard added in one release and dropped in a later one is "removed"), but a
    condition that vanished together with its section (None) is no dropped guard."""
    if change.kind != "section_condition":
        return None
    values = [change.before, *(value for _, value in change.history)] if change.history else [change.before, change.after]
    steps = set()
    for old, new in itertools.pairwise(values):
        if old and new == "":
            steps.add("removed")
        elif not old and new:
            steps.add("added")
        elif old and new and old != new:
            steps.add("changed")
    return next((step for step in ("removed", "added", "changed") if step in steps), None)


# ---------------------------------------------------------------------------------------------- load


def digest(rules: Iterable[Rule]) -> str:
    """What a judgement by these rules is keyed by: every field of every rule, in order."""

    def plain(value: Any) -> Any:
        if isinstance(value, re.Pattern):
            return [value.pattern, value.flags]
        if isinstance(value, (tuple, frozenset)):
            items = [plain(v) for v in value]
            return sorted(items) if isinstance(value, frozenset) else items
        return value

    fields = [{name: plain(value) for name, value in vars(rule).items()} for rule in rules]
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def default_dir() -> Traversable:
    """The rule set shipped with auditor: the repository's `rules/`, packaged as auditor.default_rules
    so that a wheel install finds it too."""
    return resources.files("auditor.default_rules")


def load(directory: Path | str | None = None, target: str = "") -> list[Rule]:
    """Every rule of every `*.toml` file in `directory` (default: the shipped set), in file-name order;
    then those of its folder named after `target`, if it has one (rules in one CLI's own words: Gemini
    CLI's system prompt is template literals, not named sections)."""
    root: Traversable = Path(directory) if directory is not None else default_dir()
    if not root.is_dir():
        raise RuleError(f"{root}: rule directory not found")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    own = root / target if target else None
    files = [(p, False) for p in sorted((p for p in root.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)]
    if own is not None and own.is_dir():
        files += [(p, True) for p in sorted((p for p in own.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)]
    for path, mine in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"{path}: cannot read rule file ({getattr(exc, 'strerror', None) or exc.__class__.__name__})") from exc
        for rule in parse(text, str(path), start=len(rules)):
            rule = replace(rule, own=True) if mine else rule
            if rule.id in seen:
                raise RuleError(f"{rule.source}: rule id {rule.id!r} already defined at {seen[rule.id]}")
            seen[rule.id] = rule.source
            rules.append(rule)
    return rules


def parse(text: str, name: str = "<rules>", start: int = 0) -> list[Rule]:
    """The rules of one file's text; `name` is used in messages, `start` numbers them after earlier files."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = found.group(1) if found else "1"
        raise RuleError(f"{name}:{line}: invalid TOML: {_TOML_LINE.sub('', str(exc)).strip(' ()')}") from exc
    lines = text.splitlines()
    for key in doc:
        if key != "rule":
            raise RuleError(f"{name}:{_key_line(lines, key, 0, len(lines))}: unknown top-level key {key!r} (rules go in [[rule]] tables)")
    tables = doc.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleError(f"{name}:{_key_line(lines, 'rule', 0, len(lines))}: 'rule' must be an array of tables ([[rule]])")
    spans = _rule_spans(lines, tables)
    return [_rule(table, name, lines, spans[i], start + i) for i, table in enumerate(tables)]


def _rule_spans(lines: list[str], tables: list[dict]) -> list[tuple[int, int]]:
    """(first, end) line indexes of each rule table: its `[[rule]]` header up to the next one."""
    headers = [i for i, line in enumerate(lines) if _RULE_HEADER.match(line)]
    if len(headers) == len(tables):
        return [(h, headers[k + 1] if k + 1 < len(headers) else len(lines)) for k, h in enumerate(headers)]
    spans = []  # inline tables (`rule = [{…}]`): find each by its id line
    for table in tables:
        line = _key_line(lines, "id", 0, len(lines), value=table.get("id")) - 1
        spans.append((line, line + 1))
    return spans


def _key_line(lines: list[str], key: str, first: int, end: int, value: Any = None) -> int:
    """1-based line where `key = …` (optionally `= value`) is written in lines[first:end]; else first+1."""
    pattern = re.compile(r"(?:^|[{,\s])[\"']?" + re.escape(key) + r"[\"']?\s*=\s*" + (re.escape(json.dumps(value)) if isinstance(value, str) else ""))
    for i in range(first, end):
        if pattern.search(lines[i]):
            return i + 1
    return first + 1


def _rule(table: dict, name: str, lines: list[str], span: tuple[int, int], order: int) -> Rule:
    first, end = span
    rule_id = table.get("id")

    def fail(message: str, key: str | None = None) -> RuleError:
        line = _key_line(lines, key, first, end) if key else first + 1
        who = f"rule {rule_id!r}" if isinstance(rule_id, str) else "rule"
        return RuleError(f"{name}:{line}: {who}: {message}")

    for key in table:
        if key not in _KEYS:
            raise fail(f"unknown key {key!r} (known: {', '.join(sorted(_KEYS))})", key)
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise fail("needs an id of lowercase letters, digits, '-', '_' or '.'", "id" if "id" in table else None)

    def choice(key: str, allowed: Iterable[str]) -> str | None:
        value = table.get(key)
        if value is not None and value not in allowed:
            raise fail(f"{key} {value!r} is not one of {', '.join(allowed)}", key)
        return value

    def required(key: str, allowed: Iterable[str]) -> str:
        value = choice(key, allowed)
        if value is None:
            raise fail(f"missing {key!r} (one of {', '.join(allowed)})")
        return value

    def choices(key: str, allowed: Iterable[str]) -> frozenset[str]:
        value = table.get(key, [])
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise fail(f"{key} must be a string or a list of strings", key)
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise fail(f"{key} {wrong[0]!r} is not one of {', '.join(allowed)}", key)
        return frozenset(values)

    def regex(key: str, source: Any) -> re.Pattern:
        if not isinstance(source, str):
            raise fail(f"{key} must be a string (a regular expression)", key)
        if _CONTROL.search(source):  # "\b" in a double-quoted TOML string is a backspace, not a word boundary
            raise fail(f"{key} holds a control character ({source!r}): write regexes in single quotes, where \\b is a word boundary", key)
        try:
            return re.compile(source, re.IGNORECASE)
        except re.error as exc:
            raise fail(f"{key} is not a valid regular expression: {exc}", key) from exc

    def text(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise fail(f"{key} must be a string", key)
        return value

    category = required("category", CATEGORIES)
    severity = required("severity", SEVERITIES)
    title = text("title")
    text("description")
    if title is not None:
        unknown = [f for _, f, _, _ in string.Formatter().parse(title) if f is not None and f not in TITLE_FIELDS]
        if unknown:
            raise fail(f"title uses unknown field {{{unknown[0]}}} (known: {', '.join(TITLE_FIELDS)})", "title")
    evidence = table.get("evidence", [])
    if not isinstance(evidence, list) or not all(isinstance(e, str) and e for e in evidence):
        raise fail("evidence must be a list of words, phrases or /regexes/", "evidence")

    def flag(key: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise fail(f"{key} must be true or false", key)
        return value

    patterns = {key: regex(key, table[key]) for key in _PATTERN_KEYS if key in table}
    exclude = regex("exclude", table["exclude"]) if "exclude" in table else None
    rule = Rule(
        id=rule_id,
        category=category,
        severity=severity,
        source=f"{name}:{first + 1}",
        order=order,
        title=title,
        kinds=choices("kinds", KINDS),
        status=choices("status", STATUSES),
        direction=choice("direction", DIRECTIONS),
        condition=choice("condition", CONDITIONS),
        evidence=tuple(_evidence(e, lambda e=e: regex("evidence", e[1:-1])) for e in evidence),
        merge=flag("merge"),
        reaches_model=flag("reaches_model"),
        sent=flag("sent"),
        offered=flag("offered"),
        own=False,  # load() says which are the target's own
        exclude=exclude,
        **patterns,
    )
    if not (rule.kinds or rule.status or rule.direction or rule.condition or patterns or rule.offered):
        raise fail("matches every change: give at least kinds, status, key or a text pattern")
    return rule


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _evidence(term: str, as_regex) -> re.Pattern:
    """`/…/` is a regular expression; anything else is a word or phrase matched whole, any case, each
    plain word singular or plural ("output tokens" is said "output token limits" too)."""
    if len(term) > 2 and term.startswith("/") and term.endswith("/"):
        return as_regex()
    words = r"\s+".join(_number_free(word) for word in term.split())
    return re.compile(r"(?<![\w])" + words + r"(?![\w])", re.IGNORECASE)


def _number_free(word: str) -> str:
    """A plain word in singular or plural (`tokens` → token, tokens); an identifier as it is spelled."""
    if not word.isalpha() or len(word) < 4:
        return re.escape(word)
    stem = word[:-1] if word.endswith("s") and not word.endswith(("ss", "us", "is")) else word
    return re.escape(stem) + "(?:s|es)?"
