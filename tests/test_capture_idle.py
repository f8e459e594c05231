"""Time that passes inside one running session: the fake CLI reads its clock (through libc, which libfaketime
moves) and, like 2.1.86–2.1.100, keeps only the last thinking turn once an idle hour passed since its last call."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.capture import ERROR, OK, Scenario, Turn, capture, capture_scenario, clock, load_scenario, load_scenarios
from auditor.capture.facts import scenario_facts
from auditor.capture.scenarios import STREAM_JSON
from auditor.capture.session import Later, Session, SessionError
from auditor.capture.tls import LIFETIME
from auditor.targets import get

FAKE_CLI = [sys.executable, str(Path(__file__).parent / "fixtures" / "capture" / "fake_cli.py")]
TARGET = get("claude-code")
KEEP_ALL = {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]}
KEEP_LAST = {"edits": [{"type": "clear_thinking_20251015", "keep": {"type": "thinking_turns", "value": 1}}]}


@pytest.fixture(scope="module", autouse=True)
def faketime():
    """libfaketime works by LD_PRELOAD, which only Linux has; there it must be installed (.ci/run does)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("moving a process's clock uses LD_PRELOAD (Linux only)")
    try:
        return clock.library()
    except clock.ClockError as e:
        pytest.fail(str(e))


def read(path: str, thought: str) -> tuple[Turn, Turn]:
    return Turn(text="Reading.", thinking=thought, tool="Read", tool_input={"file_path": "{project}/" + path}), Turn(text="Read it.")


def idle(*minutes: int, args: tuple[str, ...] = ()) -> Scenario:
    """One process, a prompt per entry of `minutes` after the first (each after that many idle minutes), two turns each."""
    turns = tuple(t for i in range(len(minutes) + 1) for t in read("README.md" if i % 2 == 0 else "hello.py", f"Thought {i}."))
    later = tuple(Later(f"Prompt {i + 2}.", m) for i, m in enumerate(minutes))
    return Scenario(name="idle", mode="print", prompt="Prompt 1.", args=args, route="base-url", turns=turns, session=Session(later=later))


def facts_of(scenario: Scenario) -> dict:
    result = capture_scenario(FAKE_CLI, TARGET, scenario, timeout=30)
    assert result.status == OK, result.reason
    return scenario_facts(result.to_dict(), "1.0.0")


def context_management(facts: dict) -> list:
    params = facts["request_param"]
    return [params[f"turn {i}: context_management"] for i in range(sum(k.startswith("turn") for k in facts["capture"]["requests"]))]


def test_the_clock_moves_between_turns_of_one_process_and_the_facts_show_it():
    facts = facts_of(idle(10, 70, 0))
    # 10 minutes before turn 2 is no idle hour; 70 before turn 4 is, and the latch holds through turn 7.
    assert context_management(facts) == [KEEP_ALL] * 4 + [KEEP_LAST] * 4
    assert facts["history"]["turn 6: resent"].startswith("13 messages; thinking 3 ")  # the client itself still resends it all
    assert facts["capture"]["idle"] == ["turn 2: prompt 2, after 10 idle minutes", "turn 4: prompt 3, after 70 idle minutes",
                                        "turn 6: prompt 4, after 0 idle minutes"]
    assert facts_of(idle(10, 70, 0)) == facts  # captured twice: zero changes


def test_without_idle_time_nothing_is_cleared_and_a_fixed_release_never_clears():
    assert context_management(facts_of(idle(0, 0, 0))) == [KEEP_ALL] * 8
    fixed = facts_of(idle(10, 70, 0, args=("--idle-fixed",)))
    latched = facts_of(idle(10, 70, 0))
    assert context_management(fixed) == [KEEP_ALL] * 8
    changed = {k for k in latched["request_param"] if latched["request_param"][k] != fixed["request_param"].get(k)}
    assert changed == {f"turn {i}: context_management" for i in range(4, 8)}


def test_a_program_that_does_not_follow_the_clock_is_an_error_not_a_capture():
    result = capture_scenario(FAKE_CLI, TARGET, idle(70, args=("--own-clock",)), timeout=30)
    assert result.status == ERROR
    assert result.reason.startswith("python") and "did not follow its moved clock" in result.reason


def test_a_stream_that_hangs_or_stops_early_is_one_clear_line(tmp_path):
    hung = capture_scenario(FAKE_CLI, TARGET, idle(5, args=("--hang", "--pidfile", str(tmp_path / "pids"))), timeout=1.5)
    assert hung.status == ERROR and "hung after 0 of 2 turns: killed after 1.5s" in hung.reason
    quiet = capture_scenario(FAKE_CLI, TARGET, idle(5, args=("--no-api",)), timeout=10)
    assert quiet.status == ERROR and quiet.reason.endswith("answered 0 of 2 prompts: nothing to do")


def test_no_libfaketime_stops_the_capture_before_anything_runs(monkeypatch, tmp_path):
    monkeypatch.setenv(clock.ENV, str(tmp_path / "missing.so"))
    with pytest.raises(clock.ClockError, match=r"AUDITOR_FAKETIME names .*missing\.so, which is not a file"):
        capture_scenario(FAKE_CLI, TARGET, idle(70), timeout=30)
    started = []
    plain = Scenario(name="plain", mode="print", prompt="Say hello.", route="base-url")
    with pytest.raises(clock.ClockError):
        capture(FAKE_CLI, TARGET, [plain, idle(70)], timeout=30, on_progress=lambda name, result: started.append(name))
    assert started == []


def test_the_library_is_found_by_name_on_the_system_or_in_the_pypi_package(monkeypatch, tmp_path):
    own = tmp_path / "own.so"
    own.write_bytes(b"")
    assert clock.library({clock.ENV: str(own)}) == own
    system = tmp_path / "usr" / "lib" / "x86_64-linux-gnu" / "faketime" / clock.SONAME
    system.parent.mkdir(parents=True)
    system.write_bytes(b"")
    assert clock.library({}, (f"{tmp_path}/usr/lib/*/faketime/{clock.SONAME}",)) == system
    package = tmp_path / "site" / "fakeft"
    package.joinpath(*clock.PYPI_PATH).parent.mkdir(parents=True)
    package.joinpath(*clock.PYPI_PATH).write_bytes(b"")
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(clock, "PYPI_PACKAGE", "fakeft")
    assert clock.library({}, ()) == package.joinpath(*clock.PYPI_PATH)
    monkeypatch.setattr(clock, "PYPI_PACKAGE", "no_such_package_here")
    with pytest.raises(clock.ClockError, match="needs libfaketime: apt-get install libfaketime"):
        clock.library({}, ())


def test_a_session_never_crosses_midnight_nor_outlives_the_certificate():
    day = dt.datetime(2026, 3, 26, tzinfo=dt.UTC)
    for minute in range(0, 24 * 60, 7):
        now = day + dt.timedelta(minutes=minute, seconds=13)
        offset = clock.start_offset(now, clock.MAX_MINUTES)
        start, end = now + offset, now + offset + dt.timedelta(minutes=clock.MAX_MINUTES) + clock.RUN_SLACK
        assert start.date() == end.date(), now
        assert offset + dt.timedelta(minutes=clock.MAX_MINUTES) + clock.RUN_SLACK <= LIFETIME, now
    assert clock.start_offset(day + dt.timedelta(hours=10), 80) == dt.timedelta(0)
    assert clock.start_offset(day + dt.timedelta(hours=23, minutes=30), 80) == dt.timedelta(minutes=31)
    # the clock file holds whole seconds: an offset from a `now` with a fraction is rounded up, never written short
    assert clock.start_offset(day + dt.timedelta(hours=23, minutes=30, microseconds=250_000), 80) == dt.timedelta(minutes=30, seconds=60)


def test_the_clock_file_and_what_libfaketime_leaves_behind(tmp_path, monkeypatch):
    moves = clock.Clock(tmp_path / "lib.so", tmp_path, 70, now=dt.datetime(2026, 3, 26, 10, tzinfo=dt.UTC))
    assert moves.file.read_text() == "+0\n" and moves.env()["FAKETIME_TIMESTAMP_FILE"] == str(moves.file)
    moves.advance(70)
    assert moves.file.read_text() == "+4200\n"
    moves.check(dt.datetime(2026, 3, 26, 11, 10, 5, tzinfo=dt.UTC), "prog")
    with pytest.raises(clock.ClockError, match="prog did not follow its moved clock"):
        moves.check(dt.datetime(2026, 3, 26, 10, 0, 5, tzinfo=dt.UTC), "prog")
    monkeypatch.setattr(clock, "SHM", tmp_path)
    for name in ("sem.faketime_sem_41", "faketime_shm_41", "sem.faketime_sem_410"):
        (tmp_path / name).write_bytes(b"")
    moves.release(41)
    assert sorted(p.name for p in tmp_path.glob("*faketime_s*")) == ["sem.faketime_sem_410"]


def test_later_prompts_in_scenario_files(tmp_path: Path):
    (scenario,) = load_scenarios(None, ["idle-session"])
    assert scenario.command_args() == ["-p", *STREAM_JSON] and len(scenario.prompts()) == 4
    assert scenario.session.idle_later > 60 and len(scenario.turns) == 2 * len(scenario.prompts())
    head = 'mode = "print"\nprompt = "x"\n[session]\n'
    for body, message in [
        ('mode = "interactive"\nprompt = "x"\n[[session.later]]\nprompt = "y"\n', "later prompts go to one print-mode run"),
        (head + 'followups = ["z"]\n[[session.later]]\nprompt = "y"\n', "and no followups"),
        (head + '[[session.later]]\nprompt = "y"\nidle_minutes = 200\n', f"{clock.MAX_MINUTES} minutes in all"),
        (head + '[[session.later]]\nprompt = ""\n', r"later\[0\].prompt must be a non-empty string"),
        (head + '[[session.later]]\nprompt = "y"\nidle_minutes = -3\n', r"later\[0\].idle_minutes must be a whole number"),
        (head + '[[session.later]]\nprompt = "y"\nwait = 3\n', "unknown key 'wait'"),
        (head + 'later = "y"\n', "must be an array of tables"),
    ]:
        (tmp_path / "bad.toml").write_text(body)
        with pytest.raises(SessionError, match=message):
            load_scenario(tmp_path / "bad.toml")


def test_the_builtin_idle_scenario_runs_and_twice_gives_the_same_facts():
    (scenario,) = load_scenarios(None, ["idle-session"])
    facts = facts_of(replace(scenario, route="base-url"))
    assert context_management(facts) == [KEEP_ALL] * 4 + [KEEP_LAST] * 4
    assert facts_of(replace(scenario, route="base-url")) == facts
