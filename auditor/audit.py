"""An audit of a version range: make sure every release in it is collected (and captured), diff them,
judge the changes against the changelog, and recommend a version to pin."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from . import dating, honoured, judgements, pin, rules, versions
from .capture import Scenario
from .capture.facts import SANDBOX, collapse, open_runs
from .changelog import Changelog, window
from .changelog import load as load_changelog
from .changelog.source import env_name
from .collector import CAPTURE, STATIC, Collector, Progress
from .diff import diff_refs
from .errors import UnknownVersion
from .judge.finding import Finding, sort_key
from .report import DiffReport
from .rules import Rule
from .targets import Target


def plan_scenarios(plan: str) -> tuple[str, str]:
    """The built-in scenarios of one subscription plan: its default model, and --model opus."""
    return f"plan-{plan}", f"plan-{plan}-opus"


def lead_with(report: DiffReport, plan: str) -> DiffReport:
    """Put what a subscriber of `plan` sees first: its scenarios, their changes and the findings they are in
    (each part keeps its order), with a note saying so."""
    mine = set(plan_scenarios(plan))

    def theirs(scenarios: Iterable[str | None]) -> bool:
        return not mine.intersection(scenarios)

    report.scenarios = sorted(report.scenarios, key=lambda s: theirs([s]))
    report.changes = sorted(report.changes, key=lambda c: theirs([c.scenario]))
    report.findings = sorted(report.findings, key=lambda f: theirs(c.scenario for c in f.changes))
    report.notes.insert(0, f"your plan: {plan}; what {' and '.join(sorted(mine))} captured comes first")
    return report


def remote_catalog(target: Target) -> list[str]:
    """The note a CLI that fetches its model catalogue from its vendor needs: the prompts it sends can change
    with no release at all, which no diff of releases shows."""
    if target.catalog is None or not target.catalog.refresh_path:
        return []
    return [f"{target.display_name} can fetch a newer model catalogue from its vendor (and cache it in its home folder), "
            "which can change the prompts it sends between releases and without one: what is listed here is each release's "
            "own embedded catalogue (captures answer the fetch with it)"]


def diff_versions(
    collector: Collector, low: str, high: str, scenarios: Sequence[Scenario] = (), progress: Progress | None = None
) -> DiffReport:
    """Collect what is missing from low..high (every published release between them), capture the
    scenarios, then diff the static facts and each scenario's captures along the range."""
    versions = collector.range(low, high)
    rows = collector.ensure(versions, progress, scenarios)
    store = collector.store
    values = store.values()  # one reader for the whole report: a text shared by many releases is read once
    changes = diff_refs(((row.version, store.fact_refs(row.id)) for row in rows), values)
    states = []
    for scenario in scenarios:
        captured = [(v, row) for v in versions if (row := collector.captured(v, scenario.name))]
        states += [(v, scenario.name, str(store.facts(row.id, ("capture",)).get("capture", {}).get(SANDBOX, ""))) for v, row in captured]
        changes += collapse(diff_refs(((v, store.fact_refs(row.id)) for v, row in captured), values, scenario=scenario.name))
    notes, of_the_machine = open_runs(states)
    notes += remote_catalog(collector.target)
    if skipped := collector.unbuilt(versions[0], versions[-1]):
        notes.append(f"{', '.join(skipped)} published without a {collector.platform} build: left out of the range")
    return DiffReport(
        target=collector.target.name,
        platform=collector.platform,
        from_version=versions[0],
        to_version=versions[-1],
        versions=versions,
        changes=[c for c in changes if not of_the_machine(c)],
        scenarios=[s.name for s in scenarios],
        notes=notes,
    )


def assess(
    report: DiffReport,
    collector: Collector,
    changelog: Changelog,
    rules: Sequence[Rule],
    policy: pin.Policy,
    now: datetime | None = None,
) -> DiffReport:
    """Add findings (each change judged against the changelog) and a pin recommendation to a report.
    Releases are dated as `dating` says (npm's time is wrong for republished releases): the windows a
    verdict reads, when they closed, and which releases the changelog copy cannot know all follow.
    Without a changelog the findings are still weighed (severity) but not judged, and there is no pin."""
    if changelog.warning:
        report.notes.append(changelog.warning)
    published = release_times(collector, changelog)
    if changelog.origin:
        report.changelog_origin = changelog.origin
        unjudged = window.beyond(published, changelog)
    else:  # still weighed (severity), but no verdict: nothing says what the notes told
        report.notes.append(f"changes are weighed but not judged (no verdicts, no pin); name a changelog with --changelog or ${env_name(collector.target.name)}")
        unjudged = frozenset(report.versions)
    settings, judged = honoured.split(report.changes)  # "setting no longer honoured" is judged by its own module
    report.findings = judgements.judge(
        collector.store, judged, changelog, rules, published, report.versions, heard(collector, report), unjudged, collector.target.vocabulary,
        offered(collector, report.versions),
    )
    report.findings = sorted(
        report.findings + honoured.findings(settings, changelog.releases, published, changelog.history, unjudged), key=sort_key
    )
    if not changelog.origin:
        return report
    newer = [v for v in report.versions[1:] if v in unjudged]
    if newer:
        report.notes.insert(0, f"{len(newer)} release{'s' if len(newer) > 1 else ''} not judged ({newer[0] if len(newer) == 1 else f'{newer[0]} … {newer[-1]}'}): the changelog copy "
                               f"({changelog.origin}) knows nothing after {changelog.known_until}, so it cannot say whether their notes tell of their changes")
    in_range = set(report.versions[1:])
    report.changelog = [(r.version, [e.full_text for e in r.entries]) for r in changelog.releases if r.version in in_range]
    return repin(report, collector, changelog, policy, now)


def repin(report: DiffReport, collector: Collector, changelog: Changelog, policy: pin.Policy, now: datetime | None = None) -> DiffReport:
    """The report's recommendation under `policy` (again, after a finding was accepted in the TUI), with
    releases dated as the judge dated them and those the changelog copy cannot know set aside."""
    published = release_times(collector, changelog)
    unjudged = window.beyond(published, changelog)
    facts = {row.version: collector.store.facts(row.id, kinds=pin.HOLD_KINDS) for row in collector.ensure(report.versions)}  # all stored
    report.recommendation = pin.recommend(
        report.findings, published, report.from_version, policy, now or datetime.now(UTC),
        audited=report.versions, facts=facts, target=collector.target, unjudged=unjudged, channel=collector.channel,
    )
    return report


def release_times(collector: Collector, changelog: Changelog) -> dict[str, str | None]:
    """Every published version's time as `dating` corrects npm's (what the judge and the pin go by)."""
    npm = collector.published()
    return dating.stamps(dating.date_releases(npm, dating.changelog_dates(changelog)), npm)


SENT = ("system_block", "message", "tool_schema", "history", "request_param")  # captured kinds that hold what the model was sent


def heard(collector: Collector, report: DiffReport) -> list[int] | None:
    """Text ids of everything the range's captured runs sent the model, and of the tool descriptions its
    releases' code passes (a gated tool's, one fetched on demand: read by the model whether or not a
    default run offered it). None: nothing was captured, so no prompt string can be told to be unheard."""
    refs: set[int] = set()
    for version in report.versions:
        for scenario in report.scenarios:
            row = collector.captured(version, scenario)
            if row is not None:
                refs.update(ref for column in collector.store.fact_refs(row.id, SENT).values() for ref in column.values())
    if refs:
        refs.update(ref for tools in _tools(collector, report.versions) for ref in tools.values())
    return sorted(refs) if refs else None


def offered(collector: Collector, versions: Sequence[str]) -> frozenset[str]:
    """The names of the tools these releases give the model (their static facts' tools, keys only)."""
    return frozenset(name for tools in _tools(collector, versions) for name in tools)


def _tools(collector: Collector, versions: Sequence[str]) -> list[dict[str, int]]:
    """Each stored release's built-in tools: name → the text id of its description and parameters."""
    rows = [row for v in versions if (row := collector.stored(v))]
    return [collector.store.fact_refs(row.id, ("tool",)).get("tool", {}) for row in rows]


Judging = tuple[Changelog, Sequence[Rule], pin.Policy]


def load_judging(
    collector: Collector, cache_dir: Path, changelog: str | None = None, rules_dir: Path | None = None, policy_file: Path | None = None,
    min_confidence: float | None = None,
) -> Judging:
    """Changelog, rules and pin policy, read before any release is collected: bad input fails fast.
    `min_confidence` (from the command line) overrides the policy file's."""
    loaded_rules = rules.load(rules_dir, collector.target.name)
    policy = pin.Policy.load(policy_file) if policy_file else pin.Policy()
    if min_confidence is not None:
        policy = replace(policy, min_confidence=min_confidence)
    return load_changelog(collector.target, collector.store, collector.registry.client, cache_dir, changelog, collector.published), loaded_rules, policy


def run(
    collector: Collector, low: str, high: str, scenarios: list[Scenario], judging: Judging,
    progress: Progress | None = None, now: datetime | None = None, plan: str | None = None,
) -> DiffReport:
    """The whole audit of low..high: collect and capture what is missing, diff, judge, recommend; led by
    what the user's `plan` sees when they name one."""
    report = assess(diff_versions(collector, low, high, scenarios, progress), collector, *judging, now=now)
    return lead_with(report, plan) if plan else report


@dataclass
class Around:
    """The releases users had in the days before a date (dated as dating.py says), the audit of them
    (from the predecessor of the first, so its own changes count), and the user's series, if any."""

    moment: datetime
    days: float
    releases: list[dating.Dated]
    report: DiffReport
    metric: dict[str, float] | None = None

    def introduced(self, version: str) -> list[Finding]:
        """Findings that came in with this release, the most severe first."""
        return sorted((f for f in self.report.findings if f.introduced_in == version), key=sort_key)

    def lines(self, limit: int = 5) -> list[str]:
        """Plain text: the days with the series and the releases dated on them, then each release's findings."""
        start = self.moment - timedelta(days=self.days)
        out = [f"Releases current from {start.date()} to {self.moment.date()}: {len(self.releases)}"]
        by_day: dict[str, list[str]] = {}
        for d in self.releases:
            by_day.setdefault(d.day, []).append(d.version)
        if self.metric is not None:
            out += ["", "day         metric  released"]
            for day in dating.window_days(self.moment, self.days):
                value = dating.metric_on(self.metric, day)
                out.append(f"{day}  {'' if value is None else f'{value:g}':>6}  {', '.join(by_day.get(day, []))}")
        for d in self.releases:
            opened = "  (current when the window opened)" if d.when is not None and d.when <= start else ""
            out += ["", f"{d.version}  {d.day} ({d.source}){opened}" + (f"  [dates disagree: {d.note}]" if d.note else "")]
            found = self.introduced(d.version)
            undocumented = [f for f in found if f.verdict == "undocumented"]
            out += [f"  {f.verdict} {f.severity}  [{f.category}] {f.title}" for f in found[:limit]]
            if len(found) > limit:
                out.append(f"  … and {len(found) - limit} more ({len(undocumented)} undocumented in all)")
            if not found:
                out.append("  no findings" if self.report.findings or self.report.changelog_origin else "  (no verdicts: no changelog)")
        return out


def around(
    collector: Collector, judging: Judging, moment: datetime, days: float, scenarios: Sequence[Scenario] = (),
    progress: Progress | None = None, metric: dict[str, float] | None = None, now: datetime | None = None, plan: str | None = None,
) -> Around:
    """What was current in the `days` before `moment`, and what each of those releases changed (led by `plan`)."""
    published = collector.published()
    dates = dating.date_releases(published, dating.changelog_dates(judging[0]))
    window = dating.current_on(dates, moment, days)
    if not window:
        raise UnknownVersion(f"no release of {collector.target.npm_package} is dated on or before {moment.date()}")
    first = window[0].version
    earlier = [v for v in dates if versions.parse(v) < versions.parse(first)]
    low = earlier[-1] if earlier else first
    report = run(collector, low, window[-1].version, list(scenarios), judging, progress, now, plan)
    return Around(moment, days, window, report, metric)


__all__ = ["CAPTURE", "STATIC", "Around", "Judging", "around", "assess", "diff_versions", "lead_with",
           "load_judging", "plan_scenarios", "release_times", "repin", "run"]
