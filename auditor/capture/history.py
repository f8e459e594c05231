"""What a session drops from its own history: each request's messages against the previous request of the
same conversation thread (pure functions).

A client resends the whole conversation on every turn, so request N should hold request N-1's messages
unchanged, then the new ones. What it does not — thinking blocks stripped, tool results replaced by a
placeholder or cut short, messages dropped, the history compacted into a summary, text rewritten — is
an event. Messages are first reduced to `Message` digests (role, and per block its type, tool id, size
and content hashes): the proxy keeps those between requests instead of anyone's words. A block's text is
kept (`marker`) only when it is short and the caller allows it, so a placeholder can be quoted.

Cache markers (`cache_control`) move forward every turn and are ignored; blocks appended to the last
message (a follow-up merged into it) are growth, not a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

THINKING = frozenset({"thinking", "redacted_thinking"})
REMINDER = "<system-reminder>"
MARKER_CHARS = 240  # a replacement at most this long may be quoted (placeholders are short; some name a saved file)
_HEAD = 64  # a shortened result that keeps this many leading characters was truncated, not replaced
COMPACTED_SHARE = 0.5  # losing at least this share of the earlier messages is a compaction

# Event kinds, stable names (facts are diffed across releases by them).
STRIPPED, THINKING_CHANGED = "thinking stripped", "thinking rewritten"
CLEARED, TRUNCATED = "tool result cleared", "tool result truncated"
RESULT_CHANGED, CALL_CHANGED, TEXT_CHANGED = "tool result rewritten", "tool call rewritten", "text rewritten"
BLOCK_DROPPED, DROPPED, INSERTED, COMPACTED = "block dropped", "message dropped", "message inserted", "history compacted"
REMINDER_DROPPED = "system reminder dropped"


@dataclass(frozen=True)
class Block:
    """One content block, reduced to what comparing needs."""

    type: str
    ref: str  # the tool_use id a tool_use/tool_result carries, else ""
    size: int  # characters of its content
    digest: str  # of the whole content
    head: str  # of its first _HEAD characters
    marker: str = ""  # the content itself, when short and allowed
    reminder: bool = False  # a <system-reminder> the client injected, not the user's or the model's words

    @property
    def anchor(self) -> tuple[str, str]:
        return self.type, self.ref


@dataclass(frozen=True)
class Message:
    role: str
    blocks: tuple[Block, ...]

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Its role, content and tool ids (thinking aside: stripping it is reported block by block)."""
        return self.role, tuple((b.ref, b.digest) for b in self.blocks if b.type not in THINKING)

    @property
    def anchor(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """What identifies a message whatever happened to its content: role, and its non-thinking blocks' types and tool ids."""
        return self.role, tuple(b.anchor for b in self.blocks if b.type not in THINKING)


@dataclass(frozen=True)
class Event:
    """One thing request N changed in what request N-1 had sent."""

    kind: str
    index: int  # the message's position in the earlier request
    role: str
    before: int  # characters (messages, for a compaction)
    after: int
    marker: str = ""

    def __str__(self) -> str:
        unit = "messages" if self.kind == COMPACTED else "chars"
        quoted = f" → {json.dumps(self.marker, ensure_ascii=False)}" if self.marker else ""
        return f"{self.kind}: message {self.index} ({self.role}), {self.before} → {self.after} {unit}{quoted}"


def _text(value: Any) -> str:
    """A block's content as one string: text as is, anything structured as canonical JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) and v.get("type") == "text" for v in value):
        return "\n".join(str(v.get("text", "")) for v in value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def content(block: dict[str, Any]) -> str:
    """A content block's text: a tool result's as its text parts joined, anything structured as canonical JSON."""
    kind = block.get("type")
    if kind == "text":
        return _text(block.get("text", ""))
    if kind == "thinking":
        return _text(block.get("thinking", ""))
    if kind == "redacted_thinking":
        return _text(block.get("data", ""))
    if kind == "tool_use":
        return _text(block.get("input", {}))
    if kind == "tool_result":
        return _text(block.get("content", ""))
    return _text({k: v for k, v in block.items() if k not in ("type", "cache_control")})


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def block(raw: Any, markers: bool = True) -> Block:
    """One API content block as a `Block`; `markers=False` never keeps any of its text."""
    if not isinstance(raw, dict):
        raw = {"type": "text", "text": _text(raw)}
    kind = str(raw.get("type", "?"))
    text = content(raw)
    ref = raw.get("id") if kind in ("tool_use", "server_tool_use") else raw.get("tool_use_id", "")
    marker = text if markers and len(text) <= MARKER_CHARS and kind not in THINKING else ""
    reminder = kind == "text" and text.lstrip().startswith(REMINDER)
    return Block(kind, str(ref or ""), len(text), _hash(text), _hash(text[:_HEAD]), marker, reminder)


def digest(messages: Iterable[Any], markers: bool = True) -> tuple[Message, ...]:
    """API messages as `Message`s (a string content is one text block)."""
    out: list[Message] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        blocks = [content] if isinstance(content, str) else content if isinstance(content, list) else []
        out.append(Message(str(message.get("role", "?")), tuple(block(b, markers) for b in blocks)))
    return tuple(out)


def compare(before: Sequence[Message], after: Sequence[Message]) -> list[Event]:
    """What `after` (request N) removed or altered of `before` (request N-1), in message order.

    Messages are aligned twice: unchanged ones first (by content, thinking aside), then, in each stretch
    between them, by role and block kinds, so an edited message pairs with its earlier self."""
    events: list[Event] = []
    dropped: list[Event] = []
    inserted: list[Event] = []
    exact = SequenceMatcher(None, [m.key for m in before], [m.key for m in after], autojunk=False)
    for op, b0, b1, a0, a1 in exact.get_opcodes():
        if op == "equal":
            events += [e for i in range(b1 - b0) for e in _blocks(b0 + i, before[b0 + i], after[a0 + i], b0 + i == len(before) - 1)]
            continue
        loose = SequenceMatcher(None, [m.anchor for m in before[b0:b1]], [m.anchor for m in after[a0:a1]], autojunk=False)
        for op2, c0, c1, d0, d1 in loose.get_opcodes():
            c0, c1, d0, d1 = c0 + b0, c1 + b0, d0 + a0, d1 + a0
            pairs = min(c1 - c0, d1 - d0) if op2 in ("equal", "replace") else 0
            events += [e for i in range(pairs) for e in _blocks(c0 + i, before[c0 + i], after[d0 + i], c0 + i == len(before) - 1)]
            dropped += [_whole(DROPPED, i, before[i]) for i in range(c0 + pairs, c1)]
            if c1 < len(before):  # messages appended after the last earlier one are the conversation going on
                inserted += [_whole(INSERTED, c0, after[i], inserted=True) for i in range(d0 + pairs, d1)]
    if before and len(dropped) >= COMPACTED_SHARE * len(before):
        return [Event(COMPACTED, 0, "history", len(before), len(after))]
    return sorted(events + dropped + inserted, key=lambda e: (e.index, e.kind))


def _size(message: Message) -> int:
    return sum(b.size for b in message.blocks)


def _whole(kind: str, index: int, message: Message, inserted: bool = False) -> Event:
    size = _size(message)
    return Event(kind, index, message.role, 0 if inserted else size, size if inserted else 0)


def _blocks(index: int, old: Message, new: Message, last: bool) -> list[Event]:
    """Block by block: thinking kept or not, then the other blocks aligned by type and tool id."""
    events = []
    kept = {b.digest for b in new.blocks if b.type in THINKING}
    old_thinking = [b for b in old.blocks if b.type in THINKING]
    new_thinking = [b for b in new.blocks if b.type in THINKING]
    lost = [b for b in old_thinking if b.digest not in kept]
    if lost:
        kind = THINKING_CHANGED if len(new_thinking) >= len(old_thinking) else STRIPPED
        after = sum(b.size for b in new_thinking if b.digest not in {o.digest for o in old_thinking})
        events.append(Event(kind, index, old.role, sum(b.size for b in lost), after))
    same = {b.digest for b in old.blocks} & {b.digest for b in new.blocks}  # kept as they were, wherever they moved
    old_rest = [b for b in old.blocks if b.type not in THINKING and b.digest not in same]
    new_rest = [b for b in new.blocks if b.type not in THINKING and b.digest not in same]
    matcher = SequenceMatcher(None, [b.anchor for b in old_rest], [b.anchor for b in new_rest], autojunk=False)
    for op, o0, o1, n0, n1 in matcher.get_opcodes():
        if op in ("equal", "replace"):
            pairs = min(o1 - o0, n1 - n0)
            events += [e for i in range(pairs) if (e := _changed(index, old.role, old_rest[o0 + i], new_rest[n0 + i]))]
            events += [_block_dropped(index, old.role, b) for b in old_rest[o0 + pairs:o1]]
        elif op == "delete":
            events += [_block_dropped(index, old.role, b) for b in old_rest[o0:o1]]
        elif op == "insert" and not (last and n1 == len(new_rest)):
            events += [Event(INSERTED.replace("message", f"block ({b.type})"), index, old.role, 0, b.size) for b in new_rest[n0:n1]]
    return events


def _block_dropped(index: int, role: str, block: Block) -> Event:
    return Event(REMINDER_DROPPED if block.reminder else f"{BLOCK_DROPPED} ({block.type})", index, role, block.size, 0)


def _changed(index: int, role: str, old: Block, new: Block) -> Event | None:
    if old.digest == new.digest:
        return None
    if old.reminder and not new.reminder:
        return _block_dropped(index, role, old)
    if old.type == "tool_result" and new.type == "tool_result":
        if new.size < old.size:
            kind = TRUNCATED if new.head == old.head and new.size >= _HEAD else CLEARED
        else:
            kind = RESULT_CHANGED
    elif old.type == "tool_use":
        kind = CALL_CHANGED
    elif old.type == "text":
        kind = TEXT_CHANGED
    else:
        kind = f"{new.type} rewritten"
    return Event(kind, index, role, old.size, new.size, new.marker if new.size < old.size else "")


def thread_key(body: dict[str, Any], headers: dict[str, Any] | list[tuple[str, str]], session_header: str = "x-claude-code-session-id",
               agent_header: str | None = "x-claude-code-agent-id") -> str | None:
    """Which conversation thread a request continues: its session, its agent (a subagent keeps its own
    history) and the tools it offers. None for requests offering no tools (titles, summaries)."""
    tools = body.get("tools") if isinstance(body, dict) else None
    if not tools:
        return None
    pairs = headers.items() if isinstance(headers, dict) else headers
    found = {k.lower(): v for k, v in pairs}
    session = str(found.get(session_header) or _metadata_session(body))
    agent = str(found.get(agent_header, "")) if agent_header else ""
    names = sorted(str(t.get("name", "?")) for t in tools if isinstance(t, dict))
    return f"{session}|{agent}|{_hash(' '.join(names))}"


def _metadata_session(body: dict[str, Any]) -> str:
    """Older releases name the session only inside metadata.user_id ("…_session_<uuid>" or a JSON object)."""
    user = (body.get("metadata") or {}).get("user_id") if isinstance(body.get("metadata"), dict) else None
    if not isinstance(user, str):
        return ""
    try:
        parsed = json.loads(user)
    except ValueError:
        return user.rpartition("session_")[2]
    return str(parsed.get("session_id", "")) if isinstance(parsed, dict) else ""


def integrity(requests: Sequence[tuple[str | None, Sequence[Any]]]) -> list[list[Event]]:
    """For (thread key, messages) in request order: each request's events against the previous request of its thread."""
    last: dict[str, tuple[Message, ...]] = {}
    out: list[list[Event]] = []
    for key, messages in requests:
        if key is None:
            out.append([])
            continue
        current = digest(messages)
        out.append(compare(last[key], current) if key in last else [])
        last[key] = current
    return out


def counts(events: Iterable[Event]) -> dict[str, int]:
    """Events per kind, for distributions."""
    out: dict[str, int] = {}
    for event in events:
        out[event.kind] = out.get(event.kind, 0) + 1
    return dict(sorted(out.items()))


def resent(messages: Sequence[Any]) -> str:
    """What a request resends of the conversation: messages, thinking blocks and tool results, with their sizes."""
    found = digest(messages, markers=False)
    thinking = [b for m in found for b in m.blocks if b.type in THINKING]
    results = [b for m in found for b in m.blocks if b.type == "tool_result"]
    return (f"{len(found)} messages; thinking {len(thinking)} ({sum(b.size for b in thinking)} chars); "
            f"tool results {len(results)} ({sum(b.size for b in results)} chars)")
