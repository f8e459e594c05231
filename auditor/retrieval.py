"""Which changelog entries speak of a changed text: BM25 ranking of the entries against the changed sentences.

Counting shared words takes coincidences for mentions (a debug logger and an entry about Bedrock ARNs
share "Bedrock") and misses paraphrases that share few words. BM25 weighs each shared word by how rare
it is in the whole changelog and discounts long entries. A score is read relative to the entry's own
score against itself: the share of what the entry says that the change also says (0–1), so one
threshold serves short and long entries alike (chosen on the labelled releases, see
benchmarks/eval_judge.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+(?:\.\d+)?")
_STOP = frozenset(
    """the and for are but not you your with this that from have has had was were will would can could
    should must may might its into onto when what which who whom there their them they then than also
    only more most such some each other these those just like over does did done used uses using use
    make made need needs very same both because between through without within instead unless while
    where here about after before being been any all now new out off our per via own get set see let
    one two how why yet too don isn doesn won""".split()
)


def tokens(text: str) -> list[str]:
    """Lower-case word stems of a text; identifiers split at their humps and underscores
    (`autoCompactWindow` → auto, compact, window), so prose and code meet."""
    return [_stem(word) for word in map(str.lower, _WORD.findall(text)) if len(word) >= 3 and word not in _STOP]


@functools.lru_cache(maxsize=1 << 16)  # a long range stems millions of words, a few thousand distinct ones
def _stem(word: str) -> str:
    """A light suffix strip (plurals, -ing, -ed, -ion, a final e), enough for "compaction"/"compacting"/
    "compacts" and "preserve"/"preserved" to meet."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix, keep in (("ions", 7), ("ion", 7), ("ing", 6), ("ed", 5), ("s", 4)):
        if word.endswith(suffix) and len(word) >= keep and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


TOP = 5  # a document must be among this many best of the whole set for a query
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """A text's sentences (and lines), stripped."""
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def changed_sentences(before: str, after: str) -> list[str]:
    """The sentences in one text and not in the other, both ways: what a changelog entry about this
    edit would speak of (not the untouched rest of a long prompt)."""
    old, new = sentences(before), sentences(after)
    kept_old, kept_new = set(old), set(new)
    return [s for s in new if s not in kept_old] + [s for s in old if s not in kept_new]


class Ranker:
    """BM25 over a fixed set of documents (changelog entries), built once; `relative` scores a query."""

    def __init__(self, documents: Sequence[str]):
        import bm25s  # numpy and bm25s load in ~0.1 s: only a judgement needs them, not a warm report

        self.documents = [tokens(d) for d in documents]
        self._bm25 = bm25s.BM25()
        self._bm25.index([d or [""] for d in self.documents], show_progress=False)
        self._vocabulary = frozenset(self._bm25.vocab_dict)
        self._own: dict[int, float] = {}

    def relative(self, query: Sequence[str], wanted: Sequence[int]) -> dict[int, float]:
        """For the documents `wanted` (indexes) that stand out among all documents for this query
        (among the TOP highest BM25 scores), score(query, doc) / score(doc, doc). A long query (a
        removed section) shares words with many entries; only those it singles out count."""
        words = sorted(set(query) & self._vocabulary)
        if not words or not wanted:
            return {}
        import numpy
        scores = self._bm25.get_scores(words)
        shared = scores[scores > 0]  # most documents share no word with a query
        bar = float(-numpy.partition(-shared, TOP - 1)[TOP - 1]) if len(shared) > TOP else 0.0  # the TOP-th best
        out = {}
        for i in wanted:
            score = float(scores[i])
            if score > 0 and score >= bar:
                out[i] = min(1.0, score / self._self_score(i))
        return out

    def _self_score(self, i: int) -> float:
        """A document's score against its own words: the most any query can reach."""
        found = self._own.get(i)
        if found is None:
            words = sorted(set(self.documents[i]) & self._vocabulary)
            found = self._own[i] = float(self._bm25.get_scores(words)[i]) if words else 1.0
        return found or 1.0
