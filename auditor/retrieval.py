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
from collections import Counter
from collections.abc import Iterable, Sequence

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]{2,}s(?![a-z])|[A-Z]+(?![a-z])|\d+(?:\.\d+)?")  # an acronym's plural (CPUs, URLs) is one word
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
    return [stripped for s in _SENTENCE.split(text) if (stripped := s.strip())]


def changed_sentences(before: str, after: str) -> list[str]:
    """The sentences in one text and not in the other, both ways: what a changelog entry about this
    edit would speak of (not the untouched rest of a long prompt)."""
    old, new = sentences(before), sentences(after)
    kept_old, kept_new = set(old), set(new)
    return [s for s in new if s not in kept_old] + [s for s in old if s not in kept_new]


class Ranker:
    """BM25 (Lucene's variant, k1 1.5, b 0.75: what bm25s computes, scores equal) over a fixed set of documents —
    every text a changelog entry ever had — tokenized and indexed once. Scores are read through a
    `view` of the documents known at one time: document frequencies, their count and mean length are
    those of the view, so a verdict weighs words only by what the changelog said by then."""

    K1, B = 1.5, 0.75

    def __init__(self, documents: Sequence[str]):
        import numpy  # ~0.1 s: only a judgement needs it, not a warm report

        self.documents = [tokens(d) for d in documents]
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, words in enumerate(self.documents):
            for word, tf in Counter(words).items():
                docs, tfs = postings.setdefault(word, ([], []))
                docs.append(i)
                tfs.append(tf)
        self._postings = {word: (numpy.array(docs), numpy.array(tfs, dtype=float)) for word, (docs, tfs) in postings.items()}
        self._lengths = numpy.array([len(words) or 1 for words in self.documents], dtype=float)

    def view(self, known: Iterable[int] | None = None) -> RankerView:
        """The documents `known` (indexes; all when None), as the collection statistics are drawn from."""
        import numpy

        mask = numpy.ones(len(self.documents), dtype=bool)
        if known is not None:
            mask[:] = False
            mask[list(known)] = True
        return RankerView(self, mask)


class RankerView:
    """A Ranker's documents as known at one time (see Ranker)."""

    def __init__(self, ranker: Ranker, mask):
        self._ranker = ranker
        self._mask = mask
        self._count = int(mask.sum())
        self._mean = float(ranker._lengths[mask].mean()) if self._count else 1.0
        self._norm = ranker.K1 * (1 - ranker.B + ranker.B * ranker._lengths / self._mean)
        self._known: dict[str, tuple | None] = {}  # word → (its known documents, their weights), when any
        self._own: dict[int, float] = {}

    def _weights(self, word: str):
        """The documents in view holding `word` and its BM25 weight in each (None: none holds it)."""
        if word not in self._known:
            import math

            found = None
            posting = self._ranker._postings.get(word)
            if posting is not None:
                docs, tfs = posting
                keep = self._mask[docs]
                df = int(keep.sum())
                if df:
                    docs, tfs = docs[keep], tfs[keep]
                    idf = math.log(1 + (self._count - df + 0.5) / (df + 0.5))
                    found = (docs, idf * tfs / (tfs + self._norm[docs]))
            self._known[word] = found
        return self._known[word]

    def df(self, word: str) -> int:
        """How many documents in view hold `word` (a stem)."""
        weighted = self._weights(word)
        return 0 if weighted is None else len(weighted[0])

    def _scores(self, words: Iterable[str]):
        import numpy

        scores = numpy.zeros(len(self._mask))
        for word in words:
            weighted = self._weights(word)
            if weighted is not None:
                scores[weighted[0]] += weighted[1]
        return scores

    def relative(self, query: Sequence[str], wanted: Iterable[int]) -> dict[int, float]:
        """For the documents `wanted` (indexes, in view) that stand out among the documents in view for
        this query (among the TOP highest BM25 scores), score(query, doc) / score(doc, doc). A long
        query (a removed section) shares words with many entries; only those it singles out count."""
        words = [w for w in sorted(set(query)) if self._weights(w) is not None]
        wanted = [i for i in wanted if self._mask[i]]
        if not words or not wanted:
            return {}
        import numpy

        scores = self._scores(words)
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
            found = self._own[i] = float(self._scores(set(self._ranker.documents[i]))[i]) or 1.0
        return found
