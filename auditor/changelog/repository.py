"""The git source: CHANGELOG.md in a repository (URL, clone or bundle), whose history tells when each
line appeared and whether it was rewritten later.

gitpython is imported only here, when a repository is read: a warm run whose file did not change
asks git one question (the newest commit that touched the file) after its fetch.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ChangelogError
from .history import ChangelogHistory, FileVersion, update

if TYPE_CHECKING:
    import git

_NO_PROMPT = {"GIT_TERMINAL_PROMPT": "0"}  # a wrong GitHub URL asks for a password; fail instead of hanging


def read(url: str, path: str, cache_dir: Path, history: ChangelogHistory, known: str | None = None) -> tuple[str, int]:
    """The file's text at HEAD, after folding the commits `history` lacks into it (in place); and how
    many commits were folded. `known` is the text as `history`'s last commit left it: when no commit
    since touched the file, it is the answer."""
    import git

    repo = sync(url, cache_dir)
    try:
        if known is not None and history.last_commit is not None and repo.git.rev_list("-1", "HEAD", "--", path) == history.last_commit:
            return known, 0
        folded = update(history, file_versions(repo, path, after=history.last_commit))
        return repo.git.show(f"HEAD:{path}"), folded
    except git.GitCommandError as exc:
        raise ChangelogError(f"{url} has no {path}: {_last_line(exc.stderr)}") from exc


def safe_name(url: str) -> str:
    """A directory name for a repository URL: readable, and unique even when two URLs slug alike."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1]).strip("._-")[:60]
    return f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def sync(url: str, cache_dir: Path) -> git.Repo:
    """A bare clone of `url` under `cache_dir/changelog/`, cloned the first time and fetched after.

    The clone is made beside its final place and renamed in, so an interrupted clone never leaves a
    half repository that later runs would trust.
    """
    import git

    dest = Path(cache_dir) / "changelog" / safe_name(url)
    try:
        if dest.exists():
            try:
                repo = git.Repo(dest)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                shutil.rmtree(dest)
            else:
                with repo.git.custom_environment(**_NO_PROMPT):
                    repo.git.fetch("origin", "+refs/heads/*:refs/heads/*", "--prune")
                return repo
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f"{dest.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            git.Repo.clone_from(url, partial, bare=True, env=_NO_PROMPT)
        except git.GitCommandError:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        try:
            partial.rename(dest)
        except OSError:  # another process finished its clone first: use theirs
            shutil.rmtree(partial, ignore_errors=True)
        return git.Repo(dest)
    except git.GitCommandError as exc:
        raise ChangelogError(f"cannot get changelog repository {url}: {_last_line(exc.stderr)}") from exc


def file_versions(repo: git.Repo, path: str, after: str | None = None, rev: str = "HEAD") -> Iterator[FileVersion]:
    """Every commit that touched `path`, oldest first, with the file's text at that commit.

    With `after` (the last commit already folded) only newer commits are read, so a rerun costs nothing;
    if `after` is not in the history any more (a force-push), the whole history is walked again.
    """
    import git

    revs = rev
    if after is not None:
        try:
            repo.git.merge_base("--is-ancestor", after, rev)  # fails when it is not (or is unknown here)
            revs = f"{after}..{rev}"
        except git.GitCommandError:
            pass
    try:
        for commit in repo.iter_commits(revs, paths=path, reverse=True):
            try:
                blob = commit.tree / path
            except KeyError:  # the commit deleted the file
                continue
            text = blob.data_stream.read().decode("utf-8", "replace")
            yield FileVersion(commit.hexsha, commit.committed_datetime, text)
    except git.GitCommandError as exc:
        raise ChangelogError(f"cannot read history of {path}: {_last_line(exc.stderr)}") from exc


def _last_line(stderr: str | bytes | None) -> str:
    """Git's last words (gitpython wraps them as "stderr: '…'"): usually the one line that says why."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    lines = [re.sub(r"^\s*(?:stderr:\s*)?'?|'?\s*$", "", line) for line in (stderr or "").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else "git failed"
