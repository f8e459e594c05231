"""What a new user sees on an empty store: how to fill it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.widgets import Header, Static

from ..widgets.footer import KeysFooter
from . import AuditorScreen

if TYPE_CHECKING:
    from ..app import AuditorApp

FIRST_COLLECT = 5  # releases `g` collects into an empty store


class EmptyScreen(AuditorScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "collect", f"Collect the {FIRST_COLLECT} newest"),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def __init__(self, store_name: str) -> None:
        super().__init__()
        self.store_name = store_name

    def compose(self) -> ComposeResult:
        yield Header()
        with Middle(), Center():
            yield Static(
                f"[b]No releases in {self.store_name} yet.[/b]\n\n"
                f"Press [b]g[/b] to collect the {FIRST_COLLECT} newest here (Esc cancels), or from a shell:\n\n"
                f"  [b]audit --db {self.store_name} collect --latest {FIRST_COLLECT}[/b]\n\n"
                "(add --no-capture to skip running them against the fake API),\n"
                "or compare two releases directly, which collects them:\n\n"
                f"  [b]audit --db {self.store_name} tui 2.1.109 2.1.117[/b]\n\n"
                "Press q to quit.",
                id="empty",
            )
            yield Static(id="collect")
        yield KeysFooter()

    def action_collect(self) -> None:
        self.auditor.collect(latest=FIRST_COLLECT)

    def action_cancel(self) -> None:
        if self.auditor.cancel_collect():
            self.query_one("#collect", Static).update("cancelling: the releases already stored stay…")

    def on_auditor_app_collecting(self, message: AuditorApp.Collecting) -> None:
        step = message.step
        self.query_one("#collect", Static).update(f"collecting {step.version}: {step.stage} ({step.done}/{step.total} releases)")

    def on_auditor_app_collected(self, message: AuditorApp.Collected) -> None:
        if message.error:
            self.notify(message.error, title="collect", severity="error", timeout=10)
        if self.auditor.rows():
            self.app.switch_screen(self.auditor.timeline())
        else:
            self.query_one("#collect", Static).update("")
