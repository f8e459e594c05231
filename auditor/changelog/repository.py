"""The git source: CHANGELOG.md in a repository (URL, clone or bundle), whose history tells when each
line appeared and whether it was rewritten later.

Git itself is run (plumbing commands, one `cat-file --batch` for every version of the file): a warm
run asks it three short questions, and importing a git library would cost more than they do.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ..errors import ChangelogError
from .history import ChangelogHistory, FileVersion, update

_ENV = {"GIT_TERMINAL_PROMPT": "0"}  # a wrong GitHub URL asks for a password; fail instead of hanging


class GitError(ChangelogError):
    """A git command failed; the message is git's last line."""


def read(url: str, path: str, cache_dir: Path, history: ChangelogHistory, known: str | None = None) -> tuple[str, int]:
    """The file's text at HEAD, after folding the commits `history` lacks into it (in place); and how
    many commits were folded. `known` is the text as `history`'s last commit left it: when no commit
    since touched the file, it is the answer (one question to git instead of four)."""
    repo = sync(url, cache_dir)
    if known is not None and history.last_commit is not None and _last_change(repo, path) == history.last_commit:
        return known, 0
    folded = update(history, file_versions(repo, path, after=history.last_commit))
    try:
        return _git(repo, "cat-file", "blob", f"HEAD:{path}").decode("utf-8", "replace"), folded
    except GitError as exc:
        raise ChangelogError(f"{url} has no {path}: {exc}") from exc


def safe_name(url: str) -> str:
    """A directory name for a repository URL: readable, and unique even when two URLs slug alike."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1]).strip("._-")[:60]
    return f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def sync(url: str, cache_dir: Path) -> Path:
    """A bare clone of `url` under `cache_dir/changelog/`, cloned the first time and fetched after.

    The clone is made beside its final place and renamed in, so an interrupted clone never leaves a
    half repository that later runs would trust.
    """
    dest = Path(cache_dir) / "changelog" / safe_name(url)
    try:
        if dest.exists():
            if _is_repository(dest):
                _git(dest, "fetch", "origin", "+refs/heads/*:refs/heads/*", "--prune")
                return dest
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f"{dest.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            _git(None, "clone", "--bare", "--quiet", url, str(partial))
        except GitError:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        try:
            partial.rename(dest)
        except OSError:  # another process finished its clone first: use theirs
            shutil.rmtree(partial, ignore_errors=True)
        return dest
    except GitError as exc:
        raise ChangelogError(f"cannot get changelog repository {url}: {exc}") from exc


def file_versions(repo: Path, path: str, after: str | None = None, rev: str = "HEAD") -> Iterator[FileVersion]:
    """Every commit that touched `path`, oldest first, with the file's text at that commit.

    With `after` (the last commit already folded) only newer commits are read, so a rerun costs nothing;
    if `after` is not in the history any more (a force-push), the whole history is walked again.
    """
    revs = rev
    if after is not None and _is_ancestor(repo, after, rev):
        revs = f"{after}..{rev}"
    try:
        log = _git(repo, "rev-list", "--reverse", "--format=%H %cI", revs, "--", path).decode()
    except GitError as exc:
        raise ChangelogError(f"cannot read history of {path}: {exc}") from exc
    commits = [line.split(" ", 1) for line in log.splitlines() if not line.startswith("commit ")]
    if not commits:
        return
    with subprocess.Popen(
        ["git", f"--git-dir={repo}", "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, **_ENV}
    ) as batch:
        assert batch.stdin is not None and batch.stdout is not None
        for sha, date in commits:
            batch.stdin.write(f"{sha}:{path}\n".encode())
            batch.stdin.flush()
            header = batch.stdout.readline().split()
            if len(header) != 3:  # "<sha>:<path> missing": the commit deleted the file
                continue
            text = batch.stdout.read(int(header[2]) + 1)[:-1].decode("utf-8", "replace")
            yield FileVersion(sha, datetime.fromisoformat(date), text)
        batch.stdin.close()


def _last_change(repo: Path, path: str) -> str:
    """The newest commit at HEAD that touched `path` ("" if none did)."""
    try:
        return _git(repo, "rev-list", "-1", "HEAD", "--", path).decode().strip()
    except GitError as exc:
        raise ChangelogError(f"cannot read history of {path}: {exc}") from exc


def _is_repository(path: Path) -> bool:
    """Whether `path` looks like a bare repository (what git itself checks first), without running git."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def _is_ancestor(repo: Path, commit: str, rev: str) -> bool:
    """Whether `commit` is in `rev`'s history (False too when the repository lacks it)."""
    try:
        _git(repo, "merge-base", "--is-ancestor", commit, rev)
    except GitError:
        return False
    return True


def _git(repo: Path | None, *args: str) -> bytes:
    """Git's output for `git args` on the bare repository `repo` (never one found above it); GitError
    with git's last words when it fails."""
    where = [f"--git-dir={repo}"] if repo is not None else []
    try:
        done = subprocess.run(["git", *where, *args], capture_output=True, env={**os.environ, **_ENV})
    except OSError as exc:
        raise ChangelogError(f"git is needed to read a changelog repository: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        raise GitError(_last_line(done.stderr))
    return done.stdout


def _last_line(stderr: bytes) -> str:
    """Git's last words: usually the one line that says why."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "git failed"
