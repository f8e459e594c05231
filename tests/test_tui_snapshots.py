"""SVG snapshots of the main screens at 80×24 (pytest-textual-snapshot): the timeline, the compare, a
request-code diff and the pin panel on the fixture store. Update after a deliberate change with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the report it writes."""

from __future__ import annotations

from datetime import datetime

from test_tui import SIZE, badges_done, tui  # noqa: F401  (the fixture store and app factory; tests/ is on sys.path)
from test_tui_requests import captured, tree_of  # noqa: F401  (that store with captures)

from auditor import audit
from auditor.tui.screens.compare import CompareScreen


async def until_compared(pilot) -> CompareScreen:
    for _ in range(200):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, CompareScreen) and pilot.app.screen.report is not None:
            await pilot.pause()
            return pilot.app.screen
    raise AssertionError("compare never finished")


def test_timeline(tui, snap_compare):  # noqa: F811
    async def marked(pilot):
        await badges_done(pilot)
        await pilot.press("b", "down", "down", "a")

    with tui() as app:
        assert snap_compare(app, run_before=marked, terminal_size=SIZE)


def test_compare(tui, snap_compare):  # noqa: F811
    with tui(compare=("2.1.1", "2.1.114")) as app:
        assert snap_compare(app, run_before=until_compared, terminal_size=SIZE)


def test_request_code_diff(tui, snap_compare):  # noqa: F811
    async def open_code(pilot):
        screen = await until_compared(pilot)
        screen.open_diff([c for c in screen.report.changes if c.kind == "request_code" and c.before and c.after][:1])
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n")

    with tui(compare=("2.1.1", "2.1.114")) as app:
        assert snap_compare(app, run_before=open_code, terminal_size=SIZE)


def after_compare(*keys: str):
    """A run_before that waits for the compare, then presses `keys` and lets the screen settle."""

    async def run(pilot):
        await until_compared(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.3)

    return run


class _Frozen(datetime):
    """`now` for the pin's ages: the candidates table says how old each release is."""

    @classmethod
    def now(cls, tz=None):
        return cls(2026, 12, 1, tzinfo=tz)


def test_pin_panel(tui, snap_compare, monkeypatch):  # noqa: F811
    monkeypatch.setattr(audit, "datetime", _Frozen)
    with tui(compare=("2.1.1", "2.1.114")) as app:
        assert snap_compare(app, run_before=after_compare("p"), terminal_size=SIZE)


def test_changelog_pane(tui, snap_compare):  # noqa: F811
    with tui(compare=("2.1.1", "2.1.114")) as app:
        assert snap_compare(app, run_before=after_compare("l"), terminal_size=SIZE)


def test_requests_view(captured, snap_compare):  # noqa: F811
    async def open_requests(pilot):
        await after_compare("r")(pilot)
        await tree_of(pilot)
        await pilot.pause()

    with captured(compare=("2.1.1", "2.1.2")) as app:
        assert snap_compare(app, run_before=open_requests, terminal_size=SIZE)
