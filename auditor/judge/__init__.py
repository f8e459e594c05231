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
   no verdict: a release judged on its day and in a replay a year later gets the same one. A release's
   own section is where its entries weigh most; a release published with no section is told of in the
   next one, which is then its own.
2. Names first: an entry that spells a distinctive name of the change — its env var, setting, tool,
   flag, beta, section heading, model id, or an identifier, slash command or CLI flag in the changed
   text — mentions it, whatever its other words; a dotted name names each of its shorter paths
   (`settings.autoMode.hard_deny` names the setting `autoMode.hard_deny`). (A name many entries
   spell, `model`, singles out nothing; inside a long text added or removed whole, a name is one of many and counts for nothing;
   when the deciding rule matched words, only the names its patterns pick out are distinctive; a
   history's shape is written in the API's block types, `tool_result`, which name no change.)
   Named alike: a switch or tool that came or went by the first word of its name, one few entries
   spell, beside the kind's word ("cron scheduling tools" for CronCreate); a value the change
   involves that the entry says was removed ("(removed max)"); a model the change names for the first
   time, by the entry of its own release about that model ("Introducing Claude Fable 5"; model
   families are the target's and those its model ids name, `models`); a feature flag by the words of its
   name after the target's prefix, each beginning a word of the entry (`tengu_mcp_auto_background` ↔
   "MCP tool calls … move to the background automatically"; a codename flag no entry says). A bug fix that names a tool
   ("Fixed AskUserQuestion being auto-allowed") is no note that the tool came or went.
3. Otherwise retrieval: the window's entries are ranked with BM25 against the changed sentences
   (`retrieval`), and, for a text edited in several releases (or added, then edited), each release's
   entries against that release's own edit too, said with who was sent it (the range's other edits would
   drown it; an entry first there is "ranked first", as judging that release alone would find, and is
   quoted first); one ranked near (RETRIEVED) counts as two weak signals in an entry with the deciding
   rule's evidence words or the words it found in the change, and alone when nearer still
   (RETRIEVED_ALONE; for a long text added or removed whole, which shares words with any long entry,
   only in an entry that also spells a name the text holds). An entry of the change's own release
   ranked first for it and near also speaks of it without the rule's words when it names who the
   captured text is sent to ("the auto mode classifier") or, for what the model is told, when it says the
   model now acts otherwise ("Claude now suggests …") or names a text the model reads ("the reminder").
   Weak signals besides: a model it involves ("Opus 4.7"), a value it sets
   (`xhigh`, a number), a name the rule's patterns do not single out, a model its scenario's
   requests switched to or from in that release (a new default model brings its own prompt), and an
   entry of the very release saying "system prompt" (or "tool description") for what the model is
   told — which also stands in for the rule's evidence words (for a side query's prompt, only with
   its sender named: "the system prompt" of the notes is the conversation's). Two are needed, or one when the
   deciding rule matched what the change is (kind, key, condition, direction). A switch or tool that
   came or went needs its name spelled. Request code is mentioned too by the entries that mention a
   captured parameter it produced (`_produced`: one it sets took, in a release the code changed in, a value
   its added lines write). No mentioning entry: **undocumented**.
4. Coverage: mentioning entries that leave out something observed make it **partial**, and the finding
   says what is missing: a model or value the change involves, a salient name (one the rule's own
   patterns pick out; none in the description of a switch that came or went: it is its key), a
   changed sentence of a long text no entry speaks of, a removal the entry does
   not call one, a member change of a merged finding, or a wider audience (the change dropped a
   section's model/flag guard while the entry speaks of one model or plan; or a captured run — an API
   key on the first-party API — showed what the entry limits to a provider or plan). Otherwise
   **documented**.

Grouping: the same captured fact in several scenarios or roles is one finding, and so are all changes a
`merge = true` rule decides in one release ("30 other prompt/UI strings added") — except those an entry
names (`alone`), and, for prompt strings, those an entry mentions (`_parted`): each its own finding with
its own verdict, the rest one group.

Severity is the deciding rule's, lowered to low where what changed reaches neither the model nor users:
prompt strings and documents no captured request holds (`Heard`) unless a matching rule marks them
`reaches_model` (a text speaking of "the user" in the third person, or naming a tool or its parameter as the model calls them — a parameter
by the names the captured requests' tool schemas give (`Heard.parameters`) —, is written for the model); request code of a side query (a classifier, a namer: its querySource); env vars and
settings no changelog entry ever names (internal switches); a rename or move that left the text as it was.
Raised to medium, and each its own finding rather than one of a catch-all rule's merged group
(`_told`): an env var or setting of a model-relevant category (tools/permissions — subagents
included —, context, reasoning…) that an entry of its window names: users were told how to change
what the model gets; a feature flag on by default whose name an entry of its window says in words, when that
entry speaks of a model-relevant subject; a prompt string the model reads (captured, or marked `reaches_model`) whose
slash command or CLI flag an entry of its window spells, when that entry also shares the string's
other words (`/goal` ↔ "Added `/goal` command"): what the model is told for a feature users were told of.

Confidence is the probability that the verdict is right (`calibration`): among the findings of the
labelled ranges whose verdict rested on the same basis — the verdict; how its rule matched (what the
change is, or only words in its text, or no rule); for undocumented, whether the versions had a
changelog section and whether nearby entries had the rule's evidence words; for a mention, whether the
entries name all, some or none of the observed names, models and values, and whether the release's
own notes do, and whether a mention spells a name or rests on shared words (`verdict.basis`) — the
share that was right, drawn toward its group's (its verdict; its verdict and whose notes) where the basis had few findings.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field

from .. import kinds
from .. import versions as vers
from ..changelog import ChangelogHistory, Release
from ..diff import Change
from ..rules import CATEGORIES, Matcher, Observed, Rule, leaves, observe, severity_rank
from ..targets import Vocabulary
from . import describe as describing
from .calibration import Calibration, shipped
from .describe import _CAPTURED_KEY
from .features import RETRIEVED, Pair, _evidence, _mentions, _Specifics, _specifics, by_name
from .finding import _MAX_SHOWN, NO_NOTES, UNJUDGED_NOTE, ChangelogRef, Finding, _observation, _steps, _title, sort_key
from .index import _Changelog, _Entry, _Index
from .models import ModelNames
from .notes import _late, _missing_sections, _rewrites, _span
from .severity import _UNHEARD, Heard, _severity, _told, named, topics
from .verdict import Mentions, _verdict, basis

_MAX_REFS = 3


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
    calibration: Calibration | None = None,
    offered: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Findings for `changes`, most severe first; every change ends in exactly one finding.

    `published` maps npm versions to publish times (the packument's `time`; the full map is best: it
    defines the neighbouring releases). `versions` is the audited range (DiffReport.versions); the
    changelog's own findings — versions with no section, entries rewritten or added late (`history`) —
    are reported for it, without its first version (the baseline). Without `versions` they cover the
    published versions the changes span. `heard`: what captured runs sent (without it, no prompt
    string is taken for UI text). `unjudged`: releases newer than the changelog copy can know
    (`changelog.window.beyond`), or all of them when no changelog could be read; a finding whose last
    release is one gets the verdict "unjudged" (its severity is still weighed).
    `trace`: a list that receives every change–entry pair the judge weighed (for fitting the match).
    `vocabulary`: the target's words (`describe`), its main query sources and brand names.
    `calibration`: how often verdicts on each basis were right (default: the table shipped, fitted on
    the labelled ranges); a finding's confidence is that probability. `offered`: the names of the tools
    the releases give the model (a switch whose entry names one changes what the model can do; an entry
    naming one is about it, not about another tool's edit that shares its words).
    """
    vocabulary = vocabulary or Vocabulary()
    calibration = calibration or shipped()
    parameters = heard.parameters if heard is not None else None
    seen = [observe(change, parameters) for change in changes]
    models = ModelNames.of(vocabulary, tuple(text for s in seen for text in (s.change.key, s.before, s.after)))
    known = _Changelog(releases, history, published, models, vocabulary)
    matcher = Matcher(rules)
    matched = [_matching(matcher, s) for s in seen]
    told = _told_of(seen, matched, known, heard, topics(rules, vocabulary), offered)
    alone = told.keys() | {i for i, s in enumerate(seen) if i not in told and matched[i] and matched[i][0].merge and named(s, known.at(_moved(s.change)))}
    # Tools that came or went name the texts that gain or lose their name: one change (Glob and Grep
    # replaced by bfs/ugrep, and the prompts that stop naming them). A tool deferred, or no longer, did
    # neither, nor did one a compaction or subagent request gained: the conversation's own requests tell.
    listed = describing.listed(changes)
    tools = frozenset(
        _CAPTURED_KEY.sub("", c.key) for c in changes
        if c.status in ("added", "removed") and (c.kind == "tool" or (c.kind == "tool_schema" and describing.role(c.key) == "turn" and not describing.deferral(c, listed)))
    )  # fmt: skip
    switched = _switched(changes, models)
    produced = _produced(seen)
    findings = []
    for group in _groups(seen, matched, alone):
        memo = _Memo()  # for this group and its parts only: a long range's changes are many
        mentioned: set[int] = set()
        pairs: list[Pair] | None = [] if trace is not None else None
        found = _finding(group, seen, matched, known, vocabulary, models, calibration, heard, told, unjudged, pairs, tools, switched, listed, mentioned, memo, offered, produced)
        parts = _parted(group, mentioned, seen, matched)
        if len(parts) > 1:  # judged again, each part on its own (what each member weighed is remembered)
            findings += [
                _finding(part, seen, matched, known, vocabulary, models, calibration, heard, told, unjudged, trace, tools, switched, listed, memo=memo, offered=offered, produced=produced)
                for part in parts
            ]
            continue
        findings.append(found)
        if trace is not None and pairs is not None:
            trace.extend(pairs)
    span = _span(versions, published, changes)
    if published is not None:
        findings += _missing_sections([v for v in span if v not in unjudged], releases, known.newest)
    if history is not None:
        findings += _rewrites(history, span, published or {}, rules)
        if published:
            findings += _late(history, span, published)
    return sorted(findings, key=sort_key)


def _told_of(
    seen: list[Observed], matched: list[list[Rule]], known: _Changelog, heard: Heard | None, on_topic: tuple[re.Pattern, ...],
    offered: frozenset[str] = frozenset(),
) -> dict[int, bool]:
    """The changes their window's notes tell users of by name, each with whether those entries speak
    of a model-relevant subject (`topics`, or a tool the model is offered, by a name few entries spell:
    "Edit/Write/NotebookEdit fail on read-only files", not "as in Bash")."""
    told = {}
    for i, s in enumerate(seen):
        index = known.at(_moved(s.change))
        if entries := _told(s, matched[i], index, heard):
            told[i] = any(index.says(entry, on_topic) or any(t in offered and t not in index.common for t in entry.tokens) for entry in entries)
    return told


def _precedence(rule: Rule) -> tuple:
    """Which rule decides: the most severe; among equals, one that picks out particular facts (key,
    condition, direction) over one that matches a whole kind or words, then one of the target's own
    folder (in its CLI's words) over a shared one; then the first loaded."""
    return (-severity_rank(rule.severity), not rule.specific, not rule.own, rule.order)


def _matching(matcher: Matcher, seen: Observed) -> list[Rule]:
    """Rules that match, the deciding one first."""
    return sorted(matcher.matching(seen), key=_precedence)


def _groups(seen: list[Observed], matched: list[list[Rule]], alone: Container[int] = frozenset()) -> list[list[int]]:
    """Changes that are one behavior: the same captured fact changing in several scenarios, or alike in
    several roles (a tool's description, a history's messages reshaped the same way); a section
    and its condition changed in one release; a request function rewritten beyond recognition (gone
    and a same-labelled one new in one release); all changes of a `merge = true` rule in one release,
    except those an entry names (`alone`: switches users were told of, strings whose names an entry spells)."""
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
        if c.scenario is not None:  # one captured fact seen by several scenarios is one behavior; so is one
            # tool's description whoever was offered it (the main loop, each subagent) — that came, went or
            # changed alike: the main loop gaining a tool is not a subagent's copy edited —, and one text sent
            # alike in several roles (the compaction request resends the main system prompt)
            union(by_key, ("captured", c.kind, c.key, c.introduced_in), i)
            fact = _CAPTURED_KEY.sub("", c.key)
            if c.kind == "tool_schema":
                union(by_key, ("role", c.kind, fact, c.introduced_in, c.status), i)
            elif c.kind != "history":  # the shapes of two histories may match by chance
                union(by_key, ("alike", c.kind, fact, c.introduced_in, repr((c.before, c.after))), i)
            elif how := describing.reshaped(c):  # but not how they were reshaped: every role resending its messages merged alike
                union(by_key, ("reshaped", how, c.introduced_in, c.removed_in), i)
        if matched[i] and matched[i][0].merge and i not in alone:
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


def _parted(group: list[int], mentioned: Container[int], seen: list[Observed], matched: list[list[Rule]]) -> list[list[int]]:
    """A catch-all rule's group of prompt strings ("40 texts written for the model added") is texts alike
    only in kind: a member an entry mentions is its own finding, with that entry's verdict; the rest stay
    one, undocumented (a mention of one string is no note about the others)."""
    if len(group) < 2 or not all(matched[i] and matched[i][0].merge and seen[i].change.kind in _UNHEARD for i in group):
        return [group]
    alone = [[i] for i in group if i in mentioned]
    rest = [i for i in group if i not in mentioned]
    return alone + ([rest] if rest else [])


def _switched(changes: Sequence[Change], models: ModelNames) -> dict[tuple[str, str], frozenset[str]]:
    """(scenario, release) → the models its requests switched between there: what changed with them in
    that scenario and release came with the switch (a new default model brings its own prompt), so an
    entry about those models may be about it."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    for c in changes:
        if c.kind == "request_param" and c.scenario and _CAPTURED_KEY.sub("", c.key) == "model":
            named = frozenset(models.models(models.display(f"{c.before} {c.after}")))
            for version in _moved(c):
                out[(c.scenario, version)] = out.get((c.scenario, version), frozenset()) | named
    return out


def _switched_with(change: Change, switched: Mapping[tuple[str, str], frozenset[str]]) -> frozenset[str]:
    if not change.scenario:
        return frozenset()
    return frozenset().union(*(switched.get((change.scenario, v), frozenset()) for v in _moved(change)))


# A literal a request's value can be written with in code: a quoted string, or a number of 3 digits or more.
_LITERAL = re.compile(r'"([^"\\\n]{3,200})"|(?<![\w.])(\d{3,})(?![\w.])')


def _produced(seen: list[Observed]) -> dict[int, list[int]]:
    """Request code → the captured request parameters it produced: in a release the code changed in, a
    parameter it sets (its label names it) took a value the code's added lines write (`type: "disabled"`
    → `thinking: {type: disabled}`), or lost one its removed lines wrote. An entry telling what the
    requests now carry tells of the code that builds them."""
    params = [(j, _CAPTURED_KEY.sub("", s.change.key).split(".")[0], s.change) for j, s in enumerate(seen) if s.change.kind == "request_param" and s.change.scenario]
    out: dict[int, list[int]] = {}
    for i, s in enumerate(seen if params else ()):
        if s.change.kind != "request_code":
            continue
        sets = set(s.change.label.removeprefix("sets ").split(", "))
        written = {m.group(1) or m.group(2) for m in _LITERAL.finditer(s.added_text)}
        erased = {m.group(1) or m.group(2) for m in _LITERAL.finditer(s.removed_text)}
        moved = set(_moved(s.change))
        for j, name, param in params:
            if name not in sets or moved.isdisjoint(param.moved):
                continue
            before, after = _leaves(param.before), _leaves(param.after)
            if (after - before) & written or (param.after is None and before & erased):
                out.setdefault(i, []).append(j)
    return out


def _leaves(value: object) -> set[str]:
    """The strings and numbers a captured value holds, as code would write them."""
    return {str(v) for v in leaves(value) if v is not None and not isinstance(v, bool)}


def _moved(*changes: Change) -> list[str]:
    """The versions changes moved in, in order: their verdict reads the windows of these, as the
    changelog stood when the last one closed."""
    return vers.sort({v for c in changes for v in c.moved})


@dataclass
class _Weighed:
    """What one change weighed against the entries of a window: the entries with the rule's evidence words,
    retrieval's scores, the entries that mention it (each with its rank) and what they name."""

    relevant: Mapping[int, _Entry]
    retrieved: dict[int, float]
    mentions: list[tuple[_Entry, tuple[bool, int]]]
    covered: set[str]
    spelled_out: bool  # some mention rests on a name the entry spells
    pairs: list[Pair]


@dataclass
class _Memo:
    """Per change, its specifics and what it weighed in a window: a group judged again in parts reuses them."""

    specifics: dict[int, _Specifics] = field(default_factory=dict)
    weighed: dict[tuple[int, tuple[str, ...], bool], _Weighed] = field(default_factory=dict)


def _quoted(ranked: Mentions, owned: Container[str]) -> Mentions:
    """The mentions in the order they are quoted: for a change made in several releases, each one's own
    section's best first (a range's finding quotes what each release said of its step), then the rest."""
    firsts: dict[str, int] = {}
    for n, (entry, _) in enumerate(ranked):
        if entry.version in owned:
            firsts.setdefault(entry.version, n)
    lead = sorted(firsts.values())
    chosen = set(lead)
    return [ranked[n] for n in lead] + [m for n, m in enumerate(ranked) if n not in chosen]


def _role_rank(key: str) -> int:
    """Which role's fact names a finding: the conversation's own turn first, a side query's (a title, a
    classifier: the request weighing least) last."""
    return {"turn": 0, "side": 2}.get(describing.role(key) or "", 1)


def _weigh(
    i: int, spec: _Specifics, seen: list[Observed], matched: list[list[Rule]], known: _Changelog, index: _Index, at: list[str], by_words: bool,
    traced: bool,
) -> _Weighed:
    """How the entries of the window of `at` speak of change `i` (`_mentions`, entry by entry); `traced`:
    keep every pair weighed (for fitting the match)."""
    # Evidence words are those of the rule that decided this change (all entries when none did).
    deciding = matched[i][0] if matched[i] else None
    candidates = index.pool(at, _evidence(deciding))
    # A rule that matched what the change is, with its evidence words in the entry, is one signal.
    weak_needed = 1 if deciding is not None and deciding.structural and deciding.evidence else 2
    nearby = index.spanning(at)
    # The whole change against its windows, and each release's own edit against the entries of its window:
    # an entry ranked first by either is "ranked first", as judging that release alone would rank it.
    rankings = [index.ranked(spec.query, nearby), *(index.ranked(words, index.spanning([version])) for version, words in spec.steps)]
    retrieved: dict[int, float] = {}
    firsts: set[int] = set()
    for ranking in rankings:
        best = max(ranking.values(), default=0.0)
        firsts |= {k for k, v in ranking.items() if v > 0 and v >= best}
        for k, v in ranking.items():
            retrieved[k] = max(v, retrieved.get(k, 0.0))
    owned = index.own(at)
    out = _Weighed(candidates.by_id, retrieved, [], set(), False, [])
    for entry in nearby:
        near = retrieved.get(id(entry), 0.0)
        if (  # most entries share nothing with the change
            near < RETRIEVED and spec.probe.isdisjoint(entry.features) and spec.said.isdisjoint(entry.stems)
            and (spec.on_defaults is None or not spec.on_defaults.search(entry.text)) and (spec.worded is None or not spec.worded.match(entry.spoken))
        ):
            continue
        own = entry.version in owned
        # An entry of a release the change moved in is weighed with the names few entries had spelled when
        # that release's window closed: a feature's later entries make its names common, and a range judged
        # later must not lose what the release's day knew.
        common = known.at([owned[entry.version]]).common if own and len(at) > 1 else index.common
        score, named, features = _mentions(
            spec, entry, seen[i].change.kind, weak_needed, near, id(entry) in candidates.by_id, common, by_words, own,
            id(entry) in firsts, index.rare(spec.said),
        )
        if traced and features:
            out.pairs.append(Pair(seen[i].change, entry.version, entry.text, features, bool(score)))
        if score:
            out.spelled_out = out.spelled_out or by_name(features)
            out.covered |= named
            # An entry naming which fact changed (its tool, setting, skill) outranks one that only shares
            # names of its text: in a long edit those are many, and most entries spelling one are about another.
            out.mentions.append((entry, (spec.key is not None and spec.key in named, score)))
    return out


def _weighed(
    i: int, spec: _Specifics, memo: _Memo, seen: list[Observed], matched: list[list[Rule]], known: _Changelog, index: _Index, at: list[str],
    by_words: bool, traced: bool,
) -> _Weighed:
    """`_weigh`, once per change, window and way its rule matched."""
    done = (i, tuple(at), by_words)
    if done not in memo.weighed:
        memo.weighed[done] = _weigh(i, spec, seen, matched, known, index, at, by_words, traced)
    return memo.weighed[done]


def _finding(
    group: list[int], seen: list[Observed], matched: list[list[Rule]], known: _Changelog, vocabulary: Vocabulary, models: ModelNames,
    calibration: Calibration, heard: Heard | None = None,
    told: Mapping[int, bool] | None = None, unjudged: Container[str] = frozenset(), trace: list[Pair] | None = None, tools: frozenset[str] = frozenset(),
    switched: Mapping[tuple[str, str], frozenset[str]] | None = None, listed: describing.Listed | None = None,
    mentioned: set[int] | None = None, memo: _Memo | None = None, offered: frozenset[str] = frozenset(),
    produced: Mapping[int, list[int]] | None = None,
) -> Finding:
    """One finding for a group of changes; `mentioned` receives the members some entry mentions; `memo`
    keeps what each member weighed, for a group judged again in parts; `produced`: request code's members
    are mentioned by the entries that mention the captured parameters they produced (`_produced`)."""
    memo = memo or _Memo()
    # The main loop's fact first (it names the finding), then the other roles' alike (compaction, subagents), a side query's last.
    members = sorted(group, key=lambda i: (kinds.ORDER.get(seen[i].change.kind, 99), _role_rank(seen[i].change.key), seen[i].change.key))
    rules = [rule for i in members for rule in matched[i]]
    primary = min(rules, key=_precedence, default=None)
    changes = [seen[i].change for i in members]
    introduced = min((c.introduced_in for c in changes if c.introduced_in), key=vers.parse, default=None)
    removed_in = None
    if all(c.removed_in for c in changes):
        removed_in = max((c.removed_in for c in changes if c.removed_in), key=vers.parse)

    produced = produced or {}
    deferral = {i: describing.deferral(seen[i].change, listed or {}) for i in (*members, *(j for m in members for j in produced.get(m, ())))}
    for i in deferral.keys() - memo.specifics.keys():
        memo.specifics[i] = _specifics(seen[i], matched[i], vocabulary, models, tools, _switched_with(seen[i].change, switched or {}), deferral[i], offered)
    deferrals = [deferral[i] for i in members]
    specifics = [memo.specifics[i] for i in members]
    by_words = primary is not None and not primary.structural  # the finding is about words its rule found
    moved = _moved(*changes)
    at = [v for v in moved if v not in unjudged] or moved  # judged on the releases the changelog copy can know
    index = known.at(at)
    relevant: dict[int, _Entry] = {}
    best_retrieved: dict[int, float] = {}
    mentioning: dict[int, tuple[_Entry, tuple[bool, int]]] = {}
    spelled_out = False  # some mention rests on a name the entry spells
    covered: set[str] = set()
    unmentioned_members = []
    through: set[str] = set()  # the captured parameters whose entries alone mention a request-code member
    for i, spec in zip(members, specifics, strict=True):
        weighed = _weighed(i, spec, memo, seen, matched, known, index, at, by_words, trace is not None)
        relevant.update(weighed.relevant)
        best_retrieved.update((k, max(v, best_retrieved.get(k, 0.0))) for k, v in weighed.retrieved.items())
        if trace is not None:
            trace.extend(weighed.pairs)
        # Its produced parameters' mentions, weighed as their own rule decides (their pairs are traced with them).
        mentions = [*weighed.mentions]
        for j in produced.get(i, ()):
            other = _weighed(j, memo.specifics[j], memo, seen, matched, known, index, at, not (matched[j] and matched[j][0].structural), False)
            mentions += other.mentions
            covered |= other.covered
            if other.mentions and not weighed.mentions:
                through.add(_CAPTURED_KEY.sub("", seen[j].change.key))
        if not mentions:
            unmentioned_members.append(seen[i].change)
            continue
        if mentioned is not None:
            mentioned.add(i)
        spelled_out = spelled_out or weighed.spelled_out
        covered |= weighed.covered
        for entry, rank in mentions:
            mentioning[id(entry)] = (entry, max(mentioning.get(id(entry), (entry, (False, 0)))[1], rank))
    owned = index.own(at)
    ranked = sorted(mentioning.values(), key=lambda m: (not m[1][0], -m[1][1], m[0].version not in owned))

    nearest = max(relevant.values(), key=lambda e: best_retrieved.get(id(e), 0.0), default=None)
    if nearest is not None and best_retrieved.get(id(nearest), 0.0) < RETRIEVED:
        nearest = None  # quoted only when retrieval ranks it near the change: one it could mean
    verdict, note, missing = _verdict(changes, specifics, seen, members, ranked, covered, unmentioned_members, nearest, vocabulary)
    if through and verdict != "undocumented":
        note += f"; through the {', '.join(f'`{t}`' for t in sorted(through))} parameter{'s' * (len(through) > 1)} its requests now send"
    observed = set().union(*(s.salient | s.models | s.values | s.old_values for s in specifics))
    key, rests = basis(primary, verdict, observed, covered, [e for e, _ in ranked], at, bool(relevant), index, spelled_out)
    confidence, counted = calibration.probability(key)
    grounds = f"{rests} ({counted})"
    if moved and all(v in unjudged for v in moved):
        why = UNJUDGED_NOTE if known.newest else NO_NOTES
        verdict, note, missing, ranked, confidence, key, grounds = "unjudged", why, [], [], 0.0, "unjudged", "not judged"
    elif len(at) < len(moved):
        later = [v for v in moved if v in unjudged]
        note += f"; it changed again in {', '.join(later)}, newer than the changelog copy: not judged there"

    refs = tuple(ChangelogRef(e.version, e.text) for e, _ in _quoted(ranked, owned if len(at) > 1 else {})[:_MAX_REFS])
    category = primary.category if primary else "other"
    severity, lowered = _severity(primary, members, seen, matched, heard, index.spelled, vocabulary, told)
    steps = _steps(primary, changes, introduced, removed_in)
    return Finding(
        id=steps[0][1],
        category=category,
        severity=severity,
        verdict=verdict,
        title=_title(primary, changes, introduced, deferrals[0] or None, describing.who(changes[0], vocabulary)),
        evidence={
            "rule": primary.id if primary else None,
            "matched_rules": sorted({rule.id for rule in rules}),
            "category_name": CATEGORIES.get(category, category),
            "changes": [_observation(seen[i], spec.described) for i, spec in zip(members[:_MAX_SHOWN], specifics, strict=False)],
            "more_changes": max(0, len(members) - _MAX_SHOWN),
            "note": note,
            "missing": missing,
            "confidence_basis": grounds,
            "basis_key": key,
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
