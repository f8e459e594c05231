"""The `audit` command: a thin table of contents over the library."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import click
from click.core import ParameterSource
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from . import __version__, audit, personal, pin, pretty, scratch, sessions, targets, versions
from . import action as action_
from . import merge as merging
from .capture import load_scenarios
from .capture.facts import summary as capture_summary
from .capture.profile import load as load_profile
from .capture.profile import mcp_tools as load_mcp_tools
from .capture.user import PLANS
from .collector import STATIC, Collector, Step, default_jobs
from .errors import AuditorError
from .github import GitHub
from .limits import DEFAULT_MAX_DOWNLOAD, DEFAULT_MAX_FILES, DEFAULT_MAX_UNPACKED, Limits
from .npm import DEFAULT_CACHE_MAX, DEFAULT_REGISTRY, Cache, LazyClient, Registry, default_cache_dir, format_size, parse_size
from .report import json as json_report
from .report import markdown as markdown_report
from .report import text as text_report
from .report import wrap_lines
from .rules import SEVERITIES
from .store import Store

DEBUG_ENV = "AUDITOR_DEBUG"


class Terminated(KeyboardInterrupt):
    """SIGTERM, taken as Ctrl-C is: every `finally` and `with` runs, so children (extraction, capture
    runs, the proxy's recorder) are stopped and temporary files removed before the exit."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


class AuditGroup(click.Group):
    """Every failure ends as one line and a non-zero exit: library errors as themselves, Ctrl-C as exit
    130, a closed output pipe as exit 141 without a word, and anything unexpected as one line naming the
    command (AUDITOR_DEBUG=1 shows the traceback)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AuditorError as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, Terminated)
            click.echo(f"{'Terminated' if terminated else 'Interrupted'}; nothing half-written was kept.", err=True)
            sys.exit(128 + (signal.SIGTERM if terminated else signal.SIGINT))
        except BrokenPipeError:  # the reader stopped reading (`| head`): a streamed report ends there, quietly
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
            except (OSError, ValueError):
                pass
            sys.exit(141)  # 128 + SIGPIPE, as the shell reports any program the closed pipe stopped
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            command = " ".join(filter(None, ["audit", ctx.invoked_subcommand]))
            raise click.ClickException(
                f"{command} failed unexpectedly: {exc.__class__.__name__}: {exc} (run with {DEBUG_ENV}=1 for the traceback)"
            ) from None


class _Size(click.ParamType):
    """A size in bytes, written as people do: 4G, 500M, 1.5GB or a number."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        try:
            return value if isinstance(value, int) else parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _remember(ctx: click.Context, param: click.Parameter, value):
    """Keep an option's value in ctx.obj: the group's (flag, environment or default), or a command's own flag."""
    if ctx.parent is None or ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
        ctx.ensure_object(dict)[param.name] = value


_SHARED = (
    (("--db",), dict(type=click.Path(dir_okay=False, path_type=Path), envvar="AUDITOR_DB",
                     help="Snapshot store (SQLite; default: snapshots/auditor.db in a checkout, else the user data dir).")),
    (("--target",), dict(default=targets.DEFAULT, show_default=True, envvar="AUDITOR_TARGET", help="Which CLI to audit.")),
    (("--channel",), dict(type=click.Choice(versions.CHANNELS), default="stable", show_default=True, envvar="AUDITOR_CHANNEL",
                          help="Which releases a range, the latest and the pin walk (told by the version: 0.57.0-preview.0 is preview).")),
    (("--platform",), dict(default="linux-x64", show_default=True, envvar="AUDITOR_PLATFORM",
                           help="Native package to read (2.1.113 on).")),
    (("--registry",), dict(default=DEFAULT_REGISTRY, show_default=True, envvar="AUDITOR_REGISTRY", help="npm registry URL (a mirror).")),
    (("--cache-dir",), dict(type=click.Path(file_okay=False, path_type=Path), envvar="AUDITOR_CACHE",
                            help="Download cache (default: the user cache dir).")),
    (("--cache-max",), dict(type=_Size(), default=format_size(DEFAULT_CACHE_MAX), show_default=True, envvar="AUDITOR_CACHE_MAX",
                            help="Keep at most this much in the download cache (least recently used go first), e.g. 10G.")),
    (("--max-download",), dict(type=_Size(), default=format_size(DEFAULT_MAX_DOWNLOAD), show_default=True, envvar="AUDITOR_MAX_DOWNLOAD",
                               help="Refuse a release's tarball larger than this (as received).")),
    (("--max-unpacked",), dict(type=_Size(), default=format_size(DEFAULT_MAX_UNPACKED), show_default=True, envvar="AUDITOR_MAX_UNPACKED",
                               help="Refuse a release's package that unpacks to more than this.")),
    (("--max-files",), dict(type=click.IntRange(min=1), default=DEFAULT_MAX_FILES, show_default=True, envvar="AUDITOR_MAX_FILES",
                            help="Refuse a release's package of more files than this.")),
)


def _shared_options(command):
    """--db, --target, --channel, --platform, --registry, --cache-dir, --cache-max and the size limits on the group and on every
    command, so they work wherever people type them (sqlite-utils does the same); values land in ctx.obj."""
    for decls, kwargs in reversed(_SHARED):
        command = click.option(*decls, expose_value=False, callback=_remember, show_envvar=True, **kwargs)(command)
    return command


@click.group(cls=AuditGroup)
@click.version_option(__version__, prog_name="audit")
@_shared_options
@click.pass_context
def cli(ctx: click.Context):
    """What changed in an AI coding CLI between releases, what the changelog didn't say, what to pin."""
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
        ctx.call_on_close(lambda: signal.signal(signal.SIGTERM, previous))


def _http() -> LazyClient:
    """An HTTP client made when first used: a warm run answered by the caches needs none."""
    timeout = (15.0, 60.0, 60.0, 60.0)  # connect, read, write, pool (s)
    return LazyClient(timeout=timeout, headers={"User-Agent": f"auditor/{__version__}"})


@contextmanager
def _collector(ctx: click.Context):
    o = ctx.obj
    store = Store.open(o["db"])
    limits = Limits(o["max_download"], o["max_unpacked"], o["max_files"])
    with _http() as client, pretty.kept_in(store):  # the reports' printed code, read back next run
        registry = Registry(client, _cache(ctx), url=o["registry"], limits=limits)
        try:
            yield Collector(store, registry, targets.get(o["target"]), o["platform"], o.get("jobs") or default_jobs(), o["channel"])
        finally:
            for line in registry.malformed:
                click.echo(f"warning: {line}", err=True)


def _cache(ctx: click.Context) -> Cache:
    cache = Cache(ctx.obj["cache_dir"] or default_cache_dir(), ctx.obj["cache_max"])
    _scratch(ctx, cache.root)
    return cache


def _scratch(ctx: click.Context, root: Path) -> list[scratch.Leftover]:
    """Once per command: what killed runs left in the cache's root is removed, and this run's temporary
    files go to its own folder there (scratch.py). Returns what was removed."""
    if "swept" not in ctx.obj:
        try:
            ctx.obj["swept"] = ctx.with_resource(scratch.using(root))
        except OSError:  # a cache folder that cannot be written: the error comes, worded, where it is used
            ctx.obj["swept"] = []
    return ctx.obj["swept"]


def _work_options(command):
    """--jobs N for the commands that collect."""
    return click.option(
        "--jobs", "-j", type=click.IntRange(min=1), expose_value=False, callback=_remember,
        help="Releases worked on at once (default: the number of CPUs).",
    )(command)


def _judging_options(command):
    """--changelog SOURCE, --rules DIR, --policy FILE, --min-confidence X."""
    command = click.option(
        "--min-confidence", type=click.FloatRange(0, 1), expose_value=False, callback=_remember,
        help=f"Pin only on findings at least this confident (default: the policy's, else {pin.DEFAULT_MIN_CONFIDENCE}).",
    )(command)
    command = click.option("--policy", "policy_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="Pin policy (TOML): severity, min_age_days, ignore_categories.")(command)
    command = click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), envvar="AUDITOR_RULES", help="Rule files (default: the shipped rules/).")(command)
    return click.option("--changelog", "changelog_source_", help="Changelog: git URL, clone or bundle; raw URL; or a CHANGELOG.md [env AUDITOR_CHANGELOG; default: the vendor's repository].")(command)


def _judging(ctx, collector, changelog_source_, rules_dir, policy_file) -> audit.Judging:
    return audit.load_judging(
        collector, ctx.obj["cache_dir"] or default_cache_dir(), changelog_source_, rules_dir, policy_file, ctx.obj.get("min_confidence")
    )


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
    """--scenario NAME (repeatable), --scenarios-dir DIR, --no-capture, --plan PLAN."""
    command = click.option("--plan", type=click.Choice(sorted(PLANS)), envvar="AUDITOR_PLAN", show_envvar=True,
                           help="Your subscription plan: also capture its scenarios (default model and opus); the report leads with them.")(command)
    command = click.option("--no-capture", is_flag=True, help="Static extraction only; don't run the CLI.")(command)
    command = click.option("--scenarios-dir", type=click.Path(file_okay=False, path_type=Path), help="Your own scenario files (override built-ins by name).")(command)
    return click.option("--scenario", "scenario_names", multiple=True, help="Capture scenario (default: the target's defaults, see README).")(command)


def _scenarios(target_name, names, directory, no_capture, plan=None):
    """The scenarios a command captures: those named, else the target's defaults, plus the plan's."""
    if no_capture:
        return []
    target = targets.get(target_name)
    wanted = list(names) or list(target.default_scenarios)
    return load_scenarios(directory, wanted + [n for n in audit.plan_scenarios(plan) if plan and n not in wanted], target.scenarios)


@cli.command()
@click.argument("version_a")
@click.argument("version_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["undocumented", "partial"]), help="Exit 1 when a finding has this verdict (partial: or worse).")
@click.option("--source", type=click.Choice(["release", "proxy"]), default="release", show_default=True,
              help="release: collect and capture the releases; proxy: compare what `audit proxy` recorded of real sessions.")
@click.option("--profile", "profile_dir", type=click.Path(path_type=Path),
              help="Your ~/.claude: also capture both ends with its settings, agents, skills, commands and CLAUDE.md (never "
                   "credentials); the report leads with what changed for that setup.")
@click.option("--project", "project_dir", type=click.Path(path_type=Path),
              help="A repository whose CLAUDE.md, .claude/ and .mcp.json join --profile's setup (or make one alone).")
@click.option("--mcp-tools", "mcp_tools_file", type=click.Path(path_type=Path),
              help='What your MCP servers advertise, for their stubs: JSON {"<server>": {"tools": [...]}} (README).')
@_scenario_options
@_judging_options
@_work_options
@_shared_options
@click.pass_context
def diff(ctx, version_a, version_b, fmt, fail_on, source, profile_dir, project_dir, mcp_tools_file, scenario_names, scenarios_dir, no_capture,
         plan, changelog_source_, rules_dir, policy_file):
    """Diff two releases and every release published between them; judge each change against the
    changelog; recommend a version to pin."""
    if versions.is_version(version_a) and versions.is_version(version_b) and versions.parse(version_a) > versions.parse(version_b):
        # Refused rather than swapped: a report reads forward in time (what each release brought, judged
        # by its changelog), so a swapped one says "removed" where the user, reading A → B, expects "added".
        raise click.UsageError(f"{version_a} is newer than {version_b}: a diff reads forward in time, older release first "
                               f"(audit diff {version_b} {version_a})")
    personal_ = profile_dir or project_dir or mcp_tools_file
    if personal_ and (no_capture or source == "proxy"):
        raise click.UsageError("--profile, --project and --mcp-tools capture your setup: not with --no-capture or --source proxy")
    if mcp_tools_file and not (profile_dir or project_dir):
        raise click.UsageError("--mcp-tools gives the tools of the MCP servers of a --profile or --project")
    if source == "proxy":
        _render(sessions.diff_recorded(Store.open(ctx.obj["db"]), ctx.obj["target"], version_a, version_b), fmt)
        return
    scenarios = _scenarios(ctx.obj["target"], scenario_names, scenarios_dir, no_capture, plan)
    with _collector(ctx) as collector:
        with _progress() as progress:
            setup = None
            if personal_:
                tools = load_mcp_tools(mcp_tools_file) if mcp_tools_file else None
                setup = load_profile(profile_dir, project_dir, tools, personal.recorded_tools(collector.store, collector.target.name))
            judging = _judging(ctx, collector, changelog_source_, rules_dir, policy_file)
            report = audit.run(collector, version_a, version_b, scenarios, judging, progress, plan=plan)
            if setup is not None:
                report = personal.audit(collector, report, setup, personal.scenarios(setup, scenarios_dir, plan), progress)
        _render(report, fmt)  # with the store: the code it prints is kept for the next run
    failing = {"undocumented": {"undocumented"}, "partial": {"undocumented", "partial"}}.get(fail_on, set())
    if any(f.verdict in failing for f in report.findings):
        sys.exit(1)


@cli.command(name="around")
@click.argument("day", metavar="DATE")
@click.option("--days", type=click.FloatRange(min=0), default=7, show_default=True, help="How many days before DATE to look back.")
@click.option("--metric", "metric_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Your daily series as date,value lines (CSV), shown day by day beside the releases.")
@_scenario_options
@_judging_options
@_work_options
@_shared_options
@click.pass_context
def around(ctx, day, days, metric_file, scenario_names, scenarios_dir, no_capture, plan, changelog_source_, rules_dir, policy_file):
    """When did it start? The releases current on DATE and the days before it, with their findings
    (releases dated by the earliest trustworthy evidence; disagreeing sources are shown)."""
    from . import dating

    moment = dating.parse_day(day)
    metric = dating.read_metric(metric_file) if metric_file else None
    scenarios = _scenarios(ctx.obj["target"], scenario_names, scenarios_dir, no_capture, plan)
    with _collector(ctx) as collector, _progress() as progress:
        judging = _judging(ctx, collector, changelog_source_, rules_dir, policy_file)
        result = audit.around(collector, judging, moment, days, scenarios, progress, metric, plan=plan)
    for note in result.report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo("\n".join(result.lines()))


@cli.command(name="pin")
@click.option("--from", "baseline", required=True, help="The version you trust now.")
@click.option("--to", "newest", help="Newest release to consider (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "renovate", "dependabot"]), default="text", show_default=True,
              help="json: the recommendation (a contract, see README); renovate: a packageRules entry; dependabot: a dependabot.yml with its ignore block.")
@click.option("--accept", "accepted", multiple=True, metavar="ID",
              help="A finding you read and accept (repeat, or commas): it no longer blocks; a later change of it does. Adds to the policy's accept list.")
@click.option("--candidates", is_flag=True, help="List the releases worth considering and the blocking findings each would bring.")
@_scenario_options
@_judging_options
@_work_options
@_shared_options
@click.pass_context
def pin_(ctx, baseline, newest, fmt, accepted, candidates, scenario_names, scenarios_dir, no_capture, plan, changelog_source_, rules_dir, policy_file):
    """The newest release you can trust from your baseline, why not newer, and how to hold it."""
    scenarios = _scenarios(ctx.obj["target"], scenario_names, scenarios_dir, no_capture, plan)
    with _collector(ctx) as collector, _progress() as progress:
        changelog, rules, policy = _judging(ctx, collector, changelog_source_, rules_dir, policy_file)
        ids = [i.strip() for value in accepted for i in value.split(",") if i.strip()]
        judging = (changelog, rules, policy.accepting(ids, "accepted with --accept") if ids else policy)
        report = audit.run(collector, baseline, newest or collector.latest(1)[0], scenarios, judging, progress, plan=plan)
    rec = report.recommendation
    if rec is None:
        raise click.ClickException(f"{changelog.warning or 'no changelog could be read'}, so nothing can be judged; name one with --changelog")
    if fmt == "json":
        click.echo(json_report.render_pin(rec))
    elif fmt in ("renovate", "dependabot"):
        click.echo(rec.renovate() if fmt == "renovate" else rec.dependabot())
    else:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        width = shutil.get_terminal_size().columns
        if candidates:  # a table: its rows are not wrapped
            click.echo("\n".join([*rec.candidate_lines(), "", *wrap_lines([*rec.lines()[:2], *rec.accepted_lines()], width)]))
        else:
            click.echo("\n".join(wrap_lines(rec.lines(), width)))


def _render(report, fmt: str) -> None:
    if fmt == "json":
        json_report.write(report, sys.stdout)
    elif fmt == "markdown":
        click.echo(markdown_report.render(report))
    else:
        text_report.render(report, Console())


def _shard(value: str | None) -> tuple[int, int] | None:
    try:
        return versions.parse_shard(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.argument("version_list", nargs=-1)
@click.option("--since", help="Every release from this version on.")
@click.option("--latest", type=click.IntRange(min=1), help="The newest N releases.")
@click.option("--shard", type=_shard, help="Only every N-th of those releases, starting with the K-th (K/N; for parallel runners).")
@_scenario_options
@_work_options
@_shared_options
@click.pass_context
def collect(ctx, version_list, since, latest, shard, scenario_names, scenarios_dir, no_capture, plan):
    """Snapshot releases into the store (skips what is already there)."""
    scenarios = _scenarios(ctx.obj["target"], scenario_names, scenarios_dir, no_capture, plan)
    with _collector(ctx) as collector, _progress() as progress:
        wanted = list(version_list)
        if since:
            wanted += collector.range(since, collector.latest(1)[0])
        if latest:
            wanted += collector.latest(latest)
        if not wanted:
            raise click.UsageError("name versions, or use --since V or --latest N")
        if shard:
            wanted = versions.shard(wanted, *shard)
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
@_shared_options
@click.pass_context
def capture_(ctx, version_list, scenario_names, scenarios_dir):
    """Run releases against a local fake API and record what they send (always re-runs)."""
    scenarios = load_scenarios(scenarios_dir, list(scenario_names) or None, targets.get(ctx.obj["target"]).scenarios)
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
@_shared_options
@click.pass_context
def cache_(ctx, prune, clear):
    """The download cache: its size and cap; prune it to the cap, or clear it."""
    cache = _cache(ctx)
    swept = _scratch(ctx, cache.root)
    if swept:
        click.echo(f"removed the temporary files of {len(swept)} killed run{'s' * (len(swept) != 1)} ({format_size(sum(s.size for s in swept))})")
    if prune or clear:
        deleted = cache.evict(0 if clear else None)
        partials = cache.prune_partials(time.time())
        click.echo(f"deleted {len(deleted)} tarballs ({format_size(sum(t.size for t in deleted))})"
                   + (f" and {len(partials)} partial downloads ({format_size(sum(t.size for t in partials))})" if partials else ""))
    kept = cache.tarballs()
    line = f"{cache.root}: {len(kept)} tarballs, {format_size(sum(t.size for t in kept))} of {format_size(cache.max_bytes)} cap"
    if left := cache.partials():
        line += f"; {len(left)} partial downloads ({format_size(sum(t.size for t in left))}; --prune removes those over 10 minutes old)"
    if running := [s for s in scratch.in_use(cache.root) if s.path != scratch.folder(cache.root)]:
        line += (f"; {len(running)} running audit{'s use' if len(running) != 1 else ' uses'} "
                 f"{format_size(sum(s.size for s in running))} of temporary files")
    click.echo(line)


@cli.command(name="proxy")
@click.option("--port", type=int, default=8787, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it loopback: the proxy has no auth).")
@click.option("--allow-remote", is_flag=True, help="Allow a --host other than loopback (anyone who reaches it can use the proxy).")
@click.option("--upstream", help="The real API  [default: the target's: https://api.anthropic.com, https://api.openai.com for codex]")
@click.option("--keep-content", is_flag=True, help="Also store message content (your words and the model's).")
@_shared_options
@click.pass_context
def proxy_(ctx, port, host, allow_remote, upstream, keep_content):
    """Record what the CLI sends in your real sessions (Claude Code: ANTHROPIC_BASE_URL=<url> claude; Codex:
    a provider in ~/.codex/config.toml, printed when it starts).

    Request parameters, system blocks and tools are stored per CLI version; keys and tokens never
    are, message content only with --keep-content, other headers than the CLI's own by name only.
    The system prompt holds your working folder and git status: they are stored with it. For Codex, the
    model catalogue a session fetches is recorded too (ETag, digests, whether it is the release's own)."""
    from .capture.proxy import exposure, serve, setup, upstream_of  # lazy: only this command needs uvicorn

    store = Store.open(ctx.obj["db"])
    target = ctx.obj["target"]
    upstream = upstream or upstream_of(target)
    if allow_remote and (exposed := exposure(host, upstream)):
        click.echo(f"warning: {exposed}", err=True)

    def ready(url: str) -> None:
        click.echo(f"Recording into {store.path}, forwarding to {upstream}.\nRun:  {setup(target, url)}\nCtrl-C stops.", err=True)

    serve(store, target, host=host, port=port, upstream=upstream, keep_content=keep_content,
          on_request=lambda event: click.echo(str(event)), on_ready=ready, allow_remote=allow_remote)


@cli.command(name="sessions")
@click.option("--version", "version", help="Only this CLI version.")
@_shared_options
@click.pass_context
def sessions_(ctx, version):
    """What real recorded sessions (audit proxy) were sent, per CLI version: model, effort, max_tokens,
    context_management, thinking and betas as distributions, and what requests dropped of their history."""
    for recorded in sessions.recorded(Store.open(ctx.obj["db"]), ctx.obj["target"], version):
        click.echo("\n".join(recorded.lines()))


@cli.command(name="versions")
@click.option("--all", "show_all", is_flag=True, help="Include prereleases.")
@_shared_options
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
@_shared_options
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
        console.print(Text.assemble((section, "bold"), (f"  when {condition}" if condition else "", "dim")))
        console.print(text, markup=False, highlight=False)
    elif kind:
        for key, value in sorted(facts.get(kind, {}).items()):
            console.print(Text.assemble((key, "bold"), f"  {text_report.short(value, 140)}"), highlight=False)  # data: no markup
    else:
        table = Table(title=f"{collector.target.name} {version} ({row.origin})")
        table.add_column("kind")
        table.add_column("count", justify="right")
        for k, entries in facts.items():
            table.add_row(k, str(len(entries)))
        console.print(table)


@cli.command(name="merge")
@click.argument("stores", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_shared_options
@click.pass_context
def merge_(ctx, stores):
    """Merge other stores (shards collected elsewhere) into this one: whole snapshots, texts stored once;
    a snapshot both hold with different facts is a conflict, reported and left as it was (exit 1)."""
    into = Store.open(ctx.obj["db"])
    conflicts = []
    for path in stores:
        if into.path is not None and path.resolve() == into.path.resolve():
            raise click.UsageError(f"{path} is the store being merged into")
        with merging.opened(path) as source:
            conflicts += _merged(into, source, str(path))
    _conflicts(conflicts)


@cli.command(name="import")
@click.argument("source")
@click.option("--sha256", "digest", help="The store's sha256 (default: read from SOURCE.sha256 published beside it).")
@_shared_options
@click.pass_context
def import_(ctx, source, digest):
    """Start from a published store (URL or file, .db or .db.gz) instead of collecting: verified by its
    sha256, then merged into this store (never overwriting it)."""
    into = Store.open(ctx.obj["db"])
    _cache(ctx)  # the download goes to this run's scratch folder
    with _http() as client, merging.fetched(client, source, digest) as path, merging.opened(path, source) as other:
        _conflicts(_merged(into, other, source))


def _merged(into: Store, source: Store, label: str) -> list[str]:
    """Merge, say what was done; the conflicts and skipped rows, as lines for `_conflicts`."""
    result = merging.merge(into, source)
    click.echo(result.line(label))
    return [f"conflict: {line}" for line in result.conflicts] + [f"skipped: {line}" for line in result.skipped]


def _conflicts(problems: list[str]) -> None:
    for line in problems:
        click.echo(line, err=True)
    if problems:
        sys.exit(1)


@cli.command(name="action")
@click.option("--baseline", default=action_.PREVIOUS, show_default=True,
              help="Report the releases after this one (default: after the last one reported).")
@click.option("--until", help="Newest release to report (default: the latest).")
@click.option("--issue", type=int, help="Tracking issue number (default: found by its marker, or created).")
@click.option("--severity", type=click.Choice(SEVERITIES), default="medium", show_default=True,
              help="Lowest severity listed first in the comment and counted by --fail-on and undocumented_count.")
@click.option("--fail-on", type=click.Choice(action_.FAIL_ON), default="never", show_default=True,
              help="Exit 1 after posting when a finding has this verdict (partial: or worse).")
@click.option("--dry-run", is_flag=True, help="Print the comments it would post; call nothing, save nothing.")
@click.option("--author", help="The login the token posts as; only its comments and tracking issue are trusted "
                               "(default: the token's user, else github-actions[bot]; name a GitHub App's <app>[bot]).")
@click.option("--pin-from", help="The version the tracking issue's head recommends from (default: each release's predecessor).")
@_scenario_options
@_judging_options
@_shared_options
@click.pass_context
def action(ctx, baseline, until, issue, severity, fail_on, dry_run, author, pin_from, scenario_names, scenarios_dir, no_capture, plan,
           changelog_source_, rules_dir, policy_file):
    """The GitHub Action: one comment per new release on a tracking issue (settings from GITHUB_* variables)."""
    settings = action_.Settings.from_env(baseline=baseline, until=until, issue=issue, severity=severity, fail_on=fail_on, dry_run=dry_run,
                                         author=author, pin_from=pin_from)
    scenarios = _scenarios(ctx.obj["target"], scenario_names, scenarios_dir, no_capture, plan)
    with _collector(ctx) as collector, _progress() as progress, _http() as client:
        judging = _judging(ctx, collector, changelog_source_, rules_dir, policy_file)
        github = None if settings.dry_run else GitHub(client, settings.repository, settings.token, settings.api_url)
        outcome = action_.run(settings, collector, judging, scenarios, github, progress, echo=click.echo)
    for version, url in outcome.posted.items():
        click.echo(f"{version}  {url}", err=True)
    if not outcome.new_versions:
        click.echo("No new release to report.", err=True)
    if outcome.failures:
        failed = "; ".join(f for fs in outcome.failures.values() for f in fs)
        raise click.ClickException(f"capture failed ({failed}); the comment says so, and the next run tries again")
    if outcome.failing(settings.fail_on, settings.severity):
        sys.exit(1)

@cli.command(name="tui")
@click.argument("version_a", required=False)
@click.argument("version_b", required=False)
@click.option("--metric", "metric_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Your daily series (date,value CSV) as a column beside each release's date.")
@click.option("--theme", type=click.Choice(["dark", "light"]), default="dark", show_default=True, help="Colours (T switches while it runs).")
@_scenario_options
@_judging_options
@_work_options
@_shared_options
@click.pass_context
def tui(ctx, version_a, version_b, metric_file, theme, scenario_names, scenarios_dir, no_capture, plan, changelog_source_, rules_dir,
        policy_file):
    """Browse releases, compare two, read the diffs, pick a pin (opens on the compare given A and B);
    g collects a release (capturing the scenarios given here)."""
    if bool(version_a) != bool(version_b):
        raise click.UsageError("name both ends of the compare (audit tui A B), or none")
    from . import dating
    from .tui.app import AuditorApp, run  # lazy: only this command needs Textual

    metric = dating.read_metric(metric_file) if metric_file else None
    with _collector(ctx) as collector:
        for version in filter(None, (version_a, version_b)):
            collector.resolve(version)
        app = AuditorApp(
            collector, lambda: _collector(ctx), lambda c: _judging(ctx, c, changelog_source_, rules_dir, policy_file),
            compare=(version_a, version_b) if version_a else None, scenarios=_scenarios(ctx.obj["target"], scenario_names, scenarios_dir, no_capture, plan), metric=metric, light=theme == "light",
            policy_file=policy_file,
        )
        sys.exit(run(app))
