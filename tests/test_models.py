"""Model names as ids and as prose, for the target's families and for families its ids bring."""

from auditor.diff import Change
from auditor.judge.describe import describe
from auditor.judge.models import ModelNames
from auditor.targets import Vocabulary
from auditor.targets.claude_code import CLAUDE_CODE

VOCABULARY = CLAUDE_CODE.vocabulary


def test_model_ids_as_release_notes_write_them():
    names = ModelNames.of(VOCABULARY)
    assert names.display("claude-opus-4-7 claude-3-5-haiku-20241022 claude-haiku-4-5-20251001 claude-opus-5") == "Opus 4.7 Haiku 3.5 Haiku 4.5 Opus 5"
    assert names.models("Opus 4.7 and claude-sonnet-4-6; Sonnet 4.5/4.6") == {"opus 4.7", "sonnet 4.6", "sonnet 4.5"}
    # An id with its version first names that version, not a digit of its date ("Sonnet 3.5 v2", not "Sonnet 2").
    assert names.models("anthropic.claude-3-5-sonnet-20241022-v2:0 claude-3-5-haiku-20241022") == {"sonnet 3.5", "haiku 3.5"}
    assert names.bare_families("an extra Haiku request") == {"haiku"}
    assert names.is_model("claude-opus-4-7") and not names.is_model("claude-code-guide")


def test_a_family_launched_later_is_learnt_from_the_ids_of_the_changes():
    """`claude-fable-5` in a changed text makes "Introducing Claude Fable 5" an entry about a model."""
    known = ModelNames.of(VOCABULARY)
    assert known.models("Introducing Claude Fable 5") == set()
    learnt = ModelNames.of(VOCABULARY, ('const FABLE = "claude-fable-5";', "claude-3-7-mythos-20260101"))
    assert learnt.families == {"opus", "sonnet", "haiku", "fable", "mythos"}
    assert learnt.models("Introducing Claude Fable 5, and Mythos 3.7") == {"fable 5", "mythos 3.7"}
    assert learnt.display("claude-fable-5") == "Fable 5"


def test_dated_names_and_other_words_after_the_prefix_are_no_family():
    names = ModelNames.of(VOCABULARY, ("anthropic-beta: claude-code-20250219", "claude-code-guide", "claude-cli/2.1.117", "claude-in-chrome"))
    assert names.families == VOCABULARY.model_families


def test_a_change_to_a_new_familys_model_in_the_vendors_words():
    model = Change("request_param", "turn 0: model", "turn 0: model", "claude-opus-4-8", "claude-fable-5", "2.1.170", None, ("2.1.170",))
    names = ModelNames.of(VOCABULARY, ("claude-fable-5",))
    assert describe(model, VOCABULARY, names) == "model Fable 5 (was Opus 4.8)"


def test_a_target_without_model_vocabulary_reads_no_models():
    names = ModelNames.of(Vocabulary(), ("claude-opus-4-7",))
    assert names.models("Opus 4.7") == set() and names.display("claude-opus-4-7") == "claude-opus-4-7"


def test_an_entry_announces_a_model_only_when_it_opens_with_it():
    names = ModelNames.of(VOCABULARY, ("claude-fable-5",))
    assert names.launched("Introducing Claude Fable 5: a Mythos-class model") == {"fable 5"}
    assert names.launched("Added Claude Opus 5 (`claude-opus-5`), now the default Opus model") == {"opus 5"}
    assert names.launched("Opus 4.8 is here! Now defaults to high effort") == {"opus 4.8"}
    assert names.launched("Added xhigh effort level for Opus 4.7") == set()  # names a model, announces a level
    assert names.launched("Claude Opus 4.7 xhigh is now available!") == set()
    # The brand before the family is the target's model prefix, not Claude's.
    acme = ModelNames.of(Vocabulary(model_prefix="acme", model_families=frozenset({"rocket"})))
    assert acme.launched("Introducing Acme Rocket 2: faster") == {"rocket 2"} and acme.launched("Introducing Rocket 2") == {"rocket 2"}
