"""Changes + rules + changelog → findings, each with a verdict: documented, partial or undocumented.

Pure functions: the caller loads rules, changelog and publish times; nothing here reads files or the
network, so a judgement can be re-run and tested on small hand-made inputs.

How a verdict is reached, for one finding (one change, or several changes of one behavior):

1. Window: the changelog sections of every version the change moved in, and one published release on
   each side (vendors note a change a release early or late); without publish times, the neighbouring
   changelog sections (`changelog.window`). Only what was known: the changelog is read as it stood when
   the last of those windows closed — sections up to its last release, entries with their wording of
   then, from the git history where the source has one — and so are the statistics drawn from it (which
   names are common, which are spelled at all, BM25's word weights). Later sections and rewrites change
   no verdict: a release judged on its day and in a replay a year later gets the same one.
2. Names first: an entry that spells a distinctive name of the change — its env var, setting, tool,
   flag, beta, section heading, model id, or an identifier, slash command or CLI flag in the changed
   text — mentions it, whatever its other words; a dotted name names each of its shorter paths
   (`settings.autoMode.hard_deny` names the setting `autoMode.hard_deny`). (A name many entries
   spell, `model`, singles out nothing; inside a long text added or removed whole, a name is one of many and counts for nothing;
   when the deciding rule matched words, only the names its patterns pick out are distinctive.)
3. Otherwise retrieval: the window's entries are ranked with BM25 against the changed sentences
   (`retrieval`); one ranked near (RETRIEVED) counts as two weak signals in an entry with the deciding
   rule's evidence words or the words it found in the change, and alone when nearer still
   (RETRIEVED_ALONE). Weak signals besides: a model it involves ("Opus 4.7"), a value it sets
   (`xhigh`, a number), a name the rule's patterns do not single out. Two are needed, or one when the
   deciding rule matched what the change is (kind, key, condition, direction). A switch or tool that
   came or went needs its name spelled. No mentioning entry: **undocumented**.
4. Coverage: mentioning entries that leave out something observed make it **partial**, and the finding
   says what is missing: a model or value the change involves, a salient name (one the rule's own
   patterns pick out; none in the description of a switch that came or went: it is its key), a
   changed sentence of a long text no entry speaks of, a removal the entry does
   not call one, a member change of a merged finding, or a wider audience (the change dropped a
   section's model/flag guard while the entry speaks of one model or plan; or a captured run — an API
   key on the first-party API — showed what the entry limits to a provider or plan). Otherwise
   **documented**.

Severity is the deciding rule's, lowered to low where what changed reaches neither the model nor users:
prompt strings and documents no captured request holds (`Heard`) unless a matching rule marks them
`reaches_model`; request code of a side query (a classifier, a namer: its querySource); env vars and
settings no changelog entry ever names (internal switches); a rename or move that left the text as it was.
Raised to medium, and each its own finding rather than one of a catch-all rule's merged group
(`_told`): an env var or setting of a model-relevant category (tools/permissions — subagents
included —, context, reasoning…) that an entry of its window names: users were told how to change
what the model gets; a prompt string the model reads (captured, or marked `reaches_model`) whose
slash command or CLI flag an entry of its window spells, when that entry also shares the string's
other words (`/goal` ↔ "Added `/goal` command"): what the model is told for a feature users were told of.

Confidence = (how surely the rule applies) × (how surely the verdict holds), rounded to 0.01:
- rule: 0.9 when the rule matched on what the change is (kind, key, condition, direction), 0.75 when
  only on words in its text, 0.6 for "other";
- verdict: undocumented 0.95 when the version has no changelog section, 0.9 when no entry nearby
  matched the evidence words, 0.75 when some did but none mentioned the change (a vaguer wording may
  still mean it); documented 0.6 + 0.3·coverage + 0.1 if an entry of the version itself mentions it;
  partial 0.55 + 0.25·coverage + 0.1 likewise — coverage being the share of the observed names,
  models and values that the entries mention.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import kinds, retrieval
from .. import versions as vers
from ..changelog import ChangelogHistory, Release, instant, late_entries, missing_versions, window
from ..diff import FUZZY_KINDS, Change
from ..pretty import same_statements
from ..rules import CATEGORIES, Matcher, Observed, Rule, could_match, folded, observe, prefilter, severity_rank
from ..rules import text_diff as _text_diff
from ..targets import Vocabulary
from . import describe as describing

VERDICTS = ("undocumented", "partial", "documented", "unjudged")
UNJUDGED_NOTE = "not judged: the changelog copy is older than this release, so it cannot say whether its notes tell of it"
CHANGELOG_CATEGORY = "changelog"  # findings about the changelog itself, not about a change
STATUS_WORDS = {"added": "added", "removed": "removed", "changed": "changed", "transient": "came and went"}
_CAPTURED_KEY = re.compile(r"^(?:turn|side|subagent) \d+: ")  # captured facts are keyed "turn 0: max_tokens", "subagent 0: model"
_MAX_REFS = 3
_COMMON = 8  # entries: a name spelled in more of them is no name of one change
# An entry is near a text change when the share of its BM25 weight that the changed sentences match
# (`retrieval.Ranker.relative`) reaches RETRIEVED (two weak signals, with the rule's evidence words) or
# RETRIEVED_ALONE (enough alone). Chosen on the labelled releases ≤ 2.1.140 (benchmarks/eval_judge.py):
# verdicts and recall are flat from 0.05 to 0.3 and fall above it (at 0.35: described verdicts
# 23/25 → 21/25, recall 14/20 → 12/20); 0.3 is the most demanding of the best.
RETRIEVED, RETRIEVED_ALONE = 0.3, 0.8
_MAX_SHOWN = 8  # changes, runs and names listed in a finding's evidence
_SMALL = 1000  # characters (before + after) up to which a function or guard is the context of its edit


# ---------------------------------------------------------------------------------------------- output


@dataclass(frozen=True)
class ChangelogRef:
    """A changelog entry quoted as evidence."""

    version: str
    entry: str

    def to_json(self) -> dict[str, str]:
        return {"version": self.version, "entry": self.entry}


@dataclass(frozen=True)
class Finding:
    """One behavior change (or changelog problem) with its verdict and the evidence for it."""

    id: str
    category: str
    severity: str
    verdict: str
    title: str
    evidence: dict[str, Any]
    changelog_refs: tuple[ChangelogRef, ...]
    introduced_in: str | None
    removed_in: str | None
    confidence: float
    rule: str | None = None
    changes: tuple[Change, ...] = field(default=(), repr=False, compare=False)
    steps: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # (release, id) of each release it moved in: _steps

    def present_in(self, version: str) -> bool:
        """Whether the behavior is in `version`: introduced at or before it and not reverted by then."""
        if self.introduced_in is None:
            return False
        key = vers.parse(version)
        if vers.parse(self.introduced_in) > key:
            return False
        return self.removed_in is None or key < vers.parse(self.removed_in)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "severity": self.severity,
            "verdict": self.verdict,
            "title": self.title,
            "evidence": self.evidence,
            "changelog_refs": [ref.to_json() for ref in self.changelog_refs],
            "introduced_in": self.introduced_in,
            "removed_in": self.removed_in,
            "confidence": self.confidence,
            "steps": [{"version": v, "id": i} for v, i in self.steps],
        }


def sort_key(finding: Finding) -> tuple:
    """Most severe first, then undocumented before partial before documented, then by version."""
    version = vers.parse(finding.introduced_in) if finding.introduced_in else (0, 0, 0, (1,))
    return (-severity_rank(finding.severity), VERDICTS.index(finding.verdict), version, finding.category, finding.title)


# ---------------------------------------------------------------------------------------------- who reads a text


_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\n+")
_FRAGMENT = 40  # characters: a piece of a prompt string this long found in a request is that string sent


class Heard:
    """What the captured runs sent the model (system blocks, tool descriptions, messages), to tell a
    model-facing prompt string from a UI, telemetry or documentation one by where it went, not by its words."""

    def __init__(self, texts: Sequence[str]):
        self._sent = "\n".join(" ".join(t.split()) for t in texts)

    def holds(self, text: str) -> bool:
        """Whether a piece of `text` (between its `${…}` placeholders) was sent: its longest piece,
        or one of _FRAGMENT characters or more."""
        pieces = sorted((" ".join(p.split()) for p in _PLACEHOLDER.split(text)), key=len, reverse=True)
        long = [p for p in pieces if len(p) >= _FRAGMENT] or pieces[:1]
        return any(p and p in self._sent for p in long)


def _heard(change: Change, heard: Heard) -> bool:
    """Whether a prompt string or document's text (before or after) was seen in a captured request."""
    return any(isinstance(v, str) and heard.holds(v) for v in (change.before, change.after))


# ---------------------------------------------------------------------------------------------- judge


def judge(
    changes: Sequence[Change],
    releases: Sequence[Release],
    rules: Sequence[Rule],
    published: Mapping[str, str | None] | None = None,
    history: ChangelogHistory | None = None,
    *,
    versions: Sequence[str] | None = None,
    heard: Heard | None = None,
    unjudged: Container[str] = frozenset(),
    trace: list[Pair] | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[Finding]:
    """Findings for `changes`, most severe first; every change ends in exactly one finding.

    `published` maps npm versions to publish times (the packument's `time`; the full map is best: it
    defines the neighbouring releases). `versions` is the audited range (DiffReport.versions); the
    changelog's own findings — versions with no section, entries rewritten or added late (`history`) —
    are reported for it, without its first version (the baseline). Without `versions` they cover the
    published versions the changes span. `heard`: what captured runs sent (without it, no prompt
    string is taken for UI text). `unjudged`: releases newer than the changelog copy can know
    (`changelog.window.beyond`); a finding whose last release is one gets the verdict "unjudged".
    `trace`: a list that receives every change–entry pair the judge weighed (for fitting the match).
    `vocabulary`: the target's words (`describe`), its main query sources and brand names.
    """
    vocabulary = vocabulary or Vocabulary()
    known = _Changelog(releases, history, published)
    seen = [observe(change) for change in changes]
    matcher = Matcher(rules)
    matched = [_matching(matcher, s) for s in seen]
    told = {i for i, s in enumerate(seen) if _told(s, matched[i], known.at(_moved(s.change)), heard)}
    # Tools that came or went name the texts that gain or lose their name: one change (Glob and Grep
    # replaced by bfs/ugrep, and the prompts that stop naming them).
    tools = frozenset(_CAPTURED_KEY.sub("", c.key) for c in changes if c.kind in ("tool", "tool_schema") and c.status in ("added", "removed"))
    findings = [_finding(group, seen, matched, known, vocabulary, heard, told, unjudged, trace, tools) for group in _groups(seen, matched, told)]
    span = _span(versions, published, changes)
    if published is not None:
        findings += _missing_sections([v for v in span if v not in unjudged], releases, known.newest)
    if history is not None:
        findings += _rewrites(history, span, published or {}, rules)
        if published:
            findings += _late(history, span, published)
    return sorted(findings, key=sort_key)


def _precedence(rule: Rule) -> tuple:
    """Which rule decides: the most severe; among equals, one that picks out particular facts (key,
    condition, direction) over one that matches a whole kind or words; then the first loaded."""
    return (-severity_rank(rule.severity), not rule.specific, rule.order)


def _matching(matcher: Matcher, seen: Observed) -> list[Rule]:
    """Rules that match, the deciding one first."""
    return sorted(matcher.matching(seen), key=_precedence)


def _told(seen: Observed, rules: list[Rule], index: _Index, heard: Heard | None) -> bool:
    """Whether the notes of its window tell users of this change by name: an env var or setting they
    spell; a prompt string the model reads (`_reaches_model`) whose slash command or CLI flag
    (`/goal`) they spell. Such a change is its own finding, not one of a catch-all rule's group."""
    change = seen.change
    if change.kind in _SWITCHES:
        return bool(index.told(change, {change.key}))
    if change.kind not in _UNHEARD:
        return False
    changed = seen.added_text + "\n" + seen.removed_text
    commands = set(_COMMAND.findall(changed)) if "/" in changed or "--" in changed else set()
    spelling = index.told(change, commands) if commands else []
    if not spelling or not _reaches_model([change], rules, heard):  # most strings name no command the notes spell
        return False
    # Many entries spell a popular command (`/compact`): the one about this text also shares its other words.
    words = retrieval.tokens(_COMMAND.sub(" ", changed))
    return max(index.ranked(words, spelling).values(), default=0.0) >= RETRIEVED


def _reaches_model(changes: Sequence[Change], rules: Sequence[Rule], heard: Heard | None) -> bool:
    """Whether a prompt string or document reaches the model: a matching rule says so
    (`reaches_model`), or a captured request held it."""
    return any(rule.reaches_model for rule in rules) or (heard is not None and any(_heard(c, heard) for c in changes))


def _groups(seen: list[Observed], matched: list[list[Rule]], told: Container[int] = frozenset()) -> list[list[int]]:
    """Changes that are one behavior: the same captured fact changing in several scenarios; a section
    and its condition changed in one release; a request function rewritten beyond recognition (gone
    and a same-labelled one new in one release); all changes of a `merge = true` rule in one release,
    except switches users were `told` of (their entry is about that one switch)."""
    parent = list(range(len(seen)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(keys: dict[tuple, int], key: tuple, i: int) -> None:
        if key in keys:
            parent[find(i)] = find(keys[key])
        else:
            keys[key] = i

    by_key: dict[tuple, int] = {}
    gone: dict[tuple, list[int]] = {}
    for i, s in enumerate(seen):
        c = s.change
        if c.scenario is not None:  # one captured fact seen by several scenarios is one behavior
            union(by_key, ("captured", c.kind, c.key, c.introduced_in), i)
        if matched[i] and matched[i][0].merge and i not in told:
            union(by_key, ("merge", matched[i][0].id, c.introduced_in, c.removed_in, c.status), i)
        elif c.kind in ("prompt_section", "section_condition"):
            union(by_key, ("section", c.key, c.introduced_in), i)
        if c.kind == "request_code" and c.status == "removed":
            gone.setdefault((c.label, c.changed_in[-1]), []).append(i)
    for i, s in enumerate(seen):
        c = s.change
        if c.kind == "request_code" and c.status == "added" and gone.get((c.label, c.introduced_in)):
            j = gone[(c.label, c.introduced_in)].pop(0)
            parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(seen)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


# ---------------------------------------------------------------------------------------------- changelog index


_TOKENS = re.compile(r"--?[A-Za-z][\w-]*|/[a-z][\w-]+|[A-Za-z_$][\w$]*(?:[-.][A-Za-z0-9_$]+)*")


def _names(text: str) -> set[str]:
    """The names an entry spells, with the shorter paths of each dotted one: `settings.autoMode.hard_deny`
    also names the setting `autoMode.hard_deny` (settings are keyed from the schema's top)."""
    tokens = set(_TOKENS.findall(text))
    return tokens | {".".join(parts[i:]) for token in tokens if "." in token for parts in [token.split(".")] for i in range(1, len(parts) - 1)}
_MODEL = re.compile(
    r"(?<![a-z])(opus|sonnet|haiku)[\s_-]?(\d(?:[.-]\d{1,2}(?!\d))?)((?:\s*(?:/|,|and|or)\s*\d[.-]\d{1,2}(?!\d))*)",
    re.IGNORECASE,
)
_EFFORT = re.compile(r"(?<![\w-])(low|medium|high|xhigh|max)(?![\w-])", re.IGNORECASE)
_QUOTED_EFFORT = re.compile(r"[\"'`](low|medium|high|xhigh|max)[\"'`]|(?<![\w-])(xhigh)(?![\w-])", re.IGNORECASE)
_ABOUT_EFFORT = re.compile(r"\beffort|\breasoning\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")  # in every _NUM: a quick first test (its lookbehind defeats re's own)
_NUM = re.compile(r"(?<![\w.$])(\d[\d,_]*(?:\.\d+)?)\s*([kKmM])?(?![\w.])")
# Who a captured run is: an API key on the first-party API. An entry that limits a change to a provider
# or a plan does not cover what such a run showed.
_LIMITED = re.compile(
    r"\b(?:on|for|with|via|using)\s+(?:Amazon\s+|Google\s+|Microsoft\s+|AWS\s+)?(bedrock|vertex(?:\s+ai)?|foundry)\b|"
    r"\b((?:pro|max|team|enterprise|free)(?:\s*(?:/|,|and|or)\s*(?:pro|max|team|enterprise|free))*)\s+(?:plan\s+)?(?:users|subscribers|plans?|accounts)\b",
    re.IGNORECASE,
)
CAPTURED_AUDIENCE = "an API key on the Anthropic API"
_AUDIENCE = re.compile(
    r"\b(?:pro|max|team|enterprise|free)\b(?:\s*/\s*\w+)?\s+(?:users|subscribers|plans?|accounts)|"
    r"\bfor\s+(?:\w+\s+){0,3}(?:users|subscribers|accounts|customers)\b|\bon\s+(?:bedrock|vertex|foundry)\b",
    re.IGNORECASE,
)
# Searched only in texts that hold one of their literals (see rules.literals): most changed text names no model or level.
_NEEDS = {pattern: prefilter(pattern) for pattern in (_MODEL, _EFFORT, _QUOTED_EFFORT, _ABOUT_EFFORT)}


_FAMILY = re.compile(r"(?<![a-z])(opus|sonnet|haiku)(?![\s_-]?\d)", re.IGNORECASE)


def _limited(text: str) -> str | None:
    """The provider or plan an entry limits its change to ("Bedrock", "Max users"), if any."""
    found = _LIMITED.search(text)
    if found is None:
        return None
    return found.group(1).title() if found.group(1) else f"{found.group(2)} plans"


def _families(text: str) -> set[str]:
    """Model families named without a version ("an extra Haiku request")."""
    return {family.lower() for family in _FAMILY.findall(text)}


def _models(text: str) -> set[str]:
    """Model families and versions named in a text: "claude-opus-4-7", "Opus 4.7" → "opus 4.7"."""
    out: set[str] = set()
    if not could_match(_NEEDS[_MODEL], folded(text)):
        return out
    for family, version, more in _MODEL.findall(text):
        family = family.lower()
        out.add(f"{family} {version.replace('-', '.')}")
        out.update(f"{family} {v.replace('-', '.')}" for v in re.findall(r"\d[.-]\d{1,2}", more))
    return out


def _numbers(text: str) -> set[str]:
    """Numbers of two or more digits, also as the K/M round figures a changelog would write."""
    out = set()
    for digits, suffix in _NUM.findall(text) if _DIGIT.search(text) else ():
        try:
            value = float(digits.replace(",", "").replace("_", ""))
        except ValueError:
            continue
        value *= {"k": 1e3, "m": 1e6}.get(suffix.lower(), 1)
        if value >= 10:
            out.add(f"{value:g}")
            if value >= 1024 and value % 1024 == 0:
                out.add(f"{value / 1024 * 1000:g}")
    return out


@dataclass(eq=False)
class _Entry:
    version: str
    text: str
    number: int  # its text's number in the corpus (and the ranker)
    tokens: frozenset[str]  # names as written (`worktree.baseRef`) and their dotted parts
    models: frozenset[str]
    values: frozenset[str]
    audience: bool
    limited: str | None  # the provider or plan it limits the change to
    spoken: str  # lower-case words between spaces, for multi-word names
    bigrams: frozenset[str]  # its pairs of adjacent words: a cheap first test for a spoken name
    features: frozenset[str] = frozenset()  # all of the above in one set
    stems: frozenset[str] = frozenset()  # its retrieval tokens

    def __post_init__(self) -> None:
        self.features = self.tokens | self.models | self.values | self.bigrams
        self.stems = frozenset(retrieval.tokens(self.text))


class _Pool:
    """Changelog entries a change is checked against, also keyed by identity (for the finding's union)."""

    def __init__(self, entries: list[_Entry]):
        self.entries = entries
        self.by_id = {id(e): e for e in entries}


class _Changelog:
    """The changelog prepared once per judgement: every text an entry ever had (`window.Corpus`), each
    tokenized and named once, when first needed; `at` gives the index of what was known when a
    window closed. Statistics (which names are common, which are spelled at all, BM25's word weights)
    are those of that moment, so a verdict is the same on the release's day and a year later."""

    def __init__(self, releases: Sequence[Release], history: ChangelogHistory | None, published: Mapping[str, str | None] | None):
        self.corpus = window.Corpus(releases, history)
        self.published = published
        self.newest = max((r.version for r in releases), key=vers.parse, default=None)
        self.entries: dict[int, _Entry] = {}
        self._spellers: dict[str, list[int]] | None = None
        self._ranker: retrieval.Ranker | None = None
        self._says: dict[tuple[str, int], bool] = {}
        self._indexes: dict[tuple[str, float], _Index] = {}

    def at(self, versions: Sequence[str]) -> _Index:
        """What the changelog said when the window of the last of `versions` closed."""
        closing = window.window(max(versions, key=vers.parse), self.published, self.corpus.sections)
        key = (closing.high, closing.closes)
        if key not in self._indexes:
            self._indexes[key] = _Index(self, self.corpus.known(closing))
        return self._indexes[key]

    def entry(self, number: int) -> _Entry:
        """One text of the corpus, tokenized (once)."""
        found = self.entries.get(number)
        if found is None:
            text = self.corpus.texts[number]
            full = text.entry.full_text
            spoken = re.findall(r"[a-z0-9]+", full.lower())
            models = _models(full)
            tokens = _names(full)
            found = self.entries[number] = _Entry(
                text.version,
                full,
                number,
                frozenset(tokens) | {part for token in tokens if "." in token for part in token.split(".")},
                frozenset(models | _families(full)),
                frozenset(v.lower() for v in _EFFORT.findall(full)) | _numbers(full),
                bool(models) or bool(_AUDIENCE.search(full)),
                _limited(full),
                " " + " ".join(spoken) + " ",
                frozenset(f"{a} {b}" for a, b in itertools.pairwise(spoken)),
            )
        return found

    def spellers(self, name: str) -> list[int]:
        """The texts that spell a name (the name index is built when first asked)."""
        if self._spellers is None:
            self._spellers = {}
            for number, text in enumerate(self.corpus.texts):
                for token in _names(text.entry.full_text):
                    self._spellers.setdefault(token, []).append(number)
        return self._spellers.get(name, [])

    @property
    def ranker(self) -> retrieval.Ranker:
        if self._ranker is None:
            self._ranker = retrieval.Ranker([text.entry.full_text for text in self.corpus.texts])
        return self._ranker

    def says(self, entry: _Entry, patterns: tuple[re.Pattern, ...]) -> bool:
        """Whether an entry matches any evidence pattern (each pattern's answer cached: rules share them)."""
        for pattern in patterns:
            key = (pattern.pattern, entry.number)
            hit = self._says.get(key)
            if hit is None:
                hit = self._says[key] = pattern.search(entry.text) is not None
            if hit:
                return True
        return False


class _Spelled:
    """The names more than `over` texts known at one time spell (0: spelled at all), asked one by one."""

    def __init__(self, index: _Index, over: int):
        self._index, self._over = index, over

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._index.df(name) > self._over


class _Index:
    """The changelog as known at one time (texts of `known`): windows, names and ranking, cached."""

    def __init__(self, changelog: _Changelog, known: list[int]):
        self.changelog = changelog
        self.known = frozenset(known)
        self.by_version: dict[str, list[int]] = {}
        for number in known:
            self.by_version.setdefault(changelog.corpus.texts[number].version, []).append(number)
        self.sections = set(self.by_version)
        self._ordered = vers.sort(self.sections)
        # Names many entries spell (`tool_use`, `--print`, `model`) single out no change.
        self.common = _Spelled(self, _COMMON)
        self.spelled = _Spelled(self, 0)  # every name some entry spells
        self._df: dict[str, int] = {}
        self._view: retrieval.RankerView | None = None
        self._windows: dict[str, list[_Entry]] = {}
        self._spans: dict[tuple[str, ...], list[_Entry]] = {}
        self._pools: dict[tuple[tuple[str, ...], tuple[re.Pattern, ...]], _Pool] = {}

    def df(self, name: str) -> int:
        """How many known texts spell `name`."""
        found = self._df.get(name)
        if found is None:
            found = self._df[name] = sum(1 for number in self.changelog.spellers(name) if number in self.known)
        return found

    def told(self, change: Change, names: Container[str]) -> list[_Entry]:
        """The entries near the change that spell one of these names of it (an env var or setting, a
        slash command in its text)."""
        at = [v for v in (change.introduced_in, *change.changed_in, change.removed_in) if v]
        return [entry for entry in self.spanning(vers.sort(set(at))) if any(t in names for t in entry.tokens)]

    def ranked(self, query: Sequence[str], entries: Sequence[_Entry]) -> dict[int, float]:
        """`retrieval.RankerView.relative` of these entries against a query, by entry identity, with the
        word weights of the texts known here."""
        if not query or not entries:
            return {}
        if self._view is None:
            self._view = self.changelog.ranker.view(self.known)
        scores = self._view.relative(query, [e.number for e in entries])
        return {id(e): scores[e.number] for e in entries if e.number in scores}

    def says(self, entry: _Entry, patterns: tuple[re.Pattern, ...]) -> bool:
        return self.changelog.says(entry, patterns)

    def spanning(self, versions: Sequence[str]) -> list[_Entry]:
        """The windows of several versions, each entry once (cached: many findings span the same versions)."""
        key = tuple(versions)
        found = self._spans.get(key)
        if found is None:
            found = self._spans[key] = list({id(e): e for version in versions for e in self.window(version)}.values())
        return found

    def pool(self, versions: Sequence[str], evidence: tuple[re.Pattern, ...]) -> _Pool:
        """The entries of `spanning(versions)` that match any evidence pattern (all of them without
        evidence); cached per versions and rule's patterns, since many changes share both."""
        key = (tuple(versions), evidence)
        found = self._pools.get(key)
        if found is None:
            spanned = self.spanning(versions)
            found = self._pools[key] = _Pool(spanned if not evidence else [e for e in spanned if self.says(e, evidence)])
        return found

    def window(self, version: str) -> list[_Entry]:
        """The known entries of `version`'s window (`changelog.window`)."""
        if version not in self._windows:
            span = window.window(version, self.changelog.published, self._ordered)
            self._windows[version] = [
                self.changelog.entry(number) for v in self._ordered if span.holds(v) for number in self.by_version[v]
            ]
        return self._windows[version]


# ---------------------------------------------------------------------------------------------- one finding


@dataclass
class _Specifics:
    """What identifies a change in prose: its names, the models and values it involves, rare words."""

    key: str | None = None  # the fact's own name (env var, flag, section…), if it has one
    key_alone: bool = False  # whether naming the key is enough (it was added/removed, not edited)
    whole: bool = False  # a long text added or removed whole: a name inside it is one of many, no sign of the change
    names: set[str] = field(default_factory=set)  # identifiers in the changed text
    salient: set[str] = field(default_factory=set)  # names the matched rules' patterns pick out
    models: set[str] = field(default_factory=set)
    models_strong: bool = False  # a model id change: naming the model is naming the thing
    values: set[str] = field(default_factory=set)  # values it sets (added), which an entry should state
    old_values: set[str] = field(default_factory=set)
    query: list[str] = field(default_factory=list)  # retrieval tokens of the changed sentences
    sentences: list[tuple[str, frozenset[str]]] = field(default_factory=list)  # an edited long text's changed sentences (and their words): each an edit an entry may leave out
    spoken: dict[str, str] = field(default_factory=dict)  # name → " push notification "
    bigrams: dict[str, list[str]] = field(default_factory=dict)  # "push notification" → names spoken so
    values_all: set[str] = field(default_factory=set)
    probe: frozenset[str] = frozenset()  # everything an entry could share with it, for a quick skip
    described: str = ""  # the change in the vendor's words (`describe`)
    tools: set[str] = field(default_factory=set)  # tools that came or went in the range, named where the text changed


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
_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_KIND_WORDS = {
    "env": re.compile(r"\benv(?:ironment)?\b|\bvariable", re.I),
    "setting": re.compile(r"\bsettings?\b|\bconfig", re.I),
    "tool": re.compile(r"\btools?\b", re.I),
    "tool_schema": re.compile(r"\btools?\b", re.I),
    "flag": re.compile(r"\bflags?\b|\bfeature", re.I),
    "beta": re.compile(r"\bbeta\b|\bheader", re.I),
}


def _spoken(name: str) -> str | None:
    """`PushNotification` → "push notification": how prose writes an identifier (two words or more)."""
    parts = _PARTS.findall(name)
    return " ".join(p.lower() for p in parts) if len(parts) > 1 else None


def _specifics(seen: Observed, rules: list[Rule], vocabulary: Vocabulary, tools: frozenset[str] = frozenset()) -> _Specifics:
    change = seen.change
    out = _Specifics(whole=change.kind in kinds.LONG_TEXT and not (seen.before and seen.after), described=describing.describe(change, vocabulary))
    vendor = describing.spoken(change, vocabulary)
    changed = "\n".join((seen.added_text, seen.removed_text))
    if change.kind in kinds.NAMED or (change.kind in ("prompt_section", "section_condition", "request_param") and not change.key.startswith("#")):
        out.key = _CAPTURED_KEY.sub("", change.key)
        out.key_alone = change.status != "changed" or change.kind in ("flag", "limit")
        if change.kind in kinds.USER_FACING and out.key_alone:  # an edited fact's name says which, not what changed
            out.salient.add(out.key)
    if "_" in changed or _CAMEL.search(changed) or _DASHES.search(changed):
        out.names.update(
            n for n in _NAME.findall(changed) if n not in _PROPER_NOUNS and n not in vocabulary.proper_nouns and not _MODEL.fullmatch(n.split("claude-")[-1])
        )
    if change.kind != "request_code" and ("/" in changed or "--" in changed):
        out.names.update(_COMMAND.findall(changed))
    if not out.whole:  # a tool that came or went, named where this text changed
        out.tools = {t for t in tools if t in changed and re.search(rf"(?<![\w$]){re.escape(t)}(?![\w$])", changed)} - {out.key}
    out.names.discard(out.key)
    patterns = [p for rule in rules for p in rule.patterns()]
    if not (change.kind in _SWITCHES and out.key_alone):  # a switch that came or went is its key; its description's names are no side edits
        out.salient.update(n for n in out.names if any(p.search(n) for p in patterns))
    # A small function or guard (an effort picker, a section condition) is all context: a model it
    # names is part of the change even where the edit did not touch it.
    small = change.kind in ("request_code", "section_condition") and len(seen.before) + len(seen.after) <= _SMALL
    whole = seen.before + "\n" + seen.after if small else changed
    out.models = _models(whole + "\n" + change.key + "\n" + vendor)
    out.models_strong = change.kind == "model"
    # Prose about effort says `high` bare; elsewhere only a quoted level (or "xhigh") is a value.
    said = changed + "\n" + vendor
    about = change.kind != "request_code" and could_match(_NEEDS[_ABOUT_EFFORT], folded(said)) and _ABOUT_EFFORT.search(said)
    levels = _EFFORT if about else _QUOTED_EFFORT
    out.values = _levels(levels, seen.added_text, seen.folded_added)
    out.old_values = _levels(levels, seen.removed_text, seen.folded_removed)
    if change.kind in ("limit", "prompt_section", "string", "section_condition"):
        out.values |= _numbers(seen.added_text)
        out.old_values |= _numbers(seen.removed_text)
    if change.kind not in _UNRANKED:
        sentences = [(s, retrieval.tokens(s)) for s in _changed_sentences(seen)]
        out.query = [t for _, words in sentences for t in words] + retrieval.tokens(out.key or "") + retrieval.tokens(vendor)
        if change.kind in kinds.LONG_TEXT and seen.before and seen.after:
            out.sentences = [(s, frozenset(words)) for s, words in sentences if len(words) >= _MIN_SENTENCE]
    for name in out.names | ({out.key} if out.key else set()):
        spoken = _spoken(name)
        if spoken:
            out.spoken[name] = f" {spoken} "
            out.bigrams.setdefault(" ".join(spoken.split()[:2]), []).append(name)
    out.values_all = out.values | out.old_values
    families = {m.split()[0] for m in out.models}
    out.probe = frozenset(out.names | out.tools | out.models | families | out.values_all | out.bigrams.keys() | ({out.key} if out.key else set()))
    return out


# Kinds not ranked against entries: code, and names that are codenames or ids (`tengu_amber_fox`, a
# model id, a limit's variable), where shared word parts are coincidences; names are matched as names.
_UNRANKED = frozenset(("request_code", "flag", "model", "limit"))


def _changed_sentences(seen: Observed) -> list[str]:
    """What an entry about this change would speak of: the sentences edited, or all of an added or removed text."""
    if seen.before and seen.after:
        return retrieval.changed_sentences(seen.before, seen.after)
    return [seen.after or seen.before]


def _levels(levels: re.Pattern, text: str, folded_text: str) -> set[str]:
    """The effort levels `levels` finds in a text."""
    if not could_match(_NEEDS[levels], folded_text):
        return set()
    return {next(g for g in m.groups() if g).lower() for m in levels.finditer(text)}


def _evidence(rule: Rule | None) -> tuple[re.Pattern, ...]:
    """What makes an entry speak of a rule's subject: its evidence words, and the words its own text
    patterns found in the change ("malware" in a removed security check). No rule: any entry."""
    if rule is None:
        return ()
    return rule.evidence + tuple(p for p in (rule.text, rule.added, rule.removed) if p is not None)


FEATURES = (
    "strong_name", "key_strong", "model_strong", "name", "key", "model", "value", "retrieved", "evidence", "structural",
    "unspelled_switch", "own_release", "whole", "names", "near", "sure", "top", "retrieved_evidence", "long_text", "user_facing",
    "captured", "short_entry", "kind_words",
)  # fmt: skip
"""What an entry shares with a change (`_mentions`): the features of record linkage between them."""


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
    own: bool = False, top: bool = False,
) -> tuple[int, set[str], tuple[float, ...]]:
    """How clearly an entry names the change (0: it does not; more is clearer), and which of its
    names, models and values it names. Names first: an entry that spells out a distinctive name of the
    change mentions it whatever its other words. Otherwise weak signals count — a name the rule does
    not single out, a model, a value, the entry's words ranked against the changed sentences
    (`retrieved`) — and only in an entry with the deciding rule's evidence words (`evidence`), unless
    retrieval alone is sure. `weak_needed` weak signals are needed. When the deciding rule matched words
    in the change (`by_words`), only the names its patterns pick out are its distinctive names: another
    name in a long edit is one of its side edits. Set operations first: most entries share nothing."""
    names = set() if spec.whole else spec.names & entry.tokens
    # A request field many entries spell ("model") says nothing; a tool's own name always does.
    key = spec.key is not None and spec.key in entry.tokens and (kind in kinds.USER_FACING or spec.key not in common)
    for bigram in spec.bigrams.keys() & entry.bigrams:
        for name in spec.bigrams[bigram]:
            if spec.spoken[name] in entry.spoken:
                if name == spec.key:
                    key = True
                else:
                    names.add(name)
    models = spec.models & entry.models or {m for m in spec.models if m.split()[0] in entry.models}
    values = spec.values_all & entry.values
    found = retrieved >= RETRIEVED
    strong_names = {n for n in (names & spec.salient if by_words or spec.salient - {spec.key} else names) if n not in common}
    # An entry that spells a tool which came or went (one few entries spell) tells of the texts that
    # stopped or started naming it; a tool every other entry names (Bash) tells of nothing.
    strong_names |= {t for t in spec.tools & entry.tokens if t not in common}
    names |= strong_names
    key_strong = key and spec.key_alone and (
        bool(spec.key and _DISTINCT.search(spec.key)) or (kind in _KIND_WORDS and bool(_KIND_WORDS[kind].search(entry.text)))
    )
    strong = bool(strong_names) or key_strong or (spec.models_strong and bool(models))
    named = names | models | values | ({spec.key} if key and spec.key else set())
    unspelled_switch = spec.key_alone and kind in _CALLED_BY_NAME and not strong
    features = (
        float(bool(strong_names)), float(key_strong), float(spec.models_strong and bool(models)), float(bool(names - strong_names)),
        float(key and not key_strong), float(bool(models)), float(bool(values)), retrieved, float(evidence), float(weak_needed == 1),
        float(unspelled_switch), float(own), float(spec.whole), min(len(names) + key, 3) / 3, float(found),
        float(retrieved >= RETRIEVED_ALONE), float(top), retrieved * evidence, float(kind in kinds.LONG_TEXT),
        float(kind in kinds.USER_FACING), float(kind in kinds.CAPTURED), float(len(entry.stems) <= 12),
        float(bool(kinds.WORDS[kind].search(entry.text))),
    )  # fmt: skip
    if not (names or key or models or values or found):
        return 0, set(), features
    score = 3 * (len(names) + key) + len(models) + len(values) + round(4 * retrieved)
    if strong:
        return score, named, features
    if unspelled_switch:  # a switch or tool that came or went: its entry spells it
        return 0, named, features
    sure = retrieved >= RETRIEVED_ALONE
    if not evidence and not sure:
        return 0, named, features
    # Ranked near (here: in an entry with the rule's evidence words, or nearer still) is two signals.
    others = bool(names - strong_names) + bool(models) + bool(values) + 2 * found
    # Naming an edited fact's key (the Bash tool, a section) says which fact, not what changed in it.
    if others < weak_needed and others + (key and not key_strong) < 2:
        return 0, named, features
    return score, named, features


_UNHEARD = frozenset(("string", "document"))  # kinds whose texts may or may not reach the model
_SWITCHES = frozenset(("env", "setting"))
_CALLED_BY_NAME = _SWITCHES | {"tool", "tool_schema"}  # users set them, the model calls them, by name
# Request code names the query it builds (`querySource:"agent_namer"`); the conversation's own request
# is the main thread's, the SDK's or compaction's. Others (classifiers, namers, token counts) are side queries.
_SOURCE = re.compile(r"\b(?:querySource|source)\s*:\s*\"([\w-]+)\"")


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
    told: Container[int] = (),
) -> tuple[str, str | None]:
    """The deciding rule's severity, unless what changed reaches neither the model nor users: a
    rename or move that left the text as it was; env vars and settings no changelog entry ever names
    (`spelled`: internal switches, which change nothing until someone sets them); prompt strings /
    documents that no captured request holds and no matching rule marks `reaches_model`. Raised to
    medium: a switch of a model-relevant category (not "other") that its release's notes tell users
    of (`told`): a way they were given to change what the model gets; a model-facing prompt string
    for a command they tell users of. (severity, why it changed)."""
    severity = primary.severity if primary else "low"
    changes = [seen[i].change for i in group]
    if all(c.former is not None and c.before == c.after for c in changes):
        return "low", "the text was renamed or moved unchanged"
    if all(c.kind in _SWITCHES and c.key not in spelled for c in changes):
        return "low", "an internal switch: no changelog entry ever names it, so no user was told to set it"
    topical = primary is not None and primary.category != "other"
    if all(i in told for i in group) and severity_rank(severity) < severity_rank("medium"):
        if topical and all(c.kind in _SWITCHES for c in changes):
            return "medium", "a switch this release's notes tell users of"
        if all(c.kind in _UNHEARD for c in changes):
            return "medium", "a prompt the model reads, for a command this release's notes tell users of"
    if all(c.kind == "request_code" and isinstance(c.before, str) and isinstance(c.after, str) and same_statements(c.before, c.after) for c in changes):
        return "low", "request code whose statements are unchanged (reordered or re-punctuated): it sends nothing new"
    sides = {_side_query(c, vocabulary) for c in changes}
    if None not in sides:
        return "low", f"a side query ({', '.join(sorted(str(s) for s in sides))}): not the conversation's own request"
    if heard is None or not all(c.kind in _UNHEARD for c in changes):
        return severity, None
    if _reaches_model(changes, [rule for i in group for rule in matched[i]], heard):
        return severity, None
    return "low", "not seen in any captured request: UI, telemetry or documentation text"


def _moved(*changes: Change) -> list[str]:
    """The versions changes moved in, in order: their verdict reads the windows of these, as the
    changelog stood when the last one closed."""
    return vers.sort({v for c in changes for v in (c.introduced_in, *c.changed_in, c.removed_in) if v})


def _finding(
    group: list[int], seen: list[Observed], matched: list[list[Rule]], known: _Changelog, vocabulary: Vocabulary, heard: Heard | None = None,
    told: Container[int] = (), unjudged: Container[str] = frozenset(), trace: list[Pair] | None = None, tools: frozenset[str] = frozenset(),
) -> Finding:
    members = sorted(group, key=lambda i: (kinds.ORDER.get(seen[i].change.kind, 99), seen[i].change.key))
    rules = [rule for i in members for rule in matched[i]]
    primary = min(rules, key=_precedence, default=None)
    changes = [seen[i].change for i in members]
    introduced = min((c.introduced_in for c in changes if c.introduced_in), key=vers.parse, default=None)
    removed_in = None
    if all(c.removed_in for c in changes):
        removed_in = max((c.removed_in for c in changes if c.removed_in), key=vers.parse)

    specifics = [_specifics(seen[i], matched[i], vocabulary, tools) for i in members]
    by_words = primary is not None and not primary.structural  # the finding is about words its rule found
    at = _moved(*changes)
    index = known.at(at)
    relevant: dict[int, _Entry] = {}
    best_retrieved: dict[int, float] = {}
    mentioning: dict[int, tuple[_Entry, int]] = {}
    covered: set[str] = set()
    unmentioned_members = []
    for i, spec in zip(members, specifics, strict=True):
        # Evidence words are those of the rule that decided this change (all entries when none did).
        deciding = matched[i][0] if matched[i] else None
        candidates = index.pool(at, _evidence(deciding))
        relevant.update(candidates.by_id)
        # A rule that matched what the change is, with its evidence words in the entry, is one signal.
        weak_needed = 1 if deciding is not None and deciding.structural and deciding.evidence else 2
        nearby = index.spanning(at)
        retrieved = index.ranked(spec.query, nearby)
        best_retrieved.update((k, max(v, best_retrieved.get(k, 0.0))) for k, v in retrieved.items())
        top = max(retrieved.values(), default=0.0)
        hit = False
        for entry in nearby:
            near = retrieved.get(id(entry), 0.0)
            # Most entries share nothing with the change; those of its own release that speak of its kind are weighed too.
            if near < RETRIEVED and spec.probe.isdisjoint(entry.features) and not (entry.version in at and kinds.WORDS[seen[i].change.kind].search(entry.text)):
                continue
            score, named, features = _mentions(
                spec, entry, seen[i].change.kind, weak_needed, near, id(entry) in candidates.by_id, index.common, by_words, entry.version in at,
                near > 0 and near >= top,
            )
            if trace is not None and features:
                trace.append(Pair(seen[i].change, entry.version, entry.text, features, bool(score)))
            if score:
                hit = True
                covered |= named
                best = mentioning.get(id(entry), (entry, 0))[1]
                mentioning[id(entry)] = (entry, max(best, score))
        if not hit:
            unmentioned_members.append(seen[i].change)
    ranked = sorted(mentioning.values(), key=lambda m: (-m[1], m[0].version not in at))

    nearest = max(relevant.values(), key=lambda e: best_retrieved.get(id(e), 0.0), default=None)
    if nearest is not None and best_retrieved.get(id(nearest), 0.0) < RETRIEVED:
        nearest = None  # quoted only when retrieval ranks it near the change: one it could mean
    verdict, note, missing = _verdict(changes, specifics, seen, members, ranked, covered, unmentioned_members, nearest, vocabulary)
    observed = set().union(*(s.salient | s.models | s.values | s.old_values for s in specifics))
    confidence, basis = _confidence(primary, verdict, observed, covered, [e for e, _ in ranked], at, bool(relevant), index)
    if at and at[-1] in unjudged:
        verdict, note, missing, ranked, confidence, basis = "unjudged", UNJUDGED_NOTE, [], [], 0.0, "not judged"

    refs = tuple(ChangelogRef(e.version, e.text) for e, _ in ranked[:_MAX_REFS])
    category = primary.category if primary else "other"
    severity, lowered = _severity(primary, members, seen, matched, heard, index.spelled, vocabulary, told)
    steps = _steps(primary, changes, introduced, removed_in)
    return Finding(
        id=steps[0][1],
        category=category,
        severity=severity,
        verdict=verdict,
        title=_title(primary, changes, introduced),
        evidence={
            "rule": primary.id if primary else None,
            "matched_rules": sorted({rule.id for rule in rules}),
            "category_name": CATEGORIES.get(category, category),
            "changes": [_observation(seen[i], spec.described) for i, spec in zip(members[:_MAX_SHOWN], specifics, strict=False)],
            "more_changes": max(0, len(members) - _MAX_SHOWN),
            "note": note,
            "missing": missing,
            "confidence_basis": basis,
            **({"severity_note": lowered} if lowered else {}),
        },
        changelog_refs=refs,
        introduced_in=introduced,
        removed_in=removed_in,
        confidence=confidence,
        rule=primary.id if primary else None,
        changes=tuple(changes),
        steps=steps,
    )


def _confidence(
    primary: Rule | None,
    verdict: str,
    observed: set[str],
    covered: set[str],
    mentioning: list[_Entry],
    at: list[str],
    any_evidence: bool,
    index: _Index,
) -> tuple[float, str]:
    """(confidence, how it was computed): see the module docstring."""
    rule_conf = 0.6 if primary is None else 0.9 if primary.structural else 0.75
    rule_basis = "no rule (other)" if primary is None else "rule matched what the change is" if primary.structural else "rule matched words in the change"
    if verdict == "undocumented":
        if all(v not in index.sections for v in at):
            verdict_conf, basis = 0.95, "no changelog section"
        elif not any_evidence:
            verdict_conf, basis = 0.9, "no nearby entry has the evidence words"
        else:
            verdict_conf, basis = 0.75, "nearby entries have the evidence words but do not name the change"
    else:
        coverage = len(observed & covered) / len(observed) if observed else 1.0
        own = any(e.version in at for e in mentioning)
        base, span = (0.6, 0.3) if verdict == "documented" else (0.55, 0.25)
        verdict_conf = base + span * coverage + (0.1 if own else 0)
        basis = f"entries name {len(observed & covered)}/{len(observed)} observed names/models/values" + ("" if own else "; only a neighbouring release's notes")
    return round(rule_conf * verdict_conf, 2), f"{rule_basis} ({rule_conf}) × {basis} ({round(verdict_conf, 2)})"


def _verdict(
    changes: list[Change],
    specifics: list[_Specifics],
    seen: list[Observed],
    members: list[int],
    mentioning: list[tuple[_Entry, int]],
    covered: set[str],
    unmentioned: list[Change],
    nearest: _Entry | None,
    vocabulary: Vocabulary,
) -> tuple[str, str, list[str]]:
    """(verdict, note, what the changelog leaves out); `nearest`: the entry with the evidence words
    that retrieval ranks closest to the change, when it ranks it near (RETRIEVED)."""
    if not mentioning:
        if nearest is not None:
            return "undocumented", f"no entry names it; nearest entry with the evidence words ({nearest.version}): {short(nearest.text, 140)}", []
        return "undocumented", "no changelog entry near these versions mentions it", []
    missing: list[str] = []
    entry_models = set().union(*(e.models for e, _ in mentioning))
    models = set().union(*(s.models for s in specifics)) - covered
    if models:
        said = f" (the entry names {', '.join(sorted(entry_models))})" if entry_models else ""
        missing.append(f"models involved: {', '.join(sorted(models))}{said}")
    values = set().union(*(s.values for s in specifics)) - covered
    if values:
        missing.append(f"values set: {', '.join(sorted(values)[:_MAX_SHOWN])}")
    names = sorted(set().union(*(s.salient for s in specifics)) - covered)
    if names:
        missing.append(f"names: {', '.join(names[:_MAX_SHOWN])}")
    if any(seen[i].condition == "removed" for i in members) and any(e.audience for e, _ in mentioning):
        missing.append("audience: the entry speaks of one model, plan or provider, but the condition that limited the change was removed (it now applies to everyone)")
    limits = {e.limited for e, _ in mentioning}
    # A scenario of the plan the entry names (Pro subscribers ↔ "Pro/Max plans") is inside its audience.
    scenarios = sorted({c.scenario for c in changes if c.scenario and not _inside(vocabulary.audiences.get(c.scenario), limits)})
    if scenarios and None not in limits:
        missing.append(
            f"audience: the entry limits it to {', '.join(sorted(str(x) for x in limits))}, but it was also seen with "
            f"{CAPTURED_AUDIENCE} ({', '.join(scenarios)})"
        )
    untold = [sentence for s in specifics for sentence, words in s.sentences if not _spoken_of(sentence, words, covered, mentioning)]
    if untold:
        missing.append(f"edits not mentioned: {len(untold)} changed sentence{'s' if len(untold) > 1 else ''}, e.g. {short(untold[0], 120)!r}")
    removed = [c for c in changes if c.status == "removed" and c.kind not in _SWITCHES]
    if removed and not any(_REMOVAL.search(e.text) for e, _ in mentioning):
        missing.append("that it was removed: the entry does not say so")
    if unmentioned and len(changes) > 1:
        labels = ", ".join(short(c.label, 60) + (f" ({c.scenario})" if c.scenario else "") for c in unmentioned[:_MAX_SHOWN])
        missing.append(f"side effects not mentioned: {labels}")
    if missing:
        return "partial", "the changelog mentions it but says less than observed: " + "; ".join(missing), missing
    return "documented", f"named by {len(mentioning)} changelog entr{'y' if len(mentioning) == 1 else 'ies'}", []


def _inside(audience: str | None, limits: set[str | None]) -> bool:
    """Whether a scenario's audience ("Pro subscribers") is one the entries limit the change to ("Pro/Max plans")."""
    names = set(re.findall(r"\b[A-Z]\w+", audience or ""))
    return bool(names) and all(limit is not None and any(re.search(rf"\b{n}\b", limit) for n in names) for limit in limits)


_REMOVAL = re.compile(r"\b(?:remov|drop|delet|deprecat|retir|no longer|stop(?:s|ped)?\b|disabl|without\b|replac)", re.IGNORECASE)
_MIN_SENTENCE = 4  # retrieval tokens: a shorter changed sentence (a number, a word) is no edit of its own


def _spoken_of(sentence: str, words: frozenset[str], covered: set[str], mentioning: list[tuple[_Entry, int]]) -> bool:
    """Whether a changed sentence (its retrieval `words`) is one the mentioning entries speak of: it
    holds a name they name, or shares two words with one of them."""
    if any(name in sentence for name in covered):
        return True
    return any(len(words & entry.stems) >= 2 for entry, _ in mentioning)


def _observation(seen: Observed, described: str) -> dict[str, Any]:
    change = seen.change
    out: dict[str, Any] = {
        "kind": change.kind,
        "key": change.key,
        "label": change.label,
        "described": described,
        "status": change.status,
        "changed_in": list(change.changed_in),
    }
    if change.scenario:
        out["scenario"] = change.scenario
    if change.former:
        out["former"] = {"kind": change.former[0], "key": change.former[1]}
    if change.status == "changed" or change.status == "transient" or seen.direction:
        out["before"] = short(change.before, 200)
        out["after"] = short(change.after, 200)
    if seen.added and (change.before not in (None, "")):
        out["added"] = [short(run, 200) for run in seen.added[:_MAX_SHOWN]]
    elif seen.added:
        out["after"] = short(change.after, 200)
    if seen.removed and (change.after not in (None, "")):
        out["removed"] = [short(run, 200) for run in seen.removed[:_MAX_SHOWN]]
    elif seen.removed:
        out["before"] = short(change.before, 200)
    if seen.direction:
        out["direction"] = seen.direction
    if seen.condition:
        out["condition"] = seen.condition
    return out


def _steps(primary: Rule | None, changes: list[Change], introduced: str | None, removed_in: str | None) -> tuple[tuple[str, str], ...]:
    """(release, id) for each release the finding's changes moved in, oldest first; the first id is the
    finding's. Each id is what a diff of that one release calls its change — the change's identity and
    the release, never the wording or the range — so one finding has one id in a range diff, a release's
    diff, the TUI and the Action's comment, and accepting it (auditor.pin) accepts that step only."""
    at = sorted({v for c in changes for v in c.changed_in} | ({introduced} if introduced else set()), key=vers.parse)
    merged = primary is not None and primary.merge and len(changes) > 1
    out = []
    for n, version in enumerate(at):
        moving = [c for c in changes if version in c.changed_in] or changes
        if merged and primary is not None:  # a merged group is the rule's changes of one release
            status = changes[0].status if n == 0 else _step_status(moving[0], version)
            basis = f"merge\0{primary.id}\0{version}\0{removed_in if n == 0 else None}\0{status}"
        else:
            basis = f"{_identity(moving[0], version)}\0{version}"
        out.append((version, hashlib.sha1(basis.encode()).hexdigest()[:12]))
    return tuple(out)


def _identity(change: Change, version: str) -> str:
    """A change's identity just before `version`: kind and key (before a rename: the old ones); for texts
    keyed by digest (prompt strings, request code), the digest of the text then (or after, for one
    added), since a lineage keeps the key it was first seen under, which a longer range sees earlier."""
    kind, key = change.former or (change.kind, change.key)
    if kind in FUZZY_KINDS:
        before, after = _around(change, version)
        text = before if before is not None else after
        if isinstance(text, str):
            key = hashlib.sha1(text.encode()).hexdigest()[:12]
    return f"{kind}\0{key}"


def _around(change: Change, version: str) -> tuple[Any, Any]:
    """The change's value just before and just after its step in `version`."""
    if not change.history:
        return change.before, change.after
    values = [change.before, *(value for _, value in change.history)]
    i = next((i for i, (v, _) in enumerate(change.history) if v == version), 0)
    return values[i], values[i + 1]


def _step_status(change: Change, version: str) -> str:
    before, after = _around(change, version)
    return "added" if before is None else "removed" if after is None else "changed"


def _title(primary: Rule | None, changes: list[Change], introduced: str | None) -> str:
    first = changes[0]
    statuses = {c.status for c in changes}
    status = STATUS_WORDS[first.status] if len(statuses) == 1 else "rewritten" if statuses == {"added", "removed"} else "changed"
    if first.former is not None:
        kind, key = first.former
        status = f"renamed from {short(key, 60)}" if kind == first.kind else f"moved from {kinds.NOUNS.get(kind, (kind,))[0]} {short(key, 60)}"
    one, many = kinds.NOUNS.get(first.kind, (first.kind, first.kind))
    if primary is not None and primary.title and not (primary.merge and len(changes) == 1):
        return primary.title.format(
            label=short(first.label, 80), key=first.key, kind=one, status=status, count=len(changes), version=introduced or ""
        )
    if len(changes) > 1 and primary is not None and primary.merge:
        return f"{len(changes)} {many} {status}"
    if first.scenario is not None:
        return f"{one[0].upper()}{one[1:]} ({short(first.label, 80)}) {status}"
    return f"{one[0].upper()}{one[1:]} {short(first.label, 80)}: {status}"


# ---------------------------------------------------------------------------------------------- changelog findings


def _span(versions: Sequence[str] | None, published: Mapping[str, str | None] | None, changes: Sequence[Change]) -> list[str]:
    """The releases after the baseline that the changelog findings are about."""
    if versions:
        return [v for v in versions[1:] if not vers.is_prerelease(v)]
    moved = [v for c in changes for v in c.changed_in]
    if not moved or not published:
        return vers.sort(set(moved))
    low, high = min(moved, key=vers.parse), max(moved, key=vers.parse)
    return vers.between(published, low, high)


def _changelog_finding(
    kind: str,
    version: str,
    subject: str,
    severity: str,
    verdict: str,
    title: str,
    note: str,
    confidence: float,
    refs: tuple[ChangelogRef, ...] = (),
    extra: dict[str, Any] | None = None,
) -> Finding:
    """A finding about the changelog itself; its id follows what it is about (kind, version, entry)."""
    return Finding(
        id=hashlib.sha1(f"{kind}\0{version}\0{subject}".encode()).hexdigest()[:12],
        category=CHANGELOG_CATEGORY,
        severity=severity,
        verdict=verdict,
        title=title,
        evidence={"rule": None, "note": note, **(extra or {})},
        changelog_refs=refs,
        introduced_in=version,
        removed_in=None,
        confidence=confidence,
    )


def _missing_sections(span: list[str], releases: Sequence[Release], newest: str | None) -> list[Finding]:
    out = []
    for version in missing_versions(span, releases):
        behind = newest is not None and vers.parse(version) > vers.parse(newest)
        note = (
            f"the changelog's newest section is {newest}: it may simply not be updated yet"
            if behind
            else "users could install this release with no release notes at all"
        )
        title = f"{version} was published with no changelog section"
        out.append(_changelog_finding("changelog-missing", version, "", "medium", "undocumented", title, note, 0.6 if behind else 0.95))
    return out


def _rewrites(history: ChangelogHistory, span: list[str], published: Mapping[str, str | None], rules: Sequence[Rule]) -> list[Finding]:
    """Entries edited after their release was published (or, without a publish time, after they first appeared)."""
    wanted = set(span)
    weighty = [p for rule in rules if severity_rank(rule.severity) >= severity_rank("high") for p in rule.evidence]
    out = []
    for version, record in history.edited():
        if version not in wanted:
            continue
        when = published.get(version)
        edits = [edit for edit in record.edits if when is None or instant(edit.date) > instant(when)]
        if not edits:
            continue
        added, removed = _text_diff(edits[0].old, edits[-1].new)
        texts = edits[0].old + "\n" + edits[-1].new
        severity = "medium" if any(p.search(texts) for p in weighty) else "low"
        note = f"first published as: {short(edits[0].old, 300)}"
        out.append(
            _changelog_finding(
                "changelog-edit", version, record.original, severity, "partial", f"{version} changelog entry rewritten after release",
                note, 0.9, (ChangelogRef(version, edits[-1].new),),
                {"added": [short(a, 200) for a in added], "removed": [short(r, 200) for r in removed], "edits": [e.sha for e in edits]},
            )
        )
    return out


def _late(history: ChangelogHistory, span: list[str], published: Mapping[str, str | None]) -> list[Finding]:
    wanted = set(span)
    times = {v: t for v, t in published.items() if t and v in wanted}
    out = []
    for late in late_entries(history, times):
        what = "section" if late.entry is None else "entry"
        note = f"the {what} appeared {late.hours:g} h after the release was published ({late.appeared}, commit {late.sha[:10]})"
        refs = (ChangelogRef(late.version, late.entry),) if late.entry else ()
        title = f"{late.version} changelog {what} added {late.hours:g} h after release"
        out.append(_changelog_finding("changelog-late", late.version, late.entry or "", "low", "partial", title, note, 0.9, refs))
    return out


def short(value: Any, limit: int = 160) -> str:
    """A value on one line, cut to `limit` characters."""
    text = " ".join(str(value).split()) if value is not None else "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"
