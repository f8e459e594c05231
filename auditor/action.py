"""`audit action`: the GitHub Action. For every release newer than the last one reported, collect and
capture it, diff it against its predecessor, judge it, and post one comment per release on a tracking
issue (a hidden marker per release, so a re-run edits its comment instead of adding one).

State (the tracking issue and the last release fully reported) lives in the store, which the workflow
caches; on a cold cache it is read back from the markers of the issue's comments. The state only moves
past a release whose comment was posted with every capture done. Anyone can write a marker on a public
issue, so only comments (and a tracking issue) written by the identity the token acts as count."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import audit, versions
from .capture import ERROR, Scenario
from .collector import Collector, Progress
from .errors import AuditorError, CaptureError, GitHubError
from .github import DEFAULT_API_URL, Comment, GitHub, same_login
from .pin import Recommendation
from .report import DiffReport
from .report import comment as comment_report
from .report import json as json_report
from .report import markdown as markdown_report
from .rules import SEVERITIES, severity_rank
from .targets import Target

PREVIOUS = "previous"
SUMMARY_LIMIT = 1024 * 1024  # GitHub's limit for one step summary
FAIL_ON = ("undocumented", "partial", "never")


@dataclass(frozen=True)
class Settings:
    """What one run is told: the Actions environment plus the flags that mirror the action's inputs."""

    repository: str
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    server_url: str = "https://github.com"
    run_id: str | None = None
    output: Path | None = None  # $GITHUB_OUTPUT
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY
    temp: Path = Path(tempfile.gettempdir())  # $RUNNER_TEMP: where the report files go
    baseline: str = PREVIOUS
    until: str | None = None
    issue: int | None = None
    severity: str = "medium"
    fail_on: str = "never"
    dry_run: bool = False
    author: str | None = None  # the login the token posts as, when GitHub cannot tell (a GitHub App's token)
    pin_from: str | None = None  # the baseline the issue's head recommends from (default: each release's predecessor)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **flags) -> Settings:
        """Settings from the standard Actions variables (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN,
        GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, …) and the command's flags."""
        if flags.get("severity", "medium") not in SEVERITIES:
            raise AuditorError(f"--severity must be one of {', '.join(SEVERITIES)}")
        return cls(
            repository=env.get("GITHUB_REPOSITORY", ""),
            token=env.get("GITHUB_TOKEN", ""),
            api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
            server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
            run_id=env.get("GITHUB_RUN_ID") or None,
            output=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
            step_summary=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
            temp=Path(env.get("RUNNER_TEMP") or tempfile.gettempdir()),
            **{k: v for k, v in flags.items() if v is not None},
        )

    @property
    def summary_url(self) -> str | None:
        """Where this run's step summary is read (the comment points there when it had to cut)."""
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}" if self.run_id and self.repository else None


@dataclass
class Outcome:
    """What a run did, for the step outputs and the exit status."""

    new_versions: list[str] = field(default_factory=list)
    posted: dict[str, str] = field(default_factory=dict)  # version → comment URL
    comments: dict[str, str] = field(default_factory=dict)  # version → body
    reports: list[DiffReport] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # the step summary, per release
    failures: dict[str, list[str]] = field(default_factory=dict)  # version → capture failures
    issue: int | None = None
    report_path: Path | None = None
    pin: Recommendation | None = None  # what the tracking issue's head says

    @property
    def pin_line(self) -> str:
        """The recommendation in one line (the `pin` output)."""
        return self.pin.lines()[0] if self.pin else ""

    def undocumented(self, severity: str = "low") -> int:
        return sum(1 for r in self.reports for f in r.findings
                   if f.verdict == "undocumented" and severity_rank(f.severity) >= severity_rank(severity))

    @property
    def recommendation(self) -> str:
        last = self.pin or (self.reports[-1].recommendation if self.reports else None)
        return last.version if last else ""

    def failing(self, fail_on: str, severity: str) -> bool:
        """Whether --fail-on trips: a finding with that verdict (partial: or worse) at --severity or above."""
        verdicts = {"undocumented": {"undocumented"}, "partial": {"undocumented", "partial"}}.get(fail_on, set())
        return any(f.verdict in verdicts and severity_rank(f.severity) >= severity_rank(severity) for r in self.reports for f in r.findings)


# -- decisions (pure) ------------------------------------------------------------------------------


def state_key(repository: str, target: str) -> str:
    return f"action:{repository}:{target}"


def predecessor(published: Sequence[str], version: str) -> str | None:
    """The stable release published before `version` in version order."""
    earlier = [v for v in versions.sort(published) if not versions.is_prerelease(v) and versions.parse(v) < versions.parse(version)]
    return earlier[-1] if earlier else None


def pending(published: Sequence[str], until: str, baseline: str, reported: str | None) -> list[str]:
    """The releases to report, oldest first: after an explicit baseline, else after the last one reported,
    else (a first run) only `until` itself."""
    start = baseline if baseline != PREVIOUS else reported or predecessor(published, until)
    if start is None:
        return [until]
    return [v for v in versions.between(published, start, until) if v != start]


def last_reported(comments: Mapping[str, Comment], until: str) -> str | None:
    """On a cold cache: the newest release (up to `until`) that has its comment, stopping before the first
    comment that says a capture failed (that release is to be tried again)."""
    reported = None
    for version in versions.sort(v for v in comments if versions.parse(v) <= versions.parse(until)):
        if comment_report.CAPTURE_FAILED in comments[version].body:
            break
        reported = version
    return reported


# -- the run ---------------------------------------------------------------------------------------


def run(
    settings: Settings,
    collector: Collector,
    judging: audit.Judging,
    scenarios: list[Scenario],
    github: GitHub | None,
    progress: Progress | None = None,
    echo: Callable[[str], None] = print,
) -> Outcome:
    """Report every pending release; `github` is None on a dry run (then nothing is called or saved)."""
    target, store = collector.target, collector.store
    key = state_key(settings.repository, target.name)
    state = store.state(key) or {}
    outcome = Outcome(issue=settings.issue or state.get("issue"))
    existing: dict[str, Comment] = {}
    me = ""
    ours = True  # the tracking issue is one the Action's identity opened: its head is the Action's to edit
    if github is not None:
        me = settings.author or github.login()
        ours = not outcome.issue or same_login(github.check_issue(outcome.issue), me)
        if not ours and not settings.issue:
            outcome.issue, ours = None, True  # remembered by an auditor that took anyone's issue: look again (an issue named is used as it is)
        if not outcome.issue:
            outcome.issue = github.find_issue(tracking_marker(target.name), me)
        if outcome.issue:
            existing = _marked(github.comments(outcome.issue), target.name, me)
    published = collector.published()
    until = settings.until or collector.latest(1)[0]
    collector.resolve(until)
    if settings.baseline != PREVIOUS:
        collector.resolve(settings.baseline)
    reported = state.get("reported") if state.get("issue") == outcome.issue else None
    todo = pending(list(published), until, settings.baseline, reported or last_reported(existing, until))
    outcome.new_versions = todo
    outcome.report_path = settings.temp / "auditor-report"
    outcome.report_path.mkdir(parents=True, exist_ok=True)
    clean = True  # the state moves only over releases reported whole
    share = (SUMMARY_LIMIT - 1024) // max(1, len(todo))  # of the step summary, per release
    for version in todo:
        report, failures = _audit(collector, version, scenarios, judging, progress)
        body = comment_report.render(report, target, published=published.get(version), failures=failures,
                                     severity=settings.severity, summary_url=settings.summary_url)
        outcome.reports.append(report)
        outcome.comments[version] = body
        outcome.summary.append(comment_report.render(report, target, published=published.get(version), failures=failures,
                                                     severity=settings.severity, summary_url=None, limit=share))
        if failures:
            outcome.failures[version] = failures
        with (outcome.report_path / f"{version}.json").open("w", encoding="utf-8") as out:
            json_report.write(report, out)
        (outcome.report_path / f"{version}.md").write_text(markdown_report.render(report), encoding="utf-8")
        if github is None:
            echo(body)
            continue
        if outcome.issue is None:
            outcome.issue = github.find_issue(tracking_marker(target.name), me) or github.create_issue(tracking_title(target.display_name), tracking_body(target))
        posted = _post(github, outcome.issue, target.name, version, body, existing, me)
        outcome.posted[version] = posted.url
        _posted_as(posted, me)
        clean = clean and not failures
        if clean and (reported is None or versions.parse(version) > versions.parse(reported)):
            reported = version
        store.save_state(key, {"issue": outcome.issue, "reported": reported})
    if outcome.reports:
        outcome.pin = _pin(settings, collector, judging, scenarios, outcome.reports[-1], progress)
        head = tracking_body(target, outcome.pin, outcome.reports[-1].to_version)
        if github is None:
            echo(head)
        elif outcome.issue is not None and ours:  # someone else's issue, named with --issue, keeps its own words
            github.update_issue(outcome.issue, head)
    _publish(settings, outcome)
    return outcome


def _post(github: GitHub, issue: int, target: str, version: str, body: str, existing: Mapping[str, Comment], me: str) -> Comment:
    """Edit the release's comment, or add it; asked again just before adding, so that a run that
    overlapped this one (another workflow, a manual run) and posted first is edited, not doubled."""
    if version not in existing:
        existing = _marked(github.comments(issue), target, me)
    return github.update_comment(existing[version].id, body) if version in existing else github.create_comment(issue, body)


def _pin(settings: Settings, collector: Collector, judging: audit.Judging, scenarios: list[Scenario], newest: DiffReport,
         progress: Progress | None) -> Recommendation | None:
    """The recommendation the tracking issue leads with: from `pin_from` over every release since (the
    store holds them: each run collects what it reports), else the newest release's own."""
    if not settings.pin_from or versions.parse(settings.pin_from) >= versions.parse(newest.to_version):
        return newest.recommendation
    return audit.run(collector, settings.pin_from, newest.to_version, scenarios, judging, progress).recommendation


def _audit(collector: Collector, version: str, scenarios: list[Scenario], judging: audit.Judging,
           progress: Progress | None) -> tuple[DiffReport, list[str]]:
    """One release against its predecessor; a capture that fails is said in the comment, and the static
    diff is still reported."""
    low = predecessor(list(collector.published()), version) or version
    try:
        report = audit.run(collector, low, version, scenarios, judging, progress)
    except CaptureError as exc:
        return audit.run(collector, low, version, [], judging, progress), [f"{version}: {exc}"]
    failures = []
    for scenario in scenarios:
        row = collector.captured(version, scenario.name)
        status = str(collector.store.facts(row.id, kinds=("capture",)).get("capture", {}).get("status", "")) if row else "not captured"
        if not row or status.startswith(ERROR):
            failures.append(f"{version} {scenario.name}: {status}")
    return report, failures


def _marked(comments: list[Comment], target: str, author: str) -> dict[str, Comment]:
    """The issue's release comments by version, only those `author` wrote (the first one per version):
    a marker in anyone else's comment neither stops a release from being reported nor gets edited."""
    out: dict[str, Comment] = {}
    for c in comments:
        version = comment_report.marked_version(c.body, target)
        if version and versions.is_version(version) and same_login(c.author, author):
            out.setdefault(version, c)
    return out


def _posted_as(comment: Comment, author: str) -> None:
    """A comment posted under another login than the one trusted would be taken for a stranger's by the
    next run (reported again, never edited): stop and say which login to name."""
    if comment.author and not same_login(comment.author, author):
        raise GitHubError(f"the token posts as {comment.author}, not {author}: set the action's `author` input "
                          f"(audit action --author {comment.author}) so that the next run knows its own comments")


def tracking_marker(target: str) -> str:
    return f"<!-- auditor:{target} tracking issue -->"


def tracking_title(display_name: str) -> str:
    return f"{display_name} releases: what changed, and what the changelog didn't say"


def tracking_body(target: Target, rec: Recommendation | None = None, newest: str | None = None) -> str:
    """The issue's body: its marker, then the current recommendation (edited in place on every run that
    reports a release), then what the issue is."""
    head = [tracking_marker(target.name)]
    if rec is not None:
        head += [comment_report.pin_head(rec, newest), ""]
    return "\n".join(head) + (f"\nThe auditor Action comments here on every new release of "
                              f"`{target.npm_package}`: one comment per release, edited when it runs again.\n")


def _publish(settings: Settings, outcome: Outcome) -> None:
    """Step outputs, and the full markdown report in the step summary (within its 1 MiB)."""
    if settings.output:
        with open(settings.output, "a", encoding="utf-8") as f:
            f.write(f"new_versions={json.dumps(outcome.new_versions)}\n")
            f.write(f"undocumented_count={outcome.undocumented(settings.severity)}\n")
            f.write(f"recommendation={outcome.recommendation}\n")
            f.write(f"pin={outcome.pin_line}\n")
            f.write(f"report_path={outcome.report_path}\n")
    if settings.step_summary:
        with open(settings.step_summary, "a", encoding="utf-8") as f:
            f.write("\n---\n\n".join(outcome.summary) if outcome.summary else "No new release to report.\n")
