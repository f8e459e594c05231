"""Run a CLI in a throwaway HOME and project folder, with nothing of the caller's environment, against the fake API.

Why each piece exists:
- the environment starts empty, so the user's real key, tokens and settings can never reach the CLI;
- HTTP(S)_PROXY points at the fake API, which answers for the API host (first-party route, see tls.py)
  and refuses and records anything else bound off the machine;
- the child gets its own session (process group), so a timeout kills it and every helper it spawned;
- it runs sealed (seal.py): loopback-only network, ssh stubbed, the folders above the sandbox controlled;
- interactive mode needs a real terminal (a pty) and a pre-seeded ~/.claude.json, or it stops at the
  onboarding, API-key and folder-trust dialogs; Gemini CLI needs its auth method chosen in its settings
  (Target.home_files).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import tomlkit

from ..errors import CaptureError
from ..targets import Target
from .normalize import Volatiles
from .seal import Seal
from .server import FakeAPI
from .user import API_KEY_USER, UserSetup

# Shaped like a real key (the CLI may check the prefix) but obviously fake in any log it lands in.
FAKE_API_KEY = "sk-ant-api03-auditor-fake-key-" + "0" * 62 + "AA"
LOOPBACK = "127.0.0.1,localhost,::1"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
PROJECT_FILES = {
    "README.md": "# demo\n\nA tiny project used by auditor to watch what the CLI sends.\n",
    "hello.py": 'print("hello")\n',
}
TERMINAL_ROWS, TERMINAL_COLS = 50, 160
# What a user's terminal says, in both modes (in print mode stdout is still a pipe, as in `claude -p … | cat`).
TERM = "xterm-256color"
_running: dict[int, int] = {}  # a program running now (pid, which leads its process group) → the thread that started it
_running_lock = threading.Lock()

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# commander.js (Claude Code) or clap (Codex) rejecting a flag or a flag's value: the version does not support
# what the scenario asks.
_UNSUPPORTED = re.compile(r"error: (unknown option .*|option .* argument .* is invalid.*|unexpected argument .* found|invalid value .* for .*)")


class ScenarioUnsupported(CaptureError):
    """The program rejected the scenario's command line: this version lacks the flag or the value."""


def _filled(value: Any, fill: dict[str, str]) -> Any:
    """A JSON value with the placeholders of `fill` replaced in every string, keys too."""
    if isinstance(value, str):
        for placeholder, text in fill.items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, dict):
        return {_filled(k, fill): _filled(v, fill) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, fill) for v in value]
    return value


def remove_now(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text).replace("\r", "")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in strip_ansi(text).splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


@dataclass
class RunOutcome:
    """How one run ended. `output` is stdout in print mode and the whole terminal transcript in interactive mode."""

    label: str
    exit_code: int
    output: str
    stderr: str
    duration: float

    @property
    def exited(self) -> str:
        """How a run that failed ended, in one line ("" for a clean exit): its exit code and last words."""
        return f"{self.exit_code}: {_last_line(self.stderr or self.output)}" if self.exit_code else ""

    def raise_for_failure(self, api_calls: int, exit_ok: bool = False) -> None:
        """Turn a run that produced no usable capture into one clear CaptureError line; with `exit_ok`, a run
        that called the API and then exited non-zero is a capture (`exited` says how it ended)."""
        text = self.stderr + "\n" + self.output
        unsupported = _UNSUPPORTED.search(strip_ansi(text))
        if self.exit_code != 0 and unsupported and api_calls == 0:
            raise ScenarioUnsupported(f"not supported by this version: {unsupported.group(0).strip()}")
        if self.exit_code != 0 and not (exit_ok and api_calls):
            raise CaptureError(f"{self.label} exited with code {self.exited}")
        if api_calls == 0:
            raise CaptureError(f"{self.label} exited without calling the API: {_last_line(self.stderr or self.output)}")


class Sandbox:
    """A temporary HOME and project folder, and the scrubbed environment a run gets. Use as a context manager."""

    def __init__(self, target: Target, api: FakeAPI, ca_file: Path | None = None, user: UserSetup = API_KEY_USER,
                 remove: Callable[[Path], object] | None = None) -> None:
        """With `ca_file` the run takes the first-party route (the CLI keeps its real API host, reached through
        the proxy, and trusts that CA); without it, the base-url route (the target's base-URL variable).
        `user` is who runs it: an API key (the default) or a plan's OAuth credentials, settings, env, files.
        `remove` deletes the folder once done (default: at once; runner.capture hands it to a thread)."""
        self.remove = remove or remove_now
        self.target = target
        self.user = user
        self.api = api
        self.ca_file = ca_file
        self.root = Path(os.path.realpath(tempfile.mkdtemp(prefix="auditor-capture-")))
        self.home = self.root / "home"
        self.project = self.root / "project"
        self.tmp = self.root / "tmp"
        self.seal = Seal(self.root, api, target.parent_files)
        self.extra_env: dict[str, str] = {}  # what a scenario adds for its runs (a moved clock: clock.py)

    def __enter__(self) -> Sandbox:
        try:
            for d in (self.home, self.project, self.tmp):
                d.mkdir()
            for name, text in PROJECT_FILES.items():
                (self.project / name).write_text(text)
            self._seed_config()
            self.user.seed(self.home, self.project, self.target.hold.settings_file)
            self.seal.__enter__()
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.seal.__exit__()
        self.remove(self.root)

    def _seed_config(self) -> None:
        """The files the target's program needs in HOME to run unattended (Target.home_files): Claude Code's
        onboarding, key approval and folder trust; Gemini CLI's auth method."""
        fill = {"{project}": str(self.project), "{key_tail}": FAKE_API_KEY[-20:], "{url}": self.api.url}
        for name, content in self.target.home_files.items():
            path = self.home / name
            path.parent.mkdir(parents=True, exist_ok=True)
            filled = _filled(content, fill)
            path.write_text(tomlkit.dumps(filled) if path.suffix == ".toml" else json.dumps(filled, indent=2))

    def volatiles(self, release: Path | None = None) -> Volatiles:
        """What differs between two runs: the sandbox's folders, the port, the key, and the folder the release was
        unpacked in (Gemini CLI tells the model where its built-in skills' files are)."""
        paths = {"project": str(self.project), "home": str(self.home), "tmp": str(self.tmp), "sandbox": str(self.root)}
        if release is not None:
            paths["release"] = str(release)
        return Volatiles.for_run(paths=paths, port=self.api.port, api_key=FAKE_API_KEY)

    def env(self, program: str) -> dict[str, str]:
        """The child's whole environment: built from nothing, never copied from os.environ."""
        path = SYSTEM_PATH
        program_dir = os.path.dirname(program)
        if program_dir and program_dir not in path.split(":"):
            path = f"{program_dir}:{path}"
        path = f"{self.seal.bin}:{path}"  # its ssh first
        env = {
            "PATH": path,
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "LANG": "C.UTF-8",
            "TERM": TERM,
            "GIT_CEILING_DIRECTORIES": str(self.root),
            **self.seal.env(),
            **self.target.extra_env,
            **self.user.env,
        }
        if self.user.plan is None:  # a subscriber has OAuth credentials in HOME and no key
            env[self.target.api_key_env] = FAKE_API_KEY
        if self.ca_file is None:
            env[self.target.base_url_env] = self.api.url
        else:
            env["NODE_EXTRA_CA_CERTS"] = str(self.ca_file)
        if os.path.exists("/bin/bash"):
            env["SHELL"] = "/bin/bash"
        for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
            env[name] = env[name.lower()] = self.api.url
        env["NO_PROXY"] = env["no_proxy"] = LOOPBACK
        env.update(self.extra_env)
        return env

    def _spawn(self, program: list[str], args: list[str], stdin: int, stdout: int, stderr: int) -> tuple[subprocess.Popen[bytes], str]:
        executable = shutil.which(program[0]) or program[0]
        label = " ".join(os.path.basename(a) for a in program)
        if not os.access(executable, os.X_OK):  # a sealed run would only learn it inside, after the launcher
            raise CaptureError(f"cannot start {label}: {os.strerror(errno.EACCES if os.path.exists(executable) else errno.ENOENT)}")
        launch = self.seal.launch([executable, *program[1:], *args], self.project, [self.ca_file] if self.ca_file else [])
        try:
            proc = subprocess.Popen(
                launch.argv, env=self.env(executable), cwd=self.project, start_new_session=True,
                stdin=stdin, stdout=stdout, stderr=stderr, pass_fds=launch.pass_fds,
            )
        except OSError as e:
            self.seal.started(None, launch)
            raise CaptureError(f"cannot start {label}: {e.strerror or e}") from None
        self.seal.started(proc, launch)
        with _running_lock:
            _running[proc.pid] = threading.get_ident()
        return proc, label

    def run_print(self, program: list[str], args: list[str], timeout: float) -> RunOutcome:
        """Run `program` (e.g. ["node", "cli.js"]) with `args` to completion through plain pipes."""
        started = time.monotonic()
        proc, label = self._spawn(program, args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            try:
                out, err = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:  # a helper that left the group still holds the pipes
                out, err = b"", b""
            raise CaptureError(self._hang_message(label, timeout, "", (err or out).decode(errors="replace"))) from None
        finally:
            _kill_group(proc)
        return RunOutcome(label, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"), time.monotonic() - started)

    def run_stream(self, program: list[str], args: list[str], prompts: list[str], timeout: float,
                   before: Callable[[int], None], after: Callable[[int], None]) -> RunOutcome:
        """One run, several turns: each prompt goes in as a stream-json user message once the turn before has
        ended in a `result` event (`before(i)` runs just before prompt i is sent); then stdin closes and the
        program ends on its own. `after(pid)` runs once the program and all it started are gone."""
        started = time.monotonic()
        deadline = started + timeout
        with tempfile.TemporaryFile(dir=self.root) as err:
            proc, label = self._spawn(program, args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err.fileno())
            assert proc.stdin is not None and proc.stdout is not None
            events = _Events(proc.stdout)
            ended = 0
            try:
                for i, prompt in enumerate(prompts):
                    before(i)
                    message = {"type": "user", "message": {"role": "user", "content": prompt}}
                    try:
                        proc.stdin.write(json.dumps(message).encode() + b"\n")
                        proc.stdin.flush()
                    except BrokenPipeError:
                        break
                    if not events.wait_result(ended + 1, deadline):
                        break
                    ended += 1
                proc.stdin.close()
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    raise CaptureError(self._hang_message(label, timeout, f" after {ended} of {len(prompts)} turns", events.text())) from None
            finally:
                _kill_group(proc)
                proc.wait()
                events.close()
                after(proc.pid)
            err.seek(0)
            stderr = err.read().decode(errors="replace")
        if proc.returncode == 0 and ended < len(prompts):
            raise CaptureError(f"{label} answered {ended} of {len(prompts)} prompts: {_last_line(stderr or events.text())}")
        return RunOutcome(label, proc.returncode, events.text(), stderr, time.monotonic() - started)

    def run_interactive(self, program: list[str], args: list[str], prompt: str, timeout: float, done: Callable[[], bool],
                        settle: float = 1.0, quiet: float = 1.5) -> RunOutcome:
        """Drive the full-screen UI through a pty: wait for it to draw, type the prompt, wait, exit.

        "Ready" is `settle` seconds without new output; "finished" is `done()` holding and then
        `quiet` seconds without API traffic, which lets trailing side requests (titles, summaries) in.
        """
        started = time.monotonic()
        deadline = started + timeout
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", TERMINAL_ROWS, TERMINAL_COLS, 0, 0))
        try:
            proc, label = self._spawn(program, args, stdin=slave, stdout=slave, stderr=slave)
        except CaptureError:
            os.close(master)
            raise
        finally:
            os.close(slave)
        screen = _PtyReader(master)
        try:
            if not screen.wait_quiet(settle, deadline, proc):
                raise CaptureError(self._hang_message(label, timeout, " before showing its prompt", screen.text()))
            if proc.poll() is None:
                os.write(master, prompt.encode())
                time.sleep(0.3)
                os.write(master, b"\r")
                if not self._wait_finished(proc, done, quiet, deadline):
                    raise CaptureError(self._hang_message(label, timeout, "", screen.text()))
            exit_code = proc.poll()
            if exit_code is None:
                for _ in range(2):  # Ctrl-C twice is the exit gesture of the UI.
                    os.write(master, b"\x03")
                    time.sleep(0.4)
                try:
                    proc.wait(timeout=max(1.0, min(5.0, deadline - time.monotonic())))
                except subprocess.TimeoutExpired:
                    pass
                exit_code = 0  # We ended it: however it goes down, that is a normal end.
            return RunOutcome(label, exit_code, screen.text(), "", time.monotonic() - started)
        finally:
            _kill_group(proc)
            proc.wait()
            screen.close()

    def attempts(self) -> list[str]:
        """Every attempt its runs made to reach another host, once their recording has settled: what the proxy
        refused (`CONNECT host:port`, `GET host`) and what the seal saw (`DNS`, `TCP`, `UDP`, `SSH`)."""
        self.seal.wait()
        return sorted({f"{e.method} {e.target}" for e in self.api.egress})

    def _wait_finished(self, proc: subprocess.Popen[bytes], done: Callable[[], bool], quiet: float, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return True
            if done() and self.api.idle_for() >= quiet:
                return True
            time.sleep(0.1)
        return False

    def _hang_message(self, label: str, timeout: float, when: str, output: str) -> str:
        calls = len(self.api.messages())
        return (f"{label} hung{when}: killed after {timeout:g}s (it had made {calls} {self.api.dialect.name} call{'s' * (calls != 1)};"
                f" last output: {_last_line(output)})")


class _PtyReader:
    """Drains the pty master on a thread (a full pty blocks the child) and tracks when output last arrived."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._chunks: list[bytes] = []
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="auditor-pty", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            if not select.select([self.fd], [], [], 0.1)[0]:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO once the child side closes
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data)
                self._last = time.monotonic()

    def wait_quiet(self, settle: float, deadline: float, proc: subprocess.Popen[bytes]) -> bool:
        """Wait until output has started and then paused for `settle` seconds, or the child exited."""
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return True
            with self._lock:
                quiet = bool(self._chunks) and time.monotonic() - self._last >= settle
            if quiet:
                return True
            time.sleep(0.05)
        return False

    def text(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode(errors="replace")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        os.close(self.fd)


class _Events:
    """Reads a stream-json stdout on a thread, counting the `result` events that end each turn."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self._lines: list[bytes] = []
        self._results = 0
        self._ended = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, name="auditor-stream", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in iter(self.stream.readline, b""):
            try:
                result = json.loads(line).get("type") == "result"
            except (ValueError, AttributeError):
                result = False
            with self._changed:
                self._lines.append(line)
                self._results += result
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_result(self, count: int, deadline: float) -> bool:
        """Wait for the `count`-th result event; False if stdout ended first or the deadline passed."""
        with self._changed:
            while self._results < count and not self._ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return self._results >= count

    def text(self) -> str:
        with self._changed:
            return b"".join(self._lines).decode(errors="replace")

    def close(self) -> None:
        self._thread.join(timeout=5)
        self.stream.close()


def stop_runs(threads: Iterable[int]) -> None:
    """SIGKILL the programs these threads run (by thread ident), with all they started: a collect being
    stopped (Ctrl-C, SIGTERM, the TUI's Esc) need not wait for a scenario to finish or time out. The
    scenario then ends as an error, which a stopping collect does not store."""
    owners = set(threads)
    with _running_lock:
        pids = [pid for pid, owner in _running.items() if owner in owners]
    for pid in pids:
        _signal_group(pid)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group (it leads its own session), ignoring one already gone."""
    with _running_lock:
        _running.pop(proc.pid, None)
    _signal_group(proc.pid)


def _signal_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
