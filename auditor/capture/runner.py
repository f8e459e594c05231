"""Capture what a CLI version sends to its vendor's API, one fresh sandbox and fake API per scenario."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .. import catalog
from ..errors import CaptureError, CatalogError
from ..targets import Target
from . import clock, session
from .normalize import normalize_request, normalize_text
from .sandbox import RunOutcome, Sandbox, ScenarioUnsupported, remove_now
from .scenarios import Scenario
from .server import Dialect, FakeAPI, RecordedRequest, dialect
from .tls import Certificates

OK, UNSUPPORTED, ERROR = "ok", "unsupported", "error"
# Claude Code's API host; a target field once more CLIs are captured.
DEFAULT_API_HOST = "api.anthropic.com"


@dataclass
class ScenarioResult:
    """One scenario's outcome, JSON-serializable through `to_dict()`.

    `requests` (normalized POST /v1/messages, ordered by turn and then content, since side
    requests race the main one) is identical across captures of one version. `other_calls` and
    `egress` are sorted sets; `duration` is wall time and the only volatile field. `sandbox` says whether
    the run was sealed (seal.py) or why it was open.
    """

    scenario: str
    mode: str
    route: str
    args: list[str]
    status: str
    reason: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    other_calls: list[str] = field(default_factory=list)
    egress: list[str] = field(default_factory=list)
    duration: float = 0.0
    honoured: dict[str, str] = field(default_factory=dict)  # setting → whether the requests reflect it (user.py)
    sandbox: str = ""
    idle: list[str] = field(default_factory=list)  # at which turn each later prompt came, after how long (clock.py)
    exited: str = ""  # a run its scenario lets exit non-zero: its exit code and last words

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioResult:
        return cls(**data)


def _offers_tools(api: FakeAPI, request: RecordedRequest) -> bool:
    """A request of the agent loop: it offers tools, read as its dialect shapes it (a Responses API request
    offers them inside its input)."""
    body = api.dialect.view({"body": request.body})["body"]
    return isinstance(body, dict) and bool(body.get("tools"))


def _main_loop_finished(api: FakeAPI) -> bool:
    """The agent loop is over once a request offering tools got a final (end_turn) answer."""
    return any(r.reply == "end_turn" and _offers_tools(api, r) for r in api.messages())


def _ordered(requests: list[RecordedRequest], normalized: list[dict[str, Any]], agent: Callable[[RecordedRequest], str | None],
             api: Dialect) -> list[dict[str, Any]]:
    """The main loop's requests by turn, then subagents' by their own turn (content breaks ties), so the order
    does not move with what the requests hold; a compacted history numbers its turns from the start again, so
    requests that lost earlier answers come after those that did not. Within a turn the dialect may rank requests
    before content does (`Dialect.rank`: Gemini CLI's conversation request before its router's). A subagent's
    request names its agent type when the script handed it its task."""
    def caller(request: RecordedRequest) -> dict[str, str]:
        name = agent(request)
        return {} if name is None else {"caller": "subagent", **({"agent": name} if name else {})}

    rows = [((r.lost, api.rank(r.body)), {"turn": api.turn(r.body), "reply": r.reply, **caller(r), **n})
            for r, n in zip(requests, normalized, strict=True)]
    return [row for _, row in sorted(rows, key=lambda p: ("caller" in p[1], p[0][0], p[1]["turn"], p[0][1], json.dumps(p[1], sort_keys=True)))]


def agent_of(target: Target, scenario: Scenario) -> Callable[[RecordedRequest], str | None]:
    """Which subagent a request is: the agent type the script handed its task to (the task it opens with,
    `{name}` standing for any agent type), "" for another request carrying the target's subagent header,
    None for the main loop's and side requests."""
    tasks = [(t.tool_input["prompt"], t.tool_input.get("subagent_type", "")) for t in scenario.turns if isinstance(t.tool_input.get("prompt"), str)]
    patterns = [(re.compile(re.escape(p.strip()).replace(re.escape("{name}"), r"(?P<name>[\w.:-]+)")), kind) for p, kind in tasks]

    def agent(request: RecordedRequest) -> str | None:
        for text in _opening(request.body):
            for pattern, kind in patterns:
                match = pattern.fullmatch(text)
                if match:
                    return match.groupdict().get("name") or (kind if isinstance(kind, str) else "")
        return "" if target.subagent_header and request.header(target.subagent_header) is not None else None

    return agent


def _opening(body: Any) -> list[str]:
    """The texts a conversation opens with, up to the model's first answer (a task may follow reminders,
    or a message of deferred tools)."""
    texts = []
    for message in body.get("messages") or [] if isinstance(body, dict) else []:
        if not isinstance(message, dict) or message.get("role") == "assistant":
            break
        content = message.get("content")
        blocks = [content] if isinstance(content, str) else [b.get("text") for b in content or [] if isinstance(b, dict)]
        texts += [b.strip() for b in blocks if isinstance(b, str)]
    return texts


def capture_scenario(
    program_argv: list[str],
    target: Target,
    scenario: Scenario,
    timeout: float = 60,
    api_host: str = DEFAULT_API_HOST,
    certificates: Certificates | None = None,
    release: Path | None = None,
    answers: dict[str, Any] | None = None,
    remove: Callable[[Path], object] | None = None,
) -> ScenarioResult:
    """Run one scenario; a failed run becomes status "error"/"unsupported" with a one-line reason.

    `release` is the folder the release was unpacked in, a volatile path in what it sends.
    `api_host` is the host the CLI calls when left alone (intercepted on the first-party route);
    `certificates` for that host may be shared between scenarios, else they are made here; `answers` adds
    JSON the fake API answers GET requests with, by path (the release's own model catalogue); `remove`
    deletes the sandbox afterwards (default: before returning). Raises CaptureError only when the sandbox
    itself cannot be set up.
    """
    args = scenario.command_args(target.prompt_flag)
    result = partial(ScenarioResult, scenario=scenario.name, mode=scenario.mode, route=scenario.route, args=args)
    agent = agent_of(target, scenario)
    speaks = dialect(target.api)

    def subagent(request: RecordedRequest) -> bool:
        return agent(request) is not None

    later = scenario.session.later if scenario.session is not None else ()
    faketime = clock.library() if scenario.session is not None and scenario.session.idle_later else None
    with ExitStack() as stack:
        ca_file = None
        if scenario.route == "first-party":
            if faketime is not None:  # its own, valid from now: shared ones aged through the scenarios before it
                certificates = None
            certificates = certificates or stack.enter_context(Certificates([api_host]))
            ca_file = certificates.ca_file
            api = FakeAPI(intercept=[api_host], certificate=(str(certificates.cert_file), str(certificates.key_file)),
                          answers={**(answers or {}), **scenario.user.answers()}, subagent=subagent, dialect=speaks)
        else:
            api = FakeAPI(answers={**(answers or {}), **scenario.user.answers()}, subagent=subagent, dialect=speaks)
        stack.enter_context(api)
        sandbox = stack.enter_context(Sandbox(target, api, ca_file, scenario.user, remove))
        result = partial(result, sandbox=sandbox.seal.state)
        api.set_turns(scenario.script({"project": str(sandbox.project), "home": str(sandbox.home)}),
                      estimate_usage=bool(scenario.session and scenario.session.estimate_usage))
        if scenario.session is not None:
            session.prepare(sandbox.project, scenario.session)
        idle: list[str] = []
        try:
            if faketime is not None:
                outcome = _idle_run(sandbox, program_argv, scenario, faketime, timeout, partial(_main_turns, api, subagent), idle)
            elif later:  # prompts in turn to one process, no time passing in between
                outcome = sandbox.run_stream(program_argv, args, scenario.prompts(), timeout, _nothing, _nothing)
            elif scenario.mode == "print":
                outcome = sandbox.run_print(program_argv, args, timeout)
            else:
                outcome = sandbox.run_interactive(program_argv, args, scenario.prompt, timeout, lambda: _main_loop_finished(api))
            outcome.raise_for_failure(len(api.messages()), scenario.exit_ok)
            if scenario.session is not None:
                outcome.duration += _follow_up(sandbox, program_argv, scenario, scenario.session, timeout, api)
        except ScenarioUnsupported as e:
            return result(status=UNSUPPORTED, reason=str(e))
        except CaptureError as e:
            who = f"as a {scenario.user.plan.name} subscriber: " if scenario.user.plan else ""
            return result(status=ERROR, reason=f"{who}{e}", egress=sandbox.attempts())
        volatiles = sandbox.volatiles(release)
        messages = api.messages()
        normalized = [speaks.view(normalize_request(r, volatiles)) for r in messages]
        for row in normalized:  # a subagent's id, and its parent's, are made per run
            for name in row["headers"]:
                if name == target.subagent_header or name.endswith("parent-agent-id"):
                    row["headers"][name] = "<agent-id>"
        requests = _ordered(messages, normalized, agent, speaks)
        return result(
            status=OK,
            requests=requests,
            honoured=scenario.user.honoured(requests),
            idle=idle,
            other_calls=sorted({f"{r.method} {r.path}" for r in api.requests if not speaks.is_call(r.method, r.path)}),
            egress=sandbox.attempts(),
            duration=round(outcome.duration, 2),
            exited=normalize_text(outcome.exited, volatiles),  # the program's own words: its paths and secrets masked
        )


def _nothing(_: int) -> None:
    """Nothing to do between the turns of a stream run whose clock does not move."""


def _main_turns(api: FakeAPI, subagent: Callable[[RecordedRequest], bool]) -> int:
    """How many requests of the main loop (offering tools, not a subagent's) the program has made so far."""
    return sum(1 for r in api.messages() if _offers_tools(api, r) and not subagent(r))


def _idle_run(sandbox: Sandbox, program_argv: list[str], scenario: Scenario, faketime: Path, timeout: float,
              turns: Callable[[], int], idle: list[str]) -> RunOutcome:
    """One run given every prompt in turn, its clock moved forward before each `later` prompt (noted in `idle`
    with the turn it starts: `turns()` counts the main loop's requests so far); then checked against the times
    the program wrote in its transcript, so a clock it did not follow is an error, not a capture claiming the
    release ignored the idle time."""
    assert scenario.session is not None
    later = scenario.session.later
    moves = clock.Clock(faketime, sandbox.root, scenario.session.idle_later)
    sandbox.extra_env.update(moves.env())

    def before(i: int) -> None:
        if i:
            moves.advance(later[i - 1].idle_minutes)
            idle.append(f"turn {turns()}: prompt {i + 1}, after {later[i - 1].idle_minutes} idle minutes")

    outcome = sandbox.run_stream(program_argv, scenario.command_args(sandbox.target.prompt_flag), scenario.prompts(), timeout, before, moves.release)
    if outcome.exit_code == 0:
        moves.check(session.latest(sandbox.home), outcome.label)
    return outcome


def _follow_up(sandbox: Sandbox, program_argv: list[str], scenario: Scenario, plan: session.Session, timeout: float, api: FakeAPI) -> float:
    """The session's later runs: age its transcript, then resume it once per follow-up prompt. Returns their time."""
    if plan.idle_minutes and plan.followups and not session.age(sandbox.home, plan.idle_minutes):
        raise CaptureError("the first run wrote no session transcript to resume")
    spent = 0.0
    for prompt in plan.followups:
        calls = len(api.messages())
        outcome = sandbox.run_print(program_argv, [*scenario.args, *session.resume_args(plan, sandbox.home), "-p", prompt], timeout)
        outcome.raise_for_failure(len(api.messages()) - calls)
        spent += outcome.duration
    return spent


def embedded_models(program_argv: list[str], target: Target) -> list[Any]:
    """The models of the catalogue the release's binary embeds; none when the target has no catalogue or this
    binary no readable one (the static extraction says why)."""
    if target.catalog is None:
        return []
    try:
        return catalog.read_binary(Path(program_argv[0]), target.catalog, program_argv[0])
    except (CatalogError, OSError):
        return []


def pinned_catalog(target: Target, models: list[Any]) -> dict[str, Any]:
    """The answer to the CLI's request for a newer model catalogue: the one its binary embeds, so what a capture
    records is the release's own prompts, not whatever the vendor serves that day."""
    spec = target.catalog
    if spec is None or not spec.refresh_path or not models:
        return {}
    return {spec.refresh_path: {spec.list_key: models}}


def capture_matrix(scenario: Scenario, target: Target, models: list[Any], run: Callable[[Scenario], ScenarioResult]) -> ScenarioResult:
    """A matrix scenario: `run` once per variant of the release's catalogue (catalog.variants), as one result whose
    requests carry their variant's label; the first variant that did not capture decides the status."""
    found = catalog.variants(models, target.catalog, scenario.matrix) if target.catalog else []
    args = scenario.command_args(target.prompt_flag)
    if not found:
        return ScenarioResult(scenario.name, scenario.mode, scenario.route, args, UNSUPPORTED,
                              f"no {scenario.matrix} to run: this release has no readable model catalogue")
    runs = [(label, run(scenario.variant(label, values))) for label, values in found]
    failed = next(((label, r) for label, r in runs if r.status != OK), None)
    status, reason = (failed[1].status, f"{failed[0]}: {failed[1].reason}") if failed else (OK, "")
    return ScenarioResult(
        scenario.name, scenario.mode, scenario.route, args, status, reason,
        requests=[{"variant": label, **request} for label, r in runs for request in r.requests],
        other_calls=sorted({c for _, r in runs for c in r.other_calls}),
        egress=sorted({e for _, r in runs for e in r.egress}),
        duration=round(sum(r.duration for _, r in runs), 2),
        honoured={f"{label}/{k}": v for label, r in runs for k, v in r.honoured.items()},
        sandbox=runs[0][1].sandbox,
    )


def capture(
    program_argv: list[str],
    target: Target,
    scenarios: list[Scenario],
    timeout: float = 60,
    on_progress: Callable[[str, ScenarioResult | None], None] | None = None,
    api_host: str = DEFAULT_API_HOST,
    release: Path | None = None,
) -> dict[str, ScenarioResult]:
    """Run every scenario against `program_argv` (e.g. ["node", ".../cli.js"] or [".../claude"]), unpacked in `release`.

    `on_progress(name, None)` is called as a scenario starts and `on_progress(name, result)` as it ends.
    A scenario's sandbox is deleted while the next one runs (a Codex run leaves SQLite databases whose
    removal, on a journaling disk, takes a third of a short run); all are gone when this returns.
    Raises CaptureError only when the sandbox itself cannot be set up.
    """
    results: dict[str, ScenarioResult] = {}
    if any(s.session is not None and s.session.idle_later for s in scenarios):
        clock.library()  # no libfaketime: stop before any scenario runs, not in the middle
    models = embedded_models(program_argv, target)
    answers = pinned_catalog(target, models)
    with ExitStack() as stack:
        cleaner = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="auditor-sandbox-removal"))
        certificates = None
        if any(s.route == "first-party" for s in scenarios):
            certificates = stack.enter_context(Certificates([api_host]))
        for scenario in scenarios:
            if on_progress:
                on_progress(scenario.name, None)
            run = partial(capture_scenario, program_argv, target, timeout=timeout, api_host=api_host, certificates=certificates,
                          release=release, answers=answers, remove=lambda folder: cleaner.submit(remove_now, folder))
            results[scenario.name] = capture_matrix(scenario, target, models, run) if scenario.matrix else run(scenario)
            if on_progress:
                on_progress(scenario.name, results[scenario.name])
    return results
