"""Every change in words: one sentence in the vendor's vocabulary (its plan names, its words for request
parameters, model display names: `models`) saying who got what. Release notes speak of "Default effort for Pro/Max
subscribers … is now high (was medium)", never of `turn 0: output_config`; the judge matches entries
against this sentence as well as against the changed text."""

from __future__ import annotations

import re
from typing import Any

from .. import kinds
from ..diff import Change
from ..targets import Vocabulary
from .models import ModelNames

# Captured facts are keyed by role: "turn 0: max_tokens", "subagent 0: model", "subagent Explore 0: model", "compact 0: …";
# in a matrix scenario, within its variant: "gpt-5.5/turn 0: model", "gpt-5.5/high/turn 0: reasoning".
_CAPTURED_KEY = re.compile(r"^(?:(?P<model>[\w.:-]+)(?:/(?P<effort>[\w.:-]+))?/)?(?:turn|side|compact|subagent(?: (?P<agent>[\w.:-]+))?) \d+: ")
_DATE = re.compile(r"-?\d{4}-\d{2}-\d{2}$|-?\d{8}$")


def describe(change: Change, vocabulary: Vocabulary, models: ModelNames | None = None) -> str:
    """The sentence: "[audience:] what" — for a request parameter its fields in the vendor's words with
    their values; for a beta the feature it names; otherwise the kind and its label."""
    what = _vendor_words(change, vocabulary, models) or f"{kinds.BY_NAME[change.kind].noun} {change.label} {_status(change)}"
    audience = vocabulary.audiences.get(change.scenario or "")
    return f"{audience}: {what}" if audience else what


def spoken(change: Change, vocabulary: Vocabulary, models: ModelNames | None = None) -> str:
    """What only the vendor's vocabulary says of a change — its audience, a request field's name and
    values, a beta's feature — for matching beside the changed text (the kind's noun and the change's
    label would match every entry that says "added" or "tool")."""
    return " ".join(filter(None, (vocabulary.audiences.get(change.scenario or ""), _vendor_words(change, vocabulary, models))))


def _vendor_words(change: Change, vocabulary: Vocabulary, models: ModelNames | None) -> str:
    role = _CAPTURED_KEY.match(change.key)
    key = change.key[role.end():] if role else change.key
    if change.kind == "request_param":
        words = "; ".join(_fields(key, change.before, change.after, vocabulary, models or ModelNames.of(vocabulary))) or f"{_words(key, vocabulary)} changed"
        if role and role["model"]:
            effort = f" at {role['effort']} effort" if role["effort"] else ""
            words = f"with {role['model']}{effort}: {words}"
        return f"the {role['agent']} subagent's {words}" if role and role["agent"] else words
    if change.kind == "beta":
        return f"{_DATE.sub('', key).replace('-', ' ')} beta {_status(change)}"
    return ""


def _status(change: Change) -> str:
    return {"added": "added", "removed": "removed", "transient": "came and went"}.get(change.status, "changed")


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
