"""Scratch space: every temporary file of a run lives in one folder per process inside the cache's root
(`tmp/<pid>-<random>/`): partial downloads, unpacked releases, capture sandboxes, the throwaway CA. A run
killed with SIGKILL therefore leaves nothing elsewhere, and the next run removes what it left.

A process holds an exclusive flock on its folder while it lives; the kernel drops the lock when the
process ends, however it ends, so a folder whose lock can be taken belongs to no live process and is
removed, after killing what still works inside it (programs the dead run started in their own session). Making a folder and locking it, and the sweep, each hold a lock on the base folder, so a sweep
never takes a folder between its creation and its lock. Being on the cache's filesystem, a finished
download is renamed from here into the cache.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

BASE = "tmp"
_LOCK = ".lock"
_mine: dict[Path, tuple[int, Path, int]] = {}  # base → (pid, folder, fd holding its lock)
_guard = threading.Lock()


@dataclass(frozen=True)
class Leftover:
    """A scratch folder: of a live process (in use) or of one that ended without cleaning up."""

    path: Path
    size: int


def folder(root: Path) -> Path:
    """This process's scratch folder under `root` (the cache's root), made and locked on first use."""
    base = Path(root) / BASE
    with _guard:
        held = _mine.get(base)
        if held is not None and held[0] == os.getpid() and held[1].is_dir():
            return held[1]
        base.mkdir(parents=True, exist_ok=True)
        with _locked(base):
            path = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if not _mine:
            atexit.register(release)
        _mine[base] = (os.getpid(), path, fd)
        return path


@contextmanager
def using(root: Path) -> Iterator[list[Leftover]]:
    """For a command's run: remove what ended processes left under `root` (yielded), then make this
    process's folder the default temporary folder, of tempfile and of child processes; on leaving,
    remove the folder and restore both."""
    removed = sweep(root)
    path = folder(root)
    before = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = os.environ["TMPDIR"] = str(path)
    try:
        yield removed
    finally:
        tempfile.tempdir = before[0]
        if before[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = before[1]
        release()


def sweep(root: Path) -> list[Leftover]:
    """Remove the scratch folders under `root` that no live process holds."""
    return [left for left, live in _folders(root, remove=True) if not live]


def in_use(root: Path) -> list[Leftover]:
    """The scratch folders of live processes (this one included)."""
    return [left for left, live in _folders(root, remove=False) if live]


def release() -> None:
    """Remove this process's folders (at exit; a killed process leaves them to the next sweep)."""
    with _guard:
        for base, (pid, path, fd) in list(_mine.items()):
            if pid == os.getpid():
                shutil.rmtree(path, ignore_errors=True)
                os.close(fd)
                del _mine[base]


def _folders(root: Path, remove: bool) -> Iterator[tuple[Leftover, bool]]:
    base = Path(root) / BASE
    if not base.is_dir():
        return
    with _locked(base):
        for path in sorted(base.iterdir()):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            except OSError:  # the lock file, or not a folder
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # also fails on this process's own folder
                live = False
            except BlockingIOError:
                live = True
            try:
                left = Leftover(path, _size(path))
                if remove and not live:
                    _kill_inside(path)
                    shutil.rmtree(path, ignore_errors=True)
                yield left, live
            finally:
                os.close(fd)


@contextmanager
def _locked(base: Path) -> Iterator[None]:
    fd = os.open(base / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _kill_inside(path: Path) -> None:
    """SIGKILL the processes a killed run left working in its folder (Linux): a captured program or an
    extraction child runs in its own session, so it outlives its parent, and would keep the deleted
    files' space (the release's binary is mapped) until it gave up on the fake API."""
    inside = os.path.realpath(path) + os.sep
    for pid in filter(str.isdigit, _listdir("/proc")):
        proc = f"/proc/{pid}"
        links = [f"{proc}/cwd", f"{proc}/exe", *(f"{proc}/fd/{fd}" for fd in _listdir(f"{proc}/fd"))]
        if any(_readlink(link).startswith(inside) for link in links):
            with suppress(OSError):
                os.kill(int(pid), signal.SIGKILL)


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _size(path: Path) -> int:
    total = 0
    for folder_, _, files in os.walk(path):
        for name in files:
            with suppress(OSError):
                total += os.lstat(os.path.join(folder_, name)).st_size
    return total
