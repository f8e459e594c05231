"""What identifies a change in prose (`_specifics`: its names, the models and values it involves, its
changed sentences, the change in the vendor's words) and what an entry shares with it (`_mentions`):
the signals of the change ↔ entry match, `FEATURES`, and the pairs the judge weighed (`Pair`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Container
from dataclasses import dataclass, field

from .. import kinds, retrieval
from .. import versions as vers
from ..diff import Change
from ..rules import Observed, Rule, could_match, fact_text, folded
from ..targets import Vocabulary
from . import describe as describing
from .describe import _CAPTURED_KEY
from .index import _ABOUT_EFFORT, PARTS, _Entry, _numbers, levels, needs, worded
from .models import ModelNames

# An entry is near a text change when the share of its BM25 weight that the changed sentences match
# (`retrieval.Ranker.relative`) reaches RETRIEVED (two weak signals, with the rule's evidence words) or
# RETRIEVED_ALONE (enough alone). Chosen leave-one-range-out on the nine labelled ranges
# (benchmarks/sweep_judge.py, verdicts right + entries recalled): RETRIEVED 0.2–0.3 are alike (held
# out: 436 either way; 0.35 and up lose 10); RETRIEVED_ALONE 0.6 is chosen in every fold (held out:
# 439, against 436 for 0.8).
RETRIEVED, RETRIEVED_ALONE = 0.3, 0.6
_SMALL = 1000  # characters (before + after) up to which a function or guard is the context of its edit
_MESSAGE = 2  # sentences: a text added or removed whole this short is one message, not a long prompt (chosen in every fold, sweep_judge)
_MIN_SENTENCE = 4  # retrieval words, numbers aside: a shorter changed sentence ("Model IDs — Opus 4.8:") is no edit of its own
_SWITCHES = frozenset(("env", "setting"))
_HEAD = 4  # letters: a shorter first word of a name ("Web" of WebFetch) is no word of its own (chosen in every fold, sweep_judge)
_TOOLS = frozenset(("tool", "tool_schema"))
_CALLED_BY_NAME = _SWITCHES | _TOOLS  # users set them, the model calls them, by name


@dataclass
class _Specifics:
    """What identifies a change in prose: its names, the models and values it involves, rare words."""

    key: str | None = None  # the fact's own name (env var, flag, section…), if it has one
    key_alone: bool = False  # whether naming the key is enough (it was added/removed, not edited)
    whole: bool = False  # a long text added or removed whole: a name inside it is one of many, no sign of the change
    message: bool = False  # a text added or removed whole that is a sentence or two (a tool's result, an error): it is about the names it spells
    names: set[str] = field(default_factory=set)  # identifiers in the changed text
    salient: set[str] = field(default_factory=set)  # names the matched rules' patterns pick out
    models: set[str] = field(default_factory=set)
    models_strong: bool = False  # a model id change: naming the model is naming the thing
    new_models: set[str] = field(default_factory=set)  # models its text names after and not before: one it was changed for
    switched: set[str] = field(default_factory=set)  # models its scenario's requests switched between in its release: a cause, not a part
    values: set[str] = field(default_factory=set)  # values it sets (added), which an entry should state
    old_values: set[str] = field(default_factory=set)
    query: list[str] = field(default_factory=list)  # retrieval tokens of the changed sentences
    # An edited long text's changed sentences, their words, and the line holding each (a bullet's name:
    # "- **activeForm**: … This is displayed to the user …"): each an edit an entry may leave out.
    sentences: list[tuple[str, frozenset[str], str]] = field(default_factory=list)
    spoken: dict[str, str] = field(default_factory=dict)  # name → " push notification "
    bigrams: dict[str, list[str]] = field(default_factory=dict)  # "push notification" → names spoken so
    values_all: set[str] = field(default_factory=set)
    probe: frozenset[str] = frozenset()  # everything an entry could share with it, for a quick skip
    described: str = ""  # the change in the vendor's words (`describe`)
    said: frozenset[str] = frozenset()  # stems of what only the description says (`describe.said`): who sent it, how a history was reshaped
    sender: frozenset[str] = frozenset()  # stems of who sent a captured request, as notes name it ("the auto mode classifier")
    aside: bool = False  # a side query's fact (a classifier's, a title's): not what "the system prompt" of the notes is
    told: re.Pattern | None = None  # what the model is told: how notes say the model now acts ("Claude now …") or name such a text ("the reminder")
    tools: set[str] = field(default_factory=set)  # tools that came or went in the range, named where the text changed
    head: str | None = None  # a switch or tool that came or went: the first word of its name ("cron" of CronCreate)
    word: str | None = None  # a tool named by one word: that word in prose ("workflow" of Workflow)
    edit_words: tuple[frozenset[str], ...] = ()  # an edited tool's changed sentences' retrieval words, without `edit_name`
    edit_name: frozenset[str] = frozenset()  # the retrieval words of its name, and "tool"
    family: frozenset[str] = frozenset()  # a tool that came or went: its name's leading words, more than half of them ("self_hosted_runner" of self_hosted_runner_get_pool)
    bare: bool = False  # a switch that came or went: an entry names it by its key; the models and values its description cites are no news
    steps: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a long text edited in several releases: (release, retrieval words of that release's edit)
    others: frozenset[str] = frozenset()  # an edited tool: the other tools the model is offered, which its text does not name
    on_defaults: re.Pattern | None = None  # a flag turned on by default: how notes name the users its default reaches (`Vocabulary.on_defaults`)
    on_since: str = ""  # the release it last moved in, from which it is on
    worded: re.Pattern | None = None  # a feature flag: its name in prose (`index.worded`)


_NAME = re.compile(
    r"(?<![\w$])(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+[A-Z][A-Za-z0-9]*|"
    r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+|[a-z][a-z0-9]*(?:-[a-z0-9]+){2,})(?![\w$])"
)
# Every _NAME has "_", a camel hump or two inner dashes: a quick first test (its lookbehind defeats re's own).
_CAMEL = re.compile(r"[a-z0-9][A-Z]")
_DASHES = re.compile(r"[a-z0-9]-[a-z0-9]+-[a-z0-9]")
_COMMAND = re.compile(r"(?<![\w/.:])(?:/[a-z][a-z-]{2,}|--[a-z][a-z-]+)(?![\w/])")
# Brand names written like identifiers: naming one is not naming a change.
_PROPER_NOUNS = frozenset("GitHub GitLab JavaScript TypeScript PowerShell VSCode OpenTelemetry OAuth iTerm macOS".split())  # and the target's
_DISTINCT = re.compile(r"[_\-.]|[a-z][A-Z]|\d")
_KIND_WORDS = {
    "env": re.compile(r"\benv(?:ironment)?\b|\bvariable", re.I),
    "setting": re.compile(r"\bsettings?\b|\bconfig", re.I),
    "tool": re.compile(r"\btools?\b", re.I),
    "tool_schema": re.compile(r"\btools?\b", re.I),
    "flag": re.compile(r"\bflags?\b|\bfeature", re.I),
    "beta": re.compile(r"\bbeta\b|\bheader", re.I),
}


# What the model is told, as notes name it: an entry of the very release that changed it, saying "system
# prompt" ("The lean system prompt is now the default…"), speaks of that change's subject, whatever the
# deciding rule's evidence words; one weak signal more (a model, a value, a near rank) makes it a mention.
_TOLD = re.compile(r"\bsystem[\s-]prompts?\b", re.I)
# An entry telling users they now get something ("is now enabled for …", "Fixed … not loading on …").
_NOW_GETS = re.compile(r"\bnow (?:always )?(?:enabled|available|works?)\b|\bnot (?:being )?(?:available|loading|enabled|working)\b|\benabled by default\b", re.I)
_KIND_PHRASE = {
    "system_block": _TOLD, "prompt_section": _TOLD, "section_condition": _TOLD,
    "tool": re.compile(r"\btool (?:descriptions?|prompts?)\b", re.I),
    "tool_schema": re.compile(r"\bsystem[\s-]prompts?\b|\btool (?:descriptions?|prompts?|schemas?)\b", re.I),
}


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def spellings(key: str | None) -> set[str]:
    """How an entry spells a fact's name: bare, or as its slash command (`/simplify` for the simplify skill)."""
    return {key, f"/{key}"} if key else set()


def _spoken(name: str) -> str | None:
    """`PushNotification` → "push notification": how prose writes an identifier (two words or more)."""
    parts = PARTS.findall(name)
    return " ".join(p.lower() for p in parts) if len(parts) > 1 else None


def _specifics(
    seen: Observed, rules: list[Rule], vocabulary: Vocabulary, models: ModelNames, tools: frozenset[str] = frozenset(),
    switched: frozenset[str] = frozenset(), deferral: str = "", offered: frozenset[str] = frozenset(),
) -> _Specifics:
    change = seen.change
    whole_text = change.kind in kinds.LONG_TEXT and not (seen.before and seen.after)
    out = _Specifics(whole=whole_text, message=whole_text and len(retrieval.sentences(seen.before or seen.after)) <= _MESSAGE,
                     described=describing.describe(change, vocabulary, models, deferral),
                     said=frozenset(retrieval.tokens(f"{describing.said(change, vocabulary)} {describing.DEFERRED if deferral else ''}")),
                     sender=frozenset(retrieval.tokens(describing.who(change, vocabulary))))
    vendor = describing.spoken(change, vocabulary, models)
    out.aside = describing.role(change.key) == "side"
    said_so = [rf"(?:{vocabulary.the_model})\s+now\b" if vocabulary.the_model else "", vocabulary.model_texts]
    if change.kind in _KIND_PHRASE and any(said_so):
        out.told = _compiled("|".join(f"(?:{p})" for p in said_so if p))
    changed = "\n".join((seen.added_text, seen.removed_text))
    if change.kind in kinds.NAMED or (change.kind in ("prompt_section", "section_condition", "request_param") and not change.key.startswith("#")):
        out.key = _CAPTURED_KEY.sub("", change.key)
        # A tool deferred or no longer deferred neither came nor went: how it is offered changed.
        out.key_alone = (change.status != "changed" or change.kind in ("flag", "limit")) and not deferral
        out.bare = out.key_alone and change.kind in _SWITCHES
        if change.kind in kinds.USER_FACING and out.key_alone:  # an edited fact's name says which, not what changed
            out.salient.add(out.key)
        parts = PARTS.findall(out.key)
        if out.key_alone and change.kind in _CALLED_BY_NAME and len(parts) > 1 and len(parts[0]) >= _HEAD:
            out.head = parts[0].lower()
        if change.kind in _TOOLS:
            words = [p.lower() for p in parts]
            if out.key_alone:
                out.family = frozenset("_".join(words[:k]) for k in range(len(words) // 2 + 1, len(words)) if k > 1)
            out.word = words[0] if len(words) == 1 else None
        # A codename flag turned on is told of by whom its default now serves: users who fetch no remote flags
        # ("Session recap is now enabled for users with telemetry disabled (Bedrock, Vertex, Foundry)").
        if describing.turned(change) == "on" and vocabulary.on_defaults:
            out.on_defaults, out.on_since = _compiled(vocabulary.on_defaults), max(change.moved, key=vers.parse)
        if change.kind == "flag":
            out.worded = worded(out.key, vocabulary.flag_prefixes)
    elif skill := describing.skill(change):  # a skill's prompt is named by its skill, as notes speak of it ("the claude-api skill")
        out.key = skill
        out.key_alone = change.status != "changed"  # a skill that came or went: naming it is enough
    if change.kind in _TOOLS and out.key and not out.key_alone:
        texts = f"{seen.before}\n{seen.after}"
        out.others = frozenset(t for t in offered if t != out.key and t not in texts)
    if deferral:  # the schema is the one fetched on demand before: only how it is offered is new
        out.probe = frozenset(spellings(out.key))
        return out
    # A history's shape is written in the API's block types (`user: tool_result`): they name no change.
    if change.kind != "history" and ("_" in changed or _CAMEL.search(changed) or _DASHES.search(changed)):
        # A name on both sides of a code edit is one its statements were rewritten around.
        found = set(_NAME.findall(seen.added_text)) ^ set(_NAME.findall(seen.removed_text)) if change.kind == "request_code" else set(_NAME.findall(changed))
        out.names.update(n for n in found if n not in _PROPER_NOUNS and n not in vocabulary.proper_nouns and not models.is_model(n))
    if change.kind != "request_code" and ("/" in changed or "--" in changed):
        out.names.update(_COMMAND.findall(changed))
    if not out.whole:  # a tool that came or went, named where this text changed
        out.tools = {t for t in tools if t in changed and re.search(rf"(?<![\w$]){re.escape(t)}(?![\w$])", changed)} - {out.key}
    out.names.discard(out.key)
    patterns = [p for rule in rules for p in rule.patterns()]
    if not (change.kind in _SWITCHES and out.key_alone):  # a switch that came or went is its key; its description's names are no side edits
        out.salient.update(n for n in out.names if any(p.search(n) for p in patterns))
    # A small function or guard (an effort picker, a section condition) is all context: a model it
    # names is part of the change even where the edit did not touch it — unless the edit names models
    # itself (`=== "claude-opus-4-8"` added to an effort table): then those are the ones it is about.
    small = change.kind in ("request_code", "section_condition") and len(seen.before) + len(seen.after) <= _SMALL
    whole = seen.before + "\n" + seen.after if small and not models.models(changed) else changed
    out.models = models.models(whole + "\n" + change.key + "\n" + vendor)
    out.models_strong = change.kind == "model"
    if change.kind != "model":  # a model id is its model: naming it is already strong
        after, before = models.models(seen.after), models.models(seen.before)
        out.new_models = (after | models.bare_families(seen.after)) - before - models.bare_families(seen.before)
        # A version edited beside its family's name ("Opus 4.7" → "Opus 4.8") leaves the family out of the
        # changed words: a model the text names after and not before, or before and not after, is one it involves.
        if seen.before and seen.after and change.kind in kinds.LONG_TEXT:
            out.models |= after ^ before
    out.switched = set(switched - out.models)
    # Prose about effort says `high` bare; elsewhere only a quoted level (or "xhigh") is a value.
    said = changed + "\n" + vendor
    about = change.kind != "request_code" and could_match(needs(_ABOUT_EFFORT), folded(said)) and _ABOUT_EFFORT.search(said)
    bare, quoted = levels(vocabulary.effort_levels, vocabulary.coined_levels)
    out.values = _levels(bare if about else quoted, seen.added_text, seen.folded_added)
    out.old_values = _levels(bare if about else quoted, seen.removed_text, seen.folded_removed)
    if change.kind in ("limit", "prompt_section", "string", "section_condition", "request_param"):
        out.values |= _numbers(seen.added_text)
        out.old_values |= _numbers(seen.removed_text)
    if change.kind not in _UNRANKED:
        sentences = [(s, retrieval.tokens(s)) for s in _changed_sentences(seen)]
        vendor_words = retrieval.tokens(vendor)
        out.query = [t for _, words in sentences for t in words] + retrieval.tokens(out.key or "") + vendor_words
        if change.kind in kinds.LONG_TEXT:
            # Who was sent the text is said with each release's edit too ("the auto mode classifier": its release's
            # entry names it); a text the range added, then edited, has those edits too.
            out.steps = tuple((version, (*words, *vendor_words)) for version, words in _steps(change))
        if change.kind in kinds.LONG_TEXT and seen.before and seen.after:
            lines = (seen.before + "\n" + seen.after).splitlines()
            out.sentences = [(s, frozenset(words), next((line for line in lines if s in line), s)) for s, words in sentences if sum(not w[0].isdigit() for w in words) >= _MIN_SENTENCE]
            if change.kind in _TOOLS and out.key:
                out.edit_name = frozenset((*retrieval.tokens(out.key), "tool"))
                out.edit_words = tuple(frozenset(words) - out.edit_name for _, words in sentences)
    for name in out.names | ({out.key} if out.key else set()):
        spoken = _spoken(name)
        if spoken:
            out.spoken[name] = f" {spoken} "
            out.bigrams.setdefault(" ".join(spoken.split()[:2]), []).append(name)
    out.values_all = out.values | out.old_values
    families = {m.split()[0] for m in out.models | out.switched}
    out.probe = frozenset(out.names | out.tools | out.models | out.switched | out.new_models | families | out.values_all | out.bigrams.keys() | out.family | spellings(out.key) | ({out.word, out.word + 's'} if out.word and out.key_alone else set()))
    return out


# Kinds not ranked against entries: code, and names that are codenames or ids (`tengu_amber_fox`, a
# model id, a limit's variable), where shared word parts are coincidences; names are matched as names.
_UNRANKED = frozenset(("request_code", "flag", "model", "limit"))


def _steps(change: Change) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each release's own edit of a text edited in several (its history), as retrieval words: an entry of
    that release speaks of that edit, which the whole range's many edits would drown."""
    out, previous = [], change.before
    for version, value in change.history if len(change.history) > 1 else ():
        if previous is not None and value is not None and (
            words := tuple(t for s in retrieval.changed_sentences(fact_text(previous), fact_text(value)) for t in retrieval.tokens(s))
        ):
            out.append((version, words))
        previous = value
    return tuple(out)


def _changed_sentences(seen: Observed) -> list[str]:
    """What an entry about this change would speak of: the sentences edited, or all of an added or removed text."""
    if seen.before and seen.after:
        return retrieval.changed_sentences(seen.before, seen.after)
    return [seen.after or seen.before]


def _levels(pattern: re.Pattern, text: str, folded_text: str) -> set[str]:
    """The effort levels `pattern` (`index.levels`) finds in a text."""
    if not could_match(needs(pattern), folded_text):
        return set()
    return {next(g for g in m.groups() if g).lower() for m in pattern.finditer(text)}


def _evidence(rule: Rule | None) -> tuple[re.Pattern, ...]:
    """What makes an entry speak of a rule's subject: its evidence words, and the words its own text
    patterns found in the change ("malware" in a removed security check). No rule: any entry."""
    if rule is None:
        return ()
    return rule.evidence + tuple(p for p in (rule.text, rule.added, rule.removed) if p is not None)


FEATURES = (
    "strong_name", "key_strong", "model_strong", "name", "key", "model", "value", "retrieved", "evidence", "structural",
    "unspelled_switch", "own_release", "whole", "names", "near", "sure", "top", "retrieved_evidence", "long_text", "user_facing",
    "captured", "short_entry", "kind_words", "removal", "kind_phrase", "launch", "said", "on_defaults", "worded",
)  # fmt: skip
"""What an entry shares with a change (`_mentions`): the features of record linkage between them."""
_STRONG = tuple(FEATURES.index(n) for n in ("strong_name", "key_strong", "model_strong", "removal", "launch"))


def by_name(features: tuple[float, ...]) -> bool:
    """Whether a mention rests on a name the entry spells (or a model, a removal, a launch it announces),
    not on shared words alone: a verdict resting on one is right far more often."""
    return any(features[i] for i in _STRONG)


@dataclass(frozen=True)
class Pair:
    """A change and an entry of its window that shares something with it, as the judge saw them."""

    change: Change
    version: str
    entry: str
    features: tuple[float, ...]  # in FEATURES order
    mentions: bool


def _mentions(
    spec: _Specifics, entry: _Entry, kind: str, weak_needed: int, retrieved: float, evidence: bool, common: Container[str], by_words: bool,
    own: bool = False, top: bool = False, rare: frozenset[str] = frozenset(),
) -> tuple[int, set[str], tuple[float, ...]]:
    """How clearly an entry names the change (0: it does not; more is clearer), and which of its
    names, models and values it names. Names first: an entry that spells out a distinctive name of the
    change mentions it whatever its other words. Otherwise weak signals count — a name the rule does
    not single out, a model, a value, the entry's words ranked against the changed sentences
    (`retrieved`) — and only in an entry with the deciding rule's evidence words (`evidence`), unless
    retrieval alone is sure. `weak_needed` weak signals are needed. When the deciding rule matched words
    in the change (`by_words`), only the names its patterns pick out are its distinctive names: another
    name in a long edit is one of its side edits. A word of what only the description says (who sent a
    captured request, how a history was reshaped: `said`) that few entries near the change hold (`rare`)
    is a weak signal too. Set operations first: most entries share nothing."""
    spelled = spec.names & entry.tokens
    names = set() if spec.whole and not spec.message else spelled
    # A request field many entries spell ("model") says nothing; a tool's own name always does.
    # A skill is spelled bare or as its slash command (`/simplify`: a name by its syntax, like `claude-api`).
    slashed = spec.key is not None and f"/{spec.key}" in entry.tokens
    key = spec.key is not None and (spec.key in entry.tokens or slashed) and (kind in kinds.USER_FACING or spec.key not in common)
    # "cron scheduling tools" for CronCreate, CronDelete and CronList: the first word of the name, one few
    # entries spell, beside the kind's word, names a switch or tool that came or went.
    if not key and spec.head and f" {spec.head} " in entry.spoken and spec.head not in common and spec.head.title() not in common:
        key = kind in _KIND_WORDS and bool(_KIND_WORDS[kind].search(entry.text))
    # A family of tools named after their feature (self_hosted_runner_get_pool, …_list_runners) is named by
    # an entry spelling the feature's identifier however written ("claude self-hosted-runner").
    if not key and spec.family & entry.identifiers:
        key = True
    # A tool named by one word (Workflow) is spelled in prose by an entry of its own release ("dynamic workflows").
    # One that came or went is named by such an entry announcing something came or went, if few entries spell the word.
    prose = spec.word is not None and own and not entry.tokens.isdisjoint(forms := (spec.word, spec.word + "s"))
    announced = not key and prose and spec.key_alone and entry.announces and not any(w in common for w in forms)
    # An entry of its window telling the users a flag's default reaches that they now get something names the flag
    # turned on — unless the entry's release still shipped it off: then something else gave it to them.
    on_defaults = (
        spec.on_defaults is not None and bool(spec.on_defaults.search(entry.text)) and bool(_NOW_GETS.search(entry.text))
        and vers.parse(entry.version) >= vers.parse(spec.on_since)
    )
    # An entry saying a flag's name in words ("background" for `…_background`) names it: a codename flag none says.
    said_name = spec.worded is not None and spec.worded.match(entry.spoken) is not None
    key = key or announced or on_defaults or said_name
    for bigram in spec.bigrams.keys() & entry.bigrams:
        for name in spec.bigrams[bigram]:
            if spec.spoken[name] in entry.spoken:
                if name == spec.key:
                    key = True
                elif not spec.whole:  # a name inside a text added or removed whole is one of many
                    names.add(name)
    models = spec.models & entry.models or {m for m in spec.models if m.split()[0] in entry.models} or spec.switched & entry.models
    values = spec.values_all & entry.values
    # A value the change involves that the entry says was removed ("(removed max)", with the rule's
    # evidence words): the entry names the value and what became of it.
    removal = bool(spec.values_all & entry.removes) and evidence
    found = retrieved >= RETRIEVED
    # A word of the description the entry says beside the kind's word ("core tools could be deferred"), in
    # the change's own release, is one too, however many entries use the word elsewhere ("deferring startup").
    said = bool(spec.said & entry.stems & rare) or (
        own and kind in _KIND_WORDS and bool(spec.said & entry.stems) and bool(_KIND_WORDS[kind].search(entry.text))
    )
    # "The system prompt" of the notes is the conversation's: a side query's is told of by naming its sender.
    phrase = own and kind in _KIND_PHRASE and bool(_KIND_PHRASE[kind].search(entry.text)) and (not spec.aside or (bool(spec.sender) and spec.sender <= entry.stems))
    # An entry of an edited tool's own release that names it and speaks of what the edit says (two words of
    # one changed sentence, a third of the entry's own words at least) is about that edit ("EnterWorktree can
    # now switch between … worktrees"); a long entry shares two words with some sentence of a long edit by chance.
    if key and own and spec.edit_words and not entry.fix_only:
        told = entry.stems - spec.edit_name
        phrase = phrase or any(len(words & told) >= max(2, len(told) / 3) for words in spec.edit_words)
    strong_names = {n for n in (names & spec.salient if by_words or spec.salient - {spec.key} else names) if n not in common}
    # An entry that spells a tool which came or went (one few entries spell) tells of the texts that
    # stopped or started naming it; a tool every other entry names (Bash) tells of nothing.
    if not entry.fix_only:
        strong_names |= {t for t in spec.tools & entry.tokens if t not in common}
    names |= strong_names
    # A fix in a tool that came or went ("Fixed AskUserQuestion being auto-allowed") says where a bug was, not that it came.
    key_strong = key and spec.key_alone and not (entry.fix_only and kind in _TOOLS) and (
        bool(spec.key and _DISTINCT.search(spec.key)) or slashed or (kind in _KIND_WORDS and bool(_KIND_WORDS[kind].search(entry.text))) or announced
    )
    # The release's own entry announcing a model the change now names for the first time ("Introducing
    # Claude Fable 5" for a prompt or effort table that gained it): the change was made for that model.
    launched = {m for m in spec.new_models if m in entry.launches or (" " not in m and any(e.split()[0] == m for e in entry.launches))}
    launch = own and bool(launched)
    strong = bool(strong_names) or key_strong or (spec.models_strong and bool(models)) or removal or launch
    named = names | models | values | ({spec.key} if key and spec.key else set())
    unspelled_switch = spec.key_alone and kind in _CALLED_BY_NAME and not strong
    features = (
        float(bool(strong_names)), float(key_strong), float(spec.models_strong and bool(models)), float(bool(names - strong_names)),
        float(key and not key_strong), float(bool(models)), float(bool(values)), retrieved, float(evidence), float(weak_needed == 1),
        float(unspelled_switch), float(own), float(spec.whole), min(len(names) + key, 3) / 3, float(found),
        float(retrieved >= RETRIEVED_ALONE), float(top), retrieved * evidence, float(kind in kinds.LONG_TEXT),
        float(kind in kinds.USER_FACING), float(kind in kinds.CAPTURED), float(len(entry.stems) <= 12),
        float(bool(kinds.WORDS[kind].search(entry.text))), float(removal), float(phrase), float(launch), float(said),
        float(on_defaults), float(said_name),
    )  # fmt: skip
    if launch:
        models |= launched
    if not (names or key or models or values or found or said):
        return 0, set(), features
    # An entry naming another tool the model is offered, which this tool's text does not name, is about
    # that tool ("Added TaskCreated hook … via TaskCreate" shares words with CronCreate's edit, not a name).
    if not (names or key or models or values or said) and not spec.others.isdisjoint(entry.tokens):
        return 0, named, features
    # The release's entry saying what kind of text changed ("The lean system prompt is now…") speaks of the
    # text itself: it ranks as a name does, above entries sharing only its models or values.
    score = 3 * (len(names) + key + launch + removal + phrase) + len(models) + len(values) + round(4 * retrieved) + said
    if strong:
        return score, named, features
    if unspelled_switch:  # a switch or tool that came or went: its entry spells it
        return 0, named, features
    # A long text added or removed whole shares many words with any long entry: near as it is, the entry must
    # also spell a name the text holds (its command, a tool it names) that few entries spell.
    sure = retrieved >= RETRIEVED_ALONE and (not spec.whole or any(n not in common for n in spelled))
    # Without the rule's words: the entry its own release ranks first for the change, near enough, that
    # also shares a value, name or model with it (`owner/repo#123`), names who was sent the text ("the auto
    # mode classifier", however many entries speak of it), or names the fact and says what its edit
    # says (the `language` section's "diacritical marks"; a one-word tool in prose: "dynamic workflows … CPU-limited"
    # for Workflow's "available CPUs"), or, for what the model is told, says the model now
    # acts otherwise ("Claude now suggests it when …": the target's `the_model`, then "now") or names such a
    # text ("the reminder shown after compaction": its `model_texts`), speaks of it.
    # The fact's name is in the ranked query too: with it, two words of one changed sentence say what changed.
    if not evidence and not sure and not phrase and not (
        own and top and found and (
            values or names or models or (spec.sender and spec.sender <= entry.stems)
            or ((key or prose) and any(len(words & entry.stems) >= 2 for _, words, _ in spec.sentences))
            or (spec.told is not None and spec.told.search(entry.text) is not None)
        )
    ):
        return 0, named, features
    # Ranked near (here: in an entry with the rule's evidence words, or nearer still) is two signals.
    others = bool(names - strong_names) + bool(models) + bool(values) + 2 * found + phrase + said
    # Naming an edited fact's key (the Bash tool, a section) says which fact, not what changed in it.
    if others < weak_needed and others + (key and not key_strong) < 2:
        return 0, named, features
    return score, named, features
