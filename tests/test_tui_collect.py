"""Collecting from the TUI: a release not stored yet is fetched in a worker with progress, the UI keeps
answering keys, Esc cancels and the store keeps only whole snapshots, errors are notifications."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import httpx
import pytest
from test_tui import SIZE, badges_done, tui  # noqa: F401  (the fixture store and app factory)

from auditor import targets
from auditor.collector import Collector
from auditor.errors import Cancelled
from auditor.npm import Cache, Registry
from auditor.store import Store
from auditor.tui.app import AuditorApp
from auditor.tui.screens.empty import EmptyScreen
from auditor.tui.screens.timeline import TimelineScreen
from auditor.tui.widgets.release_table import ReleaseTable

SLOW = "/tarballs/@anthropic-ai_claude-code-linux-x64-2.1.114.tgz"


async def ended(pilot) -> None:
    for _ in range(200):
        await pilot.pause(0.05)
        if not pilot.app.collecting():
            await pilot.pause()
            return
    raise AssertionError("the collect never ended")


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.mark.anyio
async def test_g_collects_the_highlighted_release_with_progress(tui, releases):  # noqa: F811
    releases.delays[SLOW] = 0.5
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ReleaseTable)
            await pilot.press("up")  # 2.1.114: published, not stored
            assert table.current_version() == "2.1.114" and not table.releases[0].static
            await pilot.press("g")
            await pilot.pause(0.2)
            assert app.collecting()
            assert "collecting 2.1.114" in str(app.screen.query_one("#collect").render())
            await pilot.press("down")  # keys are handled while it runs
            assert table.current_version() == "2.1.113"
            await ended(pilot)
            assert table.releases[0].version == "2.1.114" and table.releases[0].static
            assert not app.screen.query_one("#collect").display
            assert "collected 2.1.114" in notes(app)


@pytest.mark.anyio
async def test_esc_cancels_a_collect_and_nothing_half_done_is_kept(tui, releases):  # noqa: F811
    releases.delays[SLOW] = 1.5
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("up", "g")
            await pilot.pause(0.3)
            await pilot.press("escape")
            assert "cancelling" in str(app.screen.query_one("#collect").render())
            await ended(pilot)
            assert any("cancelled" in n for n in notes(app))
            assert not app.screen.query_one(ReleaseTable).releases[0].static
    with tui.open_collector() as collector:
        assert collector.stored("2.1.114") is None and collector.stored("2.1.113") is not None


@pytest.mark.anyio
async def test_a_failing_collect_is_a_notification(tui, releases):  # noqa: F811
    releases.faults[SLOW] = [(404, {})] * 10
    with tui() as app:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("up", "g")
            await ended(pilot)
            assert isinstance(app.screen, TimelineScreen)
            assert any("2.1.114" in n for n in notes(app))


def test_a_stop_set_before_the_first_event_stores_nothing(releases, env):
    with httpx.Client() as client:
        collector = Collector(Store.open(env / "c.db"), Registry(client, Cache(env / "cache"), url=releases.url), targets.get("claude-code"))
        stop = threading.Event()
        stop.set()
        with pytest.raises(Cancelled):
            collector.ensure(["2.1.1", "2.1.2"], stop=stop)
        assert collector.store.snapshots("claude-code") == []


@pytest.mark.anyio
async def test_g_on_an_empty_store_collects_the_newest_and_opens_the_timeline(releases, env, monkeypatch):
    monkeypatch.chdir(env)

    @contextmanager
    def open_collector():
        with httpx.Client() as client:
            yield Collector(Store.open("fresh.db"), Registry(client, Cache(env / "cache"), url=releases.url), targets.get("claude-code"))

    with open_collector() as collector:
        app = AuditorApp(collector, open_collector, lambda c: None, scenarios=())
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, EmptyScreen)
            assert "Press g" in str(app.screen.query_one("#empty").render())
            await pilot.press("g")
            await ended(pilot)
            await pilot.pause(0.2)
            assert isinstance(app.screen, TimelineScreen)
            assert sum(r.static for r in app.screen.query_one(ReleaseTable).releases) == 4


@pytest.mark.anyio
async def test_a_store_being_collected_into_opens_read_only(tui):  # noqa: F811
    with tui.open_collector() as writer, writer.store.writer(), tui() as app:
        assert app.busy and app.busy.startswith("audit collect (pid")
        async with app.run_test(size=SIZE) as pilot:
            assert app.screen.sub_title == "store.db (read-only)" and any("opened read-only" in n for n in notes(app))
            await pilot.press("up", "g")  # no collect while another process writes
            assert not app.collecting() and any("Read-only" in n for n in notes(app))
            await badges_done(pilot)  # the badges are computed and shown, not saved
            assert app.screen.query_one(ReleaseTable).badges["2.1.113"] is not None
        assert "tui_badges" not in app.collector.store.db.table_names()
        assert app.collector.store.db.execute("SELECT count(*) FROM judgements").fetchone()[0] == 0
