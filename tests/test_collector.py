"""The collector's pipeline against the fake registry: several releases at once, each snapshot saved by
the calling thread, tarballs evicted from the bounded cache only once their facts are stored."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace

import httpx
import pytest

from auditor import targets
from auditor.capture import Scenario
from auditor.collector import Collector, Step, eta
from auditor.errors import AuditorError, BundleNotFound, IntegrityError, StoreBusy
from auditor.npm import Cache, Registry
from auditor.store import Store

from builders import LINUX, MAIN, NAMES_A, NAMES_B, cli_js, fake_program, tgz

HELLO = Scenario(name="hello", mode="print", prompt="Say hello.", route="base-url")


@pytest.fixture
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def make(npm, client, tmp_path, jobs: int, cache_max: int | None = None, name: str = "store") -> Collector:
    registry = Registry(client, Cache(tmp_path / "cache", cache_max if cache_max is not None else 1 << 40), url=npm.url)
    return Collector(Store.open(tmp_path / f"{name}.db"), registry, targets.get("claude-code"), jobs=jobs)


@pytest.fixture
def four(npm):
    npm.release("2.1.1", cli_js(NAMES_A), native=False)
    npm.release("2.1.2", cli_js(NAMES_B), native=False)
    npm.release("2.1.113", cli_js(NAMES_A, max_tokens=64000), native=True)
    npm.release("2.1.114", cli_js(NAMES_B, flag_default="!0"), native=True)
    return npm


def snapshot(collector: Collector) -> dict:
    return {(r.version, r.source, r.origin): collector.store.facts(r.id) for r in collector.store.snapshots("claude-code")}


def test_several_jobs_store_exactly_what_one_job_stores(four, client, tmp_path):
    wanted = ["2.1.1", "2.1.2", "2.1.113", "2.1.114"]
    one, three = make(four, client, tmp_path, 1, name="one"), make(four, client, tmp_path, 3, name="three")
    assert [r.version for r in one.ensure(wanted)] == wanted
    assert [r.version for r in three.ensure(wanted)] == wanted
    assert snapshot(one) == snapshot(three) and len(snapshot(one)) == 4
    before = len(four.hits)
    assert three.ensure(wanted) and len(four.hits) == before, "a second run has nothing to do and asks nobody"


def test_the_newest_n_releases_are_none_for_n_below_one(four, client, tmp_path):
    collector = make(four, client, tmp_path, 1)  # a slice from -0 or -1 would be (nearly) the whole history
    assert collector.latest(2) == ["2.1.113", "2.1.114"] and collector.latest(0) == [] and collector.latest(-1) == []


def test_tarballs_are_evicted_only_after_their_facts_are_stored(four, client, tmp_path, monkeypatch):
    collector = make(four, client, tmp_path, 2, cache_max=0)
    version_of = {hashlib.sha512(body).hexdigest()[2:] + ".tgz": path.rsplit("-", 1)[1][:-4] for path, body in four.blobs.items()}
    real_evict, seen = Cache.evict, []

    def evict(self, max_bytes=None):
        assert threading.current_thread() is threading.main_thread()
        deleted = real_evict(self, max_bytes)
        stored = {r.version for r in collector.store.snapshots("claude-code")}
        seen.extend((version_of[t.path.name], stored) for t in deleted)
        return deleted

    monkeypatch.setattr(Cache, "evict", evict)
    collector.ensure(["2.1.1", "2.1.2", "2.1.113", "2.1.114"])
    assert sorted(v for v, _ in seen) == ["2.1.1", "2.1.113", "2.1.114", "2.1.2"]
    assert all(version in stored for version, stored in seen)
    assert collector.registry.cache.tarballs() == []


def test_a_capture_needing_an_evicted_tarball_downloads_it_again_verified(npm, client, tmp_path):
    npm.publish(MAIN, "2.1.113", tgz({"package/cli-wrapper.cjs": b"//"}))
    npm.publish(LINUX, "2.1.113", fake_program("", cli_js()))
    tarball = f"/tarballs/{LINUX.replace('/', '_')}-2.1.113.tgz"
    collector = make(npm, client, tmp_path, 2, cache_max=0)
    collector.ensure(["2.1.113"])
    assert collector.registry.cache.tarballs() == [] and npm.hits.count(tarball) == 1

    collector.ensure_captures(["2.1.113"], [HELLO])
    assert npm.hits.count(tarball) == 2
    captured = collector.store.facts(collector.captured("2.1.113", "hello").id)
    assert captured["capture"]["status"] == "ok"

    npm.blobs[tarball] = fake_program("--effort low", cli_js())  # what the registry serves no longer matches its hash
    with pytest.raises(IntegrityError, match="sha512"):
        collector.ensure_captures(["2.1.113"], [HELLO], force=True)
    assert collector.store.facts(collector.captured("2.1.113", "hello").id) == captured
    assert collector.registry.cache.tarballs() == []


def test_static_facts_and_captures_in_one_pass_one_download_each(npm, client, tmp_path):
    for version, extra in (("2.1.113", ""), ("2.1.114", "--effort low")):
        npm.publish(MAIN, version, tgz({"package/cli-wrapper.cjs": b"//"}))
        npm.publish(LINUX, version, fake_program(extra, cli_js()))
    steps: list[Step] = []
    collector = make(npm, client, tmp_path, 2, cache_max=0)
    collector.ensure(["2.1.113", "2.1.114"], steps.append, scenarios=[HELLO])
    assert all(collector.captured(v, "hello") and collector.stored(v) for v in ("2.1.113", "2.1.114"))
    assert sum(hit.startswith("/tarballs/") for hit in npm.hits) == 2
    finished = [s for s in steps if s.stage == "done"]
    assert sorted(s.version for s in finished) == ["2.1.113", "2.1.114"]
    assert [s.done for s in finished] == [1, 2] and {s.total for s in steps} == {2}
    assert {s.stage for s in steps} >= {"download", "extract", "capture hello", "done"}
    assert steps[0].eta is None and finished[-1].eta == 0


def test_a_capture_taken_by_another_version_of_its_scenario_is_redone(npm, client, tmp_path):
    """Editing a scenario (the skills scenario came to allow the Skill tool) changes what a release is
    shown: a store must not diff a capture of the old scenario against one of the new."""
    npm.publish(MAIN, "2.1.113", tgz({"package/cli-wrapper.cjs": b"//"}))
    npm.publish(LINUX, "2.1.113", fake_program("", cli_js()))
    collector = make(npm, client, tmp_path, 1)
    collector.ensure(["2.1.113"], scenarios=[HELLO])
    first = collector.captured("2.1.113", "hello")
    assert first and collector.current("2.1.113", HELLO)
    assert collector.plan(["2.1.113"], static=True, scenarios=(HELLO,)) == []  # nothing to redo
    edited = replace(HELLO, description="Says hello, politely.")  # the description is not what the program sees
    assert collector.current("2.1.113", edited)
    edited = replace(HELLO, args=("--effort", "low"))
    assert not collector.current("2.1.113", edited)
    assert [(j.version, j.static, j.scenarios) for j in collector.plan(["2.1.113"], static=True, scenarios=(edited,))] == [
        ("2.1.113", False, (edited,))]
    collector.ensure(["2.1.113"], scenarios=[edited])
    again = collector.captured("2.1.113", "hello")
    assert again and again.extractor != first.extractor and again.origin.startswith("--effort low") and collector.current("2.1.113", edited)


def test_a_failing_release_stops_the_run_keeps_whole_snapshots_and_releases_everything(npm, client, tmp_path):
    npm.release("2.1.1", cli_js(NAMES_A), native=False)
    npm.release("2.1.2", cli_js(NAMES_B), native=False)
    npm.publish(MAIN, "2.1.113", tgz({"package/cli-wrapper.cjs": b"//"}))
    npm.publish(LINUX, "2.1.113", tgz({"package/claude": b"\x7fELF" + b"\0" * 5000}))
    collector = make(npm, client, tmp_path, 2)
    threads = threading.active_count()
    with pytest.raises(BundleNotFound, match="no embedded JavaScript bundle"):
        collector.ensure(["2.1.1", "2.1.2", "2.1.113"])
    assert threading.active_count() == threads
    for row in collector.store.snapshots("claude-code"):
        assert collector.store.facts(row.id)["prompt_section"]
    assert len(collector.registry.cache.evict(0)) == 3, "no tarball is left held"


def test_a_store_being_written_is_refused_before_any_work(four, client, tmp_path):
    collector = make(four, client, tmp_path, 2)
    with collector.store.writer():
        with pytest.raises(StoreBusy, match="is being written by"):
            make(four, client, tmp_path, 2).ensure(["2.1.1"])
    assert not any(hit.startswith("/tarballs/") for hit in four.hits)


def test_eta():
    assert eta(10.0, 0, 4) is None
    assert eta(10.0, 1, 4) == 30.0
    assert eta(10.0, 4, 4) == 0.0


def test_children_import_this_installation_not_an_auditor_folder_in_the_working_directory(four, client, tmp_path, monkeypatch):
    elsewhere = tmp_path / "checkout"
    (elsewhere / "auditor").mkdir(parents=True)
    (elsewhere / "auditor" / "__init__.py").write_text("")
    for module in ("bundle", "collector", "extract"):
        (elsewhere / "auditor" / f"{module}.py").write_text("raise ImportError('the wrong auditor')\n")
    monkeypatch.chdir(elsewhere)
    collector = make(four, client, tmp_path, 2)
    assert [r.version for r in collector.ensure(["2.1.1", "2.1.113"])] == ["2.1.1", "2.1.113"]


def test_a_child_that_dies_is_one_line_naming_the_release(four, client, tmp_path, monkeypatch):
    monkeypatch.setattr("auditor.collector._CHILD", "import sys; sys.stderr.write('Killed\\n'); sys.exit(137)")
    with pytest.raises(AuditorError, match=r"^2\.1\.1: from_package died in its child process \(exit code 137\): Killed$"):
        make(four, client, tmp_path, 1).ensure(["2.1.1"])


def test_a_tool_description_the_code_passes_counts_as_sent_when_captures_ran(npm, client, tmp_path):
    """Item 5 of the judge: a tool's description is what the model reads whether or not a default run
    offered that tool (a gated tool, one fetched on demand), so the static tools' texts join what the
    captures sent; with no capture at all nothing is heard, so no string is lowered for being unheard."""
    from types import SimpleNamespace

    from auditor import audit, extract, judgements
    from auditor.capture.facts import CAPTURE_FORMAT
    from auditor.collector import CAPTURE, STATIC

    collector = make(npm, client, tmp_path, jobs=1)
    gated = "Schedule when to resume work: pick delaySeconds from the cache TTL, 270 seconds stays warm."
    version = "2.1.1"
    platform = collector.platform_for(version)
    save = collector.store.save_snapshot
    save(target="claude-code", version=version, platform=platform, source=STATIC, origin="", extractor=extract.EXTRACTOR_VERSION,
         published_at=None, facts={"tool": {"ScheduleWakeup": gated}, "string": {"a": gated}})
    report = SimpleNamespace(versions=[version], scenarios=["hello"])
    assert audit.heard(collector, report) is None  # nothing captured: nothing may be called unheard
    save(target="claude-code", version=version, platform=platform, source=CAPTURE + "hello", origin="", extractor=CAPTURE_FORMAT,
         published_at=None, facts={"system_block": {"turn 0: block 1": "You are Claude Code."}})
    sent = judgements.sent(collector.store, audit.heard(collector, report))
    assert sent is not None and sent.holds("You are Claude Code.") and sent.holds(gated)
    assert not sent.holds("Press Enter to continue, or Esc to cancel the scheduled wake-up.")
