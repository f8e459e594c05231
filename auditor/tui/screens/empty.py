"""What a new user sees on an empty store: how to fill it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class EmptyScreen(Screen):
    def __init__(self, store_name: str) -> None:
        super().__init__()
        self.store_name = store_name

    def compose(self) -> ComposeResult:
        yield Header()
        with Middle(), Center():
            yield Static(
                f"[b]No releases in {self.store_name} yet.[/b]\n\n"
                "Collect some first, for example the five newest:\n\n"
                f"  [b]audit --db {self.store_name} collect --latest 5[/b]\n\n"
                "(add --no-capture to skip running them against the fake API),\n"
                "or compare two releases directly, which collects them:\n\n"
                f"  [b]audit --db {self.store_name} tui 2.1.109 2.1.117[/b]\n\n"
                "Press q to quit.",
                id="empty",
            )
        yield Footer()
