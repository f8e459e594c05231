"""Scenarios are data: one TOML file each says how to run the CLI and how the fake API answers it.

Built-in scenarios live next to this module in `scenarios/` (Claude Code's), one folder per other target
(`scenarios/gemini-cli/`); users add or override them with a directory of their own. A file looks like:

    description = "Print mode, two turns: thinking + a tool call, then text."
    mode = "print"                    # "print" (-p, plain pipes) or "interactive" (pty)
    prompt = "Read the README."       # passed after -p, or typed into the terminal
    args = ["--model", "opus"]        # optional extra command-line arguments
    route = "first-party"             # optional: "first-party" (default; the real API host, intercepted)
                                      # or "base-url" (ANTHROPIC_BASE_URL, as behind a gateway)

    [[turns]]                         # optional; what the fake API answers on turn 1, 2, …
    thinking = "I should read it."    # sent only when the request enabled thinking
    tool = "Read"                     # sent only when the request offers this tool
    tool_input = { file_path = "{project}/README.md" }
    text = "Reading it."

`{project}` and `{home}` in tool_input strings become the sandbox's folders. A turn's `also` lists other
names of its tool in other releases (`tool = "Agent"`, `also = ["Task"]`): the first one offered is called.
A turn's `each` lists headings of a listing the request holds ("Available agent types", followed by
"- name: …" lines): the tool is called once per name listed, in one message, `{name}` in tool_input
strings becoming the name; a release listing none gets the turn's text alone. A Responses API tool that
takes free text (a "custom" tool, Codex's `exec`) is called with the text of `tool_input.input`, a
function with the other keys.
Who the user is and what they chose (a subscription plan, settings, env, project files, and what the
requests must honour) are the keys of user.py.
`matrix = "models"` runs the scenario once per model the release's own catalogue offers, and
`matrix = "efforts"` once per model and reasoning effort it allows (targets with a catalogue: Codex), with
`{model}` and `{effort}` in `args` filled in; one capture holds every run, its facts keyed `MODEL/turn 0: …`
(`MODEL/EFFORT/turn 0: …`). A `[session]` table makes the
scenario a session over time (resumed after a break, left idle while it runs, or long enough to be
trimmed): see session.py.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import CaptureError
from . import session as session_
from . import user
from .server import Turn, substitute
from .user import API_KEY_USER, UserSetup

BUILTIN_DIR = Path(__file__).with_name("scenarios")
MODES = ("print", "interactive")
ROUTES = ("first-party", "base-url")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_KEYS = {"description", "mode", "prompt", "args", "route", "turns", "matrix", "exit_ok", session_.KEY} | user.KEYS
MATRICES = ("models", "efforts")
_TURN_KEYS = {"text", "thinking", "tool", "tool_input", "also", "each"}
# One process, many turns: user messages in on stdin, each turn's `result` event out on stdout.
STREAM_JSON = ("--input-format", "stream-json", "--output-format", "stream-json", "--verbose")


class ScenarioError(CaptureError):
    """A scenario file is invalid; the message names the file."""


@dataclass(frozen=True)
class Scenario:
    name: str
    mode: str
    prompt: str
    args: tuple[str, ...] = ()
    turns: tuple[Turn, ...] = ()
    route: str = "first-party"
    description: str = ""
    user: UserSetup = API_KEY_USER
    session: session_.Session | None = None  # sessions over time: follow-up runs, idle time, large files (session.py)
    matrix: str = ""  # "models" or "efforts": one run per variant of the release's catalogue (module docstring)
    exit_ok: bool = False  # a run that called the API and then exits non-zero is captured, its exit a fact (auto mode exits 1 when its classifier could not check an action)

    @property
    def fingerprint(self) -> str:
        """A digest of everything that decides what the program is run with and sees (not the description):
        a capture taken under another version of the scenario is redone, not diffed against this one's."""
        return hashlib.sha256(repr(replace(self, description="")).encode()).hexdigest()[:12]

    def variant(self, label: str, values: dict[str, str]) -> Scenario:
        """This scenario for one variant of its matrix: `{model}`, `{effort}` in its args filled in."""
        return replace(self, name=f"{self.name}/{label}", args=tuple(substitute(list(self.args), values)), matrix="")

    def command_args(self, prompt_flag: str = "-p") -> list[str]:
        """The arguments after the program: print mode adds `-p <prompt>` (the target's `prompt_flag`; none: the
        prompt comes last), interactive mode types the prompt instead, and a session with `later` prompts reads
        them all, the first one too, as stream-json on stdin."""
        if self.session is not None and self.session.later:
            return [*self.args, "-p", *STREAM_JSON]
        if self.mode != "print":
            return list(self.args)
        return [*self.args, *filter(None, [prompt_flag]), self.prompt]

    def prompts(self) -> list[str]:
        """Every prompt one run is given: the scenario's, then its session's `later` ones."""
        return [self.prompt, *(p.prompt for p in self.session.later)] if self.session is not None else [self.prompt]

    def script(self, folders: dict[str, str]) -> list[Turn]:
        """The turns with `{project}`/`{home}` filled in for one sandbox."""
        return [replace(t, tool_input=substitute(t.tool_input, folders)) for t in self.turns]


def _str(path: Path, where: str, value: Any, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ScenarioError(f"{path}: {where} must be a{'' if empty else ' non-empty'} string")
    return value


def _turn(path: Path, i: int, raw: Any) -> Turn:
    where = f"turns[{i}]"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: {where} must be a table")
    unknown = sorted(set(raw) - _TURN_KEYS)
    if unknown:
        raise ScenarioError(f"{path}: {where} has unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_TURN_KEYS))})")
    text = _str(path, f"{where}.text", raw.get("text", ""), empty=True)
    thinking = _str(path, f"{where}.thinking", raw["thinking"]) if "thinking" in raw else None
    tool = _str(path, f"{where}.tool", raw["tool"]) if "tool" in raw else None
    tool_input = raw.get("tool_input", {})
    if not isinstance(tool_input, dict):
        raise ScenarioError(f"{path}: {where}.tool_input must be a table")
    if tool_input and tool is None:
        raise ScenarioError(f"{path}: {where}.tool_input needs a tool")
    if not text and tool is None:
        raise ScenarioError(f"{path}: {where} needs text or a tool")
    also = raw.get("also", [])
    if not isinstance(also, list) or not all(isinstance(a, str) and a for a in also) or (also and tool is None):
        raise ScenarioError(f"{path}: {where}.also must be a list of tool names, beside a tool")
    each = raw.get("each", [])
    if not isinstance(each, list) or not all(isinstance(h, str) and h.strip() for h in each) or (each and tool is None):
        raise ScenarioError(f"{path}: {where}.each must be a list of headings, beside a tool")
    return Turn(text=text, thinking=thinking, tool=tool, tool_input=tool_input, also=tuple(also), each=tuple(each))


def _matrix(path: Path, value: Any) -> str:
    if value not in ("", *MATRICES):
        raise ScenarioError(f"{path}: matrix must be one of {', '.join(MATRICES)} (got {value!r})")
    return str(value)


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file; any problem is one ScenarioError line naming the file."""
    path = Path(path)
    name = path.stem
    if not _NAME.match(name):
        raise ScenarioError(f"{path}: scenario names (file names) use lowercase letters, digits, '.', '-', '_'")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: invalid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: cannot read: {e}") from None
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ScenarioError(f"{path}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_KEYS))})")
    mode = raw.get("mode")
    if mode not in MODES:
        raise ScenarioError(f"{path}: mode must be one of {', '.join(MODES)} (got {mode!r})")
    route = raw.get("route", "first-party")
    if route not in ROUTES:
        raise ScenarioError(f"{path}: route must be one of {', '.join(ROUTES)} (got {route!r})")
    prompt = _str(path, "prompt", raw.get("prompt"))
    args = raw.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ScenarioError(f"{path}: args must be a list of strings")
    if {"-p", "--print"} & set(args):
        raise ScenarioError(f"{path}: args must not contain -p/--print; set mode = \"print\" instead")
    turns = raw.get("turns", [])
    if not isinstance(turns, list):
        raise ScenarioError(f"{path}: turns must be an array of tables ([[turns]])")
    return Scenario(
        name=name,
        mode=mode,
        prompt=prompt,
        args=tuple(args),
        turns=tuple(_turn(path, i, t) for i, t in enumerate(turns)),
        route=route,
        description=_str(path, "description", raw.get("description", ""), empty=True),
        user=user.parse(path, raw),
        session=session_.parse(path, raw[session_.KEY], mode) if session_.KEY in raw else None,
        matrix=_matrix(path, raw.get("matrix", "")),
        exit_ok=_bool(path, "exit_ok", raw.get("exit_ok", False)),
    )


def _bool(path: Path, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{path}: {key} must be true or false")
    return value


def load_scenarios(directory: Path | None = None, names: Iterable[str] | None = None, builtin: str = "") -> list[Scenario]:
    """The built-in scenarios (of a target: its folder `builtin`, Target.scenarios), plus (overriding by name) those
    in `directory`, optionally only `names`, sorted by name."""
    found = {s.name: s for s in map(load_scenario, sorted((BUILTIN_DIR / builtin).glob("*.toml")))}
    if directory is not None:
        directory = Path(directory)
        if not directory.is_dir():
            raise ScenarioError(f"{directory}: not a directory of scenario files")
        found.update((s.name, s) for s in map(load_scenario, sorted(directory.glob("*.toml"))))
    if names is None:
        return [found[n] for n in sorted(found)]
    missing = [n for n in names if n not in found]
    if missing:
        raise ScenarioError(f"unknown scenario {missing[0]!r}; known: {', '.join(sorted(found))}")
    return [found[n] for n in names]
