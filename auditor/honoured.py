"""Findings of type "setting no longer honoured": a scenario set something (effortLevel, an env var, a
subagent's model) and from some release on the captured requests stop reflecting it.

Pure functions over the diff's changes: the capture stores `capture: honours NAME` = "yes (…)" or
"no (…)" per scenario (capture/user.py), so a release where it turned from yes to no is a change of
that fact. The changelog is searched for the setting's name around that release: an entry naming
it makes the finding documented, none makes it undocumented. Turning back to yes is reported too
(low severity): a setting that starts being honoured again changes what users get.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Container, Mapping, Sequence

from .changelog import ChangelogHistory, Release
from .changelog.window import Corpus
from .diff import Change
from .judge import ChangelogRef, Finding

PREFIX = "honours "  # capture facts keyed "honours effortLevel"
SEVERITY_LOST, SEVERITY_BACK = "high", "low"
# Where a setting lands decides what kind of change losing it is.
_CATEGORY = {"effort": "reasoning", "model": "model-routing", "thinking": "reasoning"}
_FIELD = re.compile(r"^\w+ \(([\w.]+):")


def split(changes: Sequence[Change]) -> tuple[list[Change], list[Change]]:
    """(the `honours` changes, the others): the first are judged here, the rest by the rules."""
    mine = [c for c in changes if is_honours(c)]
    return mine, [c for c in changes if not is_honours(c)]


def is_honours(change: Change) -> bool:
    return change.kind == "capture" and change.key.startswith(PREFIX)


def findings(
    changes: Sequence[Change], releases: Sequence[Release], published: Mapping[str, str | None] | None = None,
    history: ChangelogHistory | None = None,
    unjudged: Container[str] = frozenset(),
) -> list[Finding]:
    """One finding per release in which a setting stopped (or started again) being honoured; the
    changelog is read as it stood when that release's window closed (`changelog.window`)."""
    out: list[Finding] = []
    corpus = Corpus(releases, history) if any(map(is_honours, changes)) else None
    for change in filter(is_honours, changes):
        setting = change.key[len(PREFIX):]
        steps = _steps(change)
        for (_, before), (version, after) in itertools.pairwise(steps):
            assert version is not None  # only the first step has no version
            lost = _honoured(before) and not _honoured(after)
            if not lost and not (_honoured(after) and not _honoured(before)):
                continue
            assert corpus is not None
            refs = _mentions(setting, version, corpus, published)
            out.append(_finding(change, setting, version, before, after, lost, refs, version in unjudged))
    return out


def _steps(change: Change) -> list[tuple[str | None, str]]:
    """The known values along the range: the value before it, then each (version, value) it changed to;
    versions where the scenario did not run (no value) or never sent the request that shows it ("not sent":
    the script did not get there) are left out."""
    first: list[tuple[str | None, object]] = [(None, change.before)] if change.before is not None else []
    moves: list[tuple[str | None, object]] = [*change.history] or [(change.introduced_in, change.after)]
    return [(v, value) for v, value in [*first, *moves] if isinstance(value, str) and value.startswith(("yes", "no "))]


def _honoured(value: str) -> bool:
    return value.startswith("yes")


def _words(setting: str) -> list[re.Pattern[str]]:
    """Every word of the setting's name must be in an entry; a plain lowercase word ("model") also needs
    the word "setting" nearby, or every entry about a model would count."""
    words = setting.split()
    patterns = [re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])", re.I) for w in words]
    if len(words) == 1 and words[0].islower() and words[0].isalpha():
        patterns.append(re.compile(r"\bsettings?\b", re.I))
    return patterns


def _mentions(setting: str, version: str, corpus: Corpus, published: Mapping[str, str | None] | None) -> list[ChangelogRef]:
    """Entries naming the setting in the release's window (vendors note a change a release early or late)."""
    patterns = _words(setting)
    return [ChangelogRef(t.version, t.entry.full_text) for t in corpus.said(version, published) if all(p.search(t.entry.full_text) for p in patterns)]


def _sent(value: str) -> str:
    """'no (output_config.effort: "medium")' → 'output_config.effort "medium"'."""
    inner = value.split(" ", 1)[-1].strip("()")
    return inner.replace(": ", " ", 1)


def _finding(change: Change, setting: str, version: str, before: str, after: str, lost: bool,
             refs: list[ChangelogRef], unjudged: bool) -> Finding:
    match = _FIELD.match(after) or _FIELD.match(before)
    field = match.group(1) if match else ""
    category = _CATEGORY.get(field.split(".")[-1], "other")
    what = "no longer honoured" if lost else "honoured again"
    title = f"{setting} {what} (scenario {change.scenario}): {_sent(after)} sent, was {_sent(before).split(' ', 1)[-1]}"
    digest = hashlib.sha256(f"{change.scenario}\0{setting}\0{version}\0{what}".encode()).hexdigest()[:12]
    return Finding(
        id=f"honours-{digest}",
        category=category,
        severity=SEVERITY_LOST if lost else SEVERITY_BACK,
        verdict="unjudged" if unjudged else "documented" if refs else "undocumented",
        title=title,
        # rule and note as every finding's evidence has them (docs/report.schema.json)
        evidence={"rule": None, "note": f"scenario {change.scenario} set {setting}; its requests went from {before} to {after}",
                  "type": "setting no longer honoured" if lost else "setting honoured again", "setting": setting,
                  "scenario": change.scenario, "before": before, "after": after,
                  "changelog_searched_for": setting},
        changelog_refs=() if unjudged else tuple(refs[:3]),
        introduced_in=version,
        removed_in=None,
        confidence=0.0 if unjudged else 0.95 if not refs else 0.8,
        rule=None,
        changes=(change,),
    )
