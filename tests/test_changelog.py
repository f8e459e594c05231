"""The changelog: parsing, the three sources (against local fakes), history folding and the findings."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import git
import httpx
import pytest
from pytest_httpserver import HTTPServer

from auditor import changelog
from auditor.changelog import ChangelogHistory, Entry, Release, page, raw, repository, source
from auditor.changelog import history as history_module
from auditor.changelog.model import dump_releases, load_releases
from auditor.changelog.window import Corpus
from auditor.errors import ChangelogError
from auditor.store import Store
from auditor.targets import ChangelogSource, Target

# ---------------------------------------------------------------------------------------------- parse


@pytest.mark.parametrize(
    ("heading", "date"),
    [
        ("## 2.1.109", None),
        ("## v2.1.109", None),
        ("## [2.1.109] - 2026-04-15", "2026-04-15"),
        ("## [2.1.109](https://example.com/compare/v2.1.108...v2.1.109) - 2026-04-15", "2026-04-15"),
        ("### 2.1.109 (2026-04-15)", "2026-04-15"),
        ("## 2.1.109 — 2026-04-15", "2026-04-15"),
        ("# Version 2.1.109", None),
        ("2.1.109\n-------", None),
    ],
)
def test_version_heading_forms(heading: str, date: str | None) -> None:
    releases = changelog.parse(f"# Changelog\n\n{heading}\n\n- Fixed a thing\n")
    assert releases == [Release("2.1.109", date, (Entry("Fixed a thing"),))]


def test_keep_a_changelog_with_reference_links() -> None:
    text = """# Changelog

## [Unreleased]

- Not out yet

## [1.1.0] - 2026-02-01

### Added

- New `--flag`

### Fixed

- A crash

## [1.0.0] - 2026-01-01

- First

[1.1.0]: https://example.com/compare/v1.0.0...v1.1.0
[1.0.0]: https://example.com/releases/v1.0.0
"""
    assert changelog.parse(text) == [
        Release("1.1.0", "2026-02-01", (Entry("New --flag"), Entry("A crash"))),
        Release("1.0.0", "2026-01-01", (Entry("First"),)),
    ]


def test_non_version_headings_and_text_outside_versions_are_ignored() -> None:
    text = """# Changelog

Intro paragraph, not part of any release.

- nor is this bullet

## 2.0.0

- In 2.0.0

## Older notes

- Not a release

## 1.0.0

- In 1.0.0
"""
    assert changelog.parse(text) == [
        Release("2.0.0", None, (Entry("In 2.0.0"),)),
        Release("1.0.0", None, (Entry("In 1.0.0"),)),
    ]


def test_nested_bullets_stay_with_their_parent_and_markup_is_stripped() -> None:
    text = """## 1.2.0

- **Plugins**: new [`/plugin`](https://example.com) command &amp; <b>menu</b> \\*beta\\*
  - install from Git
    - with `--ref`
  - uninstall ![icon](i.png)
- Second
  entry on two lines

1. Numbered items count too

A prose paragraph counts as an entry.
"""
    (release,) = changelog.parse(text)
    assert release.entries == (
        Entry("Plugins: new /plugin command & menu *beta*", ("install from Git", "with --ref", "uninstall icon")),
        Entry("Second entry on two lines"),
        Entry("Numbered items count too"),
        Entry("A prose paragraph counts as an entry."),
    )
    assert release.entries[0].full_text == (
        "Plugins: new /plugin command & menu *beta*\n  - install from Git\n  - with --ref\n  - uninstall icon"
    )


def test_repeated_version_heading_merges_into_one_release() -> None:
    releases = changelog.parse("## 1.0.0\n\n- a\n\n## 1.0.0\n\n- b\n")
    assert releases == [Release("1.0.0", None, (Entry("a"), Entry("b")))]


def test_fenced_code_is_not_split_into_sections() -> None:
    text = "## 1.0.0\n\n- Use it like this:\n\n```\n# 9.9.9\n- not an entry\n```\n\n- Last\n"
    (release,) = changelog.parse(text)
    assert release.version == "1.0.0"
    assert [entry.text for entry in release.entries] == ["Use it like this:", "Last"]


@pytest.mark.parametrize(
    "text",
    ["", "# Changelog\n\nNothing released yet.\n", "<html><body>404: Not Found</body></html>", b"## 1.0.0\n", None],
)
def test_malformed_changelog_raises_one_line(text: object) -> None:
    with pytest.raises(ChangelogError) as caught:
        changelog.parse(text)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    assert str(caught.value)


# ---------------------------------------------------------------------------------------------- git

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ACTOR = git.Actor("Changelog Bot", "bot@example.com")


def _commit(repo: git.Repo, files: dict[str, str], when: datetime, message: str = "Update") -> str:
    for name, text in files.items():
        (Path(repo.working_tree_dir) / name).write_text(text)
    repo.index.add(list(files))
    stamp = f"{int(when.timestamp())} +0000"
    return repo.index.commit(message, author=ACTOR, committer=ACTOR, author_date=stamp, commit_date=stamp).hexsha


V1 = "# Changelog\n\n## 1.0.0\n\n- Initial release\n"
V2 = "# Changelog\n\n## 1.0.1\n\n- Fixed login\n\n## 1.0.0\n\n- Initial release\n"
V3 = "# Changelog\n\n## 1.0.1\n\n- Fixed login\n\n## 1.0.0\n\n- Initial release with plugin support\n"
V4 = (
    "# Changelog\n\n## 1.0.2\n\n- Faster startup\n\n## 1.0.1\n\n- Fixed login\n- Changed the default model\n\n"
    "## 1.0.0\n\n- Initial release with plugin support\n"
)


@pytest.fixture
def remote(tmp_path: Path) -> tuple[str, git.Repo, list[str]]:
    """A bare repository standing in for GitHub, fed from a work tree; returns (url, work tree, shas)."""
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    shas = [
        _commit(work, {"CHANGELOG.md": V1}, T0),
        _commit(work, {"CHANGELOG.md": V2}, T0 + timedelta(days=1)),
        _commit(work, {"README.md": "unrelated\n"}, T0 + timedelta(days=2)),
        _commit(work, {"CHANGELOG.md": V3}, T0 + timedelta(days=3)),
        _commit(work, {"CHANGELOG.md": V4}, T0 + timedelta(days=5)),
    ]
    del shas[2]  # not a changelog commit
    bare = git.Repo.init(tmp_path / "remote.git", bare=True, initial_branch="main")
    work.create_remote("origin", bare.git_dir).push("main:main")
    return str(bare.git_dir), work, shas


def _push(work: git.Repo, files: dict[str, str], when: datetime) -> str:
    sha = _commit(work, files, when)
    work.remote("origin").push("main:main")
    return sha


def test_git_walk_is_oldest_first_and_only_commits_touching_the_file(remote, tmp_path: Path) -> None:
    url, _, shas = remote
    repo = repository.sync(url, tmp_path / "cache")
    assert repo.parent == tmp_path / "cache" / "changelog"
    assert git.Repo(repo).bare
    walk = list(repository.file_versions(repo, "CHANGELOG.md"))
    assert [v.sha for v in walk] == shas
    assert [v.text for v in walk] == [V1, V2, V3, V4]
    assert walk[1].date == T0 + timedelta(days=1)


def test_history_records_first_appearance_edits_and_late_entries(remote, tmp_path: Path) -> None:
    url, _, shas = remote
    history = ChangelogHistory()
    assert changelog.update(history, repository.file_versions(repository.sync(url, tmp_path), "CHANGELOG.md")) == 4

    assert history.baseline == shas[0]
    first = {version: section.first_sha for version, section in history.sections.items()}
    assert first == {"1.0.0": shas[0], "1.0.1": shas[1], "1.0.2": shas[3]}
    (initial,) = history.entries["1.0.0"]
    assert initial.first_sha == shas[0]
    assert initial.removed_sha is None
    assert [(e.sha, e.old, e.new) for e in initial.edits] == [
        (shas[2], "Initial release", "Initial release with plugin support")
    ]
    assert initial.original == "Initial release"
    assert history.edited() == [("1.0.0", initial)]
    added_late = history.entries["1.0.1"][1]
    assert (added_late.text, added_late.first_sha) == ("Changed the default model", shas[3])

    published = {
        "created": "2025-12-31T00:00:00.000Z",
        "1.0.0": "2026-01-01T10:00:00.000Z",
        "1.0.1": "2026-01-02T11:00:00.000Z",
        "1.0.2": "2026-01-04T00:00:00.000Z",
        "1.0.3": "2026-01-05T00:00:00.000Z",
    }
    late = changelog.late_entries(history, published, hours=24)
    assert [(x.version, x.entry, x.sha, x.hours) for x in late] == [
        ("1.0.1", "Changed the default model", shas[3], 97.0),
        ("1.0.2", None, shas[3], 60.0),
    ]
    assert changelog.missing_versions([v for v in published if v != "created"], changelog.parse(V4)) == ["1.0.3"]


def test_json_round_trip(remote, tmp_path: Path) -> None:
    url, _, _ = remote
    history = ChangelogHistory()
    changelog.update(history, repository.file_versions(repository.sync(url, tmp_path), "CHANGELOG.md"))
    restored = ChangelogHistory.from_dict(json.loads(json.dumps(history.to_dict())))
    assert restored == history
    with pytest.raises(ChangelogError, match="format"):
        ChangelogHistory.from_dict({"format": 99})
    with pytest.raises(ChangelogError, match="corrupt"):
        ChangelogHistory.from_dict({"format": ChangelogHistory.FORMAT, "commits": []})


def test_second_run_does_no_work(remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, work, _ = remote
    repo = repository.sync(url, tmp_path)
    history = ChangelogHistory()
    changelog.update(history, repository.file_versions(repo, "CHANGELOG.md"))
    before = history.to_dict()

    calls = []
    real_parse = changelog.parse
    monkeypatch.setattr(history_module, "parse", lambda text: calls.append(text) or real_parse(text))
    assert changelog.update(history, repository.file_versions(repo, "CHANGELOG.md")) == 0
    assert list(repository.file_versions(repo, "CHANGELOG.md", after=history.last_commit)) == []
    assert calls == []
    assert history.to_dict() == before

    newest = _push(work, {"CHANGELOG.md": "## 1.0.3\n\n- New\n\n" + V4}, T0 + timedelta(days=6))
    repo = repository.sync(url, tmp_path)  # fetches into the existing clone
    assert changelog.update(history, repository.file_versions(repo, "CHANGELOG.md", after=history.last_commit)) == 1
    assert len(calls) == 1
    assert history.last_commit == newest
    assert history.sections["1.0.3"].first_sha == newest


def test_a_warm_read_needs_no_gitpython(remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, work, _ = remote
    history = ChangelogHistory()
    text, folded = repository.read(url, "CHANGELOG.md", tmp_path, history)
    assert folded == 4 and text == V4.removesuffix("\n")  # the file at HEAD, as gitpython gave it
    with monkeypatch.context() as hidden:
        hidden.setitem(sys.modules, "git", None)  # `import git` fails in here
        assert repository.read(url, "CHANGELOG.md", tmp_path, history, known=text) == (text, 0)
    _push(work, {"CHANGELOG.md": "## 1.0.3\n\n- New\n\n" + V4}, T0 + timedelta(days=6))
    with monkeypatch.context() as hidden, pytest.raises(ImportError):  # a new commit to fold: that walk is gitpython's
        hidden.setitem(sys.modules, "git", None)
        repository.read(url, "CHANGELOG.md", tmp_path, history, known=text)


def test_a_repository_url_is_never_an_option_to_git(tmp_path: Path) -> None:
    planted = tmp_path / "planted"
    with pytest.raises(ChangelogError) as caught:
        repository.sync(f"--upload-pack=touch {planted}", tmp_path / "cache")
    assert "\n" not in str(caught.value) and not planted.exists()
    with pytest.raises(ChangelogError):
        repository.sync(f"ext::sh -c touch% {planted}", tmp_path / "cache")
    assert not planted.exists()


def test_force_pushed_history_is_walked_again(remote, tmp_path: Path) -> None:
    url, _, shas = remote
    repo = repository.sync(url, tmp_path)
    walk = list(repository.file_versions(repo, "CHANGELOG.md", after="0" * 40))
    assert [v.sha for v in walk] == shas


def test_removed_moved_and_restored_entries(tmp_path: Path) -> None:
    def snapshot(n: int, text: str) -> changelog.FileVersion:
        return changelog.FileVersion(f"{n:040x}", T0 + timedelta(hours=n), text)

    history = ChangelogHistory()
    changelog.update(
        history,
        [
            snapshot(1, "## 1.0.1\n\n- Bug fixes\n\n## 1.0.0\n\n- Added dark mode\n- Faster search\n"),
            snapshot(2, "## 1.0.1\n\n- Bug fixes\n- Added dark mode\n\n## 1.0.0\n\n- Faster search\n"),
            snapshot(3, "not a changelog at all"),
            snapshot(4, "## 1.0.1\n\n- Added dark mode\n\n## 1.0.0\n\n- Faster search\n"),
            snapshot(5, "## 1.0.1\n\n- Bug fixes\n- Added dark mode\n\n## 1.0.0\n\n- Faster search\n"),
        ],
    )
    old_dark, search = history.entries["1.0.0"]
    assert (old_dark.removed_sha, old_dark.moved_to) == (f"{2:040x}", "1.0.1")
    assert search.removed_sha is None
    bugs, new_dark = history.entries["1.0.1"]
    assert new_dark.moved_from == "1.0.0"
    assert bugs.removed_sha is None and not bugs.edits  # removed in 4, restored in 5: the same entry
    assert len(history.commits) == 5  # the unparsable commit is seen, and changed nothing


def test_small_edits_are_edits_and_rewrites_are_new_entries() -> None:
    history = ChangelogHistory()
    changelog.update(
        history,
        [
            changelog.FileVersion("a" * 40, T0, "## 1.0.0\n\n- Fixed crash on startup\n- Added vim mode\n"),
            changelog.FileVersion(
                "b" * 40,
                T0 + timedelta(hours=1),
                "## 1.0.0\n\n- Fixed a crash on startup in tmux\n- Removed telemetry\n",
            ),
        ],
    )
    crash, vim, telemetry = history.entries["1.0.0"]
    assert [(e.old, e.new) for e in crash.edits] == [("Fixed crash on startup", "Fixed a crash on startup in tmux")]
    assert vim.removed_sha == "b" * 40
    assert (telemetry.text, telemetry.first_sha) == ("Removed telemetry", "b" * 40)


def test_sync_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ChangelogError) as caught:
        repository.sync(str(tmp_path / "no-such-repo.git"), tmp_path / "cache")
    assert "\n" not in str(caught.value)
    assert str(caught.value).endswith("no-such-repo.git' does not exist")
    assert not list((tmp_path / "cache" / "changelog").iterdir())  # no half clone left behind


def test_broken_cache_directory_is_cloned_again(remote, tmp_path: Path) -> None:
    url, _, shas = remote
    broken = tmp_path / "changelog" / repository.safe_name(url)
    broken.mkdir(parents=True)
    (broken / "junk").write_text("not a repository")
    repo = repository.sync(url, tmp_path)
    assert [v.sha for v in repository.file_versions(repo, "CHANGELOG.md")] == shas


def test_safe_name_is_a_plain_unique_directory_name() -> None:
    a = repository.safe_name("https://github.com/anthropics/claude-code.git")
    b = repository.safe_name("https://github.com/anthropics/claude_code.git")
    assert a.startswith("github.com_anthropics_claude-code.git-")
    assert a != b
    assert "/" not in repository.safe_name("../../etc")


# ---------------------------------------------------------------------------------------------- raw URL


def test_raw_url_returns_text(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/anthropics/claude-code/main/CHANGELOG.md").respond_with_data(
        V4, content_type="text/plain; charset=utf-8"
    )
    with httpx.Client() as client:
        text = raw.fetch_text(client, httpserver.url_for("/anthropics/claude-code/main/CHANGELOG.md"))
    assert [r.version for r in changelog.parse(text)] == ["1.0.2", "1.0.1", "1.0.0"]


def test_raw_url_404_is_one_line(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing.md").respond_with_data("404: Not Found", status=404)
    with httpx.Client() as client, pytest.raises(ChangelogError, match=r"HTTP 404$") as caught:
        raw.fetch_text(client, httpserver.url_for("/missing.md"))
    assert "\n" not in str(caught.value)


def test_unreachable_host_is_one_line(monkeypatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused\nmore detail", request=request)

    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)  # retried as every HTTP call is, without waiting here
    with httpx.Client(transport=httpx.MockTransport(refuse)) as client, pytest.raises(ChangelogError) as caught:
        raw.fetch_text(client, "https://raw.githubusercontent.com/x/y/main/CHANGELOG.md")
    assert str(caught.value) == (
        "cannot fetch changelog https://raw.githubusercontent.com/x/y/main/CHANGELOG.md: "
        "ConnectError: [Errno 111] Connection refused more detail, gave up after 5 tries"
    )
    assert slept == [0.5, 1.0, 2.0, 4.0]


# ---------------------------------------------------------------------------------------------- HTML


def _release_section(version: str, when: str, body: str) -> str:
    """One release as GitHub's releases page renders it (trimmed, structure kept)."""
    return f"""
<section aria-labelledby="hd-{version}">
  <h2 class="sr-only" id="hd-{version}">v{version}</h2>
  <div class="d-flex flex-column flex-md-row my-5 flex-justify-center">
    <div class="col-md-2 d-flex flex-md-column flex-row flex-wrap pr-md-6 mb-2 mb-md-0 flex-items-start pt-md-4">
      <div class="mb-2 f4 mr-1 mr-md-0 color-fg-muted">
        <local-time datetime="{when}" class="no-wrap">{when[:10]}</local-time>
      </div>
      <a href="/anthropics/claude-code/tree/v{version}" class="Link Link--muted"><span>v{version}</span></a>
    </div>
    <div class="col-md-9">
      <div class="Box">
        <div class="Box-body">
          <div class="d-flex flex-md-row flex-column">
            <div class="d-flex flex-row flex-1 mb-3 wb-break-word">
              <div class="flex-1" data-pjax="#repo-content-pjax-container">
                <span class="f1 text-bold d-inline mr-3">
                  <a href="/anthropics/claude-code/releases/tag/v{version}" class="Link--primary Link">v{version}</a>
                </span>
              </div>
            </div>
          </div>
          <div data-pjax="true" data-test-selector="body-content" data-view-component="true"
               class="markdown-body my-3">{body}</div>
        </div>
        <div data-view-component="true" class="Box-footer">
          <include-fragment loading="lazy" src="/anthropics/claude-code/releases/expanded_assets/v{version}">
          </include-fragment>
        </div>
      </div>
    </div>
  </div>
</section>"""


def _releases_page(sections: list[str], next_page: str | None = None) -> str:
    pager = f'<a rel="next" class="next_page" href="{next_page}">Next</a>' if next_page else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><title>Releases · anthropics/claude-code · GitHub</title></head>
<body>
  <header>
    <h1>Releases: anthropics/claude-code</h1>
    <a href="/anthropics/claude-code/releases/tag/v9.9.9">Latest: v9.9.9</a>
  </header>
  <div id="repo-content-pjax-container">
    <h1 class="sr-only">Releases</h1>
    <div data-hpc>{"".join(sections)}</div>
    <div class="paginate-container"><div role="navigation" class="pagination">
      <span class="previous_page disabled">Previous</span>{pager}</div></div>
  </div>
</body></html>"""


PAGE_1 = _releases_page(
    [
        _release_section(
            "2.1.110",
            "2026-04-16T18:02:11Z",
            """<h2>What's changed</h2>
<ul>
<li>Added <code>/tui</code> command &amp; a <a href="https://code.claude.com/docs">docs link</a></li>
<li>Plugins:
<ul>
<li>install from <strong>Git</strong>
<ul><li>with a ref</li></ul>
</li>
<li>uninstall</li>
</ul>
</li>
</ul>""",
        ),
        _release_section("2.1.109", "2026-04-15T17:00:00Z", "<ul>\n<li>Fixed login</li>\n</ul>"),
    ],
    next_page="/anthropics/claude-code/releases?page=2",
)
PAGE_2 = _releases_page(
    [
        _release_section("2.1.109", "2026-04-15T17:00:00Z", "<ul>\n<li>Fixed login</li>\n</ul>"),
        _release_section("2.1.108", "2026-04-14T09:00:00Z", "<p>Bug fixes and reliability improvements</p>"),
    ]
)


def test_releases_page_parses_like_the_changelog() -> None:
    assert page.parse_releases_page(PAGE_1) == [
        Release(
            "2.1.110",
            "2026-04-16",
            (
                Entry("Added /tui command & a docs link"),
                Entry("Plugins:", ("install from Git", "with a ref", "uninstall")),
            ),
        ),
        Release("2.1.109", "2026-04-15", (Entry("Fixed login"),)),
    ]


def test_releases_pages_are_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/anthropics/claude-code/releases", query_string="").respond_with_data(
        PAGE_1, content_type="text/html"
    )
    httpserver.expect_request("/anthropics/claude-code/releases", query_string="page=2").respond_with_data(
        PAGE_2, content_type="text/html"
    )
    url = httpserver.url_for("/anthropics/claude-code/releases")
    with httpx.Client() as client:
        assert [r.version for r in page.fetch_releases(client, url)] == ["2.1.110", "2.1.109"]
        both = page.fetch_releases(client, url, pages=5)
    assert [r.version for r in both] == ["2.1.110", "2.1.109", "2.1.108"]
    assert both[2].entries == (Entry("Bug fixes and reliability improvements"),)


def test_page_without_releases_is_an_error() -> None:
    with pytest.raises(ChangelogError, match="no releases"):
        page.parse_releases_page("<html><body><h1>Sign in to GitHub</h1></body></html>")


# ---------------------------------------------------------------------------------------------- lookups


RELEASES = changelog.parse(
    "## 2.1.10\n\n- ten\n\n## 2.1.9\n\n- nine\n\n## 2.1.7\n\n- seven\n- seven too\n\n## 2.1.6\n\n- six\n"
)


def _said(version: str) -> list[tuple[str, str]]:
    return [(t.version, t.entry.full_text) for t in Corpus(RELEASES, None).said(version, None)]


def test_without_publish_times_a_window_is_the_neighbouring_sections() -> None:
    assert sorted(_said("2.1.9")) == [("2.1.10", "ten"), ("2.1.7", "seven"), ("2.1.7", "seven too"), ("2.1.9", "nine")]
    assert _said("2.1.10") == [("2.1.10", "ten"), ("2.1.9", "nine")]


def test_an_undocumented_version_gets_its_neighbours() -> None:
    assert sorted(v for v, _ in _said("2.1.8")) == ["2.1.7", "2.1.7", "2.1.9"]
    assert [v for v, _ in _said("2.1.99")] == ["2.1.10"]


def test_missing_versions_in_version_order() -> None:
    published = ["2.1.10", "2.1.8", "2.1.6", "2.1.11", "2.1.9"]
    assert changelog.missing_versions(published, RELEASES) == ["2.1.8", "2.1.11"]


# ---------------------------------------------------------------------------------------------- source and what it keeps

TARGET = Target("t", "T", "t", "t", ("cli.js",), changelog=ChangelogSource(git_url=None))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("https://github.com/o/r/releases", "page"),
        ("https://raw.githubusercontent.com/o/r/main/CHANGELOG.md", "raw"),
        ("https://github.com/o/r.git", "git"),
        ("git@github.com:o/r.git", "git"),
        ("/nowhere/changelog.bundle", "git"),
    ],
)
def test_source_kind(name: str, expected: str) -> None:
    assert source.kind(name) == expected


def test_source_kind_of_local_paths(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text(V1)
    (tmp_path / "c.bundle").write_bytes(b"")
    assert [source.kind(str(tmp_path / n)) for n in ("CHANGELOG.md", "c.bundle", ".")] == ["file", "git", "git"]


@pytest.mark.parametrize(
    ("name", "remote"),
    [
        ("https://github.com/o/r.git", True),
        ("git@github.com:o/r.git", True),
        ("https://github.com/o/r/releases", True),
        ("file:///srv/r.git", False),
        ("/nowhere/changelog.bundle", False),
        ("CHANGELOG.md", False),
    ],
)
def test_only_remote_sources_are_trusted_for_a_while(name: str, remote: bool) -> None:
    just_now = datetime.now(UTC).isoformat(timespec="seconds")
    assert source._fresh(name, just_now) is remote


def test_releases_json_round_trip() -> None:
    releases = [*changelog.parse(V4), Release("0.9.0", "2026-01-01", (Entry("é \"quoted\"", ("child", "other")),))]
    assert load_releases(dump_releases(releases)) == releases


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the source module parses (rather than taking the store's parsed form)."""
    calls: list[str] = []
    real = source.parse
    monkeypatch.setattr(source, "parse", lambda text: calls.append(text) or real(text))
    return calls


def _load(store: Store, name: str, tmp_path: Path) -> changelog.Changelog:
    with httpx.Client() as client:
        return changelog.load(TARGET, store, client, tmp_path / "cache", name)


def test_same_text_is_parsed_once(tmp_path: Path, parses: list[str]) -> None:
    store, path = Store.memory(), tmp_path / "CHANGELOG.md"
    path.write_text(V2)
    first = _load(store, str(path), tmp_path)
    store.db.execute("UPDATE changelogs SET fetched_at = 'then'")
    again = _load(store, str(path), tmp_path)
    assert again.releases == first.releases == changelog.parse(V2)
    assert parses == [V2]
    assert store.changelog(str(path)).fetched_at != "then"  # it answered: the saved copy is current
    path.write_text(V4)
    assert _load(store, str(path), tmp_path).releases == changelog.parse(V4)
    assert parses == [V2, V4]


def test_a_local_changelog_not_modified_since_it_was_read_is_not_read_again(tmp_path: Path, parses: list[str]) -> None:
    """A bundle or CHANGELOG.md on disk is read again only when its file changed after the store read it
    (a warm diff then skips walking the bundle); a remote source is trusted for FRESH_FOR."""
    store, path = Store.memory(), tmp_path / "CHANGELOG.md"
    path.write_text(V2)
    _load(store, str(path), tmp_path)
    read = datetime.fromisoformat(store.changelog(str(path)).fetched_at).timestamp()
    path.write_text(V4)
    os.utime(path, (read - 60, read - 60))  # changed, but dated before the read: the saved copy answers
    assert _load(store, str(path), tmp_path).releases == changelog.parse(V2) and parses == [V2]
    os.utime(path, None)  # modified now: read again
    assert _load(store, str(path), tmp_path).releases == changelog.parse(V4) and parses == [V2, V4]
    assert not source._fresh(str(tmp_path), store.changelog(str(path)).fetched_at)  # a clone's folder: always read


def test_parsed_form_of_another_parser_or_unreadable_is_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    store, path = Store.memory(), tmp_path / "CHANGELOG.md"
    path.write_text(V2)
    _load(store, str(path), tmp_path)
    store.db.execute("UPDATE changelogs SET parser = 'old'")
    assert _load(store, str(path), tmp_path).releases == changelog.parse(V2)
    store.db.execute("UPDATE changelogs SET parsed = '{\"not\": \"releases\"}'")
    assert _load(store, str(path), tmp_path).releases == changelog.parse(V2)
    assert parses == [V2, V2, V2]
    assert _load(store, str(path), tmp_path).releases == changelog.parse(V2)
    assert len(parses) == 3  # what was parsed again was saved over the bad copy


def test_a_remote_source_is_asked_at_most_every_ten_minutes(httpserver: HTTPServer, tmp_path: Path, parses: list[str]) -> None:
    httpserver.expect_request("/CHANGELOG.md").respond_with_data(V2)
    url, store = httpserver.url_for("/CHANGELOG.md"), Store.memory()
    assert _load(store, url, tmp_path).releases == _load(store, url, tmp_path).releases == changelog.parse(V2)
    assert len(httpserver.log) == 1 and parses == [V2]
    then = datetime.now(UTC) - timedelta(seconds=source.FRESH_FOR + 1)
    store.db.execute("UPDATE changelogs SET fetched_at = ?", [then.isoformat(timespec="seconds")])
    assert _load(store, url, tmp_path).releases == changelog.parse(V2)
    assert len(httpserver.log) == 2 and parses == [V2]  # asked again; the same text is not parsed again


def test_offline_copy_uses_the_parsed_form(tmp_path: Path, parses: list[str]) -> None:
    store, path = Store.memory(), tmp_path / "CHANGELOG.md"
    path.write_text(V2)
    _load(store, str(path), tmp_path)
    path.unlink()
    loaded = _load(store, str(path), tmp_path)
    assert loaded.releases == changelog.parse(V2) and loaded.warning.startswith("changelog unreachable")
    assert parses == [V2]


def test_git_source_saves_only_what_changed(remote, tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    url, work, shas = remote
    store = Store.memory()
    first = _load(store, url, tmp_path)
    assert first.history.last_commit == shas[-1] and first.releases == changelog.parse(V4)
    saves: list[str] = []
    real_save = Store.save_changelog
    monkeypatch.setattr(Store, "save_changelog", lambda self, name, *rest: saves.append(name) or real_save(self, name, *rest))
    walks: list[str | None] = []
    real_walk = repository.file_versions
    monkeypatch.setattr(repository, "file_versions", lambda repo, path, after=None: walks.append(after) or real_walk(repo, path, after))
    again = _load(store, url, tmp_path)
    assert again.history.to_dict() == first.history.to_dict() and again.releases == first.releases
    assert saves == [] and len(parses) == 1
    assert walks == []  # nothing new: git was asked whether the file changed, and the history not walked
    _push(work, {"CHANGELOG.md": "## 1.0.3\n\n- New\n\n" + V4}, T0 + timedelta(days=6))
    newer = _load(store, url, tmp_path)
    assert newer.releases[0].version == "1.0.3" and newer.history.sections["1.0.3"]
    assert saves == [url] and len(parses) == 2 and walks == [shas[-1]]  # only the commits after the last fold
    assert ChangelogHistory.from_dict(store.changelog(url).history).to_dict() == newer.history.to_dict()


# ---------------------------------------------------------------------------------------------- real data

_BUNDLES = [parent / "shared" / "data" / "claude-code-changelog.bundle" for parent in Path(__file__).resolve().parents]
BUNDLE = next((bundle for bundle in _BUNDLES if bundle.exists()), _BUNDLES[0])  # beside a checkout or a worktree


@pytest.mark.skipif(not BUNDLE.exists(), reason="the real changelog bundle is not on this machine")
def test_real_changelog_history(tmp_path: Path) -> None:
    """The real CHANGELOG.md history (a local bundle, no network): every commit parses and folds."""
    repo = repository.sync(str(BUNDLE), tmp_path)
    history = ChangelogHistory()
    assert changelog.update(history, repository.file_versions(repo, "CHANGELOG.md")) == 414
    newest = changelog.parse(repository.run_git(repo, "show", "HEAD:CHANGELOG.md"))
    assert newest[0].version == "2.1.240"
    assert len(newest) >= 372
    assert history.edited()


def test_a_copy_knows_until_its_newest_commit_its_read_or_its_file(remote, httpserver: HTTPServer, tmp_path: Path) -> None:
    url, _, _ = remote  # a local repository: a mirror of unknown age knows what its newest commit says
    assert changelog.instant(_load(Store.memory(), url, tmp_path).known_until) == T0 + timedelta(days=5)
    httpserver.expect_request("/CHANGELOG.md").respond_with_data(V2)
    before = datetime.now(UTC)
    read = changelog.instant(_load(Store.memory(), httpserver.url_for("/CHANGELOG.md"), tmp_path).known_until)
    assert before <= read <= datetime.now(UTC)  # a remote source: what it said when read
    path = tmp_path / "CHANGELOG.md"
    path.write_text(V2)
    os.utime(path, (T0.timestamp(), T0.timestamp()))
    assert changelog.instant(_load(Store.memory(), str(path), tmp_path).known_until) == T0


def test_the_history_as_of_a_day_is_what_folding_the_commits_until_then_gives(remote) -> None:
    url, _, _ = remote
    history = ChangelogHistory()
    repo = Path(url)
    history_module.update(history, repository.file_versions(repo, "CHANGELOG.md"))
    for days in (0, 1, 3, 4, 5):
        when = T0 + timedelta(days=days, hours=1)
        folded = ChangelogHistory()
        history_module.update(folded, [v for v in repository.file_versions(repo, "CHANGELOG.md") if v.date <= when])
        then, releases = history.as_of(when)
        assert then.sections.keys() == folded.sections.keys()
        assert {v: [r.text for r in rs] for v, rs in then.entries.items()} == {v: [r.text for r in rs] for v, rs in folded.entries.items()}
        last = [v for v in repository.file_versions(repo, "CHANGELOG.md") if v.date <= when][-1]
        assert [(r.version, [e.full_text for e in r.entries]) for r in releases] == [
            (r.version, [e.full_text for e in r.entries]) for r in changelog.parse(last.text)
        ]


def test_the_shared_variable_naming_another_clis_changelog_is_set_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    theirs, ours = tmp_path / "THEIRS.md", tmp_path / "OURS.md"
    theirs.write_text("# Changelog\n\n## 2.1.5\n\n- Added a thing\n")
    ours.write_text(V2)
    mine = {r.version for r in changelog.parse(V2)}
    monkeypatch.setenv(source.ENV, str(theirs))
    with httpx.Client() as client:
        kept = changelog.load(TARGET, Store.memory(), client, tmp_path / "cache", None, lambda: ["2.1.5"])
        assert [r.version for r in kept.releases] == ["2.1.5"] and not kept.warning  # it names a release of this CLI
        aside = changelog.load(TARGET, Store.memory(), client, tmp_path / "cache", None, lambda: sorted(mine))
        assert aside.releases != changelog.parse(theirs.read_text())
        assert aside.warning.startswith(f"${source.ENV} ({theirs}) names no release of") and source.env_name(TARGET.name) in aside.warning
        monkeypatch.setenv(source.env_name(TARGET.name), str(ours))  # the target's own variable wins, whatever it names
        assert changelog.load(TARGET, Store.memory(), client, tmp_path / "cache", None, lambda: ["9.9.9"]).releases == changelog.parse(V2)
