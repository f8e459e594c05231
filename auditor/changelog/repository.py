"""The git source: CHANGELOG.md in a repository (URL, clone or bundle), whose history tells when each
line appeared and whether it was rewritten later.

The clone, fetch and the questions a warm run asks (the newest commit that touched the file, the file at
HEAD) are plain `git` commands; gitpython is imported only to walk commits the history lacks, so a warm
run whose file did not change does not pay for importing it.
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

_NO_PROMPT = {"GIT_TERMINAL_PROMPT": "0"}  # a wrong GitHub URL asks for a password; fail instead of hanging


class GitFailed(Exception):
    """A git command failed; the message is git's last words."""


def run_git(repo: Path | None, *args: str) -> str:
    """Run git (in the bare repository `repo`, when given) without prompting; its output, less the final
    newline (as gitpython gives it)."""
    where = [f"--git-dir={repo}"] if repo is not None else []  # never a repository found above `repo`
    try:
        done = subprocess.run(["git", "-c", "protocol.ext.allow=never", *where, *args], capture_output=True,
                              env={**os.environ, **_NO_PROMPT}, check=False)
    except OSError as exc:
        raise GitFailed(f"cannot run git: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        raise GitFailed(_last_line(done.stderr))
    return done.stdout.decode("utf-8", "replace").removesuffix("\n")


def read(url: str, path: str, cache_dir: Path, history: ChangelogHistory, known: str | None = None,
         pages: tuple[str, ...] = ()) -> tuple[str, int]:
    """The file's text at HEAD, after folding the commits `history` lacks into it (in place); and how
    many commits were folded. `known` is the text as `history`'s last commit left it: when no commit
    since touched the file, it is the answer. With `pages` (release-notes pages rewritten at each
    release, notes.py) the text is the changelog their whole history makes, and `path` is not read."""
    repo = sync(url, cache_dir)
    watched = pages or (path,)
    try:
        if known is not None and history.last_commit is not None and run_git(repo, "rev-list", "-1", "HEAD", "--", *watched) == history.last_commit:
            return known, 0
        if pages:
            from . import notes

            made = list(notes.accumulate(page_versions(repo, pages)))
            if not made:
                raise ChangelogError(f"{url}: no commit of {', '.join(pages)} names a release in its title")
            return made[-1].text, update(history, made)
        folded = update(history, file_versions(repo, path, after=history.last_commit))
        return run_git(repo, "show", f"HEAD:{path}"), folded
    except GitFailed as exc:
        raise ChangelogError(f"{url} has no {' or '.join(watched)}: {exc}") from exc


def safe_name(url: str) -> str:
    """A directory name for a repository URL: readable, and unique even when two URLs slug alike."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[-1]).strip("._-")[:60]
    return f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def sync(url: str, cache_dir: Path) -> Path:
    """A bare clone of `url` under `cache_dir/changelog/` (its path), cloned the first time and fetched after.

    The clone is made beside its final place and renamed in, so an interrupted clone never leaves a
    half repository that later runs would trust.
    """
    dest = Path(cache_dir) / "changelog" / safe_name(url)
    try:
        if dest.exists():
            try:
                run_git(dest, "rev-parse", "--git-dir")
            except GitFailed:  # not a repository (any more): cloned again
                shutil.rmtree(dest)
            else:
                run_git(dest, "fetch", "origin", "+refs/heads/*:refs/heads/*", "--prune")
                return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f"{dest.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            run_git(None, "clone", "--bare", "--", url, str(partial))
        except GitFailed:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        try:
            partial.rename(dest)
        except OSError:  # another process finished its clone first: use theirs
            shutil.rmtree(partial, ignore_errors=True)
        return dest
    except GitFailed as exc:
        raise ChangelogError(f"cannot get changelog repository {url}: {exc}") from exc


def file_versions(repo: Path, path: str, after: str | None = None, rev: str = "HEAD") -> Iterator[FileVersion]:
    """Every commit that touched `path` in the bare repository `repo` (from `sync`), oldest first, with
    the file's text at that commit.

    With `after` (the last commit already folded) only newer commits are read, so a rerun costs nothing;
    if `after` is not in the history any more (a force-push), the whole history is walked again.
    """
    import git

    walk = git.Repo(repo)
    revs = rev
    if after is not None:
        try:
            walk.git.merge_base("--is-ancestor", after, rev)  # fails when it is not (or is unknown here)
            revs = f"{after}..{rev}"
        except git.GitCommandError:
            pass
    try:
        for commit in walk.iter_commits(revs, paths=path, reverse=True):
            try:
                blob = commit.tree / path
            except KeyError:  # the commit deleted the file
                continue
            text = blob.data_stream.read().decode("utf-8", "replace")
            yield FileVersion(commit.hexsha, commit.committed_datetime, text)
    except git.GitCommandError as exc:
        raise ChangelogError(f"cannot read history of {path}: {_last_line(exc.stderr)}") from exc


def page_versions(repo: Path, pages: tuple[str, ...], rev: str = "HEAD") -> Iterator[tuple[str, datetime, list[str]]]:
    """Every commit that touched any of `pages`, oldest first: (sha, date, the texts of those of them it has).
    The whole history is walked each time: a page names only its own release, so the releases before
    a commit are known only from the commits before it (a hundred commits of small files: cheap)."""
    import git

    try:
        for commit in git.Repo(repo).iter_commits(rev, paths=list(pages), reverse=True):
            texts = []
            for page in pages:
                try:
                    texts.append((commit.tree / page).data_stream.read().decode("utf-8", "replace"))
                except KeyError:  # not there (yet, or any more)
                    continue
            yield commit.hexsha, commit.committed_datetime, texts
    except git.GitCommandError as exc:
        raise ChangelogError(f"cannot read history of {', '.join(pages)}: {_last_line(exc.stderr)}") from exc


def _last_line(stderr: str | bytes | None) -> str:
    """Git's last words (gitpython wraps them as "stderr: '…'"): usually the one line that says why."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    lines = [re.sub(r"^\s*(?:stderr:\s*)?'?|'?\s*$", "", line) for line in (stderr or "").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else "git failed"
