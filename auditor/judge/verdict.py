"""The verdict on one finding and how sure it is: documented, partial (saying what the entries leave
out) or undocumented (`_verdict`), and what it rests on (`basis`, which `calibration` makes a
probability); see the package's docstring."""

from __future__ import annotations

import re

from ..diff import Change
from ..rules import Observed, Rule
from ..targets import Vocabulary
from .features import _SWITCHES, _Specifics
from .finding import _MAX_SHOWN, short
from .index import _Entry, _Index


def basis(
    primary: Rule | None,
    verdict: str,
    observed: set[str],
    covered: set[str],
    mentioning: list[_Entry],
    at: list[str],
    any_evidence: bool,
    index: _Index,
    spelled_out: bool = False,
) -> tuple[str, str]:
    """(key, words): what a verdict rests on — how its rule matched; for undocumented, whether the
    versions had a changelog section and whether nearby entries had the rule's evidence words; for a
    mention, how much of what was observed the entries name and whether the release's own notes do.
    The key, which calibration counts findings under, keeps only what held out best (leave-one-range-out
    Brier 0.122 range / 0.125 release, against 0.130 / 0.128 with the rule's match and the share named
    too: more keys, fewer findings each): the verdict, and why no entry names it or whose notes do and
    whether a mention spells a name (`spelled_out`: 98% right among documented ones of their own release,
    against 72% for those resting on shared words; 0.100 / 0.114 held out, against 0.101 / 0.115 without)."""
    rule = "none" if primary is None else "structural" if primary.structural else "words"
    rule_words = {"none": "no rule (other)", "structural": "rule matched what the change is", "words": "rule matched words in the change"}[rule]
    if verdict == "undocumented":
        if all(v not in index.sections for v in at):
            tag, words = "no-section", "no changelog section"
        elif not any_evidence:
            tag, words = "no-evidence", "no nearby entry has the evidence words"
        else:
            tag, words = "unnamed", "nearby entries have the evidence words but do not name the change"
    else:
        named = len(observed & covered)
        share = "all" if named == len(observed) else "none" if not named else "some"
        owned = index.own(at)
        own = any(e.version in owned for e in mentioning)
        tag = ("own" if own else "neighbour") + ("|named" if spelled_out else "|near")
        words = f"entries name {named}/{len(observed)} ({share}) observed names/models/values" + ("" if own else "; only a neighbouring release's notes")
    return f"{verdict}|{tag}", f"{rule_words}; {words}"


# The entries that mention a change, each with how: (whether it names the changed fact, its score), best first.
Mentions = list[tuple[_Entry, tuple[bool, int]]]


def _verdict(
    changes: list[Change],
    specifics: list[_Specifics],
    seen: list[Observed],
    members: list[int],
    mentioning: Mentions,
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
    # A switch that came or went is told of by its name: the models and values its description cites
    # ("e.g. claude-opus-4-6") are examples, not what changed.
    told = [s for s in specifics if not s.bare]
    models = set().union(*(s.models for s in told)) - covered
    if models:
        said = f" (the entry names {', '.join(sorted(entry_models))})" if entry_models else ""
        missing.append(f"models involved: {', '.join(sorted(models))}{said}")
    # A text that came or went whole is one feature: the numbers in it (a schedule's `5m`, a cap) are its
    # content, not values a setting was given.
    values = set().union(*(s.values for s in told if not s.whole)) - covered
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
            f"{vocabulary.captured_audience} ({', '.join(scenarios)})"
        )
    untold = [sentence for s in specifics for sentence, words, line in s.sentences if not _spoken_of(line, words, covered, mentioning, s.key)]
    if untold:
        missing.append(f"edits not mentioned: {len(untold)} changed sentence{'s' if len(untold) > 1 else ''}, e.g. {short(untold[0], 120)!r}")
    # A request field no longer sent takes the API's default: an entry naming the value it had ("from
    # medium to high") speaks of a value changed, not of something removed.
    removed = [
        c for c, s in zip(changes, specifics, strict=True)
        if c.status == "removed" and c.kind not in _SWITCHES and not (c.kind == "request_param" and s.old_values & covered)
    ]  # fmt: skip
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


# A bullet naming what it describes: "- query: The symbol name…", "- **activeForm**: …"
_BULLET_NAME = re.compile(r"^\s*[-*]\s+(?:\*\*|`)?([A-Za-z_][\w.-]*)(?:\*\*|`)?\s*:")


def _spoken_of(line: str, words: frozenset[str], covered: set[str], mentioning: Mentions, key: str | None = None) -> bool:
    """Whether a changed sentence (its retrieval `words`) is one the mentioning entries speak of: its line
    holds a name they name, or is a bullet describing a parameter one of them spells even as a plain word
    ("- query: The symbol name…" ↔ "it now accepts a query parameter"), or it shares two words with one of
    them — the name of the text it is in (`key`: its section, tool or skill) being one, when they name it
    ("Never substitute accented characters…" in the `language` section ↔ "… diacritical marks (accents…)
    … when the language setting is configured")."""
    if any(name in line for name in covered):
        return True
    bullet = _BULLET_NAME.match(line)
    if bullet and any(f" {bullet[1].lower()} " in entry.spoken for entry, _ in mentioning):
        return True
    needed = 1 if key is not None and key in covered else 2
    return any(len(words & entry.stems) >= needed for entry, _ in mentioning)
