"""Sessions over time: a scenario's `[session]` table, for what a release does to a conversation as it ages or grows.

    [session]
    followups = ["Now read hello.py.", "…"]   # more print-mode runs resuming the first one, one turn each
    resume = "continue"                        # how they resume: --continue, or --resume <the session's id>
    idle_minutes = 180                         # before the first follow-up, the transcript is made this old
    large_files = 16                           # project files big-01.txt … of `file_kb` KB each, for large tool results
    file_kb = 48
    estimate_usage = true                      # the fake API reports input tokens ≈ request bytes / 4

    [[session.later]]                          # more prompts to the same running process (print mode:
    prompt = "Now read hello.py."              # stream-json on stdin), each once the turn before is answered
    idle_minutes = 70                          # and the process's clock has been moved this far (clock.py)

The transcript is the CLI's own (it writes it while the first run works); making it old rewrites its
timestamps and file times, as if the user had walked away, so the release decides from its own clock
what an idle session keeps. Every request of every run is captured; the scripted turns continue across
runs (the fake API numbers turns by the history the CLI resends). `later` prompts are the other way
to let time pass: inside one process, where a release keeps what it knows of its own last call.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CaptureError
from . import clock

KEY = "session"
RESUMES = ("continue", "resume")
_KEYS = {"followups", "resume", "idle_minutes", "large_files", "file_kb", "estimate_usage", "later"}
_LATER_KEYS = {"prompt", "idle_minutes"}
_LINE = 80  # characters per line of a large file (the Read tool stops at 2000 lines)


class SessionError(CaptureError):
    """A [session] table is invalid; the message names the file."""


@dataclass(frozen=True)
class Later:
    """A prompt to the running process, after its clock moved `idle_minutes` forward."""

    prompt: str
    idle_minutes: int = 0


@dataclass(frozen=True)
class Session:
    followups: tuple[str, ...] = ()
    resume: str = "continue"
    idle_minutes: int = 0
    large_files: int = 0
    file_kb: int = 48
    estimate_usage: bool = False
    later: tuple[Later, ...] = ()

    @property
    def idle_later(self) -> int:
        """Minutes the `later` prompts move the clock in all."""
        return sum(p.idle_minutes for p in self.later)


def parse(path: Path, raw: Any, mode: str) -> Session:
    """Read and validate a scenario's [session] table."""
    if not isinstance(raw, dict):
        raise SessionError(f"{path}: [{KEY}] must be a table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise SessionError(f"{path}: [{KEY}] has unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_KEYS))})")
    followups = raw.get("followups", [])
    if not isinstance(followups, list) or not all(isinstance(f, str) and f.strip() for f in followups):
        raise SessionError(f"{path}: {KEY}.followups must be a list of non-empty strings")
    if followups and mode != "print":
        raise SessionError(f"{path}: {KEY}.followups resume in print mode; set mode = \"print\"")
    resume = raw.get("resume", "continue")
    if resume not in RESUMES:
        raise SessionError(f"{path}: {KEY}.resume must be one of {', '.join(RESUMES)} (got {resume!r})")
    numbers = {}
    for name in ("idle_minutes", "large_files", "file_kb"):
        value = raw.get(name, getattr(Session, name))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SessionError(f"{path}: {KEY}.{name} must be a whole number ≥ 0")
        numbers[name] = value
    estimate = raw.get("estimate_usage", False)
    if not isinstance(estimate, bool):
        raise SessionError(f"{path}: {KEY}.estimate_usage must be true or false")
    later = _later(path, raw.get("later", []))
    if later and (mode != "print" or followups):
        raise SessionError(f"{path}: {KEY}.later prompts go to one print-mode run (stream-json): set mode = \"print\", and no followups")
    session = Session(followups=tuple(followups), resume=resume, estimate_usage=estimate, later=later, **numbers)
    if session.idle_later > clock.MAX_MINUTES:
        raise SessionError(f"{path}: {KEY}.later may move the clock {clock.MAX_MINUTES} minutes in all (the fake API's certificate expires)")
    return session


def _later(path: Path, raw: Any) -> tuple[Later, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise SessionError(f"{path}: {KEY}.later must be an array of tables ([[{KEY}.later]])")
    out = []
    for i, table in enumerate(raw):
        where = f"{KEY}.later[{i}]"
        unknown = sorted(set(table) - _LATER_KEYS)
        if unknown:
            raise SessionError(f"{path}: {where} has unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_LATER_KEYS))})")
        prompt, idle = table.get("prompt"), table.get("idle_minutes", 0)
        if not isinstance(prompt, str) or not prompt.strip():
            raise SessionError(f"{path}: {where}.prompt must be a non-empty string")
        if not isinstance(idle, int) or isinstance(idle, bool) or idle < 0:
            raise SessionError(f"{path}: {where}.idle_minutes must be a whole number ≥ 0")
        out.append(Later(prompt, idle))
    return tuple(out)


def large_file(name: str, kb: int) -> str:
    """Deterministic text of about `kb` KB: numbered lines, so two captures read the same bytes."""
    lines = kb * 1024 // _LINE
    return "".join(f"{name} line {i:05d}: {'lorem ipsum dolor sit amet ' * 3}"[: _LINE - 1] + "\n" for i in range(lines))


def prepare(project: Path, session: Session) -> None:
    """Write the large project files the script reads."""
    for i in range(1, session.large_files + 1):
        name = f"big-{i:02d}.txt"
        (project / name).write_text(large_file(name, session.file_kb))


def transcripts(home: Path) -> list[Path]:
    """The CLI's session transcripts in the sandbox's config dir (~/.claude/projects/<slug>/<id>.jsonl)."""
    return sorted((home / ".claude" / "projects").glob("*/*.jsonl"))


def age(home: Path, minutes: int) -> int:
    """Move every transcript `minutes` into the past: each ISO timestamp in it, and its file times. Returns
    how many transcripts there were."""
    found = transcripts(home)
    shift = dt.timedelta(minutes=minutes)
    for path in found:
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                lines.append(line)
                continue
            lines.append(json.dumps(_shifted(entry, shift), ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        then = path.stat().st_mtime - shift.total_seconds()
        os.utime(path, (then, then))
    return len(found)


def latest(home: Path) -> dt.datetime | None:
    """The newest `timestamp` the transcripts hold: the program's own clock, as it last wrote it down."""
    found = []
    for path in transcripts(home):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                found.append(dt.datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
    return max(found, default=None)


def _shifted(value: Any, shift: dt.timedelta) -> Any:
    if isinstance(value, dict):
        return {k: _older(v, shift) if k == "timestamp" else _shifted(v, shift) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, shift) for v in value]
    return value


def _older(value: Any, shift: dt.timedelta) -> Any:
    if not isinstance(value, str):
        return value
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return (when - shift).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def resume_args(session: Session, home: Path) -> list[str]:
    """The flags that resume the session: --continue, or --resume with the newest transcript's id."""
    if session.resume == "continue":
        return ["--continue"]
    found = transcripts(home)
    if not found:
        raise CaptureError("no session transcript to resume (the first run wrote none)")
    return ["--resume", max(found, key=lambda p: p.stat().st_mtime).stem]
