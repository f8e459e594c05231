"""The requests view: what each capture scenario sent in one release, or in A and B side by side.
The captures are read from the store in a worker (a thread has its own SQLite connection)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from ...collector import CAPTURE
from ...diff import Change
from ..requests import KINDS, Request, requests
from ..widgets.footer import KeysFooter
from ..widgets.request_tree import FieldRef, RequestTree
from . import AuditorScreen
from .diff import DiffScreen

Captures = dict[str, dict[str, dict[str, Any]]]  # scenario -> kind -> key -> value
# field -> (kind, key after "role: ", whether that is a prefix: every block, every tool)
STORED_AS = {
    "system blocks": ("system_block", "block ", True),
    "tools": ("tool_schema", "", True),
    "betas": ("header", "anthropic-beta", False),
    "effort": ("request_param", "output_config", False),
}


class RequestsScreen(AuditorScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, b: str, a: str | None = None) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.captures: tuple[Captures, Captures] = ({}, {})

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Reading the captures of {self.title_text()}…", id="requests")
        yield KeysFooter()

    def title_text(self) -> str:
        return f"{self.a} → {self.b}" if self.a else self.b

    def on_mount(self) -> None:
        self.sub_title = f"requests sent · {self.title_text()}"
        self.load()

    @work(thread=True, exclusive=True, group="requests", exit_on_error=False)
    def load(self) -> None:
        with self.auditor.open_collector() as collector:
            names = {r.source.removeprefix(CAPTURE) for r in collector.store.snapshots(collector.target.name) if r.source.startswith(CAPTURE)}

            def read(version: str | None) -> Captures:
                rows = {n: collector.captured(version, n) for n in sorted(names)} if version else {}
                return {n: collector.store.facts(row.id, kinds=KINDS) for n, row in rows.items() if row}

            before, after = read(self.a), read(self.b)
        self.app.call_from_thread(self.show, before, after)  # type: ignore[arg-type]  # Textual types async callbacks as Awaitable[Never]

    async def show(self, before: Captures, after: Captures) -> None:
        self.captures = (before, after)
        if not before and not after:
            self.query_one("#requests", Static).update(
                f"[b]No captures of {self.title_text()}.[/b]\n\nCollect with capture scenarios (audit collect V, without --no-capture) to see what it sends."
            )
            return
        scenarios: dict[str, list[Request]] = {}
        notes: dict[str, str] = {}
        for name in sorted({*before, *after}):
            if self.a and name not in before:
                notes[name] = f"not captured in {self.a}"
            elif self.a and name not in after:
                notes[name] = f"not captured in {self.b}"
            if name in after:
                scenarios[name] = requests(after[name], before.get(name) if self.a else None)
            else:
                scenarios[name] = requests(before[name])
        await self.query_one("#requests").remove()
        tree = RequestTree(f"What {self.title_text()} sent, per capture scenario  (Enter on a field: its whole value or diff)", scenarios, notes, id="requests")
        await self.mount(tree, before=self.query_one(KeysFooter))
        tree.focus()

    def on_request_tree_chosen(self, event: RequestTree.Chosen) -> None:
        changes = field_changes(event.ref, *self.captures, self.b)
        if not changes:
            self.notify(f"{event.ref.field.name}: the same in both" if self.a else f"{event.ref.field.name}: {event.ref.field.after}")
            return
        self.app.push_screen(DiffScreen(changes))


def field_changes(ref: FieldRef, before: Captures, after: Captures, version: str) -> list[Change]:
    """The stored values behind a field as changes the diff viewer shows: a system block's or a tool's
    whole text, or the parameter itself; only those that differ between the ends."""
    kind, name, prefix = STORED_AS.get(ref.field.name, ("request_param", ref.field.name, False))
    old: Mapping[str, Any] = before.get(ref.scenario, {}).get(kind, {})
    new: Mapping[str, Any] = after.get(ref.scenario, {}).get(kind, {})
    wanted = f"{ref.role}: {name}"
    keys = sorted(k for k in {*old, *new} if (k.startswith(wanted) if prefix else k == wanted))
    return [
        Change(kind, key, key, old.get(key), new.get(key), version, changed_in=(version,), scenario=ref.scenario)
        for key in keys
        if old.get(key) != new.get(key)
    ]
