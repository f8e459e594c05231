"""Google's Gemini API (v1beta `models/M:generateContent`, `:streamGenerateContent?alt=sse`) as the fake serves it.

Gemini CLI routes its default model: before the conversation's own request, a small model is asked
which model to use, with a JSON schema the answer must fit (`generationConfig.responseJsonSchema`),
and asked again if the answer does not. Any request carrying a schema (the router; older releases'
"who speaks next" check) is answered with the plainest value that fits it: an enum's first member,
a range's lowest number. So the router always hears "a simple request", its prompt is a side request's
system block, and its choice is the model the first turn then asks for.

The model is named in the path, not the body; `view` puts it in the body, with the system instruction
as system blocks, each function declaration as a tool, and `generationConfig` as parameters, which is
the shape facts.py reads.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .server import RecordedRequest, Reply, Turn

_CALL = re.compile(r"^/v1[a-z0-9]*/models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)$")
_PLAIN = {"string": "auditor", "boolean": False, "integer": 1, "number": 1, "array": [], "null": None}
_SCHEMA_KEYS = ("responseJsonSchema", "responseSchema")
_ROLES = {"model": "assistant"}  # the Messages API's name for the model's turns, which facts.py reads
_AVAILABLE = re.compile(r"\(Available: ((?:'[^']*'(?:, )?)+)\)")
_QUOTED = re.compile(r"'[^']*'")
_SKILLS = re.compile(r"(<available_skills>)(.*?)(</available_skills>)", re.S)
_SKILL = re.compile(r"\s*<skill>.*?</skill>", re.S)


def model_of(path: str) -> str | None:
    match = _CALL.match(path)
    return match["model"] if match else None


def plainest(schema: Any, depth: int = 0) -> Any:
    """The simplest value that fits a JSON schema (OpenAPI-style upper-case types too): an enum's or a
    union's first member, an object of its properties, a number at its minimum."""
    if not isinstance(schema, dict) or depth > 16:
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    for union in ("anyOf", "oneOf"):
        if schema.get(union):
            return plainest(schema[union][0], depth + 1)
    kind = schema.get("type")
    kind = (kind[0] if isinstance(kind, list) and kind else kind or ("object" if "properties" in schema else "string"))
    kind = str(kind).lower()
    if kind == "object":
        return {k: plainest(v, depth + 1) for k, v in (schema.get("properties") or {}).items()}
    if kind in ("integer", "number") and isinstance(schema.get("minimum"), int | float):
        return schema["minimum"]
    if kind == "array" and schema.get("minItems"):
        return [plainest(schema.get("items"), depth + 1)] * int(schema["minItems"])
    return _PLAIN.get(kind, "auditor")


def _contents(body: Any) -> list[dict[str, Any]]:
    contents = body.get("contents") if isinstance(body, dict) else None
    return [c for c in contents if isinstance(c, dict)] if isinstance(contents, list) else []


def _parts(content: dict[str, Any]) -> list[dict[str, Any]]:
    parts = content.get("parts")
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


def _offered(body: Any) -> set[Any]:
    tools = body.get("tools") if isinstance(body, dict) else None
    return {d.get("name") for t in tools or [] if isinstance(t, dict) for d in t.get("functionDeclarations") or [] if isinstance(d, dict)}


def _schema(body: Any) -> Any:
    config = body.get("generationConfig") if isinstance(body, dict) else None
    return next((config[k] for k in _SCHEMA_KEYS if isinstance(config, dict) and k in config), None)


class Gemini:
    """The Gemini API's generateContent calls."""

    name = "Gemini API"

    def is_call(self, method: str, path: str) -> bool:
        return method == "POST" and _CALL.match(path) is not None

    def turn(self, body: Any) -> int:
        """The model's answers in the history that called a tool: the canned answer some releases put in the
        history before the user's prompt is not a turn of the script (in print mode every turn but the last
        calls a tool)."""
        return sum(1 for c in _contents(body) if c.get("role") == "model" and any("functionCall" in p for p in _parts(c)))

    def rank(self, body: Any) -> int:
        """The conversation's own request (it offers tools) before the router's: their content changes from
        release to release, and the order of the roles named after them must not."""
        return 0 if _offered(body) else 1

    def reply(self, record: RecordedRequest, script: list[Turn], answered: set[str], tokens: int) -> Reply:
        body = record.body if isinstance(record.body, dict) else {}
        model = model_of(record.path) or "gemini-fake"
        schema = _schema(body)
        index = self.turn(body)
        parts: list[dict[str, Any]] = []
        if schema is not None:
            label = "json"
            parts.append({"text": json.dumps(plainest(schema))})
        else:
            turn = script[index] if index < len(script) else Turn()
            tool = next((name for name in (turn.tool, *turn.also) if name and name in _offered(body)), None)
            thinking = (body.get("generationConfig") or {}).get("thinkingConfig") or {}
            if turn.thinking and thinking.get("includeThoughts"):
                parts.append({"text": turn.thinking, "thought": True})
            if turn.text or not tool:
                parts.append({"text": turn.text or "Done."})
            if tool:
                parts.append({"functionCall": {"name": tool, "args": turn.tool_input}})
            label = "tool_use" if tool else "end_turn"
        answer = {
            "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": tokens, "candidatesTokenCount": 8, "totalTokenCount": tokens + 8},
            "modelVersion": model,
            "responseId": f"auditor-{index:04d}",
        }
        stream = record.path.endswith(":streamGenerateContent")
        return Reply(label, answer, [f"data: {json.dumps(answer, separators=(',', ':'))}\r\n\r\n".encode()] if stream else None)

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        raw = row.get("body")
        body: dict[str, Any] = raw if isinstance(raw, dict) else {}
        out: dict[str, Any] = {"model": model_of(row.get("path", "")) or "?"}
        system = body.get("systemInstruction")
        if isinstance(system, dict):
            out["system"] = [{"type": "text", "text": _skills_in_order(p.get("text", ""))} for p in _parts(system)]
        elif isinstance(system, str):
            out["system"] = system
        tools = [_in_order(d) for t in body.get("tools") or [] if isinstance(t, dict) for d in t.get("functionDeclarations") or [] if isinstance(d, dict)]
        others = [{k: v for k, v in t.items() if k != "functionDeclarations"} for t in body.get("tools") or [] if isinstance(t, dict)]
        if tools:
            out["tools"] = tools
        if any(others):
            out["builtin tools"] = [o for o in others if o]
        config = body.get("generationConfig")
        for key, value in (config.items() if isinstance(config, dict) else ()):
            out[key] = value
        for key, value in body.items():
            if key not in ("contents", "systemInstruction", "tools", "generationConfig"):
                out[key] = value
        out["messages"] = [{"role": _ROLES.get(str(c.get("role")), c.get("role")), "content": [_block(p) for p in _parts(c)]} for c in _contents(body)]
        return {**row, "body": out}


def _skills_in_order(text: str) -> str:
    """A system instruction whose `<available_skills>` are listed sorted: the CLI lists them in the order its
    file glob found them, as it does in activate_skill (`_in_order`)."""
    def sort(match: re.Match[str]) -> str:
        skills = _SKILL.findall(match[2])
        if not skills or "".join(skills) != match[2].rstrip():
            return match[0]  # not only skills in there: left as it is
        return match[1] + "".join(sorted(skills)) + match[2][len(match[2].rstrip()):] + match[3]

    return _SKILLS.sub(sort, text)


def _in_order(declaration: dict[str, Any]) -> dict[str, Any]:
    """A declaration whose choices are listed sorted: `activate_skill` names the skills in the order its
    file glob found them, which changes from run to run (its parameter's enum, its description's
    "(Available: 'a', 'b')")."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: sorted(v, key=str) if k == "enum" and isinstance(v, list) else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    out = {k: walk(v) for k, v in declaration.items() if k != "description"}
    if isinstance(declaration.get("description"), str):
        out["description"] = _AVAILABLE.sub(lambda m: "(Available: " + ", ".join(sorted(_QUOTED.findall(m[1]))) + ")", declaration["description"])
    elif "description" in declaration:
        out["description"] = declaration["description"]
    return {k: out[k] for k in declaration}


def _block(part: dict[str, Any]) -> dict[str, Any]:
    """A part as a typed block (history.py, facts._shape): its kind, and what it holds."""
    if part.get("thought"):
        return {"type": "thought", "text": part.get("text", "")}
    for kind in ("functionCall", "functionResponse", "inlineData", "fileData", "executableCode", "codeExecutionResult"):
        if kind in part:
            return {"type": kind, "input": part[kind]}
    return {"type": "text", "text": part.get("text", "")}


GEMINI = Gemini()
