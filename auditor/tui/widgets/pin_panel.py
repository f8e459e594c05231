"""The pin recommendation: the version, why not newer (each reason once), and the commands to hold it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...pin import Recommendation


def render_pin(rec: Recommendation) -> Text:
    head = f"Stay on {rec.version}: no newer release qualifies." if rec.stays else f"Pin {rec.package}@{rec.version}  (from {rec.baseline})"
    parts: list = [Text(head, style="bold green" if not rec.stays else "bold yellow"), Text(rec.basis(), style="italic"), Text("")]
    parts.append(Text("Install and hold  (c copies the install command, h all of these lines)", style="bold underline"))
    for line in hold_lines(rec):
        parts.append(Text("  " + line, style="bold"))
    parts.append(Text(""))
    if rec.skipped:
        parts.append(Text("Why not newer", style="bold underline"))
        parts += [Text("  " + line) for line in rec.why_not()]
    for note in rec.notes:
        parts += [Text(""), Text("Note: " + note, style="italic")]
    return Text("\n").join(parts)


def hold_lines(rec: Recommendation) -> list[str]:
    """The install command and the settings/env lines that keep the CLI from updating itself."""
    return [line for key in ("install", "hold_env", "hold_settings") if key in rec.commands for line in rec.commands[key].splitlines()]


class PinPanel(Static):
    def __init__(self, rec: Recommendation, **kwargs) -> None:
        super().__init__(render_pin(rec), **kwargs)
        self.rec = rec
