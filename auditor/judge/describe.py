"""Every change in words: one sentence in the vendor's vocabulary (its plan names, its words for request
parameters, model display names) saying who got what. Release notes speak of "Default effort for Pro/Max
subscribers … is now high (was medium)", never of `turn 0: output_config`; the judge matches entries
against this sentence as well as against the changed text."""

from __future__ import annotations

import re
from typing import Any

from .. import kinds
from ..diff import Change
from ..targets import Vocabulary

_CAPTURED_KEY = re.compile(r"^(?:turn|side|subagent) \d+: ")  # captured facts are keyed "turn 0: max_tokens", "subagent 0: model"
_MODEL_ID = re.compile(r"claude-(?:(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2})(?!\d))?|(\d+)(?:-(\d)(?!\d))?-(opus|sonnet|haiku))(?:-\d{8})?", re.IGNORECASE)
_DATE = re.compile(r"-?\d{4}-\d{2}-\d{2}$|-?\d{8}$")


def describe(change: Change, vocabulary: Vocabulary) -> str:
    """The sentence: "[audience:] what" — for a request parameter its fields in the vendor's words with
    their values; for a beta the feature it names; otherwise the kind and its label."""
    what = _vendor_words(change, vocabulary) or f"{kinds.BY_NAME[change.kind].noun} {change.label} {_status(change)}"
    audience = vocabulary.audiences.get(change.scenario or "")
    return f"{audience}: {what}" if audience else what


def spoken(change: Change, vocabulary: Vocabulary) -> str:
    """What only the vendor's vocabulary says of a change — its audience, a request field's name and
    values, a beta's feature — for matching beside the changed text (the kind's noun and the change's
    label would match every entry that says "added" or "tool")."""
    return " ".join(filter(None, (vocabulary.audiences.get(change.scenario or ""), _vendor_words(change, vocabulary))))


def _vendor_words(change: Change, vocabulary: Vocabulary) -> str:
    key = _CAPTURED_KEY.sub("", change.key)
    if change.kind == "request_param":
        return "; ".join(_fields(key, change.before, change.after, vocabulary)) or f"{_words(key, vocabulary)} changed"
    if change.kind == "beta":
        return f"{_DATE.sub('', key).replace('-', ' ')} beta {_status(change)}"
    return ""


def model_name(text: str) -> str:
    """Model ids as release notes write them: claude-opus-4-7 → Opus 4.7, claude-3-5-haiku → Haiku 3.5."""

    def name(m: re.Match) -> str:
        family = (m.group(1) or m.group(6)).title()
        major, minor = (m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5))
        return f"{family} {major}.{minor}" if minor else f"{family} {major}"

    return _MODEL_ID.sub(name, text)


def _status(change: Change) -> str:
    return {"added": "added", "removed": "removed", "transient": "came and went"}.get(change.status, "changed")


def _words(path: str, vocabulary: Vocabulary) -> str:
    """A request field in the vendor's words (`output_config.effort` → effort)."""
    for i in range(len(path.split("."))):
        found = vocabulary.fields.get(".".join(path.split(".")[i:]))
        if found:
            return found
    return path.split(".")[-1].replace("_", " ")


def _fields(path: str, before: Any, after: Any, vocabulary: Vocabulary) -> list[str]:
    """Each leaf field that differs: "effort high (was medium)", "thinking budget tokens 31999 (was none)"."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        return [line for name in dict.fromkeys([*old, *new]) for line in _fields(f"{path}.{name}", old.get(name), new.get(name), vocabulary)]
    if before == after:
        return []
    was = "none" if before is None else model_name(str(before))
    now = "not sent" if after is None else model_name(str(after))
    return [f"{_words(path, vocabulary)} {now} (was {was})"]
