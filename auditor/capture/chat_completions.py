"""OpenAI's Chat Completions API (`POST /chat/completions`, as OpenAI-compatible gateways serve it), as the
fake answers it and as the captured facts read it: `CHAT`, the dialect server.py speaks for a target whose
`api` is "chat" (Qwen Code).

The path has no fixed prefix: a client appends `/chat/completions` to whatever base URL it was given
(`http://127.0.0.1:PORT` or `…/v1`). The conversation is `messages`: system messages (the prompt), user
messages, the model's messages with their `tool_calls`, and `tool` messages carrying each call's result.
`view` turns a body into the Messages shape facts.py reads: system messages as system blocks, each
function tool by its name, tool calls as `tool_use` and their results as `tool_result` blocks (so the
history checks pair them by id), every other field kept as sent.

The fake streams `chat.completion.chunk`s: the text, then each tool call whole (index, id, name,
arguments), then the finish reason, then usage when the request asked for it (`stream_options`), then
`[DONE]`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .server import RecordedRequest, Reply, Turn

_CALL = re.compile(r"^(?:/[\w.-]+)*/chat/completions$")
CALL_ID = "call_auditor_"
_USAGE_OUT = 8


def _messages(body: Any) -> list[dict[str, Any]]:
    messages = body.get("messages") if isinstance(body, dict) else None
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _functions(body: Any) -> list[dict[str, Any]]:
    """Each tool offered, as its function (name, description, parameters) with the tool's other keys."""
    tools = body.get("tools") if isinstance(body, dict) else None
    out = []
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
            out.append({**tool["function"], **{k: v for k, v in tool.items() if k not in ("function", "type")}})
        elif isinstance(tool, dict):
            out.append(tool if tool.get("name") else {**tool, "name": str(tool.get("type", "?"))})
    return out


def turn_index(body: Any) -> int:
    """The model's messages the history already holds (counting history instead of requests keeps the
    script right when side requests interleave)."""
    return sum(1 for m in _messages(body) if m.get("role") == "assistant")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))


def _blocks(content: Any) -> list[dict[str, Any]]:
    """A message's content as typed blocks: a string is one text block, parts keep their type."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    out = []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, dict) and part.get("type") == "text":
            out.append({"type": "text", "text": part.get("text", "")})
        elif isinstance(part, dict):
            out.append({"type": str(part.get("type", "?")), "input": {k: v for k, v in part.items() if k != "type"}})
    return out


def _arguments(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def view(body: Any) -> Any:
    """A Chat Completions body in the Messages shape (module docstring); any other body as it is."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return body
    system: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for message in _messages(body):
        role = message.get("role")
        if role in ("system", "developer"):
            system.append({"type": "text", "text": _text(message.get("content"))})
            continue
        blocks = _blocks(message.get("content"))
        if message.get("reasoning_content"):
            blocks.insert(0, {"type": "thinking", "thinking": message["reasoning_content"]})
        for call in message.get("tool_calls") or []:
            function = (call.get("function") or {}) if isinstance(call, dict) else {}
            blocks.append({"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": _arguments(function.get("arguments"))})
        if role == "tool":
            blocks = [{"type": "tool_result", "tool_use_id": message.get("tool_call_id"), "content": _text(message.get("content"))}]
        messages.append({"role": role, "content": blocks})
    rest = {k: v for k, v in body.items() if k not in ("messages", "tools")}
    offered = _functions(body)
    return {**rest, "system": system, "messages": messages, **({"tools": offered} if offered else {})}


def _reply(body: dict[str, Any], turn: Turn, index: int) -> tuple[str, list[dict[str, Any]]]:
    """The answer's text and tool calls on turn `index`: a call of the turn's tool (or of the first of its
    `also` offered) when the request offers it, beside the turn's text; else the text alone."""
    offered = {f.get("name") for f in _functions(body)}
    name = next((n for n in (turn.tool, *turn.also) if n and n in offered), None)
    if not name:
        return turn.text or "Done.", []
    call = {"index": 0, "id": f"{CALL_ID}{index:04d}", "type": "function", "function": {"name": name, "arguments": json.dumps(turn.tool_input)}}
    return turn.text, [call]


def _chunk(body: dict[str, Any], index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": f"chatcmpl-auditor-{index:04d}", "object": "chat.completion.chunk", "created": 0, "model": body.get("model"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def sse_events(body: dict[str, Any], text: str, calls: list[dict[str, Any]], index: int, usage: dict[str, int]) -> list[bytes]:
    """The stream answering one request."""
    chunks = [_chunk(body, index, {"role": "assistant", "content": text})]
    chunks += [_chunk(body, index, {"tool_calls": [call]}) for call in calls]
    chunks.append(_chunk(body, index, {}, "tool_calls" if calls else "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**_chunk(body, index, {}), "choices": [], "usage": usage})
    return [f"data: {json.dumps(c, separators=(',', ':'))}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]


class ChatCompletions:
    """The dialect (server.Dialect) of the Chat Completions API: POST …/chat/completions, streamed or not."""

    name = "Chat Completions API"

    def is_call(self, method: str, path: str) -> bool:
        return method == "POST" and _CALL.match(path) is not None

    def turn(self, body: Any) -> int:
        return turn_index(body)

    def rank(self, body: Any) -> int:
        return 0

    def reply(self, record: RecordedRequest, script: list[Turn], answered: set[str], tokens: int) -> Reply:
        body = record.body if isinstance(record.body, dict) else {}
        index = self.turn(body)
        text, calls = _reply(body, script[index] if index < len(script) else Turn(), index)
        usage = {"prompt_tokens": tokens, "completion_tokens": _USAGE_OUT, "total_tokens": tokens + _USAGE_OUT}
        label = "tool_use" if calls else "end_turn"
        if body.get("stream"):
            return Reply(label, {}, sse_events(body, text, calls, index, usage))
        whole = [{k: v for k, v in call.items() if k != "index"} for call in calls]  # a stream's calls are indexed, a message's not
        message: dict[str, Any] = {"role": "assistant", "content": text or None, **({"tool_calls": whole} if whole else {})}
        completion = {"id": f"chatcmpl-auditor-{index:04d}", "object": "chat.completion", "created": 0, "model": body.get("model"),
                      "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}], "usage": usage}
        return Reply(label, completion)

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "body": view(row["body"])}


CHAT = ChatCompletions()
