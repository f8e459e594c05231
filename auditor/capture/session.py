"""Sessions over time: a scenario's `[session]` table, for what a release does to a conversation as it ages or grows.

    [session]
    followups = ["Now read hello.py.", "…"]   # more print-mode runs resuming the first one, one turn each
    resume = "continue"                        # how they resume: --continue, or --resume <the session's id>
    idle_minutes = 180                         # before the first follow-up, the transcript is made this old
    large_files = 16                           # project files big-01.txt … of `file_kb` KB each, for large tool results
    file_kb = 48
    estimate_usage = true                      # the fake API reports input tokens ≈ request bytes / 4

The transcript is the CLI's own (it writes it while the first run works); making it old rewrites its
timestamps and file times, as if the user had walked away, so the release decides from its own clock
what an idle session keeps. Every request of every run is captured; the scripted turns continue across
runs (the fake API numbers turns by the history the CLI resends).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CaptureError

KEY = "session"
RESUMES = ("continue", "resume")
_KEYS = {"followups", "resume", "idle_minutes", "large_files", "file_kb", "estimate_usage"}
_LINE = 80  # characters per line of a large file (the Read tool stops at 2000 lines)


class SessionError(CaptureError):
    """A [session] table is invalid; the message names the file."""


@dataclass(frozen=True)
class Session:
    followups: tuple[str, ...] = ()
    resume: str = "continue"
    idle_minutes: int = 0
    large_files: int = 0
    file_kb: int = 48
    estimate_usage: bool = False


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
    return Session(followups=tuple(followups), resume=resume, estimate_usage=estimate, **numbers)


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
