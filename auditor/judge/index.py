"""What the changelog said, as known at one time: every text an entry ever had, tokenized and named
once (`_Changelog`), and the index of the texts known when a window closed (`_Index`: windows, which
names are common or spelled at all, BM25 ranking with that time's word weights). Also the names,
models, effort levels and numbers a text spells, read alike from entries and changed text."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .. import retrieval
from .. import versions as vers
from ..changelog import ChangelogHistory, Release, window
from ..diff import Change
from ..rules import prefilter
from ..targets import Vocabulary
from .models import ModelNames

_COMMON = 8  # entries: a name spelled in more of them is no name of one change (4–16 alike held out, sweep_judge)


_TOKENS = re.compile(r"--?[A-Za-z][\w-]*|/[a-z][\w-]+|[A-Za-z_$][\w$]*(?:[-.][A-Za-z0-9_$]+)*")


_PATH = 8  # parts: a longer dotted run is no setting's path ("x.x.x…" in an untrusted entry: its shorter paths are quadratic)


def _names(text: str) -> set[str]:
    """The names an entry spells, with the shorter paths of each dotted one: `settings.autoMode.hard_deny`
    also names the setting `autoMode.hard_deny` (settings are keyed from the schema's top)."""
    tokens = set(_TOKENS.findall(text))
    dotted = (parts for token in tokens if "." in token and len(parts := token.split(".")) <= _PATH)
    return tokens | {".".join(parts[i:]) for parts in dotted for i in range(1, len(parts) - 1)}
# The words of a name however it is written: `self-hosted-runner`, `self_hosted_runner`, `SelfHostedRunner`.
PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def identifier(name: str) -> str | None:
    """A name of two words or more, as its words in lower case joined by "_" (None: one word)."""
    parts = PARTS.findall(name)
    return "_".join(p.lower() for p in parts) if len(parts) > 1 else None


_ABOUT_EFFORT = re.compile(r"\beffort|\breasoning\b", re.IGNORECASE)


@functools.cache
def levels(efforts: str, coined: str) -> tuple[re.Pattern, re.Pattern]:
    """A target's effort levels (`Vocabulary.effort_levels`): bare, where prose speaks of effort ("from medium to
    high"), and quoted or coined (`Vocabulary.coined_levels`: "xhigh", no English word) anywhere else."""
    level = efforts or "(?!)"  # matches nothing: a target without levels
    bare = re.compile(rf"(?<![\w-])({level})(?![\w-])", re.IGNORECASE)
    quoted = re.compile(rf"[\"'`]({level})[\"'`]" + (rf"|(?<![\w-])({coined})(?![\w-])" if coined else ""), re.IGNORECASE)
    return bare, quoted


# Searched only in texts that hold one of their literals (see rules.literals): most changed text names no model or level.
needs = functools.cache(prefilter)
_DIGIT = re.compile(r"\d")  # in every _NUM: a quick first test (its lookbehind defeats re's own)
_NUM = re.compile(r"(?<![\w.$])(\d[\d,_]*(?:\.\d+)?)\s*([kKmM])?(?![\w.])")
# An entry whose audience names API-key users ("for API-key, Bedrock/Vertex/Foundry, Team, and Enterprise
# users") includes the captured run's, whatever plans or providers it lists beside them.
_API_KEY_USERS = re.compile(r"\b(?:for|on|with)\s+(?:an?\s+)?API[- ]keys?\b", re.IGNORECASE)


@functools.cache
def _audiences(plans: str, providers: str) -> tuple[re.Pattern, re.Pattern]:
    """(limited, audience) in a target's words (`Vocabulary.plans`, `.providers`): an entry limiting its change
    to a provider ("on Bedrock") or plans ("for Pro/Max plan users"), the provider in group 1, the plans in 2;
    and an entry speaking of some audience at all. A captured run is neither (`Vocabulary.captured_audience`)."""
    plan, provider = plans or "(?!)", providers or "(?!)"  # (?!) matches nothing: a target without plans or providers
    # A list of plans is a few names: an unbounded one would try, at every name of a long run ("Pro/Pro/…", an
    # untrusted changelog's), the whole rest of the run: quadratic time.
    limited = re.compile(
        rf"\b(?:on|for|with|via|using)\s+(?:Amazon\s+|Google\s+|Microsoft\s+|AWS\s+)?({provider})\b|"
        rf"\b((?:{plan})(?:\s*(?:/|,(?:\s*(?:and|or)\b)?|and\b|or\b)\s*(?:{plan})){{0,8}})\s+(?:plan\s+)?(?:users|subscribers|plans?|accounts)\b",
        re.IGNORECASE,
    )
    audience = re.compile(
        rf"\b(?:{plan})\b(?:\s*/\s*\w+)?\s+(?:users|subscribers|plans?|accounts)|"
        rf"\bfor\s+(?:\w+\s+){{0,3}}(?:users|subscribers|accounts|customers)\b|\bon\s+(?:{provider})\b",
        re.IGNORECASE,
    )
    return limited, audience


def _limited(text: str, limited: re.Pattern) -> str | None:
    """The provider or plan an entry limits its change to ("Bedrock", "Max users"), if any (`limited`: `_audiences`)."""
    found = limited.search(text)
    if found is None or _API_KEY_USERS.search(text):
        return None
    return found.group(1).title() if found.group(1) else f"{found.group(2)} plans"


_REMOVES = re.compile(
    r"\b(?:remov(?:ed?|es|ing)|dropp(?:ed|ing)|drops?)\s+(?:the\s+)?[`'\"]?([\w.]+)|"
    r"[`'\"]?([\w.]+)[`'\"]?\s+(?:\w+\s+)?(?:is|was|were|has\s+been|are)\s+(?:no\s+longer\b|removed|dropped)",
    re.IGNORECASE,
)


def _removes(text: str) -> frozenset[str]:
    """Values an entry says were taken away, as `values` spells them: "(removed max)" → max."""
    if not _REMOVAL_WORD.search(text):  # a quick first test: most entries remove nothing
        return frozenset()
    said = [a or b for a, b in _REMOVES.findall(text)]
    return frozenset(w.lower() for w in said if not _DIGIT.search(w)) | _numbers(" ".join(said))


_REMOVAL_WORD = re.compile(r"remov|drop|no longer", re.IGNORECASE)
_FIX = re.compile(r"\s*fix(?:ed|es)?\b", re.IGNORECASE)
_CAME_OR_WENT = re.compile(r"\b(?:add|new\b|introduc|remov|drop|no longer|now (?:sent|included|available|offered|loaded)|deferr|replac)", re.IGNORECASE)


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
    removes: frozenset[str]  # values it says were removed ("(removed max)", "`512` is no longer accepted")
    fix_only: bool  # a bug fix that says nothing came or went: naming a tool is naming where the bug was
    announces: bool  # it says something came or went ("Introducing …", "Added …", "Removed …")
    launches: frozenset[str]  # the model it announces ("Introducing Claude Fable 5")
    identifiers: frozenset[str]  # its names of two words or more, however written (`identifier`)
    features: frozenset[str] = frozenset()  # all of the above in one set
    stems: frozenset[str] = frozenset()  # its retrieval tokens

    def __post_init__(self) -> None:
        self.features = self.tokens | self.models | {m.split()[0] for m in self.models} | self.values | self.bigrams | self.identifiers
        self.stems = frozenset(retrieval.tokens(self.text))


class _Pool:
    """Changelog entries a change is checked against, also keyed by identity (for the finding's union)."""

    def __init__(self, entries: list[_Entry]):
        self.entries = entries
        self.by_id = {id(e): e for e in entries}


_FLAG_WORDS = 12  # words in a flag's name after its prefix: the longest of 2.1.61-2.1.241 has 7


@functools.cache
def worded(key: str, prefixes: tuple[str, ...]) -> re.Pattern[str] | None:
    """A feature flag's name in prose, to match an entry's `spoken` words from its start: every word of the
    name after the target's prefix, in any order, each beginning a word of the entry (flag names clip
    words: `tengu_mcp_auto_background` ↔ "MCP tool calls … now move to the background automatically").
    A codename (`tengu_sedge_lantern`) is said by no entry; a name of one word (`tengu_penguins`) by too many,
    one of more than _FLAG_WORDS (the program is untrusted: each word is a pass over the entry) by none."""
    prefix = next((p for p in prefixes if key.startswith(p)), None)
    words = dict.fromkeys(w for w in re.split(r"[^a-z0-9]+", key[len(prefix) :].lower()) if w) if prefix else {}
    return re.compile("".join(rf"(?=.*? {re.escape(w)})" for w in words)) if 1 < len(words) <= _FLAG_WORDS else None


class _Changelog:
    """The changelog prepared once per judgement: every text an entry ever had (`window.Corpus`), each
    tokenized and named once, when first needed; `at` gives the index of what was known when a
    window closed. Statistics (which names are common, which are spelled at all, BM25's word weights)
    are those of that moment, so a verdict is the same on the release's day and a year later."""

    def __init__(
        self, releases: Sequence[Release], history: ChangelogHistory | None, published: Mapping[str, str | None] | None, models: ModelNames,
        vocabulary: Vocabulary,
    ):
        self.models = models
        self.flag_prefixes = vocabulary.flag_prefixes
        self._limits, self._audience = _audiences(vocabulary.plans, vocabulary.providers)
        self._levels = levels(vocabulary.effort_levels, vocabulary.coined_levels)[0]
        self.corpus = window.Corpus(releases, history)
        self.published = published
        self.newest = max((r.version for r in releases), key=vers.parse, default=None)
        self.entries: dict[int, _Entry] = {}
        self._spellers: dict[str, list[int]] | None = None
        self._ranker: retrieval.Ranker | None = None
        self._says: dict[tuple[str, int], bool] = {}
        self._indexes: dict[tuple[str, float], _Index] = {}
        self.calendar = window.Calendar(published, self.corpus.sections)

    def at(self, versions: Sequence[str]) -> _Index:
        """What the changelog said when the window of the last of `versions` closed."""
        closing = self.calendar.window(max(versions, key=vers.parse))
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
            models = self.models.models(full)
            tokens = _names(full)
            announces = bool(_CAME_OR_WENT.search(full))
            found = self.entries[number] = _Entry(
                text.version,
                full,
                number,
                frozenset(tokens) | {part for token in tokens if "." in token for part in token.split(".")},
                frozenset(models | self.models.bare_families(full)),
                frozenset(v.lower() for v in self._levels.findall(full)) | _numbers(full),
                bool(models) or bool(self._audience.search(full)),
                _limited(full, self._limits),
                " " + " ".join(spoken) + " ",
                frozenset(f"{a} {b}" for a, b in itertools.pairwise(spoken)),
                _removes(full),
                bool(_FIX.match(full)) and not announces,
                announces,
                frozenset(self.models.launched(full)),
                frozenset(filter(None, map(identifier, tokens))),
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
        # Its windows: the published releases' (the judgement's calendar), else its own sections'.
        self._calendar = changelog.calendar if changelog.published else window.Calendar(None, self._ordered)
        # Names many entries spell (`tool_use`, `--print`, `model`) single out no change.
        self.common = _Spelled(self, _COMMON)
        self.spelled = _Spelled(self, 0)  # every name some entry spells
        self._df: dict[str, int] = {}
        self._view: retrieval.RankerView | None = None
        self._windows: dict[str, list[_Entry]] = {}
        self._spans: dict[tuple[str, ...], list[_Entry]] = {}
        self._rare: dict[str, bool] = {}
        self._pools: dict[tuple[tuple[str, ...], tuple[re.Pattern, ...]], _Pool] = {}
        self._owned: dict[tuple[str, ...], dict[str, str]] = {}

    def df(self, name: str) -> int:
        """How many known texts spell `name`."""
        found = self._df.get(name)
        if found is None:
            found = self._df[name] = sum(1 for number in self.changelog.spellers(name) if number in self.known)
        return found

    def near(self, change: Change) -> list[_Entry]:
        """The entries of the windows of every release the change moved in."""
        return self.spanning(vers.sort(set(change.moved)))

    def told(self, change: Change, names: AbstractSet[str], fold: bool = False) -> list[_Entry]:
        """The entries near the change that spell one of these names of it (an env var or setting, a
        slash command in its text; with `fold`, in any case: a request header's lower-case name)."""
        near = self.near(change)
        if fold:
            return [entry for entry in near if any(t.lower() in names for t in entry.tokens)]
        return [entry for entry in near if not names.isdisjoint(entry.tokens)]

    def worded(self, change: Change) -> list[_Entry]:
        """The entries near a feature flag that say its name in words (`worded`)."""
        pattern = worded(change.key, self.changelog.flag_prefixes) if change.kind == "flag" else None
        return [entry for entry in self.near(change) if pattern.match(entry.spoken)] if pattern else []

    def ranked(self, query: Sequence[str], entries: Sequence[_Entry]) -> dict[int, float]:
        """`retrieval.RankerView.relative` of these entries against a query, by entry identity, with the
        word weights of the texts known here."""
        if not query or not entries:
            return {}
        if self._view is None:
            self._view = self.changelog.ranker.view(self.known)
        scores = self._view.relative(query, [e.number for e in entries])
        return {id(e): scores[e.number] for e in entries if e.number in scores}

    def rare(self, words: frozenset[str]) -> frozenset[str]:
        """Those of `words` (retrieval stems) at most _COMMON texts known here hold: like a name, a word few
        entries ever said singles out what they speak of."""
        if self._view is None:
            self._view = self.changelog.ranker.view(self.known)
        for word in words - self._rare.keys():
            self._rare[word] = 0 < self._view.df(word) <= _COMMON
        return frozenset(w for w in words if self._rare[w])

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

    def own(self, versions: Sequence[str]) -> dict[str, str]:
        """The sections that are these releases' own, each to its release: a release's own section, or for
        one published with no section, the next release's, which tells what it shipped (cached: a finding's
        weighing, its quoted order and its basis ask for the same versions)."""
        key = tuple(versions)
        owned = self._owned.get(key)
        if owned is None:
            owned = self._owned[key] = {v: v for v in versions if v in self.sections}
            for v in versions:
                if v not in self.sections:
                    owned.setdefault(self._calendar.window(v).high, v)
        return owned

    def window(self, version: str) -> list[_Entry]:
        """The known entries of `version`'s window (`changelog.window`)."""
        if version not in self._windows:
            span = self._calendar.window(version)
            self._windows[version] = [
                self.changelog.entry(number) for v in self._ordered if span.holds(v) for number in self.by_version[v]
            ]
        return self._windows[version]
