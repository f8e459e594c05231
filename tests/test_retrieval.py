"""Ranking changelog entries against changed sentences (BM25, read relative to each entry's own score)."""

from auditor.judge.features import RETRIEVED
from auditor.retrieval import Ranker, changed_sentences, tokens

ENTRIES = [
    "Compaction prompt now asks the model to preserve sensitive user instructions",
    "Fixed Bedrock inference profile ARNs being rejected when the region is not us-east-1",
    "Added worktree.baseRef setting to choose the base of new worktrees",
    "Fixed a crash when resizing the terminal during a long tool call",
    "Improved startup time on large repositories",
    "Fixed the status line flickering on Windows terminals",
]


def test_tokens_meet_prose_and_identifiers_half_way():
    assert tokens("autoCompactWindow compacting compaction summaries CLAUDE_CODE_X") == ["auto", "compact", "window", "compact", "compact", "summary", "claud", "code"]
    assert tokens("the and for you") == []
    assert tokens("preserve preserved rules rule") == ["preserv", "preserv", "rule", "rule"]
    assert tokens("available CPUs, CPU-limited, URLs and the URL") == ["availabl", "cpu", "cpu", "limit", "url", "url"]


def test_a_hostile_run_of_capitals_is_one_word_each_way():
    """Changelog text is untrusted: a run of capitals (with or without a plural "s") is read in one pass."""
    run = "CPU" * 100_000
    assert tokens(run) == [run.lower()]
    assert tokens(run + "s and " + run + "sx")[:2] == [run.lower(), run.lower()[:-1]]  # then "usx", as before plurals were read


def test_changed_sentences_are_the_edited_ones_both_ways():
    before = "Keep answers short. Use the Bash tool for git.\nNever push."
    after = "Keep answers short. Use the Bash tool for git and gh.\nNever push."
    assert changed_sentences(before, after) == ["Use the Bash tool for git and gh.", "Use the Bash tool for git."]


def test_a_paraphrase_ranks_high_and_a_coincidental_word_stays_low():
    ranker = Ranker(ENTRIES)
    paraphrase = tokens("When summarizing, preserve security-relevant user instructions and constraints verbatim so they remain in effect after compaction.")
    coincidence = tokens("debug: bedrock request logger flushed")
    near = ranker.view().relative(paraphrase, range(len(ENTRIES)))
    assert max(near, key=near.get) == 0 and near[0] >= RETRIEVED
    assert ranker.view().relative(coincidence, range(len(ENTRIES))).get(1, 0) < RETRIEVED
    assert ranker.view().relative(tokens("nothing shared here"), range(len(ENTRIES))) == {}


def test_only_documents_that_stand_out_for_the_query_are_scored():
    many = [f"Fixed tool call handling {' padding' * i}" for i in range(20)] + ["Tool calls now stream their output"]
    ranker = Ranker(many)
    scores = ranker.view().relative(tokens("tool call"), range(len(many)))
    assert 0 < len(scores) <= 5  # among the TOP best of the whole set, not every document sharing a word


def test_a_view_weighs_words_by_the_documents_it_knows_only():
    docs = ["Fixed compaction losing the summary", "Improved startup", *(f"Improved compaction speed, case {i}" for i in range(8))]
    ranker = Ranker(docs)
    query = tokens("compaction losing context")
    everything = ranker.view().relative(query, [0])
    then = ranker.view([0, 1]).relative(query, [0])  # before the eight later compaction fixes were written
    assert then[0] > everything.get(0, 0)  # "compaction" was a rare word then: it counted for more
    assert ranker.view([1]).relative(query, [0]) == {}  # a document not known is never scored
