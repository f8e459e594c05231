"""An audit of the user's own setup (`audit diff A B --profile ~/.claude --project DIR`): the two ends of the
range captured with their settings, agents, skills, CLAUDE.md and MCP servers put back (capture/profile.py),
and the report led by what changed for that setup.

The `profile-…` scenarios are built from the built-in ones (print-default, two-turn, and subagent-haiku
calling the user's own agents that name a model); what they must honour comes from the user's settings.
Their captures are private: kept in the store's `profile_captures` table (never in the snapshots, facts and
texts that merge, import and the published stores copy), only for the setup used last, and never judged
(the judge's cache would keep them) — their changes are listed, and the setup's summary leads the report.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from . import versions as versions_
from .capture import ERROR, Scenario, capture, load_scenarios
from .capture.facts import CAPTURE_FORMAT, SANDBOX, collapse, scenario_facts
from .capture.profile import Profile
from .capture.user import PLANS, Honours
from .collector import Collector, Progress, Step
from .diff import diff_range
from .report import DiffReport
from .store import Store

PREFIX = "profile-"
BASES = {"profile-print": "print-default", "profile-two-turn": "two-turn", "profile-agent": "subagent-haiku"}
AGENTS_CALLED = 3  # of the user's agents that name a model, the first ones are called in profile-agent
_TOOL_SEARCH = "ToolSearch"
LEFT_OUT_SHOWN = 12
FORMAT = f"{CAPTURE_FORMAT}.2"  # a stored capture of a setup is redone when its facts change shape (.2: what of the setup it carries)
Facts = dict[str, dict[str, Any]]


def scenarios(profile: Profile, directory: Path | None = None, plan: str | None = None) -> list[Scenario]:
    """The profile scenarios: the built-in ones with the user's setup put back and its settings to honour (run
    as a subscriber of `plan` when one is named, else with an API key)."""
    base = {s.name: s for s in load_scenarios(directory, list(BASES.values()))}
    subscriber = PLANS[plan] if plan else None
    user = profile.user(profile.honours(), subscriber)
    out = [replace(base[BASES[name]], name=name, user=user) for name in ("profile-print", "profile-two-turn")]
    agents = list(profile.agents().items())[:AGENTS_CALLED]
    if agents:
        template = base[BASES["profile-agent"]]
        call = next(t for t in template.turns if t.tool)
        turns = tuple(replace(call, text=f"I'll ask {name}.", tool_input={**call.tool_input, "subagent_type": name,  # a task of its own: told apart
                                                                          "prompt": f"{call.tool_input['prompt']} ({name})"}) for name, _ in agents)
        models = {model.split("[")[0] for _, model in agents}
        honours = (Honours("agents' model", "model", models.pop(), "subagent"),) if len(models) == 1 else ()
        out.append(replace(template, name="profile-agent", prompt=f"Ask {', '.join(n for n, _ in agents)} what README.md is about.",
                           turns=(*turns, *(t for t in template.turns if not t.tool)), user=profile.user(profile.honours() + honours, subscriber)))
    return out


def digest(scenarios: list[Scenario]) -> str:
    """Names a setup in the store (its captures are kept under it), without keeping anything of it."""
    data = json.dumps([asdict(s) for s in scenarios], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def captures(collector: Collector, ends: list[str], scenarios: list[Scenario], mcp_names: Sequence[str] = (),
             markers: dict[str, dict[str, str]] | None = None, progress: Progress | None = None) -> tuple[dict[str, dict[str, Facts]], list[str]]:
    """Facts of every profile scenario at each end (version → scenario → facts): stored ones when the same
    setup was captured before, else captured now and stored apart (`profile_captures`); and what the
    captures made now took, as notes."""
    store, target, key = collector.store, collector.target.name, digest(scenarios)
    markers = markers or {}
    out: dict[str, dict[str, Facts]] = {}
    took: list[str] = []
    for done, version in enumerate(ends):
        platform = collector.platform_for(version)
        have = {s.name: f for s in scenarios if (f := store.profile_capture(target, version, platform, s.name, key, FORMAT)) is not None}
        missing = [s for s in scenarios if s.name not in have]
        if missing:
            def step(name: str, result: Any, version: str = version, done: int = done) -> None:
                if progress and result is None:
                    progress(Step(version, f"capture {name}", done, len(ends), None))

            started = time.monotonic()
            with collector.installed(version) as argv:
                results = capture(argv, collector.target, missing, on_progress=step)
            took.append(f"{version}: {len(results)} in {time.monotonic() - started:.1f}s ("
                        + ", ".join(f"{n} {r.duration:.1f}s" for n, r in results.items()) + ")")
            for name, result in results.items():
                have[name] = scenario_facts(result.to_dict(), version)
                have[name]["capture"].update(carried(result.requests, mcp_names, markers))
                if result.status != ERROR:  # a failed run is tried again next time
                    store.save_profile_capture(target, version, platform, name, key, FORMAT, have[name])
        out[version] = have
    return out, took


@dataclass(frozen=True)
class Item:
    """One thing the setup's requests show, at each end of the range."""

    scenario: str
    name: str
    before: str
    after: str
    detail: str = ""

    @property
    def changed(self) -> bool:
        return self.before != self.after or bool(self.detail)

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "item": self.name, "from": self.before, "to": self.after, "changed": self.changed,
                "detail": self.detail}


@dataclass
class Setup:
    """What changed for the user's setup between the ends of the range: the report leads with it."""

    from_version: str
    to_version: str
    put_back: list[str]
    left_out: list[str]
    items: list[Item] = field(default_factory=list)

    def lost(self) -> list[Item]:
        """Settings no longer honoured."""
        return [i for i in self.items if i.name.startswith("honours ") and i.before == "yes" and i.after != "yes"]

    def lines(self) -> list[str]:
        changed = [i for i in self.items if i.changed]
        out = [f"Your setup at {self.from_version} and at {self.to_version}: {len(changed)} of {len(self.items)} things it sends differ"]
        out.append("  put back: " + (", ".join(self.put_back) or "nothing"))
        if self.left_out:
            out.append("  left out:")
            out += [f"    {line}" for line in self.left_out[:LEFT_OUT_SHOWN]]
            out += [f"    … {len(self.left_out) - LEFT_OUT_SHOWN} more (--format json has all)"] if len(self.left_out) > LEFT_OUT_SHOWN else []
        lost: dict[str, list[Item]] = {}
        for item in self.lost():
            lost.setdefault(item.name.removeprefix("honours "), []).append(item)
        for setting, where in lost.items():
            out.append(f"  ! {setting} no longer honoured ({', '.join(i.scenario for i in where)}): {where[0].after}")
        scenario = None
        for item in self.items:
            if item.scenario != scenario:
                scenario = item.scenario
                out.append(f"  {scenario}")
            value = f"{item.before} → {item.after}" if item.before != item.after else f"{item.after} (same)"
            out.append(f"    {'~' if item.changed else ' '} {item.name}: {value}" + (f"; {item.detail}" if item.detail else ""))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"from": self.from_version, "to": self.to_version, "put_back": self.put_back, "left_out": self.left_out,
                "no_longer_honoured": sorted({i.name.removeprefix("honours ") for i in self.lost()}), "items": [i.to_json() for i in self.items]}


def put_back(profile: Profile) -> list[str]:
    """What of the setup the captures carry, counted (names, never contents)."""
    files = {**{f"~/{k}": v for k, v in profile.home_files.items()}, **{f"./{k}": v for k, v in profile.files.items()}}
    out = ["~/.claude/settings.json"] if profile.settings else []
    out += sorted(k for k in files if k.endswith(("CLAUDE.md", "CLAUDE.local.md", "settings.json", "settings.local.json")))
    for folder in ("agents", "skills", "commands", "rules", "output-styles"):
        n = sum(1 for k in files if f"/.claude/{folder}/" in k)
        if n:
            out.append(f"{folder}/ ({n} file{'s' * (n != 1)})")
    if profile.mcp:
        tools = sum(len(s["tools"]) for s in profile.mcp.values())
        out.append(f"{len(profile.mcp)} MCP server stub{'s' * (len(profile.mcp) != 1)} ({', '.join(sorted(profile.mcp))}; {tools} tools)")
    return out


NAMED = "mcp tools named in messages"
CARRIED = "carried"  # `turn 0: agents carried`: which of the user's agents (skills, commands, CLAUDE.md files) a request holds


def carried(requests: list[dict[str, Any]], mcp_names: Sequence[str], markers: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Facts naming what of the setup the first requests hold: `ROLE: mcp tools named in messages` (the
    setup's MCP tools a request names in its messages only: deferred, without their schemas), for the main
    loop's and the first subagent's first request (`turn 0`, `subagent NAME 0`); and `turn 0: KIND carried`, the user's agents, skills, commands
    and CLAUDE.md files whose distinctive line (Profile.markers) the main loop's first request holds."""
    out = {}
    for caller in (None, "subagent"):
        first = next((r for r in requests if r.get("caller") == caller and r["body"].get("tools")), None)
        if first is None:
            continue
        role = " ".join(filter(None, ("subagent", first.get("agent"), "0"))) if caller else "turn 0"
        if mcp_names:
            text = json.dumps(first["body"].get("messages") or [])
            out[f"{role}: {NAMED}"] = [n for n in mcp_names if n in text]
        if role == "turn 0":
            body = json.dumps(first["body"], ensure_ascii=False)
            for kind, lines in markers.items():
                out[f"{role}: {kind} {CARRIED}"] = sorted(n for n, line in lines.items() if json.dumps(line, ensure_ascii=False)[1:-1] in body)
    return out


def _role(scenario: str, facts: tuple[Facts, ...]) -> str:
    """Whose first request the lead reads: the main loop's, or in profile-agent the first subagent's (`subagent
    NAME 0`, named by the agent type it was handed its task as)."""
    if scenario != "profile-agent":
        return "turn 0"
    roles = [r.split(" (")[0] for f in facts for r in f.get("capture", {}).get("requests", [])]
    return next((r for r in roles if r.startswith("subagent") and r.endswith(" 0")), "subagent 0")


def _show(value: Any) -> str:
    if value is None:
        return "(not sent)"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _tools(facts: Facts, role: str) -> dict[str, Any]:
    return {k.removeprefix(f"{role}: "): v for k, v in facts.get("tool_schema", {}).items() if k.startswith(f"{role}: ")}


def mcp_state(tools: dict[str, Any], names: list[str], in_messages: list[str]) -> dict[str, str]:
    """How each of the setup's MCP tools reached the model: `sent` (with its schema), `deferred` (sent with
    defer_loading, or only named in the messages: the model loads it with ToolSearch), or `not offered`."""
    out = {}
    for name in names:
        if name in tools:
            schema = tools[name]
            out[name] = "deferred" if isinstance(schema, dict) and schema.get("defer_loading") else "sent"
        else:
            out[name] = "deferred" if name in in_messages and _TOOL_SEARCH in tools else "not offered"
    return out


def _counted(states: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none"


def items(scenario: str, a: Facts, b: Facts, mcp_names: list[str], markers: dict[str, dict[str, str]] | None = None) -> list[Item]:
    """What the setup's first request of `scenario` (the subagent's, in profile-agent) sent at each end."""
    role = _role(scenario, (a, b))
    markers = markers or {}
    out = []
    status = [f.get("capture", {}).get("status", "not captured") for f in (a, b)]
    if status != ["ok", "ok"]:
        out.append(Item(scenario, "capture", *map(str, status)))
    params = [f.get("request_param", {}) for f in (a, b)]
    for name, key, part in (("model", "model", None), ("effort", "output_config", "effort"), ("max_tokens", "max_tokens", None),
                            ("thinking", "thinking", None), ("context_management", "context_management", None)):
        values = [p.get(f"{role}: {key}") for p in params]
        if part:
            values = [v.get(part) if isinstance(v, dict) else None for v in values]
        out.append(Item(scenario, name, _show(values[0]), _show(values[1])))
    tools = [_tools(f, role) for f in (a, b)]
    own = [{k for k in t if not k.startswith("mcp__")} for t in tools]
    added, removed = sorted(own[1] - own[0]), sorted(own[0] - own[1])
    edited = sorted(k for k in own[0] & own[1] if tools[0][k] != tools[1][k])
    detail = "; ".join(f"{w}: {', '.join(n)}" for w, n in (("added", added), ("removed", removed), ("changed", edited)) if n)
    out.append(Item(scenario, "tools", str(len(own[0])), str(len(own[1])), detail))
    if mcp_names:
        states = [mcp_state(t, mcp_names, f.get("capture", {}).get(f"{role}: {NAMED}", [])) for t, f in zip(tools, (a, b), strict=True)]
        moved = [f"{n}: {states[0][n]} → {states[1][n]}" for n in mcp_names if states[0][n] != states[1][n]]
        out.append(Item(scenario, "MCP tools", _counted(states[0]), _counted(states[1]), "; ".join(moved[:6]) + (" …" if len(moved) > 6 else "")))
    blocks = [{k: v for k, v in f.get("system_block", {}).items() if k.startswith(f"{role}: ")} for f in (a, b)]
    sizes = [f"{len(x)} blocks, {sum(len(str(v)) for v in x.values()):,} chars" for x in blocks]
    edits = [f"{k.removeprefix(f'{role}: ')} {'added' if k not in blocks[0] else 'removed' if k not in blocks[1] else 'changed'}"
             for k in sorted(blocks[0].keys() | blocks[1].keys()) if blocks[0].get(k) != blocks[1].get(k)]
    out.append(Item(scenario, "system blocks", sizes[0], sizes[1], ", ".join(edits)))
    for kind in sorted({k.split(": ", 1)[1].removesuffix(f" {CARRIED}") for f in (a, b) for k in f.get("capture", {})
                        if k.startswith(f"{role}: ") and k.endswith(f" {CARRIED}")}):
        held = [set(f.get("capture", {}).get(f"{role}: {kind} {CARRIED}", [])) for f in (a, b)]
        known = held[0] | held[1] | set(markers.get(kind, {}))
        moved = [f"{n}: {'in' if n in held[0] else 'not in'} → {'in' if n in held[1] else 'not in'}" for n in sorted(known) if (n in held[0]) != (n in held[1])]
        out.append(Item(scenario, f"your {kind} in the request", f"{len(held[0])} of {len(known)}", f"{len(held[1])} of {len(known)}", "; ".join(moved)))
    if scenario == "profile-two-turn":  # what the second turn sends back of the first (thinking kept or dropped)
        out.append(Item(scenario, "turn 1 resends", *(" | ".join(f.get("history", {}).get("turn 1: messages", [])) or "(no turn 1)"
                                                      for f in (a, b))))
    honours = sorted({k for f in (a, b) for k in f.get("capture", {}) if k.startswith("honours ")})
    for key in honours:
        out.append(Item(scenario, key, *(_honoured(f.get("capture", {}).get(key, "not captured")) for f in (a, b))))
    return out


def _honoured(fact: Any) -> str:
    """`yes` when honoured (the value sent shows in the model and effort items), else what was sent instead."""
    text = str(fact)
    return "yes" if text.startswith("yes") else text


def mcp_tool_names(profile: Profile) -> list[str]:
    """The names the CLI gives the setup's MCP tools (`mcp__server__tool`)."""
    return sorted(f"mcp__{server}__{tool['name']}" for server, spec in profile.mcp.items() for tool in spec["tools"])


def lead(report: DiffReport, profile: Profile, scenarios: list[Scenario], facts: dict[str, dict[str, Facts]], took: list[str]) -> DiffReport:
    """The report with the setup's captures in it: their changes (A → B) and scenarios first, its summary as
    `setup`, and notes saying what was left out of it."""
    a, b = report.from_version, report.to_version
    names = [s.name for s in scenarios]
    changes = []
    for name in names:
        series = [(v, facts[v].get(name, {})) for v in (a, b)]
        changes += [c for c in collapse(diff_range(series, scenario=name)) if not (c.kind == "capture" and c.key == SANDBOX)]
    report.changes = changes + report.changes
    report.scenarios = names + [s for s in report.scenarios if s not in names]
    setup = Setup(a, b, put_back(profile), list(profile.dropped))
    for name in names:
        setup.items += items(name, facts[a].get(name, {}), facts[b].get(name, {}), mcp_tool_names(profile), profile.markers())
    report.setup = setup
    report.notes.insert(0, f"your setup was captured at {a} and {b} only ({', '.join(names)}); kept apart in the store, never judged "
                           "nor published" + (f"; captured now: {'; '.join(took)}" if took else "; as stored"))
    return report


def audit(collector: Collector, report: DiffReport, profile: Profile, scenarios_: list[Scenario], progress: Progress | None = None) -> DiffReport:
    """Capture the ends of `report`'s range with the user's setup, and lead the report with what changed for it."""
    facts, took = captures(collector, [report.from_version, report.to_version], scenarios_, mcp_tool_names(profile), profile.markers(), progress)
    return lead(report, profile, scenarios_, facts, took)


def recorded_tools(store: Store, target: str) -> dict[str, list[dict[str, Any]]]:
    """MCP tools seen by `audit proxy` in the newest recorded version, by server: what a stub can offer when no
    --mcp-tools file names them (a tool's description and schema as the CLI sent them)."""
    rows = store.snapshots(target, source="proxy")
    if not rows:
        return {}
    newest = versions_.sort([r.version for r in rows])[-1]
    row = next(r for r in rows if r.version == newest)
    out: dict[str, list[dict[str, Any]]] = {}
    for key, schema in store.facts(row.id, ("tool_schema",)).get("tool_schema", {}).items():
        name = key.split(": ", 1)[-1]
        parts = name.split("__")
        if len(parts) < 3 or parts[0] != "mcp" or not isinstance(schema, dict):
            continue
        tool = {"name": "__".join(parts[2:]), "description": str(schema.get("description", "")),
                "inputSchema": schema.get("input_schema") or {"type": "object", "properties": {}}}
        if not any(t["name"] == tool["name"] for t in out.get(parts[1], [])):
            out.setdefault(parts[1], []).append(tool)
    return out
