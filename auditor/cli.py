"""The `audit` command: a thin table of contents over the library."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from . import __version__, audit, changelog_source, pin, rules, targets, versions
from .capture import load_scenarios
from .capture.facts import summary as capture_summary
from .collector import STATIC, Collector, Step, default_jobs
from .errors import AuditorError
from .npm import DEFAULT_CACHE_MAX, Cache, Registry, default_cache_dir, default_registry_url, format_size, parse_size
from .report import json as json_report
from .report import markdown as markdown_report
from .report import text as text_report
from .store import Store


class AuditGroup(click.Group):
    """Turns library errors into one clear line and a non-zero exit; Ctrl-C into exit 130."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AuditorError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-written was kept.", err=True)
            sys.exit(130)


@click.group(cls=AuditGroup)
@click.version_option(__version__, prog_name="audit")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), envvar="AUDITOR_DB", help="Snapshot store (SQLite).")
@click.option("--target", default=targets.DEFAULT, show_default=True, help="Which CLI to audit.")
@click.option("--platform", default="linux-x64", show_default=True, help="Native package to read (2.1.113 on).")
@click.option("--registry", default=None, help="npm registry URL [env AUDITOR_REGISTRY].")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Download cache [env AUDITOR_CACHE].")
@click.pass_context
def cli(ctx: click.Context, db, target, platform, registry, cache_dir):
    """What changed in an AI coding CLI between releases, what the changelog didn't say, what to pin."""
    ctx.obj = dict(db=db, target=target, platform=platform, registry=registry, cache_dir=cache_dir)


@contextmanager
def _collector(ctx: click.Context):
    o = ctx.obj
    store = Store.open(o["db"])
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0), headers={"User-Agent": f"auditor/{__version__}"}) as client:
        registry = Registry(client, _cache(ctx), url=o["registry"] or default_registry_url())
        yield Collector(store, registry, targets.get(o["target"]), o["platform"], o.get("jobs") or default_jobs())


def _cache(ctx: click.Context) -> Cache:
    return Cache(ctx.obj["cache_dir"] or default_cache_dir(), ctx.obj.get("cache_max"))


class _Size(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):
        try:
            return value if isinstance(value, int) else parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _remember(ctx: click.Context, param: click.Parameter, value):
    """Options shared by the commands that collect are kept with the group's settings."""
    if value is not None:
        ctx.obj[param.name] = value


_cache_max_option = click.option(
    "--cache-max", type=_Size(), envvar="AUDITOR_CACHE_MAX", expose_value=False, callback=_remember,
    help=f"Keep at most this much in the download cache, e.g. 10G (default {format_size(DEFAULT_CACHE_MAX)}) [env AUDITOR_CACHE_MAX].",
)


def _work_options(command):
    """--jobs N, --cache-max SIZE."""
    command = _cache_max_option(command)
    return click.option(
        "--jobs", "-j", type=click.IntRange(min=1), expose_value=False, callback=_remember,
        help="Releases worked on at once (default: the number of CPUs).",
    )(command)


def _judging_options(command):
    """--changelog SOURCE, --rules DIR, --policy FILE."""
    command = click.option("--policy", "policy_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="Pin policy (TOML): severity, min_age_days, ignore_categories.")(command)
    command = click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), envvar="AUDITOR_RULES", help="Rule files (default: the shipped rules/).")(command)
    return click.option("--changelog", "changelog_source_", help="Changelog: git URL, clone or bundle; raw URL; or a CHANGELOG.md [env AUDITOR_CHANGELOG; default: the vendor's repository].")(command)


def _judging(ctx, collector, changelog_source_, rules_dir, policy_file):
    """Rules, policy and changelog, read before any release is collected: bad input fails fast."""
    loaded_rules = rules.load(rules_dir)
    policy = pin.Policy.load(policy_file) if policy_file else pin.Policy()
    changelog = changelog_source.load(
        collector.target, collector.store, collector.registry.client, ctx.obj["cache_dir"] or default_cache_dir(), changelog_source_
    )
    return changelog, loaded_rules, policy


@contextmanager
def _progress():
    """One line on stderr while releases are collected: how many are done, what runs now, the time
    left. Where stderr is not a terminal, a plain line per finished release instead."""
    console = Console(stderr=True)
    bar = Progress(
        MofNCompleteColumn(), TextColumn("releases"), BarColumn(), TextColumn("{task.fields[left]}"),
        TextColumn("{task.description}"), console=console, transient=True, disable=not console.is_terminal,
    )
    task = bar.add_task("", total=None, left="", visible=False)
    running: dict[str, str] = {}

    def update(step: Step) -> None:
        if step.stage == "done":
            running.pop(step.version, None)
        else:
            running[step.version] = step.stage
        left = f"{_duration(step.eta)} left" if step.eta is not None else ""
        now = " · ".join(f"{v} {stage}" for v, stage in running.items())
        bar.update(task, completed=step.done, total=step.total, left=left, description=now, visible=True)
        if step.stage == "done" and not console.is_terminal:
            console.print(f"collected {step.version} ({step.done}/{step.total} releases{', ' + left if left else ''})")

    with bar:
        yield update


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _scenario_options(command):
    """--scenario NAME (repeatable), --scenarios-dir DIR, --no-capture."""
    command = click.option("--no-capture", is_flag=True, help="Static extraction only; don't run the CLI.")(command)
    command = click.option("--scenarios-dir", type=click.Path(file_okay=False, path_type=Path), help="Your own scenario files (override built-ins by name).")(command)
    return click.option("--scenario", "scenario_names", multiple=True, help=f"Capture scenario (default: {', '.join(audit.DEFAULT_SCENARIOS)}).")(command)


def _scenarios(names, directory, no_capture, default=audit.DEFAULT_SCENARIOS):
    if no_capture:
        return []
    return load_scenarios(directory, list(names) or list(default))


@cli.command()
@click.argument("version_a")
@click.argument("version_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["undocumented", "partial"]), help="Exit 1 when a finding has this verdict (partial: or worse).")
@_scenario_options
@_judging_options
@_work_options
@click.pass_context
def diff(ctx, version_a, version_b, fmt, fail_on, scenario_names, scenarios_dir, no_capture, changelog_source_, rules_dir, policy_file):
    """Diff two releases and every release published between them; judge each change against the
    changelog; recommend a version to pin."""
    scenarios = _scenarios(scenario_names, scenarios_dir, no_capture)
    with _collector(ctx) as collector, _progress() as progress:
        judging = _judging(ctx, collector, changelog_source_, rules_dir, policy_file)
        report = audit.diff_versions(collector, version_a, version_b, scenarios, progress)
        audit.assess(report, collector, *judging)
    _render(report, fmt)
    failing = {"undocumented": {"undocumented"}, "partial": {"undocumented", "partial"}}.get(fail_on, set())
    if any(f.verdict in failing for f in report.findings):
        sys.exit(1)


@cli.command(name="pin")
@click.option("--from", "baseline", required=True, help="The version you trust now.")
@click.option("--to", "newest", help="Newest release to consider (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_scenario_options
@_judging_options
@_work_options
@click.pass_context
def pin_(ctx, baseline, newest, fmt, scenario_names, scenarios_dir, no_capture, changelog_source_, rules_dir, policy_file):
    """The newest release you can trust from your baseline, why not newer, and how to hold it."""
    scenarios = _scenarios(scenario_names, scenarios_dir, no_capture)
    with _collector(ctx) as collector, _progress() as progress:
        judging = _judging(ctx, collector, changelog_source_, rules_dir, policy_file)
        report = audit.diff_versions(collector, baseline, newest or collector.latest(1)[0], scenarios, progress)
        audit.assess(report, collector, *judging)
    if report.recommendation is None:
        raise click.ClickException(f"{report.notes[0]}, so nothing can be judged; name one with --changelog")
    if fmt == "json":
        click.echo(json.dumps(report.recommendation.to_json(), indent=2))
    else:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        click.echo("\n".join(report.recommendation.lines()))


def _render(report, fmt: str) -> None:
    if fmt == "json":
        click.echo(json_report.render(report))
    elif fmt == "markdown":
        click.echo(markdown_report.render(report))
    else:
        text_report.render(report, Console())


@cli.command()
@click.argument("version_list", nargs=-1)
@click.option("--since", help="Every release from this version on.")
@click.option("--latest", type=int, help="The newest N releases.")
@_scenario_options
@_work_options
@click.pass_context
def collect(ctx, version_list, since, latest, scenario_names, scenarios_dir, no_capture):
    """Snapshot releases into the store (skips what is already there)."""
    scenarios = _scenarios(scenario_names, scenarios_dir, no_capture)
    with _collector(ctx) as collector, _progress() as progress:
        wanted = list(version_list)
        if since:
            wanted += collector.range(since, collector.latest(1)[0])
        if latest:
            wanted += collector.latest(latest)
        if not wanted:
            raise click.UsageError("name versions, or use --since V or --latest N")
        for version in set(version_list):
            collector.resolve(version)
        rows = collector.ensure(wanted, progress, scenarios)
    for row in rows:
        click.echo(f"{row.version}  {row.platform:9}  {row.origin}")


@cli.command(name="capture")
@click.argument("version_list", nargs=-1, required=True)
@click.option("--scenario", "scenario_names", multiple=True, help="Scenario to run (default: all).")
@click.option("--scenarios-dir", type=click.Path(file_okay=False, path_type=Path), help="Your own scenario files.")
@_work_options
@click.pass_context
def capture_(ctx, version_list, scenario_names, scenarios_dir):
    """Run releases against a local fake API and record what they send (always re-runs)."""
    scenarios = load_scenarios(scenarios_dir, list(scenario_names) or None)
    with _collector(ctx) as collector, _progress() as progress:
        for version in version_list:
            collector.resolve(version)
        collector.ensure_captures(version_list, scenarios, progress, force=True)
        for version in version_list:
            for scenario in scenarios:
                facts = collector.store.facts(collector.captured(version, scenario.name).id)
                click.echo(f"{version}  {scenario.name:22} {capture_summary(facts)}")


@cli.command(name="cache")
@click.option("--prune", is_flag=True, help="Delete least recently used tarballs down to the cap.")
@click.option("--clear", is_flag=True, help="Delete every tarball not in use.")
@_cache_max_option
@click.pass_context
def cache_(ctx, prune, clear):
    """The download cache: its size and cap; prune it to the cap, or clear it."""
    cache = _cache(ctx)
    if prune or clear:
        deleted = cache.evict(0 if clear else None)
        click.echo(f"deleted {len(deleted)} tarballs ({format_size(sum(t.size for t in deleted))})")
    kept = cache.tarballs()
    click.echo(f"{cache.root}: {len(kept)} tarballs, {format_size(sum(t.size for t in kept))} of {format_size(cache.max_bytes)} cap")


@cli.command(name="proxy")
@click.option("--port", type=int, default=8787, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it loopback: the proxy has no auth).")
@click.option("--upstream", default="https://api.anthropic.com", show_default=True, help="The real Messages API.")
@click.option("--keep-content", is_flag=True, help="Also store message content (your words and the model's).")
@click.pass_context
def proxy_(ctx, port, host, upstream, keep_content):
    """Record what Claude Code sends in your real sessions (run: ANTHROPIC_BASE_URL=<url> claude).

    Request parameters, system blocks and tools are stored per CLI version; keys and tokens never
    are, message content only with --keep-content. The system prompt holds your working folder and
    git status: they are stored with it."""
    from .capture.proxy import serve  # lazy: only this command needs uvicorn

    store = Store.open(ctx.obj["db"])

    def ready(url: str) -> None:
        click.echo(f"Recording into {store.path}, forwarding to {upstream}.\nRun:  ANTHROPIC_BASE_URL={url} claude\nCtrl-C stops.", err=True)

    serve(store, ctx.obj["target"], host=host, port=port, upstream=upstream, keep_content=keep_content,
          on_request=lambda event: click.echo(str(event)), on_ready=ready)


@cli.command(name="versions")
@click.option("--all", "show_all", is_flag=True, help="Include prereleases.")
@click.pass_context
def versions_(ctx, show_all):
    """Published releases with their dates, and which are collected."""
    with _collector(ctx) as collector:
        published = collector.published()
        stored = {r.version: r for r in collector.store.snapshots(collector.target.name, source=STATIC)}
    table = Table(title=f"{collector.target.npm_package}: {len(published)} versions, {len(stored)} collected")
    for column in ("version", "published", "collected"):
        table.add_column(column)
    for version in versions.sort(published):
        if show_all or not versions.is_prerelease(version):
            row = stored.get(version)
            table.add_row(version, (published[version] or "")[:10], f"{row.platform} {row.collected_at[:10]}" if row else "")
    Console().print(table)


@cli.command()
@click.argument("version")
@click.option("--section", help="Print one system-prompt section in full.")
@click.option("--kind", help="List the facts of one kind (prompt_section, tool, flag, env, …).")
@click.pass_context
def show(ctx, version, section, kind):
    """What one release contains (collects it if needed)."""
    with _collector(ctx) as collector, _progress() as progress:
        collector.resolve(version)
        (row,) = collector.ensure([version], progress)
        facts = collector.store.facts(row.id)
    console = Console()
    if section:
        text = facts.get("prompt_section", {}).get(section)
        if text is None:
            raise click.ClickException(f"{version} has no section {section!r}; try --kind prompt_section")
        condition = facts.get("section_condition", {}).get(section)
        console.print(f"[bold]{section}[/bold]" + (f"  [dim]when {condition}[/dim]" if condition else ""))
        console.print(text, markup=False, highlight=False)
    elif kind:
        for key, value in sorted(facts.get(kind, {}).items()):
            console.print(f"[bold]{key}[/bold]  {text_report.short(value, 140)}", markup=True, highlight=False)
    else:
        table = Table(title=f"{collector.target.name} {version} ({row.origin})")
        table.add_column("kind")
        table.add_column("count", justify="right")
        for k, entries in facts.items():
            table.add_row(k, str(len(entries)))
        console.print(table)
