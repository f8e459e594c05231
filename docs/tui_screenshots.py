"""Regenerate the TUI screenshots in docs/ from a real store (SVG, Textual's own export).

    cd FOLDER_WITH_A_COPY && AUDITOR_CHANGELOG=…/claude-code-changelog.bundle python …/docs/tui_screenshots.py --db auditor.db 2.1.109 2.1.117

The app is wired exactly as `audit tui` wires it (the CLI's collector and judging), then driven with Pilot."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import click

from auditor import cli as audit_cli
from auditor.npm import DEFAULT_CACHE_MAX, DEFAULT_REGISTRY
from auditor.tui.app import AuditorApp
from auditor.tui.screens.compare import CompareScreen
from auditor.tui.screens.timeline import BADGES_AFTER
from auditor.tui.widgets.release_table import ReleaseTable

DOCS = Path(__file__).parent


async def shoot(db: Path, a: str, b: str, size: tuple[int, int]) -> None:
    ctx = click.Context(audit_cli.cli, obj={"db": db, "target": "claude-code", "platform": "linux-x64", "registry": DEFAULT_REGISTRY, "cache_dir": None, "cache_max": DEFAULT_CACHE_MAX})
    with audit_cli._collector(ctx) as collector:
        app = AuditorApp(collector, lambda: audit_cli._collector(ctx), lambda c: audit_cli._judging(ctx, c, None, None, None))
        async with app.run_test(size=size) as pilot:
            await pilot.pause(BADGES_AFTER + 0.1)
            await app.workers.wait_for_complete()  # badges of releases not judged before
            table = app.screen.query_one(ReleaseTable)
            await pilot.press("s")  # stored releases only
            table.move_cursor(row=table.get_row_index(b))
            await pilot.press("b")
            table.move_cursor(row=table.get_row_index(a))
            await pilot.press("a")
            app.save_screenshot("tui-timeline.svg", str(DOCS))
            await pilot.press("c")
            while not (isinstance(app.screen, CompareScreen) and app.screen.report is not None):
                await pilot.pause(0.2)
            await pilot.pause(0.3)
            compare = app.screen
            app.save_screenshot("tui-compare.svg", str(DOCS))
            for name, kind, keys in (("tui-prompt-diff.svg", "prompt_section", ["n"]), ("tui-request-code-diff.svg", "request_code", ["s"])):
                change = next(c for c in compare.report.changes if c.kind == kind and c.status == "changed")
                compare.open_diff([change])
                for key in [*keys, "n"]:
                    await app.workers.wait_for_complete()  # the diff is prepared in a worker
                    await pilot.pause(0.2)
                    await pilot.press(key)
                await pilot.pause(0.2)
                app.save_screenshot(name, str(DOCS))
                await pilot.press("escape")
            await pilot.press("l")
            await pilot.pause(0.3)
            app.save_screenshot("tui-changelog.svg", str(DOCS))
            await pilot.press("f", "p")
            await pilot.pause(0.2)
            app.save_screenshot("tui-pin.svg", str(DOCS))
            await pilot.press("escape", "r")
            while not app.screen.query("RequestTree"):
                await pilot.pause(0.2)
            await pilot.pause(0.3)
            app.save_screenshot("tui-requests.svg", str(DOCS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    asyncio.run(shoot(args.db, args.a, args.b, (width, height)))


if __name__ == "__main__":
    main()
