"""Nothing left behind: every temporary file of a run in one folder per process inside the cache's root,
what killed runs left removed at the next start, SIGTERM taken as Ctrl-C (children stopped, files removed)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import scratch
from auditor.cli import cli
from auditor.store import Store

from builders import LINUX, MAIN, bun_binary, cli_js, tgz

AUDIT = "import sys; from auditor.cli import cli; sys.argv[0] = 'audit'; cli()"
HOLD = """
import sys, time
from pathlib import Path
from auditor import scratch
print(scratch.folder(Path(sys.argv[1])), flush=True)
time.sleep(60)
"""


def folders(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "tmp").glob("*") if p.is_dir())


def wait_for(paths, seconds: float = 30) -> list[Path]:
    deadline = time.monotonic() + seconds
    while not (found := list(paths())) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_live_process_keeps_its_folder_and_a_dead_ones_is_removed(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    dead = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        live_folder, dead_folder = Path(live.stdout.readline().strip()), Path(dead.stdout.readline().strip())
        (dead_folder / "run-x").mkdir()
        (dead_folder / "run-x" / "cli.js").write_bytes(b"x" * 5000)
        (live_folder / "partial.part").write_bytes(b"y" * 100)
        dead.kill()
        dead.wait()
        assert [s.path for s in scratch.in_use(tmp_path)] == [live_folder]
        [removed] = scratch.sweep(tmp_path)
        assert removed.path == dead_folder and removed.size == 5000
        assert folders(tmp_path) == [live_folder] and (live_folder / "partial.part").exists()
    finally:
        live.kill()
        dead.kill()
        live.wait()


def test_a_commands_temporary_files_live_and_die_in_its_folder(releases, env, monkeypatch):
    seen = []
    monkeypatch.setattr("auditor.cli.Console.print", lambda self, *a, **k: seen.append(os.environ["TMPDIR"]))
    before = os.environ.get("TMPDIR")
    assert CliRunner().invoke(cli, ["versions"]).exit_code == 0
    assert Path(seen[0]).parent == env / "cache" / "tmp"  # during the run: tempfile and children use it
    assert os.environ.get("TMPDIR") == before and folders(env / "cache") == []  # after: restored, removed


def hanging_release(npm) -> None:
    """A native release whose program notes its pid in the sandbox and then hangs."""
    script = b'#!/bin/sh\necho $$ > "$HOME/started"\nexec sleep 300\n'
    npm.publish(MAIN, "2.1.113", tgz({"package/cli-wrapper.cjs": b"//"}))
    npm.publish(LINUX, "2.1.113", tgz({"package/claude": script + bun_binary([("cli.js", cli_js(), 1)])}))


def _ctrl_c_as_a_terminal_sends_it() -> None:
    """A job started in the background of a shell without job control (some CI runners) inherits SIGINT
    ignored; a user's Ctrl-C reaches a foreground program, which these tests stand for."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def collect_in_background(env: Path) -> subprocess.Popen:
    scenarios = env / "scenarios"
    scenarios.mkdir()
    (scenarios / "hello.toml").write_text('mode = "print"\nprompt = "Say hello."\nroute = "base-url"\n')
    return subprocess.Popen([sys.executable, "-c", AUDIT, "collect", "2.1.113", "--scenario", "hello", "--scenarios-dir", str(scenarios),
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_ctrl_c_as_a_terminal_sends_it)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_during_a_capture_stops_it_at_once_and_leaves_nothing(npm, env, sig):
    """SIGTERM (as Ctrl-C) while a worker runs a capture: the program is killed with its group at once
    (not after the scenario's 60 s timeout), the static snapshot stays, the scratch folder is gone."""
    hanging_release(npm)
    proc = collect_in_background(env)
    try:
        [started] = wait_for(lambda: (env / "cache" / "tmp").glob("*/auditor-capture-*/home/started"))
        program = int(wait_for(lambda: filter(None, [started.read_text().strip()]))[0])
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1] == f"{'Terminated' if sig == signal.SIGTERM else 'Interrupted'}; nothing half-written was kept."
    assert wait_for(lambda: [program] if gone(program) else [], 10) == [program]
    assert folders(env / "cache") == []
    assert [(r.version, r.source) for r in Store.open(env / "store.db").snapshots("claude-code")] == [("2.1.113", "static")]


def test_what_a_killed_collect_left_is_removed_at_the_next_start(npm, env):
    """kill -9 mid-capture leaves the run's folder (unpacked release, sandbox) and the program it was
    capturing; the next command's start kills that program, removes the folder, and `audit cache` says so."""
    hanging_release(npm)
    proc = collect_in_background(env)
    try:
        [started] = wait_for(lambda: (env / "cache" / "tmp").glob("*/auditor-capture-*/home/started"))
        program = int(wait_for(lambda: filter(None, [started.read_text().strip()]))[0])
        proc.kill()
        proc.wait()
        [left] = folders(env / "cache")
        assert any(left.glob("run-*/package/claude")) and any(left.glob("auditor-capture-*"))
        assert not gone(program)  # the program outlives the run that started it (its own session)
        result = CliRunner().invoke(cli, ["cache"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("removed the temporary files of 1 killed run (")
        assert folders(env / "cache") == []
        assert wait_for(lambda: [program] if gone(program) else [], 10) == [program]  # killed by the sweep
    finally:
        proc.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(program, signal.SIGKILL)


def test_cache_counts_and_prunes_partial_downloads_of_older_auditors(env):
    old = env / "cache" / "tarballs" / "sha512" / "ab"
    old.mkdir(parents=True)
    stale, fresh = old / ".cd.tgz.x1.part", old / ".ef.tgz.x2.part"
    stale.write_bytes(b"s" * 3000)
    fresh.write_bytes(b"f" * 1000)
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    result = CliRunner().invoke(cli, ["cache"])
    assert "; 2 partial downloads (3.9K; --prune removes those over 10 minutes old)" in result.output
    result = CliRunner().invoke(cli, ["cache", "--prune"])
    assert result.output.startswith("deleted 0 tarballs (0B) and 1 partial downloads (2.9K)")
    assert not stale.exists() and fresh.exists()


def test_cache_counts_the_temporary_files_of_running_audits_and_leaves_them(env):
    live = subprocess.Popen([sys.executable, "-c", HOLD, str(env / "cache")], stdout=subprocess.PIPE, text=True)
    try:
        folder = Path(live.stdout.readline().strip())
        (folder / "run-x").mkdir()
        (folder / "run-x" / "claude").write_bytes(b"z" * 4096)
        result = CliRunner().invoke(cli, ["cache", "--clear"])
        assert result.exit_code == 0, result.output
        assert result.output.rstrip().endswith("; 1 running audit uses 4K of temporary files")
        assert (folder / "run-x" / "claude").exists()
    finally:
        live.kill()
        live.wait()
