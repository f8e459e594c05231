"""OpenAI's Responses API (Codex), as the fake answers it and as the captured facts read it: `RESPONSES`,
the dialect server.py speaks for a target whose `api` is "responses".

A Responses request carries its whole conversation in `input`: messages, the model's earlier tool calls
and their outputs, and (Codex's "responses lite") the instructions as developer messages and the tools
in an `additional_tools` item, grouped in namespaces. `view` turns such a body into the shape the rest
of the capture reads (a Messages body: `system` blocks, named `tools`, `messages`), keeping every other
field as sent, so the facts, the history checks and the honours checks need no second reader.

The fake streams `response.created`, one `response.output_item.done` per item and `response.completed`,
which is all a client needs to finish a turn.
"""

from __future__ import annotations

import json
from typing import Any

from .server import RecordedRequest, Reply, Turn

PATH = "/v1/responses"
CALL_ID = "call_auditor_"
_CALLS = ("function_call", "custom_tool_call", "local_shell_call")
_OUTPUTS = ("function_call_output", "custom_tool_call_output", "local_shell_call_output")


def is_body(body: Any) -> bool:
    """A Responses request: its conversation is `input`, not `messages`."""
    return isinstance(body, dict) and "input" in body and "messages" not in body


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("input")
    if isinstance(items, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": items}]}]
    return [i for i in items or [] if isinstance(i, dict)]


def turn_index(body: dict[str, Any]) -> int:
    """The number of the model's own items (messages, tool calls) the input already holds."""
    return sum(1 for i in _items(body) if i.get("type") in _CALLS or (i.get("type") == "message" and i.get("role") == "assistant"))


def tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every tool offered, top-level or in an `additional_tools` item; a namespaced tool is named
    `namespace.name` (two namespaces may both have a tool of one name), a built-in one by its type
    (`{"type": "web_search"}`)."""
    found = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    for item in _items(body):
        if item.get("type") == "additional_tools":
            found += [t for t in item.get("tools") or [] if isinstance(t, dict)]
    out = []
    for tool in found:
        if tool.get("type") == "namespace":
            out += [{**t, "name": f"{tool.get('name')}.{t.get('name')}"} for t in tool.get("tools") or [] if isinstance(t, dict)]
        else:
            out.append(tool if tool.get("name") else {**tool, "name": str(tool.get("type", "?"))})
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))


def view(body: Any) -> Any:
    """A Responses body in the Messages shape (module docstring); any other body as it is."""
    if not is_body(body):
        return body
    system = [{"type": "text", "text": body["instructions"]}] if isinstance(body.get("instructions"), str) else []
    messages: list[dict[str, Any]] = []
    for item in _items(body):
        kind, role = item.get("type"), item.get("role")
        if kind == "message" and role in ("developer", "system"):
            system.append({"type": "text", "text": _text(item.get("content"))})
        elif kind == "message":
            messages.append({"role": role, "content": [{"type": "text", "text": _text(item.get("content"))}]})
        elif kind in _CALLS:
            call = {"type": "tool_use", "id": item.get("call_id"), "name": item.get("name"), "input": item.get("arguments", item.get("input"))}
            messages.append({"role": "assistant", "content": [call]})
        elif kind in _OUTPUTS:
            messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": item.get("call_id"), "content": item.get("output")}]})
        elif kind == "reasoning":
            messages.append({"role": "assistant", "content": [{"type": "thinking", "signature": item.get("encrypted_content")}]})
    rest = {k: v for k, v in body.items() if k not in ("input", "instructions", "tools")}
    offered = tools(body)
    return {**rest, "system": system, "messages": messages, **({"tools": offered} if offered else {})}


def reply_items(body: dict[str, Any], turn: Turn, index: int) -> list[dict[str, Any]]:
    """The output items answering one request on turn `index` of the script: a call
    of the turn's tool (or of the first of its `also` offered) when the request offers it, else the turn's
    text. A custom tool gets the text of `tool_input.input`, a function the other keys as JSON arguments,
    so one turn can script both (Codex's code-mode `exec` and, for other models, `exec_command`)."""
    offered = {t.get("name", "").rpartition(".")[2]: t for t in tools(body)}
    name = next((n for n in (turn.tool, *turn.also) if n and n in offered), None)
    items: list[dict[str, Any]] = []
    if name and turn.text:
        items.append(_message(turn.text, index))
    if name:
        call_id = f"{CALL_ID}{index:04d}"
        if offered[name].get("type") == "custom":
            items.append({"type": "custom_tool_call", "id": f"ctc_auditor_{index:04d}", "call_id": call_id, "name": name,
                          "input": str(turn.tool_input.get("input", ""))})
        else:
            items.append({"type": "function_call", "id": f"fc_auditor_{index:04d}", "call_id": call_id, "name": name,
                          "arguments": json.dumps({k: v for k, v in turn.tool_input.items() if k != "input"})})
        return items
    return [_message(turn.text or "Done.", index)]


def _message(text: str, index: int) -> dict[str, Any]:
    return {"type": "message", "id": f"msg_auditor_{index:04d}", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def stop_reason(items: list[dict[str, Any]]) -> str:
    """What the reply was, in the Messages API's words (the runner waits on "end_turn")."""
    return "tool_use" if items and items[-1]["type"] in _CALLS else "end_turn"


def sse_events(body: dict[str, Any], items: list[dict[str, Any]], index: int) -> list[bytes]:
    """The stream answering one request with these output items."""
    response: dict[str, Any] = {"id": f"resp_auditor_{index:04d}", "object": "response", "status": "in_progress", "model": body.get("model"), "output": []}
    usage = {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 8,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 20}
    events: list[tuple[str, dict[str, Any]]] = [("response.created", {"type": "response.created", "response": response})]
    events += [("response.output_item.done", {"type": "response.output_item.done", "output_index": i, "item": item}) for i, item in enumerate(items)]
    events.append(("response.completed", {"type": "response.completed", "response": {**response, "status": "completed", "output": items, "usage": usage}}))
    return [f"event: {e}\ndata: {json.dumps(d, separators=(',', ':'))}\n\n".encode() for e, d in events]


class Responses:
    """The dialect (server.Dialect) of OpenAI's Responses API: POST /v1/responses, streamed."""

    name = "Responses API"

    def is_call(self, method: str, path: str) -> bool:
        return method == "POST" and path == PATH

    def turn(self, body: Any) -> int:
        return turn_index(body) if is_body(body) else 0

    def rank(self, body: Any) -> int:
        return 0

    def reply(self, record: RecordedRequest, script: list[Turn], answered: set[str], tokens: int) -> Reply:
        body = record.body if isinstance(record.body, dict) else {}
        index = self.turn(body)
        items = reply_items(body, script[index] if index < len(script) else Turn(), index)
        completed = {"id": f"resp_auditor_{index:04d}", "object": "response", "status": "completed", "model": body.get("model"), "output": items}
        return Reply(stop_reason(items), completed, sse_events(body, items, index) if body.get("stream") else None)

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "body": view(row["body"])}


RESPONSES = Responses()
