"""The screens of `audit tui`: timeline (start), compare, diff viewer, pin, empty store."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from ..app import AuditorApp


class AuditorScreen(Screen):
    """A screen that calls into the app (compare, workers' collectors, cached reports)."""

    @property
    def auditor(self) -> AuditorApp:
        return cast("AuditorApp", self.app)
