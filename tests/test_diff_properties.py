"""Properties of the range diff on random fact series: keys that vanish and come back, texts edited
between releases (so fuzzy pairing has work to do), fuzzy and keyed kinds side by side."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.diff import FUZZY_KINDS, _Follow, diff_range, diff_refs
from auditor.store import Store

BASE = (
    "You are an interactive agent that helps users with software engineering tasks. "
    "Use the instructions below and the tools available to you to assist the user."
)
# close variants of one text (all similar enough to be paired as edits) and one unrelated text
TEXTS = (
    BASE,
    BASE.replace("interactive", "helpful"),
    BASE.replace("assist the user", "help the user"),
    "Completely different words about network sockets and timeouts in the client library.",
)
KEYS = ("a", "b", "c")
KINDS = ("string", "request_code", "flag")  # two fuzzy kinds, one followed by key only

column = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(TEXTS), max_size=len(KEYS))
release = st.dictionaries(st.sampled_from(KINDS), column, max_size=len(KINDS))
releases = st.lists(release, min_size=2, max_size=8)


def series(columns):
    return [(f"1.0.{i}", facts) for i, facts in enumerate(columns)]


@settings(max_examples=400, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases)
def test_diff_range_never_raises_and_every_change_has_ordered_steps_inside_the_range(columns):
    versions = [v for v, _ in series(columns)]
    for change in diff_range(series(columns)):
        steps = [versions.index(v) for v in change.changed_in]
        assert steps and steps == sorted(set(steps)) and steps[0] >= 1
        assert change.introduced_in == change.changed_in[0]


@settings(max_examples=400, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KINDS), st.lists(column, min_size=1, max_size=8))
def test_every_lineage_has_one_value_per_release_and_every_fact_is_in_exactly_one_lineage(kind, columns):
    follow = _Follow(FUZZY_KINDS.get(kind), resolve=lambda text: text)
    for step, facts in enumerate(columns):
        follow.step(step, facts)
    for lineage in follow.lineages:
        steps = [step for step, _, _ in lineage.points]
        assert steps == sorted(set(steps)), "a lineage took two values in one release"
    for step, facts in enumerate(columns):
        held = [at(lineage, step) for lineage in follow.lineages]
        held = [(key, text) for key, text in held if key is not None]
        assert sorted(held) == sorted(facts.items()), "a fact is missing or in two lineages"


def at(lineage, step):
    """(key, value) the lineage holds in release `step`; (None, None) when absent."""
    now = (None, None)
    for point_step, key, text in lineage.points:
        if point_step > step:
            break
        now = (key, text)
    return now



@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases)
def test_a_range_read_from_the_store_by_text_id_is_the_range_diffed_in_memory(columns):
    store = Store.memory()
    rows = []
    for version, facts in series(columns):
        store.save_snapshot(target="t", version=version, platform="p", source="static", origin="", extractor="1", published_at=None, facts=facts)
        rows.append(store.find("t", version, "p", "static"))
    from_store = diff_refs(((row.version, store.fact_refs(row.id)) for row in rows), store.values())
    assert from_store == diff_range(series(columns))
