"""What each capture scenario sent, as fields a person reads (model, max_tokens, thinking, effort,
context_management, betas, tools, system blocks, the other parameters), per request role; and the
same for two releases side by side. Pure functions over stored capture facts (capture/facts.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..capture.facts import CAPTURE_KINDS

Facts = Mapping[str, Mapping[str, Any]]  # kind -> key -> value: one capture snapshot
Value = str | tuple[str, ...] | None  # a scalar shown whole, or a list whose items are compared one by one
FIRST = ("model", "max_tokens", "thinking", "effort", "context_management", "betas", "tools", "system blocks")
KINDS = tuple(k for k in CAPTURE_KINDS if k != "history")  # what the view reads of a snapshot


def compact(value: Any) -> str:
    """A parameter value on one line: strings bare, the rest as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def block_line(index: str, text: str) -> str:
    """`block 2 · 12,345 chars · You are Claude Code…`: a system block by its size and first words."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"block {index} · {len(text):,} chars · {first[:60]}{'…' if len(first) > 60 else ''}"


def request_fields(facts: Facts) -> dict[str, dict[str, Value]]:
    """role (`turn 0`, `side 0`, …) -> field -> value, for one scenario's capture. Effort is read out of
    output_config; betas from the anthropic-beta header; tools and system blocks as lists."""
    roles: dict[str, dict[str, Value]] = {}

    def put(key: str, name: str, value: Value) -> None:
        role, _, rest = key.partition(": ")
        if rest:
            roles.setdefault(role, {})[name or rest] = value

    for key, value in facts.get("request_param", {}).items():
        name = key.partition(": ")[2]
        if " cache_control" in name:
            continue  # shown with its block
        if name == "output_config" and isinstance(value, dict) and "effort" in value:
            put(key, "effort", compact(value["effort"]))
            rest = {k: v for k, v in value.items() if k != "effort"}
            if rest:
                put(key, "output_config", compact(rest))
            continue
        put(key, "", compact(value))
    for key, value in facts.get("header", {}).items():
        if key.endswith(": anthropic-beta"):
            items = value if isinstance(value, list) else str(value).split(",")
            put(key, "betas", tuple(sorted(str(b).strip() for b in items)))
    tools: dict[str, list[str]] = {}
    for key in facts.get("tool_schema", {}):
        role, _, name = key.partition(": ")
        tools.setdefault(role, []).append(name)
    for role, names in tools.items():
        roles.setdefault(role, {})["tools"] = tuple(sorted(names))
    params = facts.get("request_param", {})
    blocks: dict[str, list[str]] = {}
    for key, text in sorted(facts.get("system_block", {}).items(), key=lambda kv: _block_order(kv[0])):
        role, _, name = key.partition(": ")
        index = name.removeprefix("block ")
        cache = params.get(f"{role}: system block {index} cache_control")
        blocks.setdefault(role, []).append(block_line(index, str(text)) + (f" · cache {compact(cache)}" if cache else ""))
    for role, lines in blocks.items():
        roles.setdefault(role, {})["system blocks"] = tuple(lines)
    return {role: dict(sorted(fields.items(), key=_field_order)) for role, fields in sorted(roles.items())}


def _block_order(key: str) -> tuple[str, int]:
    role, _, name = key.partition(": ")
    index = name.removeprefix("block ")
    return role, int(index) if index.isdigit() else 0


def _field_order(item: tuple[str, Value]) -> tuple[int, str]:
    name = item[0]
    return (FIRST.index(name) if name in FIRST else len(FIRST)), name


def _name(item: str) -> str:
    return item.split(" · ", 1)[0]


@dataclass(frozen=True)
class Field:
    """One field of one request at both ends (a single release: `before` is None and nothing changed)."""

    name: str
    before: Value
    after: Value
    compared: bool

    @property
    def changed(self) -> bool:
        return self.compared and self.before != self.after

    def items(self) -> list[tuple[str, str]]:
        """A list field's items as (mark, item): `+` added, `-` removed, `~` changed (same name before
        ` · `, as a system block's index), ` ` the same in both (or shown alone)."""
        if not self.compared:
            return [(" ", item) for item in self.after or ()]
        old = {_name(i): i for i in self.before or ()}
        new = {_name(i): i for i in self.after or ()}
        out = []
        for name, item in new.items():
            was = old.get(name)
            if was is None:
                out.append(("+", item))
            elif was != item:
                out.append(("~", f"{item}  (was: {was.split(' · ', 2)[1] if ' · ' in was else was})"))
            else:
                out.append((" ", item))
        return out + [("-", item) for name, item in old.items() if name not in new]

    @property
    def is_list(self) -> bool:
        return isinstance(self.after, tuple) or isinstance(self.before, tuple)


@dataclass(frozen=True)
class Request:
    role: str
    model: str  # what the role asked for at the newer end, for the label
    fields: tuple[Field, ...]
    status: str  # same, changed, added, removed (only the first when not compared)

    @property
    def changed(self) -> int:
        return sum(f.changed for f in self.fields)


def requests(after: Facts, before: Facts | None = None) -> list[Request]:
    """One scenario's requests: after's alone, or before → after, role by role and field by field."""
    new = request_fields(after)
    old = request_fields(before) if before is not None else {}
    compared = before is not None
    out = []
    for role in sorted({*old, *new}):
        a, b = old.get(role, {}), new.get(role, {})
        names = sorted({*a, *b}, key=lambda n: _field_order((n, None)))
        fields = tuple(Field(n, a.get(n), b.get(n), compared) for n in names)
        status = "same" if not compared else "added" if role not in old else "removed" if role not in new else "changed" if any(f.changed for f in fields) else "same"
        model = str((b or a).get("model") or "?")
        out.append(Request(role, model, fields, status))
    return out
