"""Model names, as ids and as prose: `claude-opus-4-7` ↔ "Opus 4.7". The families are the target's
known ones and every word the judged changes' model ids use (`claude-fable-5` brings Fable), so a
family launched after this code was written is read as a model in entries and changes alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..rules import could_match, folded, prefilter
from ..targets import Vocabulary


@dataclass(frozen=True)
class ModelNames:
    prefix: str  # what every model id of the target starts with ("claude")
    families: frozenset[str]  # lower case: "opus", "sonnet", …

    @classmethod
    def of(cls, vocabulary: Vocabulary, texts: tuple[str, ...] = ()) -> ModelNames:
        """The target's families, with those the model ids in `texts` name (`claude-fable-5`, `claude-3-5-haiku`)."""
        families = set(vocabulary.model_families)
        if vocabulary.model_prefix:
            # `claude-fable-5`, `claude-3-5-haiku`; not a dated name (`claude-code-20250219`)
            ids = re.compile(
                rf"(?<![\w-]){re.escape(vocabulary.model_prefix)}-(?:\d{{1,2}}-(?:\d{{1,2}}-)?([a-z]{{3,}})(?![a-z])|([a-z]{{3,}})-\d{{1,2}}(?!\d))"
            )
            families |= {a or b for text in texts if vocabulary.model_prefix in text for a, b in ids.findall(text)}
        return cls(vocabulary.model_prefix, frozenset(families))

    @cached_property
    def _alternatives(self) -> str:
        return "|".join(sorted(map(re.escape, self.families), key=lambda f: (-len(f), f))) or r"(?!x)x"

    @cached_property
    def _model(self) -> re.Pattern:
        return re.compile(
            rf"(?<![a-z])({self._alternatives})[\s_-]?(\d(?:[.-]\d{{1,2}}(?!\d))?)((?:\s*(?:/|,|and|or)\s*\d[.-]\d{{1,2}}(?!\d))*)", re.IGNORECASE
        )

    @cached_property
    def _needs(self) -> re.Pattern | None:
        return prefilter(self._model)

    @cached_property
    def _family(self) -> re.Pattern:
        return re.compile(rf"(?<![a-z])({self._alternatives})(?![\s_-]?\d)", re.IGNORECASE)

    @cached_property
    def _id(self) -> re.Pattern:
        prefix, names = re.escape(self.prefix), self._alternatives
        return re.compile(rf"{prefix}-(?:({names})-(\d+)(?:-(\d{{1,2}})(?!\d))?|(\d+)(?:-(\d)(?!\d))?-({names}))(?:-\d{{8}})?", re.IGNORECASE)

    def models(self, text: str) -> set[str]:
        """Families with versions a text names: "claude-opus-4-7", "Opus 4.7", "Sonnet 4.5/4.6" → "opus 4.7", …"""
        out: set[str] = set()
        if not self.families or not could_match(self._needs, folded(text)):
            return out
        if self.prefix in text:  # an id with its version first (claude-3-5-sonnet-20241022) read as prose names it
            text = self.display(text)
        for family, version, more in self._model.findall(text):
            family = family.lower()
            out.add(f"{family} {version.replace('-', '.')}")
            out.update(f"{family} {v.replace('-', '.')}" for v in re.findall(r"\d[.-]\d{1,2}", more))
        return out

    @cached_property
    def _launch(self) -> re.Pattern:
        brand = rf"(?:{re.escape(self.prefix)}\s+)?" if self.prefix else ""  # "Introducing Claude Fable 5"
        model = rf"{brand}(?:{self._alternatives})[\s_-]?\d(?:[.-]\d{{1,2}})?"
        return re.compile(
            rf"^\s*(?:(?:introducing|announcing|adds?|added)\s+(?:support\s+for\s+)?({model})|({model})\s+(?:is\s+here|is\s+now\s+available))\b",
            re.IGNORECASE,
        )

    def launched(self, text: str) -> set[str]:
        """The model an entry announces ("Introducing Claude Fable 5", "Added Claude Opus 5 (…)", "Opus
        4.8 is here!"), not one it merely names ("Added xhigh effort level for Opus 4.7")."""
        found = self._launch.match(text) if self.families else None
        return self.models(found.group(1) or found.group(2)) if found else set()

    def bare_families(self, text: str) -> set[str]:
        """Families named without a version ("an extra Haiku request")."""
        return {family.lower() for family in self._family.findall(text)} if self.families else set()

    def is_model(self, name: str) -> bool:
        """Whether an identifier is a model id or name (`claude-opus-4-7`, `opus-4`): a model, not a name."""
        return bool(self.families) and self._model.fullmatch(name.split(f"{self.prefix}-")[-1]) is not None

    def display(self, text: str) -> str:
        """Model ids as release notes write them: claude-opus-4-7 → Opus 4.7, claude-3-5-haiku → Haiku 3.5."""
        if not self.prefix or not self.families:
            return text

        def name(m: re.Match) -> str:
            family = (m.group(1) or m.group(6)).title()
            major, minor = (m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5))
            return f"{family} {major}.{minor}" if minor else f"{family} {major}"

        return self._id.sub(name, text)
