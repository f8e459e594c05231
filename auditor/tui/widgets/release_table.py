"""The releases timeline as a table: version, date, what is stored, and the A/B marks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from ...dating import Dated, metric_on
from ..badges import Badge
from ..model import ReleaseRow

LOG_STYLES = {"yes": "dim", "edited": "yellow", "none": "bold red"}


def badge_text(badges: dict[str, Badge | None], version: str) -> Text:
    """`2H 1M 4L` (undocumented findings against the predecessor), `…` while computing, blank if unknown."""
    if version not in badges:
        return Text("")
    badge = badges[version]
    if badge is None:
        return Text("…", style="dim")
    return Text(badge.label(), style="bold red" if badge.high else "yellow" if badge.medium else "dim")


class ReleaseTable(DataTable):
    """Releases newest first; `a`/`b` mark the ends of a compare, Enter asks for it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "mark('A')", "Mark A"),
        Binding("b", "mark('B')", "Mark B", show=False),
    ]

    @dataclass
    class Marked(Message):
        """The user marked a release as end A or B of a compare."""

        end: str
        version: str

    def __init__(self, rows: list[ReleaseRow], badges: dict[str, Badge] | None = None, metric: dict[str, float] | None = None,
                 marks: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.metric = metric  # the user's daily series (--metric), shown on each release's date
        self.dates: dict[str, Dated] = {}  # once the changelog is read: dating.py's dates
        self.window: set[str] | None = None  # `t`: only the releases current around a date
        self.releases = rows
        self.badges: dict[str, Badge | None] = dict(badges or {})  # None: being computed
        self.marks: dict[str, str] = dict(marks or {})
        self.query_text = ""
        self.stored_only = False
        self.high_only = False
        self.changelog: dict[str, str] = {}  # version -> yes / edited / none, once the changelog is read

    def on_mount(self) -> None:
        self.add_column("", key="mark", width=2)
        self.add_column("version", key="version")
        self.add_column("date", key="published", width=11)
        self.add_column("static", key="static")
        self.add_column("undoc.", key="undoc", width=11)  # "12H 10M 15L"
        self.add_column("log", key="log", width=6)
        if self.metric is not None:
            self.add_column("metric", key="metric", width=8)
        self.add_column("captures", key="captures")
        self.refill()
        stored = next((r.version for r in self.releases if r.static), None)
        if stored:  # most published releases may not be collected: start where there is something to compare
            self.move_cursor(row=self.get_row_index(stored))

    def shown(self) -> list[ReleaseRow]:
        words = self.query_text.lower().split()
        high = {v for v, b in self.badges.items() if b and b.high}
        return [r for r in self.releases if (self.window is None or r.version in self.window) and (r.static or not self.stored_only) and (r.version in high or not self.high_only) and all(w in f"{r.version} {r.date} {' '.join(r.scenarios)}".lower() for w in words)]

    def refill(self) -> None:
        """Show the rows matching the filter, keeping the cursor on the same release when it stays."""
        current = self.current_version()
        self.clear()
        shown = self.shown()
        values = self.metric_values(shown)
        for row in shown:
            mark = "".join(end for end, v in sorted(self.marks.items()) if v == row.version)
            cells: list[Text | str] = [
                Text(mark, style="bold reverse"),
                Text(row.version, style="bold" if row.static else "dim"),
                self.date_text(row),
                Text("stored", style="green") if row.static else Text("·", style="dim"),
                badge_text(self.badges, row.version),
                Text(self.changelog.get(row.version, ""), style=LOG_STYLES.get(self.changelog.get(row.version, ""), "")),
            ]
            if self.metric is not None:
                cells.append(values[row.version])
            cells.append(f"{len(row.scenarios)}: {', '.join(row.scenarios)}" if row.scenarios else Text("·", style="dim"))
            self.add_row(*cells, key=row.version)
        if current and current in self.rows:
            self.move_cursor(row=self.get_row_index(current))

    def date_text(self, row: ReleaseRow) -> Text:
        """The release's date (dating.py's once known: `≠` when npm's publish time disagrees)."""
        dated = self.dates.get(row.version)
        if dated is None:
            return Text(row.date)
        return Text(dated.day + ("≠" if dated.note else ""), style="yellow" if dated.note else "")

    def day(self, row: ReleaseRow) -> str:
        dated = self.dates.get(row.version)
        return dated.day if dated else row.date

    def metric_values(self, rows: list[ReleaseRow]) -> dict[str, Text]:
        """The series on each release's date; `▼` red when lower than on the release before it."""
        if self.metric is None:
            return {}
        out: dict[str, Text] = {}
        older: float | None = None
        for row in reversed(rows):
            value = metric_on(self.metric, self.day(row)) if self.day(row) else None
            arrow = "" if value is None or older is None or value == older else "▼" if value < older else "▲"
            out[row.version] = Text(f"{'' if value is None else f'{value:g}'}{arrow}", style="bold red" if arrow == "▼" else "")
            older = value if value is not None else older
        return out

    def set_window(self, versions: set[str] | None) -> None:
        self.window = versions
        self.refill()

    def current_version(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def set_filter(self, text: str) -> None:
        self.query_text = text
        self.refill()

    def set_badge(self, version: str, badge: Badge | None) -> None:
        self.badges[version] = badge
        if version in self.rows:
            self.update_cell(version, "undoc", badge_text(self.badges, version))

    def set_changelog(self, marks: dict[str, str], dates: dict[str, Dated]) -> None:
        """The changelog's marks and dating.py's dates, cell by cell (a refill of hundreds of rows would
        hold the UI for a noticeable moment); the metric column follows the dates."""
        self.changelog, self.dates = marks, dates
        shown = [r for r in self.shown() if r.version in self.rows]
        values = self.metric_values(shown)
        for row in shown:
            self.update_cell(row.version, "published", self.date_text(row))
            self.update_cell(row.version, "log", Text(marks.get(row.version, ""), style=LOG_STYLES.get(marks.get(row.version, ""), "")))
            if self.metric is not None:
                self.update_cell(row.version, "metric", values[row.version])

    def toggle_high(self) -> None:
        self.high_only = not self.high_only
        self.refill()

    def toggle_stored(self) -> None:
        self.stored_only = not self.stored_only
        self.refill()

    def action_mark(self, end: str) -> None:
        version = self.current_version()
        if version:
            self.marks[end] = version
            self.refill()
            self.post_message(self.Marked(end, version))
