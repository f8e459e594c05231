"""The pin recommendation of a compare, with keys that copy the commands."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header

from ...pin import Recommendation
from ..widgets.footer import KeysFooter
from ..widgets.pin_panel import PinPanel, hold_lines


class PinScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_install", "Copy install"),
        Binding("h", "copy_hold", "Copy install+hold"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, rec: Recommendation) -> None:
        super().__init__()
        self.rec = rec

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="pin"):
            yield PinPanel(self.rec)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = f"pin from {self.rec.baseline}"

    def action_copy_install(self) -> None:
        self._copy(self.rec.commands["install"])

    def action_copy_hold(self) -> None:
        self._copy("\n".join(hold_lines(self.rec)))

    def _copy(self, text: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied to the clipboard: {text.splitlines()[0]}" + (" …" if "\n" in text else ""))
