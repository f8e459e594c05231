"""Every change in words: one sentence in the vendor's vocabulary (its plan names, its words for request
parameters, model display names: `models`) saying who got what. Release notes speak of "Default effort for Pro/Max
subscribers … is now high (was medium)", never of `turn 0: output_config`; the judge matches entries
against this sentence as well as against the changed text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .. import kinds
from ..diff import Change
from ..targets import Vocabulary
from .models import ModelNames

# Captured facts are keyed by role: "turn 0: max_tokens", "subagent 0: model", "subagent Explore 0: model", "compact 0: …";
# in a matrix scenario, within its variant: "gpt-5.5/turn 0: model", "gpt-5.5/high/turn 0: reasoning".
_CAPTURED_KEY = re.compile(r"^(?:(?P<model>[\w.:-]+)(?:/(?P<effort>[\w.:-]+))?/)?(?P<role>turn|side|compact|subagent(?: (?P<agent>[\w.:-]+))?) \d+: ")
_DATE = re.compile(r"-?\d{4}-\d{2}-\d{2}$|-?\d{8}$")
_SKILL = re.compile(r"\d: skill ([\w:.-]+)$")


def describe(change: Change, vocabulary: Vocabulary, models: ModelNames | None = None, status: str = "") -> str:
    """The sentence: "[audience:] what" — for a request parameter its fields in the vendor's words with
    their values; for a beta the feature it names; otherwise the kind, its label and what happened to it
    (`status`, when "added" or "removed" would not be true: `deferral`)."""
    what = _vendor_words(change, vocabulary, models) or f"{kinds.BY_NAME[change.kind].noun} {change.label} {status or _status(change)}"
    audience = vocabulary.audiences.get(change.scenario or "")
    return f"{audience}: {what}" if audience else what


def spoken(change: Change, vocabulary: Vocabulary, models: ModelNames | None = None) -> str:
    """What only the vendor's vocabulary says of a change — its audience, a request field's name and
    values, a beta's feature — for matching beside the changed text (the kind's noun and the change's
    label would match every entry that says "added" or "tool")."""
    return " ".join(filter(None, (vocabulary.audiences.get(change.scenario or ""), _vendor_words(change, vocabulary, models))))


def skill(change: Change) -> str | None:
    """The skill whose prompt a captured message is (`turn 1: skill claude-api`, as capture.facts names it)."""
    found = _SKILL.search(change.key) if change.kind == "message" else None
    return found[1] if found else None


def turned(change: Change) -> str:
    """"on" for a flag whose shipped default became true, "off" for one that stopped being true, "" otherwise:
    the default is what runs wherever remote flags are not fetched."""
    if change.kind != "flag" or change.status != "changed":
        return ""
    return "on" if str(change.after) == "true" else "off" if str(change.before) == "true" else ""


def role(key: str) -> str | None:
    """The role of a captured fact's key ("turn", "side", "subagent Explore", …), whatever matrix
    variant prefixes it; None for a static fact."""
    found = _CAPTURED_KEY.match(key)
    return found["role"] if found else None


def who(change: Change, vocabulary: Vocabulary) -> str:
    """Who sent a captured request, as the vendor's notes name that request ("the auto mode classifier"),
    "" for the main loop's and for roles the notes do not name."""
    sender = role(change.key)
    return vocabulary.role(change.scenario, sender) if sender else ""


def said(change: Change, vocabulary: Vocabulary) -> str:
    """What the description alone says of a captured change, in words its key and values do not hold: who
    sent the request (`Vocabulary.roles`) and what a history's reshaping did ("consecutive user messages
    merged into one"). Notes name such a change by these words, not by its values."""
    return " ".join(filter(None, (who(change, vocabulary), reshaped(change))))


def reshaped(change: Change) -> str:
    """What a resent history's reshaping did to its messages ("consecutive user messages merged into one"),
    "" for any other change: one reshaping seen in every role that resends the history is one change."""
    role = _CAPTURED_KEY.match(change.key)
    if change.kind != "history" or role is None or change.key[role.end():] != "messages":
        return ""
    return _reshaped(change.before, change.after)


_NAME_LINE = re.compile(r"^[A-Za-z_][\w.-]*$")
DEFERRED = "deferred"  # a tool offered by name, its schema fetched on demand: the word notes use

Listed = dict[tuple[str, str, str], tuple[frozenset[str], frozenset[str]]]


def listed(changes: Sequence[Change]) -> Listed:
    """(scenario, role, release) → the names that left and joined a captured message's list of names
    there (`<available-deferred-tools>` one per line): a tool listed by name is offered without its
    schema, which the model fetches on demand."""
    out: Listed = {}
    for c in changes:
        role = _CAPTURED_KEY.match(c.key) if c.kind == "message" and c.scenario else None
        if role is None:
            continue
        old, new = (_names(v) for v in (c.before, c.after))
        for version in {v for v in (c.introduced_in, *c.changed_in) if v}:
            left, joined = out.get((c.scenario or "", role.group(0), version), (frozenset(), frozenset()))
            out[(c.scenario or "", role.group(0), version)] = (left | (old - new), joined | (new - old))
    return out


def _names(text: Any) -> frozenset[str]:
    return frozenset(line for line in text.splitlines() if _NAME_LINE.match(line)) if isinstance(text, str) else frozenset()


def deferral(change: Change, known: Listed) -> str:
    """What a tool's schema coming or going did, when its name left or joined a list of names in the same
    request and release: the tool was deferred (named, its schema fetched on demand) and is now sent up
    front ("no longer deferred"), or the reverse ("now deferred"). Notes speak of that ("core tools could
    be deferred"), not of a schema added. "" otherwise."""
    role = _CAPTURED_KEY.match(change.key) if change.kind == "tool_schema" and change.status in ("added", "removed") else None
    if role is None:
        return ""
    name = change.key[role.end() :]
    for version in set(change.moved):
        left, joined = known.get((change.scenario or "", role.group(0), version), (frozenset(), frozenset()))
        if change.status == "added" and name in left:
            return f"no longer {DEFERRED}"
        if change.status == "removed" and name in joined:
            return f"now {DEFERRED}"
    return ""


def _vendor_words(change: Change, vocabulary: Vocabulary, models: ModelNames | None) -> str:
    role = _CAPTURED_KEY.match(change.key)
    key = change.key[role.end():] if role else change.key
    # Who sent a captured request, as the vendor's notes name that request ("auto routing" for the model
    # router's): every fact of that role is spoken of as theirs.
    sender = who(change, vocabulary)
    if change.kind == "request_param":
        words = "; ".join(_fields(key, change.before, change.after, vocabulary, models or ModelNames.of(vocabulary))) or f"{_words(key, vocabulary)} changed"
        if role and role["model"]:
            effort = f" at {role['effort']} effort" if role["effort"] else ""
            words = f"with {role['model']}{effort}: {words}"
        owner = f"the {role['agent']} subagent" if role and role["agent"] else sender
        return f"{owner}'s {words}" if owner else words
    if change.kind == "beta":
        return f"{_beta(key, vocabulary)} beta {_status(change)}"
    if change.kind == "header" and (isinstance(change.before, list) or isinstance(change.after, list)):
        # A header listing betas (captures keep `anthropic-beta` as its sorted names): those it gained and lost.
        old, new = (set(map(str, v)) if isinstance(v, list) else set() for v in (change.before, change.after))
        said = [f"{_beta(b, vocabulary)} beta {how}" for names, how in ((new - old, "added"), (old - new, "removed")) for b in sorted(names)]
        return f"{sender}: {'; '.join(said)}" if sender and said else "; ".join(said)
    if how := turned(change):
        return f"feature flag {key} {how} by default (was {change.before})"
    if name := skill(change):
        return f"the {name} skill's prompt {_status(change)}"
    how = reshaped(change)
    if sender:
        return f"{sender}: {how or f'{kinds.BY_NAME[change.kind].noun} {change.label} {_status(change)}'}"
    return how


def _beta(name: str, vocabulary: Vocabulary) -> str:
    """An API beta in words: its name without the date, and the feature as the API's docs name it."""
    beta = _DATE.sub("", name)
    feature = f" ({vocabulary.betas[beta]})" if beta in vocabulary.betas else ""
    return f"{beta.replace('-', ' ')}{feature}"


STATUS_WORDS = {"added": "added", "removed": "removed", "changed": "changed", "transient": "came and went"}
REVERTED = "changed and changed back"
WORDS = ("added", "removed", "changed", REVERTED, "came and went")  # every status_word, in a summary's order


def status_word(status: str, before: object) -> str:
    """What became of a fact, in words: a "transient" one there at both ends of the range changed and
    changed back (an edit reverted), it did not come and go."""
    return REVERTED if status == "transient" and before is not None else STATUS_WORDS[status]


def _status(change: Change) -> str:
    return status_word(change.status, change.before)


def _words(path: str, vocabulary: Vocabulary) -> str:
    """A request field in the vendor's words (`output_config.effort` → effort)."""
    for i in range(len(path.split("."))):
        found = vocabulary.fields.get(".".join(path.split(".")[i:]))
        if found:
            return found
    return path.split(".")[-1].replace("_", " ")


def _fields(path: str, before: Any, after: Any, vocabulary: Vocabulary, models: ModelNames) -> list[str]:
    """Each leaf field that differs: "effort high (was medium)", "thinking budget tokens 31999 (was none)"."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        return [line for name in dict.fromkeys([*old, *new]) for line in _fields(f"{path}.{name}", old.get(name), new.get(name), vocabulary, models)]
    if before == after:
        return []
    was = "none" if before is None else models.display(str(before))
    now = "not sent" if after is None else models.display(str(after))
    return [f"{_words(path, vocabulary)} {now} (was {was})"]


def _shape(line: Any) -> tuple[str, list[str]] | None:
    """"user: text, tool_result" (facts._shape) → ("user", ["text", "tool_result"])."""
    role, colon, blocks = str(line).partition(": ")
    return (role, blocks.split(", ")) if colon else None


def _reshaped(before: Any, after: Any) -> str:
    """What a resent history's shape change did to its messages, as notes say it: consecutive messages of
    one role merged into one, or one split into several (a history's turns are its messages, in order,
    each a role and its block types). "" when it is neither."""
    old = [_shape(m) for m in before] if isinstance(before, list) else []
    new = [_shape(m) for m in after] if isinstance(after, list) else []
    if not old or not new or None in old or None in new:
        return ""
    said = [f"consecutive {role} messages merged into one" for role in _merges(old, new)]  # type: ignore[arg-type]
    said += [f"a {role} message split into consecutive {role} messages" for role in _merges(new, old)]  # type: ignore[arg-type]
    return "; ".join(dict.fromkeys(said))


def _merges(old: list[tuple[str, list[str]]], new: list[tuple[str, list[str]]]) -> list[str]:
    """The roles whose consecutive messages in `old` are one message in `new` (its blocks theirs, in order);
    none unless every other message is unchanged."""
    merged, i = [], 0
    for role, blocks in new:
        if i < len(old) and old[i] == (role, blocks):
            i += 1
            continue
        run: list[str] = []
        k = i
        while k < len(old) and old[k][0] == role and len(run) < len(blocks):
            run += old[k][1]
            k += 1
        if k - i < 2 or run != blocks:
            return []
        merged.append(role)
        i = k
    return merged if i == len(old) else []
