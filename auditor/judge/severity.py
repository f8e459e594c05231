"""How much a change weighs: the deciding rule's severity, lowered where what changed reaches neither
the model nor users (a prompt string no captured request holds, `Heard`; a side query; an internal
switch; a move; a "limit" that is only ever 0, a count, or a request cap whose numbers no captured request sends, or
whose field no captured request changed in its release; how a
captured side request is sent), raised where its window's notes tell users of it by name (`_told`)."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence, Set

from .. import retrieval
from ..diff import Change
from ..pretty import same_statements
from ..rules import Observed, Rule, severity_rank
from ..targets import Vocabulary
from .describe import _CAPTURED_KEY, role, skill, who
from .features import _CAMEL, _COMMAND, _NAME, _SWITCHES, RETRIEVED, spellings
from .index import _Entry, _Index

_UNHEARD = frozenset(("string", "document"))  # kinds whose texts may or may not reach the model
# Request code names the query it builds (`querySource:"agent_namer"`); the conversation's own request
# is the main thread's, the SDK's or compaction's. Others (classifiers, namers, token counts) are side queries.
_SOURCE = re.compile(r"\b(?:querySource|source)\s*:\s*\"([\w-]+)\"")


_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\{\{\s*[\w.]+\s*\}\}|\n+")  # `${…}` and a template's `{{NAME}}` (the claude-api skill's {{OPUS_NAME}})
_FRAGMENT = 40  # characters: a piece of a prompt string this long found in a request is that string sent
_PARAMETERS = 200  # tool parameters' names read: a captured run offers about 20 of two words or more
_PARAMETER = 64  # characters: a longer parameter name is no name the model is told to pass


class Heard:
    """What the captured runs sent the model (system blocks, tool descriptions, messages, request
    parameters, and the names of its tools' parameters), to tell a model-facing prompt string from a UI,
    telemetry or documentation one, and the conversation's limit from a side query's or a counter's, by
    where it went, not by its words."""

    def __init__(self, texts: Sequence[str], numbers: Iterable[float] = (), parameters: Iterable[str] = ()):
        self._sent = "\n".join(" ".join(t.split()) for t in texts)
        self._numbers = frozenset(numbers)
        # The parameters of the tools offered, as the model calls them: a name of two words or more
        # (`subagent_type`, `file_path`) is no word of a screen's prose, bare or quoted.
        # The program is untrusted: a search tries each name at every place of a text, so a few are read.
        names = sorted({p for p in parameters if "_" in p.strip("_") and p.isidentifier() and len(p) <= _PARAMETER})[:_PARAMETERS]
        self.parameters = re.compile(r"(?<![\w$.-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w$(-])") if names else None

    def sends(self, numbers: Set[float]) -> bool:
        """Whether a captured request held one of these numbers."""
        return not self._numbers.isdisjoint(numbers)

    def holds(self, text: str) -> bool:
        """Whether a piece of `text` (between its `${…}` placeholders) was sent: its longest piece,
        or one of _FRAGMENT characters or more."""
        pieces = sorted((" ".join(p.split()) for p in _PLACEHOLDER.split(text)), key=len, reverse=True)
        long = [p for p in pieces if len(p) >= _FRAGMENT] or pieces[:1]
        return any(p and p in self._sent for p in long)


def _heard(change: Change, heard: Heard) -> bool:
    """Whether a prompt string or document's text (before or after) was seen in a captured request."""
    return any(isinstance(v, str) and heard.holds(v) for v in (change.before, change.after))


def _told(seen: Observed, rules: list[Rule], index: _Index, heard: Heard | None) -> list[_Entry]:
    """The entries of its window that tell users of this change by name: an env var, setting or
    request header they spell; a feature flag whose name they say in words (`index.worded`); a prompt string the model reads (`_reaches_model`) whose slash command or CLI flag
    (`/goal`) they spell (`_commanded`). Such a change is its own finding, not one of a catch-all rule's group."""
    change = seen.change
    if change.kind in _SWITCHES:
        return index.told(change, {change.key})
    if change.kind == "flag":  # a feature flag, by its name in words
        return index.worded(change)
    if change.kind == "header":  # a captured request header, named as HTTP names it, in any case
        return index.told(change, {_CAPTURED_KEY.sub("", change.key).lower()}, fold=True)
    if change.kind not in _UNHEARD or not (entries := _commanded(seen, index)) or not _reaches_model([change], rules, heard):
        return []
    return entries


def _commanded(seen: Observed, index: _Index) -> list[_Entry]:
    """The entries of its window that spell a slash command or CLI flag of a prompt string's changed
    text and share its other words: many entries spell a popular command (`/compact`), the one about
    this text also says what it says."""
    changed = seen.added_text + "\n" + seen.removed_text
    commands = set(_COMMAND.findall(changed)) if "/" in changed or "--" in changed else set()
    spelling = index.told(seen.change, commands) if commands else []
    if not spelling:  # most strings name no command the notes spell
        return []
    ranked = index.ranked(retrieval.tokens(_COMMAND.sub(" ", changed)), spelling)
    return [e for e in spelling if ranked.get(id(e), 0.0) >= RETRIEVED]


def named(seen: Observed, index: _Index) -> bool:
    """Whether an entry of its window names a prompt string's change: it spells an identifier of the
    changed text that few entries spell (`old_string`), or one of its commands (`_commanded`); or a
    captured skill's prompt: it spells the skill (`claude-api`, `/loop`). The change is then its own
    finding, with its own verdict, not one of a catch-all rule's group ("30 other prompt/UI strings
    added", "5 texts the CLI adds to the conversation changed"), whatever its severity."""
    if name := skill(seen.change):
        return bool(index.told(seen.change, {n for n in spellings(name) if n not in index.common}))
    if seen.change.kind not in _UNHEARD:
        return False
    changed = seen.added_text + "\n" + seen.removed_text
    if "_" in changed or _CAMEL.search(changed):
        names = {n for n in _NAME.findall(changed) if n not in index.common}
        if names and index.told(seen.change, names):
            return True
    return bool(_commanded(seen, index))


def topics(rules: Sequence[Rule], vocabulary: Vocabulary) -> tuple[re.Pattern, ...]:
    """What the model-relevant switch rules (a category other than "other", env vars or settings among
    their kinds) count as evidence, and the target's name for the model acting or told (`the_model`):
    an entry telling users of a switch in these words ("… hide bundled skills from the model", "…
    commit and PR instructions from Claude's system prompt") tells of a switch that matters to the
    model, whatever the switch's name."""
    found = [p for rule in rules if rule.category != "other" and rule.kinds & _SWITCHES for p in rule.evidence]
    if vocabulary.the_model:
        found.append(re.compile(vocabulary.the_model))
    return tuple(dict.fromkeys(found))


def _reaches_model(changes: Sequence[Change], rules: Sequence[Rule], heard: Heard | None) -> bool:
    """Whether a prompt string or document reaches the model: a matching rule says so
    (`reaches_model`), or a captured request held it."""
    return any(rule.reaches_model for rule in rules) or (heard is not None and any(_heard(c, heard) for c in changes))


_TOKEN_FIELD = re.compile(r"[a-z]Tokens$|_tokens$")
_FRACTION = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")


def _prices(values: object) -> bool:
    """Whether a token field's values (a comma-separated list) hold a fraction: a price, since tokens are whole."""
    return isinstance(values, str) and _FRACTION.search(values) is not None


def _numbers(values: object) -> set[float]:
    """A limit's values (a comma-separated list) that are numbers."""
    found = set()
    for v in values.split(",") if isinstance(values, str) else ():
        try:
            found.add(float(v))
        except ValueError:  # an expression, not a literal
            continue
    return found


def _unsent(change: Change, heard: Heard) -> bool:
    """Whether a limit's values changed to or from numbers no captured request holds: for a request field
    (the deciding rule is `sent`), the cap of a side query, not what the conversation is sent."""
    changed = _numbers(change.before) ^ _numbers(change.after)
    return change.kind == "limit" and bool(changed) and not heard.sends(changed)


def _field_moved(rule: Rule, changes: Sequence[Change], seen: Sequence[Observed]) -> bool:
    """Whether a captured request's field the rule names (its key: `max_tokens`) changed in a release these
    changes moved in: the captures show what the conversation is sent, so a cap's literal that changed
    while no captured value did changed nothing a run sends. A side request's field does not count: the
    literal is then that side query's cap, which weighs as little as its captured value (`_side_request`)."""
    if rule.key is None:  # no field named: nothing to look for
        return True
    moved = {v for c in changes for v in c.moved}
    return any(
        s.change.kind == "request_param" and rule.key.search(s.change.key) and role(s.change.key) != "side" and not moved.isdisjoint(s.change.moved)
        for s in seen
    )


def _zero(values: object) -> bool:
    """Whether a limit's values (a comma-separated list, or absent) are 0 alone."""
    return values is None or (isinstance(values, str) and all(v.strip() in ("0", "") for v in values.split(",")))


_PLUMBING = frozenset(("request_param", "header", "history"))


def _side_request(change: Change, vocabulary: Vocabulary) -> str | None:
    """Why a captured side request's change weighs little: it is of how the request is sent (its
    parameters, headers, history), or of a side request the target does not name (a session title's: UI).
    None when it is no side request's, or is what a named one is told (the auto-mode classifier's prompt)."""
    if role(change.key) != "side":
        return None
    if change.kind in _PLUMBING:
        return "how a side request is sent: its parameters, headers or history, not what it is told"
    if not who(change, vocabulary):
        return "a side request the target does not name (a session title's): it makes UI, not the conversation"
    return None


def _side_query(change: Change, vocabulary: Vocabulary) -> str | None:
    """The side query a request-building function builds (None: not request code, or the main request)."""
    if change.kind != "request_code":
        return None
    sources = {s for v in (change.before, change.after) if isinstance(v, str) for s in _SOURCE.findall(v)}
    if not sources or sources & vocabulary.main_sources or any(s.startswith(vocabulary.main_prefixes) for s in sources):
        return None
    return ", ".join(sorted(sources))  # kinds users set by name, once the changelog tells them of it


def _severity(
    primary: Rule | None,
    group: list[int],
    seen: list[Observed],
    matched: list[list[Rule]],
    heard: Heard | None,
    spelled: Container[str],
    vocabulary: Vocabulary,
    told: Mapping[int, bool] | None = None,
) -> tuple[str, str | None]:
    """The deciding rule's severity, unless what changed reaches neither the model nor users: a
    rename or move that left the text as it was; env vars and settings no changelog entry ever names
    (`spelled`: internal switches, which change nothing until someone sets them), unless the deciding
    rule says they reach the model (`reaches_model`: a model catalogue's values, which requests are
    built from whatever users set); prompt strings /
    documents that no captured request holds and no matching rule marks `reaches_model`; a request
    field's limit (the rule is `sent`) whose changed numbers no captured request sends, or whose field (the
    rule's key) no captured request changed in its release (a side query's cap: the conversation's did not
    change; a context window or threshold, never sent, is not lowered); a captured
    side request's parameters, headers or history, and all of one the target does not name (`_side_request`:
    a named one's prompt, the auto-mode classifier's, keeps its weight). Raised to
    medium: a switch of a model-relevant category (not "other") that its release's notes tell users
    of (`told`), or one that came or went whose entries speak of a model-relevant subject (`topics`,
    each told change's value): a way they were given to change what the model gets; a model-facing prompt string for a command
    they tell users of; a request header they name (what the API is sent, told); a feature flag on by default whose
    name they say, in entries of a model-relevant subject (it is what runs where no remote flags are fetched).
    (severity, why it changed)."""
    told = told or {}
    severity = primary.severity if primary else "low"
    changes = [seen[i].change for i in group]
    if all(c.former is not None and c.before == c.after for c in changes):
        return "low", "the text was renamed or moved unchanged"
    if all(c.kind in _SWITCHES and c.key not in spelled for c in changes) and not (primary is not None and primary.reaches_model):
        return "low", "an internal switch: no changelog entry ever names it, so no user was told to set it"
    topical = primary is not None and primary.category != "other"
    if all(i in told for i in group) and severity_rank(severity) < severity_rank("medium"):
        if all(c.kind in _SWITCHES for c in changes) and (topical or all(told[i] and seen[i].change.status != "changed" for i in group)):
            return "medium", "a switch this release's notes tell users of"
        if all(c.kind in _UNHEARD for c in changes):
            return "medium", "a prompt the model reads, for a command this release's notes tell users of"
        if all(c.kind == "header" for c in changes):
            return "medium", "a request header this release's notes tell users of"
        if all(told[i] and seen[i].change.kind == "flag" and seen[i].change.status != "removed" and str(seen[i].change.after) == "true" for i in group):
            return "medium", "a feature flag on by default that this release's notes tell users of"
    if all(c.kind == "limit" and _zero(c.before) and _zero(c.after) for c in changes):
        return "low", "a count that starts at 0, not a cap: it limits nothing"
    if all(c.kind == "limit" and _TOKEN_FIELD.search(c.key) and any(_prices(v) for v in (c.before, c.after)) for c in changes):
        return "low", "prices per million tokens (tokens are counted whole), not a cap: the usage display's table"
    if heard is not None and primary is not None and primary.sent and all(_unsent(c, heard) for c in changes):
        return "low", "numbers no captured request sends: a side query's cap, not the conversation's limit"
    if heard is not None and primary is not None and primary.sent and all(c.kind == "limit" for c in changes) and not _field_moved(primary, changes, seen):
        return "low", "the request field it caps did not change in the conversation's captured requests of its release: a side query's cap or a path no run takes"
    if all(c.kind == "request_code" and isinstance(c.before, str) and isinstance(c.after, str) and same_statements(c.before, c.after) for c in changes):
        return "low", "request code whose statements are unchanged (reordered or re-punctuated): it sends nothing new"
    side = [_side_request(c, vocabulary) for c in changes]
    if all(side):
        return "low", str(side[0])
    sides = {_side_query(c, vocabulary) for c in changes}
    if None not in sides:
        return "low", f"a side query ({', '.join(sorted(str(s) for s in sides))}): not the conversation's own request"
    if heard is None or not all(c.kind in _UNHEARD for c in changes):
        return severity, None
    if _reaches_model(changes, [rule for i in group for rule in matched[i]], heard):
        return severity, None
    return "low", "not seen in any captured request: UI, telemetry or documentation text"
