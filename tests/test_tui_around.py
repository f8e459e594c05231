"""When did it start, in the TUI: dates on the timeline (disagreements marked), `t` jumps to the
releases current around a date, and a user's series overlaid (--metric)."""

from __future__ import annotations

import pytest
from test_tui import SIZE, badges_done, tui  # noqa: F401  (the fixture store and app factory)

from auditor.tui.widgets.release_table import ReleaseTable


@pytest.mark.anyio
async def test_t_shows_the_releases_current_around_a_date(tui):  # noqa: F811
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            await badges_done(pilot)
            table = app.screen.query_one(ReleaseTable)
            assert table.dates["2.1.113"].day == "2026-04-03" and table.dates["2.1.113"].source == "npm"
            await pilot.press("t", *"2026-04-03", "enter")
            assert [str(k.value) for k in table.rows] == ["2.1.113", "2.1.2", "2.1.1"]  # 2.1.114 came the day after
            assert table.has_focus
            status = str(app.screen.query_one("#status").render())
            assert "current around 2026-04-03" in status
            await pilot.press("t", *"2026-04-10", "enter")  # the window opens 04-03: 2.1.113 was current, 2.1.114 came inside
            assert [str(k.value) for k in table.rows] == ["2.1.114", "2.1.113"]
            await pilot.press("escape")
            assert table.row_count == 4
            await pilot.press("t", *"yesterday", "enter")
            assert table.row_count == 4 and any("not a date" in n.message for n in app._notifications)


@pytest.mark.anyio
async def test_a_metric_column_marks_drops_and_dates_that_disagree_are_flagged(tui, releases):  # noqa: F811
    releases.packages["@anthropic-ai/claude-code"]["time"]["2.1.2"] = "2026-09-14T11:01:37Z"  # stamped late, as on the real registry
    with tui.open_collector() as collector:
        collector.store.save_releases("claude-code", {"2.1.2": "2026-09-14T11:01:37Z"})
    with tui() as app:
        app.metric = {"2026-04-01": 0.7, "2026-04-03": 0.4}
        async with app.run_test(size=SIZE) as pilot:
            await badges_done(pilot)
            table = app.screen.query_one(ReleaseTable)
            dated = table.dates["2.1.2"]
            assert dated.source == "neighbours" and dated.day == "2026-04-03" and "npm says 2026-09-14" in dated.note
            assert str(table.get_cell("2.1.2", "published")) == "2026-04-03≠"
            assert str(table.get_cell("2.1.113", "metric")) == "0.4" and str(table.get_cell("2.1.1", "metric")) == "0.7"
            assert str(table.get_cell("2.1.2", "metric")) == "0.4▼"
            table.move_cursor(row=table.get_row_index("2.1.2"))
            await pilot.pause()
            assert "npm says 2026-09-14" in str(app.screen.query_one("#status").render())
