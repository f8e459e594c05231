"""A stand-in for one of the user's MCP servers inside a capture: it answers `initialize` and `tools/list` with
the names and schemas the real server advertises, and refuses every tool call, so the CLI offers the model
what the user's setup offers without running anything of theirs (and without their tokens).

The program half is run by path with the standard library only (`python -I -S mcp_stub.py SERVER.json`): it
must not import auditor, which a sealed run may not see. It speaks MCP's stdio transport: one JSON-RPC
message per line on stdin and stdout. SERVER.json is `{"name": …, "tools": [{"name", "description",
"inputSchema"}, …], "instructions": "…"}` (instructions optional). `install` (run by auditor) puts a copy of
this file in a sandbox's HOME and registers one stub per server in its ~/.claude.json (user scope: the CLI
starts those without asking).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import IO, Any

FOLDER = ".auditor-mcp"  # in the sandbox's HOME
PROTOCOL = "2025-06-18"  # answered when the client names none
NOT_RUN = "auditor: this MCP server is a stub inside a capture; the tool did not run"


def answer(message: Any, server: dict[str, Any]) -> dict[str, Any] | None:
    """The reply to one JSON-RPC message (None for notifications and anything that is not a request)."""
    if not isinstance(message, dict) or "id" not in message or not isinstance(message.get("method"), str):
        return None
    method, params = message["method"], message.get("params")
    params = params if isinstance(params, dict) else {}
    if method == "initialize":
        result: dict[str, Any] = {
            "protocolVersion": params.get("protocolVersion") if isinstance(params.get("protocolVersion"), str) else PROTOCOL,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": {"name": server["name"], "version": "0.0.0-auditor-stub"},
        }
        if server.get("instructions"):
            result["instructions"] = server["instructions"]
    elif method == "tools/list":
        result = {"tools": server["tools"]}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": NOT_RUN}], "isError": True}
    elif method == "ping":
        result = {}
    else:
        return {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": f"method not found: {method}"}}
    return {"jsonrpc": "2.0", "id": message["id"], "result": result}


def serve(server: dict[str, Any], stdin: IO[str], stdout: IO[str]) -> None:
    """Answer line by line until stdin closes."""
    for line in stdin:
        try:
            reply = answer(json.loads(line), server)
        except ValueError:
            continue
        if reply is not None:
            stdout.write(json.dumps(reply) + "\n")
            stdout.flush()


def install(home: Path, servers: dict[str, dict[str, Any]]) -> None:
    """Copy this program into `home` and register a stub per server (name → {"tools", "instructions"}) in its
    ~/.claude.json, run by the Python auditor runs in (a sealed run keeps it visible)."""
    folder = home / FOLDER
    folder.mkdir(exist_ok=True)
    program = folder / "mcp_stub.py"
    shutil.copyfile(__file__, program)
    config_path = home / ".claude.json"
    config = json.loads(config_path.read_text()) if config_path.exists() else {}
    registered = {}
    for i, (name, server) in enumerate(sorted(servers.items())):
        spec = folder / f"server-{i}.json"
        spec.write_text(json.dumps({"name": name, **server}))
        registered[name] = {"type": "stdio", "command": sys.executable, "args": ["-I", "-S", str(program), str(spec)], "env": {}}
    config["mcpServers"] = registered
    config_path.write_text(json.dumps(config, indent=2))


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        serve(json.load(f), sys.stdin, sys.stdout)
