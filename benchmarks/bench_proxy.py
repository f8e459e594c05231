"""The recording proxy adds ≤ 5 ms to the median time-to-first-byte of a streamed Messages response (or, with
`--target codex`, of a streamed Responses API one).

    .venv/bin/python benchmarks/bench_proxy.py [--requests 200] [--body-kb 400] [--target codex]

Both paths are measured in the same run against the same local fake upstream (the capture FakeAPI),
interleaved request by request so both see the same machine load; each path's first requests are
warm-up. The proxy runs as users run it: `serve()` in its own process, stopped with Ctrl-C (SIGINT).
The proxied requests carry the CLI's user-agent and a body of its size (system prompt, tool definitions,
history; Codex's as developer message, `additional_tools` item and input), so they are recorded as in a
real session: the recording of one request runs while the next ones are being timed.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from auditor import targets
from auditor.capture import FakeAPI
from auditor.capture.responses import PATH as RESPONSES_PATH
from auditor.capture.server import MESSAGES_PATH, dialect
from auditor.store import Store

SERVE = """
import sys
from auditor.capture.proxy import serve
from auditor.store import Store
serve(Store.open(sys.argv[1]), sys.argv[3], port=0, upstream=sys.argv[2], on_ready=lambda url: print(url, flush=True))
"""

VERSION = {"claude-code": "2.1.117", "codex": "0.171.0"}
HEADERS = {
    "claude-code": {"user-agent": "claude-cli/2.1.117 (external, cli)", "x-api-key": "sk-ant-api03-" + "x" * 80, "content-type": "application/json"},
    "codex": {"user-agent": "codex_cli_rs/0.171.0 (Debian 12.0.0; x86_64) xterm-256color (codex_cli_rs; 0.171.0)", "originator": "codex_cli_rs",
              "authorization": "Bearer sk-proj-" + "x" * 80, "content-type": "application/json"},
}
PATHS = {"claude-code": MESSAGES_PATH, "codex": RESPONSES_PATH}
WORDS = "the file tool user should never path read edit with model when run command output".split()


def text(chars: int, seed: int) -> str:
    words = [WORDS[(seed + i * 7) % len(WORDS)] for i in range(chars // 6)]
    return " ".join(words)


def request_body(kb: int, target: str) -> bytes:
    """A main-loop request of about `kb` KiB: a third system prompt, a third tools, a third history."""
    third = kb * 1024 // 3
    if target == "codex":
        tools = [{"type": "function", "name": f"tool_{i}", "description": text(third // 40, i), "parameters": {"type": "object"}} for i in range(40)]
        return json.dumps({
            "model": "gpt-6.2-sol", "stream": True, "store": False, "reasoning": {"effort": "medium"}, "text": {"verbosity": "low"},
            "input": [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": text(third, 1)}]},
                      {"type": "additional_tools", "tools": [{"type": "namespace", "name": "functions", "description": "", "tools": tools}]},
                      {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text(third, 2)}]}],
        }).encode()
    body = {
        "model": "claude-opus-4-1", "max_tokens": 32000, "stream": True, "thinking": {"type": "enabled", "budget_tokens": 31999},
        "system": [{"type": "text", "text": text(third, 1), "cache_control": {"type": "ephemeral"}}],
        "tools": [{"name": f"Tool{i}", "description": text(third // 40, i), "input_schema": {"type": "object"}} for i in range(40)],
        "messages": [{"role": "user", "content": [{"type": "text", "text": text(third, 2)}]}],
    }
    return json.dumps(body).encode()


def ttfb(client: httpx.Client, url: str, body: bytes, target: str) -> float:
    """Seconds from sending the request to the first byte of the streamed body; the rest is read too."""
    start = time.perf_counter()
    with client.stream("POST", url + PATHS[target], content=body, headers=HEADERS[target]) as response:
        chunks = response.iter_raw()
        next(chunks)
        first = time.perf_counter() - start
        for _ in chunks:
            pass
    assert response.status_code == 200
    return first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--body-kb", type=int, default=400)
    parser.add_argument("--target", choices=sorted(VERSION), default="claude-code")
    opts = parser.parse_args()
    target = opts.target
    body, warmup = request_body(opts.body_kb, target), 10
    times: dict[str, list[float]] = {"direct": [], "proxy": []}
    with tempfile.TemporaryDirectory() as tmp, FakeAPI(dialect=dialect(targets.get(target).api)) as api:
        db = Path(tmp) / "bench.db"
        proxy = subprocess.Popen([sys.executable, "-c", SERVE, str(db), api.url, target], stdout=subprocess.PIPE, text=True)
        try:
            proxy_url = proxy.stdout.readline().strip()
            with httpx.Client(timeout=30) as client:
                for i in range(warmup + opts.requests):
                    order = [("direct", api.url), ("proxy", proxy_url)]
                    for name, url in order if i % 2 else order[::-1]:
                        elapsed = ttfb(client, url, body, target)
                        if i >= warmup:
                            times[name].append(elapsed)
        finally:
            proxy.send_signal(signal.SIGINT)
            proxy.wait(timeout=120)
        store = Store.open(db)
        seen = store.facts(store.find(target, VERSION[target], "proxy", "proxy").id)["capture"]["main: requests seen"]
    ms = {name: sorted(t * 1000 for t in values) for name, values in times.items()}
    for name, values in ms.items():
        print(f"{name:6}  median {statistics.median(values):6.2f} ms  p90 {values[int(len(values) * 0.9)]:6.2f} ms  "
              f"min {values[0]:6.2f} ms  ({len(values)} requests, {len(body) // 1024} KiB body)")
    added = statistics.median(ms["proxy"]) - statistics.median(ms["direct"])
    print(f"proxy adds {added:.2f} ms to the median time-to-first-byte (target ≤ 5 ms): {'ok' if added <= 5 else 'MISSED'}; "
          f"{seen} requests recorded")


if __name__ == "__main__":
    main()
