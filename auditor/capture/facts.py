"""Captured requests → snapshot facts, so captures are stored and diffed like the static facts.

Requests arrive in the shape of a Messages body (each dialect's `view`: a Responses API request's developer
messages are its system blocks, the tools of its `additional_tools` item its tools). Each request of a
scenario is named by its role (in a matrix scenario, within its variant: `MODEL/turn 0`): `turn N` for the agent loop (requests that offer
tools), `side N` for the others (title generation and the like). The system prompt and tools are
recorded for the first request of each role only: later turns repeat them. A subagent's requests are
`subagent N` (the runner marks them; `subagent NAME N` when the script handed that agent type its task), and a scenario that checks a setting adds `capture: honours NAME`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

from .. import kinds
from . import history
from .scenarios import Scenario
from .server import asks_for_summary

CAPTURE_FORMAT = "5"  # bump when these facts change shape: stored captures are redone (3: sealed runs, DNS/TCP/SSH attempts;
# 4: the texts the CLI adds to the conversation, subagents named by agent type; 5: a skill's prompt named by its skill (`skill NAME`), each
# capture stamped with its scenario's fingerprint)
CAPTURE_KINDS = kinds.CAPTURED
SANDBOX = "sandbox"  # sealed, or why the run was open: a fact of the machine, not of the release (a note, never a change)
HISTORY_CHANGES = "history changes"  # what a request dropped or altered of the previous one's messages (history.py)
# From this turn on, a turn's facts say how much it resends (sessions long enough to be trimmed); earlier
# turns don't, so captures stored before this fact existed (two turns at most) stay comparable.
RESENT_FROM = 2
_REMINDER_TAG = re.compile(r"</?system-reminder>")
_HASH = re.compile(r"\b[0-9a-f]{32,}\b")
_TITLE = 80  # characters of a text's first line that name it
# The Skill tool's result; the skill's prompt follows the results. The name is the program's words: a bounded name
# of name characters, or the texts keep their (bounded) titles.
_LAUNCHED = re.compile(rf"Launching skill: ([\w:.-]{{1,{_TITLE}}})")
_BODY_SKIPPED = {"messages", "system", "tools", "stream"}
_METADATA = ("metadata", "client_metadata")  # ids of this run: only their keys are facts
_HEADERS_SKIPPED = {"content-type", "accept", "accept-encoding", "content-length", "host", "connection"}


def scenario_facts(result: dict[str, Any], version: str) -> dict[str, dict[str, Any]]:
    """Facts of one scenario's result (`ScenarioResult.to_dict()`): status, parameters, prompt, tools,
    the history the CLI resends, headers. The release's own version number is masked."""
    facts: dict[str, dict[str, Any]] = {kind: {} for kind in CAPTURE_KINDS}
    facts["capture"]["status"] = result["status"] + (f": {result['reason']}" if result.get("reason") else "")
    facts["capture"]["other calls"] = result.get("other_calls", [])
    facts["capture"]["off-machine attempts"] = result.get("egress", [])
    if result.get("sandbox"):
        facts["capture"][SANDBOX] = result["sandbox"]
    if result.get("idle"):
        facts["capture"]["idle"] = result["idle"]
    if result.get("exited"):
        facts["capture"]["exited"] = result["exited"]
    for setting, honoured in result.get("honoured", {}).items():
        facts["capture"][f"honours {setting}"] = honoured
    counts: dict[tuple[str, str], int] = {}
    roles = []
    requests = result.get("requests", [])
    changes = history.integrity([(_thread(r), r["body"].get("messages") or []) for r in requests])
    for request, events in zip(requests, changes, strict=True):
        kind = _kind(request)
        variant = request.get("variant", "")
        number = counts[variant, kind] = counts.get((variant, kind), -1) + 1
        role = f"{variant}/{kind} {number}" if variant else f"{kind} {number}"
        roles.append(f"{role} ({request['body'].get('model', '?')})")
        request_facts(request, role, facts, version)
        if events:
            facts["history"][f"{role}: {HISTORY_CHANGES}"] = [str(e) for e in events]
        if kind == "turn" and number >= RESENT_FROM:
            facts["history"][f"{role}: resent"] = history.resent(request["body"].get("messages") or [])
    facts["capture"]["requests"] = roles
    return facts


def _kind(request: dict[str, Any]) -> str:
    """`turn` (the agent loop: it offers tools and leaves their use to the model), `side` (titles,
    summaries, and a classifier that forces its one tool for a structured verdict), `subagent` or
    `subagent NAME` (the agent type the script handed a task to), `compact` (the history summarized)."""
    if request.get("caller") == "subagent":
        return " ".join(("subagent", request["agent"])) if request.get("agent") else "subagent"
    body = request["body"]
    if asks_for_summary(body):
        return "compact"
    choice = body.get("tool_choice")
    forced = isinstance(choice, dict) and choice.get("type") == "tool"
    return "turn" if body.get("tools") and not forced else "side"


def _thread(request: dict[str, Any]) -> str | None:
    """The conversation a request continues (history.thread_key), within its variant of a matrix scenario."""
    key = history.thread_key(request["body"], request.get("headers") or {})
    return f"{request['variant']}|{key}" if key is not None and request.get("variant") else key


def collapse(changes: list) -> list:
    """A request that appeared or disappeared as a whole is one change (`capture: requests`), not one per
    header, parameter and tool it carried: drop the per-fact additions/removals under that role."""
    gone: set[tuple[str | None, str, str]] = set()
    for change in changes:
        if change.kind == "capture" and change.key == "requests":
            before = {r.split(" (")[0] for r in change.before or []}
            after = {r.split(" (")[0] for r in change.after or []}
            gone |= {(change.scenario, role, "removed") for role in before - after}
            gone |= {(change.scenario, role, "added") for role in after - before}
    return [c for c in changes if (c.scenario, c.key.split(": ")[0], c.status) not in gone or c.kind == "capture"]


def open_runs(states: list[tuple[str, str, str]]) -> tuple[list[str], Callable[[Any], bool]]:
    """Notes for the captures that ran open, from (version, scenario, sandbox fact) — one per reason — and a
    test of the changes to drop: whether a run was sealed says what the machine allowed, not what a release does."""
    reasons: dict[str, list[tuple[str, str]]] = {}
    for version, scenario, state in states:
        if state.startswith("open"):
            reasons.setdefault(state.removeprefix("open: "), []).append((version, scenario))
    notes = []
    for reason, runs in reasons.items():
        versions = sorted({v for v, _ in runs}, key=lambda v: [int(p) if p.isdigit() else p for p in v.split(".")])
        names = sorted({s for _, s in runs})
        notes.append(f"{len(runs)} capture{'s' * (len(runs) != 1)} ran unsealed ({reason}): {', '.join(versions[:3])}"
                     f"{' …' if len(versions) > 3 else ''} ({', '.join(names)}); there, only the proxy and ssh saw attempts to reach"
                     f" other hosts (a name looked up or a direct connection went unseen, and was not blocked), and the folders"
                     f" above the sandbox were checked, not hidden")
    return notes, lambda change: change.kind == "capture" and change.key == SANDBOX


def request_facts(request: dict[str, Any], role: str, facts: dict[str, dict[str, Any]], version: str) -> dict[str, dict[str, Any]]:
    """Add one normalized request's facts under `role` (also used for requests seen by the proxy)."""
    body = _mask(request.get("body") or {}, version)
    headers = _mask(request.get("headers") or {}, version)
    first_of_role = role.rpartition(" ")[2] in ("0", role)  # proxy roles ("main") are unnumbered; matrix ones "MODEL/turn 0"
    for key, value in body.items():
        if key in _METADATA and isinstance(value, dict):
            facts["request_param"][f"{role}: {key} keys"] = sorted(value)
        elif key not in _BODY_SKIPPED:
            facts["request_param"][f"{role}: {key}"] = value
    if first_of_role:
        system = body.get("system")
        blocks = [{"type": "text", "text": system}] if isinstance(system, str) else system or []
        for i, block in enumerate(blocks):
            facts["system_block"][f"{role}: block {i}"] = block.get("text", "")
            if block.get("cache_control"):
                facts["request_param"][f"{role}: system block {i} cache_control"] = block["cache_control"]
        for tool in body.get("tools") or []:
            name = tool.get("name", "?")
            facts["tool_schema"][f"{role}: {name}"] = {k: v for k, v in tool.items() if k != "name"}
    messages = body.get("messages") or []
    facts["history"][f"{role}: messages"] = [_shape(m) for m in messages]
    for title, text in _texts_added(messages, first_of_role).items():
        facts["message"][f"{role}: {title}"] = text
    for name, value in headers.items():
        if name not in _HEADERS_SKIPPED:
            facts["header"][f"{role}: {name}"] = value
    return facts


def _texts_added(messages: list[dict[str, Any]], whole: bool) -> dict[str, str]:
    """The texts the CLI put in the conversation, by title: all of a role's first request (system reminders,
    the task), else those after the last assistant message (a skill's prompt, reminders beside tool results).
    Tool results are what the tools returned, not words of the CLI's."""
    if not whole:
        last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
        messages = messages[last + 1:]
    found: dict[str, str] = {}
    for message in messages:
        if message.get("role") == "assistant":
            continue
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        texts = [b["text"] for b in blocks if b.get("type") == "text" and isinstance(b.get("text"), str) and b["text"].strip()]
        skills = _launched(blocks, len(texts))
        for i, text in enumerate(texts):
            text = _HASH.sub("<hash>", text)  # a folder named by a hash of the files the release unpacked
            key = title = f"skill {skills[i]}" if skills else _title(text)
            for n in itertools.count(2):
                if key not in found:
                    break
                key = f"{title} ({n})"
            found[key] = text
    return found


def _launched(blocks: list[dict[str, Any]], texts: int) -> list[str]:
    """The skills whose results say they launched, when the message then carries one text for each: the k-th
    text is the k-th skill's prompt (named so whatever its first line says, which releases rewrite)."""
    results = (_LAUNCHED.fullmatch(history.content(b).strip()) for b in blocks if b.get("type") == "tool_result")
    names = [launched[1] for launched in results if launched]
    return names if len(names) == texts else []


def _title(text: str) -> str:
    """A text's first line, its system-reminder tag left out: "The following skills are available …"."""
    line = next((line.strip() for line in _REMINDER_TAG.sub("", text).splitlines() if line.strip()), "")
    return line if len(line) <= _TITLE else line[:_TITLE - 1] + "…"


def stamp(scenario: Scenario) -> str:
    """What a capture of `scenario` is stored as extracted by: the facts' format and the scenario's fingerprint."""
    return f"{CAPTURE_FORMAT}/{scenario.fingerprint}"


def compatible(extractor: str) -> bool:
    """Whether a stored capture's facts have this format (whatever version of its scenario took it)."""
    return extractor.partition("/")[0] == CAPTURE_FORMAT


def _shape(message: dict[str, Any]) -> str:
    """`assistant: thinking(signed), text, tool_use`: what of a past message the CLI sends back."""
    content = message.get("content")
    if isinstance(content, str):
        return f"{message.get('role')}: text"
    parts = []
    for block in content or []:
        kind = block.get("type", "?")
        if kind in ("thinking", "redacted_thinking"):
            kind += "(signed)" if block.get("signature") or block.get("data") else "(unsigned)"
        if block.get("cache_control"):
            kind += "+cache_control"
        parts.append(kind)
    return f"{message.get('role')}: {', '.join(parts)}"


def _mask(value: Any, version: str) -> Any:
    """Replace the CLI's own version (user-agent, billing header) so it is not a change in itself."""
    text = json.dumps(value, ensure_ascii=False)
    return json.loads(text.replace(version, "{VERSION}")) if version in text else value


def summary(facts: dict[str, dict[str, Any]]) -> str:
    """One line per captured scenario: status, model, max_tokens, effort, tools offered on turn 0, whether what it set was honoured."""
    params = facts.get("request_param", {})
    effort = (params.get("turn 0: output_config") or params.get("turn 0: reasoning") or {}).get("effort", "—")
    tools = sum(1 for k in facts.get("tool_schema", {}) if k.startswith("turn 0:"))
    status = facts.get("capture", {}).get("status", "?")
    honours = "".join(f" {k.removeprefix('honours ')}={v.split(' (')[0]}" for k, v in facts.get("capture", {}).items() if k.startswith("honours "))
    variants = {r.split(" (")[0].rpartition("/")[0] for r in facts.get("capture", {}).get("requests", [])} - {""}
    if variants:  # a matrix scenario: one run per model (and effort)
        return f"{status[:60]:12} runs={len(variants)} requests={len(facts['capture']['requests'])} tools={len(facts.get('tool_schema', {}))}"
    return (f"{status[:60]:12} model={params.get('turn 0: model', '—')} max_tokens={params.get('turn 0: max_tokens', '—')} "
            f"effort={effort} tools={tools}{honours}")
