"""A running session's clock, moved forward between turns: what a release does when its user walks away mid-session.

Resuming an old transcript in a new process (session.py) cannot show what a release decides from the
time since its own last API call: that is kept in the running process only. So the program runs with
libfaketime preloaded (LD_PRELOAD): its calls for the wall-clock time (clock_gettime, gettimeofday,
time) get the real time plus an offset that libfaketime reads from a file on every call
(FAKETIME_NO_CACHE), and rewriting that file between two turns moves the process's clock. That reaches
`Date.now()` in node (releases shipping cli.js) and in the native Bun binary (2.1.113 on): both link
libc dynamically and read the time through it. The monotonic clock is left alone: moving it too
deadlocks the Bun binary as it starts (2.1.332), so timers and `performance.now()` keep real time, and
what shows is what a release decides from `Date.now()` when the next turn comes (a timer due in the
gap does not fire). File times are left alone too (NO_FAKE_STAT): the files look as old as they are,
as they would to a user coming back.

Two limits keep a capture deterministic and working. The session stays inside the throwaway
certificate's lifetime (tls.py), or the program would refuse the fake API as expired. And the requests
carry today's date, which a release re-announces when it changes mid-session ("The date has
changed…"): a session that would cross midnight (UTC: the program runs with TZ=UTC) starts just after
it instead, so two captures of one release agree whatever the hour.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import importlib.util
import math
import os
from collections.abc import Mapping
from pathlib import Path

from ..errors import CaptureError
from .tls import LIFETIME

ENV = "AUDITOR_FAKETIME"
SONAME = "libfaketime.so.1"
# Where distributions put it (Debian and Ubuntu: the multiarch folder; Fedora: lib64; Arch: lib).
SYSTEM_GLOBS = ("/usr/lib/*/faketime/" + SONAME, "/usr/lib64/faketime/" + SONAME, "/usr/lib/faketime/" + SONAME,
                "/usr/local/lib/faketime/" + SONAME, "/usr/local/lib/*/faketime/" + SONAME)
# The `libfaketime` package on PyPI ships a built copy inside the Python package.
PYPI_PACKAGE, PYPI_PATH = "libfaketime", ("vendor", "libfaketime", "src", SONAME)
SHM = Path("/dev/shm")
RUN_SLACK = dt.timedelta(minutes=20)  # the turns themselves, however slow
MAX_MINUTES = int((LIFETIME - 2 * RUN_SLACK - dt.timedelta(minutes=1)) / 2 / dt.timedelta(minutes=1))
"""Idle minutes one session may add up to, within the lifetime of certificates made for it: a session moved
past midnight first starts up to that long (and the slack, and a minute) ahead (see start_offset)."""
HINT = f"apt-get install libfaketime (or pip install libfaketime), or set {ENV} to a {SONAME}"


class ClockError(CaptureError):
    """No libfaketime to move a session's clock with, or the program did not follow it."""


def library(environ: Mapping[str, str] = os.environ, system_globs: tuple[str, ...] = SYSTEM_GLOBS) -> Path:
    """The libfaketime to preload: `$AUDITOR_FAKETIME`, else the system's, else the PyPI package's."""
    named = environ.get(ENV)
    if named:
        if not os.path.isfile(named):
            raise ClockError(f"{ENV} names {named}, which is not a file")
        return Path(named)
    for pattern in system_globs:
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[0])
    spec = importlib.util.find_spec(PYPI_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder).joinpath(*PYPI_PATH)
        if candidate.is_file():
            return candidate
    raise ClockError(f"moving a session's clock needs libfaketime: {HINT}")


def start_offset(now: dt.datetime, minutes: int, slack: dt.timedelta = RUN_SLACK) -> dt.timedelta:
    """How far ahead of `now` (UTC) the session's clock starts: not at all, unless `minutes` of idle time and
    the run itself would cross midnight; then a minute past it. Whole seconds, rounded up: the clock file
    holds whole seconds, and what the program writes down is checked against `now` plus this."""
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    if now + dt.timedelta(minutes=minutes) + slack < midnight:
        return dt.timedelta(0)
    return dt.timedelta(seconds=math.ceil((midnight - now + dt.timedelta(minutes=1)).total_seconds()))


class Clock:
    """The offset file one sandboxed run reads its time from; `env()` is what the run needs to follow it."""

    def __init__(self, lib: Path, folder: Path, minutes: int, now: dt.datetime | None = None) -> None:
        """`minutes`: how far the session will be moved in all, to start it where it will not cross midnight."""
        self.lib = lib
        self.file = folder / "faketime"
        self.started = now or dt.datetime.now(dt.UTC)
        self.offset = start_offset(self.started, minutes)
        self._write()

    def env(self) -> dict[str, str]:
        return {
            "LD_PRELOAD": str(self.lib),
            "FAKETIME_TIMESTAMP_FILE": str(self.file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "NO_FAKE_STAT": "1",
            "TZ": "UTC",
        }

    def advance(self, minutes: int) -> None:
        """Move the running program's clock `minutes` forward, from its very next call for the time."""
        self.offset += dt.timedelta(minutes=minutes)
        self._write()

    def check(self, latest: dt.datetime | None, label: str) -> None:
        """Raise unless `latest` (the newest time the program wrote down) shows it followed the moves: a
        program that reads the time without libc (static, or by raw syscalls) would record no idle time."""
        if self.offset and (latest is None or latest < self.started + self.offset):
            seen = latest.isoformat(timespec="seconds") if latest else "none"
            raise ClockError(f"{label} did not follow its moved clock (libfaketime {self.lib}; "
                             f"expected a time after {(self.started + self.offset).isoformat(timespec='seconds')}, newest seen: {seen})")

    def release(self, pid: int) -> None:
        """Remove what libfaketime made in /dev/shm for the program's process (named by its pid, once it is gone):
        a program that ends without running exit handlers (the Bun binary) leaves it behind."""
        for name in (f"sem.faketime_sem_{pid}", f"faketime_shm_{pid}"):
            with contextlib.suppress(OSError):
                (SHM / name).unlink()

    def _write(self) -> None:
        """Whole or not at all: the program may read the file at any moment."""
        new = self.file.with_name(self.file.name + ".new")
        new.write_text(f"+{int(self.offset.total_seconds())}\n")
        os.replace(new, self.file)
